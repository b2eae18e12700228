// The upstream xitdb test cases for linked lists, and the cases where
// xitdb-java 0.28 loses or corrupts elements, on every backend. The invariant
// checker runs after every operation.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { LIST_SHIFT_MAX } from '../../src/format/constants.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { backends } from '../support/backends.js';
import { expectValidList, listValues, treeOf } from './support.js';

const range = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);

describe.each(backends)('linked array lists on $name', (backend) => {
  // Flush durability: these cases test list logic over thousands of commits, and
  // under sync each file backend's fdatasync made one case take 8-14 s. Durability
  // has its own tests (test/crash, test/concurrency/kill.test.ts).
  const open = (): Engine => Engine.open(backend.slot().open(), { hasher: sha1Hasher, durability: 'flush' });

  /** Runs `fn` on the list under key `key` of a fresh moment, checks invariants, returns the values. */
  function step(engine: Engine, fn: (list: ReturnType<WriteCursor['linkedArrayList']>, root: WriteCursor) => void, key = 'list'): Array<number | null> {
    engine.transact((root) => {
      fn(root.hashMap().put(key).linkedArrayList(), root);
      expectValidList(engine, root.hashMap().read().get(key)!);
    });
    const cursor = engine.moment(-1).asHashMap().get(key)!;
    expectValidList(engine, cursor);
    return listValues(cursor);
  }

  const fill = (list: ReturnType<WriteCursor['linkedArrayList']>, values: number[]): void => {
    for (const value of values) list.append().writeUint(value);
  };

  for (const [size, offset, count] of [[81, 10, 5], [81, 0, 32], [80, 48, 16], [80, 48, 32], [32, 10, 16], [2, 0, 2], [2, 1, 1], [1, 0, 0]] as const) {
    it(`slices ${count} items at ${offset} from a list of ${size}`, () => {
      const engine = open();
      step(engine, (list) => fill(list, range(0, size)));
      expect(step(engine, (list) => list.slice(offset, count))).toEqual(range(offset, offset + count));
      expect(listValues(engine.moment(0).asHashMap().get('list')!)).toEqual(range(0, size));
      // The sliced list keeps working: append after it.
      expect(step(engine, (list) => list.append().writeUint(999))).toEqual([...range(offset, offset + count), 999]);
      engine.close();
    });
  }

  for (const [left, right] of [[81, 17], [16, 16], [1, 1], [0, 0]] as const) {
    it(`concatenates lists of ${left} and ${right} items`, () => {
      const engine = open();
      step(engine, (list) => fill(list, range(0, left)), 'a');
      step(engine, (list) => fill(list, range(1000, 1000 + right)), 'b');
      const joined = step(engine, (list, root) => list.concat(root.hashMap().read().get('b')!), 'a');
      expect(joined).toEqual([...range(0, left), ...range(1000, 1000 + right)]);
      expect(listValues(engine.moment(-1).asHashMap().get('b')!)).toEqual(range(1000, 1000 + right));
      engine.close();
    });
  }

  for (const [size, index] of [[1, 0], [10, 0], [10, 5], [10, 9], [80, 32]] as const) {
    it(`inserts at ${index} into a list of ${size}, then removes it again`, () => {
      const engine = open();
      step(engine, (list) => fill(list, range(0, size)));
      const inserted = step(engine, (list) => list.insert(index).writeUint(777));
      expect(inserted).toEqual([...range(0, index), 777, ...range(index, size)]);
      expect(step(engine, (list) => list.remove(index))).toEqual(range(0, size));
      engine.close();
    });
  }

  it('concatenates a list with itself 16 times, then appends 500 items', () => {
    const engine = open();
    step(engine, (list) => fill(list, [1, 2, 3]));
    let model = [1, 2, 3];
    for (let i = 0; i < 16; i++) {
      const values = step(engine, (list, root) => list.concat(root.hashMap().read().get('list')!));
      model = [...model, ...model];
      expect(values.length).toBe(model.length);
    }
    expect(step(engine, (list) => fill(list, range(0, 500)))).toEqual([...model, ...range(0, 500)]);
    const tree = treeOf(engine, engine.moment(-1).asHashMap().get('list')!);
    expect(tree.height).toBeLessThan(LIST_SHIFT_MAX);
    expect(tree.height).toBeLessThanOrEqual(7);
    engine.close();
  });

  it('keeps 1,000 inserts at index 0 and 1,000 just before the last item shallow, each in its own transaction', () => {
    const engine = open();
    const model: number[] = [];
    for (let i = 0; i < 1000; i++) {
      engine.transact((root) => root.hashMap().put('list').linkedArrayList().insert(0).writeUint(i));
      model.unshift(i);
    }
    for (let i = 0; i < 1000; i++) {
      engine.transact((root) => {
        const list = root.hashMap().put('list').linkedArrayList();
        list.insert(list.count() === 0 ? 0 : -1).writeUint(5000 + i);
      });
      model.splice(Math.max(0, model.length - 1), 0, 5000 + i);
    }
    const cursor = engine.moment(-1).asHashMap().get('list')!;
    expect(listValues(cursor)).toEqual(model);
    expectValidList(engine, cursor);
    // 2,000 items at 8 or more per node: at most 4 levels.
    expect(treeOf(engine, cursor).height).toBeLessThanOrEqual(4);
    engine.close();
  });

  it('removes after insert(0) within one transaction without turning an element into null (xitdb-java 0.28 bug)', () => {
    const engine = open();
    step(engine, (list) => fill(list, range(0, 20)));
    const values = step(engine, (list) => {
      list.insert(0).writeUint(100);
      list.remove(5);
      list.insert(0).writeUint(101);
      list.remove(17);
    });
    const model = range(0, 20);
    model.unshift(100);
    model.splice(5, 1);
    model.unshift(101);
    model.splice(17, 1);
    expect(values).toEqual(model);
    engine.close();
  });

  it('inserts and removes correctly after repeated self-concatenation in one transaction (xitdb-java 0.28 bug)', () => {
    const engine = open();
    let model = [1, 2, 3, 4, 5];
    const values = step(engine, (list, root) => {
      fill(list, model);
      for (let i = 0; i < 6; i++) {
        list.concat(root.hashMap().read().get('list')!);
        model = [...model, ...model];
      }
      list.insert(7).writeUint(70);
      model.splice(7, 0, 70);
      list.remove(100);
      model.splice(100, 1);
      list.append().writeUint(99);
      model.push(99);
      list.put(3).writeUint(33);
      model[3] = 33;
    });
    expect(values).toEqual(model);
    engine.close();
  });

  it('puts into a gapped (relaxed) block in a later transaction and every element stays readable (xitdb-java 0.28 bug)', () => {
    const engine = open();
    step(engine, (list) => fill(list, range(0, 50)));
    step(engine, (list) => list.slice(3, 40));
    step(engine, (list, root) => list.concat(root.hashMap().read().get('list')!));
    const values = step(engine, (list) => {
      for (let i = 0; i < 80; i += 7) list.put(i).writeUint(1000 + i);
    });
    const model = [...range(3, 43), ...range(3, 43)];
    for (let i = 0; i < 80; i += 7) model[i] = 1000 + i;
    expect(values).toEqual(model);
    // Earlier moments are untouched.
    expect(listValues(engine.moment(2).asHashMap().get('list')!)).toEqual([...range(3, 43), ...range(3, 43)]);
    engine.close();
  });

  it('iterates forwards and backwards from any index', () => {
    const engine = open();
    step(engine, (list) => fill(list, range(0, 300)));
    const list = engine.moment(-1).asHashMap().get('list')!.asLinkedArrayList();
    for (const start of [0, 1, 15, 16, 17, 255, 256, 299]) {
      expect([...list.items(start)].map((c) => Number(c.readUint()))).toEqual(range(start, 300));
      expect([...list.itemsBackward(start)].map((c) => Number(c.readUint()))).toEqual(range(0, start + 1).reverse());
    }
    expect(Number(list.get(-1).readUint())).toBe(299);
    engine.close();
  });
});

describe.each(backends)('WriteLinkedArrayList.appendSlot on $name', (backend) => {
  it('appends values without cursors, mixed with cursor appends, inserts and commits', async () => {
    const { uintSlot } = await import('../../src/format/slot.js');
    const { Slot } = await import('../../src/format/slot.js');
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const model: Array<number | null> = [];
    engine.transact((root) => {
      const list = root.hashMap().put('list').linkedArrayList();
      for (let i = 0; i < 700; i++) {
        if (i % 97 === 0) {
          list.append().writeUint(i);
        } else if (i % 101 === 0) {
          expect(list.appendSlot(Slot.EMPTY)).toBe(model.length + 1);
          model.push(null);
          continue;
        } else {
          expect(list.appendSlot(uintSlot(i))).toBe(model.length + 1);
        }
        model.push(i);
        if (i === 350) {
          list.insert(3).writeUint(9999);
          model.splice(3, 0, 9999);
        }
      }
      expectValidList(engine, root.hashMap().read().get('list')!);
    });
    engine.transact((root) => {
      const list = root.hashMap().put('list').linkedArrayList();
      for (let i = 0; i < 40; i++) list.appendSlot(uintSlot(i));
      model.push(...range(0, 40));
    });
    const cursor = engine.moment(-1).asHashMap().get('list')!;
    expect(listValues(cursor)).toEqual(model);
    expectValidList(engine, cursor);
    expect(() => engine.transact((root) => root.hashMap().put('list').linkedArrayList().appendSlot(Slot.pointer(1, 36)))).toThrow(/not a value/);
    engine.close();
  });
});
