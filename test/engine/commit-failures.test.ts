// Failures during a commit and during creation: the database must never be
// left naming bytes that are gone, and an interrupted creation must reopen.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { IoError, TransactionError } from '../../src/errors.js';
import { HISTORY_HEADER_POSITION } from '../../src/format/constants.js';
import { dumpDatabase } from '../../src/history/dump.js';

/** A memory storage that throws an IoError on chosen writes, flushes or syncs. */
class FailingStorage extends MemoryStorage {
  failFlushAfterHeaderWrite = false;
  failHeaderRootTagWrite = false;
  private headerWritten = false;

  /** From now on, fail the first flush that follows a history header write. */
  armFlushFailure(): void {
    this.failFlushAfterHeaderWrite = true;
    this.headerWritten = false;
  }

  override write(position: number, source: Uint8Array): void {
    // The second write at position 0 is the one that sets the real root tag.
    if (this.failHeaderRootTagWrite && position === 0 && source[3] !== 0) throw new IoError('injected write failure', new Error('EIO'));
    super.write(position, source);
    if (position === HISTORY_HEADER_POSITION) this.headerWritten = true;
  }

  override flush(): void {
    if (this.failFlushAfterHeaderWrite && this.headerWritten) throw new IoError('injected flush failure', new Error('EIO'));
    super.flush();
  }
}

describe('Engine commit failures', () => {
  it('keeps the bytes a written header names when handing it to the system fails, and refuses writes until reopened', () => {
    const storage = new FailingStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    storage.armFlushFailure();
    expect(() => engine.transact((root) => root.hashMap().put('k').writeUint(2))).toThrow(TransactionError);
    // The data was not cut back: the header on storage names it.
    const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice()), { hasher: sha1Hasher });
    expect(reopened.momentCount).toBe(2);
    expect(reopened.moment(-1).asHashMap().get('k')?.readUint()).toBe(2n);
    expect(() => engine.transact(() => undefined)).toThrow(/reopen/);
  });

  it('leaves the outcome to the next open when the sync before the header fails: nothing is cut, later writes are refused', () => {
    for (const durable of [false, true]) {
      const storage = new MemoryStorage({ durable });
      const engine = Engine.open(storage, { hasher: sha1Hasher });
      engine.transact((root) => root.hashMap().put('k').writeUint(1));
      const before = dumpDatabase(engine);
      const size = storage.size();
      const original = storage.sync.bind(storage);
      storage.sync = () => {
        throw new IoError('injected sync failure', new Error('EIO'));
      };
      let thrown: unknown;
      try {
        engine.transact((root) => root.hashMap().put('k').writeUint(2));
      } catch (error) {
        thrown = error;
      }
      storage.sync = original;
      expect(thrown).toBeInstanceOf(TransactionError);
      expect((thrown as TransactionError).cause).toBeInstanceOf(IoError);
      // The header was not written, so the engine still reads the old moments;
      // the commit's bytes stay, since a sync that failed may have stored them.
      expect(dumpDatabase(engine)).toEqual(before);
      expect(storage.size()).toBeGreaterThan(size);
      // Later writes say what failed first, and keep it as their cause.
      expect(() => engine.transact(() => undefined)).toThrow(/syncing its data or writing the history header: injected sync failure; this handle writes nothing more: reopen/);
      // A reopen decides: a durable storage's whole trailer rolls the commit
      // forward; a memory storage's commits carry no data checksum, and stay out.
      const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice(), { readOnly: false }), { hasher: sha1Hasher });
      expect(reopened.momentCount).toBe(durable ? 2 : 1);
      expect(reopened.moment(-1).asHashMap().get('k')?.readUint()).toBe(durable ? 2n : 1n);
    }
  });

  it('reads the last durable moment again after a group commit sync failed, and refuses writes, naming that failure, until reopened', async () => {
    const storage = new MemoryStorage({ durable: true });
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    storage.sync = () => {
      throw new IoError('injected sync failure', new Error('ENOSPC'));
    };
    const rejected = engine.transactAsync((root) => root.hashMap().put('k').writeUint(2));
    const waiting = engine.transactAsync((root) => root.hashMap().put('k').writeUint(3));
    // Until its sync, this handle reads the new moments; once they are rejected, the last durable one again.
    expect(engine.momentCount).toBe(3);
    await expect(rejected).rejects.toThrow(/group commit's sync failed/);
    await expect(waiting).rejects.toThrow(/group commit's sync failed/);
    expect(engine.momentCount).toBe(1);
    expect(engine.moment(-1).asHashMap().get('k')?.readUint()).toBe(1n);
    expect(engine.momentInfo(-1).index).toBe(0);
    let later: unknown;
    try {
      engine.transact((root) => root.hashMap().put('k').writeUint(4));
    } catch (error) {
      later = error;
    }
    expect(later).toBeInstanceOf(TransactionError);
    expect((later as TransactionError).message).toMatch(/injected sync failure; this handle writes nothing more: reopen/);
    expect((later as TransactionError).cause).toBeInstanceOf(IoError);
    await expect(engine.transactBatched((root) => root.hashMap().put('k').writeUint(5))).rejects.toThrow(/this handle writes nothing more/);
  });

  it('reads the last durable moment again when a sync of waiting commits made on this thread fails (close, the background compaction)', async () => {
    const storage = new MemoryStorage({ durable: true });
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('k').writeUint(1));
    // The first waits for its sync in a microtask, the second behind it.
    const inFlight = engine.transactAsync((root) => root.hashMap().put('k').writeUint(2));
    const waiting = engine.transactAsync((root) => root.hashMap().put('k').writeUint(3));
    storage.sync = () => {
      throw new IoError('injected sync failure', new Error('EIO'));
    };
    expect(engine.momentCount).toBe(3);
    expect(() => engine.settleDeferred()).toThrow(IoError);
    expect(engine.momentCount).toBe(1);
    expect(engine.moment(-1).asHashMap().get('k')?.readUint()).toBe(1n);
    await expect(waiting).rejects.toThrow(IoError);
    await expect(inFlight).rejects.toThrow(TransactionError);
    expect(engine.momentCount).toBe(1);
    expect(() => engine.transact(() => undefined)).toThrow(/injected sync failure; this handle writes nothing more/);
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
