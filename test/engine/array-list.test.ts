// Array lists at the radix boundaries (15, 16, 17, 255, 256, 257, 4096, 4097):
// append, get with negative indexes, put, slice, and no dropped value coming back.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { OutOfRangeError } from '../../src/errors.js';
import { shiftForCount } from '../../src/trie/array-list.js';
import { backends } from '../support/backends.js';

const BOUNDARIES = [0, 1, 15, 16, 17, 255, 256, 257, 4096, 4097];

describe('shiftForCount', () => {
  it('follows the radix rule: 0 up to 16 items, then one level per hex digit of count - 1', () => {
    expect([1, 16, 17, 256, 257, 4096, 4097, 65537].map(shiftForCount)).toEqual([0, 0, 1, 1, 2, 2, 3, 4]);
    // Matches the floating-point rule other implementations use up to 16^11 items. At 16^12
    // the float rule rounds log16(16^12 - 1) up to 12; such a list would need petabytes.
    for (let k = 1; k <= 11; k++) {
      for (const count of [16 ** k, 16 ** k + 1, 16 ** k + 2]) {
        expect(shiftForCount(count)).toBe(Math.floor(Math.log(count - 1) / Math.log(16)));
      }
    }
  });

  it('gives the same shift below 2^32 (clz32) and above it (division) as the digit count of count - 1', () => {
    const digits = (count: number): number => (count <= 16 ? 0 : (count - 1).toString(16).length - 1);
    const counts: number[] = [];
    for (let p = 0; p <= 53; p++) for (const d of [-1, 0, 1]) counts.push(Math.max(0, Math.min(2 ** p + d, Number.MAX_SAFE_INTEGER)));
    for (const count of counts) expect(shiftForCount(count), `count ${count}`).toBe(digits(count));
  });
});

describe.each(backends)('array lists on $name', (backend) => {
  it('appends across every radix boundary and reads back by positive and negative index', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    engine.transact((root) => {
      const list = root.arrayList();
      for (let i = 0; i < 4097; i++) list.append().writeUint(i);
    });
    const list = engine.moment(-1).asArrayList();
    expect(list.count()).toBe(4097);
    for (const i of [0, 15, 16, 17, 255, 256, 257, 4095, 4096]) {
      expect(list.get(i).readUint()).toBe(BigInt(i));
      expect(list.get(i - 4097).readUint()).toBe(BigInt(i));
    }
    expect(() => list.get(4097)).toThrow(OutOfRangeError);
    expect(() => list.get(-4098)).toThrow(OutOfRangeError);
    let expected = 0n;
    for (const item of list) expect(item.readUint()).toBe(expected++);
    expect(expected).toBe(4097n);
    expect([...list.items(4090)].map((c) => c.readUint())).toEqual([4090n, 4091n, 4092n, 4093n, 4094n, 4095n, 4096n]);
    engine.close();
  });

  it('slices to every boundary, in later transactions, without a dropped value reappearing on append', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    engine.transact((root) => {
      const list = root.hashMap().put('list').arrayList();
      for (let i = 0; i < 4097; i++) list.append().writeUint(i);
    });
    for (const size of [...BOUNDARIES].reverse()) {
      engine.transact((root) => {
        const list = root.hashMap().put('list').arrayList();
        list.slice(size);
        const appended = list.append();
        // A fresh append is empty even though an old value sat in this slot before the slice.
        expect(appended.isNone).toBe(true);
        expect(appended.slot.isEmpty).toBe(true);
        appended.hashMap().put('new').writeUint(size);
      });
      const list = engine.moment(-1).asHashMap().get('list')!.asArrayList();
      expect(list.count()).toBe(size + 1);
      const last = list.get(-1).asHashMap();
      expect([...last.keys()].map((k) => k.readString())).toEqual(['new']);
      if (size > 0) expect(list.get(size - 1).readUint()).toBe(BigInt(size - 1));
    }
    // The first moment still has every item.
    expect(engine.moment(0).asHashMap().get('list')!.count()).toBe(4097);
    engine.close();
  });

  it('puts into existing items without touching the committed moment', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    engine.transact((root) => {
      const list = root.arrayList();
      for (let i = 0; i < 300; i++) list.append().writeUint(i);
    });
    engine.transact((root) => {
      const list = root.arrayList();
      list.put(-1).writeString('last');
      list.put(17).writeString('seventeen');
      expect(() => list.put(300)).toThrow(OutOfRangeError);
    });
    const before = engine.moment(0).asArrayList();
    const after = engine.moment(1).asArrayList();
    expect(before.get(17).readUint()).toBe(17n);
    expect(before.get(299).readUint()).toBe(299n);
    expect(after.get(17).readString()).toBe('seventeen');
    expect(after.get(299).readString()).toBe('last');
    expect(after.get(16).readUint()).toBe(16n);
    engine.close();
  });
  it('serves many random gets of a committed list through its leaf cache, and stays live inside a transaction', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const count = 5000;
    engine.transact((root) => {
      const list = root.hashMap().put('list').arrayList();
      for (let i = 0; i < count; i++) list.append().writeUint(i);
    });
    const list = engine.moment(-1).asHashMap().get('list')!.asArrayList();
    let seed = 99;
    for (let n = 0; n < 20_000; n++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const i = seed % count;
      expect(list.get(i).readNumber()).toBe(i);
    }
    expect(list.get(-1).readNumber()).toBe(count - 1);
    expect(() => list.get(count)).toThrow(OutOfRangeError);
    // Inside a transaction a read view follows the writes made after it was taken.
    engine.transact((root) => {
      const writable = root.hashMap().put('list').arrayList();
      const view = writable.read();
      for (let n = 0; n < 600; n++) {
        writable.put(n % count).writeUint(count + n);
        expect(view.get(n % count).readNumber()).toBe(count + n);
      }
    });
    engine.close();
  });
});
