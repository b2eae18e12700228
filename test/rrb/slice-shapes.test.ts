// Slices of deep, irregular linked lists. The model test keeps lists short (a
// few thousand items, two or three levels); here lists of tens of thousands of
// items are built from pieces of random sizes joined by concat, so seams with
// small last children lie at every level, and then cut again and again. After
// every step the list must hold what an array holds and pass the invariant
// checker, balance included: a cut that left a small first child in the middle
// of a node would fail it.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { expectValidList, listValues, treeOf } from './support.js';
import { loopSize } from '../support/sizes.js';

type Step = { kind: 'slice'; from: number; to: number } | { kind: 'concat-self' } | { kind: 'concat-piece'; size: number };

// Unbiased: fast-check's default bias favours 0 and 1, which cut nothing.
const fraction = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((n) => n / 1_000_000);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('slice' as const), from: fraction, to: fraction }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'concat-self' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('concat-piece' as const), size: fc.noBias(fc.integer({ min: 1, max: 5000 })) }) },
);

const MAX_ITEMS = 60_000;

describe('slices of deep irregular linked lists', () => {
  it('match an array and keep the balance invariant through random cuts and joins', () => {
    let deepest = 0;
    fc.assert(
      fc.property(fc.array(fc.noBias(fc.integer({ min: 1, max: 3000 })), { minLength: 2, maxLength: 24 }), fc.array(step, { minLength: 1, maxLength: 12 }), (pieces, steps) => {
        const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, durability: 'flush' });
        let model: number[] = [];
        let next = 0;
        engine.transact((root) => {
          const map = root.hashMap();
          const appendPiece = (size: number): void => {
            const piece = map.put('piece').linkedArrayList();
            for (let i = 0; i < size; i++) piece.append().writeUint(next + i);
            const list = map.put('list').linkedArrayList();
            list.concat(map.read().get('piece')!);
            for (let i = 0; i < size; i++) model.push(next + i);
            next += size;
            map.remove('piece');
          };
          for (const size of pieces) appendPiece(size);
          for (const s of steps) {
            const list = map.put('list').linkedArrayList();
            if (s.kind === 'slice') {
              const from = Math.floor(Math.min(s.from, s.to) * model.length);
              const to = Math.floor(Math.max(s.from, s.to) * model.length);
              list.slice(from, to - from);
              model = model.slice(from, to);
            } else if (s.kind === 'concat-self') {
              if (model.length * 2 > MAX_ITEMS) continue;
              list.concat(map.read().get('list')!);
              model = [...model, ...model];
            } else {
              if (model.length + s.size > MAX_ITEMS) continue;
              appendPiece(s.size);
            }
            const cursor = map.read().get('list')!;
            deepest = Math.max(deepest, treeOf(engine, cursor).height);
            expect(listValues(cursor)).toEqual(model);
            expectValidList(engine, cursor);
          }
        });
        // The committed list reads the same once the transaction is over.
        const committed = engine.moment(-1).asHashMap().get('list')!;
        expect(listValues(committed)).toEqual(model);
        expectValidList(engine, committed);
        engine.close();
      }),
      { numRuns: loopSize(process.env.STRATADB_PROPERTY_RUNS, 30, 60) },
    );
    // The lists did reach the depths where seams nest.
    expect(deepest).toBeGreaterThanOrEqual(3);
  });

  it('writes a bounded number of blocks for a cut in a million-item list', () => {
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher, durability: 'flush' });
    const n = 1_000_000;
    engine.transact((root) => {
      const list = root.hashMap().put('list').linkedArrayList();
      for (let i = 0; i < n; i++) list.append().writeUint(i);
    });
    engine.transact((root) => {
      const list = root.hashMap().put('list').linkedArrayList();
      const before = storage.size();
      list.slice(n / 4, n / 2);
      const blocks = (storage.size() - before) / 272;
      // Height 4 here: 20 blocks, where the old slice (a concat per level) wrote 55.
      expect(blocks).toBeLessThanOrEqual(24);
      const cursor = root.hashMap().read().get('list')!;
      expect(Number(cursor.asLinkedArrayList().get(0).readUint())).toBe(n / 4);
      expect(cursor.asLinkedArrayList().count()).toBe(n / 2);
      expectValidList(engine, cursor);
    });
    engine.close();
  });
});
