// `stratadb replicate` and `stratadb follow`: usage errors, unreachable
// servers as a one-line failure, and against a three-server cluster a file
// published (with a snapshot) and a replica file that ends byte-identical.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from '../../src/node.js';
import { run, folder } from '../cli/support.js';
import { NatsCluster, clusterForSuite, haveNats } from '../support/nats-cluster.js';
import { firstDifference } from '../support/same-bytes.js';
import { connect } from '@nats-io/transport-node';
import { replicate } from '../../src/replication.js';

/** The built command line, as users run it (npm run build first, as npm test does). */
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'src', 'cli', 'main.js');

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
  clusterForSuite((started) => {
    cluster = started;
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

  it('follow without --once keeps the file a replica, through a compaction, until SIGTERM', async () => {
    const dir = folder();
    const primary = join(dir, 'live.xit');
    const replica = join(dir, 'live.replica.xit');
    const connection = await connect({ servers: cluster.servers });
    const writer = await replicate(await open(primary), { name: 'live', connection, lease: { ttlMs: 5000 } });
    try {
      await writer.transactAsync((tx) => tx.set(['n'], 0));
      const child = spawn(process.execPath, [cli, 'follow', replica, '--name', 'live', '--servers', cluster.servers.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
      const until = async (condition: () => boolean, what: string) => {
        for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
        if (!condition()) throw new Error(`timed out waiting for ${what}; follow printed ${JSON.stringify(out)} ${JSON.stringify(err)}`);
      };
      await until(() => out.includes('caught up with live'), 'the first catch-up');
      const reader = await open(replica, { readOnly: true });
      const shows = (n: number) => () => {
        reader.refresh();
        return reader.get(['n']) === n;
      };
      for (let n = 1; n <= 5; n++) await writer.transactAsync((tx) => tx.set(['n'], n));
      await until(shows(5), 'the replica to show n = 5');
      const result = await writer.compact();
      await writer.transactAsync((tx) => tx.set(['n'], 6));
      await until(shows(6), 'the replica to show n = 6 after the compaction');
      expect(reader.momentCount).toBe(writer.database.momentCount);
      reader.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).toBe('');
      const size = writer.database.engine.committedSize;
      expect(out).toMatch(new RegExp(`${size} bytes, ${writer.database.momentCount} moments when stopped\\n$`));
      expect(result.epoch).toBe(1);
      expect(firstDifference(readFileSync(replica).subarray(0, size), readFileSync(primary).subarray(0, size))).toBe(-1);
    } finally {
      await writer.close();
      await connection.close();
    }
  });
});
