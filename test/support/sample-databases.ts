// Small valid databases built with the engine, covering every structure, for the
// verify and fuzz tests; and helpers to find records inside them and damage
// their bytes.

import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import type { Hasher } from '../../src/hash/hasher.js';
import type { ReadCursor } from '../../src/cursor/read-cursor.js';
import { Tag } from '../../src/format/tags.js';
import { SLOT_SIZE } from '../../src/format/constants.js';

/** FORMAT.md §History header: the committed size, the third u64 of the header at 12. */
const HISTORY_COMMITTED_SIZE_POSITION = 28;

/** A named database: its bytes and the hasher it was written with. */
export interface SampleDatabase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly hasher: Hasher;
}

/**
 * A clock for reproducible bytes: commit times (FORMAT.md §Commit trailer)
 * from 2026-01-01T00:00:00Z, one second apart.
 */
export function steppingClock(): () => number {
  let now = Date.UTC(2026, 0, 1) - 1000;
  return () => (now += 1000);
}

/**
 * Runs `build` on a new memory database and returns its bytes (a copy). The
 * storage is durable (commits checksum their data, as on a file) and the
 * clock steps, so the same build writes the same bytes every time.
 */
export function buildDatabase(build: (engine: Engine) => void, options: { hasher?: Hasher; history?: boolean } = {}): Uint8Array {
  const storage = new MemoryStorage({ durable: true });
  const engine = Engine.open(storage, { hasher: options.hasher ?? sha1Hasher, history: options.history ?? true, clock: steppingClock() });
  build(engine);
  return storage.toBytes().slice();
}

/** Opens database bytes (copied, so damage done later to `bytes` does not leak in). */
export function openBytes(bytes: Uint8Array, readOnly = true, hasher: Hasher = sha1Hasher): Engine {
  return Engine.open(MemoryStorage.fromBytes(bytes.slice(), { readOnly }), { hasher });
}

/**
 * A memory engine whose moment 0 holds, under "list", the linked list [1, 2]
 * concatenated with itself `doublings` times: 2^(doublings + 1) items in a few
 * KB, its blocks shared within it (what walks that unfold every item must bound).
 */
export function selfConcatenatedList(doublings: number): Engine {
  const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
  engine.transact((root) => {
    const map = root.hashMap();
    const list = map.put('list').linkedArrayList();
    list.append().writeUint(1);
    list.append().writeUint(2);
    for (let i = 0; i < doublings; i++) map.put('list').linkedArrayList().concat(map.get('list')!);
  });
  return engine;
}

/** The two-key database of FORMAT.md §Annotated example: 544 bytes, small enough to flip every bit. */
export function tinyDatabase(): Uint8Array {
  return buildDatabase((engine) =>
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('foo').writeString('hello');
      map.put('bar').writeUint(42);
    }),
  );
}

/** Maps, sets, counted variants, every scalar, long and short bytes, format tags; three moments and an undo. */
export function mapsDatabase(): Uint8Array {
  return buildDatabase((engine) => {
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('short').writeString('hi');
      map.put('long').writeString('a value longer than eight bytes');
      map.put('zero').writeBytes(Uint8Array.of(1, 0, 2));
      map.put('tagged').writeString('2026-01-01', 'dt');
      map.put('tagged-short').writeString('abc', 'tx');
      map.put('uint').writeUint(2n ** 63n);
      map.put('int').writeInt(-42);
      map.put('float').writeFloat(-1.5);
      map.put('none').writeNone();
      map.put('a long key that does not fit in a slot').writeUint(1);
      const nested = map.put('nested').hashMap();
      for (let i = 0; i < 20; i++) nested.put(`k${i}`).writeUint(i);
      const counted = map.put('counted').countedHashMap();
      for (let i = 0; i < 12; i++) counted.put(`c${i}`).writeString(`value number ${i}`);
      const set = map.put('set').hashSet();
      for (let i = 0; i < 10; i++) set.add(`member-${i}`);
      const countedSet = map.put('counted-set').countedHashSet();
      for (let i = 0; i < 10; i++) countedSet.add(`m${i}`);
    });
    engine.transact((root) => {
      const map = root.hashMap();
      map.remove('short');
      map.put('counted').countedHashMap().remove('c3');
      map.put('set').hashSet().remove('member-4');
      map.put('nested').hashMap().put('k5').writeString('changed in moment 1');
    });
    engine.undo();
  });
}

/** Array lists (one and two levels), a linked list grown, self-concatenated, sliced, edited; three moments and an undo. */
export function listsDatabase(): Uint8Array {
  return buildDatabase((engine) => {
    engine.transact((root) => {
      const map = root.hashMap();
      const list = map.put('list').arrayList();
      for (let i = 0; i < 40; i++) list.append().writeUint(i);
      list.append().writeString('a long string item in an array list');
      const linked = map.put('linked').linkedArrayList();
      for (let i = 0; i < 20; i++) linked.append().writeUint(i);
      linked.append().writeString('a long string item in a linked list');
    });
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('list').arrayList().slice(17);
      const linked = map.put('linked').linkedArrayList();
      linked.concat(map.get('linked')!);
      linked.concat(map.get('linked')!);
      linked.slice(3, 70);
      linked.insert(5).writeUint(500);
      linked.remove(9);
      map.put('nested-lists').arrayList().append().arrayList().append().linkedArrayList().append().writeInt(-1);
    });
    engine.undo();
  });
}

/** A database without history: the root map at position 12 changes in place. */
export function noHistoryDatabase(): Uint8Array {
  return buildDatabase(
    (engine) => {
      const map = engine.writableRootMap().hashMap();
      map.put('a').writeUint(1);
      map.put('text').writeString('long enough to be long bytes');
      const list = map.put('list').arrayList();
      for (let i = 0; i < 5; i++) list.append().writeUint(i);
      map.put('set').countedHashSet().add('x');
    },
    { history: false },
  );
}

/**
 * Sorted maps and a sorted set (FORMAT.md §Sorted maps): a tree two levels
 * deep (the model and interop tests go deeper), long, empty and 0x00 keys, a
 * map as a value, removes that empty a leaf; two moments. Small, since the
 * fuzz tests' work grows with each sample's size.
 */
export function sortedDatabase(): Uint8Array {
  return buildDatabase((engine) => {
    engine.transact((root) => {
      const map = root.hashMap();
      const sorted = map.put('sorted').sortedMap();
      for (let i = 0; i < 90; i++) sorted.put(`k${String((i * 37) % 90).padStart(3, '0')}`).writeUint(i);
      sorted.put('a key longer than eight bytes').writeString('long bytes value, long enough');
      sorted.put('').writeInt(-1);
      sorted.put(Uint8Array.of(0, 1)).sortedMap().put('inner').writeUint(1);
      const set = map.put('set').sortedSet();
      for (let i = 0; i < 16; i++) set.add(`m${i}`);
    });
    engine.transact((root) => {
      const map = root.hashMap();
      const sorted = map.put('sorted').sortedMap();
      for (let i = 0; i < 20; i++) sorted.remove(`k${String(i).padStart(3, '0')}`);
      map.put('set').sortedSet().remove('m1');
    });
  });
}

/**
 * Gen-2 (B-tree) linked lists (FORMAT.md §Gen-2 linked array lists), which
 * this build edits but never creates: a two-item list is written by hand in
 * the layout xitdb-java gives a new list (a leaf, then its header) and the
 * engine then edits it in gen-2 layout: appends that split leaves under a
 * branch root, an insert, a remove, a slice, a concat with itself (nodes
 * shared), a list as an item; three moments with trailers.
 */
export function gen2ListsDatabase(): Uint8Array {
  const start = buildDatabase((engine) => engine.transact((root) => root.hashMap().put('g').writeUint(0)));
  const leaf = start.length;
  const header = leaf + 146;
  const bytes = new Uint8Array(header + 16);
  bytes.set(start);
  bytes[leaf] = 0; // a leaf
  bytes[leaf + 1] = 2; // 2 items
  writeSlot(bytes, leaf + 2, Tag.UINT, 7);
  writeSlot(bytes, leaf + 2 + SLOT_SIZE, Tag.NONE, 0, true);
  writeU64(bytes, header, 2);
  writeU64(bytes, header + 8, leaf);
  const engine = openBytes(bytes, true);
  const slot = engine.moment(0).readPath(['g'])!.slotPosition;
  writeSlot(bytes, slot, Tag.LINKED_ARRAY_LIST, header);
  writeU64(bytes, HISTORY_COMMITTED_SIZE_POSITION, bytes.length);
  const storage = MemoryStorage.fromBytes(bytes, { readOnly: false, durable: true });
  const writer = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  writer.transact((root) => {
    const map = root.hashMap();
    const list = map.put('g').linkedArrayList();
    for (let i = 0; i < 40; i++) list.append().writeUint(i);
    list.append().writeString('a long string item in a gen-2 list');
    list.insert(3).writeInt(-3);
    list.remove(10);
    list.append().hashMap().put('inner').writeUint(1);
  });
  writer.transact((root) => {
    const map = root.hashMap();
    const list = map.put('g').linkedArrayList();
    list.concat(map.get('g')!);
    list.slice(5, 60);
    list.put(0).writeString('changed');
  });
  return storage.toBytes().slice();
}

/** Every sample, small enough to fuzz. */
export function sampleDatabases(): SampleDatabase[] {
  return [
    { name: 'tiny', bytes: tinyDatabase(), hasher: sha1Hasher },
    { name: 'maps', bytes: mapsDatabase(), hasher: sha1Hasher },
    { name: 'lists', bytes: listsDatabase(), hasher: sha1Hasher },
    { name: 'no-history', bytes: noHistoryDatabase(), hasher: sha1Hasher },
    { name: 'sorted', bytes: sortedDatabase(), hasher: sha1Hasher },
    { name: 'gen2', bytes: gen2ListsDatabase(), hasher: sha1Hasher },
  ];
}

/** Reads a big-endian u64 (below 2^53) at `position`. */
export function readU64(bytes: Uint8Array, position: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(position) * 2 ** 32 + view.getUint32(position + 4);
}

/** Writes a u64 (a number below 2^53, or a bigint for any 64-bit value) at `position`. */
export function writeU64(bytes: Uint8Array, position: number, value: number | bigint): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const big = BigInt(value);
  view.setUint32(position, Number(big >> 32n));
  view.setUint32(position + 4, Number(big & 0xffffffffn));
}

/** Writes a slot (tag byte, u64 value) at `position`. */
export function writeSlot(bytes: Uint8Array, position: number, tag: number, value: number | bigint, full = false): void {
  bytes[position] = (full ? 0x80 : 0) | tag;
  writeU64(bytes, position + 1, value);
}

/** The tag and value of the slot at `position`. */
export function readSlotAt(bytes: Uint8Array, position: number): { tag: number; full: boolean; value: number } {
  const byte = bytes[position] as number;
  return { tag: byte & 0x7f, full: (byte & 0x80) !== 0, value: readU64(bytes, position + 1) };
}

/** Position of the first slot with `tag` in the index block at `block`, or -1. */
export function findSlot(bytes: Uint8Array, block: number, tag: number, stride = SLOT_SIZE): number {
  for (let i = 0; i < 16; i++) if (((bytes[block + i * stride] as number) & 0x7f) === tag) return block + i * stride;
  return -1;
}

/** A moment's value under `key` in its root map, as a cursor. */
export function valueAt(engine: Engine, moment: number, ...path: Array<string | number>): ReadCursor {
  const cursor = engine.moment(moment).readPath(path);
  if (cursor === undefined) throw new Error(`no value at ${path.join('/')}`);
  return cursor;
}

export { Tag };
