// `stratadb replicate` and `stratadb follow`: usage errors, unreachable
// servers as a one-line failure, and against a three-server cluster a file
// published (with a snapshot) and a replica file that ends byte-identical.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from '../../src/node.js';
import { run, folder } from '../cli/support.js';
import { NatsCluster, haveNats } from '../support/nats-cluster.js';
import { firstDifference } from '../support/same-bytes.js';

describe('stratadb replicate and follow without servers', () => {
  it('need --name and --servers (exit 2), and report unreachable servers in one line (exit 1)', async () => {
    expect((await run(['follow', 'x.xit', '--servers', 'nats://127.0.0.1:1'])).code).toBe(2);
    expect((await run(['replicate', 'x.xit', '--name', 'n'])).code).toBe(2);
    const unreachable = await run(['follow', join(folder(), 'x.xit'), '--name', 'n', '--servers', 'nats://127.0.0.1:1', '--once']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/^stratadb: cannot reach the NATS servers nats:\/\/127\.0\.0\.1:1: .* \[REPLICATION\]\n$/);
  });
});

describe.skipIf(!haveNats)('stratadb replicate and follow on a cluster', () => {
  let cluster: NatsCluster;
  beforeAll(async () => {
    cluster = await NatsCluster.start(3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('publish a file and keep another one its byte-identical replica', async () => {
    const dir = folder();
    const primary = join(dir, 'primary.xit');
    const db = await open(primary);
    db.set(['greeting'], 'hello');
    db.set(['list'], [1, 2, 3]);
    db.close();
    const servers = cluster.servers.join(',');
    const published = await run(['replicate', primary, '--name', 'cli', '--servers', servers, '--snapshot']);
    expect(published.err).toBe('');
    expect(published.code).toBe(0);
    expect(published.out).toMatch(/^published \d+ bytes, 2 moments, to cli; snapshot of \d+ bytes uploaded\n$/);
    const replica = join(dir, 'replica.xit');
    const followed = await run(['follow', replica, '--name', 'cli', '--servers', servers, '--once']);
    expect(followed.code).toBe(0);
    expect(followed.out).toMatch(/caught up with cli\n$/);
    expect(firstDifference(readFileSync(replica), readFileSync(primary))).toBe(-1);
    // Published again after more commits: the replica follows from where it ends.
    const again = await open(primary);
    again.set(['greeting'], 'again');
    again.close();
    expect((await run(['replicate', primary, '--name', 'cli', '--servers', servers])).code).toBe(0);
    expect((await run(['follow', replica, '--name', 'cli', '--servers', servers, '--once'])).code).toBe(0);
    expect(firstDifference(readFileSync(replica), readFileSync(primary))).toBe(-1);
    // Compacted since: refused, with the way out; published as a new epoch, the replica moves to it.
    expect((await run(['compact', primary])).code).toBe(0);
    const refused = await run(['replicate', primary, '--name', 'cli', '--servers', servers]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--new-epoch/);
    const epoch = await run(['replicate', primary, '--name', 'cli', '--servers', servers, '--new-epoch']);
    expect(epoch.err).toBe('');
    expect(epoch.out).toMatch(/^published \d+ bytes, 1 moments, to cli \(epoch 1\)\n$/);
    expect((await run(['follow', replica, '--name', 'cli', '--servers', servers, '--once'])).code).toBe(0);
    const compacted = readFileSync(primary);
    expect(firstDifference(readFileSync(replica).subarray(0, compacted.length), compacted)).toBe(-1);
  });
});
