// Hash maps and sets: key identity, collisions at 1 to 4 shared nibbles, branch
// collapse on remove, counted variants, and hasher checks on open.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { fixedHasher, tinyHasher } from '../../src/hash/test-hashers.js';
import { createXxHash128Hasher } from '../../src/hash/xxhash128.js';
import { CorruptDatabaseError, HashCollisionError, IncompatibleDatabaseError, WrongTypeError } from '../../src/errors.js';
import { INDEX_BLOCK_SIZE, SLOT_SIZE } from '../../src/format/constants.js';
import { Tag } from '../../src/format/tags.js';
import { hashNibble } from '../../src/hamt/hash-map.js';
import { backends } from '../support/backends.js';

/** A 4-byte hash whose low `shared` nibbles are equal across keys, differing in the next. */
function sharingHashes(shared: number, keys: string[]): Map<string, Uint8Array> {
  const table = new Map<string, Uint8Array>();
  keys.forEach((key, index) => {
    // Nibble k (from the least significant end) is 0x5 for k < shared; nibble `shared` is the key's index.
    let value = 0;
    for (let k = 0; k < shared; k++) value += 5 * 16 ** k;
    value += (index + 1) * 16 ** shared;
    const hash = new Uint8Array(4);
    new DataView(hash.buffer).setUint32(0, value);
    table.set(key, hash);
  });
  return table;
}

/** Depth at which `key`'s kv pair sits in the map under `root`. */
function depthOf(engine: Engine, root: number, hash: Uint8Array): number {
  let block = root;
  for (let level = 0; ; level++) {
    const slot = engine.io.readSlot(block + SLOT_SIZE * hashNibble(hash, level));
    if (slot.tag === Tag.KV_PAIR) return level;
    if (slot.tag !== Tag.INDEX) return -1;
    block = slot.position;
  }
}

describe.each(backends)('hash maps on $name', (backend) => {
  for (const shared of [1, 2, 3, 4]) {
    it(`keeps two keys whose hashes share ${shared} nibble(s) apart, and collapses the branch when one goes`, () => {
      const table = sharingHashes(shared, ['left', 'right']);
      const engine = Engine.open(backend.slot().open(), { hasher: fixedHasher(4, table) });
      engine.transact((root) => {
        const map = root.hashMap();
        map.put('left').writeString('L');
        map.put('right').writeString('R');
      });
      const map = engine.moment(-1).asHashMap();
      expect(map.get('left')?.readString()).toBe('L');
      expect(map.get('right')?.readString()).toBe('R');
      const root = engine.moment(-1).slot.position;
      expect(depthOf(engine, root, table.get('left')!)).toBe(shared);
      engine.transact((root) => expect(root.hashMap().remove('left')).toBe(true));
      const after = engine.moment(-1);
      expect(after.asHashMap().get('left')).toBeUndefined();
      expect(after.asHashMap().get('right')?.readString()).toBe('R');
      // Every branch that held the pair collapsed: the survivor sits in the root block again.
      expect(depthOf(engine, after.slot.position, table.get('right')!)).toBe(0);
      engine.close();
    });
  }

  it('refuses a second key with the same full hash instead of replacing the first', () => {
    const same = new Uint8Array([1, 2, 3, 4]);
    const engine = Engine.open(backend.slot().open(), { hasher: fixedHasher(4, new Map([['a', same], ['b', same]])) });
    engine.transact((root) => root.hashMap().put('a').writeString('first'));
    expect(() => engine.transact((root) => root.hashMap().put('b').writeString('second'))).toThrow(HashCollisionError);
    const map = engine.moment(-1).asHashMap();
    expect(map.get('a')?.readString()).toBe('first');
    expect(map.get('b')).toBeUndefined();
    expect(map.has('b')).toBe(false);
    expect(engine.momentCount).toBe(1);
    engine.close();
  });

  it('keeps a branch that holds a single index slot, as the format requires', () => {
    // a and b share 3 nibbles; c differs from both at nibble 1. Removing c leaves the
    // level-1 block with one index slot (the a/b branch), which must stay.
    const table = new Map<string, Uint8Array>([
      ['a', new Uint8Array([0, 0, 0x15, 0x55])],
      ['b', new Uint8Array([0, 0, 0x25, 0x55])],
      ['c', new Uint8Array([0, 0, 0x00, 0x65])],
    ]);
    const engine = Engine.open(backend.slot().open(), { hasher: fixedHasher(4, table) });
    engine.transact((root) => {
      const map = root.hashMap();
      for (const key of ['a', 'b', 'c']) map.put(key).writeString(key);
    });
    engine.transact((root) => root.hashMap().remove('c'));
    const after = engine.moment(-1);
    expect(depthOf(engine, after.slot.position, table.get('a')!)).toBe(3);
    expect(after.asHashMap().get('a')?.readString()).toBe('a');
    expect(after.asHashMap().get('b')?.readString()).toBe('b');
    engine.close();
  });

  it('keeps counts of counted maps and sets through puts, overwrites and removes', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: tinyHasher(3) });
    engine.transact((root) => {
      const map = root.hashMap();
      const counted = map.put('counted').countedHashMap();
      for (let i = 0; i < 100; i++) counted.put(`k${i}`).writeUint(i);
      for (let i = 0; i < 100; i++) counted.put(`k${i}`).writeUint(i * 2);
      for (let i = 0; i < 100; i += 2) counted.remove(`k${i}`);
      counted.remove('absent');
      const set = map.put('set').countedHashSet();
      for (let i = 0; i < 50; i++) set.add(`m${i % 25}`);
      set.remove('m0');
    });
    const map = engine.moment(-1).asHashMap();
    expect(map.get('counted')!.count()).toBe(50);
    expect(map.get('counted')!.asHashMap().get('k1')?.readUint()).toBe(2n);
    expect(map.get('set')!.count()).toBe(24);
    expect(map.get('set')!.asHashSet().has('m0')).toBe(false);
    expect(map.get('set')!.asHashSet().has('m1')).toBe(true);
    engine.close();
  });

  it('raises WrongTypeError when a map operation meets a list', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('list').arrayList().append().writeUint(1));
    expect(() => engine.transact((root) => root.hashMap().put('list').hashMap())).toThrow(WrongTypeError);
    expect(() => engine.moment(-1).asHashMap().get('list')!.asHashMap()).toThrow(WrongTypeError);
    engine.close();
  });
});

describe('Engine.open hasher checks', () => {
  it('refuses a database written with another hasher with IncompatibleDatabaseError', async () => {
    const storage = new MemoryStorage();
    Engine.open(storage, { hasher: sha1Hasher }).transact((root) => root.hashMap().put('k').writeUint(1));
    const xx = await createXxHash128Hasher();
    expect(() => Engine.open(MemoryStorage.fromBytes(storage.toBytes()), { hasher: xx })).toThrow(IncompatibleDatabaseError);
    expect(() => Engine.open(MemoryStorage.fromBytes(storage.toBytes()), { hasher: tinyHasher(2) })).toThrow(/sha1/);
    expect(() => Engine.open(MemoryStorage.fromBytes(storage.toBytes()), { knownHashers: [xx] })).toThrow(IncompatibleDatabaseError);
    const picked = Engine.open(MemoryStorage.fromBytes(storage.toBytes()), { knownHashers: [xx, sha1Hasher] });
    expect(picked.hasher).toBe(sha1Hasher);
    expect(picked.moment(-1).asHashMap().get('k')?.readUint()).toBe(1n);
  });

  it('creates a database with the 16-byte xx16 hash by default through openEngine', async () => {
    const { openEngine } = await import('../../src/open.js');
    const engine = await openEngine(new MemoryStorage());
    expect(engine.header.hashSize).toBe(16);
    engine.transact((root) => root.hashMap().put('k').writeUint(7));
    expect(engine.moment(-1).asHashMap().get('k')?.readUint()).toBe(7n);
    expect(engine.storage.size()).toBeGreaterThan(INDEX_BLOCK_SIZE);
  });
});

describe('WriteCursor.writePath and ReadCursor.readPath', () => {
  it('creates intermediate maps, indexes lists, and reads the same path back', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => {
      root.writePath(['users', 'alice', 'name']).writeString('Alice');
      const list = root.writePath(['users', 'alice', 'tags']).arrayList();
      list.append().writeString('admin');
      list.append().writeString('ops');
      root.writePath(['users', 'alice', 'tags', -1]).writeString('owner');
      root.writePath(['stats']).countedHashMap();
      root.writePath(['stats', 'logins']).writeUint(3);
    });
    const root = engine.moment(-1);
    expect(root.readPath(['users', 'alice', 'name'])?.readString()).toBe('Alice');
    expect(root.readPath(['users', 'alice', 'tags', 1])?.readString()).toBe('owner');
    expect(root.readPath(['users', 'alice', 'tags', 2])).toBeUndefined();
    expect(root.readPath(['users', 'bob', 'name'])).toBeUndefined();
    expect(root.readPath(['stats'])?.tag).toBe(Tag.COUNTED_HASH_MAP);
    expect(root.readPath(['stats', 'logins'])?.readUint()).toBe(3n);
    expect(() => root.readPath(['users', 'alice', 'name', 'x'])).toThrow(WrongTypeError);
  });
});

describe('tagged keys', () => {
  it('keeps a string key and the same bytes with a format tag apart', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    const tagged = { bytes: new TextEncoder().encode('1'), formatTag: new TextEncoder().encode('nu') };
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('1').writeString('string one');
      map.put(tagged).writeString('number one');
    });
    const map = engine.moment(-1).asHashMap();
    expect(map.get('1')?.readString()).toBe('string one');
    expect(map.get(tagged)?.readString()).toBe('number one');
    expect(map.count()).toBe(2);
    const keys = [...map.keys()].map((k) => [k.readString(), k.formatTag() === undefined ? null : new TextDecoder().decode(k.formatTag())]);
    expect(keys).toContainEqual(['1', null]);
    expect(keys).toContainEqual(['1', 'nu']);
    engine.transact((root) => expect(root.hashMap().remove(tagged)).toBe(true));
    expect(engine.moment(-1).asHashMap().get('1')?.readString()).toBe('string one');
    expect(engine.moment(-1).asHashMap().has(tagged)).toBe(false);
  });
  it('stores keys and string values of every length and script exactly (shared encoding buffers)', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: await createXxHash128Hasher() });
    const pieces = ['a', 'é', '日', '\u{1f600}', '\u0000', 'z'];
    const texts: string[] = [];
    for (let length = 0; length < 700; length += length < 40 ? 1 : 37) {
      let text = '';
      for (let i = 0; i < length; i++) text += pieces[(i * 7 + length) % pieces.length];
      texts.push(text, `k${length}`);
    }
    // Past the shared buffers' limit: encoded into arrays of their own.
    texts.push('é'.repeat(5000), 'q'.repeat(9000));
    engine.transact((root) => {
      const map = root.hashMap();
      // Each put's value is the next key: the value's encoding must not clobber the key's.
      texts.forEach((text, i) => map.put(text).writeString(texts[(i + 1) % texts.length]!));
      const set = root.hashMap().put('set').hashSet();
      for (const text of texts) set.add(text);
    });
    const map = engine.moment(-1).asHashMap();
    texts.forEach((text, i) => expect(map.get(text)?.readString(), `key ${JSON.stringify(text).slice(0, 40)}`).toBe(texts[(i + 1) % texts.length]));
    const keys = [...map.keys()].map((key) => key.readString());
    expect(new Set(keys)).toEqual(new Set([...texts, 'set']));
    const set = map.get('set')!.asHashSet();
    for (const text of texts) expect(set.has(text)).toBe(true);
    expect(set.has('absent')).toBe(false);
    engine.close();
  });
  it('visits with forEach exactly the entries that entries() yields, in the same order', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: await createXxHash128Hasher() });
    engine.transact((root) => {
      const big = root.hashMap().put('big').hashMap();
      for (let i = 0; i < 3000; i++) big.put(`key${i}`).writeUint(i);
      root.hashMap().put('empty').hashMap();
      // Walks gather pairs in batches of 16: sizes on both sides of one and two batches.
      for (const size of [1, 15, 16, 17, 32, 33]) {
        const small = root.hashMap().put(`size${size}`).hashMap();
        for (let i = 0; i < size; i++) small.put(`key${i}`).writeUint(i);
      }
    });
    const map = engine.moment(-1).asHashMap();
    for (const [name, size] of [['big', 3000], ['empty', 0], ['size1', 1], ['size15', 15], ['size16', 16], ['size17', 17], ['size32', 32], ['size33', 33]] as const) {
      const inner = map.get(name)!.asHashMap();
      const viaEntries = [...inner.entries()].map((entry) => [entry.key.readString(), Number(entry.value.readUint())]);
      const viaForEach: Array<[string, number]> = [];
      inner.forEach((value, key) => viaForEach.push([key.readString(), Number(value.readUint())]));
      expect(viaForEach).toEqual(viaEntries);
      // Every entry once, each with its own value.
      const expected = Array.from({ length: size }, (_, i) => [`key${i}`, i]);
      expect([...viaForEach].sort((a, b) => a[1] - b[1])).toEqual(expected);
    }
    engine.close();
  });
});

describe('hash map walks over a damaged index block', () => {
  it('hands out every pair before a damaged slot of an index block, then fails there with CorruptDatabaseError', () => {
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => {
      const map = root.hashMap().put('m').hashMap();
      for (let i = 0; i < 300; i++) map.put(`key${i}`).writeUint(i);
    });
    const inner = (e: Engine) => e.moment(-1).asHashMap().get('m')!.asHashMap();
    const order = [...inner(engine).entries()].map((entry) => entry.key.readString());
    const hashSize = engine.io.hashSize;
    // Walks gather pairs in batches of 16: damage in the middle of the third batch, and at a batch's first and last pair.
    for (const victim of [39, 32, 47]) {
      const kv = inner(engine).get(order[victim]!)!.slotPosition - hashSize - SLOT_SIZE;
      const bytes = storage.toBytes().slice();
      const pointing: number[] = [];
      for (let at = 0; at + SLOT_SIZE <= bytes.length; at++) {
        if ((bytes[at]! & 0x7f) !== Tag.KV_PAIR) continue;
        const view = new DataView(bytes.buffer, at + 1, 8);
        if (view.getUint32(0) * 2 ** 32 + view.getUint32(4) === kv) pointing.push(at);
      }
      expect(pointing).toHaveLength(1);
      bytes[pointing[0]!] = Tag.UINT;
      const damaged = Engine.open(MemoryStorage.fromBytes(bytes), { hasher: sha1Hasher });
      const map = inner(damaged);
      const walks: Record<string, (seen: string[]) => void> = {
        entries: (seen) => {
          for (const entry of map.entries()) seen.push(entry.key.readString());
        },
        forEach: (seen) => map.forEach((_, key) => seen.push(key.readString())),
        keys: (seen) => {
          for (const key of map.keys()) seen.push(key.readString());
        },
      };
      for (const [name, walk] of Object.entries(walks)) {
        const seen: string[] = [];
        expect(() => walk(seen), name).toThrow(CorruptDatabaseError);
        expect(seen, `${name}, damage at ${victim}`).toEqual(order.slice(0, victim));
      }
      expect(() => map.count()).toThrow(CorruptDatabaseError);
      damaged.close();
    }
    engine.close();
  });
});
