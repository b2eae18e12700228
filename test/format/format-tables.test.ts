// Checks FORMAT.md against the code. Every byte example in it is encoded again
// with the project's own functions and compared byte for byte; the marked
// tables are compared with the constants and functions they describe; the
// annotated hexdump is regenerated from a real database.

import { TRAILER_FIXED_SIZE, TRAILER_FOOTER_SIZE, TRAILER_SIZE_MIN, TrailerKind, decodeTrailer, jumpSequence } from '../../src/format/commit-trailer.js';
import { appendTrailer, trailerIntact } from '../../src/history/trailers.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { BlockIO } from '../../src/core/block-io.js';
import { bytesSlot, readBytesValue } from '../../src/core/bytes-values.js';
import { readShortBytes, shortBytesSlot } from '../../src/format/bytes.js';
import {
  ARRAY_LIST_HEADER_SIZE,
  COUNT_SIZE,
  FILE_HEADER_SIZE,
  FORMAT_TAG_SIZE,
  FORMAT_VERSION,
  HISTORY_HEADER_POSITION,
  HISTORY_HEADER_SIZE,
  INDEX_BLOCK_SIZE,
  LONG_BYTES_LENGTH_SIZE,
  LIST_SHIFT_MAX,
  SLOT_SIZE,
} from '../../src/format/constants.js';
import { decodeFileHeader, encodeFileHeader, hashIdFromName } from '../../src/format/file-header.js';
import { Slot, readSlotFrom, splitI64, splitU64 } from '../../src/format/slot.js';
import { KNOWN_TAG_MAX, Tag, tagName } from '../../src/format/tags.js';
import { hamtFind, hashNibble, kvPairSize } from '../../src/hamt/hash-map.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { hashKey, keyHashInput } from '../../src/cursor/keys.js';
import { BRANCH_SIZE, BTREE_HEADER_SIZE, LEAF_SIZE } from '../../src/btree-list/node.js';
import { readBTreeHeader, writeBTreeHeader } from '../../src/btree-list/read.js';
import { btreeCreate, btreeInsert } from '../../src/btree-list/write.js';
import { linkedListGeneration } from '../../src/btree-list/generation.js';
import { encodeOrderedKey } from '../../src/format/ordered-key.js';
import { createXxHash128Hasher } from '../../src/hash/xxhash128.js';
import { Engine } from '../../src/history/engine.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE, readLinkedListHeader } from '../../src/rrb/linked-list-read.js';
import { dumpValue } from '../../src/history/dump.js';
import { ReadCursor } from '../../src/cursor/read-cursor.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { BRANCH_SIZE as SORTED_BRANCH_SIZE, LEAF_SIZE as SORTED_LEAF_SIZE, SORTED_HEADER_SIZE } from '../../src/sorted/node.js';
import { ARRAY_LIST_RECORD_SIZE, readListHeader, shiftForCount, writeListHeader } from '../../src/trie/array-list.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import {
  docExamples,
  docHeadings,
  docTable,
  exampleMarkers,
  plain,
  readFormatDoc,
  toHexdump,
} from './format-doc.js';

const doc = readFormatDoc();
const examples = docExamples(doc);
const encoder = new TextEncoder();

function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A u64 as the format stores it, written by BlockIO. */
function u64(value: number): Uint8Array {
  const storage = new MemoryStorage();
  new BlockIO(storage, 20).writeU64(0, value);
  return storage.toBytes().slice();
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The bytes of one example in FORMAT.md. */
function docBytes(name: string): Uint8Array {
  const example = examples.get(name);
  if (example === undefined) throw new Error(`FORMAT.md has no example "${name}"`);
  return example.bytes;
}

/** A new database with history, keyed by SHA-1, as §Annotated example creates it. */
function newDatabase(): { storage: MemoryStorage; engine: Engine } {
  const storage = new MemoryStorage({ durable: true });
  return { storage, engine: Engine.open(storage, { hasher: sha1Hasher, clock: () => Date.UTC(2026, 0, 1) }) };
}

/** The database of §Annotated example: one transaction putting `foo` and `bar` into the root map. */
function tinyDatabase(counted = false): { storage: MemoryStorage; engine: Engine } {
  const { storage, engine } = newDatabase();
  engine.transact((root) => {
    const map = counted ? root.countedHashMap() : root.hashMap();
    map.put('foo').writeString('hello');
    map.put('bar').writeUint(42);
  });
  return { storage, engine };
}

/** The 9 bytes a write cursor stores when `write` writes a list item. */
function writtenSlot(write: (cursor: WriteCursor) => void): Uint8Array {
  const { storage, engine } = newDatabase();
  let position = -1;
  engine.transact((root) => {
    const item = root.arrayList().append();
    write(item);
    position = item.slotPosition;
  });
  return storage.toBytes().slice(position, position + SLOT_SIZE);
}

/** A long bytes value appended at 0x200 by bytesSlot: the slot, then the record. */
function longBytes(value: Uint8Array, formatTag?: Uint8Array): Uint8Array {
  const storage = new MemoryStorage();
  storage.write(0, new Uint8Array(0x200));
  const io = new BlockIO(storage, 20);
  const slot = bytesSlot(io, value, formatTag);
  expect(slot.position).toBe(0x200);
  // The same bytes read back.
  const read = readBytesValue(io, slot, -1);
  expect(read.bytes).toEqual(value);
  expect(read.formatTag).toEqual(formatTag);
  return concat(slot.toBytes(), storage.toBytes().slice(0x200));
}

/** A gen-1 linked slot: a slot, then its u64 leaf count. */
function linkedSlot(slot: Slot, leafCount: number): Uint8Array {
  return concat(slot.toBytes(), u64(leafCount));
}

/**
 * How each example of FORMAT.md is made with the project's code. Every example
 * in the document must have an entry, and every entry an example.
 */
const encoders: Record<string, () => Uint8Array | Promise<Uint8Array>> = {
  'file-header-sha1': () => {
    const encoded = encodeFileHeader({ rootTag: Tag.ARRAY_LIST, version: FORMAT_VERSION, hashSize: sha1Hasher.size, hashId: hashIdFromName('sha1') });
    // A database this build creates starts with exactly these bytes.
    expect(newDatabase().storage.toBytes().slice(0, FILE_HEADER_SIZE)).toEqual(encoded);
    return encoded;
  },
  'file-header-xx16-no-history': async () => {
    const hasher = await createXxHash128Hasher();
    const storage = new MemoryStorage();
    Engine.open(storage, { hasher, history: false });
    const created = storage.toBytes().slice(0, FILE_HEADER_SIZE);
    expect(created).toEqual(encodeFileHeader({ rootTag: Tag.HASH_MAP, version: FORMAT_VERSION, hashSize: 16, hashId: hashIdFromName('xx16') }));
    return created;
  },
  'file-header-unnamed': () => encodeFileHeader({ rootTag: Tag.ARRAY_LIST, version: FORMAT_VERSION, hashSize: 20, hashId: 0 }),

  'slot-empty': () => Slot.EMPTY.toBytes(),
  'slot-none-written': () => writtenSlot((cursor) => cursor.writeNone()),
  'slot-uint': () => {
    const written = writtenSlot((cursor) => cursor.writeUint(42));
    expect(written).toEqual(new Slot(Tag.UINT, false, ...splitU64(42)).toBytes());
    return written;
  },
  'slot-int': () => {
    const written = writtenSlot((cursor) => cursor.writeInt(-42));
    expect(written).toEqual(new Slot(Tag.INT, false, ...splitI64(-42)).toBytes());
    return written;
  },
  'slot-float': () => writtenSlot((cursor) => cursor.writeFloat(42.5)),
  'slot-hash-map': () => Slot.pointer(Tag.HASH_MAP, 0x144).toBytes(),
  'slot-bytes-tagged': () => Slot.pointer(Tag.BYTES, 0x42f, true).toBytes(),
  'slot-index-closed': () => Slot.pointer(Tag.INDEX, 0x1ea11, true).toBytes(),

  'index-block': () => {
    const { storage, engine } = tinyDatabase();
    const map = engine.moment(-1).slot;
    expect(map.tag).toBe(Tag.HASH_MAP);
    expect(map.position).toBe(0x144);
    return storage.toBytes().slice(map.position, map.position + INDEX_BLOCK_SIZE);
  },
  'history-header-new': () => {
    const { storage, engine } = newDatabase();
    expect(engine.committedSize).toBe(180);
    expect(storage.toBytes().length).toBe(180);
    return storage.toBytes().slice(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE);
  },
  'array-list-header': () => {
    const storage = new MemoryStorage();
    storage.write(0, new Uint8Array(ARRAY_LIST_HEADER_SIZE + 0x3e8 + INDEX_BLOCK_SIZE));
    const io = new BlockIO(storage, 20);
    writeListHeader(io, 0, { count: 20, root: 0x3e8 });
    expect(readListHeader(io, 0)).toEqual({ count: 20, root: 0x3e8 });
    return storage.toBytes().slice(0, ARRAY_LIST_HEADER_SIZE);
  },
  'kv-pair': () => {
    const { storage, engine } = tinyDatabase();
    const key = utf8('foo');
    const position = hamtFind(engine.io, engine.moment(-1).slot.position, sha1Hasher.hash(key), { bytes: key, formatTag: undefined });
    expect(position).toBe(0x1d4);
    return storage.toBytes().slice(position, position + kvPairSize(sha1Hasher.size));
  },
  'counted-map': () => {
    const { storage, engine } = tinyDatabase(true);
    const map = engine.moment(-1).slot;
    expect(map.tag).toBe(Tag.COUNTED_HASH_MAP);
    expect(map.position).toBe(0x144);
    return storage.toBytes().slice(map.position, map.position + COUNT_SIZE + INDEX_BLOCK_SIZE);
  },

  'short-bytes': () => {
    const slot = bytesSlot(new BlockIO(new MemoryStorage(), 20), utf8('foo'));
    expect(slot.equals(shortBytesSlot(utf8('foo')))).toBe(true);
    return slot.toBytes();
  },
  'short-bytes-eight': () => shortBytesSlot(utf8('abcdefgh')).toBytes(),
  'short-bytes-empty': () => bytesSlot(new BlockIO(new MemoryStorage(), 20), new Uint8Array(0)).toBytes(),
  'short-bytes-tagged': () => writtenSlot((cursor) => cursor.writeString('hello', 'tx')),
  'long-bytes': () => longBytes(utf8('hello, world!')),
  'long-bytes-tagged': () => longBytes(utf8('hello, world!'), utf8('tx')),
  'long-bytes-zero': () => longBytes(Uint8Array.of(0x61, 0x00, 0x62)),

  'hash-xx16-foo': async () => (await createXxHash128Hasher()).hash(utf8('foo')),
  'hash-xx16-empty': async () => (await createXxHash128Hasher()).hash(new Uint8Array(0)),
  'hash-sha1-foo': () => sha1Hasher.hash(utf8('foo')),
  'hash-input-tagged-null': () => keyHashInput({ bytes: new Uint8Array(0), formatTag: utf8('nl') }),
  'hash-sha1-tagged-null': () => hashKey(sha1Hasher, { bytes: new Uint8Array(0), formatTag: utf8('nl') }),

  'linked-slot-leaf': () => linkedSlot(Slot.pointer(Tag.BYTES, 0x21a1), 0),
  'linked-slot-branch': () => linkedSlot(Slot.pointer(Tag.INDEX, 0x1ea11, true), 256),
  'linked-list': () => {
    const header = concat(u64(3), u64(0x211), Uint8Array.of(0));
    const block = concat(
      linkedSlot(new Slot(Tag.UINT, false, 0, 7), 0),
      linkedSlot(new Slot(Tag.NONE, true, 0, 0), 0),
      linkedSlot(new Slot(Tag.UINT, false, 0, 9), 0),
      new Uint8Array(13 * LINKED_SLOT_SIZE),
    );
    expect(header.length).toBe(LINKED_LIST_HEADER_SIZE);
    expect(block.length).toBe(LINKED_BLOCK_SIZE);
    return concat(header, block);
  },

  'sorted-header': () => {
    const { storage, header } = sortedFruit();
    return storage.toBytes().slice(header, header + SORTED_HEADER_SIZE);
  },
  'sorted-leaf': () => {
    const { storage, root } = sortedFruit();
    expect(root).toBe(0x144);
    return storage.toBytes().slice(root, root + SORTED_LEAF_SIZE);
  },
  'sorted-kv-pair': () => {
    const { storage, engine } = sortedFruit();
    const key = engine.moment(-1).asSortedMap().at(0).key;
    const kv = key.slotPosition - sha1Hasher.size;
    expect(kv).toBe(0x20c);
    return storage.toBytes().slice(kv, kv + kvPairSize(sha1Hasher.size));
  },
  'sorted-branch': () => {
    const { storage, engine } = newDatabase();
    engine.transact((root) => {
      const set = root.sortedSet();
      for (let i = 0; i <= 16; i++) set.add(`k${String(i).padStart(2, '0')}`);
    });
    const bytes = storage.toBytes();
    const root = readU64At(bytes, engine.moment(-1).slot.position + 8);
    return bytes.slice(root, root + SORTED_BRANCH_SIZE);
  },

  'tiny-database': () => tinyDatabase().storage.toBytes().slice(),

  'commit-trailer': () => {
    // A commit of 0x3d2 zero bytes from 0x220, then its trailer at 0x5f2.
    const storage = new MemoryStorage();
    storage.write(0, new Uint8Array(0x5f2));
    const trailer = appendTrailer(storage, {
      kind: TrailerKind.TRANSACTION,
      dataChecked: true,
      previousSize: 0x220,
      previousTrailerEnd: 0x220,
      sequence: 10,
      jumpEnd: 0x170,
      count: 10,
      root: 0x544,
      time: Date.UTC(2026, 0, 1),
      restoredMoment: -1,
      meta: utf8(JSON.stringify({ m: 'hi' })),
    });
    expect(jumpSequence(10)).toBe(7);
    expect([trailer.start, trailer.end]).toEqual([0x5f2, 0x654]);
    const bytes = storage.toBytes().slice(trailer.start);
    // What a reader makes of it: the same fields, an intact checksum.
    const decoded = decodeTrailer(bytes, trailer.end);
    expect(decoded).toEqual(trailer);
    expect(trailerIntact(storage, trailer)).toBe(true);
    return bytes;
  },

  'ordered-key-string': () => encodeOrderedKey('abc'),
  'ordered-key-numbers': () => concat(encodeOrderedKey(-1), encodeOrderedKey(1), encodeOrderedKey(NaN)),
  'ordered-key-bigints': () => concat(encodeOrderedKey(-1n), encodeOrderedKey(256n)),
  'ordered-key-others': () => concat(encodeOrderedKey(null), encodeOrderedKey(true), encodeOrderedKey(new Date(0)), encodeOrderedKey(Uint8Array.of(1, 2))),
  'ordered-key-tuple': () => encodeOrderedKey([30, 'x']),
  'ordered-key-tuple-escaped': () => encodeOrderedKey(['a\u0000', null]),

  'btree-list-two': () => {
    const { io } = gen2List(2);
    return io.readBytes(0x200, LEAF_SIZE + BTREE_HEADER_SIZE);
  },
  'btree-branch-seventeen': () => {
    const { io, header } = gen2List(17);
    return io.readBytes(readBTreeHeader(io, header).root, BRANCH_SIZE);
  },
  'generation-gen2-branch': () => {
    const { io, header } = gen2List(17);
    expect(linkedListGeneration(io, header)).toBe(2);
    return concat(io.readBytes(header, BTREE_HEADER_SIZE), io.readBytes(readBTreeHeader(io, header).root, 2));
  },
  'generation-gen1-leaf': () => {
    // The gen-1 list of the linked-list example, at 0x200.
    const io = new BlockIO(new MemoryStorage(), 20);
    io.appendZeros(0x200 - io.end());
    io.append(concat(u64(3), u64(0x211), Uint8Array.of(0)));
    const block = new Uint8Array(LINKED_BLOCK_SIZE);
    block.set(linkedSlot(new Slot(Tag.UINT, false, 0, 7), 0), 0);
    io.append(block);
    expect(linkedListGeneration(io, 0x200)).toBe(1);
    return io.readBytes(0x200, LINKED_LIST_HEADER_SIZE + 2);
  },
};

/** A gen-2 list of `count` items as xitdb-java builds it by appends (items: uint 7, a written none, then uint i), its leaf at 0x200. */
function gen2List(count: number): { io: BlockIO; header: number } {
  const io = new BlockIO(new MemoryStorage(), 20);
  io.appendZeros(0x200 - io.end());
  const header = btreeCreate(io);
  for (let i = 0; i < count; i++) {
    const result = btreeInsert(io, readBTreeHeader(io, header), i, 0);
    writeBTreeHeader(io, header, result.header);
    if (i === 0) io.writeSlot(result.slotPosition, new Slot(Tag.UINT, false, 0, 7));
    else if (i > 1) io.writeSlot(result.slotPosition, new Slot(Tag.UINT, false, 0, i));
  }
  return { io, header };
}

/** §Sorted maps: a map where `pear` then `apple` were put, in one transaction. */
function sortedFruit(): { storage: MemoryStorage; engine: Engine; header: number; root: number } {
  const { storage, engine } = newDatabase();
  engine.transact((root) => {
    const map = root.sortedMap();
    map.put('pear').writeUint(2);
    map.put('apple').writeUint(1);
  });
  const header = engine.moment(-1).slot.position;
  return { storage, engine, header, root: readU64At(storage.toBytes(), header + 8) };
}

function readU64At(bytes: Uint8Array, position: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(position));
}

describe('FORMAT.md examples', () => {
  it('has an encoder in this test for every example, and an example for every encoder', () => {
    const markers = exampleMarkers(doc);
    expect(new Set(markers).size).toBe(markers.length);
    expect([...examples.keys()].sort()).toEqual([...markers].sort());
    expect([...examples.keys()].sort()).toEqual(Object.keys(encoders).sort());
  });

  for (const [name, encode] of Object.entries(encoders)) {
    it(`prints the bytes the code writes for "${name}"`, async () => {
      const encoded = await encode();
      expect(hex(docBytes(name))).toBe(hex(encoded));
    });
  }

  it('prints the annotated hexdump exactly as xxd prints the example database', () => {
    const example = examples.get('tiny-database');
    expect(example?.kind).toBe('hexdump');
    expect(example?.text).toBe(toHexdump(tinyDatabase().storage.toBytes()));
  });
});

describe('FORMAT.md examples decode with the readers', () => {
  it('decodes the file header examples to their fields', () => {
    expect(decodeFileHeader(docBytes('file-header-sha1'))).toEqual({ rootTag: Tag.ARRAY_LIST, version: 0, hashSize: 20, hashId: 0x73686131 });
    expect(decodeFileHeader(docBytes('file-header-xx16-no-history'))).toEqual({ rootTag: Tag.HASH_MAP, version: 0, hashSize: 16, hashId: 0x78783136 });
    expect(decodeFileHeader(docBytes('file-header-unnamed')).hashId).toBe(0);
  });

  it('decodes the slot examples to their tag, flag and value', () => {
    const slot = (name: string): Slot => readSlotFrom(new DataView(docBytes(name).buffer), 0);
    expect(slot('slot-empty').isEmpty).toBe(true);
    expect(slot('slot-none-written')).toMatchObject({ tag: Tag.NONE, full: true });
    expect(slot('slot-none-written').isEmpty).toBe(false);
    expect(slot('slot-uint').valueU64).toBe(42n);
    expect(slot('slot-int').valueI64).toBe(-42n);
    expect(new DataView(docBytes('slot-float').buffer).getFloat64(1)).toBe(42.5);
    expect(slot('slot-hash-map')).toMatchObject({ tag: Tag.HASH_MAP, full: false, position: 0x144 });
    expect(slot('slot-bytes-tagged')).toMatchObject({ tag: Tag.BYTES, full: true, position: 0x42f });
    expect(slot('slot-index-closed')).toMatchObject({ tag: Tag.INDEX, full: true, position: 0x1ea11 });
  });

  it('reads the short bytes examples back to their value and format tag', () => {
    const read = (name: string) => readShortBytes(readSlotFrom(new DataView(docBytes(name).buffer), 0));
    expect(read('short-bytes')).toEqual({ bytes: utf8('foo'), formatTag: undefined });
    expect(read('short-bytes-eight')).toEqual({ bytes: utf8('abcdefgh'), formatTag: undefined });
    expect(read('short-bytes-empty')).toEqual({ bytes: new Uint8Array(0), formatTag: undefined });
    expect(read('short-bytes-tagged')).toEqual({ bytes: utf8('hello'), formatTag: utf8('tx') });
  });

  it('reads the linked list example with the gen-1 reader', () => {
    const storage = new MemoryStorage();
    storage.write(0, new Uint8Array(0x200));
    storage.write(0x200, docBytes('linked-list'));
    const io = new BlockIO(storage, 20);
    expect(readLinkedListHeader(io, 0x200)).toEqual({ count: 3, root: 0x211, shift: 0 });
    // Through the public reading path, so the check survives changes inside src/rrb.
    const list = new ReadCursor({ io, hasher: sha1Hasher, readOnly: true }, -1, Slot.pointer(Tag.LINKED_ARRAY_LIST, 0x200));
    expect(dumpValue(list)).toEqual({ linked_array_list: [{ uint: '7' }, null, { uint: '9' }] });
  });
});

describe('FORMAT.md tables', () => {
  it('lists in §Tags exactly the tag numbers and names of src/format/tags.ts', () => {
    const rows = docTable(doc, 'table: tags');
    const numbers = rows.map((row) => Number(row[0]));
    expect(numbers).toEqual(Array.from({ length: 16 }, (_, i) => i));
    for (const row of rows) {
      const tag = Number(row[0]);
      const name = plain(row[1] as string);
      expect(tagName(tag)).toBe(name);
      if (tag <= KNOWN_TAG_MAX) expect((Tag as Record<string, number>)[name.toUpperCase()]).toBe(tag);
    }
    for (const [key, tag] of Object.entries(Tag)) expect(plain(rows[tag]?.[1] ?? '')).toBe(key.toLowerCase());
    expect(KNOWN_TAG_MAX).toBe(13);
  });

  it('gives in §Records the sizes of src/format/constants.ts', () => {
    const sizes: Record<string, string> = {
      'file header': String(FILE_HEADER_SIZE),
      'history header': String(HISTORY_HEADER_SIZE),
      slot: String(SLOT_SIZE),
      'index block': String(INDEX_BLOCK_SIZE),
      'array list header': String(ARRAY_LIST_HEADER_SIZE),
      'kv pair': `hash size + ${kvPairSize(0)}`,
      'count of a counted structure': String(COUNT_SIZE),
      'long bytes': `${LONG_BYTES_LENGTH_SIZE} + length, + ${FORMAT_TAG_SIZE} with a format tag`,
      'linked array list header': String(LINKED_LIST_HEADER_SIZE),
      'linked slot': String(LINKED_SLOT_SIZE),
      'linked block': String(LINKED_BLOCK_SIZE),
      'commit trailer': `${TRAILER_SIZE_MIN} + metadata`,
      'gen-2 linked list header': String(BTREE_HEADER_SIZE),
      'gen-2 leaf node': String(LEAF_SIZE),
      'gen-2 branch node': String(BRANCH_SIZE),
      'sorted map header': String(SORTED_HEADER_SIZE),
      'sorted leaf node': String(SORTED_LEAF_SIZE),
      'sorted branch node': String(SORTED_BRANCH_SIZE),
    };
    const rows = docTable(doc, 'table: records');
    expect(rows.map((row) => row[0]).sort()).toEqual(Object.keys(sizes).sort());
    for (const row of rows) expect(row[1]).toBe(sizes[row[0] as string]);
    expect(ARRAY_LIST_RECORD_SIZE).toBe(160);
  });

  it('gives layout tables whose fields follow one another and add up to the record size', () => {
    const layouts: Record<string, number> = {
      'file-header': FILE_HEADER_SIZE,
      slot: SLOT_SIZE,
      'history-header': HISTORY_HEADER_SIZE,
      'array-list-header': ARRAY_LIST_HEADER_SIZE,
      'linked-list-header': LINKED_LIST_HEADER_SIZE,
      'linked-slot': LINKED_SLOT_SIZE,
      'commit-trailer': TRAILER_FIXED_SIZE,
      'commit-trailer-footer': TRAILER_FOOTER_SIZE,
      'btree-list-header': BTREE_HEADER_SIZE,
      'btree-leaf': LEAF_SIZE,
      'btree-branch': BRANCH_SIZE,
      'sorted-header': SORTED_HEADER_SIZE,
      'sorted-leaf': SORTED_LEAF_SIZE,
      'sorted-branch': SORTED_BRANCH_SIZE,
    };
    const markers = [...doc.matchAll(/<!-- layout: ([a-z0-9-]+) -->/g)].map((m) => m[1]);
    expect(markers.sort()).toEqual(Object.keys(layouts).sort());
    for (const [name, size] of Object.entries(layouts)) {
      let offset = 0;
      for (const row of docTable(doc, `layout: ${name}`)) {
        expect(Number(row[0]), `${name}: ${row[2]}`).toBe(offset);
        offset += Number(row[1]);
      }
      expect(offset, name).toBe(size);
    }
  });

  it('gives in the radix table the shift that shiftForCount computes', () => {
    const rows = docTable(doc, 'table: radix');
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) {
      const count = Number(row[0]);
      expect(shiftForCount(count), `count ${count}`).toBe(Number(row[2]));
      expect(Number(row[3])).toBe(shiftForCount(count) + 1);
      if (count > 0) expect(row[1]).toBe(`0x${(count - 1).toString(16)}`);
    }
    expect(shiftForCount(Number.MAX_SAFE_INTEGER)).toBeLessThan(LIST_SHIFT_MAX);
  });

  it('gives in the nibble table the nibbles that hashNibble reads', () => {
    const hash = sha1Hasher.hash(utf8('foo'));
    const rows = docTable(doc, 'table: nibbles');
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) {
      const level = Number(row[0]);
      const byte = /^H\[(\d+)\] = 0x([0-9a-f]{2})$/.exec(row[1] as string);
      expect(byte, row[1]).not.toBeNull();
      const index = Number(byte?.[1]);
      expect(index).toBe(hash.length - 1 - Math.floor(level / 2));
      expect(hash[index]).toBe(parseInt(byte?.[2] ?? '', 16));
      expect(row[2]).toBe(level % 2 === 0 ? 'low' : 'high');
      expect(hashNibble(hash, level), `level ${level}`).toBe(parseInt(row[3] as string, 16));
    }
  });
});

describe('FORMAT.md sections', () => {
  const headings = docHeadings(doc);

  it('has every section the code and the other documents cite, each once', () => {
    const required = [
      'Conventions',
      'Records',
      'File header',
      'Slot',
      'Tags',
      'Index block',
      'History header',
      'History',
      'Array lists',
      'Array list header',
      'Hash maps',
      'Kv pair',
      'Counted structures',
      'Short bytes',
      'Long bytes',
      'Format tags',
      'Hashing',
      'Linked array lists',
      'Sorted maps',
      'Limits',
      'Transactions',
      'Commit and recovery',
      'Durability',
      'Annotated example',
      'Compatibility',
      'Glossary',
    ];
    for (const name of required) expect(headings.filter((heading) => heading === name), name).toHaveLength(1);
  });

  it('resolves every "§Name" that a comment in src/ cites', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const sourceFiles = (folder: string): string[] =>
      readdirSync(folder).flatMap((entry) => {
        const path = join(folder, entry);
        if (statSync(path).isDirectory()) return sourceFiles(path);
        return path.endsWith('.ts') ? [path] : [];
      });
    const unresolved: string[] = [];
    let resolved = 0;
    for (const path of sourceFiles(join(here, '..', '..', 'src'))) {
      // Join comment lines, so that a name wrapped over two lines reads whole.
      const text = readFileSync(path, 'utf8').replace(/\s*\n\s*(?:\/\/|\*(?!\/))?\s*/g, ' ');
      for (const match of text.matchAll(/§(.{0,60})/g)) {
        const cited = match[1] as string;
        if (/^\d/.test(cited)) continue; // another document's numbered section, e.g. FIPS 180-4 §6.1
        const known = headings.some((heading) => cited.startsWith(heading) && !/^[A-Za-z]/.test(cited.slice(heading.length)));
        if (known) resolved++;
        else unresolved.push(`${path}: §${cited}`);
      }
    }
    expect(unresolved).toEqual([]);
    // The source cites FORMAT.md in dozens of places; finding few means the scan broke.
    expect(resolved).toBeGreaterThan(20);
  });
});
