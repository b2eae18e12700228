// Sorted maps and sets at the cursor level (FORMAT.md §Sorted maps): paths
// through them, clones within a transaction, keys compared as unsigned bytes,
// and the kinds of error a caller meets.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfRangeError, WrongTypeError } from '../../src/errors.js';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { checkSortedTree } from '../../src/sorted/check.js';
import { verifyDatabase } from '../../src/history/verify.js';

function newEngine(): Engine {
  return Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
}

describe('WriteCursor.writePath and ReadCursor.readPath', () => {
  it('step into a sorted map by key, creating the entry on write', () => {
    const engine = newEngine();
    engine.transact((root) => {
      root.hashMap().put('index').sortedMap().put('b').hashMap().put('name').writeString('Bee');
      root.writePath(['index', 'a', 'name']).writeString('Ay');
    });
    const root = engine.moment(-1);
    expect(root.readPath(['index', 'a', 'name'])?.readString()).toBe('Ay');
    expect(root.readPath(['index', 'b', 'name'])?.readString()).toBe('Bee');
    expect(root.readPath(['index', 'c'])).toBeUndefined();
    expect([...root.readPath(['index'])!.asSortedMap().entries()].map((e) => e.key.readString())).toEqual(['a', 'b']);
    expect(() => root.readPath(['index', { bytes: Uint8Array.of(1), formatTag: Uint8Array.of(1, 2) }])).toThrow(InvalidArgumentError);
  });
});

describe('WriteSortedMap', () => {
  it('orders keys as unsigned bytes: a prefix first, 0x00 and 0xff where bytes put them, UTF-8 after ASCII', () => {
    const engine = newEngine();
    const keys = [Uint8Array.of(0xff), Uint8Array.of(0), new Uint8Array(0), Uint8Array.of(0x61, 0x62), Uint8Array.of(0x61), Uint8Array.of(0xc3, 0xa9), Uint8Array.of(0x7f, 0)];
    engine.transact((root) => {
      const map = root.sortedMap();
      for (const key of keys) map.put(key).writeUint(key.length);
    });
    const read = [...engine.moment(-1).asSortedMap().entries()].map((e) => Array.from(e.key.readBytes()));
    expect(read).toEqual([[], [0], [0x61], [0x61, 0x62], [0x7f, 0], [0xc3, 0xa9], [0xff]]);
  });

  it('keeps a clone made in the same transaction apart from its source once frozen', () => {
    const engine = newEngine();
    engine.transact((root) => {
      const map = root.hashMap();
      const source = map.put('source').sortedMap();
      for (let i = 0; i < 100; i++) source.put(`k${String(i).padStart(3, '0')}`).writeUint(i);
      map.put('clone').writeSlot(map.get('source')!);
      engine.freeze();
      const clone = map.put('clone').sortedMap();
      clone.remove('k050');
      clone.put('k050x').writeUint(1);
      clone.put('k000').writeUint(999);
    });
    const root = engine.moment(-1).asHashMap();
    const source = root.get('source')!.asSortedMap();
    const clone = root.get('clone')!.asSortedMap();
    expect(source.count()).toBe(100);
    expect(source.get('k050')?.readUint()).toBe(50n);
    expect(source.get('k000')?.readUint()).toBe(0n);
    expect(clone.count()).toBe(100);
    expect(clone.has('k050')).toBe(false);
    expect(clone.get('k000')?.readUint()).toBe(999n);
    expect(checkSortedTree(engine.io, root.get('source')!.slot.position)).toEqual([]);
    expect(checkSortedTree(engine.io, root.get('clone')!.slot.position)).toEqual([]);
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('refuses the wrong kind and indexes outside the map with typed errors', () => {
    const engine = newEngine();
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('s').sortedSet().add('x');
      expect(() => map.put('s').sortedMap()).toThrow(WrongTypeError);
      expect(() => map.put('s').hashMap()).toThrow(WrongTypeError);
    });
    const set = engine.moment(-1).asHashMap().get('s')!;
    expect(() => set.asSortedMap()).toThrow(WrongTypeError);
    expect(() => set.asSortedSet().at(1)).toThrow(OutOfRangeError);
    expect(set.asSortedSet().at(-1).readString()).toBe('x');
    expect(set.count()).toBe(1);
  });

  it('removes an absent key without writing a node', () => {
    const engine = newEngine();
    engine.transact((root) => {
      const map = root.sortedMap();
      for (let i = 0; i < 40; i++) map.put(`k${i}`).writeUint(i);
    });
    engine.transact((root) => {
      const map = root.sortedMap();
      const before = engine.storage.size();
      expect(map.remove('absent')).toBe(false);
      expect(engine.storage.size()).toBe(before);
    });
  });
});
