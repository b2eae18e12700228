// Group commit for Engine.transactAsync (FORMAT.md §Commit and recovery):
// transactions commit their records and trailers at once and wait; one sync
// at a time runs off the main thread, and when it returns, the header naming
// the newest commit it covered is written and every waiting promise of its
// batch resolves. Commits that arrive while a sync runs form the next batch:
// each keeps its own moment and trailer, and they share one fdatasync.

import { LockedError, TransactionError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { HistoryHeader } from './history-header.js';

/** What the group commit asks of its engine. */
export interface GroupCommitHooks {
  /** Makes everything handed to the system so far durable (an fdatasync off the main thread). */
  sync(): Promise<void>;
  /** Writes the history header of a durable commit. */
  publish(header: HistoryHeader): void;
  /** Records a failed sync: the engine then refuses writes until reopened. */
  fail(error: unknown): void;
  /** True once the engine was closed. */
  closed(): boolean;
}

interface Waiter {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** What the promise resolves with: the transaction function's result. */
  readonly value: unknown;
}

/** Batches the syncs of deferred commits; see the file's top comment. */
export class GroupCommit {
  private readonly hooks: GroupCommitHooks;
  /** Committed in memory, in no sync yet. */
  private waiting: Waiter[] = [];
  /** The header of the newest waiting commit. */
  private latest: HistoryHeader | undefined = undefined;
  private inflight = false;
  /** Called when the sync in flight finishes ({@link afterSync}). */
  private afterSyncCallbacks: (() => void)[] = [];
  /** Batches started so far, and how many of them a synchronous sync has covered. */
  private started = 0;
  private covered = 0;

  /** @param hooks - the engine's side */
  constructor(hooks: GroupCommitHooks) {
    this.hooks = hooks;
  }

  /** True while a commit waits for its sync, or a sync runs. */
  get pending(): boolean {
    return this.waiting.length > 0 || this.inflight;
  }

  /**
   * Waits for the commit whose history header is `header` (already written
   * to the storage, unsynced) to be durable and published.
   *
   * @param header - the history after the commit (never changed afterwards)
   * @param value - what the promise resolves with
   */
  await<T>(header: HistoryHeader, value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (value: unknown) => void, reject, value });
      this.latest = header;
      this.start();
    });
  }

  /**
   * A synchronous commit (or close) synced and published everything handed
   * to the system: every waiting commit is durable and visible, and so is the
   * batch whose sync is in flight.
   */
  coveredBySync(): void {
    this.covered = this.started;
    const batch = this.waiting;
    this.waiting = [];
    this.latest = undefined;
    for (const waiter of batch) waiter.resolve(waiter.value);
  }

  /**
   * Settles the waiting commits now (a close): `finish` makes them durable
   * and published, and they resolve; when it throws, they reject with its
   * error, which is rethrown.
   *
   * @param finish - syncs and publishes everything handed to the system
   */
  settleNow(finish: () => void): void {
    try {
      finish();
    } catch (error) {
      const batch = this.waiting;
      this.waiting = [];
      this.latest = undefined;
      for (const waiter of batch) waiter.reject(error);
      throw error;
    }
    this.coveredBySync();
  }

  /**
   * Calls `callback` when the sync in flight has finished and its batch has
   * settled, before the next batch's sync starts; returns false (and never
   * calls it) when no sync is in flight.
   *
   * @param callback - called once
   */
  afterSync(callback: () => void): boolean {
    if (!this.inflight) return false;
    this.afterSyncCallbacks.push(callback);
    return true;
  }

  private start(): void {
    if (this.inflight || this.waiting.length === 0 || this.latest === undefined) return;
    const batch = this.waiting;
    const header = this.latest;
    this.waiting = [];
    this.latest = undefined;
    this.inflight = true;
    const epoch = ++this.started;
    this.hooks
      .sync()
      .then(
        () => {
          if (!this.hooks.closed()) this.hooks.publish(header);
          for (const waiter of batch) waiter.resolve(waiter.value);
        },
        (error: unknown) => {
          // A synchronous sync since (a commit, a close) made this batch durable anyway.
          if (epoch <= this.covered) {
            for (const waiter of batch) waiter.resolve(waiter.value);
            return;
          }
          this.hooks.fail(error);
          // Another writer took the file (the batch's one-writer check): nothing of the batch left; say so as a synchronous commit would.
          const failure =
            error instanceof LockedError
              ? error
              : new TransactionError('the group commit\'s sync failed: these moments may not be durable; reopen the database to find out which are', { cause: error });
          // The waiting commits were built on this batch: they fail with it.
          for (const waiter of [...batch, ...this.waiting]) waiter.reject(failure);
          this.waiting = [];
          this.latest = undefined;
        },
      )
      .catch((error: unknown) => {
        // publish threw (the engine recorded it): the batch is durable but unpublished.
        for (const waiter of batch) waiter.reject(error);
      })
      .finally(() => {
        this.inflight = false;
        const callbacks = this.afterSyncCallbacks;
        this.afterSyncCallbacks = [];
        try {
          // Before the next sync starts, so that what they commit joins it.
          for (const callback of callbacks) callback();
        } finally {
          this.start();
        }
      });
  }
}

/**
 * One batch's way to disk: the one-writer check and the flush that a
 * synchronous commit makes for itself, made once for every deferred commit
 * since the last batch, then (durability `sync`) their shared sync off the
 * main thread. Rejects, never throws.
 *
 * @param storage - the database's storage
 * @param sync - true for durability `sync`, false for `flush`
 * @param confirmWriter - the engine's one-writer check (FORMAT.md §Durability)
 */
export function syncBatch(storage: Storage, sync: boolean, confirmWriter: () => void): Promise<void> {
  try {
    // Before the batch's buffered data leaves for the file: a second writer
    // that got in meanwhile must find its commits untouched.
    confirmWriter();
    if (sync) return syncOffThread(storage);
    storage.flush();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The storage's sync off the main thread when it has one (a file's
 * fdatasync on libuv's thread pool), else its synchronous sync in a later
 * microtask.
 *
 * @param storage - the database's storage
 */
export function syncOffThread(storage: Storage): Promise<void> {
  if (storage.syncAsync !== undefined) return storage.syncAsync();
  return Promise.resolve().then(() => storage.sync());
}
