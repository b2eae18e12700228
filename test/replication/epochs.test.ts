// Epochs: a replicated writer that compacts starts a new epoch, publishing the
// compacted database whole; running followers (a file one and a memory one)
// move to it and end byte-identical to the writer's compacted file, their old
// snapshots still reading the old bytes; the stream can be trimmed to the new
// epoch; a stopped replica restarts into the new epoch, or is refused once its
// epoch is trimmed away; a file compacted outside the writer is refused until
// published as a new epoch; an epoch whose base was left unfinished is
// superseded, never continued.

import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { open } from '../../src/node.js';
// Background compaction runs a worker file, which only the build has: that test uses the built package whole.
import { autoCompaction, open as openBuilt } from '../../dist/src/node.js';
import { follow as followBuilt, replicate as replicateBuilt } from '../../dist/src/replication.js';
import { follow, replicate } from '../../src/replication.js';
import { ReplicationError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { StreamLog } from '../../src/replication/stream-log.js';
import { putSnapshot } from '../../src/replication/snapshot-store.js';
import { isSiblingName, siblingPath } from '../../src/compact/swap-file.js';
import { clusterForSuite, haveNats } from '../support/nats-cluster.js';
import { firstDifference } from '../support/same-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-epochs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (prefix: string) => `${prefix}${counter++}`;

/** The file's committed bytes: a replica of the same size must hold exactly these. */
function committed(path: string, size: number): Uint8Array {
  return new Uint8Array(readFileSync(path)).subarray(0, size);
}

describe.skipIf(!haveNats)('replication epochs on a three-server cluster', () => {
  let nc: NatsConnection;
  clusterForSuite((_, connection) => {
    nc = connection;
  });

  it('moves running followers to the compacted database, byte for byte, and keeps their old snapshots readable', async () => {
    const name = fresh('move');
    const path = join(dir, `${name}.xit`);
    const replicaPath = join(dir, `${name}.replica.xit`);
    const db = await open(path);
    const writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    for (let i = 0; i < 20; i++) await writer.transactAsync((tx) => tx.set(['n', String(i % 5)], 'v'.repeat(100 + i)));
    const onFile = await follow({ name, connection: nc, path: replicaPath });
    const inMemory = await follow({ name, connection: nc });
    await Promise.all([onFile.catchUp(), inMemory.catchUp()]);
    expect(onFile.epoch).toBe(0);
    const before = onFile.database!.snapshot();
    const sizeBefore = db.engine.committedSize;

    const result = await writer.compact({ keep: { last: 2 } });
    expect(result.epoch).toBe(1);
    expect(writer.epoch).toBe(1);
    expect(result.moments).toBe(2);
    expect(db.engine.committedSize).toBeLessThan(sizeBefore);
    // Commits after the compaction follow the new epoch's base.
    for (let i = 0; i < 3; i++) await writer.transactAsync((tx) => tx.set(['after'], i));
    await Promise.all([onFile.catchUp(), inMemory.catchUp()]);

    for (const follower of [onFile, inMemory]) {
      expect(follower.epoch).toBe(1);
      expect(follower.position).toBe(db.engine.committedSize);
      expect(follower.moments).toBe(db.momentCount);
      expect(follower.database!.snapshot().toJS()).toEqual(db.snapshot().toJS());
      expect(await follower.lag()).toEqual({ moments: 0, bytes: 0 });
    }
    expect(firstDifference(committed(replicaPath, db.engine.committedSize), committed(path, db.engine.committedSize))).toBe(-1);
    // A snapshot taken before the move still reads the old epoch's bytes.
    expect(before.get(['n', '4'])).toBe('v'.repeat(119));
    expect(before.index).toBe(19);
    // The snapshot new replicas start from is the new epoch's.
    const fresher = await follow({ name, connection: nc });
    await fresher.catchUp();
    expect(fresher.epoch).toBe(1);
    expect(fresher.bootstrappedFrom).toBeGreaterThan(0);
    expect(fresher.database!.get(['after'])).toBe(2);
    await Promise.all([onFile.close(), inMemory.close(), fresher.close()]);
    await writer.close();
  });

  it('starts an epoch for a compaction in the background (autoCompact), and a reader of the replica file moves on refresh', async () => {
    const name = fresh('auto');
    const path = join(dir, `${name}.xit`);
    const replicaPath = join(dir, `${name}.replica.xit`);
    const db = await openBuilt(path, { autoCompact: { when: { fileSizeOver: 40_000 }, keep: 'latest', checkIntervalMs: 20 } });
    const writer = await replicateBuilt(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    const follower = await followBuilt({ name, connection: nc, path: replicaPath });
    await writer.transactAsync((tx) => tx.set(['v'], -1));
    await follower.catchUp();
    const reader = await openBuilt(replicaPath, { readOnly: true });
    expect(reader.get(['v'])).toBe(-1);
    for (let i = 0; i < 40 && (await autoCompaction(db))!.completed === 0; i++) {
      await writer.transactAsync((tx) => {
        tx.set(['v'], i);
        tx.set(['pad', String(i % 3)], 'p'.repeat(2000));
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect((await autoCompaction(db))!.completed).toBeGreaterThan(0);
    await writer.transactAsync((tx) => tx.set(['v'], 'last'));
    await follower.catchUp();
    expect(writer.epoch).toBeGreaterThan(0);
    expect(follower.epoch).toBe(writer.epoch);
    expect(firstDifference(committed(replicaPath, db.engine.committedSize), committed(path, db.engine.committedSize))).toBe(-1);
    reader.refresh();
    expect(reader.get(['v'])).toBe('last');
    expect(reader.momentCount).toBe(db.momentCount);
    reader.close();
    await follower.close();
    await writer.close();
  });

  it('publishes and applies a base larger than one publishing window (8 MiB) a window at a time, into a file follower', async () => {
    const name = fresh('big');
    const path = join(dir, `${name}.xit`);
    const replicaPath = join(dir, `${name}.replica.xit`);
    const db = await open(path);
    const writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 20_000 } });
    const follower = await follow({ name, connection: nc, path: replicaPath });
    // 10 values of 1 MiB, each different: the compacted database is over 10 MiB.
    for (let i = 0; i < 10; i++) await writer.transactAsync((tx) => tx.set(['big', String(i)], String(i).repeat(1 << 20)));
    const result = await writer.compact({ snapshot: false });
    expect(result.sizeAfter).toBeGreaterThan(10 << 20);
    await follower.catchUp();
    expect(follower.epoch).toBe(1);
    expect(firstDifference(committed(replicaPath, db.engine.committedSize), committed(path, db.engine.committedSize))).toBe(-1);
    expect((follower.database!.get(['big', '9']) as string).length).toBe(1 << 20);
    // No sibling is left beside the replica.
    expect(readdirSync(dir).filter((file) => isSiblingName(`${name}.replica.xit`, file))).toEqual([]);
    await follower.close();
    await writer.close();
  });

  it('streams a snapshot into a new file replica, and refuses one that does not check without leaving anything of it', async () => {
    const name = fresh('snapcheck');
    const db = await open(join(dir, `${name}.xit`));
    const writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    for (let i = 0; i < 5; i++) await writer.transactAsync((tx) => tx.set(['k', String(i)], 'v'.repeat(1000)));
    const info = await writer.uploadSnapshot();
    await writer.close();
    const good = join(dir, `${name}.good.xit`);
    const replica = await follow({ name, connection: nc, path: good });
    expect(replica.bootstrappedFrom).toBe(info.size);
    expect(replica.database!.get(['k', '4'])).toBe('v'.repeat(1000));
    await replica.close();
    // A snapshot whose last byte was flipped: its last commit's checksum fails.
    const bytes = new Uint8Array(readFileSync(good)).slice(0, info.size);
    bytes[info.size - 20]! ^= 0xff;
    await putSnapshot(nc, name, () => [bytes][Symbol.iterator](), info, 3);
    const bad = join(dir, `${name}.bad.xit`);
    await expect(follow({ name, connection: nc, path: bad })).rejects.toThrow(ReplicationError);
    expect(readdirSync(dir).filter((file) => isSiblingName(`${name}.bad.xit`, file))).toEqual([]);
    expect(readFileSync(bad).length).toBe(0);
  });

  it('restarts a stopped replica into the new epoch, and refuses it once that epoch is trimmed from the stream', async () => {
    const name = fresh('restart');
    const path = join(dir, `${name}.xit`);
    const kept = join(dir, `${name}.kept.xit`);
    const trimmed = join(dir, `${name}.trimmed.xit`);
    const db = await open(path);
    const writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    for (let i = 0; i < 10; i++) await writer.transactAsync((tx) => tx.set(['k'], i));
    for (const replica of [kept, trimmed]) {
      const follower = await follow({ name, connection: nc, path: replica });
      await follower.catchUp();
      await follower.close();
    }
    await writer.compact();
    await writer.transactAsync((tx) => tx.set(['k'], 'epoch 1'));
    // Stopped during the compaction: it finds its epoch (0) on the stream, applies the rest of it, then moves.
    // A sibling left by a follower killed while moving is removed.
    const leftover = siblingPath(kept);
    writeFileSync(leftover, 'half a base');
    const restarted = await follow({ name, connection: nc, path: kept });
    expect(existsSync(leftover)).toBe(false);
    await restarted.catchUp();
    expect(restarted.epoch).toBe(1);
    expect(firstDifference(committed(kept, db.engine.committedSize), committed(path, db.engine.committedSize))).toBe(-1);
    await restarted.close();

    const second = await writer.compact({ trimStream: true });
    expect(second.epoch).toBe(2);
    const log = await StreamLog.open(nc, name, 3);
    expect((await log.bounds()).first).toBe(second.epochStartSeq);
    expect((await log.get(second.epochStartSeq))!.header).toMatchObject({ kind: 'fence', epoch: 2 });
    // Epoch 0 is gone from the stream: a replica of it cannot be told from a diverged file, and is refused.
    await expect(follow({ name, connection: nc, path: trimmed })).rejects.toThrow(ReplicationError);
    await expect(follow({ name, connection: nc, path: trimmed })).rejects.toThrow(/not a prefix of the stream/);
    // A new replica from nothing, without the snapshot, starts at the trimmed stream's base.
    const fromStream = await follow({ name, connection: nc, bootstrap: false });
    await fromStream.catchUp();
    expect(fromStream.epoch).toBe(2);
    expect(fromStream.bootstrappedFrom).toBe(0);
    expect(fromStream.database!.get(['k'])).toBe('epoch 1');
    await fromStream.close();
    await writer.close();
  });

  it('refuses a file compacted outside the writer until it is published as a new epoch', async () => {
    const name = fresh('outside');
    const path = join(dir, `${name}.xit`);
    const replicaPath = join(dir, `${name}.replica.xit`);
    let db = await open(path);
    let writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    for (let i = 0; i < 8; i++) await writer.transactAsync((tx) => tx.set(['big', String(i)], 'x'.repeat(2000)));
    const follower = await follow({ name, connection: nc, path: replicaPath });
    await follower.catchUp();
    await writer.close();

    db = await open(path);
    db.compact({ drop: [['big', '0']] });
    db.close();
    db = await open(path);
    const refused = replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    await expect(refused).rejects.toThrow(/newEpoch/);
    writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 }, newEpoch: true });
    expect(writer.epoch).toBe(1);
    await writer.transactAsync((tx) => tx.set(['next'], true));
    await follower.catchUp();
    expect(follower.epoch).toBe(1);
    expect(follower.database!.get(['big', '0'])).toBeUndefined();
    expect(follower.database!.get(['next'])).toBe(true);
    expect(firstDifference(committed(replicaPath, db.engine.committedSize), committed(path, db.engine.committedSize))).toBe(-1);
    await follower.close();
    await writer.close();
  });

  it('publishes the base of a stream purged whole in an epoch above the snapshot replicas started from', async () => {
    const name = fresh('purged');
    const path = join(dir, `${name}.xit`);
    let db = await open(path);
    let writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    await writer.transactAsync((tx) => tx.set(['v'], 1));
    // A compaction: epoch 1, and its snapshot.
    await writer.compact();
    await writer.close();
    const log = await StreamLog.open(nc, name, 3);
    await log.purgeBefore((await log.lastSeq()) + 1);
    // An empty stream: a replica from nothing has nothing to catch up with, at once.
    const empty = await follow({ name, connection: nc, bootstrap: false });
    await empty.catchUp();
    expect(empty.epoch).toBe(-1);
    expect(empty.database).toBeUndefined();
    await empty.close();
    const replica = await follow({ name, connection: nc });
    expect(replica.epoch).toBe(1);
    expect(replica.bootstrappedFrom).toBeGreaterThan(0);
    // The writer comes back to an empty stream, which names no epoch: its base must reach the replica, which already holds epoch 1.
    db = await open(path);
    writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    expect(writer.epoch).toBe(2);
    await writer.transactAsync((tx) => tx.set(['v'], 2));
    await replica.catchUp();
    expect(replica.epoch).toBe(2);
    expect(replica.database!.get(['v'])).toBe(2);
    await replica.close();
    await writer.close();
  });

  it("supersedes an epoch whose base was left unfinished, and stops a follower on a storage it was given, which it cannot replace", async () => {
    const name = fresh('unfinished');
    const path = join(dir, `${name}.xit`);
    let db = await open(path);
    let writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    await writer.transactAsync((tx) => tx.set(['a'], 1));
    const given = await follow({ name, connection: nc, storage: new MemoryStorage() });
    const memory = await follow({ name, connection: nc });
    await Promise.all([given.catchUp(), memory.catchUp()]);
    await writer.close();
    // A writer that died publishing epoch 1's base: its fence and the first chunk of a two-chunk base.
    const log = await StreamLog.open(nc, name, 3);
    const last = await log.lastSeq();
    const header = { db: name, epoch: 1, term: 999, moments: 1 };
    await log.publish(
      [
        { header: { ...header, kind: 'fence' as const, unitStart: 0, unitEnd: 0, from: 0, to: 0 }, data: new Uint8Array(0) },
        { header: { ...header, kind: 'base' as const, unitStart: 0, unitEnd: 8, from: 0, to: 4 }, data: new Uint8Array(4) },
      ],
      last,
    );
    expect((await log.head()).latestEpoch).toBe(1);
    // The same file again: its tails cannot follow epoch 1's start, so it is published whole as epoch 2.
    db = await open(path);
    writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 5000 } });
    expect(writer.epoch).toBe(2);
    await writer.transactAsync((tx) => tx.set(['a'], 2));
    await memory.catchUp();
    expect(memory.epoch).toBe(2);
    expect(memory.database!.get(['a'])).toBe(2);
    const image = new Uint8Array(db.engine.committedSize);
    memory.database!.engine.storage.read(0, image);
    expect(firstDifference(image, committed(path, db.engine.committedSize))).toBe(-1);
    // The follower on a given storage stops, with the reason.
    await expect(given.catchUp()).rejects.toThrow(/cannot replace the storage it was given/);
    expect(given.failed).toBeInstanceOf(ReplicationError);
    await Promise.all([given.close(), memory.close()]);
    await writer.close();
  });
});
