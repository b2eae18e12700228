// Hostile sorted map nodes (FORMAT.md §Sorted maps, §Limits): a cycle, counts
// that lie, keys out of order, bad kinds. Readers end in CorruptDatabaseError
// (never a hang or a TypeError) and verifyDatabase names the problem.

import { describe, expect, it } from 'vitest';
import { CorruptDatabaseError } from '../../src/errors.js';
import { SLOT_SIZE } from '../../src/format/constants.js';
import { Tag } from '../../src/format/tags.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { openBytes, readSlotAt, readU64, sortedDatabase, valueAt, writeSlot, writeU64 } from '../support/sample-databases.js';

function damaged(edit: (bytes: Uint8Array, at: { header: number; root: number; count: number; setRoot: number }) => void): Uint8Array {
  const bytes = sortedDatabase();
  const engine = openBytes(bytes);
  const header = valueAt(engine, 0, 'sorted').slot.position;
  const setRoot = readU64(bytes, valueAt(engine, 0, 'set').slot.position + 8);
  edit(bytes, { header, root: readU64(bytes, header + 8), count: readU64(bytes, header), setRoot });
  return bytes;
}

const COUNTS = 2 + 2 * 16 * SLOT_SIZE;

function problems(bytes: Uint8Array): string[] {
  return verifyDatabase(openBytes(bytes)).problems.map((problem) => problem.message);
}

describe('sorted maps on damaged bytes', () => {
  it('refuse a branch that is its own first child, with counts that agree, instead of descending for ever', () => {
    const bytes = damaged((b, { root, count }) => {
      writeSlot(b, root + 2, Tag.INDEX, root);
      writeU64(b, root + COUNTS, count);
      for (let i = 1; i < 16; i++) writeU64(b, root + COUNTS + 8 * i, 0);
    });
    const map = valueAt(openBytes(bytes), 0, 'sorted').asSortedMap();
    expect(() => map.get('k050')).toThrow(CorruptDatabaseError);
    expect(() => map.rank('')).toThrow(/deeper than 48 levels/);
    expect(() => [...map.entries()]).toThrow(CorruptDatabaseError);
    expect(() => map.at(3)).toThrow(CorruptDatabaseError);
    expect(problems(bytes).some((message) => /cycle/.test(message))).toBe(true);
  });

  it('refuse a branch count that disagrees with its child', () => {
    const bytes = damaged((b, { root }) => writeU64(b, root + COUNTS, readU64(b, root + COUNTS) + 5));
    const map = valueAt(openBytes(bytes), 0, 'sorted').asSortedMap();
    expect(() => map.get('k000')).toThrow(/holds \d+ entries where the header counts/);
    expect(problems(bytes).some((message) => /counts \d+ entries under child 0/.test(message))).toBe(true);
  });

  it('report keys out of order, and the dump refuses them', () => {
    const bytes = damaged((b, { setRoot }) => {
      const first = b.slice(setRoot + 2, setRoot + 2 + SLOT_SIZE);
      b.copyWithin(setRoot + 2, setRoot + 2 + SLOT_SIZE, setRoot + 2 + 2 * SLOT_SIZE);
      b.set(first, setRoot + 2 + SLOT_SIZE);
    });
    expect(problems(bytes).some((message) => /is not after the key before it/.test(message))).toBe(true);
    expect(() => dumpDatabase(openBytes(bytes))).toThrow(/out of order/);
  });

  it('refuse a node of an unknown kind or with more than 16 entries', () => {
    for (const [edit, pattern] of [
      [(b: Uint8Array, root: number) => (b[root] = 7), /kind 7/],
      [(b: Uint8Array, root: number) => (b[root + 1] = 200), /claims 200 entries/],
    ] as const) {
      const bytes = damaged((b, { root }) => edit(b, root));
      const map = valueAt(openBytes(bytes), 0, 'sorted').asSortedMap();
      expect(() => map.get('k001')).toThrow(pattern);
      expect(() => map.get('k001')).toThrow(CorruptDatabaseError);
      expect(problems(bytes).length).toBeGreaterThan(0);
    }
  });

  // A walk reads ahead the records of a leaf's entries (src/sorted/read-ahead.ts) before it yields any
  // of them: damage there must still end the walk at the damaged entry, with CorruptDatabaseError.
  it('walk up to a damaged pair of a leaf and then refuse it, forwards and backwards, whatever the read-ahead touched first', () => {
    /** The first leaf: child 0 of each branch from the root down. */
    const firstLeaf = (b: Uint8Array, root: number): number => {
      let node = root;
      while (b[node] === 1) node = readSlotAt(b, node + 2).value;
      return node;
    };
    const DAMAGED = 2;
    const damages: Array<[string, (b: Uint8Array, slot: number) => void]> = [
      ['a pair slot past the end', (b, slot) => writeSlot(b, slot, Tag.KV_PAIR, b.length + 1000)],
      ['a pair slot beyond 2^53', (b, slot) => writeSlot(b, slot, Tag.KV_PAIR, 2n ** 60n)],
      ['a pair slot of another kind', (b, slot) => writeSlot(b, slot, Tag.UINT, 5)],
      ['a long key past the end', (b, slot) => {
        const kv = readSlotAt(b, slot).value;
        // The key slot follows the pair's hash (20 bytes of SHA-1).
        expect(readSlotAt(b, kv + 20).tag).toBe(Tag.BYTES);
        writeSlot(b, kv + 20, Tag.BYTES, b.length - 4);
      }],
    ];
    for (const [what, damage] of damages) {
      const bytes = damaged((b, { root }) => damage(b, firstLeaf(b, root) + 2 + SLOT_SIZE * DAMAGED));
      const map = valueAt(openBytes(bytes), 0, 'sorted').asSortedMap();
      const read: number[] = [];
      expect(() => {
        for (const entry of map.entries()) read.push(entry.key.readBytes().length);
      }, what).toThrow(CorruptDatabaseError);
      expect(read.length, what).toBe(DAMAGED);
      const back: number[] = [];
      expect(() => {
        for (const entry of map.entriesBackward({ index: DAMAGED + 1 })) back.push(entry.key.readBytes().length);
      }, what).toThrow(CorruptDatabaseError);
      expect(back.length, what).toBe(1);
    }
  });

  it('report a sorted map header whose count is wrong', () => {
    const bytes = damaged((b, { header, count }) => writeU64(b, header, count + 1));
    expect(problems(bytes).some((message) => /header counts \d+ entries but its tree holds/.test(message))).toBe(true);
    expect(() => valueAt(openBytes(bytes), 0, 'sorted').asSortedMap().get('k100')).toThrow(CorruptDatabaseError);
  });
});
