// verifyDatabase: clean databases of every structure report nothing; each kind
// of damage is reported at the position of the bytes that are wrong, several
// problems at once are all reported, and verify never throws.

import { TRAILER_SIZE_MIN } from '../../src/format/commit-trailer.js';
import { describe, expect, it } from 'vitest';
import { verifyDatabase, type VerifyReport } from '../../src/history/verify.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { tinyHasher } from '../../src/hash/test-hashers.js';
import { CorruptDatabaseError, InvalidArgumentError } from '../../src/errors.js';
import { HISTORY_HEADER_POSITION, INDEX_BLOCK_SIZE, SLOT_SIZE } from '../../src/format/constants.js';
import { LINKED_SLOT_SIZE } from '../../src/rrb/linked-list-read.js';
import { fixtureBytes, haveFixtures, announceFixtures } from '../support/fixtures.js';
import {
  Tag,
  buildDatabase,
  findSlot,
  listsDatabase,
  mapsDatabase,
  openBytes,
  readSlotAt,
  readU64,
  sampleDatabases,
  valueAt,
  writeSlot,
  writeU64,
} from '../support/sample-databases.js';

announceFixtures();

const HASH_SIZE = 20; // sha1
const describeFixtures = haveFixtures ? describe : describe.skip;

/** Verifies bytes through a read-only open; verify itself must never throw. */
function verifyBytes(bytes: Uint8Array, options: { maxProblems?: number } = {}): VerifyReport {
  return verifyDatabase(openBytes(bytes), options);
}

/** The problem reported at `position`, failing with the whole report when there is none. */
function problemAt(report: VerifyReport, position: number, pattern: RegExp): void {
  const found = report.problems.find((p) => p.position === position && pattern.test(p.message));
  expect(found, `no problem at ${position} matching ${pattern} in ${JSON.stringify(report.problems, null, 1)}`).toBeDefined();
  expect(report.ok).toBe(false);
}

/** Position of the kv pair holding the value under `path`, found from the value slot's position. */
function kvOf(engine: Engine, moment: number, ...path: string[]): number {
  return valueAt(engine, moment, ...path).slotPosition - SLOT_SIZE - HASH_SIZE;
}

describe('verifyDatabase on clean databases', () => {
  it('reports no problem for every sample database, read-only and read-write', () => {
    for (const db of sampleDatabases()) {
      for (const readOnly of [true, false]) {
        const report = verifyDatabase(openBytes(db.bytes, readOnly));
        expect(report.problems, db.name).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.blocksVisited).toBeGreaterThan(0);
      }
    }
  });

  it('reports no problem for keys with a format tag, whose hash covers the tag (short and long, in maps and sets)', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    const tagged = (text: string): { bytes: Uint8Array; formatTag: Uint8Array } => ({ bytes: new TextEncoder().encode(text), formatTag: new TextEncoder().encode('nu') });
    engine.transact((root) => {
      const map = root.hashMap();
      const counted = map.put('counted').countedHashMap();
      const set = map.put('set').hashSet();
      for (let i = 0; i < 40; i++) {
        // Short (inline) and long tagged keys, next to the same bytes untagged.
        counted.put(tagged(String(i))).writeUint(i);
        counted.put(tagged(`a long number key ${i}`)).writeUint(i);
        counted.put(String(i)).writeUint(i);
        set.add(tagged(`member ${i}`));
      }
    });
    const report = verifyDatabase(engine);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('counts the moments of the history, and none without history', () => {
    expect(verifyBytes(mapsDatabase()).moments).toBe(3);
    expect(verifyBytes(sampleDatabases()[3]!.bytes).moments).toBe(0);
  });

  it('reports no problem for a new empty database and for a header whose root tag is none', () => {
    const empty = buildDatabase(() => undefined);
    expect(verifyBytes(empty)).toMatchObject({ ok: true, moments: 0, problems: [] });
    // What xitdb writes before its first transaction: a bare 12-byte header.
    const bare = empty.slice(0, 12);
    bare[3] = Tag.NONE;
    expect(verifyBytes(bare)).toMatchObject({ ok: true, moments: 0, problems: [] });
  });

  it('reports no problem for deep maps under a 3-byte hash, a three-level list, a clone with freeze and a sliced history', () => {
    const hasher = tinyHasher(3);
    const bytes = buildDatabase(
      (engine) => {
        engine.transact((root) => {
          const map = root.hashMap();
          for (let i = 0; i < 400; i++) map.put(`key-${i}`).writeUint(i);
          const list = map.put('list').arrayList();
          for (let i = 0; i < 300; i++) list.append().writeUint(i);
          const linked = map.put('linked').linkedArrayList();
          for (let i = 0; i < 300; i++) linked.append().writeUint(i);
        });
        engine.transact((root) => {
          const map = root.hashMap();
          map.put('clone').writeSlot(map.get('list')!.slot);
          engine.freeze();
          map.put('clone').arrayList().append().writeString('only in the clone, long bytes');
          for (let i = 0; i < 400; i += 3) map.remove(`key-${i}`);
        });
        engine.transact((root) => root.hashMap().put('dropped').writeUint(0));
        engine.sliceHistory(2);
      },
      { hasher },
    );
    const report = verifyDatabase(Engine.open(MemoryStorage.fromBytes(bytes), { hasher }));
    expect(report.problems).toEqual([]);
    expect(report.moments).toBe(2);
  });

  it('walks a structure that many moments share only once', () => {
    const build = (reverts: number): Uint8Array =>
      buildDatabase((engine) => {
        engine.transact((root) => {
          const map = root.hashMap();
          for (let i = 0; i < 200; i++) map.put(`key-${i}`).writeString(`value number ${i}`);
        });
        for (let i = 0; i < reverts; i++) engine.revert(0);
      });
    const one = verifyBytes(build(0));
    const many = verifyBytes(build(50));
    expect(many.ok).toBe(true);
    expect(many.moments).toBe(51);
    // Only the history list grew: 4 leaves and a root instead of one leaf.
    expect(many.blocksVisited - one.blocksVisited).toBeLessThanOrEqual(8);
  });

  it('walks a self-concatenated linked list of 2^40 items in time linear in the file, not in the items', () => {
    // A valid database: each concat shares every block of both halves, so 40 of them make
    // 2^40 items from about 100 KB. Only a walk that visits each shared block once can finish.
    const bytes = buildDatabase((engine) =>
      engine.transact((root) => {
        const map = root.hashMap();
        map.put('big').linkedArrayList().append().writeUint(7);
        for (let i = 0; i < 40; i++) map.put('big').linkedArrayList().concat(map.get('big')!);
      }),
    );
    const engine = openBytes(bytes);
    expect(valueAt(engine, 0, 'big').count()).toBe(2 ** 40);
    const report = verifyDatabase(engine);
    expect(report.problems).toEqual([]);
    expect(report.blocksVisited).toBeLessThan(bytes.length / 100);
  });
});

describeFixtures('verifyDatabase on the xitdb fixture files', () => {
  for (const name of ['basic.db', 'lists.db', 'upstream-gen1-test.db', 'sorted.db']) {
    it(`reports no problem for ${name}`, () => {
      const report = verifyBytes(fixtureBytes(name));
      expect(report.problems).toEqual([]);
      expect(report.moments).toBeGreaterThan(0);
    });
  }

});

describe('verifyDatabase on damaged databases', () => {
  it('reports a counted map whose stored count was overwritten, at the count', () => {
    const bytes = mapsDatabase();
    const record = valueAt(openBytes(bytes), 0, 'counted').slot.position;
    writeU64(bytes, record, 99);
    const report = verifyBytes(bytes);
    problemAt(report, record, /stores the count 99 but holds 12 entries/);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]!.path).toBe('moments[0]["counted"]');
  });

  it('reports a counted set whose stored count was overwritten, at the count', () => {
    const bytes = mapsDatabase();
    const record = valueAt(openBytes(bytes), 0, 'counted-set').slot.position;
    writeU64(bytes, record, 3);
    problemAt(verifyBytes(bytes), record, /counted_hash_set stores the count 3 but holds 10 entries/);
  });

  it('reports an array list count raised past its blocks, at the branch slot that is missing', () => {
    const bytes = listsDatabase();
    const engine = openBytes(bytes);
    const header = valueAt(engine, 0, 'list').slot.position;
    const root = readU64(bytes, header + 8);
    writeU64(bytes, header, 49); // 41 items use root slots 0 to 2; item 48 needs slot 3
    problemAt(verifyBytes(bytes), root + 3 * SLOT_SIZE, /array list branch holds a none slot where an index block is needed/);
  });

  it('reports slots that point past the end, beyond 2^53, into the headers and past the committed size, at the slot', () => {
    const original = mapsDatabase();
    const engine = openBytes(original);
    const longSlot = valueAt(engine, 0, 'long').slotPosition;
    const nestedSlot = valueAt(engine, 0, 'nested').slotPosition;
    const countedSlot = valueAt(engine, 0, 'counted').slotPosition;

    const bytes = original.slice();
    writeSlot(bytes, longSlot, Tag.BYTES, bytes.length + 100);
    writeSlot(bytes, nestedSlot, Tag.HASH_MAP, 2n ** 60n);
    writeSlot(bytes, countedSlot, Tag.COUNTED_HASH_MAP, 20);
    const report = verifyBytes(bytes);
    problemAt(report, longSlot, /past the end of the data/);
    problemAt(report, nestedSlot, /beyond 2\^53/);
    problemAt(report, countedSlot, /inside the headers/);

    // Bytes after the committed size belong to no moment; a read-only open keeps them.
    const grown = new Uint8Array(original.length + 200);
    grown.set(original);
    writeSlot(grown, longSlot, Tag.BYTES, original.length);
    writeU64(grown, original.length, 10);
    problemAt(verifyBytes(grown), longSlot, /past the committed size/);
  });

  it('reports a map index block that points back at its ancestor, at the slot that closes the cycle', () => {
    const bytes = mapsDatabase();
    const root = valueAt(openBytes(bytes), 0, 'nested').slot.position;
    const branch = findSlot(bytes, root, Tag.INDEX);
    expect(branch).toBeGreaterThan(0);
    const child = readSlotAt(bytes, branch).value;
    const free = findSlot(bytes, child, Tag.NONE);
    writeSlot(bytes, free, Tag.INDEX, root);
    const report = verifyBytes(bytes);
    problemAt(report, free, /points back at a map index block on its own path \(a cycle\)/);
  });

  it('reports an array list and a linked list whose blocks point back at their ancestors', () => {
    const bytes = buildDatabase((engine) =>
      engine.transact((root) => {
        const map = root.hashMap();
        const list = map.put('list').arrayList();
        const linked = map.put('linked').linkedArrayList();
        for (let i = 0; i < 300; i++) {
          list.append().writeUint(i);
          linked.append().writeUint(i);
        }
      }),
    );
    const engine = openBytes(bytes);
    // Array list of 300 items: root (level 2) -> branch (level 1) -> leaves.
    const listRoot = readU64(bytes, valueAt(engine, 0, 'list').slot.position + 8);
    const listBranch = readSlotAt(bytes, listRoot).value;
    writeSlot(bytes, listBranch, Tag.INDEX, listRoot);
    // Linked list of 300 items: a root of height 2 whose first child is a branch of height 1.
    const linkedHeader = valueAt(engine, 0, 'linked').slot.position;
    expect(bytes[linkedHeader + 16]).toBe(2);
    const linkedRoot = readU64(bytes, linkedHeader + 8);
    const linkedBranch = readSlotAt(bytes, linkedRoot).value;
    writeSlot(bytes, linkedBranch, Tag.INDEX, linkedRoot, true);
    const report = verifyBytes(bytes);
    problemAt(report, listBranch, /points back at an array list index block on its own path \(a cycle\)/);
    problemAt(report, linkedBranch, /points back at a linked list block on its own path \(a cycle\)/);
  });

  it('reports a kv pair whose hash was corrupted, at the kv pair', () => {
    const bytes = mapsDatabase();
    const engine = openBytes(bytes);
    const longKv = kvOf(engine, 0, 'long');
    const floatKv = kvOf(engine, 0, 'float');
    bytes[longKv] = (bytes[longKv] as number) ^ 0x80; // the most significant byte: not on the trie path
    bytes[floatKv + HASH_SIZE - 1] = (bytes[floatKv + HASH_SIZE - 1] as number) ^ 0x01; // nibble 0: the root slot
    const report = verifyBytes(bytes);
    problemAt(report, longKv, /stored hash [0-9a-f]+ is not the hash of its key \["long"\]/);
    problemAt(report, floatKv, /does not belong here: its nibble 0 is/);
  });

  it('reports a long bytes value that claims more bytes than the data holds, at the record', () => {
    const bytes = mapsDatabase();
    const record = valueAt(openBytes(bytes), 0, 'long').slot.position;
    writeU64(bytes, record, 2 ** 52);
    problemAt(verifyBytes(bytes), record, /a byte value claims 4503599627370496 bytes, more than the data holds/);
  });

  it('reports a long bytes record cut off by a truncated file, at the record', () => {
    const text = 'the last record in the file, cut in the middle';
    const whole = buildDatabase((engine) => engine.transact((root) => root.hashMap().put('last').writeString(text)));
    const record = valueAt(openBytes(whole), 0, 'last').slot.position;
    // The commit's trailer follows its last record; cut both.
    const recordEnd = record + 8 + text.length;
    expect(whole.length - recordEnd).toBe(TRAILER_SIZE_MIN);
    const cut = whole.slice(0, recordEnd - 10);
    writeU64(cut, HISTORY_HEADER_POSITION + 16, cut.length); // a header that agrees with the shorter file
    problemAt(verifyBytes(cut), record, /claims \d+ bytes, more than the data holds/);
  });

  it('reports linked lists whose counts do not add up, at the count that disagrees', () => {
    const bytes = listsDatabase();
    const engine = openBytes(bytes);
    const header = valueAt(engine, 1, 'linked').slot.position;
    const root = readU64(bytes, header + 8);
    expect(bytes[header + 16]).toBe(1);
    const headerCount = readU64(bytes, header);
    writeU64(bytes, header, headerCount + 1);
    const firstCount = readU64(bytes, root + SLOT_SIZE);
    writeU64(bytes, root + LINKED_SLOT_SIZE + SLOT_SIZE, 0);
    const report = verifyBytes(bytes);
    problemAt(report, header, new RegExp(`header counts ${headerCount + 1} items but its root holds`));
    problemAt(report, root + LINKED_SLOT_SIZE + SLOT_SIZE, /points at an empty subtree/);
    expect(firstCount).toBeGreaterThan(0);

    const again = listsDatabase();
    writeU64(again, root + SLOT_SIZE, firstCount + 2);
    problemAt(verifyBytes(again), root + SLOT_SIZE, new RegExp(`counts ${firstCount + 2} items below it, but its subtree holds ${firstCount}`));
  });

  it('reports a sorted map slot that points at no sorted map', () => {
    const bytes = mapsDatabase();
    const engine = openBytes(bytes);
    const slot = valueAt(engine, 0, 'uint').slotPosition;
    writeSlot(bytes, slot, 14, 100);
    const report = verifyBytes(bytes);
    expect(report.ok).toBe(false);
    expect(report.problems.some((problem) => /sorted map/.test(problem.message))).toBe(true);
  });

  it('reports unknown tags and tags out of place, at the slot', () => {
    const bytes = mapsDatabase();
    const engine = openBytes(bytes);
    const nested = valueAt(engine, 0, 'nested').slot.position;
    const used = findSlot(bytes, nested, Tag.KV_PAIR);
    const empty = findSlot(bytes, nested, Tag.NONE);
    bytes[used] = 0x33;
    writeSlot(bytes, empty, Tag.UINT, 7);
    const valueSlot = valueAt(engine, 0, 'int').slotPosition;
    writeSlot(bytes, valueSlot, Tag.KV_PAIR, 200);
    const report = verifyBytes(bytes);
    problemAt(report, used, /unknown slot tag 51/);
    problemAt(report, empty, /a map index block holds a uint slot/);
    problemAt(report, valueSlot, /a kv_pair slot where a value is expected/);
  });

  it('reports a value that contains itself, which a recursive dump cannot finish', () => {
    const bytes = buildDatabase((engine) =>
      engine.transact((root) => {
        const map = root.hashMap();
        map.put('a').writeUint(1);
        map.put('self').writeSlot(root.refresh().slot);
      }),
    );
    const engine = openBytes(bytes);
    const self = valueAt(engine, 0, 'self').slotPosition;
    problemAt(verifyDatabase(engine), self, /contains itself/);
    expect(() => dumpDatabase(engine)).toThrow(CorruptDatabaseError);
  });

  it('reports a cycle that runs through a kv pair two maps share, which a per-value check would miss', () => {
    // Found by fuzzing: a slot of the nested map rewritten to the outer map's kv pair for "nested",
    // so the nested map holds itself through a pair the walk has already seen elsewhere.
    const bytes = mapsDatabase();
    const engine = openBytes(bytes);
    const nested = valueAt(engine, 0, 'nested').slot.position;
    const pair = kvOf(engine, 0, 'nested');
    const slot = nested + SLOT_SIZE * ((bytes[pair + HASH_SIZE - 1] as number) & 0x0f); // nibble 0 of its hash
    writeSlot(bytes, slot, Tag.KV_PAIR, pair);
    const report = verifyBytes(bytes);
    problemAt(report, slot, /points back at a kv pair on its own path \(a cycle\)/);
    expect(() => dumpDatabase(openBytes(bytes))).toThrow(CorruptDatabaseError);
  });

  it('reports damage to the history header made after the database was opened', () => {
    const bytes = mapsDatabase();
    const engine = Engine.open(MemoryStorage.fromBytes(bytes), { hasher: sha1Hasher });
    // fromBytes reads the caller's buffer in place, so this changes what verify reads.
    writeU64(bytes, HISTORY_HEADER_POSITION, 2 ** 52);
    problemAt(verifyDatabase(engine), HISTORY_HEADER_POSITION, /the history claims 4503599627370496 moments/);
    writeU64(bytes, HISTORY_HEADER_POSITION, 3);
    writeU64(bytes, HISTORY_HEADER_POSITION + 8, bytes.length - INDEX_BLOCK_SIZE / 2);
    problemAt(verifyDatabase(engine), HISTORY_HEADER_POSITION + 8, /the history root points at \d+, past the end of the data/);
  });

  it('reports several problems in one file, each once, without stopping at the first', () => {
    const bytes = mapsDatabase();
    const engine = openBytes(bytes);
    const counted = valueAt(engine, 0, 'counted').slot.position;
    const longSlot = valueAt(engine, 0, 'long').slotPosition;
    const tagged = valueAt(engine, 0, 'tagged').slot.position;
    const floatKv = kvOf(engine, 0, 'float');
    writeU64(bytes, counted, 1);
    writeSlot(bytes, longSlot, Tag.BYTES, bytes.length);
    writeU64(bytes, tagged, bytes.length);
    bytes[floatKv + 3] = (bytes[floatKv + 3] as number) ^ 0xff;
    const report = verifyBytes(bytes);
    problemAt(report, counted, /stores the count 1/);
    problemAt(report, longSlot, /past the end/);
    problemAt(report, tagged, /claims \d+ bytes/);
    problemAt(report, floatKv, /is not the hash of its key \["float"\]/);
    // Moments 0 and 2 share every damaged record, so each problem appears once.
    expect(report.problems).toHaveLength(4);
  });

  it('stops at maxProblems', () => {
    const bytes = listsDatabase();
    const engine = openBytes(bytes);
    const header = valueAt(engine, 0, 'list').slot.position;
    const root = readU64(bytes, header + 8);
    for (let leaf = 0; leaf < 3; leaf++) {
      const block = readSlotAt(bytes, root + leaf * SLOT_SIZE).value;
      for (let i = 0; i < 16; i++) bytes[block + i * SLOT_SIZE] = 0x40 + i;
    }
    expect(verifyBytes(bytes).problems.length).toBeGreaterThan(20);
    expect(verifyBytes(bytes, { maxProblems: 5 }).problems).toHaveLength(5);
    expect(() => verifyBytes(bytes, { maxProblems: 0 })).toThrow(InvalidArgumentError);
    expect(() => verifyBytes(bytes, { maxProblems: Number.NaN })).toThrow(InvalidArgumentError);
  });

  it('never throws on any single-byte overwrite of a small database', () => {
    const original = mapsDatabase();
    // Every 11th byte with three values: a quick, deterministic sweep (the fuzz tests go further).
    for (let position = 0; position < original.length; position += 11) {
      for (const value of [0x00, 0x81, 0xff]) {
        const bytes = original.slice();
        bytes[position] = value;
        let engine: Engine;
        try {
          engine = openBytes(bytes);
        } catch {
          continue; // the open refused it: nothing to verify
        }
        const report = verifyDatabase(engine);
        expect(report.ok).toBe(report.problems.length === 0);
      }
    }
  });
});
