// Excision in sorted maps and sets, as a property (issue 16): random trees
// built by puts and removes over several moments, random keys dropped. The
// compacted file verifies clean (separators ascend and bound their children,
// counts add up), holds exactly the keys not dropped, and none of the dropped
// keys' bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { compactInto } from '../../src/compact/index.js';
import { propertyParameters } from '../model/model-support.js';
import { newSource, reopen } from './support.js';

const keyOf = (n: number): string => `sorted-key-${String(n).padStart(4, '0')}-tail`;

function includes(haystack: Uint8Array, text: string): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(text);
}

describe('excision in sorted maps, property', () => {
  it('leaves a valid tree holding exactly the keys not dropped, and no byte of a dropped key', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ put: fc.array(fc.nat(400), { maxLength: 120 }), remove: fc.array(fc.nat(400), { maxLength: 40 }) }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(400), { maxLength: 60 }),
        fc.boolean(),
        (moments, droppedNumbers, isSet) => {
          const { engine } = newSource();
          const models: Array<Set<number>> = [];
          const model = new Set<number>();
          for (const { put, remove } of moments) {
            engine.transact((root) => {
              const map = root.hashMap();
              if (isSet) {
                const set = map.put('tree').sortedSet();
                for (const n of put) set.add(keyOf(n));
                for (const n of remove) set.remove(keyOf(n));
              } else {
                const sorted = map.put('tree').sortedMap();
                for (const n of put) sorted.put(keyOf(n)).writeString(`value of ${n}, long enough`);
                for (const n of remove) sorted.remove(keyOf(n));
              }
            });
            for (const n of put) model.add(n);
            for (const n of remove) model.delete(n);
            models.push(new Set(model));
          }
          const dropped = new Set(droppedNumbers);
          const target = new MemoryStorage({ durable: true });
          compactInto(engine, target, { keep: () => true, drop: [...dropped].map((n) => ['tree', keyOf(n)]) });
          const compacted = reopen(target);
          expect(verifyDatabase(compacted).problems).toEqual([]);
          models.forEach((expected, i) => {
            const tree = compacted.moment(i).asHashMap().get('tree')!;
            const keys = isSet ? [...tree.asSortedSet().keys()].map((key) => key.readString()) : [...tree.asSortedMap().entries()].map((entry) => entry.key.readString());
            expect(keys).toEqual([...expected].filter((n) => !dropped.has(n)).sort((a, b) => a - b).map(keyOf));
            expect(isSet ? tree.asSortedSet().count() : tree.asSortedMap().count()).toBe(keys.length);
          });
          const bytes = target.toBytes();
          // Keys removed by the source itself may still stand in its separators; only dropped keys are promised gone.
          for (const n of dropped) expect(includes(bytes, keyOf(n))).toBe(false);
        },
      ),
      propertyParameters(40),
    );
  });
});
