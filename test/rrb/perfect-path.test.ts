// The radix shortcut of linked list reads: a subtree whose count is 16^(height+1)
// is read by digits, without counts. It must give the same items as the counted
// descent everywhere (committed and in-transaction reads, lists that are
// partly perfect), and a file whose counts claim a perfect subtree that is not
// there must give CorruptDatabaseError, never a wrong item or a TypeError.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { CorruptDatabaseError } from '../../src/errors.js';
import { uintSlot } from '../../src/format/slot.js';
import { treeSlotPosition } from '../../src/rrb/rrb-tree.js';
import { treeOf } from './support.js';

function build(count: number): { engine: Engine; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  const engine = Engine.open(storage, { hasher: sha1Hasher });
  engine.transact((root) => {
    const list = root.hashMap().put('list').linkedArrayList();
    for (let i = 0; i < count; i++) list.appendSlot(uintSlot(i));
  });
  return { engine, storage };
}

describe('linked list reads through perfect subtrees', () => {
  it('reads every item of perfect and almost perfect lists, committed and inside a transaction', () => {
    for (const count of [16, 256, 257, 4096, 4095, 4096 + 256 + 3]) {
      const { engine } = build(count);
      const list = engine.moment(-1).asHashMap().get('list')!.asLinkedArrayList();
      for (let i = 0; i < count; i++) expect(list.get(i).readNumber()).toBe(i);
      engine.transact((root) => {
        const writable = root.hashMap().put('list').linkedArrayList();
        // A slice breaks perfection at the edges; the inside stays perfect.
        writable.slice(5, count - 10);
        const view = writable.read();
        for (let i = 0; i < count - 10; i++) expect(view.get(i).readNumber(), `count ${count} item ${i}`).toBe(i + 5);
      });
      engine.close();
    }
  });

  it('serves random gets from one reader through its leaf cache, on radix-shaped and relaxed lists', () => {
    const { engine } = build(5000);
    engine.transact((root) => {
      const map = root.hashMap();
      // A relaxed list: the tail of the big one joined to a slice of itself.
      const other = map.put('other').linkedArrayList();
      for (let i = 0; i < 300; i++) other.appendSlot(uintSlot(10_000 + i));
      other.concat(map.read().get('list')!);
    });
    const map = engine.moment(-1).asHashMap();
    const expected = {
      list: Array.from({ length: 5000 }, (_, i) => i),
      other: [...Array.from({ length: 300 }, (_, i) => 10_000 + i), ...Array.from({ length: 5000 }, (_, i) => i)],
    };
    for (const [name, items] of Object.entries(expected)) {
      const list = map.get(name)!.asLinkedArrayList();
      let seed = 12345;
      for (let n = 0; n < 20_000; n++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const i = seed % items.length;
        expect(list.get(i).readNumber(), `${name} item ${i}`).toBe(items[i]);
      }
      expect(list.get(-1).readNumber()).toBe(items[items.length - 1]);
    }
    engine.close();
  });

  it('refuses a perfect count over a leaf with an empty slot, and over a branch slot that is not an index', () => {
    const { engine, storage } = build(256);
    const tree = treeOf(engine, engine.moment(-1).asHashMap().get('list')!);
    expect(tree).toMatchObject({ height: 1, count: 256 });
    const bytes = storage.toBytes();

    // Item 37 is slot 5 of leaf 2; zero its tag byte (an empty slot).
    const item = treeSlotPosition(engine.io, tree, 37);
    const saved = bytes[item]!;
    bytes[item] = 0;
    const list = (): ReturnType<typeof engine.moment> => engine.moment(-1);
    expect(() => list().asHashMap().get('list')!.asLinkedArrayList().get(37)).toThrow(CorruptDatabaseError);
    bytes[item] = saved;
    expect(list().asHashMap().get('list')!.asLinkedArrayList().get(37).readNumber()).toBe(37);

    // Retag the root's third child slot as a uint.
    const branchSlot = tree.root + 2 * 17;
    bytes[branchSlot] = (bytes[branchSlot]! & 0x80) | 8;
    expect(() => list().asHashMap().get('list')!.asLinkedArrayList().get(37)).toThrow(CorruptDatabaseError);
    engine.close();
  });
});
