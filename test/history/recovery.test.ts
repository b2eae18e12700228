// A read-write open cuts only a tail that is provably past the last commit: a
// history header whose committed size was damaged (one bit off) must never make
// the open destroy the latest moment, which a read-only open still reads.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { CorruptDatabaseError } from '../../src/errors.js';
import { HISTORY_HEADER_POSITION } from '../../src/format/constants.js';
import { buildDatabase, listsDatabase, mapsDatabase, readU64, writeU64 } from '../support/sample-databases.js';

const COMMITTED_SIZE_POSITION = HISTORY_HEADER_POSITION + 16;

/** A database whose last transaction writes every kind of record. */
function busyDatabase(): Uint8Array {
  return buildDatabase((engine) => {
    engine.transact((root) => root.hashMap().put('first').writeString('moment one'));
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('bytes').writeBytes(new Uint8Array(300).fill(7));
      const list = map.put('list').arrayList();
      for (let i = 0; i < 40; i++) list.append().writeUint(i);
      const linked = map.put('linked').linkedArrayList();
      for (let i = 0; i < 40; i++) linked.append().writeString(`item ${i} of a linked list`);
      map.put('set').countedHashSet().add('member');
    });
  });
}

function dumpOf(bytes: Uint8Array): string {
  return JSON.stringify(dumpDatabase(Engine.open(MemoryStorage.fromBytes(bytes.slice()), { hasher: sha1Hasher })));
}

/** A file whose latest commit is xitdb-java's, so it carries no trailer (test/interop/data). */
function javaAppended(): Uint8Array {
  return new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'interop', 'data', 'java-appended.db')));
}

describe('a read-write open of a file whose committed size is one bit off', () => {
  for (const [name, make] of [['maps', mapsDatabase], ['lists', listsDatabase], ['busy', busyDatabase]] as const) {
    it(`repairs the size from the latest commit's trailer (${name})`, () => {
      const original = make();
      const committed = readU64(original, COMMITTED_SIZE_POSITION);
      expect(committed).toBe(original.length);
      for (let bit = 0; 2 ** bit <= committed; bit++) {
        if (Math.floor(committed / 2 ** bit) % 2 === 0) continue;
        const damaged = original.slice();
        writeU64(damaged, COMMITTED_SIZE_POSITION, committed - 2 ** bit);
        expect(dumpOf(damaged), `bit ${bit}, read-only`).toBe(dumpOf(original));
        const storage = MemoryStorage.fromBytes(damaged.slice(), { readOnly: false });
        Engine.open(storage, { hasher: sha1Hasher });
        expect(storage.toBytes(), `bit ${bit}`).toEqual(original);
      }
    });
  }

  for (const [name, make] of [['latest commit by xitdb-java, without a trailer', javaAppended]] as const) {
    it(`never cuts into the latest commit (${name})`, () => {
      const original = make();
      const expected = dumpOf(original);
      const committed = readU64(original, COMMITTED_SIZE_POSITION);
      expect(committed).toBe(original.length);
      let refused = 0;
      for (let bit = 0; 2 ** bit <= committed; bit++) {
        if (Math.floor(committed / 2 ** bit) % 2 === 0) continue;
        const damaged = original.slice();
        writeU64(damaged, COMMITTED_SIZE_POSITION, committed - 2 ** bit);
        // Read-only, the damage costs nothing when the history root is still inside.
        let readOnlyDump: string | undefined;
        try {
          readOnlyDump = dumpOf(damaged);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptDatabaseError);
        }
        if (readOnlyDump !== undefined) expect(readOnlyDump).toBe(expected);
        const storage = MemoryStorage.fromBytes(damaged.slice(), { readOnly: false });
        let engine: Engine;
        try {
          engine = Engine.open(storage, { hasher: sha1Hasher });
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptDatabaseError);
          // Refused: not one byte cut.
          expect(storage.size()).toBe(original.length);
          refused++;
          continue;
        }
        // Let in: what it cut held nothing the latest moment reaches.
        expect(JSON.stringify(dumpDatabase(engine))).toBe(expected);
      }
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('still cuts the tail of an interrupted transaction', () => {
    const original = busyDatabase();
    const storage = MemoryStorage.fromBytes(original.slice(), { readOnly: false });
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    // A transaction that wrote blocks and stopped before its header: the bytes past the committed size.
    storage.write(storage.size(), new Uint8Array(500).fill(0xab));
    const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice(), { readOnly: false }), { hasher: sha1Hasher });
    expect(reopened.storage.size()).toBe(original.length);
    expect(JSON.stringify(dumpDatabase(reopened))).toBe(dumpOf(original));
    expect(engine.momentCount).toBe(2);
  });

  it('refuses to wipe a database whose root tag was damaged to none', () => {
    const original = busyDatabase();
    const damaged = original.slice();
    expect(damaged[3]).toBe(2); // the array list tag of a history database
    damaged[3] = 0; // one bit off: none, "nothing committed yet"
    const storage = MemoryStorage.fromBytes(damaged, { readOnly: false });
    expect(() => Engine.open(storage, { hasher: sha1Hasher })).toThrow(CorruptDatabaseError);
    expect(storage.size()).toBe(original.length);
    damaged[3] = 2;
    expect(JSON.stringify(dumpDatabase(Engine.open(MemoryStorage.fromBytes(damaged), { hasher: sha1Hasher })))).toBe(dumpOf(original));
  });
});
