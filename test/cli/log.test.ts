// stratadb log: moments newest first with their commit's time, metadata, size
// and restored moment, as text and as JSON lines; --limit; usage errors.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { open } from '../../src/node.js';
import { folder, run } from './support.js';

const START = Date.UTC(2026, 0, 1);

async function sample(): Promise<string> {
  const path = join(folder(), 'log.xit');
  let now = START;
  const db = await open(path, { clock: () => (now += 1000) });
  db.transact((tx) => tx.set(['a'], 1), { meta: { message: 'first', author: 'ann' } });
  db.set(['b'], 2);
  db.undo(1, { meta: 'undo b' });
  db.close();
  return path;
}

describe('stratadb log', () => {
  it('prints the moments newest first, with time, bytes, restored moment and metadata', async () => {
    const path = await sample();
    const text = await run(['log', path]);
    expect(text.code).toBe(0);
    const lines = text.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^2 {2}2026-01-01T00:00:03\.000Z {2}\d+ bytes {2}restores 0 {2}"undo b"$/);
    expect(lines[1]).toMatch(/^1 {2}2026-01-01T00:00:02\.000Z {2}\d+ bytes$/);
    expect(lines[2]).toMatch(/^0 {2}2026-01-01T00:00:01\.000Z {2}\d+ bytes {2}\{"message":"first","author":"ann"\}$/);
    const json = await run(['log', path, '--json', '--limit', '2']);
    const records = json.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ index: 2, time: '2026-01-01T00:00:03.000Z', meta: 'undo b', restored_from: 0 });
    expect(records[1]).toMatchObject({ index: 1, time: '2026-01-01T00:00:02.000Z' });
    expect(records[1]).not.toHaveProperty('meta');
    expect(typeof records[1]?.['size']).toBe('number');
  });

  it('refuses a limit that is not a whole number of at least 1', async () => {
    const path = await sample();
    for (const limit of ['0', '-1', 'x', '1.5']) expect((await run(['log', path, '--limit', limit])).code, limit).toBe(2);
  });

  it('says when a moment has no time, as in a file xitdb-java appended to', async () => {
    const result = await run(['log', join(import.meta.dirname, '..', 'interop', 'data', 'java-appended.db'), '--json']);
    expect(result.code).toBe(0);
    const records = result.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ index: 4, time: null, size: null });
    expect(records[4]).toMatchObject({ index: 0, meta: { message: 'every first-generation structure', author: 'stratadb' } });
  });
});
