// Sorted maps and sets through the JS-value API: sortedMap() and sortedSet()
// stored anywhere a value goes, read back as SortedMapView and SortedSetView
// (lookups, order, range, rank and select, first and last, toJS, toJSON,
// inspect), db.range on databases, transactions and snapshots, paths into
// sorted maps by key, copies between databases, and refused keys.

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  open,
  sortedMap,
  sortedSet,
  SortedMapView,
  SortedSetView,
  MapView,
  IncompatibleDatabaseError,
  InvalidArgumentError,
  OutOfRangeError,
  TransactionError,
  WrongTypeError,
  type SortedMap,
  type SortedSet,
} from '../../src/index.js';
import { Tag, verifyDatabase } from '../../src/engine.js';
import { encodeOrderedKey } from '../../src/format/ordered-key.js';
import { toImmutable } from '../../src/immutable.js';
import { OrderedMap, OrderedSet } from 'immutable';

/** True when A and B are the same type (not merely assignable): `true satisfies SameType<A, B>` compiles only then. */
type SameType<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

const mixedKeys: unknown[] = [
  [2, 'b'],
  new Uint8Array([1, 2]),
  new Date(5),
  3n,
  -1n,
  1.5,
  -Infinity,
  Number.NaN,
  -2,
  true,
  false,
  null,
  'é',
  'b',
  'a',
  '',
  [2, 'a'],
  [1],
];

describe('sortedMap and sortedSet values', () => {
  it('store as a sorted map and set (tags 14 and 15) and read back as views in key order', async () => {
    const db = await open();
    db.set(['m'], sortedMap<string, unknown>([['pear', 2], ['apple', 1], ['fig', { nested: [1, 2] }]]));
    db.set(['s'], sortedSet([3, 1, 2, 1]));
    expect(db.snapshot().cursor().readPath(['m'])?.tag).toBe(Tag.SORTED_MAP);
    expect(db.snapshot().cursor().readPath(['s'])?.tag).toBe(Tag.SORTED_SET);
    const m = db.get(['m']) as SortedMapView<string>;
    expect(m).toBeInstanceOf(SortedMapView);
    expect(m.size).toBe(3);
    expect([...m.keys()]).toEqual(['apple', 'fig', 'pear']);
    expect(m.get('pear')).toBe(2);
    expect(m.get('nope')).toBeUndefined();
    expect(m.has('fig')).toBe(true);
    expect((m.get('fig') as MapView).toJS()).toEqual({ nested: [1, 2] });
    expect(m.toJS()).toEqual(new Map<unknown, unknown>([['apple', 1], ['fig', { nested: [1, 2] }], ['pear', 2]]));
    expect([...(m.toJS() as Map<unknown, unknown>).keys()]).toEqual(['apple', 'fig', 'pear']);
    const s = db.get(['s']) as SortedSetView<number>;
    expect(s).toBeInstanceOf(SortedSetView);
    expect(s.size).toBe(3);
    expect([...s]).toEqual([1, 2, 3]);
    expect(s.toJS()).toEqual(new Set([1, 2, 3]));
    // toImmutable keeps the key order: an OrderedMap and an OrderedSet.
    // The overloads for sorted views say so in the types too (no cast; checked at compile time).
    const im = toImmutable(m);
    true satisfies SameType<typeof im, OrderedMap<string, unknown>>;
    expect(OrderedMap.isOrderedMap(im)).toBe(true);
    expect([...im.keys()]).toEqual(['apple', 'fig', 'pear']);
    expect(OrderedSet.isOrderedSet(toImmutable(s))).toBe(true);
    const ordered = toImmutable(s);
    true satisfies SameType<typeof ordered, OrderedSet<number>>;
    expect([...ordered]).toEqual([1, 2, 3]);
    expect(verifyDatabase(db.engine).problems).toEqual([]);
  });

  it('keeps keys of every kind in the order FORMAT.md §Ordered keys gives, and reads them back as the same JS values', async () => {
    const db = await open();
    db.set(['m'], sortedMap(mixedKeys.map((key, i) => [key as never, i])));
    const expected = [...mixedKeys].sort((a, b) => Buffer.compare(encodeOrderedKey(a as never), encodeOrderedKey(b as never)));
    const m = db.get(['m']) as SortedMapView;
    expect([...m.keys()]).toEqual(expected);
    expect(expected.slice(0, 4)).toEqual(['', 'a', 'b', 'é']);
    expect(expected.slice(4, 7)).toEqual([null, false, true]);
    expect(expected.slice(7, 13)).toEqual([-Infinity, -2, 1.5, Number.NaN, -1n, 3n]);
    expect(expected.slice(13)).toEqual([new Date(5), new Uint8Array([1, 2]), [1], [2, 'a'], [2, 'b']]);
    for (const [i, key] of mixedKeys.entries()) expect(m.get(key)).toBe(i);
    // -0 is 0, as a Map treats it.
    expect(m.get(-0)).toBeUndefined();
    db.set(['z'], sortedMap([[0, 'zero']]));
    expect(db.get(['z', -0])).toBe('zero');
    expect([...db.range(['m'], { prefix: [2] })]).toEqual([[[2, 'a'], 16], [[2, 'b'], 0]]);
  });

  it('answers rank, at, first and last in key order', async () => {
    const db = await open();
    db.set(['m'], sortedMap(Array.from({ length: 100 }, (_, i) => [i * 2, `v${i}`] as const)));
    const m = db.get(['m']) as SortedMapView<number, string>;
    expect(m.rank(0)).toBe(0);
    expect(m.rank(10)).toBe(5);
    expect(m.rank(11)).toBe(6);
    expect(m.rank(1000)).toBe(100);
    expect(m.at(5)).toEqual([10, 'v5']);
    expect(m.at(-1)).toEqual([198, 'v99']);
    expect(() => m.at(100)).toThrow(OutOfRangeError);
    expect(() => m.at(1.5)).toThrow(InvalidArgumentError);
    expect(m.first()).toEqual([0, 'v0']);
    expect(m.last()).toEqual([198, 'v99']);
    db.set(['e'], sortedSet([]));
    const e = db.get(['e']) as SortedSetView;
    expect(e.first()).toBeUndefined();
    expect(e.last()).toBeUndefined();
    expect(e.size).toBe(0);
  });

  it('shows a preview in inspect and its data in toJSON', async () => {
    const db = await open();
    db.set(['m'], sortedMap([['b', 2], ['a', 1]]));
    db.set(['s'], sortedSet(['y', 'x']));
    expect(inspect(db.get(['m']))).toBe('SortedMapView(2) { "a" => 1, "b" => 2 }');
    expect(inspect(db.get(['s']))).toBe('SortedSetView(2) { "x", "y" }');
    expect(Object.prototype.toString.call(db.get(['m']))).toBe('[object SortedMapView]');
    expect(JSON.stringify({ m: (db.get(['m']) as SortedMapView).toJS() })).toBe('{"m":{}}');
    expect(Object.keys(db.get(['m']) as object)).toEqual(['kind']);
  });
});

describe('range', () => {
  const build = async () => {
    const db = await open();
    db.set(['m'], sortedMap(Array.from({ length: 50 }, (_, i) => [i, i * i] as const)));
    db.set(['names'], sortedSet(['apple', 'apricot', 'banana', 'blueberry', 'cherry', 'ab', 'a', 'b']));
    db.set(['tuples'], sortedSet([[1, 'a'], [1, 'b'], [2, 'a'], [1], [10, 'x'], 'text']));
    return db;
  };

  it('honours gte, gt, lte, lt, reverse, limit and offset', async () => {
    const db = await build();
    const keys = (options: object) => [...db.range(['m'], options)].map((entry) => (entry as [number, unknown])[0]);
    expect(keys({ gte: 10, lt: 15 })).toEqual([10, 11, 12, 13, 14]);
    expect(keys({ gt: 10, lte: 15 })).toEqual([11, 12, 13, 14, 15]);
    expect(keys({ gt: 9.5, lt: 11.5 })).toEqual([10, 11]);
    expect(keys({ gte: 45 })).toEqual([45, 46, 47, 48, 49]);
    expect(keys({ lt: 3 })).toEqual([0, 1, 2]);
    expect(keys({ gte: 10, lt: 20, reverse: true, limit: 3 })).toEqual([19, 18, 17]);
    expect(keys({ gte: 10, lt: 20, offset: 8 })).toEqual([18, 19]);
    expect(keys({ gte: 10, lt: 20, reverse: true, offset: 8, limit: 5 })).toEqual([11, 10]);
    expect(keys({ gte: 20, lt: 10 })).toEqual([]);
    expect(keys({ offset: 60 })).toEqual([]);
    expect(keys({ limit: 0 })).toEqual([]);
    // Strings sort before numbers (FORMAT.md §Ordered keys): a string bound cuts across kinds.
    expect(keys({ lt: 'a' })).toEqual([]);
    expect(keys({ gte: 'a' })).toHaveLength(50);
    expect([...db.range(['m'], { gte: 7, limit: 1 })]).toEqual([[7, 49]]);
  });

  it('matches string, byte and tuple prefixes, and only keys of that kind', async () => {
    const db = await build();
    expect([...db.range(['names'], { prefix: 'ap' })]).toEqual(['apple', 'apricot']);
    expect([...db.range(['names'], { prefix: 'b', reverse: true })]).toEqual(['blueberry', 'banana', 'b']);
    expect([...db.range(['names'], { prefix: '' })]).toEqual(['a', 'ab', 'apple', 'apricot', 'b', 'banana', 'blueberry', 'cherry']);
    expect([...db.range(['tuples'], { prefix: [1] })]).toEqual([[1], [1, 'a'], [1, 'b']]);
    expect([...db.range(['tuples'], { prefix: [] })]).toEqual([[1], [1, 'a'], [1, 'b'], [2, 'a'], [10, 'x']]);
    expect([...db.range(['tuples'], { prefix: '' })]).toEqual(['text']);
    db.set(['bytes'], sortedSet([new Uint8Array([1, 255]), new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([1, 255, 255])]));
    expect([...db.range(['bytes'], { prefix: new Uint8Array([1, 255]) })]).toEqual([new Uint8Array([1, 255]), new Uint8Array([1, 255, 255])]);
    expect(() => db.range(['names'], { prefix: 3 as never })).toThrow(InvalidArgumentError);
  });

  it('checks its options at the call, and is lazy', async () => {
    const db = await build();
    expect(() => db.range(['m'], { gte: {} })).toThrow(InvalidArgumentError);
    expect(() => db.range(['m'], { gte: undefined, lt: Symbol('x') as never })).toThrow(InvalidArgumentError);
    expect(() => db.range(['m'], { limit: -1 })).toThrow(InvalidArgumentError);
    expect(() => db.range(['m'], { offset: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => db.range(['m'], { reverse: 'yes' as never })).toThrow(InvalidArgumentError);
    expect(() => db.range(['m'], { from: 1 } as never)).toThrow(InvalidArgumentError);
    expect(() => db.range(['m'], null as never)).toThrow(InvalidArgumentError);
    db.set(['plain'], { a: 1 });
    expect(() => db.range(['plain'], {})).toThrow(WrongTypeError);
    expect([...db.range(['absent'])]).toEqual([]);
    const iterator = db.range(['m'], { gte: 48 });
    expect(iterator.next().value).toEqual([48, 48 * 48]);
  });

  it('works on snapshots (each moment its own) and in transactions, which see their own writes', async () => {
    const db = await build();
    db.set(['m', 100], 'hundred');
    expect([...db.snapshot(-2).range(['m'], { gte: 49 })]).toEqual([[49, 2401]]);
    expect([...db.snapshot(-1).range(['m'], { gte: 49 })]).toEqual([[49, 2401], [100, 'hundred']]);
    let kept: IterableIterator<unknown> | undefined;
    db.transact((tx) => {
      tx.delete(['m', 49]);
      expect([...tx.range(['m'], { gte: 48 })]).toEqual([[48, 2304], [100, 'hundred']]);
      kept = tx.range(['m'], { gte: 48 });
      // Later writes of the transaction do not show in a range taken before them.
      const before = tx.range(['m'], { gte: 48 });
      tx.set(['m', 48.5], 'between');
      expect([...before]).toEqual([[48, 2304], [100, 'hundred']]);
      expect([...tx.range(['m'], { gte: 48 })]).toEqual([[48, 2304], [48.5, 'between'], [100, 'hundred']]);
    });
    expect(() => kept!.next()).toThrow(TransactionError);
    expect([...db.range(['m'], { gte: 48 })]).toEqual([[48, 2304], [48.5, 'between'], [100, 'hundred']]);
    expect(verifyDatabase(db.engine).problems).toEqual([]);
  });
});

describe('paths into sorted maps', () => {
  it('get, set, has, delete and update by key, nested values under entries too', async () => {
    const db = await open();
    db.set(['users'], sortedMap<[string, number], unknown>([[['smith', 1], { name: 'Ann' }]]));
    db.set(['users', ['jones', 2]] as never, { name: 'Bob', tags: ['x'] });
    expect(db.get(['users', ['jones', 2], 'name'] as never)).toBe('Bob');
    db.set(['users', ['jones', 2], 'tags', 1] as never, 'y');
    expect(db.get(['users', ['jones', 2], 'tags'] as never)).toBeDefined();
    expect(db.has(['users', ['smith', 1]] as never)).toBe(true);
    expect(db.has(['users', ['smith', 2]] as never)).toBe(false);
    db.update(['users', ['smith', 1], 'name'] as never, (old) => `${String(old)}e`);
    expect((db.get(['users']) as SortedMapView).toJS()).toEqual(
      new Map<unknown, unknown>([
        [['jones', 2], { name: 'Bob', tags: ['x', 'y'] }],
        [['smith', 1], { name: 'Anne' }],
      ]),
    );
    expect(db.delete(['users', ['smith', 1]] as never)).toBe(true);
    expect(db.delete(['users', ['smith', 1]] as never)).toBe(false);
    expect((db.get(['users']) as SortedMapView).size).toBe(1);
    expect(() => db.set(['users', {} as never], 1)).toThrow(InvalidArgumentError);
    expect(() => db.get(['users', undefined as never])).toThrow(InvalidArgumentError);
    expect(verifyDatabase(db.engine).problems).toEqual([]);
  });

  it('merges a plain object, a Map or a sortedMap() into a sorted map, and a sortedMap() into an empty slot as a new one', async () => {
    const db = await open<{ scores: SortedMap<number, string>; made: SortedMap<number, string> }>();
    db.set(['scores'], sortedMap([[1, 'a']]));
    db.merge(['scores'], sortedMap([[3, 'c'], [2, 'b']]));
    db.merge(['scores'], new Map([[0, 'z']]) as never);
    db.merge(['scores'], { 5: 'e' } as never);
    // A plain object's keys are strings: '5' is a string key, sorted before every number.
    expect([...db.range(['scores'])]).toEqual([['5', 'e'], [0, 'z'], [1, 'a'], [2, 'b'], [3, 'c']]);
    db.merge(['made'], sortedMap([[2, 'y'], [1, 'x']]));
    expect(db.get(['made'])).toBeInstanceOf(SortedMapView);
    expect([...db.range(['made'])]).toEqual([[1, 'x'], [2, 'y']]);
    expect(() => db.merge(['scores'], new Map([[{}, 'bad']]) as never)).toThrow(InvalidArgumentError);
    expect(db.get(['scores'])?.size).toBe(5);
  });

  it('adds members to sorted sets (a new one on an empty slot) and to Sets, and deletes them by path', async () => {
    const db = await open();
    expect(db.add(['tags'], 'b', 'a')).toBe(2);
    expect(db.add(['tags'], 'c', 'a')).toBe(3);
    expect([...(db.get(['tags']) as SortedSetView)]).toEqual(['a', 'b', 'c']);
    expect(db.delete(['tags', 'b'])).toBe(true);
    expect([...(db.get(['tags']) as SortedSetView)]).toEqual(['a', 'c']);
    db.set(['hashed'], new Set([1]));
    expect(db.add(['hashed'], 2, 1)).toBe(2);
    db.set(['list'], [1]);
    expect(() => db.add(['list'], 2)).toThrow(WrongTypeError);
    expect(() => db.add(['tags'], Symbol('s'))).toThrow(InvalidArgumentError);
    expect([...(db.get(['tags']) as SortedSetView)]).toEqual(['a', 'c']);
  });

  it('refuses keys the ordered encoding has no form for, before writing anything', async () => {
    const db = await open();
    for (const bad of [undefined, {}, Symbol('s'), () => 1, new Date(Number.NaN), '\ud800', [1, [undefined]], new Map()]) {
      expect(() => db.set(['m'], sortedMap([[bad as never, 1]]))).toThrow(InvalidArgumentError);
      expect(() => db.set(['s'], sortedSet([bad as never]))).toThrow(InvalidArgumentError);
    }
    let deep: unknown[] = [];
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => db.set(['m'], sortedMap([[deep as never, 1]]))).toThrow(InvalidArgumentError);
    expect(db.momentCount).toBe(0);
    expect(() => db.set(['m'], sortedMap([[1, undefined]]))).toThrow();
    expect(db.momentCount).toBe(0);
  });
});

describe('keys another writer stored', () => {
  it('reads text keys as strings, and refuses keys outside the ordered encoding instead of showing another key', async () => {
    const db = await open();
    // Written at the cursor level, as another xitdb implementation would: raw bytes as keys.
    db.engine.transact((root) => {
      const map = root.hashMap().put('foreign').sortedMap();
      map.put('plain text').writeUint(1);
      map.put(Uint8Array.of(0xc3, 0x28)).writeUint(2); // not UTF-8
      map.put(Uint8Array.of(0xf8, 1, 2)).writeUint(3); // a number prefix with 2 of its 8 bytes
    });
    const view = db.get(['foreign']) as SortedMapView;
    expect(view.size).toBe(3);
    expect(view.get('plain text')).toBe(1);
    expect(view.first()).toEqual(['plain text', 1]);
    expect(() => view.at(1)).toThrow(IncompatibleDatabaseError);
    expect(() => view.last()).toThrow(IncompatibleDatabaseError);
    expect(() => [...view.keys()]).toThrow(IncompatibleDatabaseError);
    expect(() => view.toJS()).toThrow(IncompatibleDatabaseError);
    expect([...db.range(['foreign'], { lte: 'plain text' })]).toEqual([['plain text', 1]]);
    expect(() => [...db.range(['foreign'])]).toThrow(IncompatibleDatabaseError);
    // The values are still reachable by rank, and the cursor API reads the raw keys.
    expect(view.rank('plain text')).toBe(0);
    expect(db.snapshot().cursor().readPath(['foreign'])?.asSortedMap().at(2).key.readBytes()).toEqual(Uint8Array.of(0xf8, 1, 2));
  });
});

describe('copies and typed schemas', () => {
  it('copies sorted maps and sets between databases, keeping their kind and order, and pointer-copies within one', async () => {
    const a = await open();
    a.set(['m'], sortedMap<bigint, unknown>([[3n, sortedSet(['x', 'y'])], [1n, 'one']]));
    const b = await open();
    b.set(['copy'], a.get(['m']));
    expect(b.snapshot().cursor().readPath(['copy'])?.tag).toBe(Tag.SORTED_MAP);
    expect(b.snapshot().cursor().readPath(['copy'])?.asSortedMap().at(1).value.tag).toBe(Tag.SORTED_SET);
    expect((b.get(['copy']) as SortedMapView).toJS()).toEqual(new Map<unknown, unknown>([[1n, 'one'], [3n, new Set(['x', 'y'])]]));
    a.set(['again'], a.get(['m']));
    expect(a.snapshot().cursor().readPath(['again'])?.slot.equals(a.snapshot().cursor().readPath(['m'])!.slot)).toBe(true);
    a.set(['m', 2n] as never, 'two');
    expect((a.get(['again']) as SortedMapView).size).toBe(2);
    expect(verifyDatabase(a.engine).problems).toEqual([]);
    expect(verifyDatabase(b.engine).problems).toEqual([]);
  });

  it('types paths, views and range items from a schema', async () => {
    const db = await open<{ scores: SortedMap<number, { name: string }>; tags: SortedSet<string> }>();
    db.set(['scores'], sortedMap([[10, { name: 'a' }]]));
    db.set(['scores', 20], { name: 'b' });
    db.set(['tags'], sortedSet(['x']));
    const name: string | undefined = db.get(['scores', 20, 'name']);
    expect(name).toBe('b');
    const view = db.get(['scores']);
    const first: [number, unknown] | undefined = view?.first();
    expect(first?.[0]).toBe(10);
    for (const [score, entry] of db.range(['scores'], { gte: 15 })) {
      const n: number = score;
      expect(n).toBe(20);
      expect(entry.get('name')).toBe('b');
    }
    const members: string[] = [...db.range(['tags'])];
    expect(members).toEqual(['x']);
    expect(db.delete(['tags', 'x'])).toBe(true);
    const js: Map<number, { name: string }> | undefined = view?.toJS();
    expect(js?.get(10)).toEqual({ name: 'a' });
  });
});
