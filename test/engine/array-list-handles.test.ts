// Array list handles kept across many operations. An append remembers the leaf
// it wrote into, so that the next append by the same handle skips the descent;
// that memory must never outlive the list it describes. Two handles on one
// list take turns appending, slicing, putting and freezing, in random order,
// against an array; the committed list must read the same.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { WriteArrayList } from '../../src/cursor/write-cursor.js';
import { TransactionError } from '../../src/errors.js';
import { expectVerified } from '../model/model-support.js';

type Op =
  | { kind: 'append'; handle: 0 | 1; times: number }
  | { kind: 'slice'; handle: 0 | 1; keep: number }
  | { kind: 'put'; handle: 0 | 1; at: number }
  | { kind: 'freeze' };

const handle = fc.constantFrom(0 as const, 1 as const);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), handle, times: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('slice' as const), handle, keep: fc.noBias(fc.integer({ min: 0, max: 1000 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), handle, at: fc.noBias(fc.integer({ min: 0, max: 1000 })) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'freeze' as const }) },
);

describe('array list handles that append again after other changes', () => {
  it('read as an array does through appends, slices, puts and freezes by two handles, in and across transactions', () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }), (transactions) => {
        const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, durability: 'flush' });
        const model: number[] = [];
        let next = 1;
        for (const ops of transactions) {
          engine.transact((root) => {
            const open = (): WriteArrayList => root.hashMap().put('list').arrayList();
            const handles = [open(), open()];
            for (const step of ops) {
              if (step.kind === 'freeze') {
                engine.freeze();
                // Cursors taken before a freeze refuse to write; take the handles again.
                handles[0] = open();
                handles[1] = open();
                continue;
              }
              const list = handles[step.handle] as WriteArrayList;
              if (step.kind === 'append') {
                for (let i = 0; i < step.times; i++) {
                  list.append().writeUint(next);
                  model.push(next++);
                }
              } else if (step.kind === 'slice') {
                const keep = model.length === 0 ? 0 : step.keep % (model.length + 1);
                list.slice(keep);
                model.length = keep;
              } else if (model.length > 0) {
                const at = step.at % model.length;
                list.put(at).writeUint(next);
                model[at] = next++;
              }
            }
          });
          const items = [...engine.moment(-1).asHashMap().get('list')!.asArrayList()].map((item) => (item.isNone ? null : Number(item.readUint())));
          expect(items).toEqual(model);
          expectVerified(engine, `after transaction ${transactions.indexOf(ops)}`);
        }
        engine.close();
      }),
      { numRuns: Number(process.env.STRATADB_PROPERTY_RUNS ?? 300) },
    );
  });
});

describe('cursors on array list items taken before a slice', () => {
  it('refuse to write, so a dropped item never writes into the item that reuses its slot', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, durability: 'flush' });
    engine.transact((root) => {
      const map = root.hashMap();
      const outer = map.put('outer').arrayList();
      const inner = outer.append().arrayList();
      inner.append().writeUint(1);
      outer.slice(0);
      outer.append().arrayList().append().writeUint(2);
      expect(() => inner.append()).toThrow(TransactionError);
      const list = map.put('l').arrayList();
      const dropped = list.append();
      list.slice(0);
      list.append().writeUint(2);
      expect(() => dropped.writeUint(1)).toThrow(TransactionError);
    });
    const moment = engine.moment(-1).asHashMap();
    const outer = [...moment.get('outer')!.asArrayList()].map((item) => [...item.asArrayList()].map((value) => value.readNumber()));
    expect(outer).toEqual([[2]]);
    expect([...moment.get('l')!.asArrayList()].map((item) => item.readNumber())).toEqual([2]);
    engine.close();
  });
});

describe('cursors on list items, after operations on other lists or on a list inside an item', () => {
  it('stay writable when nothing they point into was dropped, shared or copied', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, durability: 'flush' });
    engine.transact((root) => {
      const map = root.hashMap();
      // A list inside another list's item: two structural operations in a row through one handle.
      const inner = map.put('o').arrayList().append().arrayList();
      for (let i = 0; i < 5; i++) inner.append().writeUint(i);
      inner.slice(4);
      inner.slice(3);
      inner.append().writeUint(9);
      const linked = map.put('o2').arrayList().append().linkedArrayList();
      for (let i = 0; i < 5; i++) linked.append().writeUint(i);
      linked.remove(0);
      linked.remove(0);
      // A slice of an unrelated list leaves a cursor inside another list's item usable.
      const item = map.put('rows').arrayList().append().hashMap();
      item.put('x').writeUint(1);
      const log = map.put('log').arrayList();
      log.append().writeUint(1);
      log.slice(0);
      item.put('y').writeUint(2);
      // Item cursors of one list stay usable while other items of it are put.
      const list = map.put('l').arrayList();
      for (let i = 0; i < 2000; i++) list.append().writeUint(i);
      const first = list.put(0);
      const far = list.put(1999);
      far.writeUint(-1 >>> 0);
      first.writeUint(7);
    });
    const moment = engine.moment(-1).asHashMap();
    const numbers = (cursor: { asArrayList(): Iterable<{ readNumber(): number }> }): number[] => [...cursor.asArrayList()].map((value) => value.readNumber());
    expect(numbers(moment.get('o')!.asArrayList().get(0))).toEqual([0, 1, 2, 9]);
    expect([...moment.get('o2')!.asArrayList().get(0).asLinkedArrayList()].map((value) => value.readNumber())).toEqual([2, 3, 4]);
    const row = moment.get('rows')!.asArrayList().get(0).asHashMap();
    expect([row.get('x')!.readNumber(), row.get('y')!.readNumber()]).toEqual([1, 2]);
    expect(moment.get('l')!.asArrayList().get(0).readNumber()).toBe(7);
    expect(moment.get('l')!.asArrayList().get(1999).readNumber()).toBe(2 ** 32 - 1);
    engine.close();
  });
});
