// Values are read once: the JS API checks and writes from one reading of each
// part of a value, so a getter, Proxy or iterator that answers differently the
// second time can never get unchecked data written. Found in review: a getter
// that gave a string to the check and a function to the writer had the function
// stored as an empty map.

import { describe, expect, it } from 'vitest';
import { open, linkedList, UnsupportedValueError, type Database } from '../../src/index.js';

/** An object whose `key` gives `first` on its first read and `later` on every read after. */
function changing(first: unknown, later: unknown): Record<string, unknown> {
  let reads = 0;
  return Object.defineProperty({}, 'key', { enumerable: true, get: () => (reads++ === 0 ? first : later) });
}

/** Counts reads of every own property of `target` through a Proxy. */
function counted<T extends object>(target: T): { proxy: T; reads: Map<PropertyKey, number> } {
  const reads = new Map<PropertyKey, number>();
  const proxy = new Proxy(target, {
    get(object, property, receiver) {
      if (typeof property === 'string') reads.set(property, (reads.get(property) ?? 0) + 1);
      return Reflect.get(object, property, receiver) as unknown;
    },
  });
  return { proxy, reads };
}

/**
 * Stores `value` at ['v'] in a transaction and returns what was stored (as
 * plain JS), or the error; a refused write must leave ['v'] as it was.
 */
function store(db: Database, value: unknown): { stored?: unknown; error?: unknown } {
  db.set(['v'], 'before');
  try {
    db.transact((tx) => tx.set(['v'], value));
  } catch (error) {
    expect(db.get(['v'])).toBe('before');
    return { error };
  }
  const view = db.get(['v']) as { toJS?: () => unknown } | unknown;
  return { stored: typeof view === 'object' && view !== null && 'toJS' in view ? (view as { toJS: () => unknown }).toJS() : view };
}

describe('prepareValue and writeValue', () => {
  it('store what the check read when a getter gives a function, a symbol, undefined or a cycle the second time', async () => {
    const db = await open();
    for (const later of [() => 1, Symbol('s'), undefined, 'other']) {
      expect(store(db, changing('first', later)).stored).toEqual({ key: 'first' });
    }
    // A cycle offered on the second read.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(store(db, changing(1, cyclic)).stored).toEqual({ key: 1 });
    // Nested: the getter sits two levels down.
    expect(store(db, { outer: [changing('x', () => 2)] }).stored).toEqual({ outer: [{ key: 'x' }] });
  });

  it('refuse with UnsupportedValueError when the first read is the bad one, whatever comes after', async () => {
    const db = await open();
    for (const first of [() => 1, Symbol('s')]) {
      expect(store(db, changing(first, 'fine')).error).toBeInstanceOf(UnsupportedValueError);
    }
  });

  it('read each own property of an object and each index of an array exactly once', async () => {
    const db = await open();
    const object = counted({ a: 1, b: 'two', c: { d: true } });
    db.set(['o'], object.proxy);
    expect([...object.reads.entries()].filter(([key]) => ['a', 'b', 'c'].includes(key as string))).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    const array = counted(['x', 'y', 'z']);
    db.set(['a'], array.proxy);
    expect(array.reads.get('0')).toBe(1);
    expect(array.reads.get('1')).toBe(1);
    expect(array.reads.get('2')).toBe(1);
    expect(array.reads.get('length')).toBe(1);
    expect((db.get(['o']) as { toJS: () => unknown }).toJS()).toEqual({ a: 1, b: 'two', c: { d: true } });
    expect((db.get(['a']) as { toJS: () => unknown }).toJS()).toEqual(['x', 'y', 'z']);
  });

  it('store the keys a Proxy listed the first time, even when its ownKeys changes', async () => {
    const db = await open();
    let calls = 0;
    const target: Record<string, unknown> = { a: 1, fn: () => 0 };
    const proxy = new Proxy(target, {
      ownKeys: () => (calls++ === 0 ? ['a'] : ['a', 'fn']),
      getOwnPropertyDescriptor: (object, key) => Reflect.getOwnPropertyDescriptor(object, key),
    });
    expect(store(db, proxy).stored).toEqual({ a: 1 });
  });

  it('store what an array index getter gave the first time', async () => {
    const db = await open();
    const array: unknown[] = ['a', 'b'];
    let reads = 0;
    Object.defineProperty(array, 1, { enumerable: true, get: () => (reads++ === 0 ? 'b' : () => 0) });
    expect(store(db, array).stored).toEqual(['a', 'b']);
    // And a length that grows between reads is read once.
    let lengthReads = 0;
    const growing = new Proxy(['p', 'q'], { get: (object, key, receiver) => (key === 'length' ? (lengthReads++ === 0 ? 2 : 3) : Reflect.get(object, key, receiver)) });
    expect(store(db, growing).stored).toEqual(['p', 'q']);
    expect(store(db, linkedList(['l', 'm'])).stored).toEqual(['l', 'm']);
  });

  it('iterate a Map or Set subclass with an overridden iterator once, storing what it gave', async () => {
    const db = await open();
    class FlakyMap extends Map<unknown, unknown> {
      iterations = 0;
      override *[Symbol.iterator](): MapIterator<[unknown, unknown]> {
        this.iterations++;
        if (this.iterations === 1) yield ['k', 'v'];
        else yield ['k', () => 0];
      }
    }
    const map = new FlakyMap();
    expect(store(db, map).stored).toEqual(new Map([['k', 'v']]));
    expect(map.iterations).toBe(1);

    class FlakySet extends Set<unknown> {
      iterations = 0;
      override *[Symbol.iterator](): SetIterator<unknown> {
        this.iterations++;
        yield this.iterations === 1 ? 'member' : Symbol('s');
      }
    }
    const set = new FlakySet();
    expect(store(db, set).stored).toEqual(new Set(['member']));
    expect(set.iterations).toBe(1);

    // An iterator that yields something other than a pair is refused, not a TypeError.
    class OddMap extends Map<unknown, unknown> {
      override *[Symbol.iterator](): MapIterator<[unknown, unknown]> {
        yield 5 as unknown as [unknown, unknown];
      }
    }
    expect(store(db, new OddMap()).error).toBeInstanceOf(UnsupportedValueError);
  });

  it('read a Date once', async () => {
    const db = await open();
    let reads = 0;
    class FlakyDate extends Date {
      override toISOString(): string {
        return reads++ === 0 ? super.toISOString() : 'not a date';
      }
    }
    const date = new FlakyDate(Date.UTC(2024, 0, 2));
    const { stored } = store(db, { when: date });
    expect((stored as { when: Date }).when.toISOString()).toBe('2024-01-02T00:00:00.000Z');
  });

  it('apply to push and merge too', async () => {
    const db = await open();
    db.push(['list'], changing('p', () => 0));
    expect((db.get(['list']) as { toJS: () => unknown }).toJS()).toEqual([{ key: 'p' }]);
    db.merge(['m'], { x: changing('q', Symbol('s')) });
    expect((db.get(['m']) as { toJS: () => unknown }).toJS()).toEqual({ x: { key: 'q' } });
  });
});

describe('merge with a Map subclass', () => {
  it('refuses an iterator that yields something other than pairs with UnsupportedValueError, writing nothing', async () => {
    const db = await open();
    db.set(['m'], new Map([['a', 1]]));
    class Odd extends Map<unknown, unknown> {
      override *[Symbol.iterator](): IterableIterator<[unknown, unknown]> {
        yield ['b', 2];
        yield 'not a pair' as unknown as [unknown, unknown];
      }
    }
    expect(() => db.merge(['m'], new Odd() as never)).toThrow(UnsupportedValueError);
    expect((db.get(['m']) as { toJS(): unknown }).toJS()).toEqual(new Map([['a', 1]]));
    db.close();
  });
});
