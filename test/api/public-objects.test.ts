// Every object a user can hold, as an object (reliability issue: "JSON.stringify
// of a view leaks every other key"): JSON.stringify gives a small descriptor or
// the data asked for, never the storage; util.inspect gives one short line; and
// no walk over enumerable properties (Object.keys, for-in, spreading, deep
// clones, loggers) reaches the database's bytes.

import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as browserEntry from '../../src/index.js';
import * as nodeEntry from '../../src/node.js';
import { FileLock, FileStorage, open, type Database, type MapView } from '../../src/node.js';
import { Engine, MemoryStorage } from '../../src/engine.js';
import { FaultStorage } from '../../src/testing.js';

const { sortedMap, sortedSet } = browserEntry;

/** Stored under another key than the one a test serializes: must never show. */
const SECRET = 'SECRET-hunter2-do-not-leak-0123456789';
const SECRET_BYTES = new TextEncoder().encode(SECRET);

/** The largest typed array a walk may meet: a scratch slot or a hash, never a database buffer. */
const TYPED_ARRAY_SIZE_MAX = 64;

const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempPath(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-public-'));
  directories.push(dir);
  return path.join(dir, name);
}

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Walks what enumeration reaches from `root`, as a deep clone or a logger does
 * (own enumerable keys, Map and Set contents), and returns the first thing that
 * hands out the database: a large typed array or buffer, bytes or text with
 * the secret. Undefined when the walk is clean.
 */
function enumerationLeak(root: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: Array<{ value: unknown; at: string }> = [{ value: root, at: '(root)' }];
  while (queue.length > 0) {
    const { value, at } = queue.shift()!;
    if (typeof value === 'string') {
      if (value.includes(SECRET)) return `${at}: a string with the secret`;
      continue;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (seen.size > 20_000) return `${at}: more than 20000 objects reachable`;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      if (containsBytes(bytes, SECRET_BYTES)) return `${at}: bytes with the secret`;
      if (bytes.length > TYPED_ARRAY_SIZE_MAX) return `${at}: a buffer of ${bytes.length} bytes`;
      continue;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) queue.push({ value: k, at: `${at}<key>` }, { value: v, at: `${at}<value>` });
    } else if (value instanceof Set) {
      for (const v of value) queue.push({ value: v, at: `${at}<member>` });
    }
    for (const key of Object.keys(value)) queue.push({ value: (value as Record<string, unknown>)[key], at: `${at}.${key}` });
  }
  return undefined;
}

/** The checks every public object must pass. */
function expectSafe(name: string, object: object): void {
  let json: string | undefined;
  expect(() => {
    json = JSON.stringify(object);
  }, `${name}: JSON.stringify throws`).not.toThrow();
  expect(json ?? '', `${name}: JSON.stringify shows the secret`).not.toContain(SECRET);
  expect((json ?? '').length, `${name}: JSON.stringify is ${json?.length} characters: ${json?.slice(0, 200)}`).toBeLessThan(1000);
  const text = inspect(object, { depth: Infinity });
  expect(text.length, `${name}: inspect is ${text.length} characters: ${text.slice(0, 200)}`).toBeLessThan(300);
  expect(text, `${name}: inspect shows the secret`).not.toContain(SECRET);
  expect(enumerationLeak(object), `${name}: enumeration reaches the database`).toBeUndefined();
  expect(enumerationLeak({ ...object }), `${name}: a spread reaches the database`).toBeUndefined();
}

/** Fills a database with public data and, under another key, the secret (long bytes, in the storage). */
function fill(db: Database): void {
  db.set(['public'], { name: 'site', tags: ['a', 'b'], members: new Set(['x']), counted: new Map([['k', 1]]), sorted: sortedMap([['k', 1]]), sortedMembers: sortedSet(['x']) });
  db.set(['secret'], SECRET);
  db.set(['secrets'], Array.from({ length: 40 }, (_, i) => `${SECRET}-${i}`));
}

/** Every public object this test can build on `db`, named. */
function objectsOf(db: Database): Array<[string, object]> {
  const objects: Array<[string, object]> = [];
  const engine = db.engine;
  const snapshot = db.snapshot();
  objects.push(['Database', db], ['Engine', engine], ['Snapshot', snapshot], ['storage', engine.storage]);
  objects.push(['MapView', db.get(['public']) as MapView]);
  objects.push(['ListView', db.get(['public', 'tags']) as object], ['SetView', db.get(['public', 'members']) as object], ['MapView (counted)', db.get(['public', 'counted']) as object]);
  objects.push(['SortedMapView', db.get(['public', 'sorted']) as object], ['SortedSetView', db.get(['public', 'sortedMembers']) as object]);
  const root = engine.moment(-1);
  const map = root.asHashMap();
  const secretCursor = map.get('secret')!;
  objects.push(['ReadCursor', root], ['ReadCursor on the secret', secretCursor], ['ReadHashMap', map]);
  objects.push(['MapEntry', map.entries().next().value as object]);
  objects.push(['BytesReader on the secret', secretCursor.bytesReader()]);
  const listCursor = map.get('secrets')!;
  objects.push(['ReadCursor on a list', listCursor]);
  const publicMap = map.get('public')!.asHashMap();
  objects.push(['ReadArrayList', publicMap.get('tags')!.asArrayList()], ['ReadHashSet', publicMap.get('members')!.asHashSet()]);
  db.transact((tx) => {
    objects.push(['Transaction', tx]);
    expectSafe('Transaction (active)', tx);
    expectSafe('MapView of a transaction', tx.get(['public']) as object);
  });
  engine.transact((writeRoot) => {
    const writeMap = writeRoot.hashMap();
    const linked = writeMap.put('linked').linkedArrayList();
    linked.append().writeString(SECRET);
    const writeSet = writeMap.put('set').hashSet();
    writeSet.add('member');
    const writeList = writeMap.put('list').arrayList();
    writeList.append().writeString(SECRET);
    const sortedMap = writeMap.put('sorted').sortedMap();
    sortedMap.put(SECRET).writeString(SECRET);
    const sortedSet = writeMap.put('sorted-set').sortedSet();
    sortedSet.add(SECRET);
    const writer = writeMap.put('streamed').bytesWriter();
    writer.write(SECRET_BYTES);
    const inside: Array<[string, object]> = [
      ['WriteCursor', writeRoot],
      ['WriteHashMap', writeMap],
      ['WriteHashSet', writeSet],
      ['WriteArrayList', writeList],
      ['WriteLinkedArrayList', linked],
      ['BytesWriter', writer],
      ['ReadLinkedArrayList', linked.read()],
      ['WriteSortedMap', sortedMap],
      ['WriteSortedSet', sortedSet],
      ['ReadSortedMap', sortedMap.read()],
      ['ReadSortedSet', sortedSet.read()],
    ];
    for (const [name, object] of inside) expectSafe(`${name} (inside its transaction)`, object);
    writer.finish();
    objects.push(...inside);
  });
  const committedLinked = engine.moment(-1).asHashMap().get('linked')!.asLinkedArrayList();
  committedLinked.get(0);
  objects.push(['ReadLinkedArrayList (committed)', committedLinked]);
  return objects;
}

describe('public objects as objects', () => {
  it('serialize to a descriptor, inspect in one short line and enumerate no storage, for a memory database', async () => {
    const db = await open();
    fill(db);
    for (const [name, object] of objectsOf(db)) expectSafe(name, object);
    const faults = new FaultStorage();
    const faultDb = await open(faults);
    fill(faultDb);
    expectSafe('FaultStorage', faults);
  });

  it('serialize to a descriptor, inspect in one short line and enumerate no storage, for a file database and its lock', async () => {
    const file = tempPath('data.xit');
    const db = await open(file);
    fill(db);
    const storage = db.engine.storage as FileStorage;
    expect(storage).toBeInstanceOf(FileStorage);
    for (const [name, object] of objectsOf(db)) expectSafe(`${name} (file)`, object);
    expect(storage.lock).toBeInstanceOf(FileLock);
    expectSafe('FileLock', storage.lock!);
    db.close();
    // Closed handles still describe themselves without throwing.
    expectSafe('Database (closed)', db);
    expectSafe('FileStorage (closed)', storage);
    expectSafe('FileLock (released)', storage.lock!);
    const lock = FileLock.acquire(tempPath('other.xit'));
    expectSafe('FileLock (acquired)', lock);
    lock.release();
  });

  it('describe the handle, not its data, in JSON', async () => {
    const db = await open();
    fill(db);
    expect(JSON.parse(JSON.stringify(db))).toEqual({ kind: 'Database', moments: 3, readOnly: false });
    expect(inspect(db)).toBe('Database { moments: 3, readOnly: false }');
    expect(JSON.parse(JSON.stringify(db.snapshot(1)))).toEqual({ kind: 'Snapshot', index: 1 });
    expect(JSON.parse(JSON.stringify(db.engine))).toEqual({ kind: 'Engine', moments: 3, readOnly: false, durability: 'sync', history: true, closed: false });
    expect(JSON.parse(JSON.stringify(db.engine.storage))).toMatchObject({ kind: 'MemoryStorage', readOnly: false, closed: false });
    expect(JSON.parse(JSON.stringify(db.engine.moment(-1)))).toMatchObject({ kind: 'ReadCursor', tag: 'hash_map' });
    let inside: unknown;
    db.transact((tx) => {
      inside = JSON.parse(JSON.stringify(tx));
    });
    expect(inside).toEqual({ kind: 'Transaction', active: true });
    // A view is the one object whose JSON is its data: the subtree the caller asked for.
    expect(JSON.parse(JSON.stringify(db.get(['public', 'tags'])))).toEqual(['a', 'b']);
    expect(Object.prototype.toString.call(db.engine.moment(-1))).toBe('[object ReadCursor]');
  });

  it('keep every documented property readable though not enumerable', async () => {
    const db = await open();
    fill(db);
    expect(Object.keys(db)).toEqual([]);
    expect(db.engine).toBeInstanceOf(Engine);
    expect('engine' in db).toBe(true);
    expect(db.engine.storage).toBeInstanceOf(MemoryStorage);
    expect(typeof db.engine.hasher.hash).toBe('function');
    expect((db.engine.storage as MemoryStorage).bytes.length).toBeGreaterThan(0);
    expect(Object.keys(db.engine)).toEqual([]);
    expect(Object.keys(db.engine.storage)).toEqual([]);
    expect(Object.keys(db.engine.ctx)).toEqual(['hasher', 'readOnly']);
    expect(db.engine.ctx.io.storage).toBe(db.engine.storage);
  });

  it('refuses JSON.stringify of a view that shares structures many times over with an OutOfRangeError (was seconds of work, then a bare RangeError)', async () => {
    const db = await open();
    db.set(['level0'], { leaf: 'a leaf text of some length' });
    for (let i = 1; i <= 16; i++) {
      const below = db.get([`level${i - 1}`]);
      db.set([`level${i}`], { a: below, b: below, c: below });
    }
    // 3^16 leaves as text, from 17 distinct maps: toJS shares them, JSON would not.
    const top = db.get(['level16']) as MapView;
    expect(() => JSON.stringify(top)).toThrow(browserEntry.OutOfRangeError);
    expect(() => JSON.stringify(top)).toThrow(/more than 1000000 JSON values/);
    // A view with shared parts that stays small serializes as before.
    expect(JSON.parse(JSON.stringify(db.get(['level2'])))).toEqual({ a: { a: { leaf: 'a leaf text of some length' }, b: { leaf: 'a leaf text of some length' }, c: { leaf: 'a leaf text of some length' } }, b: expect.any(Object), c: expect.any(Object) });
  });

  it('cover every class the two entry points export', async () => {
    const db = await open();
    fill(db);
    const built = objectsOf(db).map(([, object]) => object);
    const file = tempPath('data.xit');
    const fileDb = await open(file);
    built.push(fileDb.engine.storage, new FaultStorage(), FileLock.acquire(tempPath('lock.xit')));
    fileDb.close();
    // Classes that hold no storage: a slot is a value, a linked list or sorted map or set value holds the caller's items.
    const noStorage = new Set(['Slot', 'LinkedListValue', 'SortedMapValue', 'SortedSetValue']);
    const uncovered: string[] = [];
    for (const [name, value] of Object.entries({ ...browserEntry, ...nodeEntry })) {
      if (typeof value !== 'function' || !/^class\b/.test(Function.prototype.toString.call(value))) continue;
      if (value.prototype instanceof Error || noStorage.has(name)) continue;
      if (!built.some((object) => object instanceof value)) uncovered.push(name);
    }
    expect(uncovered).toEqual([]);
  });
});
