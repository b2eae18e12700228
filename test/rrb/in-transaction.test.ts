// Linked lists inside one transaction, where blocks change in place: a concat
// puts item slots in two places, so the structures they point to must be
// copied before either place changes them; a read view of a list the
// transaction wrote follows its later writes instead of failing; and appends
// to lists whose blocks have gaps (written by other implementations) go after
// the last item.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { Slot, uintSlot } from '../../src/format/slot.js';
import { Tag } from '../../src/format/tags.js';
import { LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE } from '../../src/rrb/linked-list-read.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { OutOfRangeError, TransactionError } from '../../src/errors.js';

const fresh = (): Engine => Engine.open(new MemoryStorage(), { hasher: sha1Hasher });

describe('concat within one transaction', () => {
  it('keeps a nested structure of the other list apart from the joined one', () => {
    const engine = fresh();
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('m').linkedArrayList().append().hashMap().put('x').writeUint(1);
      const joined = map.put('l').linkedArrayList();
      joined.concat(map.get('m')!);
      joined.put(0).hashMap().put('x').writeUint(2);
      // Inside the transaction too.
      expect(map.get('m')!.asLinkedArrayList().get(0).asHashMap().get('x')!.readNumber()).toBe(1);
    });
    const map = engine.moment(-1).asHashMap();
    expect(map.get('m')!.asLinkedArrayList().get(0).asHashMap().get('x')!.readNumber()).toBe(1);
    expect(map.get('l')!.asLinkedArrayList().get(0).asHashMap().get('x')!.readNumber()).toBe(2);
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('keeps the two copies of an item apart after a concat of a list with itself', () => {
    const engine = fresh();
    engine.transact((root) => {
      const list = root.hashMap().put('l').linkedArrayList();
      list.append().arrayList().append().writeUint(1);
      list.concat(root.hashMap().get('l')!);
      list.put(0).arrayList().append().writeUint(2);
    });
    const list = engine.moment(-1).asHashMap().get('l')!.asLinkedArrayList();
    const items = [...list.items()].map((item) => [...item.asArrayList().items()].map((value) => value.readNumber()));
    expect(items).toEqual([[1, 2], [1]]);
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('leaves cursors taken before the concat usable', () => {
    const engine = fresh();
    engine.transact((root) => {
      const map = root.hashMap();
      const list = map.put('l').linkedArrayList();
      list.append().writeUint(1);
      const other = map.put('other');
      list.concat(map.get('l')!);
      other.writeUint(7);
      list.append().writeUint(3);
    });
    const map = engine.moment(-1).asHashMap();
    expect(map.get('other')!.readNumber()).toBe(7);
    expect([...map.get('l')!.asLinkedArrayList().items()].map((item) => item.readNumber())).toEqual([1, 1, 3]);
  });
});

describe('a read view of a linked list written in the same transaction', () => {
  it('follows the list through appends, puts and removes, and never reports corruption', () => {
    const engine = fresh();
    engine.transact((root) => {
      const list = root.hashMap().put('l').linkedArrayList();
      for (let i = 0; i < 3; i++) list.append().writeUint(i);
      const view = list.read();
      const model = [0, 1, 2];
      const check = (): void => {
        expect(view.count()).toBe(model.length);
        expect([...view.items()].map((item) => item.readNumber())).toEqual(model);
        expect([...view.itemsBackward()].map((item) => item.readNumber())).toEqual([...model].reverse());
        model.forEach((value, i) => expect(view.get(i).readNumber()).toBe(value));
      };
      list.append().writeUint(3);
      model.push(3);
      check();
      list.put(0).writeUint(100);
      model[0] = 100;
      check();
      list.remove(0);
      model.shift();
      check();
      for (let i = 0; i < 300; i++) {
        list.append().writeUint(1000 + i);
        model.push(1000 + i);
      }
      list.insert(5).writeUint(7777);
      model.splice(5, 0, 7777);
      check();
    });
  });

  it('of a committed list stays a snapshot while the transaction writes', () => {
    const engine = fresh();
    engine.transact((root) => {
      const list = root.hashMap().put('l').linkedArrayList();
      for (let i = 0; i < 3; i++) list.append().writeUint(i);
    });
    engine.transact((root) => {
      // Read before any write: the view stands on the committed header.
      const view = root.hashMap().get('l')!.asLinkedArrayList();
      const list = root.hashMap().put('l').linkedArrayList();
      list.append().writeUint(3);
      list.put(0).writeUint(100);
      expect([...view.items()].map((item) => item.readNumber())).toEqual([0, 1, 2]);
      expect([...list.read().items()].map((item) => item.readNumber())).toEqual([100, 1, 2, 3]);
    });
  });
});

describe('appending to a list whose blocks have gaps', () => {
  it('puts the new item after the last one, keeping every item', () => {
    const engine = fresh();
    // A leaf as another implementation may write it (FORMAT.md §Linked array
    // lists): slot 0 empty, items 10, 11, 12 in slots 1 to 3.
    engine.transact((root) => {
      const leaf = new Uint8Array(16 * LINKED_SLOT_SIZE);
      for (let i = 0; i < 3; i++) leaf.set(uintSlot(10 + i).toBytes(), (i + 1) * LINKED_SLOT_SIZE);
      const leafPosition = engine.io.append(leaf);
      const header = new Uint8Array(LINKED_LIST_HEADER_SIZE);
      const view = new DataView(header.buffer);
      view.setUint32(4, 3);
      view.setUint32(12, leafPosition);
      root.hashMap().put('l').writeSlot(Slot.pointer(Tag.LINKED_ARRAY_LIST, engine.io.append(header)));
    });
    const read = (): number[] => [...engine.moment(-1).asHashMap().get('l')!.asLinkedArrayList().items()].map((item) => item.readNumber());
    expect(read()).toEqual([10, 11, 12]);
    engine.transact((root) => root.hashMap().put('l').linkedArrayList().append().writeUint(99));
    expect(read()).toEqual([10, 11, 12, 99]);
    // Past the leaf's last slot: a new leaf, the list one level deeper.
    engine.transact((root) => {
      const list = root.hashMap().put('l').linkedArrayList();
      for (let i = 0; i < 20; i++) list.append().writeUint(i);
    });
    expect(read()).toEqual([10, 11, 12, 99, ...Array.from({ length: 20 }, (_, i) => i)]);
    expect(verifyDatabase(engine).problems).toEqual([]);
  });
});

describe('cursors on linked list items taken before a sharing operation', () => {
  const items = (engine: Engine, key: string): Array<number | null> =>
    [...engine.moment(-1).asHashMap().get(key)!.asLinkedArrayList()].map((item) => (item.isNone ? null : item.readNumber()));

  it('refuse to write after a concat, so no write reaches two items or the other list', () => {
    const engine = fresh();
    engine.transact((root) => {
      const list = root.hashMap().put('l').linkedArrayList();
      for (let i = 0; i < 100; i++) list.append().writeUint(i);
      const item = list.put(16);
      list.concat(root.hashMap().get('l')!);
      expect(() => item.writeUint(99)).toThrow(TransactionError);
      // A new cursor writes one item only.
      list.put(16).writeUint(99);
    });
    const values = items(engine, 'l');
    expect([values[16], values[116]]).toEqual([99, 16]);

    engine.transact((root) => {
      const map = root.hashMap();
      const item = map.put('a').linkedArrayList().append();
      item.writeUint(1);
      const nested = map.put('a').linkedArrayList().append().hashMap();
      const value = nested.put('x');
      value.writeUint(1);
      map.put('b').linkedArrayList().concat(map.get('a')!);
      expect(() => item.writeUint(2)).toThrow(TransactionError);
      expect(() => value.writeUint(2)).toThrow(TransactionError);
      expect(() => nested.put('y')).toThrow(TransactionError);
    });
    const moment = engine.moment(-1).asHashMap();
    expect(moment.get('b')!.asLinkedArrayList().get(0).readNumber()).toBe(1);
    expect(moment.get('b')!.asLinkedArrayList().get(1).asHashMap().get('x')!.readNumber()).toBe(1);
    expect(moment.get('a')!.asLinkedArrayList().get(1).asHashMap().get('x')!.readNumber()).toBe(1);
  });

  it('refuse to write after a slice elsewhere, instead of writing into a leaf the list no longer uses', () => {
    const engine = fresh();
    engine.transact((root) => {
      const map = root.hashMap();
      const a = map.put('a').linkedArrayList();
      const b = map.put('b').linkedArrayList();
      b.append().writeUint(0);
      const item = a.append();
      b.slice(0, 1);
      a.append().writeUint(2);
      expect(() => item.writeUint(1)).toThrow(TransactionError);
      a.put(0).writeUint(1);
    });
    expect(items(engine, 'a')).toEqual([1, 2]);
  });

  it('stay writable when no sharing operation ran since they were taken, inserts included', () => {
    const engine = fresh();
    engine.transact((root) => {
      const list = root.hashMap().put('l').linkedArrayList();
      const first = list.append();
      const second = list.append();
      second.writeUint(2);
      first.writeUint(1);
      const inserted = list.insert(1);
      inserted.writeUint(9);
      inserted.writeUint(10);
    });
    expect(items(engine, 'l')).toEqual([1, 10, 2]);
  });
});

describe('linked list limits', () => {
  it('refuses a concat past 2^53 - 1 items with OutOfRangeError, and commits nothing unreadable', () => {
    const engine = fresh();
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('l').linkedArrayList().append().writeUint(7);
      let refused = false;
      for (let k = 0; k < 60 && !refused; k++) {
        try {
          map.put('l').linkedArrayList().concat(map.get('l')!);
        } catch (error) {
          expect(error).toBeInstanceOf(OutOfRangeError);
          refused = true;
        }
      }
      expect(refused).toBe(true);
    });
    expect(engine.moment(-1).asHashMap().get('l')!.asLinkedArrayList().count()).toBe(2 ** 52);
  });
});
