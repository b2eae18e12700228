// Commit tails and their application, without a server: a writer's bytes cut
// into tails by the trailer chain, each checked on its own (a flipped byte, a
// wrong start, a missing trailer are refused with ReplicationError), and a
// replica built by an Applier from the base and the tails, chunked small, is
// byte-identical to the writer's file after every commit, and reads the same
// values at every moment.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../../src/node.js';
import { open as openMemory } from '../../src/index.js';
import { ReplicationError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { checkTail, tailsBetween } from '../../src/replication/tail.js';
import { Applier, type BaseSinks } from '../../src/replication/applier.js';
import { Follower } from '../../src/replication/follower.js';
import { decodeHeader, encodeHeader, messageId, type ChunkHeader } from '../../src/replication/wire.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { seededRandom } from '../support/processes.js';
import { firstDifference } from '../support/same-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function bytesOf(path: string, size: number): Uint8Array {
  return new Uint8Array(readFileSync(path)).subarray(0, size);
}

/** The chunks a writer would publish for a unit, `size` bytes each. */
function chunked(kind: 'base' | 'commit', start: number, bytes: Uint8Array, moments: number, size: number, term = 1, epoch = 0): Array<{ header: ChunkHeader; data: Uint8Array }> {
  const out = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    const data = bytes.subarray(offset, Math.min(bytes.length, offset + size));
    out.push({ header: { kind, db: 'd', epoch, term, unitStart: start, unitEnd: start + bytes.length, from: start + offset, to: start + offset + data.length, moments }, data });
  }
  return out;
}

/** Bases written in place into `storage` (which must be empty when one starts), as a follower does with a storage it was given. */
const inPlace =
  (storage: MemoryStorage): BaseSinks =>
  () => {
    if (storage.size() !== 0) throw new Error('a base into a storage that holds one already');
    return {
      storage,
      finish: (length) => {
        if (storage.size() > length) storage.truncate(length);
        return storage;
      },
      abort: () => undefined,
    };
  };

describe('commit tails', () => {
  it('are cut from a file by the trailer chain, one per commit, and each checks on its own', async () => {
    const path = join(dir, `t${counter++}.xit`);
    const db = await open(path);
    const start = db.engine.committedSize;
    const ends: number[] = [];
    for (let i = 0; i < 5; i++) {
      db.transact((tx) => tx.set(['k', String(i)], 'v'.repeat(i * 300)), { meta: { i } });
      ends.push(db.engine.committedSize);
    }
    const tails = tailsBetween(db.engine.storage, start, db.engine.committedSize);
    expect(tails.map((tail) => tail.to)).toEqual(ends);
    expect(tails.map((tail) => tail.from)).toEqual([start, ...ends.slice(0, -1)]);
    const file = bytesOf(path, db.engine.committedSize);
    for (const tail of tails) {
      const bytes = file.slice(tail.from, tail.to);
      expect(checkTail(bytes, tail.from).end).toBe(tail.to);
      // One flipped bit anywhere in the tail, data or trailer, is refused.
      for (const at of [0, Math.floor(bytes.length / 2), bytes.length - 9]) {
        const bad = bytes.slice();
        bad[at] = (bad[at] as number) ^ 1;
        expect(() => checkTail(bad, tail.from)).toThrow(ReplicationError);
      }
      // A tail placed where it does not start is refused.
      expect(() => checkTail(bytes, tail.from + 8)).toThrow(/not where the replica ends/);
      // A cut tail ends with no trailer.
      expect(() => checkTail(bytes.subarray(0, bytes.length - 1), tail.from)).toThrow(ReplicationError);
    }
    db.close();
  });

  it('refuse a range that does not end at a commit', async () => {
    const db = await openMemory();
    const start = db.engine.committedSize;
    db.set(['a'], 1);
    expect(() => tailsBetween(db.engine.storage, start, db.engine.committedSize - 1)).toThrow(ReplicationError);
  });
});

describe('message headers', () => {
  it('round-trip, name one id per epoch, term and offset, and refuse what does not fit', () => {
    const header: ChunkHeader = { kind: 'commit', db: 'd', epoch: 0, term: 7, unitStart: 100, unitEnd: 300, from: 100, to: 200, moments: 4 };
    const map = new Map(encodeHeader(header));
    expect(decodeHeader((name) => map.get(name) ?? '', 100)).toEqual(header);
    expect(messageId(header)).toBe('d:0:7:100');
    expect(() => decodeHeader((name) => map.get(name) ?? '', 99)).toThrow(ReplicationError);
    expect(() => decodeHeader((name) => (name === 'Strata-Kind' ? 'other' : (map.get(name) ?? '')), 100)).toThrow(ReplicationError);
    expect(() => decodeHeader((name) => (name === 'Strata-To' ? '-1' : (map.get(name) ?? '')), 100)).toThrow(ReplicationError);
  });
});

describe('a replica applied from chunks', () => {
  it('is byte-identical to the writer after every commit and reads the same at every moment', async () => {
    const random = seededRandom(19);
    const path = join(dir, `t${counter++}.xit`);
    const db = await open(path);
    db.set(['start'], true);
    const baseSize = db.engine.committedSize;
    const replica = new MemoryStorage({ durable: true });
    const applier = new Applier(replica, 0, 0, -1, inPlace(replica));
    for (const chunk of chunked('base', 0, bytesOf(path, baseSize), db.momentCount, 97)) applier.offer(chunk.header, chunk.data);
    expect(applier.position).toBe(baseSize);
    let published = baseSize;
    const model = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      db.transact((tx) => {
        const key = `k${Math.floor(random() * 20)}`;
        const value = Math.floor(random() * 1e6);
        tx.set(['m', key], value);
        model.set(key, value);
        if (random() < 0.3) tx.set(['blob'], 'x'.repeat(Math.floor(random() * 5000)));
      });
      if (random() < 0.2) db.undo();
      const size = db.engine.committedSize;
      const file = bytesOf(path, size);
      for (const tail of tailsBetween(db.engine.storage, published, size)) {
        for (const chunk of chunked('commit', tail.from, file.slice(tail.from, tail.to), tail.trailer.count, 1 + Math.floor(random() * 3000))) applier.offer(chunk.header, chunk.data);
      }
      published = size;
      expect(applier.position).toBe(size);
      expect(applier.moments).toBe(db.momentCount);
      expect(firstDifference(replica.toBytes(), file)).toBe(-1);
    }
    const copy = await openMemory(replica.toBytes());
    expect(verifyDatabase(copy.engine).ok).toBe(true);
    for (let moment = 0; moment < db.momentCount; moment++) expect(copy.snapshot(moment).toJS()).toEqual(db.snapshot(moment).toJS());
    db.close();
  });

  it('drops an unfinished unit when a new one starts where the replica ends, and refuses a gap', async () => {
    const path = join(dir, `t${counter++}.xit`);
    const db = await open(path);
    const baseSize = db.engine.committedSize;
    const replica = new MemoryStorage({ durable: true });
    const applier = new Applier(replica, 0, 0, -1, inPlace(replica));
    for (const chunk of chunked('base', 0, bytesOf(path, baseSize), 0, 1 << 20)) applier.offer(chunk.header, chunk.data);
    db.set(['a'], 'first');
    const size = db.engine.committedSize;
    const tail = bytesOf(path, size).slice(baseSize);
    // A dead writer's first half of a unit, then the new writer's whole unit (another term) from the same start.
    const dead = chunked('commit', baseSize, tail, 1, Math.ceil(tail.length / 2), 1);
    expect(applier.offer(dead[0]!.header, dead[0]!.data)).toBe(false);
    const fresh = chunked('commit', baseSize, tail, 1, 64, 2);
    for (const chunk of fresh) applier.offer(chunk.header, chunk.data);
    expect(applier.position).toBe(size);
    expect(firstDifference(replica.toBytes(), bytesOf(path, size))).toBe(-1);
    // A unit past the replica's end: a gap.
    db.set(['b'], 'second');
    db.set(['c'], 'third');
    const later = tailsBetween(db.engine.storage, size, db.engine.committedSize)[1]!;
    const bytes = bytesOf(path, db.engine.committedSize).slice(later.from, later.to);
    const [gap] = chunked('commit', later.from, bytes, 3, 1 << 20);
    expect(() => applier.offer(gap!.header, gap!.data)).toThrow(/not a prefix/);
    db.close();
  });
});

describe('an applier across epochs', () => {
  it("replaces the replica with a later epoch's base, ignores older epochs' messages, and refuses a later epoch that does not start with its base", async () => {
    const path = join(dir, `t${counter++}.xit`);
    const db = await open(path);
    for (let i = 0; i < 5; i++) db.set(['k', String(i)], 'v'.repeat(300));
    const oldSize = db.engine.committedSize;
    const replica = new MemoryStorage({ durable: true });
    // Each base into a storage of its own, which the test sees once it is finished.
    const replaced: Array<{ epoch: number; storage: MemoryStorage }> = [];
    const aborted: number[] = [];
    const opened: MemoryStorage[] = [];
    const applier = new Applier(replica, 0, 0, -1, (epoch) => {
      const storage = new MemoryStorage({ durable: true });
      opened.push(storage);
      return {
        storage,
        finish: () => {
          replaced.push({ epoch, storage });
          return storage;
        },
        abort: () => aborted.push(epoch),
      };
    });
    const oldBytes = bytesOf(path, oldSize);
    const oldChunks = chunked('base', 0, oldBytes, db.momentCount, 500);
    // Each chunk is written as it arrives: the sink holds the first half before the base is whole.
    const half = Math.floor(oldChunks.length / 2);
    for (const chunk of oldChunks.slice(0, half)) expect(applier.offer(chunk.header, chunk.data)).toBe(false);
    expect(replaced).toEqual([]);
    expect(opened[0]!.size()).toBe(oldChunks[half - 1]!.header.to);
    expect(firstDifference(opened[0]!.toBytes(), oldBytes.subarray(0, opened[0]!.size()))).toBe(-1);
    // A writer that died half-way; the next one (term 2) sends the base again: the first is dropped.
    for (const chunk of chunked('base', 0, oldBytes, db.momentCount, 300, 2)) applier.offer(chunk.header, chunk.data);
    expect(aborted).toEqual([0]);
    expect(replaced.map((r) => r.epoch)).toEqual([0]);
    expect(applier.epoch).toBe(0);
    expect(applier.storage).toBe(replaced[0]!.storage);
    expect(firstDifference(replaced[0]!.storage.toBytes(), oldBytes)).toBe(-1);
    db.compact();
    db.set(['after'], true);
    const newSize = db.engine.committedSize;
    const compacted = bytesOf(path, newSize);
    // Epoch 1's base, then epoch 0 messages (a late duplicate): ignored.
    for (const chunk of chunked('base', 0, compacted, db.momentCount, 700, 2, 1)) applier.offer(chunk.header, chunk.data);
    expect(replaced.map((r) => r.epoch)).toEqual([0, 1]);
    expect(applier.storage).toBe(replaced[1]!.storage);
    expect(applier.epoch).toBe(1);
    expect(applier.position).toBe(newSize);
    expect(applier.moments).toBe(db.momentCount);
    expect(firstDifference(replaced[1]!.storage.toBytes(), compacted)).toBe(-1);
    const [stale] = chunked('commit', 0, new Uint8Array(8), 1, 8, 1, 0);
    expect(applier.offer(stale!.header, stale!.data)).toBe(false);
    // Epoch 2 starting with a commit: the replica missed its base.
    const [skipped] = chunked('commit', 4096, new Uint8Array(8), 9, 8, 3, 2);
    expect(() => applier.offer(skipped!.header, skipped!.data)).toThrow(/missed the epoch's base/);
    const copy = await openMemory(replaced[1]!.storage.toBytes());
    expect(copy.get(['after'])).toBe(true);
    db.close();
  });
});

describe('a follower taking the base', () => {
  it('resolves a waiter only once its database shows what the waiter asked for', async () => {
    // No server: the follower is fed one message by hand. Its applier moves
    // the replica's size at once, but the database opens asynchronously after
    // it; a catchUp resolved in between found follower.database undefined.
    const writer = await openMemory();
    writer.set(['a'], 1);
    const bytes = writer.bytes();
    const size = writer.engine.committedSize;
    const storage = new MemoryStorage({ durable: true });
    const follower = new Follower('d', { name: 'd', connection: undefined as never, storage, bootstrap: false }, storage, undefined as never);
    await follower.open();
    const [base] = chunked('base', 0, bytes.subarray(0, size), writer.momentCount, 1 << 20);
    const taking = (follower as unknown as { take(header: ChunkHeader, data: Uint8Array): Promise<void> }).take(base!.header, base!.data);
    await follower.waitFor(size);
    expect(follower.database?.get(['a'])).toBe(1);
    await taking;
    await follower.close();
  });
});
