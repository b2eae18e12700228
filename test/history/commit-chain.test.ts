// The chain of commit trailers as commits extend it (history/commit-chain.ts):
// the jump target each commit links from the one before (without reading
// trailers) must be the one a fresh read of the file finds, across reopens,
// roll-forward recovery, undo, revert, history slices, group commits and a
// refresh by a second engine; and steady commits read no trailer.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../../src/format/constants.js';
import { jumpSequence, type CommitTrailer } from '../../src/format/commit-trailer.js';
import { trailerEndingAt } from '../../src/history/trailers.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { steppingClock } from '../support/sample-databases.js';

/**
 * Reads the chain ending at the committed size back along the previous
 * pointers only (never a jump pointer), and checks every trailer's jump
 * pointer against it: the fresh read the cached links must agree with.
 * Returns the chain's length.
 */
function checkChain(storage: Storage, committedSize: number): number {
  const bySequence = new Map<number, CommitTrailer>();
  let at = trailerEndingAt(storage, committedSize);
  const head = at;
  while (at !== undefined) {
    bySequence.set(at.sequence, at);
    if (at.previousTrailerEnd === 0) break;
    const previous: CommitTrailer | undefined = trailerEndingAt(storage, at.previousTrailerEnd);
    expect(previous?.sequence).toBe(at.sequence - 1);
    at = previous;
  }
  expect(head).toBeDefined();
  for (const trailer of bySequence.values()) {
    const target = jumpSequence(trailer.sequence);
    expect(trailer.jumpEnd, `jump pointer of trailer ${trailer.sequence}`).toBe(target === 0 ? 0 : bySequence.get(target)?.end);
  }
  return bySequence.size;
}

function historyHeader(storage: MemoryStorage): Uint8Array {
  return storage.toBytes().slice(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE);
}

/** A small deterministic generator, so that a failure names its seed. */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

describe('jump pointers written from the linked chain', () => {
  it('equal a fresh read of the file after reopens, recovery, undo, revert, slices and group commits', async () => {
    for (const seed of [1, 2]) {
      const random = generator(seed);
      const clock = steppingClock();
      let storage = new MemoryStorage({ durable: true });
      let engine = Engine.open(storage, { hasher: sha1Hasher, clock });
      const model = new Map<string, bigint>();
      let expectedChain = 0;
      for (let step = 0; step < 300; step++) {
        const op = random(20);
        if (op === 0) {
          // Reopen: the next commit reads the jump path it needs.
          engine.close();
          storage = MemoryStorage.fromBytes(storage.toBytes().slice(), { readOnly: false, durable: true });
          engine = Engine.open(storage, { hasher: sha1Hasher, clock });
        } else if (op === 1 && engine.momentCount > 3) {
          // Recovery: the header of an earlier commit, as after a lost header write; open rolls forward.
          const stale = historyHeader(storage);
          const key = `r${step}`;
          engine.transact((root) => root.hashMap().put(key).writeUint(step));
          engine.transact((root) => root.hashMap().put(key).writeUint(step + 1));
          model.set(key, BigInt(step + 1));
          expectedChain += 2;
          engine.close();
          const bytes = storage.toBytes().slice();
          bytes.set(stale, HISTORY_HEADER_POSITION);
          storage = MemoryStorage.fromBytes(bytes, { readOnly: false, durable: true });
          engine = Engine.open(storage, { hasher: sha1Hasher, clock });
        } else if (op === 2 && engine.momentCount > 2) {
          engine.undo();
          expectedChain++;
          model.clear();
          for (const entry of engine.moment(-1).asHashMap().entries()) model.set(entry.key.readString(), entry.value.readUint());
        } else if (op === 3 && engine.momentCount > 2) {
          engine.revert(random(engine.momentCount));
          expectedChain++;
          model.clear();
          for (const entry of engine.moment(-1).asHashMap().entries()) model.set(entry.key.readString(), entry.value.readUint());
        } else if (op === 4 && engine.momentCount > 4) {
          engine.sliceHistory(engine.momentCount - 1 - random(3));
          expectedChain++;
          model.clear();
          for (const entry of engine.moment(-1).asHashMap().entries()) model.set(entry.key.readString(), entry.value.readUint());
        } else if (op === 5) {
          const batch = 1 + random(9);
          const pending: Promise<void>[] = [];
          for (let i = 0; i < batch; i++) {
            const key = `a${step}-${i}`;
            pending.push(engine.transactAsync((root) => root.hashMap().put(key).writeUint(i)));
            model.set(key, BigInt(i));
          }
          await Promise.all(pending);
          expectedChain += batch;
        } else {
          const key = `k${random(50)}`;
          engine.transact((root) => root.hashMap().put(key).writeUint(step));
          model.set(key, BigInt(step));
          expectedChain++;
        }
        if (step % 25 === 0 || op <= 5) expect(checkChain(storage, engine.committedSize), `seed ${seed}, step ${step}`).toBe(expectedChain);
      }
      expect(checkChain(storage, engine.committedSize)).toBe(expectedChain);
      const latest = new Map<string, bigint>();
      for (const entry of engine.moment(-1).asHashMap().entries()) latest.set(entry.key.readString(), entry.value.readUint());
      expect(latest).toEqual(model);
      expect(verifyDatabase(engine).problems).toEqual([]);
      engine.close();
    }
  });

  it('equal a fresh read after a second engine on the same storage refreshed and commits', () => {
    const storage = new MemoryStorage({ durable: true });
    const first = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
    for (let i = 0; i < 37; i++) first.transact((root) => root.hashMap().put(`k${i}`).writeUint(i));
    // A second engine on the same bytes, as a later writer: it builds on the first one's chain.
    const second = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
    for (let i = 0; i < 20; i++) second.transact((root) => root.hashMap().put(`s${i}`).writeUint(i));
    expect(checkChain(storage, second.committedSize)).toBe(57);
    first.refresh();
    for (let i = 0; i < 20; i++) first.transact((root) => root.hashMap().put(`t${i}`).writeUint(i));
    expect(checkChain(storage, first.committedSize)).toBe(77);
  });

  it('cost no trailer read in steady commits: only the first commit after an open reads the jump path', () => {
    const inner = new MemoryStorage();
    let reads = 0;
    // Counts reads through the storage's copying read (trailers are read that way; the trees through locate).
    const counting = new Proxy(inner, {
      get(target, property, receiver) {
        if (property === 'read') {
          return (position: number, bytes: Uint8Array) => {
            reads++;
            target.read(position, bytes);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const engine = Engine.open(counting, { hasher: sha1Hasher, clock: steppingClock() });
    for (let i = 0; i < 1000; i++) engine.transact((root) => root.hashMap().put(`k${i}`).writeUint(i));
    reads = 0;
    for (let i = 0; i < 1000; i++) engine.transact((root) => root.hashMap().put(`m${i}`).writeUint(i));
    expect(reads).toBe(0);
    engine.close();
    const bytes = inner.toBytes().slice();
    const reopenedInner = MemoryStorage.fromBytes(bytes, { readOnly: false });
    const reopened = Engine.open(reopenedInner, { hasher: sha1Hasher, clock: steppingClock() });
    for (let i = 0; i < 100; i++) reopened.transact((root) => root.hashMap().put(`n${i}`).writeUint(i));
    expect(checkChain(reopenedInner, reopened.committedSize)).toBe(2100);
  });
});
