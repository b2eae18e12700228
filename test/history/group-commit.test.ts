// Engine.transactAsync and Database.transactAsync (FORMAT.md §Commit and
// recovery): transactions commit now and resolve once durable; those that
// arrive while a sync runs share the next one; other handles see a moment only
// after its header is written; a failed sync rejects the batch.

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { IoError, LockedError, TransactionError } from '../../src/errors.js';
import { HISTORY_HEADER_POSITION } from '../../src/format/constants.js';
import { open } from '../../src/node.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-group-'));
  dirs.push(dir);
  return join(dir, 'db.xit');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function committedCount(path: string): number {
  const bytes = readFileSync(path);
  return Number(bytes.readBigUInt64BE(HISTORY_HEADER_POSITION));
}

describe('transactAsync', () => {
  it('commits 1,000 concurrent transactions, each its own moment, in a few shared fdatasyncs', async () => {
    const path = tempFile();
    const storage = FileStorage.open(path);
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    const syncsBefore = storage.stats.syncCalls;
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => engine.transactAsync((root) => {
      root.hashMap().put(`k${i}`).writeUint(i);
      return i;
    })));
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const syncs = storage.stats.syncCalls - syncsBefore;
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThanOrEqual(10);
    // Every promise resolved after its moment's header reached the file.
    expect(committedCount(path)).toBe(1000);
    engine.close();
    const reopened = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
    expect(reopened.momentCount).toBe(1000);
    const map = reopened.moment(-1).asHashMap();
    for (let i = 0; i < 1000; i += 97) expect(map.get(`k${i}`)?.readUint()).toBe(BigInt(i));
    reopened.close();
  });

  it('hands each batch to the file in one flush, not one write per commit', async () => {
    const path = tempFile();
    const storage = FileStorage.open(path);
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    const before = { ...storage.stats };
    await Promise.all(Array.from({ length: 500 }, (_, i) => engine.transactAsync((root) => root.hashMap().put(`k${i}`).writeUint(i))));
    const syncs = storage.stats.syncCalls - before.syncCalls;
    // Per batch: its data and trailers in one run (plus the reserved zeros when it grew the file), and its header.
    expect(storage.stats.writeCalls - before.writeCalls).toBeLessThanOrEqual(3 * syncs);
    expect(committedCount(path)).toBe(500);
    engine.close();
  });

  it('with durability flush, hands a batch to the file before its promises resolve', async () => {
    const path = tempFile();
    const engine = Engine.open(FileStorage.open(path), { hasher: sha1Hasher, durability: 'flush' });
    await Promise.all(Array.from({ length: 50 }, (_, i) => engine.transactAsync((root) => root.hashMap().put(`k${i}`).writeUint(i))));
    // Another handle reads the file itself: the moments and their data are there.
    expect(committedCount(path)).toBe(50);
    const reader = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
    expect(reader.moment(-1).asHashMap().get('k49')?.readUint()).toBe(49n);
    reader.close();
    engine.close();
  });

  it('checks for another writer once per batch, before its sync: a header changed since the last batch rejects the batch, and this engine writes nothing more', async () => {
    const path = tempFile();
    const storage = FileStorage.open(path);
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('first').writeUint(1));
    // Another writer (one that ignores the lock) commits just after this engine published 'a': it rewrites the history header.
    let other: Uint8Array | undefined;
    let published = 0;
    const writeHeader = engine.writeHeader.bind(engine);
    engine.writeHeader = (header) => {
      writeHeader(header);
      if (header.count !== 2) return;
      published = header.committedSize;
      other = readFileSync(path).subarray(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + 24);
      other[7] = (other[7] as number) + 1;
      const fd = openSync(path, 'r+');
      writeSync(fd, other, 0, 24, HISTORY_HEADER_POSITION);
      closeSync(fd);
    };
    // The first call starts a sync at once; the ones after it wait for the next batch, which starts once 'a' is published.
    const first = engine.transactAsync((root) => root.hashMap().put('a').writeUint(1));
    const waiting = [1, 2, 3].map((i) => engine.transactAsync((root) => root.hashMap().put(`b${i}`).writeUint(i)));
    await first;
    const outcomes = await Promise.allSettled(waiting);
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(LockedError);
    // The other writer's header stays: this engine did not publish the batch over it.
    expect(readFileSync(path).subarray(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + 24)).toEqual(other);
    expect(published).toBeGreaterThan(0);
    expect(() => engine.transact(() => undefined)).toThrow(LockedError);
    engine.close();
    expect(readFileSync(path).subarray(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + 24)).toEqual(other);
  });

  it('lets another handle see a moment only once its header is written, after the sync', async () => {
    const path = tempFile();
    const engine = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('first').writeUint(1));
    const durable = engine.transactAsync((root) => root.hashMap().put('second').writeUint(2));
    // This engine builds on its own commit at once.
    expect(engine.momentCount).toBe(2);
    const reader = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
    expect(reader.momentCount).toBe(1);
    await durable;
    reader.refresh();
    expect(reader.momentCount).toBe(2);
    reader.close();
    engine.close();
  });

  it('rejects every promise of a batch whose sync fails, refuses writes until reopened, and the reopened file holds a moment before or after', async () => {
    const storage = new MemoryStorage({ durable: true });
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('kept').writeUint(1));
    (storage as { syncAsync?: () => Promise<void> }).syncAsync = () => Promise.reject(new IoError('injected fdatasync failure', new Error('EIO')));
    const outcomes = await Promise.allSettled([0, 1, 2].map((i) => engine.transactAsync((root) => root.hashMap().put(`lost${i}`).writeUint(i))));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TransactionError);
    }
    expect(() => engine.transact(() => undefined)).toThrow(/reopen/);
    // No header named them: the file on disk says one moment; a reopen may roll whole ones forward.
    const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice(), { readOnly: false }), { hasher: sha1Hasher });
    expect(reopened.moment(0).asHashMap().get('kept')?.readUint()).toBe(1n);
  });

  it('rejects the batch when its header cannot be written after the sync, and a reopen recovers the durable commits from their trailers', async () => {
    const storage = new MemoryStorage({ durable: true });
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('kept').writeUint(1));
    const write = storage.write.bind(storage);
    storage.write = (position, source) => {
      if (position === HISTORY_HEADER_POSITION) throw new IoError('injected header write failure', new Error('EIO'));
      write(position, source);
    };
    const outcomes = await Promise.allSettled([0, 1].map((i) => engine.transactAsync((root) => root.hashMap().put(`durable${i}`).writeUint(i))));
    storage.write = write;
    for (const outcome of outcomes) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TransactionError);
    expect(() => engine.transact(() => undefined)).toThrow(/reopen/);
    // Synced but unpublished: the trailers are whole, so a reopen rolls both forward.
    const reopened = Engine.open(MemoryStorage.fromBytes(storage.toBytes().slice(), { readOnly: false }), { hasher: sha1Hasher });
    expect(reopened.momentCount).toBe(3);
    expect(reopened.moment(-1).asHashMap().get('durable1')?.readUint()).toBe(1n);
  });

  it('never writes an older header after a synchronous commit wrote a newer one, and close resolves what waits', async () => {
    const path = tempFile();
    const engine = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
    const first = engine.transactAsync((root) => root.hashMap().put('a').writeUint(1));
    const second = engine.transactAsync((root) => root.hashMap().put('b').writeUint(2));
    engine.transact((root) => root.hashMap().put('c').writeUint(3));
    const third = engine.transactAsync((root) => root.hashMap().put('d').writeUint(4));
    engine.close();
    await Promise.all([first, second, third]);
    expect(committedCount(path)).toBe(4);
    const reopened = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
    expect(reopened.momentCount).toBe(4);
    expect(reopened.moment(-1).asHashMap().get('d')?.readUint()).toBe(4n);
    reopened.close();
  });

  it('on the Database: returns what the function returns, records metadata, tells subscribers once durable', async () => {
    const path = tempFile();
    const db = await open(path);
    const seen: number[] = [];
    db.subscribe((event) => seen.push(event.moment));
    const value = await db.transactAsync((tx) => {
      tx.set(['n'], 1);
      return 'done';
    }, { meta: 'async' });
    expect(value).toBe('done');
    expect(seen).toEqual([0]);
    expect(db.snapshot().meta).toBe('async');
    await expect(db.transactAsync(() => Promise.resolve(1))).rejects.toThrow(/synchronous/);
    db.close();
  });
});
