// Sorted map nodes that the running transaction wrote change in place
// (src/sorted/write.ts, core/tx-state.ts rule 1), and nodes of committed
// moments never do: thousands of puts, overwrites and removes in one
// transaction (splits of leaves and branches, a tree three levels deep), then
// more across transactions, checked against a sorted array after every batch
// on every backend, with every earlier moment re-read whole.

import { describe, expect, it } from 'vitest';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { checkSortedTree } from '../../src/sorted/check.js';
import { LEAF_SIZE } from '../../src/sorted/node.js';
import type { Engine } from '../../src/history/engine.js';
import type { WriteSortedMap } from '../../src/cursor/write-sorted.js';
import type { ReadSortedMap } from '../../src/cursor/read-sorted.js';
import { backends } from '../support/backends.js';
import { Harness, expectVerified, makeBackendFoldersAtCollection } from '../model/model-support.js';

makeBackendFoldersAtCollection();

/** A seeded generator (mulberry32), so every backend sees the same operations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys of 1 to 20 characters from a small alphabet: short-bytes and long-bytes keys, prefixes of each other. */
function randomKey(random: () => number): string {
  const length = 1 + Math.floor(random() * random() * 20);
  let key = '';
  for (let i = 0; i < length; i++) key += 'abcdefghij'[Math.floor(random() * 10)];
  return key;
}

type Model = Map<string, number>;

function sortedKeys(model: Model): string[] {
  return [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The map read whole and through lookups and walks from probe keys, against the model. */
function expectMap(map: ReadSortedMap, model: Model, random: () => number): void {
  const keys = sortedKeys(model);
  expect(map.count()).toBe(keys.length);
  expect([...map.entries()].map((entry) => [entry.key.readString(), entry.value.readNumber()])).toEqual(keys.map((key) => [key, model.get(key)]));
  expect([...map.entriesBackward()].map((entry) => entry.key.readString())).toEqual([...keys].reverse());
  for (let probe = 0; probe < 20; probe++) {
    const key = probe % 2 === 0 && keys.length > 0 ? keys[Math.floor(random() * keys.length)]! : randomKey(random);
    const rank = keys.filter((k) => k < key).length;
    expect(map.rank(key)).toBe(rank);
    expect(map.get(key)?.readNumber()).toBe(model.get(key));
    expect(map.seek(key)?.key.readString()).toBe(keys[rank]);
    const forward: string[] = [];
    for (const entry of map.entries({ key })) if (forward.push(entry.key.readString()) === 5) break;
    expect(forward).toEqual(keys.slice(rank, rank + 5));
    const last = model.has(key) ? rank : rank - 1;
    const backward: string[] = [];
    for (const entry of map.entriesBackward({ key })) if (backward.push(entry.key.readString()) === 5) break;
    expect(backward).toEqual(last < 0 ? [] : keys.slice(Math.max(0, last - 4), last + 1).reverse());
  }
}

/** `count` operations: 3 in 5 put a new or existing key (overwrites), 1 in 5 removes a present key, 1 in 5 removes a random (often absent) one. */
function churn(map: WriteSortedMap, model: Model, random: () => number, count: number, stamp: number): void {
  for (let op = 0; op < count; op++) {
    const roll = random();
    if (roll < 0.6) {
      const key = randomKey(random);
      map.put(key).writeUint(stamp + op);
      model.set(key, stamp + op);
    } else if (roll < 0.8 && model.size > 0) {
      const keys = [...model.keys()];
      const key = keys[Math.floor(random() * keys.length)]!;
      expect(map.remove(key)).toBe(true);
      model.delete(key);
    } else {
      const key = randomKey(random);
      expect(map.remove(key)).toBe(model.delete(key));
    }
  }
}

function headerPosition(engine: Engine): number {
  return engine.moment(-1).asHashMap().get('sorted')!.slot.position;
}

describe('sorted maps changed in place within a transaction, copied across moments', () => {
  for (const backend of backends) {
    it(`match a sorted array through thousands of puts and removes, and earlier moments keep their contents (${backend.name})`, () => {
      const harness = new Harness(backend, sha1Hasher, 'flush');
      try {
        const random = rng(15);
        const models: Model[] = [];
        const model: Model = new Map();
        // One transaction: 4,000 operations in batches, read back through the write view after each.
        harness.engine.transact((root) => {
          const map = root.hashMap().put('sorted').sortedMap();
          for (let batch = 0; batch < 8; batch++) {
            churn(map, model, random, 500, batch * 500);
            expectMap(map.read(), model, random);
          }
        });
        models.push(new Map(model));
        expect(checkSortedTree(harness.engine.io, headerPosition(harness.engine))).toEqual([]);
        expectVerified(harness.engine, 'after the big transaction');
        // Puts into a tree whose nodes this transaction wrote append no node: a kv pair and a key record at most per new key, one leaf or branch per split.
        harness.engine.transact((root) => {
          const map = root.hashMap().put('sorted').sortedMap();
          for (let i = 0; i < 200; i++) map.put(`zz${String(i).padStart(4, '0')}`).writeUint(i);
          const before = harness.engine.storage.size();
          for (let i = 200; i < 1200; i++) map.put(`zz${String(i).padStart(4, '0')}`).writeUint(i);
          const grown = harness.engine.storage.size() - before;
          // Per put: a kv pair (20 + 18 bytes with sha1) and a 14-byte key record (8 + 6); a split (one in 8 puts at most) appends a leaf.
          expect(grown / 1000).toBeLessThan(20 + 18 + 14 + LEAF_SIZE / 4);
          for (let i = 0; i < 1200; i++) model.set(`zz${String(i).padStart(4, '0')}`, i);
        });
        models.push(new Map(model));
        // Then many small transactions on committed nodes: each copies its path, and no earlier moment changes.
        for (let tx = 0; tx < 12; tx++) {
          harness.engine.transact((root) => churn(root.hashMap().put('sorted').sortedMap(), model, random, 60, 100_000 + tx * 100));
          models.push(new Map(model));
          expect(checkSortedTree(harness.engine.io, headerPosition(harness.engine))).toEqual([]);
          if (tx === 5) harness.reopen();
        }
        // A transaction that removes nearly everything, in one go.
        harness.engine.transact((root) => {
          const map = root.hashMap().put('sorted').sortedMap();
          const keys = sortedKeys(model);
          for (let i = 0; i < keys.length; i++) {
            if (i % 50 === 0) continue;
            expect(map.remove(keys[i]!)).toBe(true);
            model.delete(keys[i]!);
          }
          expectMap(map.read(), model, random);
        });
        models.push(new Map(model));
        expect(harness.engine.momentCount).toBe(models.length);
        for (let moment = 0; moment < models.length; moment++) {
          const cursor = harness.engine.moment(moment).asHashMap().get('sorted')!;
          expectMap(cursor.asSortedMap(), models[moment]!, random);
          expect(checkSortedTree(harness.engine.io, cursor.slot.position)).toEqual([]);
        }
        expectVerified(harness.engine, 'at the end');
      } finally {
        harness.close();
      }
    });
  }
});
