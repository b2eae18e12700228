// The history of moments and the transaction protocol, on every backend:
// growth of the history trie, failed transactions, undo, revert, history
// slice, clones and freeze, recovery of an interrupted transaction.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { HISTORY_HEADER_POSITION } from '../../src/format/constants.js';
import { ReadOnlyError, TransactionError, OutOfRangeError } from '../../src/errors.js';
import { backends, type BackendSlot } from '../support/backends.js';

const open = (slot: BackendSlot, readOnly = false): Engine => Engine.open(slot.open({ readOnly }), { hasher: sha1Hasher });

function counterValue(engine: Engine, moment: number): bigint | undefined {
  return engine.moment(moment).asHashMap().get('n')?.readUint();
}

describe.each(backends)('Engine history on $name', (backend) => {
  it('grows the history trie past 16 and 256 moments and keeps every moment readable', () => {
    const slot = backend.slot();
    let engine = open(slot);
    for (let i = 0; i < 300; i++) {
      engine.transact((root) => root.hashMap().put('n').writeUint(i));
      if (i === 16 || i === 17 || i === 256) {
        engine.close();
        engine = open(slot);
      }
    }
    expect(engine.momentCount).toBe(300);
    for (let i = 0; i < 300; i++) expect(counterValue(engine, i)).toBe(BigInt(i));
    engine.close();
  });

  it('leaves the database intact when a transaction fails at the moment the history trie grows a level', () => {
    const slot = backend.slot();
    const engine = open(slot);
    for (let i = 0; i < 16; i++) engine.transact((root) => root.hashMap().put('n').writeUint(i));
    const before = dumpDatabase(engine);
    const size = engine.storage.size();
    expect(() =>
      engine.transact((root) => {
        root.hashMap().put('n').writeUint(999);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(engine.storage.size()).toBe(size);
    expect(dumpDatabase(engine)).toEqual(before);
    engine.transact((root) => root.hashMap().put('n').writeUint(16));
    expect(engine.momentCount).toBe(17);
    expect(counterValue(engine, -1)).toBe(16n);
    engine.close();
    const reopened = open(slot);
    expect(dumpDatabase(reopened).moments.length).toBe(17);
    expect(counterValue(reopened, 15)).toBe(15n);
    reopened.close();
  });

  it('undoes and reverts by appending an old moment, and slices the history', () => {
    const engine = open(backend.slot());
    for (let i = 0; i < 5; i++) engine.transact((root) => root.hashMap().put('n').writeUint(i));
    engine.undo();
    expect(engine.momentCount).toBe(6);
    expect(counterValue(engine, -1)).toBe(3n);
    expect(engine.moment(-1).slot.equals(engine.moment(3).slot)).toBe(true);
    engine.undo(3);
    expect(counterValue(engine, -1)).toBe(2n);
    engine.revert(0);
    expect(counterValue(engine, -1)).toBe(0n);
    engine.sliceHistory(2);
    expect(engine.momentCount).toBe(2);
    expect(counterValue(engine, -1)).toBe(1n);
    engine.transact((root) => root.hashMap().put('n').writeUint(42));
    expect(engine.momentCount).toBe(3);
    expect(counterValue(engine, -1)).toBe(42n);
    expect(() => engine.undo(3)).toThrow(OutOfRangeError);
    engine.close();
  });

  it('slices the history below 16 moments after it grew past, and grows again with no stale moment', () => {
    const engine = open(backend.slot());
    for (let i = 0; i < 40; i++) engine.transact((root) => root.hashMap().put('n').writeUint(i));
    engine.sliceHistory(5);
    for (let i = 5; i < 40; i++) {
      engine.transact((root) => root.hashMap().put('m').writeUint(i));
      expect(engine.moment(-1).asHashMap().get('n')?.readUint()).toBe(4n);
    }
    expect(engine.momentCount).toBe(40);
    for (let i = 5; i < 40; i++) expect(engine.moment(i).asHashMap().get('m')?.readUint()).toBe(BigInt(i));
    engine.close();
  });

  it('keeps a snapshot unchanged while later transactions commit', () => {
    const engine = open(backend.slot());
    engine.transact((root) => {
      const list = root.hashMap().put('list').arrayList();
      for (let i = 0; i < 100; i++) list.append().writeUint(i);
    });
    const snapshot = engine.moment(-1);
    const before = [...snapshot.asHashMap().get('list')!.asArrayList()].map((c) => c.readUint());
    for (let t = 0; t < 10; t++) {
      engine.transact((root) => {
        const list = root.hashMap().put('list').arrayList();
        for (let i = 0; i < list.count(); i++) list.put(i).writeUint(1000 + t);
        list.append().writeUint(t);
        list.slice(list.count() - 2);
      });
    }
    expect([...snapshot.asHashMap().get('list')!.asArrayList()].map((c) => c.readUint())).toEqual(before);
    engine.close();
  });

  it('clones a structure into another key in O(1) and grows only the clone', () => {
    const engine = open(backend.slot());
    engine.transact((root) => {
      const list = root.hashMap().put('fruits').arrayList();
      for (const fruit of ['apple', 'pear', 'grape']) list.append().writeString(fruit);
    });
    const sizeBefore = engine.storage.size();
    engine.transact((root) => {
      const map = root.hashMap();
      const source = map.get('fruits')!;
      map.put('food').writeSlot(source.slot);
      map.put('food').arrayList().append().writeString('eggs');
    });
    const map = engine.moment(-1).asHashMap();
    expect([...map.get('fruits')!.asArrayList()].map((c) => c.readString())).toEqual(['apple', 'pear', 'grape']);
    expect([...map.get('food')!.asArrayList()].map((c) => c.readString())).toEqual(['apple', 'pear', 'grape', 'eggs']);
    // The clone copied one list header and block, not the items.
    expect(engine.storage.size() - sizeBefore).toBeLessThan(2000);
    engine.close();
  });

  it('shows the in-place mutation hazard of a clone within one transaction, and freeze prevents it', () => {
    const engine = open(backend.slot());
    const names = (key: string): string[] => [...engine.moment(-1).asHashMap().get(key)!.asArrayList()].map((c) => c.readString());
    // Without freeze: the clone shares the list that this transaction made, so appending changes both.
    engine.transact((root) => {
      const map = root.hashMap();
      const list = map.put('a').arrayList();
      list.append().writeString('x');
      map.put('b').writeSlot(map.get('a')!.slot);
      map.put('b').arrayList().append().writeString('y');
    });
    expect(names('a')).toEqual(['x', 'y']);
    expect(names('b')).toEqual(['x', 'y']);
    // With freeze: the append copies the frozen list first.
    engine.transact((root) => {
      const map = root.hashMap();
      const list = map.put('c').arrayList();
      list.append().writeString('x');
      map.put('d').writeSlot(map.get('c')!.slot);
      engine.freeze();
      map.put('d').arrayList().append().writeString('y');
    });
    expect(names('c')).toEqual(['x']);
    expect(names('d')).toEqual(['x', 'y']);
    engine.close();
  });

  it('refuses writes through a cursor frozen by freeze() or left over from an ended transaction', () => {
    const engine = open(backend.slot());
    let leftover: ReturnType<ReturnType<Parameters<Parameters<Engine['transact']>[0]>[0]['hashMap']>['put']> | undefined;
    engine.transact((root) => {
      const value = root.hashMap().put('k');
      value.writeUint(1);
      engine.freeze();
      expect(() => value.writeUint(2)).toThrow(TransactionError);
      root.hashMap().put('k').writeUint(3);
      leftover = root.hashMap().put('k');
    });
    expect(() => leftover!.writeUint(4)).toThrow(TransactionError);
    expect(engine.moment(-1).asHashMap().get('k')?.readUint()).toBe(3n);
    expect(() => engine.transact(() => engine.transact(() => undefined))).toThrow(TransactionError);
    engine.close();
  });

  it('cuts junk after the last commit on a read-write open and ignores it on a read-only open', () => {
    const slot = backend.slot();
    const engine = open(slot);
    engine.transact((root) => root.hashMap().put('k').writeString('v'));
    const committed = engine.committedSize;
    engine.storage.write(engine.storage.size(), new Uint8Array(1000).fill(0xab));
    engine.storage.flush();
    engine.close();
    const readOnly = open(slot, true);
    expect(readOnly.storage.size()).toBe(committed + 1000);
    expect(readOnly.moment(-1).asHashMap().get('k')?.readString()).toBe('v');
    expect(() => readOnly.transact(() => undefined)).toThrow(ReadOnlyError);
    readOnly.close();
    const readWrite = open(slot);
    expect(readWrite.storage.size()).toBe(committed);
    readWrite.transact((root) => root.hashMap().put('k2').writeString('v2'));
    expect(dumpDatabase(readWrite).moments).toHaveLength(2);
    readWrite.close();
  });

  it('commits only by writing the 24-byte history header at position 12', () => {
    const engine = open(backend.slot());
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    const before = new Uint8Array(engine.committedSize);
    engine.storage.read(0, before);
    engine.transact((root) => root.hashMap().put('k').writeUint(2));
    const after = new Uint8Array(before.length);
    engine.storage.read(0, after);
    const changed: number[] = [];
    for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) changed.push(i);
    expect(changed.length).toBeGreaterThan(0);
    for (const position of changed) {
      expect(position).toBeGreaterThanOrEqual(HISTORY_HEADER_POSITION);
      expect(position).toBeLessThan(HISTORY_HEADER_POSITION + 24);
    }
    engine.close();
  });
});

describe('Engine.open without history', () => {
  it('keeps one hash map at the root and changes it in place, as xitdb ephemeral databases do', () => {
    for (const backend of backends) {
      const slot = backend.slot();
      const engine = Engine.open(slot.open(), { hasher: sha1Hasher, history: false });
      expect(engine.hasHistory).toBe(false);
      const root = engine.writableRootMap().hashMap();
      root.put('a').writeString('1');
      root.put('b').hashMap().put('c').writeUint(2);
      root.remove('a');
      engine.close();
      const reopened = Engine.open(slot.open(), { hasher: sha1Hasher });
      expect(dumpDatabase(reopened).moments).toEqual([{ hash_map: { b: { hash_map: { c: { uint: '2' } } } } }]);
      expect(() => reopened.transact(() => undefined)).toThrow(TransactionError);
      // Like revert and sliceHistory: there is no history to undo in.
      expect(() => reopened.undo()).toThrow(TransactionError);
      reopened.close();
    }
  });
});

describe('tools on a database without history, or with no root yet', () => {
  it('backs up and counts all of a database without history written through the same engine', async () => {
    const { MemoryStorage } = await import('../../src/storage/memory-storage.js');
    const { backupTo } = await import('../../src/history/backup.js');
    const { databaseStats } = await import('../../src/history/stats.js');
    const { verifyDatabase } = await import('../../src/history/verify.js');
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, history: false });
    const root = engine.writableRootMap().hashMap();
    root.put('a').writeUint(1);
    root.put('b').writeString('a string longer than eight bytes');
    expect(databaseStats(engine).committedSize).toBe(engine.storage.size());
    const target = new MemoryStorage();
    expect(backupTo(engine, target).bytes).toBe(engine.storage.size());
    const copy = Engine.open(MemoryStorage.fromBytes(target.toBytes()), { hasher: sha1Hasher, readOnly: true });
    expect(copy.rootMap().asHashMap().get('b')?.readString()).toBe('a string longer than eight bytes');
    expect(verifyDatabase(copy).problems).toEqual([]);
  });

  it('keeps the counts of linked list appends in the bytes that close, backup and toBytes hand over', async () => {
    const { MemoryStorage } = await import('../../src/storage/memory-storage.js');
    const { backupTo } = await import('../../src/history/backup.js');
    const { verifyDatabase } = await import('../../src/history/verify.js');
    const items = (engine: Engine): number[] => [...engine.rootMap().asHashMap().get('list')!.asLinkedArrayList()].map((item) => item.readNumber());
    for (const backend of backends) {
      const slot = backend.slot();
      const engine = Engine.open(slot.open(), { hasher: sha1Hasher, history: false });
      const list = engine.writableRootMap().hashMap().put('list').linkedArrayList();
      for (let i = 0; i < 5; i++) list.append().writeUint(i);
      const copy = new MemoryStorage();
      backupTo(engine, copy);
      const bytes = engine.storage instanceof MemoryStorage ? engine.storage.toBytes().slice() : undefined;
      engine.close();
      for (const storage of [slot.open(), MemoryStorage.fromBytes(copy.toBytes()), ...(bytes === undefined ? [] : [MemoryStorage.fromBytes(bytes)])]) {
        const reopened = Engine.open(storage, { hasher: sha1Hasher, readOnly: true });
        expect(verifyDatabase(reopened).problems, backend.name).toEqual([]);
        expect(items(reopened), backend.name).toEqual([0, 1, 2, 3, 4]);
        reopened.close();
      }
    }
  });

  it('reads a header whose root tag is none as an empty database: stats, rootMap', async () => {
    const { MemoryStorage } = await import('../../src/storage/memory-storage.js');
    const { databaseStats } = await import('../../src/history/stats.js');
    const bytes = new Uint8Array(12);
    bytes.set(new TextEncoder().encode('xit'), 0);
    const view = new DataView(bytes.buffer);
    view.setUint16(6, 20);
    view.setUint32(8, 0x73686131);
    const engine = Engine.open(MemoryStorage.fromBytes(bytes), { hasher: sha1Hasher, readOnly: true });
    expect(databaseStats(engine, { reachable: true })).toMatchObject({ moments: 0, reachableBytes: 0 });
    expect(engine.rootMap().asHashMap().count()).toBe(0);
  });
});

describe('reading the history header', () => {
  it('fails an open with a retryable IoError when no two reads of the header agree', async () => {
    const { MemoryStorage } = await import('../../src/storage/memory-storage.js');
    const { IoError } = await import('../../src/errors.js');
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    const bytes = (engine.storage as InstanceType<typeof MemoryStorage>).toBytes().slice();
    // Every read of the header sees another count, as if a writer committed between any two.
    class Flipping extends MemoryStorage {
      private reads = 0;
      override read(position: number, target: Uint8Array): void {
        super.read(position, target);
        if (position === HISTORY_HEADER_POSITION) target[7] = (target[7] as number) ^ (this.reads++ & 1);
      }
    }
    const flipping = new Flipping({ readOnly: true });
    flipping.bytes = bytes;
    (flipping as unknown as { length: number }).length = bytes.length;
    flipping.view = new DataView(bytes.buffer);
    expect(() => Engine.open(flipping, { hasher: sha1Hasher, readOnly: true })).toThrow(IoError);
    expect(() => Engine.open(flipping, { hasher: sha1Hasher, readOnly: true })).toThrow(/no two reads of the history header agreed/);
  });

  it('refuses a history root inside the headers', async () => {
    const { MemoryStorage } = await import('../../src/storage/memory-storage.js');
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    const bytes = (engine.storage as InstanceType<typeof MemoryStorage>).toBytes().slice();
    new DataView(bytes.buffer).setUint32(HISTORY_HEADER_POSITION + 12, HISTORY_HEADER_POSITION);
    expect(() => Engine.open(MemoryStorage.fromBytes(bytes), { hasher: sha1Hasher, readOnly: true })).toThrow(/history root lies outside the committed data/);
  });
});

describe('closing', () => {
  it('twice does nothing the second time, on every backend', () => {
    for (const backend of backends) {
      const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
      engine.transact((root) => root.hashMap().put('k').writeUint(1));
      engine.close();
      expect(() => engine.close()).not.toThrow();
    }
  });
});

describe('Engine.transact misuse', () => {
  it('refuses an async transaction function and commits nothing', async () => {
    const { MemoryStorage } = await import('../../src/storage/memory-storage.js');
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    const size = engine.storage.size();
    expect(() =>
      engine.transact(async (root) => {
        root.hashMap().put('k').writeUint(1);
      }),
    ).toThrow(/must be synchronous/);
    expect(engine.momentCount).toBe(0);
    expect(engine.storage.size()).toBe(size);
  });
});
