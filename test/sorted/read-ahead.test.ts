// Sorted map walks read ahead (src/sorted/read-ahead.ts): from their second
// entry on, they touch the pairs and keys of the entries they will take from
// the leaf they stand in. A walk taken for one entry (seek, at) must touch no
// entry: seen through a storage that records every locate of a pair's two
// slots at once, which only the read-ahead makes (a read of a key or value
// locates one slot).

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { SLOT_SIZE } from '../../src/format/constants.js';
import type { ReadSortedMap } from '../../src/cursor/read-sorted.js';

/** A memory storage that records where every locate of two slots starts. */
class RecordingStorage extends MemoryStorage {
  located: number[] = [];

  override locate(position: number, length: number): number {
    if (length === 2 * SLOT_SIZE) this.located.push(position);
    return super.locate(position, length);
  }
}

const HASH_SIZE = 20;
const KEYS = Array.from({ length: 40 }, (_, i) => `a long key number ${String(i).padStart(3, '0')}`);

function setUp(): { storage: RecordingStorage; map: ReadSortedMap; pairs: number[] } {
  const storage = new RecordingStorage();
  const engine = Engine.open(storage, { hasher: sha1Hasher });
  engine.transact((root) => {
    const map = root.sortedMap();
    for (const key of KEYS) map.put(key).writeUint(1);
  });
  const map = engine.moment(-1).asSortedMap();
  // Each entry's pair, from where its key cursor sits (the key slot follows the pair's hash).
  const pairs = [...map.entries()].map((entry) => entry.key.slotPosition - HASH_SIZE);
  expect(pairs).toHaveLength(KEYS.length);
  return { storage, map, pairs };
}

/** The entries (by index) whose pair slots were read ahead since `from`. */
function pairsLocated(storage: RecordingStorage, pairs: number[], from: number): number[] {
  const slots = new Map(pairs.map((kv, index) => [kv + HASH_SIZE, index]));
  const seen = new Set<number>();
  for (const position of storage.located.slice(from)) {
    const index = slots.get(position);
    if (index !== undefined) seen.add(index);
  }
  return [...seen].sort((a, b) => a - b);
}

describe('sorted map read-ahead', () => {
  it('reads nothing ahead for a walk taken for one entry (seek, at, a walk left after its first entry)', () => {
    const { storage, map, pairs } = setUp();
    const from = storage.located.length;
    expect(map.seek(KEYS[3]!)!.key.readString()).toBe(KEYS[3]);
    expect(map.at(5).key.readString()).toBe(KEYS[5]);
    for (const entry of map.entriesBackward({ key: KEYS[7]! })) {
      expect(entry.key.readString()).toBe(KEYS[7]);
      break;
    }
    expect(pairsLocated(storage, pairs, from)).toEqual([]);
  });

  it('touches the entries ahead in its leaf from the second entry on, never past what the walk has left', () => {
    const { storage, map, pairs } = setUp();
    // Forwards: two entries taken from entry 3; the read-ahead at the second reaches further.
    let from = storage.located.length;
    const taken: string[] = [];
    for (const entry of map.entries({ key: KEYS[3]! })) {
      taken.push(entry.key.readString());
      if (taken.length === 2) break;
    }
    expect(taken).toEqual([KEYS[3], KEYS[4]]);
    // From the second entry (4) to the end of its leaf: at least one more.
    const forwards = pairsLocated(storage, pairs, from);
    expect(forwards.slice(0, 2)).toEqual([4, 5]);
    // Backwards from index 2: three entries left (2, 1, 0); read ahead from the second, and no further.
    from = storage.located.length;
    const back: string[] = [];
    for (const entry of map.entriesBackward({ index: 2 })) back.push(entry.key.readString());
    expect(back).toEqual([KEYS[2], KEYS[1], KEYS[0]]);
    expect(pairsLocated(storage, pairs, from)).toEqual([0, 1]);
  });
});
