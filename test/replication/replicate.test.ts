// A replicated writer and its followers on a three-server JetStream cluster:
// every commit acknowledged as `replicated` is in the stream and on every
// caught-up replica; replicas (a memory one and a file one) are
// byte-identical to the writer's file; readers of a replica see whole moments
// only; lag is observable; a replica restarted from its file, or from nothing,
// catches up to the same bytes; publishing is idempotent and carries the
// expected last sequence.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { open } from '../../src/node.js';
import { follow, replicate, type Follower, type ReplicatedWriter } from '../../src/replication.js';
import { FencedError, InvalidArgumentError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { clusterForSuite, haveNats } from '../support/nats-cluster.js';
import { firstDifference } from '../support/same-bytes.js';
import { seededRandom } from '../support/processes.js';
import { StreamLog } from '../../src/replication/stream-log.js';
import { Lease } from '../../src/replication/lease.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-replicate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (prefix: string) => `${prefix}${counter++}`;

/** The writer's file up to `size`, as a replica of that size must hold it. */
function fileBytes(path: string, size: number): Uint8Array {
  return new Uint8Array(readFileSync(path)).subarray(0, size);
}

describe.skipIf(!haveNats)('replication on a three-server cluster', () => {
  let nc: NatsConnection;
  clusterForSuite((_, connection) => {
    nc = connection;
  });

  it('refuses a bad name and a read-only database', async () => {
    const db = await open();
    await expect(replicate(db, { name: 'no spaces', connection: nc })).rejects.toThrow(InvalidArgumentError);
    const readOnly = await open(db.bytes(), { readOnly: true });
    await expect(replicate(readOnly, { name: fresh('ro'), connection: nc })).rejects.toThrow(InvalidArgumentError);
  });

  it('acknowledges a replicated commit once it is on the stream, and every replica becomes byte-identical to the writer', async () => {
    const name = fresh('db');
    const path = join(dir, `${name}.xit`);
    const db = await open(path);
    db.set(['before'], 'replication');
    const writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 3000 } });
    const memory = new MemoryStorage({ durable: true });
    const inMemory = await follow({ name, connection: nc, storage: memory });
    const onFile = await follow({ name, connection: nc, path: join(dir, `${name}.replica.xit`) });
    const jsm = await jetstreamManager(nc);
    const random = seededRandom(7);
    // A reader of the replica checks a whole-moment invariant on every moment it sees: a and b move together.
    // catchUp resolves once the replica's database shows the stream's end (it
    // once resolved between the first tail's append and the database's open,
    // and this reader found no database: seen in CI).
    await inMemory.catchUp();
    const torn: string[] = [];
    let reads = 0;
    let done = false;
    const reader = (async () => {
      while (!done) {
        const snapshot = inMemory.database!.snapshot();
        if (snapshot.get(['a']) !== snapshot.get(['b'])) torn.push(`moment ${snapshot.index}`);
        reads++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 0; i < 30; i++) {
      await writer.transactAsync((tx) => {
        tx.set(['a'], i);
        tx.set(['b'], i);
        if (random() < 0.3) tx.set(['blob', String(i)], 'z'.repeat(Math.floor(random() * 700_000)));
      });
      // Acknowledged as replicated: the stream holds it now.
      const head = (await jsm.streams.info(`STRATA_${name}`)).state;
      expect(head.last_seq).toBeGreaterThan(0);
      expect(writer.publishedSize).toBe(db.engine.committedSize);
    }
    done = true;
    await reader;
    expect(reads).toBeGreaterThan(30);
    const size = db.engine.committedSize;
    await inMemory.catchUp();
    await onFile.catchUp();
    expect(await inMemory.lag()).toEqual({ moments: 0, bytes: 0 });
    expect(inMemory.position).toBe(size);
    expect(onFile.moments).toBe(db.momentCount);
    const expected = fileBytes(path, size);
    expect(firstDifference(memory.toBytes(), expected)).toBe(-1);
    expect(firstDifference(fileBytes(join(dir, `${name}.replica.xit`), size), expected)).toBe(-1);
    expect(inMemory.database!.get(['a'])).toBe(29);
    expect(onFile.database!.snapshot(1).get(['before'])).toBe('replication');
    expect(torn).toEqual([]);

    // Lag: a paused follower falls behind by what was committed meanwhile, and catches up on resume.
    await inMemory.pause();
    const sizeBefore = db.engine.committedSize;
    for (let i = 0; i < 3; i++) await writer.transactAsync((tx) => tx.set(['c'], i));
    expect(await inMemory.lag()).toEqual({ moments: 3, bytes: db.engine.committedSize - sizeBefore });
    inMemory.resume();
    await inMemory.catchUp();
    expect(await inMemory.lag()).toEqual({ moments: 0, bytes: 0 });

    // A replica restarted from nothing, and one restarted from its file, reach the same bytes.
    await onFile.close();
    await writer.transactAsync((tx) => tx.set(['after'], 'restart'));
    const again = await follow({ name, connection: nc, path: join(dir, `${name}.replica.xit`) });
    const fromNothing = await follow({ name, connection: nc });
    await again.catchUp();
    await fromNothing.catchUp();
    const final = fileBytes(path, db.engine.committedSize);
    expect(firstDifference(fileBytes(join(dir, `${name}.replica.xit`), db.engine.committedSize), final)).toBe(-1);
    expect(fromNothing.database!.get(['after'])).toBe('restart');
    expect(fromNothing.position).toBe(db.engine.committedSize);
    await Promise.all([again.close(), fromNothing.close(), inMemory.close()]);
    await writer.close();
  });

  it('replicates batched transactions: a burst is one moment, acknowledged once on the stream, and a failed transaction of it is nowhere', async () => {
    const name = fresh('batched');
    const db = await open();
    const writer: ReplicatedWriter = await replicate(db, { name, connection: nc });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        writer.transactBatched((tx) => {
          tx.set(['n', String(i)], i);
          if (i === 7) throw new Error('seven');
          return i;
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(49);
    expect(db.momentCount).toBe(1);
    const storage = new MemoryStorage();
    const replica: Follower = await follow({ name, connection: nc, storage });
    await replica.catchUp();
    const n = replica.database!.snapshot().toJS() as { n: Record<string, number> };
    expect(Object.keys(n.n)).toHaveLength(49);
    expect(n.n['7']).toBeUndefined();
    expect(firstDifference(db.bytes(), storage.toBytes())).toBe(-1);
    await replica.close();
    await writer.close();
  });

  it('publishes, with local durability, commits made before replication began and through the database directly', async () => {
    const name = fresh('local');
    const db = await open();
    db.set(['x'], 1);
    const writer: ReplicatedWriter = await replicate(db, { name, connection: nc, durability: 'local' });
    writer.transact((tx) => tx.set(['y'], 2));
    db.set(['z'], 3);
    await writer.flush();
    const storage = new MemoryStorage();
    const replica: Follower = await follow({ name, connection: nc, storage });
    await replica.catchUp();
    expect(replica.database!.snapshot().toJS()).toEqual({ x: 1, y: 2, z: 3 });
    expect(firstDifference(db.bytes(), storage.toBytes())).toBe(-1);
    await replica.close();
    await writer.close();
  });

  it('stores a chunk sent again once (message id per epoch, term and offset), and refuses a publish that expects an old last sequence', async () => {
    const name = fresh('ids');
    const log = await StreamLog.open(nc, name, 3);
    const chunk = (from: number, term: number) => ({
      header: { kind: 'commit' as const, db: name, epoch: 0, term, unitStart: from, unitEnd: from + 4, from, to: from + 4, moments: 1 },
      data: new Uint8Array([1, 2, 3, 4]),
    });
    expect(await log.publish([chunk(0, 1), chunk(4, 1)], 0)).toBe(2);
    // The same two again, as a writer retrying after lost answers: JetStream answers duplicates with their sequences.
    expect(await log.publish([chunk(0, 1), chunk(4, 1)], 0)).toBe(2);
    expect(await log.lastSeq()).toBe(2);
    // Another writer's chunk for the same offset, expecting the old last sequence: refused.
    await expect(log.publish([chunk(4, 2)], 1)).rejects.toThrow(FencedError);
    expect(await log.lastSeq()).toBe(2);
    expect((await log.get(2))!.header.term).toBe(1);
  });

  it('starts a new replica from the object store snapshot plus the stream after it, even once the stream before it is purged', async () => {
    const name = fresh('snap');
    const path = join(dir, `${name}.xit`);
    const db = await open(path);
    const writer = await replicate(db, { name, connection: nc });
    for (let i = 0; i < 10; i++) await writer.transactAsync((tx) => tx.set(['n', String(i)], 'v'.repeat(i * 100)));
    const snapshot = await writer.uploadSnapshot();
    expect(snapshot).toEqual({ size: db.engine.committedSize, moments: db.momentCount, epoch: 0 });
    for (let i = 10; i < 15; i++) await writer.transactAsync((tx) => tx.set(['n', String(i)], i));
    // Drop the stream's messages the snapshot covers.
    const log = await StreamLog.open(nc, name, 3);
    await (await jetstreamManager(nc)).streams.purge(`STRATA_${name}`, { seq: await log.firstSeqFrom(0, snapshot.size) });
    const storage = new MemoryStorage();
    const replica = await follow({ name, connection: nc, storage });
    await replica.catchUp();
    expect(replica.bootstrappedFrom).toBe(snapshot.size);
    expect(replica.moments).toBe(db.momentCount);
    expect(firstDifference(storage.toBytes(), fileBytes(path, db.engine.committedSize))).toBe(-1);
    expect(replica.database!.snapshot().toJS()).toEqual(db.snapshot().toJS());
    // Without the snapshot, the purged stream cannot be followed: the replica is not a prefix of what is left.
    const without = await follow({ name, connection: nc, bootstrap: false });
    await expect(without.catchUp()).rejects.toThrow(/not a prefix/);
    await Promise.all([replica.close(), without.close()]);
    await writer.close();
  });

  it("keeps a lease bucket's time to live for every later writer, and a writer that loses its publishing stops without an unhandled rejection", async () => {
    const name = fresh('ttl');
    const first = await Lease.acquire(nc, name, { ttlMs: 1000 });
    expect(first.ttlMs).toBe(1000);
    await first.close(true);
    const second = await Lease.acquire(nc, name, { ttlMs: 5000 });
    expect(second.ttlMs).toBe(1000);
    await second.close(true);
    // Local durability and sync transact publish in the background; when that fails, nothing is left unhandled.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const db = await open();
      const writer = await replicate(db, { name: fresh('bg'), connection: nc, durability: 'local' });
      // Someone else publishes on the writer's stream: its background publishes are refused.
      await jetstream(nc).publish(`strata.${writer.name}.log`, new Uint8Array(0));
      // The last call is a transact whose publish fails with no one awaiting it.
      writer.transact((tx) => tx.set(['a'], 1));
      for (let i = 0; i < 100 && writer.failed === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(writer.failed).toBeInstanceOf(FencedError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      await expect(writer.flush()).rejects.toThrow(FencedError);
      await expect(writer.transactAsync((tx) => tx.set(['b'], 2))).rejects.toThrow(FencedError);
      await writer.close();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('asks again, instead of reading "no message", when the servers answer a read with a passing error', async () => {
    const name = fresh('flaky');
    const log = await StreamLog.open(nc, name, 3);
    const chunk = (from: number) => ({
      header: { kind: 'commit' as const, db: name, epoch: 0, term: 1, unitStart: from, unitEnd: from + 4, from, to: from + 4, moments: from / 4 + 1 },
      data: new Uint8Array([1, 2, 3, 4]),
    });
    await log.publish([chunk(0), chunk(4), chunk(8)], 0);
    // The next two reads fail as they do while a restarted server catches up.
    const streams = (log as unknown as { jsm: { streams: { getMessage: (...args: unknown[]) => Promise<unknown> } } }).jsm.streams;
    const real = streams.getMessage.bind(streams);
    let failures = 2;
    streams.getMessage = (...args: unknown[]) => {
      if (failures-- > 0) return Promise.reject(new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' }));
      return real(...args);
    };
    expect((await log.head()).end).toBe(12);
  });

  it('lets one writer hold the lease at a time', async () => {
    const name = fresh('one');
    const first = await replicate(await open(), { name, connection: nc, lease: { ttlMs: 2000 } });
    await expect(replicate(await open(), { name, connection: nc })).rejects.toThrow(FencedError);
    await first.close();
    // Released: the next writer takes it at once, and continues the stream from a replica.
    const replica = await follow({ name, connection: nc });
    await replica.catchUp();
    const second = await replica.promote({ lease: { ttlMs: 2000 } });
    await second.transactAsync((tx) => tx.set(['second'], true));
    await second.close();
  });
});
