// JS values and paths as an adversary (or a careless caller) hands them to
// the value API: Proxies revoked or with traps that throw, getters and
// iterators that throw, collection helpers given no collection, Map keys that
// are two objects but one stored key, and keys where a list wants an index.
// Each gets a StrataError that says what and where, and nothing is written.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedValueError, WrongTypeError, diff, linkedList, open, sortedMap, sortedSet, toJS, type Database, type ListView, type MapView, type SortedMapView } from '../../src/index.js';

async function withOneMoment(): Promise<Database> {
  const db = await open(undefined, { durability: 'flush' });
  db.set(['kept'], { list: [1, 2, 3] });
  return db;
}

/** `write` must fail with an UnsupportedValueError (message matching `message`) and leave the database as it was. */
function expectRefused(db: Database, write: () => unknown, message: RegExp): UnsupportedValueError {
  const moments = db.momentCount;
  let thrown: unknown;
  try {
    write();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(UnsupportedValueError);
  expect((thrown as Error).message).toMatch(message);
  expect(db.momentCount).toBe(moments);
  expect(db.snapshot().toJS()).toMatchObject({ kept: { list: [1, 2, 3] } });
  return thrown as UnsupportedValueError;
}

describe('values whose reading throws', () => {
  const revoked = (target: object): object => {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
  };

  it('a revoked Proxy, alone, in an object or in an array, is refused at its path', async () => {
    const db = await withOneMoment();
    expectRefused(db, () => db.set(['x'], revoked({})), /reading the value threw \(TypeError: .*revoked.*\), so it cannot be stored at x$/);
    expectRefused(db, () => db.set(['x'], { a: { b: revoked([]) } }), /at x\.a\.b$/);
    expectRefused(db, () => db.push(['kept', 'list'], revoked({})), /revoked/);
    expectRefused(db, () => db.merge(['kept'], { y: [revoked({})] }), /revoked/);
  });

  it('a Proxy trap, a getter or an iterator that throws is refused with its error as the cause', async () => {
    const db = await withOneMoment();
    const boom = new RangeError('boom');
    const trapped = new Proxy({}, { ownKeys: () => { throw boom; } });
    const error = expectRefused(db, () => db.set(['x'], { inner: trapped }), /RangeError: boom.*at x\.inner$/);
    expect(error.cause).toBe(boom);
    expect(error.path).toEqual(['x', 'inner']);
    expectRefused(db, () => db.set(['x'], { get a(): number { throw new Error('getter'); } }), /Error: getter/);
    class ThrowingSet extends Set<number> {
      override *[Symbol.iterator](): SetIterator<number> {
        yield 1;
        throw new TypeError('iterator');
      }
    }
    expectRefused(db, () => db.set(['x'], [new ThrowingSet()]), /TypeError: iterator.*at x\[0\]$/);
  });

  it('inside a transaction that catches the refusal, nothing of the value was written', async () => {
    const db = await withOneMoment();
    db.transact((tx) => {
      expect(() => tx.set(['x'], { a: 1, get b(): number { throw new Error('late'); } })).toThrow(UnsupportedValueError);
      expect(tx.get(['x'])).toBeUndefined();
      tx.set(['y'], 1);
    });
    expect(db.get(['x'])).toBeUndefined();
    expect(db.get(['y'])).toBe(1);
  });

  it('merge, add, Map keys and sorted keys refuse them too', async () => {
    const db = await withOneMoment();
    db.set(['hashed'], new Set(['a']));
    db.add(['sorted'], 1);
    db.set(['smap'], sortedMap([[1, 'a']]));
    expectRefused(db, () => db.merge(['kept'], revoked({})), /revoked.*at kept$/);
    expectRefused(db, () => db.merge(['kept'], { get b(): number { throw new Error('getter'); } }), /reading the value threw \(Error: getter\)/);
    expectRefused(db, () => db.set(['x'], new Map([[revoked(new Date()), 1]])), /revoked/);
    const refusedKey = (write: () => unknown): void => {
      const moments = db.momentCount;
      expect(write).toThrow(InvalidArgumentError);
      expect(write).toThrow(/^reading the key threw \(TypeError: .*revoked.*\), as a sorted map key at/);
      expect(db.momentCount).toBe(moments);
    };
    refusedKey(() => db.add(['sorted'], revoked([])));
    refusedKey(() => db.set(['x'], sortedMap([[[1, revoked({})], 'v']] as never)));
    refusedKey(() => db.get(['smap', revoked([])] as never));
    expectRefused(db, () => db.add(['hashed'], revoked(new Uint8Array(1))), /revoked/);
    expect(db.snapshot().toJS()).toEqual({ kept: { list: [1, 2, 3] }, hashed: new Set(['a']), sorted: new Set([1]), smap: new Map([[1, 'a']]) });
  });

  it('our own errors inside a value pass as they are', async () => {
    const db = await withOneMoment();
    expectRefused(db, () => db.set(['x'], { a: { b: Symbol('s') } }), /^a symbol cannot be stored at x\.a\.b$/);
  });
});

describe('collection helpers given no collection', () => {
  it.each([
    ['linkedList', (arg: unknown) => linkedList(arg as never)],
    ['sortedMap', (arg: unknown) => sortedMap(arg as never)],
    ['sortedSet', (arg: unknown) => sortedSet(arg as never)],
  ])('%s refuses a number, null or a plain object with InvalidArgumentError', (name, make) => {
    for (const arg of [5, null, {}, true]) {
      expect(() => make(arg)).toThrow(InvalidArgumentError);
      expect(() => make(arg)).toThrow(new RegExp(`^${name} takes an iterable`));
    }
    expect(() => make(new Set())).not.toThrow();
  });
});

describe('Map keys that are two objects but one stored key', () => {
  it('two equal Dates or byte arrays as keys of one Map are refused, not merged into one entry', async () => {
    const db = await withOneMoment();
    expectRefused(db, () => db.set(['m'], new Map([[new Date(0), 'a'], [new Date(0), 'b']])), /two keys that are different objects but equal values \(<Date 1970-01-01T00:00:00.000Z> and <Date 1970-01-01T00:00:00.000Z>\)/);
    expectRefused(db, () => db.set(['m'], { inner: new Map([[Uint8Array.of(1, 2), 'a'], [Uint8Array.of(1, 2), 'a']]) }), /equal values.*at m\.inner\[<2 bytes>\]$/);
  });

  it('keys of different values or kinds are all kept', async () => {
    const db = await withOneMoment();
    const bytes = Uint8Array.of(1);
    db.set(['m'], new Map<unknown, string>([[new Date(0), 'a'], [new Date(1), 'b'], [bytes, 'c'], [Uint8Array.of(1, 0), 'd'], ['1970-01-01T00:00:00.000Z', 'e']]));
    expect((db.get(['m']) as MapView).size).toBe(5);
  });
});

describe('delete through a list', () => {
  it('a key where a list wants an index is a WrongTypeError, as get and set give, not false', async () => {
    const db = await open();
    db.set(['list'], [1, 2, 3]);
    db.set(['linked'], linkedList([1, 2, 3]));
    for (const path of [['list', '2'], ['linked', '0'], ['list', 1n]] as const) {
      expect(() => db.get(path as never)).toThrow(WrongTypeError);
      expect(() => db.delete(path as never)).toThrow(WrongTypeError);
      expect(() => db.delete(path as never)).toThrow(/is a list, so the next step must be an index/);
    }
    // An index outside the list, or not whole, is still absent: false, as get gives undefined.
    expect(db.delete(['list', 7])).toBe(false);
    expect(db.delete(['linked', 1.5])).toBe(false);
    expect(db.snapshot().toJS()).toEqual({ list: [1, 2, 3], linked: [1, 2, 3] });
  });
});

describe('messages about hostile objects', () => {
  it('a class instance whose constructor name is empty, or no text, is still described', async () => {
    const db = await withOneMoment();
    const generator = (function* () {})();
    expectRefused(db, () => db.set(['x'], generator), /^a object instance has no mapping/);
    const odd = Object.setPrototypeOf({ constructor: { name: Symbol('n') } }, { constructor: Object }) as object;
    expectRefused(db, () => db.set(['x'], odd), /^a object instance has no mapping/);
    expect(() => db.get(odd as never)).toThrow(/^a path must be an array of keys and indexes, got object$/);
  });
});

describe('moments that do not exist', () => {
  it('snapshot, revert, diff and revertChanges say there is no such moment and which there are', async () => {
    const db = await withOneMoment();
    db.set(['kept', 'more'], 1);
    const message = /^there is no moment (5|-3): the history has 2 \(0 to 1, or -1 to -2 from the end\)$/;
    expect(() => db.snapshot(5)).toThrow(message);
    expect(() => db.snapshot(-3)).toThrow(message);
    expect(() => db.revert(5)).toThrow(message);
    expect(() => [...db.diff(0, 5)]).toThrow(message);
    expect(() => db.revertChanges(-3)).toThrow(message);
    expect(() => db.snapshot(0.5)).toThrow(/^a moment index is a whole number, not 0.5$/);
    expect(db.momentCount).toBe(2);
  });
});

describe('views given arguments of the wrong kind', () => {
  it('a list view refuses a key where it takes an index, as db.get does, instead of answering undefined', async () => {
    const db = await open();
    db.set(['list'], [1, 2, 3]);
    db.set(['linked'], linkedList([1, 2, 3]));
    for (const view of [db.get(['list']), db.get(['linked'])] as ListView[]) {
      expect(() => view.get('0' as never)).toThrow(/^an index is a number, not a string$/);
      expect(() => [...view.values(Symbol('s') as never)]).toThrow(InvalidArgumentError);
      expect(() => [...view.values('1' as never)]).toThrow(/^a start index is a number, not a string$/);
      expect(view.get(1.5)).toBeUndefined();
      expect(view.get(-1)).toBe(3);
      expect([...view.values(1)]).toEqual([2, 3]);
    }
  });

  it('a sorted map view has no method that crashes on any argument (its helpers are private)', async () => {
    const db = await open();
    db.set(['sm'], sortedMap([[1, 'a']]));
    const view = db.get(['sm']) as SortedMapView;
    expect('pair' in view).toBe(false);
  });
});

describe('paths that are revoked Proxies', () => {
  it('get InvalidArgumentError from every path-taking call, not a raw TypeError', async () => {
    const db = await withOneMoment();
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    const path = proxy as never;
    for (const call of [() => db.get(path), () => db.set(path, 1), () => db.has(path), () => db.delete(path), () => db.push(path, 1), () => db.merge(path, {}), () => db.range(path), () => db.subscribe(() => undefined, { path })]) {
      expect(call).toThrow(/^a path must be an array of keys and indexes, got object$/);
    }
    expect(db.momentCount).toBe(1);
  });
});

describe('diff and toJS given what is no view', () => {
  it('a revoked Proxy or an object whose cursor() lies gets InvalidArgumentError from diff, and toJS gives it back as any non-view', async () => {
    const db = await withOneMoment();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const view = db.get(['kept']) as MapView;
    for (const bad of [proxy, { cursor: () => 5 }, { cursor: () => { throw new TypeError('cursor'); } }]) {
      expect(() => diff(bad as never, view)).toThrow(/^diff compares snapshots or views of maps, sets and lists; before is neither$/);
      expect(() => diff(view, bad as never)).toThrow(InvalidArgumentError);
    }
    expect(toJS(proxy as never)).toBe(proxy);
    expect([...diff(db.snapshot(), db.snapshot())]).toEqual([]);
  });
});
