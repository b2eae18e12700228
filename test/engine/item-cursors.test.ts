// Item cursors kept while the lists change. A cursor taken on a list item may
// write later only while that write still reaches exactly that item; after a
// slice, concat, insert or remove of its list, or a copy of its blocks, it
// must refuse (TransactionError) rather than write into a dropped, shared or
// left-behind slot. Random operations on two array lists and two linked lists,
// with cursors kept across them, against a model that tracks each item by
// identity: every write through an old cursor either is refused, or changes
// its own item and nothing else.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { TransactionError } from '../../src/errors.js';
import type { WriteCursor, WriteHashMap } from '../../src/cursor/write-cursor.js';
import { expectVerified } from '../model/model-support.js';
import { expectValidList } from '../rrb/support.js';

const LISTS = ['a1', 'a2', 'l1', 'l2'] as const;
type Name = (typeof LISTS)[number];
const linked = (name: Name): boolean => name.startsWith('l');

type Op =
  | { kind: 'append'; list: Name; times: number }
  | { kind: 'take'; list: Name; at: number }
  | { kind: 'appendTake'; list: Name }
  | { kind: 'write'; cursor: number }
  | { kind: 'put'; list: Name; at: number }
  | { kind: 'slice'; list: Name; from: number; to: number }
  | { kind: 'insert'; list: Name; at: number }
  | { kind: 'remove'; list: Name; at: number }
  | { kind: 'concat'; list: Name; other: Name };

const name = fc.constantFrom(...LISTS);
const fraction = fc.noBias(fc.integer({ min: 0, max: 1000 })).map((n) => n / 1000);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('append' as const), list: name, times: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('take' as const), list: name, at: fraction }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('appendTake' as const), list: name }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), cursor: fc.nat(12) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), list: name, at: fraction }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slice' as const), list: name, from: fraction, to: fraction }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), list: name, at: fraction }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), list: name, at: fraction }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('concat' as const), list: fc.constantFrom('l1' as const, 'l2' as const), other: fc.constantFrom('l1' as const, 'l2' as const) }) },
);

/** An item of the model: its identity (which cursors are bound to) and its value. */
interface Item {
  readonly id: number;
  value: number;
}

describe('item cursors kept across list operations', () => {
  it('write to their own item or refuse, never to another item, a dropped one, or two', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, durability: 'flush' });
        const model: Record<Name, Item[]> = { a1: [], a2: [], l1: [], l2: [] };
        const cursors: Array<{ cursor: WriteCursor; id: number }> = [];
        let nextId = 1;
        let nextValue = 1;
        engine.transact((root) => {
          const map: WriteHashMap = root.hashMap();
          const handle = (list: Name) => (linked(list) ? map.put(list).linkedArrayList() : map.put(list).arrayList());
          const linkedHandle = (list: Name) => map.put(list).linkedArrayList();
          for (const step of ops) {
            const items = step.kind === 'write' || step.kind === 'concat' ? [] : model[step.list];
            const index = (at: number): number => Math.min(items.length - 1, Math.floor(at * items.length));
            switch (step.kind) {
              case 'append':
                for (let i = 0; i < step.times; i++) {
                  const value = nextValue++;
                  handle(step.list).append().writeUint(value);
                  items.push({ id: nextId++, value });
                }
                break;
              case 'appendTake': {
                // An append's own cursor, kept: it lies on the list's right edge, which the next append after a boundary move copies.
                const value = nextValue++;
                const cursor = handle(step.list).append();
                cursor.writeUint(value);
                const item = { id: nextId++, value };
                items.push(item);
                cursors.push({ cursor, id: item.id });
                break;
              }
              case 'take': {
                if (items.length === 0) break;
                const at = index(step.at);
                cursors.push({ cursor: handle(step.list).put(at), id: (items[at] as Item).id });
                break;
              }
              case 'put': {
                if (items.length === 0) break;
                const at = index(step.at);
                const value = nextValue++;
                handle(step.list).put(at).writeUint(value);
                (items[at] as Item).value = value;
                break;
              }
              case 'write': {
                const kept = cursors[step.cursor];
                if (kept === undefined) break;
                const value = nextValue++;
                let refused = false;
                try {
                  kept.cursor.writeUint(value);
                } catch (error) {
                  expect(error).toBeInstanceOf(TransactionError);
                  refused = true;
                }
                if (!refused) {
                  // Allowed: the item must still exist, once, in one list; it takes the value.
                  const holders = LISTS.flatMap((list) => model[list].filter((item) => item.id === kept.id));
                  expect(holders.length, 'a write through an old cursor was allowed for an item that is gone or shared').toBe(1);
                  (holders[0] as Item).value = value;
                }
                break;
              }
              case 'slice': {
                const from = Math.floor(Math.min(step.from, step.to) * items.length);
                const to = Math.floor(Math.max(step.from, step.to) * items.length);
                if (linked(step.list)) {
                  linkedHandle(step.list).slice(from, to - from);
                  model[step.list] = items.slice(from, to);
                } else {
                  map.put(step.list).arrayList().slice(to);
                  model[step.list] = items.slice(0, to);
                }
                break;
              }
              case 'insert': {
                if (!linked(step.list)) break;
                const at = Math.floor(step.at * (items.length + 1));
                const value = nextValue++;
                linkedHandle(step.list).insert(Math.min(at, items.length)).writeUint(value);
                items.splice(Math.min(at, items.length), 0, { id: nextId++, value });
                break;
              }
              case 'remove': {
                if (!linked(step.list) || items.length === 0) break;
                const at = index(step.at);
                linkedHandle(step.list).remove(at);
                items.splice(at, 1);
                break;
              }
              case 'concat': {
                const other = map.read().get(step.other);
                if (other === undefined || other.isNone || model[step.list].length + model[step.other].length > 3000) break;
                linkedHandle(step.list).concat(other);
                // The joined items are copies: a later write to one place must not show in the other.
                model[step.list] = [...model[step.list], ...model[step.other].map((item) => ({ id: nextId++, value: item.value }))];
                break;
              }
            }
            for (const list of LISTS) {
              const cursor = map.read().get(list);
              const stored = cursor === undefined || cursor.isNone ? [] : [...(linked(list) ? cursor.asLinkedArrayList() : cursor.asArrayList())].map((item) => item.readNumber());
              expect(stored, `${list} after ${step.kind}`).toEqual(model[list].map((item) => item.value));
              // The linked lists' tree invariants hold after every step, inside the transaction too.
              if (cursor !== undefined && linked(list)) expectValidList(engine, cursor);
            }
          }
        });
        expectVerified(engine, 'committed');
        engine.close();
      }),
      { numRuns: Number(process.env.STRATADB_PROPERTY_RUNS ?? 300) },
    );
  });
});
