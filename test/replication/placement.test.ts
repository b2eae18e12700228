// whilePlacing: a replicated asset's creation is asked again while JetStream
// refuses it for a passing placement reason (what a CI run saw right after a
// cluster started: "no suitable peers for placement"), and every other error,
// or a refusal past the wait, reaches the caller. No server needed.

import { describe, expect, it } from 'vitest';
import { JetStreamApiError } from '@nats-io/jetstream';
import { isPassingPlacementError, whilePlacing } from '../../src/replication/placement.js';

const noPeers = () => new JetStreamApiError({ code: 500, err_code: 10005, description: 'no suitable peers for placement' });
const badConfig = () => new JetStreamApiError({ code: 400, err_code: 10058, description: 'stream name already in use with a different configuration' });

describe('whilePlacing', () => {
  it('asks again while placement is refused, and returns what the creation gives', async () => {
    let calls = 0;
    const created = await whilePlacing(async () => {
      calls++;
      if (calls < 3) throw noPeers();
      return 'bucket';
    });
    expect(created).toBe('bucket');
    expect(calls).toBe(3);
  });

  it('lets any other error through at once', async () => {
    let calls = 0;
    const failing = whilePlacing(async () => {
      calls++;
      throw badConfig();
    });
    await expect(failing).rejects.toThrow('different configuration');
    expect(calls).toBe(1);
    await expect(whilePlacing(async () => Promise.reject(new TypeError('not an api error')))).rejects.toBeInstanceOf(TypeError);
  });

  it('lets the refusal through once the wait is over', async () => {
    let calls = 0;
    let clock = 0;
    const failing = whilePlacing(
      async () => {
        calls++;
        clock += 400;
        throw noPeers();
      },
      1000,
      () => clock,
    );
    await expect(failing).rejects.toThrow('no suitable peers');
    expect(calls).toBe(3);
  });

  it('names the passing codes only', () => {
    expect(isPassingPlacementError(noPeers())).toBe(true);
    expect(isPassingPlacementError(badConfig())).toBe(false);
    expect(isPassingPlacementError(new Error('no suitable peers for placement'))).toBe(false);
  });
});
