// Batched transactions: Engine.transactBatch (several transactions in one
// moment, each atomic, one trailer, one sync), Engine.transactBatched and
// Database.transactBatched (the queue that gathers concurrent calls into such
// batches). batch.model.test.ts runs them against a model; this file checks
// each rule on its own.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { InvalidArgumentError, ReadOnlyError, TransactionError } from '../../src/errors.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { open as openPath } from '../../src/node.js';
import { open, toJS } from '../../src/index.js';
import { expectSoundTxState, expectVerified } from '../model/model-support.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-batch-'));
  dirs.push(dir);
  return join(dir, 'db.xit');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A clock that gives the same times in every run, so that two files can be compared byte for byte. */
function fixedClock(): () => number {
  let now = 1_700_000_000_000;
  return () => (now += 1000);
}

const put = (key: string, value: number) => (root: WriteCursor) => {
  root.hashMap().put(key).writeUint(value);
  return value;
};

/** A memory storage whose syncs wait until `release` is called: a sync in flight for as long as a test needs. */
function gatedStorage(): { storage: MemoryStorage; release: () => void; syncs: () => number } {
  const storage = new MemoryStorage();
  let syncs = 0;
  let open: Array<() => void> = [];
  Object.assign(storage, {
    durable: true,
    syncAsync: () => {
      syncs++;
      return new Promise<void>((resolve) => open.push(resolve));
    },
  });
  return {
    storage,
    release: () => {
      const waiting = open;
      open = [];
      for (const resolve of waiting) resolve();
    },
    syncs: () => syncs,
  };
}

/** Lets every pending microtask (and the ones they queue) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Engine.transactBatch', () => {
  it('runs every function in one moment with one trailer, in order, each seeing the ones before it', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    const seen: Array<bigint | undefined> = [];
    const outcomes = await engine.transactBatch(
      [put('a', 1), (root) => {
        seen.push(root.hashMap().get('a')?.readUint());
        return put('b', 2)(root);
      }, put('c', 3)],
      { meta: { author: 'batch' } },
    );
    expect(outcomes).toEqual([{ status: 'fulfilled', value: 1 }, { status: 'fulfilled', value: 2 }, { status: 'fulfilled', value: 3 }]);
    expect(seen).toEqual([1n]);
    expect(engine.momentCount).toBe(1);
    expect(engine.momentInfo(-1).meta).toEqual({ author: 'batch' });
    const map = engine.moment(-1).asHashMap();
    expect(['a', 'b', 'c'].map((key) => map.get(key)?.readUint())).toEqual([1n, 2n, 3n]);
    expectVerified(engine, 'after the batch');
  });

  it('rolls back a function that throws, or returns a promise, alone: the others commit', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact(put('kept', 0));
    const failure = new Error('no');
    const outcomes = await engine.transactBatch([
      put('a', 1),
      (root) => {
        // Changes a block the first function wrote, appends new ones, then fails.
        root.hashMap().put('a').writeUint(100);
        for (let i = 0; i < 50; i++) root.hashMap().put(`junk${i}`).writeString('x'.repeat(200));
        throw failure;
      },
      (root) => {
        root.hashMap().put('async').writeUint(1);
        return Promise.resolve(1);
      },
      put('b', 2),
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(outcomes[1]).toEqual({ status: 'rejected', reason: failure });
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(TransactionError);
    expect(outcomes[3]).toEqual({ status: 'fulfilled', value: 2 });
    const map = engine.moment(-1).asHashMap();
    expect(map.get('a')?.readUint()).toBe(1n);
    expect(map.get('junk0')).toBeUndefined();
    expect(map.get('async')).toBeUndefined();
    expect(map.count()).toBe(3);
    expectVerified(engine, 'after the batch');
    expectSoundTxState(engine, 'after the batch');
  });

  it('leaves no byte of a failed function behind: the file equals the one the batch without it writes', async () => {
    const write = async (withFailure: boolean) => {
      const path = tempFile();
      const engine = Engine.open(FileStorage.open(path), { hasher: sha1Hasher, clock: fixedClock() });
      engine.transact(put('first', 1));
      const fns = [put('a', 1), put('b', 2)];
      if (withFailure) {
        fns.splice(1, 0, (root) => {
          root.hashMap().put('a').writeString('y'.repeat(5000));
          root.hashMap().put('new').writeUint(1);
          throw new Error('fails');
        });
      }
      await engine.transactBatch(fns);
      engine.close();
      return readFileSync(path);
    };
    const plain = await write(false);
    expect(await write(true)).toEqual(plain);
  });

  it('adds no moment when every function fails, and resolves with their errors at once', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact(put('first', 1));
    const size = engine.storage.size();
    const outcomes = await engine.transactBatch([
      () => {
        throw new Error('one');
      },
      (root) => {
        root.hashMap().put('x').writeUint(1);
        throw new Error('two');
      },
    ]);
    expect(outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason.message)).toEqual(['one', 'two']);
    expect(engine.momentCount).toBe(1);
    expect(engine.storage.size()).toBe(size);
  });

  it('stops a cursor taken in one function from writing in the next', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    let leaked: WriteCursor | undefined;
    const outcomes = await engine.transactBatch([
      (root) => {
        leaked = root.hashMap().put('a');
        leaked.writeUint(1);
      },
      (root) => {
        root.hashMap().put('b').writeUint(2);
        leaked!.writeUint(99);
      },
    ]);
    expect(outcomes[0]!.status).toBe('fulfilled');
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(TransactionError);
    const map = engine.moment(-1).asHashMap();
    expect(map.get('a')?.readUint()).toBe(1n);
    expect(map.get('b')).toBeUndefined();
  });

  it('refuses what is not an array of functions, and rejects on a read-only database', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    await expect(engine.transactBatch([put('a', 1), 'nope' as never])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(engine.transactBatch('nope' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await engine.transactBatch([])).toEqual([]);
    engine.transact(put('a', 1));
    const reader = Engine.open(MemoryStorage.fromBytes(engine.storage instanceof MemoryStorage ? engine.storage.toBytes().slice() : new Uint8Array(), { readOnly: true }), { hasher: sha1Hasher });
    await expect(reader.transactBatch([put('b', 2)])).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(reader.transactBatched(put('b', 2))).rejects.toBeInstanceOf(ReadOnlyError);
  });

  it('is durable in a file once its outcomes resolve: one sync, and a reopen finds every kept transaction', async () => {
    const path = tempFile();
    const storage = FileStorage.open(path);
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    const syncsBefore = storage.stats.syncCalls;
    const outcomes = await engine.transactBatch(Array.from({ length: 500 }, (_, i) => put(`k${i}`, i)));
    expect(outcomes.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(storage.stats.syncCalls - syncsBefore).toBe(1);
    // The header names the batch's moment before anything else is written or closed.
    const reader = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
    expect(reader.momentCount).toBe(1);
    expect(reader.moment(-1).asHashMap().count()).toBe(500);
    reader.close();
    engine.close();
  });
});

describe('Engine.transactBatched (the queue)', () => {
  it('gathers the calls of one task into one moment', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => engine.transactBatched(put(`k${i}`, i))));
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(engine.momentCount).toBe(1);
    expect(engine.moment(-1).asHashMap().count()).toBe(100);
  });

  it('runs a function later, not now, and after a synchronous transaction made meanwhile', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    let ran = false;
    const queued = engine.transactBatched((root) => {
      ran = true;
      root.hashMap().put('queued').writeUint(root.hashMap().get('sync')?.readUint() ?? 0n);
    });
    expect(ran).toBe(false);
    engine.transact(put('sync', 7));
    await queued;
    expect(ran).toBe(true);
    expect(engine.momentCount).toBe(2);
    expect(engine.moment(-1).asHashMap().get('queued')?.readUint()).toBe(7n);
  });

  it('while a sync is in flight, gathers every call that arrives into the next batch', async () => {
    const { storage, release, syncs } = gatedStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    const first = engine.transactBatched(put('first', 1));
    await settle();
    // The first batch is committed, its sync in flight.
    expect(engine.momentCount).toBe(1);
    expect(syncs()).toBe(1);
    const later: Promise<unknown>[] = [];
    for (let wave = 0; wave < 3; wave++) {
      for (let i = 0; i < 10; i++) later.push(engine.transactBatched(put(`w${wave}-${i}`, i)));
      await settle();
    }
    // Nothing of them ran while the sync was in flight.
    expect(engine.momentCount).toBe(1);
    release();
    await first;
    await settle();
    // All thirty in one moment, whose sync is now in flight.
    expect(engine.momentCount).toBe(2);
    expect(engine.moment(-1).asHashMap().count()).toBe(31);
    release();
    expect(await Promise.all(later)).toHaveLength(30);
    expect(syncs()).toBe(2);
  });

  it('commits what is queued when the engine closes, durably', async () => {
    const path = tempFile();
    const engine = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
    const queued = engine.transactBatched(put('late', 1));
    engine.close();
    expect(await queued).toBe(1);
    const reader = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
    expect(reader.moment(-1).asHashMap().get('late')?.readUint()).toBe(1n);
    reader.close();
  });
});

describe('Database.transactBatched', () => {
  it('resolves each call with its result, rejects a failed one with its error, and tells listeners once the batch is durable', async () => {
    const db = await open();
    db.set(['n'], 0);
    const events: number[] = [];
    db.subscribe((event) => events.push(event.changes.length));
    const calls = [1, 2, 3].map((i) =>
      db.transactBatched((tx) => {
        tx.set(['k', String(i)], i);
        if (i === 2) throw new Error('two');
        tx.update(['n'], (n) => (n as number) + 1);
        return i;
      }),
    );
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('two');
    expect(toJS(db.get(['k'])!)).toEqual({ 1: 1, 3: 3 });
    expect(db.get(['n'])).toBe(2);
    expect(db.momentCount).toBe(2);
    expect(events.length).toBe(1);
  });

  it('commits what is queued before a compaction, which keeps it', async () => {
    const path = tempFile();
    const db = await openPath(path);
    db.set(['a'], 1);
    const queued = db.transactBatched((tx) => tx.set(['b'], 2));
    db.compact();
    await queued;
    expect(db.get(['b'])).toBe(2);
    db.close();
    const reopened = await openPath(path, { readOnly: true });
    expect(reopened.get(['b'])).toBe(2);
    reopened.close();
  });

  it('commits what is queued when the database closes', async () => {
    const path = tempFile();
    const db = await openPath(path);
    const queued = db.transactBatched((tx) => tx.set(['late'], true));
    db.close();
    await queued;
    const reopened = await openPath(path, { readOnly: true });
    expect(reopened.get(['late'])).toBe(true);
    reopened.close();
  });

  it('rolls back a transaction that compacts, or nests a transaction, inside its batch; the others commit', async () => {
    const db = await open();
    db.set(['a'], 1);
    const outcomes = await Promise.allSettled([
      db.transactBatched((tx) => {
        tx.set(['b'], 1);
        db.compact();
      }),
      db.transactBatched((tx) => {
        tx.set(['c'], 1);
        db.transact((inner) => inner.set(['d'], 1));
      }),
      db.transactBatched((tx) => tx.set(['e'], 1)),
    ]);
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason.constructor : outcome.status))).toEqual([TransactionError, TransactionError, 'fulfilled']);
    expect(toJS(db.get([])!)).toEqual({ a: 1, e: 1 });
    expect(db.momentCount).toBe(2);
  });

  it('rejects on a database without history, as transact does', async () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, history: false });
    await expect(engine.transactBatch([put('a', 1)])).rejects.toBeInstanceOf(TransactionError);
    await expect(engine.transactBatched(put('a', 1))).rejects.toBeInstanceOf(TransactionError);
  });

  it('refuses wrong arguments and read-only databases with a rejected promise', async () => {
    const db = await open();
    await expect(db.transactBatched('nope' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect((db.transactBatched as (...args: unknown[]) => Promise<unknown>)(() => 1, { meta: 'x' })).rejects.toThrow(/only a function/);
    db.set(['a'], 1);
    const reader = await open(db.bytes());
    await expect(reader.transactBatched((tx) => tx.set(['b'], 1))).rejects.toBeInstanceOf(ReadOnlyError);
  });
});
