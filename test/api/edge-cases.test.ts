// Edge cases of the JS-value API found in review, each with the behaviour it
// must have: a view stored inside its own structure is an independent copy (no
// cycle is ever committed); list iteration from a negative start stays inside
// the list; sparse arrays, bad merge partials, lone surrogates, too-deep values
// and arguments of the wrong kind are refused with typed errors before anything
// is written; an object's keys are strings, as in JavaScript; toJS keeps an own
// "__proto__" key as a key.

import { describe, expect, it } from 'vitest';
import { Map as IMap } from 'immutable';
import { InvalidArgumentError, OutOfRangeError, StrataError, UnsupportedValueError, WrongTypeError, open, type Database, type MapView } from '../../src/index.js';
import { MemoryStorage, openEngine, verifyDatabase } from '../../src/engine.js';
import { dataDir } from '../../src/node.js';
import { toImmutable } from '../../src/immutable.js';

const fresh = async (): Promise<Database> => open(undefined, { durability: 'flush' });

/** The structure at `path` as plain JS. */
const js = (db: Database, path: unknown[]): unknown => (db.get(path as string[]) as unknown as { toJS(): unknown }).toJS();

/** Runs `write` in a transaction that must throw `kind`, then checks that `path` still holds `before`. */
function expectRefused(db: Database, write: (tx: Parameters<Parameters<Database['transact']>[0]>[0]) => void, kind: new (...args: never[]) => Error): void {
  const moments = db.momentCount;
  expect(() => db.transact(write)).toThrow(kind);
  expect(db.momentCount).toBe(moments);
}

describe('a view stored inside its own structure', () => {
  it('is an independent copy of the value it had: clone, set, push and merge, committed or written in the same transaction', async () => {
    const db = await fresh();
    db.transact((tx) => {
      tx.set(['a'], { x: 1 });
      tx.clone(['a'], ['a', 'self']);
      tx.set(['b'], { y: 2 });
      tx.set(['b', 'self'], tx.get(['b']));
      tx.set(['l'], [1, 2]);
      tx.push(['l'], tx.get(['l']));
      tx.set(['m'], { z: 3 });
      tx.merge(['m'], { self: tx.get(['m']) });
      tx.clone([], ['root']);
    });
    expect(js(db, ['a'])).toEqual({ x: 1, self: { x: 1 } });
    expect(js(db, ['b'])).toEqual({ y: 2, self: { y: 2 } });
    expect(js(db, ['l'])).toEqual([1, 2, [1, 2]]);
    expect(js(db, ['m'])).toEqual({ z: 3, self: { z: 3 } });
    // The root as it was before the clone: everything above, without "root".
    expect((js(db, ['root']) as Record<string, unknown>)['root']).toBeUndefined();
    expect(Object.keys(js(db, ['root']) as object).sort()).toEqual(['a', 'b', 'l', 'm']);
    // A committed map cloned into itself in a later transaction, after a write to it.
    db.transact((tx) => {
      tx.set(['a', 'x'], 10);
      tx.clone(['a'], ['a', 'again']);
    });
    expect(db.get(['a', 'again', 'x'])).toBe(10);
    expect(db.get(['a', 'again', 'again'])).toBeUndefined();
    expect(verifyDatabase(db.engine).problems).toEqual([]);
  });
});

describe('a view read inside a transaction', () => {
  it('is a snapshot of that point, whether the structure was committed or written in the same transaction', async () => {
    const db = await fresh();
    db.set(['old'], [1, 2]);
    db.transact((tx) => {
      tx.set(['l'], [1, 2, 3]);
      const written = tx.get(['l']) as unknown as { toJS(): unknown; size: number };
      const committed = tx.get(['old']) as unknown as { toJS(): unknown };
      tx.push(['l'], 4);
      tx.set(['l', 0], 'x');
      tx.push(['old'], 3);
      tx.set(['m'], { a: 1 });
      const map = tx.get(['m']) as unknown as { toJS(): unknown };
      tx.set(['m', 'b'], 2);
      expect(written.toJS()).toEqual([1, 2, 3]);
      expect(written.size).toBe(3);
      expect(committed.toJS()).toEqual([1, 2]);
      expect(map.toJS()).toEqual({ a: 1 });
      expect((tx.get(['l']) as unknown as { toJS(): unknown }).toJS()).toEqual(['x', 2, 3, 4]);
    });
    expect(js(db, ['l'])).toEqual(['x', 2, 3, 4]);
    expect(js(db, ['old'])).toEqual([1, 2, 3]);
    expect(js(db, ['m'])).toEqual({ a: 1, b: 2 });
    expect(verifyDatabase(db.engine).problems).toEqual([]);
  });
});

describe('list iteration from a start', () => {
  it('counts a negative start from the end and refuses a start outside the list, for array and linked lists', async () => {
    const db = await fresh();
    db.set(['other'], { secret: 's' });
    db.set(['l'], [1, 2, 3]);
    const list = db.get(['l']) as { values(start?: number): Iterable<unknown> };
    expect([...list.values(-1)]).toEqual([3]);
    expect([...list.values(-3)]).toEqual([1, 2, 3]);
    expect([...list.values(3)]).toEqual([]);
    expect(() => [...list.values(-4)]).toThrow(OutOfRangeError);
    expect(() => [...list.values(1.5)]).toThrow(OutOfRangeError);
    const engine = await openEngine(new MemoryStorage(), { durability: 'flush' });
    engine.transact((root) => {
      const array = root.hashMap().put('a').arrayList();
      for (let i = 0; i < 40; i++) array.append().writeUint(i);
    });
    const array = engine.moment(-1).asHashMap().get('a')!.asArrayList();
    expect([...array.items(-2)].map((item) => item.readNumber())).toEqual([38, 39]);
    expect(() => [...array.items(41)]).toThrow(OutOfRangeError);
  });
});

describe('values refused before anything is written', () => {
  it('refuses the holes of a sparse array, naming the hole', async () => {
    const db = await fresh();
    db.set(['sp'], 'before');
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 3];
    let thrown: unknown;
    db.transact((tx) => {
      try {
        tx.set(['sp'], sparse);
      } catch (error) {
        thrown = error;
      }
    });
    expect(thrown).toBeInstanceOf(UnsupportedValueError);
    expect((thrown as UnsupportedValueError).path).toEqual(['sp', 1]);
    expect(db.get(['sp'])).toBe('before');
  });

  it('refuses values nested deeper than the limit, and takes one just below it', async () => {
    const db = await fresh();
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = [deep];
    expectRefused(db, (tx) => tx.set(['d'], deep), UnsupportedValueError);
    let ok: unknown = 'leaf';
    for (let i = 0; i < 400; i++) ok = { next: ok };
    db.set(['ok'], ok);
    expect(db.get(['ok', ...Array.from({ length: 400 }, () => 'next')])).toBe('leaf');
  });

  it('refuses lone surrogates in values and keys, and keeps surrogate pairs exact', async () => {
    const db = await fresh();
    expectRefused(db, (tx) => tx.set(['s'], '\uD800'), UnsupportedValueError);
    expectRefused(db, (tx) => tx.set(['m'], new Map([['\uDC00x', 1]])), UnsupportedValueError);
    expectRefused(db, (tx) => tx.set(['o'], { ['a\uD83D']: 1 }), StrataError);
    db.set(['emoji'], 'a😀b');
    expect(db.get(['emoji'])).toBe('a😀b');
    const engine = await openEngine(new MemoryStorage(), { durability: 'flush' });
    expect(() => engine.transact((root) => root.hashMap().put('k').writeString('x\uDFFF'))).toThrow(InvalidArgumentError);
    expect(() => engine.transact((root) => root.hashMap().put('\uD800'.repeat(100)).writeUint(1))).toThrow(InvalidArgumentError);
  });

  it('gives typed errors, not a failure of the message itself, for keys that JSON cannot print', async () => {
    const db = await fresh();
    expectRefused(db, (tx) => tx.set(['m'], new Map([[{ id: 1n }, 'v']])), UnsupportedValueError);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expectRefused(db, (tx) => tx.set(['s'], new Set([circular])), UnsupportedValueError);
    db.set(['list'], [1]);
    expect(() => db.get(['list', 1n as unknown as number])).toThrow(WrongTypeError);
  });
});

describe('merge', () => {
  it('takes only a plain object or a Map', async () => {
    const db = await fresh();
    db.set(['x'], { kept: true });
    for (const partial of [null, undefined, 'ab', 5, [1], new Date(0), IMap({ d: 4 })]) {
      expectRefused(db, (tx) => tx.merge(['x'], partial as unknown as object), InvalidArgumentError);
    }
    expect(js(db, ['x'])).toEqual({ kept: true });
  });

  it('checks every key of a Map partial before writing', async () => {
    const db = await fresh();
    db.set(['counted'], new Map([[1, 'one']]));
    expectRefused(db, (tx) => tx.merge(['counted'], new Map<unknown, unknown>([[2, 'two'], [{}, 'bad']])), UnsupportedValueError);
    expect(js(db, ['counted'])).toEqual(new Map([[1, 'one']]));
    db.set(['object'], { a: 1 });
    expectRefused(db, (tx) => tx.merge(['object'], new Map<unknown, unknown>([['b', 2], [true, 3]])), WrongTypeError);
    db.merge(['object'], new Map<unknown, unknown>([['b', 2], [3, 'three']]));
    expect(js(db, ['object'])).toEqual({ a: 1, b: 2, 3: 'three' });
  });

  it('names the path when it is not a map', async () => {
    const db = await fresh();
    db.set(['l'], [1]);
    expect(() => db.merge(['l'], { a: 1 })).toThrow(/^l holds a list, not a map to merge into$/);
  });
});

describe("an object's keys", () => {
  it('are strings, as in JavaScript: a number step is its text, other kinds are refused', async () => {
    const db = await fresh();
    db.set(['o'], { '1': 'string key' });
    db.set(['o', 1], 'number key');
    expect(db.get(['o', '1'])).toBe('number key');
    expect(js(db, ['o'])).toEqual({ 1: 'number key' });
    expect((db.get(['o']) as { size: number }).size).toBe(1);
    expect((db.get(['o']) as { get(key: unknown): unknown }).get(1)).toBe('number key');
    expect((db.get(['o']) as { get(key: unknown): unknown }).get(true)).toBeUndefined();
    for (const step of [new Uint8Array([1, 2]), true, 1n, null, new Date(0)]) {
      expectRefused(db, (tx) => tx.set(['o', step as unknown as string], 'v'), WrongTypeError);
      expectRefused(db, (tx) => tx.set(['fresh', step as unknown as string], 'v'), WrongTypeError);
    }
    expect(db.delete(['o', 1])).toBe(true);
    expect(js(db, ['o'])).toEqual({});
    // A Map keeps keys of every kind apart, as before.
    db.set(['m'], new Map<unknown, unknown>([['1', 'a'], [1, 'b']]));
    db.set(['m', true as unknown as string], 'c');
    expect(js(db, ['m'])).toEqual(new Map<unknown, unknown>([['1', 'a'], [1, 'b'], [true, 'c']]));
  });

  it('keep an own "__proto__" key as a key in toJS, never as the prototype', async () => {
    const db = await fresh();
    db.set(['o'], JSON.parse('{"__proto__":{"polluted":true},"a":1}') as object);
    const out = js(db, ['o']) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true });
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('delete with an index that is not a whole number', () => {
  it('removes nothing and says so, from array and linked lists', async () => {
    const db = await fresh();
    db.set(['l'], [1, 2, 3]);
    expect(db.delete(['l', 1.5])).toBe(false);
    expect(js(db, ['l'])).toEqual([1, 2, 3]);
    expect(() => db.snapshot('0' as unknown as number)).toThrow('a moment index is a number, not a string');
  });
});

describe('materializing structures nested very deep', () => {
  it('materializes any depth without exhausting the stack (the walk has no recursion)', async () => {
    for (const [depth, fails] of [[900, false], [5000, false]] as const) {
      const db = await fresh();
      // The cursor API writes nesting of any depth; the JS API refuses values over 500 levels.
      db.transact((tx) => {
        let cursor = tx.cursor().hashMap().put('d');
        for (let i = 0; i < depth; i++) cursor = i % 2 === 0 ? cursor.hashMap().put('n') : cursor.arrayList().append();
        cursor.writeUint(1);
      });
      const view = db.get(['d']) as MapView;
      for (const materialize of [() => view.toJS(), () => toImmutable(view), () => db.snapshot().toJS()]) {
        if (fails) expect(materialize).toThrow(OutOfRangeError);
        else expect(materialize).not.toThrow();
      }
    }
  });
});

describe('functions and names of the wrong kind', () => {
  it('are refused with InvalidArgumentError', async () => {
    const db = await fresh();
    expect(() => db.transact(5 as unknown as () => void)).toThrow(InvalidArgumentError);
    expect(() => db.update(['a'], 5 as unknown as () => number)).toThrow(InvalidArgumentError);
    expect(() => dataDir(123 as unknown as string)).toThrow(InvalidArgumentError);
    expect(db.momentCount).toBe(0);
  });
});
