// Model-based property test of sorted maps and sets (FORMAT.md §Sorted maps)
// at the cursor level, across many transactions on every backend: puts,
// removes, bulk inserts that split leaves and branches, aborted transactions,
// reopens. The model is a sorted array of [key hex, value text] per moment;
// every moment is re-read after every step (moments never change), through
// get, count, rank, select, seek and walks both ways, and the tree checker
// and verifyDatabase run after every transaction.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { checkSortedTree } from '../../src/sorted/check.js';
import type { Engine } from '../../src/history/engine.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { backends } from '../support/backends.js';
import {
  Harness,
  describeValue,
  expectAbortedTransaction,
  expectSoundTxState,
  expectVerified,
  fromHex,
  keyBytesOf,
  makeBackendFoldersAtCollection,
  propertyParameters,
  toHex,
  valueArbitrary,
  writeValue,
  type KeySpec,
  type ValueSpec,
} from '../model/model-support.js';

makeBackendFoldersAtCollection();

const RUNS_DEFAULT = 12;

/** Keys: a small alphabet (so puts overwrite and removes hit), long keys (long bytes), bytes with 0x00, the empty key. */
const sortedKeyArbitrary: fc.Arbitrary<KeySpec> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é'), maxLength: 3 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 9, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 3 }).map((bytes) => Uint8Array.of(0, ...bytes)) },
);

type Op =
  | { readonly op: 'put'; readonly target: 'map' | 'set'; readonly key: KeySpec; readonly value: ValueSpec }
  | { readonly op: 'remove'; readonly target: 'map' | 'set'; readonly key: KeySpec }
  | { readonly op: 'bulk'; readonly target: 'map' | 'set'; readonly prefix: string; readonly count: number; readonly remove: boolean };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('put' as const), target: fc.constantFrom('map' as const, 'set' as const), key: sortedKeyArbitrary, value: valueArbitrary }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), target: fc.constantFrom('map' as const, 'set' as const), key: sortedKeyArbitrary }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('bulk' as const),
      target: fc.constantFrom('map' as const, 'set' as const),
      prefix: fc.constantFrom('a', 'b', 'k', ''),
      count: fc.integer({ min: 10, max: 300 }),
      remove: fc.boolean(),
    }),
  },
);

type Step = { readonly kind: 'commit'; readonly ops: readonly Op[] } | { readonly kind: 'abort'; readonly ops: readonly Op[] } | { readonly kind: 'reopen' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.array(opArbitrary, { minLength: 1, maxLength: 12 }).map((ops) => ({ kind: 'commit' as const, ops })) },
  { weight: 1, arbitrary: fc.array(opArbitrary, { minLength: 1, maxLength: 4 }).map((ops) => ({ kind: 'abort' as const, ops })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/** One moment's model: key hex to value text, for the map and the set. */
interface Model {
  readonly map: Map<string, string>;
  readonly set: Set<string>;
}

function bulkKeys(prefix: string, count: number): string[] {
  // Spread over the key space (not in order), so splits happen in the middle too.
  return Array.from({ length: count }, (_, i) => `${prefix}${String((i * 7919) % (count * 3)).padStart(5, '0')}`);
}

function apply(root: WriteCursor, model: Model, op: Op): void {
  const tree = root.hashMap().put(op.target);
  if (op.target === 'map') {
    const map = tree.sortedMap();
    if (op.op === 'put') {
      const text = writeValue(map.put(op.key), op.value);
      const hex = toHex(keyBytesOf(op.key));
      model.map.set(hex, text ?? model.map.get(hex) ?? 'none');
    } else if (op.op === 'remove') {
      const hex = toHex(keyBytesOf(op.key));
      expect(map.remove(op.key)).toBe(model.map.delete(hex));
    } else {
      for (const key of bulkKeys(op.prefix, op.count)) {
        const hex = toHex(keyBytesOf(key));
        if (op.remove) expect(map.remove(key)).toBe(model.map.delete(hex));
        else {
          map.put(key).writeUint(op.count);
          model.map.set(hex, `uint:${op.count}`);
        }
      }
    }
  } else {
    const set = tree.sortedSet();
    const keys = op.op === 'bulk' ? bulkKeys(op.prefix, op.count) : [op.key];
    for (const key of keys) {
      const hex = toHex(keyBytesOf(key));
      if (op.op === 'remove' || (op.op === 'bulk' && op.remove)) expect(set.remove(key)).toBe(model.set.delete(hex));
      else {
        expect(set.add(key)).toBe(!model.set.has(hex));
        model.set.add(hex);
      }
    }
  }
}

/** Reads moment `moment` back through every read of the cursor API and compares it with `model`. */
function expectMoment(engine: Engine, moment: number, model: Model, probes: readonly KeySpec[]): void {
  const root = engine.moment(moment).asHashMap();
  const mapCursor = root.get('map');
  const setCursor = root.get('set');
  const mapEntries = [...model.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const setKeys = [...model.set].sort();
  if (mapCursor === undefined) expect(mapEntries).toEqual([]);
  else {
    const map = mapCursor.asSortedMap();
    expect(map.count()).toBe(mapEntries.length);
    const read = [...map.entries()].map((entry) => [toHex(entry.key.readBytes()), describeValue(entry.value)]);
    expect(read).toEqual(mapEntries);
    expect([...map.entriesBackward()].map((entry) => toHex(entry.key.readBytes()))).toEqual(mapEntries.map(([key]) => key).reverse());
    const keys = mapEntries.map(([key]) => key);
    for (const probe of probes) {
      const hex = toHex(keyBytesOf(probe));
      const rank = keys.filter((key) => key < hex).length;
      expect(map.rank(probe)).toBe(rank);
      expect(map.has(probe)).toBe(model.map.has(hex));
      expect(map.get(probe) === undefined ? undefined : describeValue(map.get(probe)!)).toBe(model.map.get(hex));
      expect(map.seek(probe) === undefined ? undefined : toHex(map.seek(probe)!.key.readBytes())).toBe(keys[rank]);
      // Three entries forwards from the key, three backwards from it.
      expect([...take(map.entries({ key: probe }), 3)].map((e) => toHex(e.key.readBytes()))).toEqual(keys.slice(rank, rank + 3));
      const last = model.map.has(hex) ? rank : rank - 1;
      expect([...take(map.entriesBackward({ key: probe }), 3)].map((e) => toHex(e.key.readBytes()))).toEqual(last < 0 ? [] : keys.slice(Math.max(0, last - 2), last + 1).reverse());
    }
    for (const index of [0, 1, Math.floor(keys.length / 2), keys.length - 1]) {
      if (index >= 0 && index < keys.length) {
        expect(toHex(map.at(index).key.readBytes())).toBe(keys[index]);
        expect(toHex(map.at(index - keys.length).key.readBytes())).toBe(keys[index]);
      }
    }
    expect(checkSortedTree(engine.io, mapCursor.slot.position)).toEqual([]);
  }
  if (setCursor === undefined) expect(setKeys).toEqual([]);
  else {
    const set = setCursor.asSortedSet();
    expect(set.count()).toBe(setKeys.length);
    expect([...set.keys()].map((key) => toHex(key.readBytes()))).toEqual(setKeys);
    for (const probe of probes) expect(set.has(probe)).toBe(model.set.has(toHex(keyBytesOf(probe))));
    expect(checkSortedTree(engine.io, setCursor.slot.position)).toEqual([]);
  }
}

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  if (count <= 0) return;
  let taken = 0;
  for (const item of items) {
    yield item;
    if (++taken >= count) return;
  }
}

function copyModel(model: Model): Model {
  return { map: new Map(model.map), set: new Set(model.set) };
}

describe('sorted maps and sets against a sorted array model', () => {
  for (const backend of backends) {
    it(`match the model at every moment after every step (${backend.name})`, () => {
      fc.assert(
        fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 10 }), fc.array(sortedKeyArbitrary, { minLength: 1, maxLength: 5 }), (steps, probes) => {
          const harness = new Harness(backend, sha1Hasher, 'flush');
          try {
            const models: Model[] = [];
            let current: Model = { map: new Map(), set: new Set() };
            for (const step of steps) {
              const engine = harness.engine;
              if (step.kind === 'reopen') harness.reopen();
              else if (step.kind === 'abort') {
                expectAbortedTransaction(engine, (root) => {
                  const scratch = copyModel(current);
                  for (const op of step.ops) apply(root, scratch, op);
                });
              } else {
                const next = copyModel(current);
                engine.transact((root) => {
                  for (const op of step.ops) {
                    apply(root, next, op);
                    expectSoundTxState(engine, 'after an op');
                  }
                });
                current = next;
                models.push(current);
              }
              expect(harness.engine.momentCount).toBe(models.length);
              for (let moment = 0; moment < models.length; moment++) expectMoment(harness.engine, moment, models[moment]!, probes);
              expectVerified(harness.engine, `after a ${step.kind}`);
            }
          } finally {
            harness.close();
          }
        }),
        propertyParameters(RUNS_DEFAULT),
      );
    });
  }
});

void fromHex;
