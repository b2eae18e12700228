// Compaction of files other writers made (xitdb-java's fixtures: relaxed gen-1
// lists, gen-2 lists and sorted maps, keys stored only as hashes, moments
// without commit times) and of hostile files: a cycle or a damaged record is
// CorruptDatabaseError, and random damage never gives anything but our errors.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { Slot } from '../../src/format/slot.js';
import { Tag } from '../../src/format/tags.js';
import { CorruptDatabaseError, StrataError } from '../../src/errors.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { linkedListGeneration } from '../../src/btree-list/generation.js';
import { compactInto, selectMoments } from '../../src/compact/index.js';
import { fixtureBytes, haveFixtures, announceFixtures } from '../support/fixtures.js';
import { dumpMoment, expectSameMoments, newSource, reopen } from './support.js';

announceFixtures();

const describeFixtures = haveFixtures ? describe : describe.skip;

function openBytes(bytes: Uint8Array, readOnly = true): Engine {
  return Engine.open(MemoryStorage.fromBytes(bytes.slice(), { readOnly }), { hasher: sha1Hasher });
}

describeFixtures('compactInto on files xitdb wrote', () => {
  for (const name of ['basic.db', 'lists.db', 'sorted.db', 'upstream-gen1-test.db']) {
    it(`keeps every moment of ${name} equal by dump, without inventing times`, () => {
      const source = openBytes(fixtureBytes(name));
      const target = new MemoryStorage({ durable: true });
      const kept = selectMoments(source, () => true);
      compactInto(source, target, { keep: () => true });
      const compacted = reopen(target);
      expectSameMoments(source, compacted, kept);
      for (let i = 0; i < compacted.momentCount; i++) expect(compacted.momentInfo(i).time).toBeUndefined();
      // xitdb changes its history list in place; this build copies a history block or two per moment.
      expect(target.size()).toBeLessThanOrEqual(source.committedSize + 144 * (2 * compacted.momentCount + 1));
      // The file header is the source's, hash id included (the upstream file's is 0, unnamed).
      expect(target.toBytes().subarray(0, 12)).toEqual(fixtureBytes(name).subarray(0, 12));
    });
  }

  for (const name of ['java-appended.db', 'java-appended-gen2.db', 'sorted-java-then-stratadb.db']) {
    // java-appended-gen2.db: two untimed moments, two timed (stratadb), one untimed (Java) last; times carry over as they were.
    it(`keeps every moment of ${name} (commits of stratadb and of xitdb-java in one history)`, () => {
      const source = openBytes(new Uint8Array(readFileSync(`test/interop/data/${name}`)));
      const target = new MemoryStorage({ durable: true });
      compactInto(source, target, { keep: () => true });
      const kept = selectMoments(source, () => true);
      expectSameMoments(source, reopen(target), kept);
    });
  }

  it('keeps gen-2 lists xitdb-java 0.32 wrote', () => {
    const source = openBytes(new Uint8Array(readFileSync('test/interop/data/java-gen2-lists.db')));
    const target = new MemoryStorage({ durable: true });
    compactInto(source, target, { keep: () => true });
    const compacted = reopen(target);
    expectSameMoments(source, compacted, selectMoments(source, () => true));
    // Each list keeps its generation, the empty one too (which only its layout tells apart, FORMAT.md §Compatibility).
    for (let i = 0; i < source.momentCount; i++) {
      const before = source.moment(i).asHashMap();
      const after = compacted.moment(i).asHashMap();
      for (const { key, value } of before.entries()) {
        if (value.tag !== Tag.LINKED_ARRAY_LIST) continue;
        const copy = after.get(key.readBytes());
        expect(linkedListGeneration(compacted.io, copy!.slot.position)).toBe(linkedListGeneration(source.io, value.slot.position));
        expect(linkedListGeneration(source.io, value.slot.position)).toBe(2);
      }
    }
  });

  it('drops a key stored only as its hash (the upstream file), found by hashing it', () => {
    const source = openBytes(fixtureBytes('upstream-gen1-test.db'));
    const target = new MemoryStorage({ durable: true });
    compactInto(source, target, { keep: () => true, drop: [['foo'], ['people']] });
    const compacted = reopen(target);
    for (let i = 0; i < compacted.momentCount; i++) {
      const map = compacted.moment(i).asHashMap();
      expect(map.has('foo')).toBe(false);
      expect(map.has('people')).toBe(false);
      expect(map.get('long-text')?.readString()).toBe(source.moment(i).asHashMap().get('long-text')?.readString());
    }
    expect(verifyProblems(compacted)).toEqual([]);
  });

  it('gives timed moments after untimed ones their times, and the untimed ones the next time for since', () => {
    const bytes = fixtureBytes('basic.db');
    const storage = MemoryStorage.fromBytes(bytes.slice(), { readOnly: false, durable: true });
    let now = Date.UTC(2026, 2, 1);
    const engine = Engine.open(storage, { hasher: sha1Hasher, clock: () => (now += 1000) });
    engine.transact((root) => root.hashMap().put('stratadb').writeUint(1));
    engine.transact((root) => root.hashMap().put('stratadb').writeUint(2));
    expect(engine.momentInfo(3).time).toBeUndefined();
    const first = engine.momentInfo(4).time as number;
    // Moments 0 to 3 have no time: they count as committed when moment 4 was, so `since` that time keeps them.
    expect(selectMoments(engine, { since: first })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(selectMoments(engine, { since: first + 1 })).toEqual([5]);
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { keep: { last: 3 } });
    const compacted = reopen(target);
    expectSameMoments(engine, compacted, [3, 4, 5]);
    expect(compacted.momentInfo(0).time).toBeUndefined();
    expect(compacted.momentInfo(1).time).toBe(first);
  });
});

function verifyProblems(engine: Engine): unknown[] {
  return verifyDatabase(engine).problems;
}

/** A source whose latest moment is {a: {b: "..."}, c: [..]}, its bytes, and where things are. */
function sample(): { bytes: Uint8Array; rootMap: number; innerValueSlot: number; listSlot: number } {
  const { engine, storage } = newSource();
  engine.transact((root) => {
    const map = root.hashMap();
    map.put('a').hashMap().put('b').writeString('a value in long bytes, to be damaged');
    const list = map.put('c').arrayList();
    for (let i = 0; i < 40; i++) list.append().writeUint(i);
  });
  const root = engine.moment(-1);
  const a = root.asHashMap().get('a');
  const c = root.asHashMap().get('c');
  if (a === undefined || c === undefined) throw new Error('missing');
  return { bytes: storage.toBytes().slice(), rootMap: root.slot.position, innerValueSlot: a.slotPosition, listSlot: c.slotPosition };
}

function compactBytes(bytes: Uint8Array): void {
  compactInto(openBytes(bytes), new MemoryStorage({ durable: true }), { keep: () => true });
}

describe('compactInto on a hostile source', () => {
  it('refuses a map that contains itself with CorruptDatabaseError', () => {
    const { bytes, rootMap, innerValueSlot } = sample();
    bytes.set(Slot.pointer(Tag.HASH_MAP, rootMap).toBytes(), innerValueSlot);
    expect(() => compactBytes(bytes)).toThrow(CorruptDatabaseError);
  });

  it('refuses an index block that points back at its map\'s root with CorruptDatabaseError', () => {
    const { bytes, rootMap } = sample();
    // Slot 15 of the root block: an index pointing at the root block itself.
    bytes.set(Slot.pointer(Tag.INDEX, rootMap).toBytes(), rootMap + 15 * 9);
    expect(() => compactBytes(bytes)).toThrow(CorruptDatabaseError);
  });

  it('refuses a list whose item is the list itself, and a sorted map node that is its own child, with CorruptDatabaseError', () => {
    const { engine, storage } = newSource();
    engine.transact((root) => {
      const map = root.hashMap();
      const list = map.put('list').arrayList();
      for (let i = 0; i < 3; i++) list.append().writeUint(i);
      const sorted = map.put('sorted').sortedMap();
      for (let i = 0; i < 40; i++) sorted.put(`key ${String(i).padStart(2, '0')}`).writeUint(i);
    });
    const map = engine.moment(-1).asHashMap();
    const list = map.get('list')!;
    const item = list.asArrayList().get(1);
    const listBytes = storage.toBytes().slice();
    listBytes.set(Slot.pointer(Tag.ARRAY_LIST, list.slot.position).toBytes(), item.slotPosition);
    expect(() => compactBytes(listBytes)).toThrow(CorruptDatabaseError);
    // The sorted map's root is a branch (40 keys): its child 1 made to point at the root.
    const header = map.get('sorted')!.slot.position;
    const sortedBytes = storage.toBytes().slice();
    const view = new DataView(sortedBytes.buffer);
    const root = view.getUint32(header + 12);
    expect(sortedBytes[root]).toBe(1);
    sortedBytes.set(Slot.pointer(Tag.INDEX, root).toBytes(), root + 2 + 9);
    expect(() => compactBytes(sortedBytes)).toThrow(CorruptDatabaseError);
  });

  it('refuses a kv pair slot where a value belongs, a pointer past the end and a list count beyond the data', () => {
    const one = sample();
    one.bytes.set(Slot.pointer(Tag.KV_PAIR, 40).toBytes(), one.innerValueSlot);
    expect(() => compactBytes(one.bytes)).toThrow(CorruptDatabaseError);
    const two = sample();
    two.bytes.set(Slot.pointer(Tag.BYTES, two.bytes.length + 100).toBytes(), two.innerValueSlot);
    expect(() => compactBytes(two.bytes)).toThrow(CorruptDatabaseError);
    const three = sample();
    const header = new DataView(three.bytes.buffer).getUint32(three.listSlot + 5);
    new DataView(three.bytes.buffer).setUint32(header, 0x100000);
    expect(() => compactBytes(three.bytes)).toThrow(CorruptDatabaseError);
  });

  it('throws only our errors on randomly damaged files, and never hangs', () => {
    const { bytes } = sample();
    let seed = 20261207;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let refused = 0;
    for (let run = 0; run < 300; run++) {
      const damaged = bytes.slice();
      for (let k = 1 + random(4); k > 0; k--) damaged[36 + random(damaged.length - 36)] = random(256);
      try {
        const source = openBytes(damaged);
        compactInto(source, new MemoryStorage({ durable: true }), { keep: () => true });
      } catch (error) {
        if (!(error instanceof StrataError)) throw error;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('copies a dump-equal file when only unreachable bytes are damaged', () => {
    const { engine, storage } = newSource();
    engine.transact((root) => root.hashMap().put('x').writeString('first value, long enough'));
    engine.transact((root) => root.hashMap().put('x').writeString('second value, long enough'));
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target);
    expect(dumpMoment(reopen(target), -1)).toEqual(dumpMoment(engine, -1));
    expect(storage.size()).toBeGreaterThan(target.size());
  });
});
