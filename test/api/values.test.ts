// JS values round trip losslessly through every backend, keys of every kind
// stay apart, and values with no mapping are refused before anything is written.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bigintBytes, bytesBigint } from '../../src/api/values.js';
import { List, Map as IMap, OrderedMap, OrderedSet, Record as IRecord, Seq, Set as ISet, Stack } from 'immutable';
import { open, linkedList, MapView, ListView, SetView, UnsupportedValueError, InvalidArgumentError, TransactionError, type Database } from '../../src/index.js';
import { Tag } from '../../src/engine.js';
import { backends } from '../support/backends.js';
import { toImmutable } from '../../src/immutable.js';

const sample = () => ({
  text: 'héllo ✓ 日本',
  empty: '',
  int: 42,
  negative: -7,
  big: 2 ** 53 - 1,
  float: 1.5,
  negativeZero: -0,
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  minusInfinity: Number.NEGATIVE_INFINITY,
  bigint: 123456789012345678901234567890n,
  negativeBigint: -(2n ** 100n) - 1n,
  smallBigint: 5n,
  zeroBigint: 0n,
  yes: true,
  no: false,
  nothing: null,
  bytes: new Uint8Array([0, 1, 2, 255]),
  emptyBytes: new Uint8Array(0),
  date: new Date('2026-11-21T06:09:55.123Z'),
  list: [1, 'two', [3, [4]], { five: 5 }, null],
  nested: { a: { b: { c: 'deep' } } },
  map: new Map<unknown, unknown>([
    ['s', 1],
    [1, 'number one'],
    ['1', 'string one'],
    [2n, 'bigint two'],
    [true, 'yes'],
    [null, 'null key'],
    [new Uint8Array([1, 2]), 'bytes key'],
  ]),
  set: new Set<unknown>(['a', 1, '1', 2n, false, null]),
});

describe.each(backends)('JS values on $name', (backend) => {
  async function fresh(): Promise<Database> {
    return open(backend.slot().open(), { durability: 'flush' });
  }

  it('round-trips every supported value losslessly', async () => {
    const db = await fresh();
    const value = sample();
    db.set(['value'], value);
    const back = (db.get(['value']) as MapView).toJS() as Record<string, unknown>;
    const expected: Record<string, unknown> = { ...value };
    expect(Object.is(back.negativeZero, -0)).toBe(true);
    expect(Number.isNaN(back.nan)).toBe(true);
    delete expected.nan;
    delete back.nan;
    expect(back).toEqual(expected);
    expect(back.map).toBeInstanceOf(Map);
    expect((back.map as Map<unknown, unknown>).get(1)).toBe('number one');
    expect((back.map as Map<unknown, unknown>).get('1')).toBe('string one');
    expect(back.set).toBeInstanceOf(Set);
    expect(back.date).toBeInstanceOf(Date);
    expect(typeof back.smallBigint).toBe('bigint');
    expect(typeof back.int).toBe('number');
    db.close();
  });

  it('stores strings as plain UTF-8 bytes that other xitdb implementations read as text', async () => {
    const db = await fresh();
    db.set(['name'], 'stratadb');
    db.set(['long'], 'x'.repeat(100));
    const root = db.snapshot().cursor().asHashMap();
    for (const key of ['name', 'long']) {
      const cursor = root.get(key)!;
      expect([Tag.SHORT_BYTES, Tag.BYTES]).toContain(cursor.tag);
      expect(cursor.formatTag()).toBeUndefined();
    }
    expect(root.get('name')!.readString()).toBe('stratadb');
    db.close();
  });

  it('reads back strings of every length and script, and untagged bytes that are not UTF-8 as bytes', async () => {
    const db = await fresh();
    // Lengths around the short-bytes limit (8) and the in-place ASCII limit (64).
    const texts = ['', 'a', 'abcdefg', 'abcdefgh', 'abcdefghi', 'x'.repeat(64), 'x'.repeat(65), 'héllo', 'é'.repeat(40), '日本語のテキスト', 'a\u0000b'];
    db.transact((tx) => texts.forEach((text, i) => tx.set(['t', String(i)], text)));
    texts.forEach((text, i) => expect(db.get(['t', String(i)])).toBe(text));
    // Untagged bytes written at the cursor level: ASCII reads as text, invalid UTF-8 stays bytes.
    db.engine.transact((root) => {
      const map = root.hashMap();
      map.put('ascii').writeBytes(new TextEncoder().encode('plain'));
      map.put('binary').writeBytes(new Uint8Array([0xff, 0xfe, 0x41]));
      map.put('long-binary').writeBytes(new Uint8Array(30).fill(0xc3));
    });
    expect(db.get(['ascii'])).toBe('plain');
    expect(db.get(['binary'])).toEqual(new Uint8Array([0xff, 0xfe, 0x41]));
    expect(db.get(['long-binary'])).toEqual(new Uint8Array(30).fill(0xc3));
    // Tagged values keep their kind, short and long.
    db.set(['bytes'], new Uint8Array([1, 2, 3]));
    db.set(['date'], new Date(0));
    expect(db.get(['bytes'])).toEqual(new Uint8Array([1, 2, 3]));
    expect(db.get(['date'])).toEqual(new Date(0));
    db.close();
  });

  it('reads byte arrays back with buffers of their own, which a caller may transfer', async () => {
    const db = await fresh();
    const lengths = [3, 64, 65, 100, 1024, 1025, 5000];
    const values = lengths.map((length) => new Uint8Array(length).map((_, i) => (i * 13 + length) & 255));
    db.set(['b'], values);
    db.set(['m'], new Map(values.map((value, i) => [i, value])));
    const list = db.get(['b']) as ListView;
    const map = db.get(['m']) as MapView;
    const fromMap = map.toJS() as Map<number, Uint8Array>;
    const read = [...(list.toJS() as Uint8Array[]), ...lengths.map((_, i) => fromMap.get(i)!)];
    expect(read).toHaveLength(2 * lengths.length);
    read.forEach((bytes, i) => {
      const expected = values[i % lengths.length]!;
      expect(bytes).toEqual(expected);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(expected.length);
    });
    // Transferring one detaches nothing else, stored or read.
    const first = read[3]!.buffer as ArrayBuffer;
    structuredClone(first, { transfer: [first] });
    read.slice(4).forEach((bytes, i) => expect(bytes).toEqual(values[(i + 4) % lengths.length]));
    expect(db.get(['b', 3])).toEqual(values[3]);
    db.close();
  });

  it('gives lazy views with O(1) sizes for Maps and Sets, and converts them to JS and immutable.js', async () => {
    const db = await fresh();
    db.set(['m'], new Map([['a', 1], ['b', 2]]));
    db.set(['s'], new Set([1, 2, 3]));
    db.set(['l'], [1, 2, 3]);
    db.set(['q'], linkedList(['x', 'y']));
    const map = db.get(['m']) as MapView;
    expect(map.kind).toBe('map');
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe(1);
    expect(map.get('zzz')).toBeUndefined();
    expect(toImmutable(map).equals(IMap({ a: 1, b: 2 }))).toBe(true);
    const set = db.get(['s']) as SetView;
    expect(set.size).toBe(3);
    expect(set.has(2)).toBe(true);
    expect(set.has('2')).toBe(false);
    expect(toImmutable(set).equals(ISet([1, 2, 3]))).toBe(true);
    const list = db.get(['l']) as ListView;
    expect(list.kind).toBe('array');
    expect(list.length).toBe(3);
    expect(list.get(-1)).toBe(3);
    expect(list.get(3)).toBeUndefined();
    expect(toImmutable(list).equals(List([1, 2, 3]))).toBe(true);
    const queue = db.get(['q']) as ListView;
    expect(queue.kind).toBe('linked');
    expect(queue.toJS()).toEqual(['x', 'y']);
    db.close();
  });

  it('walks a map view with forEach in the order of entries(), values first, as Map.prototype.forEach does', async () => {
    const db = await fresh();
    const source = new Map<unknown, unknown>([['a', 1], [2, 'two'], [null, [1, 2]], [true, { x: 1 }]]);
    db.set(['m'], source);
    db.set(['o'], { k1: 'v1', k2: 2, nested: { deep: true } });
    for (const path of [['m'], ['o']]) {
      const view = db.get(path) as MapView;
      const seen: Array<[unknown, unknown]> = [];
      view.forEach((value, key, self) => {
        expect(self).toBe(view);
        seen.push([key, value instanceof MapView || value instanceof ListView ? value.toJS() : value]);
      });
      const expected = [...view.entries()].map(([key, value]) => [key, value instanceof MapView || value instanceof ListView ? value.toJS() : value]);
      expect(seen).toEqual(expected);
      expect(seen.length).toBe(view.size);
    }
    expect(() => (db.get(['m']) as MapView).forEach('no' as never)).toThrow(InvalidArgumentError);
    // A view from a transaction that has ended refuses, as its other reads do.
    let kept: MapView | undefined;
    db.transact((tx) => {
      kept = tx.get(['m']) as MapView;
    });
    expect(() => kept!.forEach(() => undefined)).toThrow(TransactionError);
    db.close();
  });

  it('accepts immutable.js collections as values', async () => {
    const db = await fresh();
    db.set(['i'], IMap({ list: List([1, 2]), set: ISet(['a']), nested: IMap({ x: 1 }) }));
    const back = (db.get(['i']) as MapView).toJS() as Map<string, unknown>;
    expect(back.get('list')).toEqual([1, 2]);
    expect(back.get('set')).toEqual(new Set(['a']));
    expect(back.get('nested')).toEqual(new Map([['x', 1]]));
    db.close();
  });

  it('accepts every immutable.js kind with a mapping, and refuses the others by name, without importing immutable.js', async () => {
    const db = await fresh();
    db.set(['om'], OrderedMap([['b', 1], ['a', 2]]));
    db.set(['os'], OrderedSet([3, 1]));
    db.set(['st'], Stack([1, 2]));
    expect((db.get(['om']) as MapView).toJS()).toEqual(new Map([['b', 1], ['a', 2]]));
    expect((db.get(['os']) as SetView).toJS()).toEqual(new Set([3, 1]));
    expect((db.get(['st']) as ListView).toJS()).toEqual([1, 2]);
    const Point = IRecord({ x: 0 });
    expect(() => db.set(['r'], Point({ x: 1 }))).toThrow(/immutable\.js collection has no mapping/);
    expect(() => db.set(['s'], Seq([1]))).toThrow(/immutable\.js collection has no mapping/);
    // The value API recognizes them by the markers immutable.js itself reads
    // (strings, so that every copy and version of the library agrees), so a
    // collection from another copy of immutable.js is stored too.
    const foreign = { '@@__IMMUTABLE_ITERABLE__@@': true, '@@__IMMUTABLE_KEYED__@@': true, '@@__IMMUTABLE_MAP__@@': true, *[Symbol.iterator]() { yield ['k', 1]; } };
    db.set(['foreign'], Object.setPrototypeOf(foreign, { constructor: function ForeignMap() {} }) as object);
    expect((db.get(['foreign']) as MapView).toJS()).toEqual(new Map([['k', 1]]));
    // A plain object with such a key is still a plain object: data, not a collection.
    db.set(['plain'], { '@@__IMMUTABLE_MAP__@@': true });
    expect((db.get(['plain']) as MapView).toJS()).toEqual({ '@@__IMMUTABLE_MAP__@@': true });
    db.close();
  });

  it('refuses values with no mapping, naming the path, and writes nothing', async () => {
    const db = await fresh();
    db.set(['keep'], { a: 1 });
    const size = db.engine.storage.size();
    class Point {
      constructor(readonly x: number) {}
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    const cases: Array<[unknown, RegExp]> = [
      [{ f: () => 1 }, /function cannot be stored at value\.f/],
      [{ s: Symbol('x') }, /symbol cannot be stored at value\.s/],
      [{ p: new Point(1) }, /Point instance has no mapping.*at value\.p/],
      [cyclic, /contains itself.*at value\.self\.back/],
      [[1, undefined], /undefined cannot be stored.*at value\[1\]/],
      [{ d: new Date('nonsense') }, /invalid Date.*at value\.d/],
      [new Map([[{}, 1]]), /cannot be a map key/],
    ];
    for (const [value, message] of cases) {
      expect(() => db.set(['value'], value as never)).toThrow(UnsupportedValueError);
      expect(() => db.set(['value'], value as never)).toThrow(message);
    }
    expect(db.momentCount).toBe(1);
    expect(db.engine.storage.size()).toBe(size);
    // Inside a transaction that catches the error, the transaction is untouched too.
    db.transact((tx) => {
      expect(() => tx.set(['value'], { ok: 1, bad: () => 0 })).toThrow(UnsupportedValueError);
      expect(tx.get(['value'])).toBeUndefined();
      tx.set(['other'], 1);
    });
    expect(db.get(['value'])).toBeUndefined();
    expect(db.get(['other'])).toBe(1);
    db.close();
  });

  it('skips object properties whose value is undefined, as absent', async () => {
    const db = await fresh();
    db.set(['user'], { name: 'Ann', nickname: undefined });
    expect((db.get(['user']) as MapView).toJS()).toEqual({ name: 'Ann' });
    expect(db.has(['user', 'nickname'])).toBe(false);
    db.close();
  });
});

describe('bigint bytes', () => {
  // The byte-at-a-time rule the encoding is defined by (FORMAT.md §Values): the oracle for the hex-based code.
  function referenceBytes(value: bigint): number[] {
    const bytes: number[] = [];
    let rest = value;
    for (;;) {
      const byte = Number(BigInt.asUintN(8, rest));
      bytes.unshift(byte);
      rest >>= 8n;
      if ((rest === 0n && (byte & 0x80) === 0) || (rest === -1n && (byte & 0x80) !== 0)) break;
    }
    return bytes;
  }

  it("encodes as the fewest two's complement bytes and decodes back, at every boundary and at random", () => {
    const edges: bigint[] = [];
    for (let bits = 0; bits <= 130; bits++) for (const delta of [-1n, 0n, 1n]) edges.push((1n << BigInt(bits)) + delta, -(1n << BigInt(bits)) + delta);
    const check = (value: bigint): void => {
      const bytes = bigintBytes(value);
      expect([...bytes], String(value)).toEqual(referenceBytes(value));
      expect(bytesBigint(bytes)).toBe(value);
    };
    edges.forEach(check);
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 2000n), max: 1n << 2000n }), (value) => check(value)), { numRuns: 500 });
  });
});

describe('tagged values that are damaged or huge', () => {
  it('reads a Date or number whose text is not UTF-8 as its raw bytes, not a TypeError', async () => {
    const db = await open();
    db.set(['when'], new Date(0));
    db.set(['keys'], new Map<unknown, unknown>([[new Date(0), 'a date key'], [12345, 'a number key']]));
    const bytes = db.bytes().slice();
    db.close();
    const text = new TextDecoder('latin1').decode(bytes);
    for (let at = text.indexOf('1970-01-01'); at >= 0; at = text.indexOf('1970-01-01', at + 1)) bytes[at] = 0xff;
    bytes[text.indexOf('12345')] = 0xff;
    const damaged = await open(bytes);
    const when = damaged.get(['when']);
    expect(when).toBeInstanceOf(Uint8Array);
    const keys = [...(damaged.get(['keys']) as MapView).keys()];
    expect(keys.filter((key) => key instanceof Uint8Array)).toHaveLength(2);
    damaged.close();
  });

  it('stores and reads a bigint of 200 kB', async () => {
    const db = await open();
    const big = (1n << 1_600_000n) - 12345n;
    db.set(['big'], big);
    db.set(['negative'], -big);
    expect(db.get(['big'])).toBe(big);
    expect(db.get(['negative'])).toBe(-big);
    db.close();
  });
});
