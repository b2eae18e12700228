// WriteCursor.writeSlot takes a slot as it is, so it is the one place where a
// caller can hand the engine a pointer: it must refuse one that points past the
// data, one from another database, and tags that are not values, before
// anything is written, leaving the transaction usable.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { Slot } from '../../src/format/slot.js';
import { Tag } from '../../src/format/tags.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';

function newEngine(): Engine {
  return Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
}

/** A database with a list, a nested map, a set and a long string. */
function sample(): Engine {
  const engine = newEngine();
  engine.transact((root) => {
    const map = root.hashMap();
    const list = map.put('list').arrayList();
    for (let i = 0; i < 40; i++) list.append().writeUint(i);
    const nested = map.put('nested').hashMap();
    for (let i = 0; i < 40; i++) nested.put(`k${i}`).writeString(`a value long enough to be stored as long bytes ${i}`);
    map.put('set').hashSet().add('member');
    map.put('linked').linkedArrayList().append().writeUint(1);
    map.put('text').writeString('a long string, stored as long bytes in the data');
  });
  return engine;
}

/**
 * Stores 42 at `target`, then runs `bad` on the cursor of `target` inside a
 * transaction that then writes `after` = 1 and commits: `bad` must throw
 * InvalidArgumentError, `target` must still hold 42 and `after` must be 1.
 */
function expectRefusedAndTransactionGoesOn(engine: Engine, bad: (target: WriteCursor) => void): void {
  engine.transact((root) => root.hashMap().put('target').writeUint(42));
  let thrown: unknown;
  engine.transact((root) => {
    const map = root.hashMap();
    map.put('after').writeUint(0);
    try {
      bad(map.put('target'));
    } catch (error) {
      thrown = error;
    }
    map.put('after').writeUint(1);
  });
  expect(thrown, String(bad)).toBeInstanceOf(InvalidArgumentError);
  const map = engine.moment(-1).asHashMap();
  expect(map.get('target')?.readUint()).toBe(42n);
  expect(map.get('after')?.readUint()).toBe(1n);
}

describe('WriteCursor.writeSlot', () => {
  it('refuses a pointer past the end of the data, and the transaction goes on with nothing of it written', () => {
    const engine = sample();
    for (const tag of [Tag.HASH_MAP, Tag.HASH_SET, Tag.ARRAY_LIST, Tag.LINKED_ARRAY_LIST, Tag.BYTES, Tag.COUNTED_HASH_MAP, Tag.COUNTED_HASH_SET]) {
      expectRefusedAndTransactionGoesOn(engine, (target) => target.writeSlot(Slot.pointer(tag, engine.storage.size() + 1000)));
      // A record that starts inside the data but runs past its end.
      expectRefusedAndTransactionGoesOn(engine, (target) => target.writeSlot(Slot.pointer(tag, engine.storage.size() - 4)));
    }
    // Into the file header.
    expectRefusedAndTransactionGoesOn(engine, (target) => target.writeSlot(Slot.pointer(Tag.HASH_MAP, 0)));
  });

  it('refuses tags that are not values: a kv pair, an index block, the gen-2 tags and unknown tags', () => {
    const engine = sample();
    const nested = engine.moment(-1).asHashMap().get('nested')!.slot.position;
    // Slot 0..15 of the nested map's root: some hold a kv pair or an index block, both real records of this database.
    const inner: Slot[] = [];
    for (let i = 0; i < 16; i++) {
      const slot = engine.io.readSlot(nested + 9 * i);
      if (slot.tag === Tag.KV_PAIR || slot.tag === Tag.INDEX) inner.push(slot);
    }
    expect(inner.some((slot) => slot.tag === Tag.KV_PAIR) || inner.some((slot) => slot.tag === Tag.INDEX)).toBe(true);
    for (const slot of [...inner, new Slot(14, false, 0, 100), new Slot(15, false, 0, 100), new Slot(16, false, 0, 0), new Slot(127, true, 0, 0)]) {
      expectRefusedAndTransactionGoesOn(engine, (target) => target.writeSlot(slot));
    }
  });

  it('refuses a slot read from another database whose position holds no record of its kind here', () => {
    // The big database's structures come after 64 kB of text: far past the small one's end.
    const big = newEngine();
    big.transact((root) => root.hashMap().put('filler').writeString('x'.repeat(65536)));
    big.transact((root) => {
      const map = root.hashMap();
      map.put('list').arrayList().append().writeUint(1);
      map.put('nested').hashMap().put('k').writeUint(1);
      map.put('set').hashSet().add('member');
      map.put('linked').linkedArrayList().append().writeUint(1);
    });
    const small = newEngine();
    small.transact((root) => root.hashMap().put('text').writeString('another long string stored as long bytes'));
    const bigMap = big.moment(-1).asHashMap();
    // Past the small database's end.
    for (const key of ['list', 'nested', 'set', 'linked']) {
      const slot = bigMap.get(key)!.slot;
      expect(slot.position).toBeGreaterThan(small.storage.size());
      expectRefusedAndTransactionGoesOn(small, (target) => target.writeSlot(slot));
    }
    // Inside the small database, at a record of another kind: its long string's record read as a map, a list and a set.
    const textPosition = small.moment(-1).asHashMap().get('text')!.slot.position;
    for (const tag of [Tag.HASH_MAP, Tag.ARRAY_LIST, Tag.LINKED_ARRAY_LIST, Tag.HASH_SET]) {
      expectRefusedAndTransactionGoesOn(small, (target) => target.writeSlot(Slot.pointer(tag, textPosition)));
    }
  });

  it('refuses a cursor of another database even where its slot would land on a record of the same kind', () => {
    // Two databases written the same way have the same layout: only the cursor can tell them apart.
    const a = sample();
    const b = sample();
    const fromA = a.moment(-1).asHashMap().get('nested')!;
    expect(fromA.slot.position).toBe(b.moment(-1).asHashMap().get('nested')!.slot.position);
    expectRefusedAndTransactionGoesOn(b, (target) => target.writeSlot(fromA));
  });

  it('refuses arguments that are neither a Slot nor a cursor', () => {
    const engine = sample();
    for (const value of [undefined, null, 5, 'slot', { tag: Tag.UINT, full: false, hi: 0, lo: 1 }]) {
      expectRefusedAndTransactionGoesOn(engine, (target) => target.writeSlot(value as Slot));
    }
  });

  it('still clones a value of the same database, from its slot or its cursor, and writes inline values', () => {
    const engine = sample();
    engine.transact((root) => {
      const map = root.hashMap();
      for (const key of ['list', 'nested', 'set', 'linked', 'text']) {
        map.put(`${key}-by-slot`).writeSlot(map.get(key)!.slot);
        map.put(`${key}-by-cursor`).writeSlot(map.get(key)!);
      }
      map.put('uint').writeSlot(new Slot(Tag.UINT, false, 0, 7));
      map.put('none').writeSlot(Slot.EMPTY);
    });
    const map = engine.moment(-1).asHashMap();
    for (const key of ['list', 'nested', 'set', 'linked', 'text']) {
      expect(map.get(`${key}-by-slot`)!.slot.equals(map.get(key)!.slot)).toBe(true);
      expect(map.get(`${key}-by-cursor`)!.slot.equals(map.get(key)!.slot)).toBe(true);
    }
    expect(map.get('nested-by-cursor')!.asHashMap().get('k3')!.readString()).toBe('a value long enough to be stored as long bytes 3');
    expect(map.get('uint')!.readUint()).toBe(7n);
    expect(map.get('none')!.isNone).toBe(true);
  });
});

describe('linked list appendSlot and concat', () => {
  it('appendSlot refuses what writeSlot refuses, and appends nothing', () => {
    const engine = sample();
    const text = engine.moment(-1).asHashMap().get('text')!.slot;
    const bad: Slot[] = [
      Slot.pointer(Tag.INDEX, 36),
      Slot.pointer(Tag.KV_PAIR, 36),
      Slot.pointer(Tag.HASH_MAP, engine.storage.size() + 1_000_000),
      Slot.pointer(Tag.BYTES, 3),
      // A map pointer at the text of a long string: not a map's root block.
      new Slot(Tag.HASH_MAP, false, 0, text.position + 8),
    ];
    for (const slot of bad) {
      engine.transact((root) => {
        const list = root.hashMap().put('linked').linkedArrayList();
        expect(() => list.appendSlot(slot)).toThrow(InvalidArgumentError);
        expect(list.count()).toBe(1);
      });
    }
    engine.transact((root) => {
      const list = root.hashMap().put('linked').linkedArrayList();
      expect(list.appendSlot(new Slot(Tag.UINT, false, 0, 7))).toBe(2);
      expect(list.appendSlot(root.hashMap().put('nested').slot)).toBe(3);
    });
  });

  it('concat refuses a cursor of another database', () => {
    const engine = sample();
    const other = sample();
    const foreign = other.moment(-1).asHashMap().get('linked')!;
    engine.transact((root) => {
      const list = root.hashMap().put('linked').linkedArrayList();
      expect(() => list.concat(foreign)).toThrow(InvalidArgumentError);
      expect(list.count()).toBe(1);
    });
  });
});
