// Arguments of the wrong kind, as JavaScript callers (or values typed `any`)
// pass them: every public entry point answers with a typed error, never a bare
// TypeError or a silent wrong write, and the failed transaction leaves the
// committed data as it was.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfRangeError, StrataError, open } from '../../src/index.js';
import { Engine, MemoryStorage, Slot, openEngine, type WriteCursor } from '../../src/engine.js';

/** Values of every kind that no key, text, bytes or number argument accepts, each with a name. */
const wrongKinds: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['a plain object', {}],
  ['an array', []],
  ['a symbol', Symbol('s')],
  ['a boolean', true],
  ['an ArrayBuffer', new ArrayBuffer(2)],
  ['a Uint16Array', new Uint16Array(2)],
  ['a tagged key without bytes', { formatTag: new Uint8Array(2) }],
  ['a tagged key with a string tag', { bytes: new Uint8Array(1), formatTag: 'nu' }],
];

async function engineWithOneMoment(): Promise<Engine> {
  const engine = await openEngine(new MemoryStorage(), { durability: 'flush' });
  engine.transact((root) => root.hashMap().put('kept').writeString('value'));
  return engine;
}

/** Runs `write` in a transaction that must fail with InvalidArgumentError, then checks nothing changed. */
function expectRejected(engine: Engine, write: (root: WriteCursor) => void): void {
  const moments = engine.momentCount;
  let thrown: unknown;
  try {
    engine.transact(write);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidArgumentError);
  expect(engine.momentCount).toBe(moments);
  expect(engine.moment(-1).asHashMap().get('kept')?.readString()).toBe('value');
}

describe('cursor arguments of the wrong kind', () => {
  it.each(wrongKinds)('a key that is %s: put, get, has, remove and set add refuse it', async (_name, key) => {
    const engine = await engineWithOneMoment();
    const bad = key as string;
    expectRejected(engine, (root) => root.hashMap().put(bad));
    expectRejected(engine, (root) => root.hashMap().get(bad));
    expectRejected(engine, (root) => root.hashMap().has(bad));
    expectRejected(engine, (root) => root.hashMap().remove(bad));
    expectRejected(engine, (root) => root.hashMap().put('members').hashSet().add(bad));
    expectRejected(engine, (root) => root.writePath([bad]));
    expect(() => engine.moment(-1).asHashMap().get(bad)).toThrow(InvalidArgumentError);
  });

  it.each([...wrongKinds, ['a number', 12] as [string, unknown]])('a string value that is %s is refused, not stored as other text', async (_name, value) => {
    const engine = await engineWithOneMoment();
    expectRejected(engine, (root) => root.hashMap().put('k').writeString(value as string));
  });

  it.each([...wrongKinds, ['a number', 12] as [string, unknown], ['a string', 'ab'] as [string, unknown]])('a bytes value that is %s is refused', async (_name, value) => {
    const engine = await engineWithOneMoment();
    expectRejected(engine, (root) => root.hashMap().put('k').writeBytes(value as Uint8Array));
  });

  it.each(wrongKinds)('a number value that is %s is refused by writeUint, writeInt and writeFloat', async (_name, value) => {
    const engine = await engineWithOneMoment();
    expectRejected(engine, (root) => root.hashMap().put('k').writeUint(value as number));
    expectRejected(engine, (root) => root.hashMap().put('k').writeInt(value as number));
    expectRejected(engine, (root) => root.hashMap().put('k').writeFloat(value as number));
  });

  it('a format tag that is neither text nor bytes is refused', async () => {
    const engine = await engineWithOneMoment();
    expectRejected(engine, (root) => root.hashMap().put('k').writeString('v', 12 as unknown as string));
    expectRejected(engine, (root) => root.hashMap().put('k').bytesWriter({} as unknown as string));
  });

  it('slots and lists of the wrong kind are refused by writeSlot, appendSlot and concat', async () => {
    const engine = await engineWithOneMoment();
    for (const [, value] of wrongKinds) {
      expectRejected(engine, (root) => root.hashMap().put('k').writeSlot(value as Slot));
      expectRejected(engine, (root) => root.hashMap().put('l').linkedArrayList().appendSlot(value as Slot));
      expectRejected(engine, (root) => root.hashMap().put('l').linkedArrayList().concat(value as Slot));
    }
  });

  it('hashes, callbacks, paths and storages of the wrong kind are refused by getByHash, forEach, readPath, writePath, transact and Engine.open', async () => {
    const engine = await engineWithOneMoment();
    const map = engine.moment(-1).asHashMap();
    for (const [, value] of wrongKinds) {
      expect(() => map.getByHash(value as Uint8Array)).toThrow(InvalidArgumentError);
      expect(() => map.forEach(value as () => void)).toThrow(InvalidArgumentError);
      expect(() => engine.transact(value as () => void)).toThrow(InvalidArgumentError);
      // An empty array is a path (the cursor itself).
      if (Array.isArray(value)) continue;
      expect(() => engine.moment(-1).readPath(value as string[])).toThrow(InvalidArgumentError);
      expectRejected(engine, (root) => root.writePath(value as string[]));
    }
    // A string is not a path: it would be read one character per step.
    expect(() => engine.moment(-1).readPath('ab' as unknown as string[])).toThrow(InvalidArgumentError);
    expectRejected(engine, (root) => root.writePath('ab' as unknown as string[]).writeUint(7));
    expect(() => Engine.open(null as unknown as MemoryStorage, {})).toThrow(InvalidArgumentError);
    expect(() => Engine.open(new MemoryStorage(), null as unknown as object)).toThrow(InvalidArgumentError);
  });

  it('numbers of the right kind still write as before', async () => {
    const engine = await engineWithOneMoment();
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('u').writeUint(12);
      map.put('big').writeUint(2n ** 64n - 1n);
      map.put('i').writeInt(-5n);
      map.put('f').writeFloat(Number.NaN);
    });
    const map = engine.moment(-1).asHashMap();
    expect(map.get('u')?.readUint()).toBe(12n);
    expect(map.get('big')?.readUint()).toBe(2n ** 64n - 1n);
    expect(map.get('i')?.readInt()).toBe(-5n);
    expect(Number.isNaN(map.get('f')?.readFloat())).toBe(true);
  });

  it('indexes and counts that are not numbers give typed errors, symbols included', async () => {
    const engine = await engineWithOneMoment();
    // undefined is left out: it means the default (the latest moment, one step).
    for (const [, value] of wrongKinds.filter(([, value]) => value !== undefined)) {
      expect(() => engine.moment(value as number)).toThrow(InvalidArgumentError);
      expect(() => engine.undo(value as number)).toThrow(StrataError);
      expect(() => engine.revert(value as number)).toThrow(StrataError);
    }
  });
});

describe('database paths of the wrong kind', () => {
  const notPaths: Array<[string, unknown]> = [
    ['a string', 'title'],
    ['a number', 3],
    ['undefined', undefined],
    ['null', null],
    ['a plain object', { 0: 'title', length: 1 }],
  ];

  it.each(notPaths)('a path that is %s is refused by every method, even on an empty database', async (_name, path) => {
    const db = await open(undefined, { durability: 'flush' });
    const bad = path as string[];
    expect(() => db.get(bad)).toThrow(InvalidArgumentError);
    expect(() => db.has(bad)).toThrow(InvalidArgumentError);
    db.set(['title'], 'kept');
    for (const call of [
      () => db.get(bad),
      () => db.has(bad),
      () => db.set(bad, 1),
      () => db.update(bad, () => 1),
      () => db.merge(bad, { a: 1 }),
      () => db.delete(bad),
      () => db.push(bad, 1),
      () => db.snapshot().get(bad),
      () => db.transact((tx) => tx.clone(bad, ['copy'])),
      () => db.transact((tx) => tx.clone(['title'], bad)),
    ]) {
      expect(call).toThrow(InvalidArgumentError);
    }
    expect(db.get(['title'])).toBe('kept');
    expect(db.snapshot().index).toBe(0);
  });

  it('names the fix for a lone string', async () => {
    const db = await open(undefined, { durability: 'flush' });
    expect(() => db.get('title' as unknown as string[])).toThrow('write ["title"] for a single step');
  });

  it('a snapshot index that is a symbol gives a typed error', async () => {
    const db = await open(undefined, { durability: 'flush' });
    db.set(['a'], 1);
    expect(() => db.snapshot(Symbol('s') as unknown as number)).toThrow(InvalidArgumentError);
  });
});

describe('options, storages and indexes of the wrong kind', () => {
  it('get InvalidArgumentError from the database entry points, not a TypeError or a range error', async () => {
    await expect(open(undefined, null as never)).rejects.toThrow(InvalidArgumentError);
    await expect(openEngine(new MemoryStorage(), 'flush' as never)).rejects.toThrow(InvalidArgumentError);
    expect(() => new MemoryStorage(null as never)).toThrow(InvalidArgumentError);
    expect(() => MemoryStorage.fromBytes(new Uint8Array(0), 7 as never)).toThrow(InvalidArgumentError);
    const db = await open();
    db.set(['list'], [1, 2]);
    expect(() => db.stats(null as never)).toThrow(InvalidArgumentError);
    expect(() => db.backup(null as never)).toThrow(InvalidArgumentError);
    expect(() => db.backup({} as never)).toThrow(InvalidArgumentError);
    expect(() => db.snapshot('x' as never)).toThrow(InvalidArgumentError);
    expect(() => db.revert('x' as never)).toThrow(InvalidArgumentError);
    expect(() => db.sliceHistory('1' as never)).toThrow(InvalidArgumentError);
    const list = db.get(['list']) as { at(index: unknown): unknown };
    expect(() => list.at('x')).toThrow(InvalidArgumentError);
    // Whole numbers out of range stay range errors.
    expect(() => db.snapshot(5)).toThrow(OutOfRangeError);
    expect(() => list.at(2)).toThrow(OutOfRangeError);
    expect(db.momentCount).toBe(1);
    db.close();
  });
});

describe('bytes to open in place', () => {
  it('opens a SharedArrayBuffer like an ArrayBuffer, and refuses other kinds with InvalidArgumentError', async () => {
    const source = await open();
    source.set(['a'], { b: [1, 2] });
    const bytes = source.bytes();
    const shared = new SharedArrayBuffer(bytes.length);
    new Uint8Array(shared).set(bytes);
    const opened = await open(shared);
    expect(opened.snapshot().toJS()).toEqual({ a: { b: [1, 2] } });
    for (const wrong of [new DataView(new ArrayBuffer(8)), null, 'bytes', new Uint16Array(4)]) {
      expect(() => MemoryStorage.fromBytes(wrong as never)).toThrow(InvalidArgumentError);
    }
    expect(() => new MemoryStorage({ initialCapacity: 2 ** 53 })).toThrow(InvalidArgumentError);
    expect(() => new MemoryStorage({ initialCapacity: -1 })).toThrow(InvalidArgumentError);
    expect(() => new MemoryStorage({ initialCapacity: 2 ** 40 })).toThrow(OutOfRangeError);
  });
});
