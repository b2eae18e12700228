// Damaged input: every truncation and many bit flips of a real file end in
// correct data or one of our typed errors, never a TypeError or RangeError.
// (The full fuzzing campaign belongs to the hardening issue; this is the
// engine's baseline contract.)

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { CorruptDatabaseError, StrataError } from '../../src/errors.js';
import { uintSlot } from '../../src/format/slot.js';
import { Tag } from '../../src/format/tags.js';
import { headerTree } from '../../src/rrb/rrb-tree.js';
import { LINKED_SLOT_SIZE, readLinkedListHeader } from '../../src/rrb/linked-list-read.js';

function smallDatabase(): Uint8Array {
  const storage = new MemoryStorage();
  const engine = Engine.open(storage, { hasher: sha1Hasher });
  engine.transact((root) => {
    const map = root.hashMap();
    map.put('name').writeString('a small database for damage tests');
    const list = map.put('list').arrayList();
    for (let i = 0; i < 40; i++) list.append().writeUint(i);
    const set = map.put('set').countedHashSet();
    for (let i = 0; i < 20; i++) set.add(`member-${i}`);
    map.put('nested').hashMap().put('deep').countedHashMap().put('x').writeFloat(1.5);
  });
  engine.transact((root) => {
    root.hashMap().remove('name');
    root.hashMap().put('list').arrayList().slice(17);
  });
  return storage.toBytes().slice();
}

/** Opens and dumps the bytes; returns 'ok' or the error code. Anything else fails the test. */
function readAll(bytes: Uint8Array, readOnly: boolean): string {
  try {
    const engine = Engine.open(MemoryStorage.fromBytes(bytes, { readOnly }), { hasher: sha1Hasher });
    dumpDatabase(engine);
    if (!readOnly && engine.hasHistory) engine.transact((root) => root.hashMap().put('after').writeUint(1));
    return 'ok';
  } catch (error) {
    if (error instanceof StrataError) return error.code;
    throw error;
  }
}

describe('reading damaged databases', () => {
  const original = smallDatabase();

  it('ends every truncation in data or a typed error', () => {
    for (let length = 0; length < original.length; length++) {
      readAll(original.slice(0, length), true);
    }
  });

  it('ends single bit flips and byte overwrites anywhere in a typed error or data', () => {
    fc.assert(
      fc.property(fc.nat(original.length - 1), fc.nat(7), fc.boolean(), fc.integer({ min: 0, max: 255 }), (position, bit, overwrite, value) => {
        const damaged = original.slice();
        if (overwrite) damaged[position] = value;
        else damaged[position] = (damaged[position] as number) ^ (1 << bit);
        readAll(damaged.slice(), true);
        readAll(damaged.slice(), false);
      }),
      { numRuns: Number(process.env.STRATADB_PROPERTY_RUNS ?? 2000), seed: 20261121 },
    );
  });

  it('rejects bytes that are not a database with CorruptDatabaseError', () => {
    expect(readAll(new TextEncoder().encode('hello, world, this is not xitdb'), true)).toBe('CORRUPT');
  });
});

describe('a linked list whose branch over-counts a leaf', () => {
  it('refuses a committed get past the leaf instead of reading the next block', () => {
    const storage = new MemoryStorage();
    let engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => {
      const list = root.hashMap().put('l').linkedArrayList();
      for (let i = 0; i < 48; i++) list.appendSlot(uintSlot(i));
    });
    const header = engine.moment(-1).asHashMap().get('l')!.slot.position;
    const rootBlock = headerTree(readLinkedListHeader(engine.io, header)).root;
    const bytes = storage.toBytes().slice();
    engine.close();
    // Leaf 1 counted as 20 items (it holds 16) and leaf 2 as 12: the root's counts still add up to 48.
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(rootBlock + 1 * LINKED_SLOT_SIZE + 13, 20);
    view.setUint32(rootBlock + 2 * LINKED_SLOT_SIZE + 13, 12);
    engine = Engine.open(MemoryStorage.fromBytes(bytes), { hasher: sha1Hasher });
    const list = engine.moment(-1).asHashMap().get('l')!.asLinkedArrayList();
    expect(() => list.get(35)).toThrow(CorruptDatabaseError);
    expect(list.get(10).readNumber()).toBe(10);
  });
});

describe('stats on a set whose members carry a value slot', () => {
  it('ignores set value slots, as readers do, instead of following them as map blocks', async () => {
    const { open } = await import('../../src/index.js');
    const { databaseStats } = await import('../../src/history/stats.js');
    const db = await open();
    db.set(['s'], new Set(['a', 'b']));
    const { ReadHashMap } = await import('../../src/cursor/read-cursor.js');
    const set = db.snapshot().cursor().asHashMap().get('s')!;
    const member = [...new ReadHashMap(set.ctx, set.slot, set.slotPosition).entries()][0]!;
    const position = member.value.slotPosition;
    const healthy = databaseStats(db.engine, { reachable: true }).reachableBytes;
    const bytes = db.bytes().slice();
    db.close();
    bytes[position] = Tag.INDEX;
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(position + 5, 0x78787878);
    const damaged = await open(bytes);
    expect(databaseStats(damaged.engine, { reachable: true }).reachableBytes).toBe(healthy);
    expect([...(damaged.get(['s']) as Iterable<unknown>)].sort()).toEqual(['a', 'b']);
  });
});
