// Failures during a commit and during creation: the database must never be
// left naming bytes that are gone, and an interrupted creation must reopen.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { IoError, TransactionError } from '../../src/errors.js';
import { HISTORY_HEADER_POSITION } from '../../src/format/constants.js';
import { dumpDatabase } from '../../src/history/dump.js';

/** A memory storage that throws an IoError on chosen writes or syncs. */
class FailingStorage extends MemoryStorage {
  failSyncAfterHeaderWrite = false;
  failHeaderRootTagWrite = false;
  private headerWritten = false;

  /** From now on, fail the first sync that follows a history header write. */
  armSyncFailure(): void {
    this.failSyncAfterHeaderWrite = true;
    this.headerWritten = false;
  }

  override write(position: number, source: Uint8Array): void {
    // The second write at position 0 is the one that sets the real root tag.
    if (this.failHeaderRootTagWrite && position === 0 && source[3] !== 0) throw new IoError('injected write failure', new Error('EIO'));
    super.write(position, source);
    if (position === HISTORY_HEADER_POSITION) this.headerWritten = true;
  }

  override sync(): void {
    if (this.failSyncAfterHeaderWrite && this.headerWritten) throw new IoError('injected sync failure', new Error('EIO'));
    super.sync();
  }
}

describe('Engine commit failures', () => {
  it('keeps the bytes a written header names when the sync after it fails, and refuses writes until reopened', () => {
    const storage = new FailingStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    storage.armSyncFailure();
    expect(() => engine.transact((root) => root.hashMap().put('k').writeUint(2))).toThrow(TransactionError);
    // The data was not cut back: the header on storage names it.
    const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice()), { hasher: sha1Hasher });
    expect(reopened.momentCount).toBe(2);
    expect(reopened.moment(-1).asHashMap().get('k')?.readUint()).toBe(2n);
    expect(() => engine.transact(() => undefined)).toThrow(/reopen/);
  });

  it('rolls back when the sync before the header fails, leaving the database as it was', () => {
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    const before = dumpDatabase(engine);
    const size = storage.size();
    const original = storage.sync.bind(storage);
    storage.sync = () => {
      throw new IoError('injected sync failure', new Error('EIO'));
    };
    expect(() => engine.transact((root) => root.hashMap().put('k').writeUint(2))).toThrow(IoError);
    storage.sync = original;
    expect(storage.size()).toBe(size);
    expect(dumpDatabase(engine)).toEqual(before);
    engine.transact((root) => root.hashMap().put('k').writeUint(3));
    expect(engine.moment(-1).asHashMap().get('k')?.readUint()).toBe(3n);
  });

  it('reopens a database whose creation stopped before the root tag was written', () => {
    const storage = new FailingStorage();
    storage.failHeaderRootTagWrite = true;
    expect(() => Engine.open(storage, { hasher: sha1Hasher })).toThrow(IoError);
    storage.failHeaderRootTagWrite = false;
    const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice(), { readOnly: false }), { hasher: sha1Hasher });
    expect(reopened.hasHistory).toBe(true);
    expect(reopened.momentCount).toBe(0);
    reopened.transact((root) => root.hashMap().put('k').writeUint(1));
    expect(reopened.moment(-1).asHashMap().get('k')?.readUint()).toBe(1n);
  });
});

describe('Engine.open on a file shorter than a header', () => {
  it('starts a creation again when the bytes are the start of the header it writes first', () => {
    // The first write of a creation is the header with root tag none: "xit", 0, then version 0...
    const prefix = new Uint8Array([0x78, 0x69, 0x74, 0x00, 0x00]);
    const storage = MemoryStorage.fromBytes(prefix.slice(), { readOnly: false });
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    expect(engine.hasHistory).toBe(true);
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    expect(engine.moment(-1).asHashMap().get('k')?.readUint()).toBe(1n);
  });

  it('refuses other short bytes and leaves them alone', () => {
    const bytes = new TextEncoder().encode('hello');
    const storage = MemoryStorage.fromBytes(bytes.slice(), { readOnly: false });
    expect(() => Engine.open(storage, { hasher: sha1Hasher })).toThrow(/not a database|12-byte header/);
    expect(storage.toBytes()).toEqual(bytes);
  });
});
