// The database people use: JS values at paths, serial atomic transactions,
// snapshots of any moment, history (undo, revert, slice), O(1) clones, and the
// bytes of a memory database. Built on the engine; browser-safe.

import type { CommitOptions } from '../history/commit-meta.js';
import { Engine, type Durability } from '../history/engine.js';
import { InvalidArgumentError, ReadOnlyError, TransactionError, OutOfRangeError, WrongTypeError } from '../errors.js';
import { MemoryStorage, isByteSource } from '../storage/memory-storage.js';
import type { Storage } from '../storage/storage.js';
import { RetiredEngines } from './retired-engines.js';
import type { Hasher } from '../hash/hasher.js';
import { builtInHashers } from '../open.js';
import { backupTo, type BackupResult } from '../history/backup.js';
import { databaseStats, type DatabaseStats } from '../history/stats.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import type { AnyPath, DeletePathOf, ItemOf, ListTarget, PathOf, RangeItem, RangeKey, StorableSchema, Stored, TypeAt } from './types.js';
import { rangeAt } from './sorted-views.js';
import type { RangeOptions } from './sorted-range.js';
import type { Change, DiffOptions } from './diff.js';
import { ChangeFeed, type ChangeListener, type ChangeSource, type SubscribeOptions } from './feed.js';
import { watchChanges, type WatchedChange } from './watch.js';
import { revertMoment } from './revert.js';
import { type Value } from './views.js';
import { describe, requireKnownOptions, requireOptionalBoolean, requireOptions, requirePath, requireStorage } from '../base/arguments.js';
import { INSPECT, describeHandle, hideFields, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { Snapshot } from './snapshot.js';
import { Transaction } from './transaction.js';
import { TransactionQueue } from '../history/transaction-queue.js';
import { compactMemory, compactionPlan, type CompactOptions, type CompactResult, type Compactor } from './compact.js';

/** Thrown inside a one-shot delete that found nothing, so that its transaction rolls back instead of committing an unchanged moment. */
const NOTHING_DELETED: unique symbol = Symbol('nothing deleted');

export { Snapshot };
export { Transaction };

/**
 * The name of every {@link OpenOptions} option, for `open`, which refuses
 * unknown ones (a Record, so that a new option must be named here).
 */
export const OPEN_OPTION_NAMES: readonly string[] = Object.keys({ readOnly: true, durability: true, hasher: true, clock: true } satisfies Record<keyof OpenOptions, true>);

/** Options for {@link open}. */
export interface OpenOptions {
  /** Refuse every write (default false; true for bytes opened in place). */
  readOnly?: boolean;
  /** Commit durability: `sync` (default, survives power loss) or `flush` (survives a process crash). */
  durability?: Durability;
  /** The key hasher for a new database, or to force for an existing one (default: picked from the header; `xx16` for new). */
  hasher?: Hasher;
  /** Where commit times come from, in ms since 1970 (default `Date.now`); see the engine's `clock` option. */
  clock?: () => number;
}




/**
 * An open database: JS values at paths, transactions, and the history of moments.
 *
 * @example
 * ```ts
 * const db = await open();                       // in memory
 * db.set(['users', 'alice'], { name: 'Alice', visits: 1 });
 * db.transact((tx) => tx.update(['users', 'alice', 'visits'], (n) => (n as number) + 1));
 * db.get(['users', 'alice', 'visits']);          // 2
 * db.undo();
 * db.get(['users', 'alice', 'visits']);          // 1
 * ```
 */
export class Database<in out S = any> {
  /**
   * The engine underneath, for the cursor-level API. {@link compact} replaces
   * it (and a reader's {@link refresh} does, once the file was compacted):
   * read it again after those rather than keeping it.
   */
  engine: Engine;
  private current: Transaction<S> | undefined;
  private readonly feed: ChangeFeed;
  /** Engines that a compaction or a move replaced: their snapshots still read them (retired-engines.ts). */
  private readonly retired = new RetiredEngines();
  private compactor: Compactor = compactMemory;
  /** For a reader of a file: the engine on the file now at its path, when it was replaced since this one opened. */
  private follow: ((engine: Engine) => Engine | undefined) | undefined;

  /** @internal use {@link open} */
  constructor(engine: Engine) {
    this.engine = engine;
    this.feed = new ChangeFeed(engine, () => this.reload());
    // Out of enumeration: the engine reaches every key and byte of the
    // database, and Object.keys, spreading or structuredClone of a database
    // must not (see toJSON). Made once per open, so defineProperty costs nothing.
    hideFields(this);
  }

  /**
   * What `JSON.stringify(db)` gives: `{ kind: 'Database', moments, readOnly }`,
   * never data. A web server's `res.json(db)` by mistake must not send every
   * key; to send data, serialize a view (`res.json(db.get(['public']))`, whose
   * toJSON gives that subtree only) or call `snapshot().toJS()` on purpose. O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('Database', () => ({ moments: this.engine.momentCount, readOnly: this.engine.readOnly }));
  }

  /** What `console.log` and `util.inspect` show in Node: `Database { moments: 3, readOnly: false }`. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** True when the database refuses writes. */
  get readOnly(): boolean {
    return this.engine.readOnly;
  }

  /**
   * Runs `fn` as one transaction: serial, atomic, isolated. Its return value is
   * returned; if it throws, nothing is committed and the database is exactly as
   * before. `fn` must be synchronous.
   *
   * @param fn - the transaction's work
   * @param options - `meta`: a small JSON value the commit records with its
   *   time, read back as the snapshot's `meta`
   * @throws TransactionError inside another transaction
   * @throws ReadOnlyError on a read-only database
   */
  transact<R>(fn: (tx: Transaction<S>) => R, options?: CommitOptions): R {
    this.checkTransaction(fn, 'transact');
    const result = this.engine.transact(this.runIn(fn), options);
    // After the commit returned: listeners see a committed moment, and their errors cannot undo it.
    this.feed.notify();
    return result;
  }

  /**
   * {@link transact}, resolved once the moment is durable: `fn` runs now and
   * synchronously; the commit's fdatasync runs off the main thread, shared with
   * every transaction that arrives while one is in flight (group commit), so a
   * burst of writers costs a few syncs, not one each. This handle reads the new
   * moment at once; other processes, and subscribers, see it once it is durable.
   * If the sync fails, the promise rejects (TransactionError), this handle
   * reads the last durable moment again, and it refuses writes until reopened.
   *
   * @param fn - the transaction's work
   * @param options - `meta` for the commit, as for {@link transact}
   * @returns what `fn` returned, once durable
   */
  transactAsync<R>(fn: (tx: Transaction<S>) => R, options?: CommitOptions): Promise<R> {
    try {
      this.checkTransaction(fn, 'transactAsync');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.engine
      .transactAsync(this.runIn(fn), options)
      .then((result) => {
        this.feed.notify();
        return result;
      });
  }

  /**
   * Queues `fn` to run as a transaction of its own in the next batch: every
   * transaction queued in the same task, or while the last batch's sync is in
   * flight, runs in one moment, in the order queued, and they share one
   * commit and one sync (as lmdb-js batches its writes). Each is atomic: if it
   * throws, its changes are undone and its promise rejects with what it
   * threw, while the others commit. `fn` runs later (at the end of the
   * current task, or once the sync in flight ends), so this handle reads its
   * changes only after the promise resolves; a synchronous {@link transact}
   * made meanwhile commits first. For many small writes from concurrent
   * callers: a burst costs one moment and one path copy per block changed,
   * where {@link transactAsync} adds a moment per transaction. The moment's
   * commit carries no metadata.
   *
   * @param fn - the transaction's work (synchronous)
   * @returns what `fn` returned, once its moment is durable
   */
  transactBatched<R>(fn: (tx: Transaction<S>) => R): Promise<R> {
    try {
      if (arguments.length > 1) throw new InvalidArgumentError('transactBatched takes only a function: its transactions share one moment, whose commit has no metadata (use transactAsync for a moment of its own with { meta })');
      this.checkTransaction(fn, 'transactBatched', false);
    } catch (error) {
      return Promise.reject(error);
    }
    this.queue ??= new TransactionQueue({
      run: (fns) => this.engine.transactBatch(fns.map((queued) => this.runIn(queued))),
      afterSync: (callback) => this.engine.afterSync(callback),
      settled: () => this.feed.notify(),
    });
    return this.queue.enqueue<R>(fn);
  }

  /** Transactions queued by {@link transactBatched}, waiting for their batch. */
  private queue: TransactionQueue<(tx: Transaction<S>) => unknown> | undefined = undefined;

  /** What the transact methods refuse before starting (a batched one may be queued from inside a transaction: it runs later). */
  private checkTransaction(fn: unknown, method: string, now = true): void {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`${method} takes a function of the transaction, got ${describe(fn)}`);
    if (now && this.current !== undefined) throw new TransactionError('a transaction is already running; transactions do not nest');
    if (this.engine.readOnly) throw new ReadOnlyError('the database is open read-only');
  }

  /** The engine-level function that runs `fn` on a Transaction of the new moment's root. */
  private runIn<R>(fn: (tx: Transaction<S>) => R): (root: WriteCursor) => R {
    return (root) => {
      const tx = new Transaction<S>(this.engine, root);
      this.current = tx;
      try {
        const result = fn(tx);
        // A write that failed part-way and was caught by fn must not commit its half.
        tx.refuseIfBroken();
        return result;
      } finally {
        tx.end();
        this.current = undefined;
      }
    };
  }

  /** How many moments the history holds. O(1). */
  get momentCount(): number {
    return this.engine.momentCount;
  }

  /**
   * A snapshot of moment `index` (negative from the end; default the latest).
   *
   * @throws OutOfRangeError when there is no such moment
   */
  snapshot(index = -1): Snapshot<S> {
    const count = this.engine.momentCount;
    if (count === 0) throw new OutOfRangeError('the database has no moments yet');
    // The engine checks the index before the arithmetic below sees it.
    const engine = this.engine;
    const root = engine.moment(index);
    const resolved = index < 0 ? count + index : index;
    return new Snapshot<S>(root, resolved, () => engine.momentInfo(resolved));
  }

  /**
   * Every moment as a snapshot, oldest first (newest first with `reverse`),
   * each with its commit's `time`, `meta` and `size`. Streams; the times come
   * from one walk over the commit trailers.
   *
   * @param options - `reverse: true` for newest first
   */
  *moments(options: { reverse?: boolean } = {}): Generator<Snapshot<S>, void, undefined> {
    requireOptions(options, 'moments');
    requireKnownOptions(options, ['reverse'], 'moments');
    requireOptionalBoolean(options.reverse, 'reverse');
    const count = this.engine.momentCount;
    if (options.reverse === true) for (let i = count - 1; i >= 0; i--) yield this.snapshot(i);
    else for (let i = 0; i < count; i++) yield this.snapshot(i);
  }

  /**
   * The latest moment at or before `time`: the database as it stood then.
   * O(log n) reads along the commit trailers' jump pointers. Undefined when
   * the database held no moment yet, or its commits then carry no time (they
   * were written by another xitdb implementation).
   *
   * @param time - a Date, or ms since 1970-01-01 UTC
   * @throws InvalidArgumentError when `time` is neither
   */
  snapshotAt(time: Date | number): Snapshot<S> | undefined {
    const ms = time instanceof Date ? time.getTime() : time;
    if (typeof ms !== 'number' || Number.isNaN(ms)) throw new InvalidArgumentError(`snapshotAt takes a Date or ms since 1970, got ${describe(time)}`);
    const found = this.engine.momentAt(ms);
    if (found === undefined) return undefined;
    const engine = this.engine;
    const current = engine.momentCount > found.index && engine.moment(found.index).slot.equals(found.cursor.slot);
    return new Snapshot<S>(found.cursor, found.index, current ? () => engine.momentInfo(found.index) : undefined);
  }

  /**
   * The value at `path` in the latest moment (undefined when absent or when
   * there is no moment yet).
   */
  get<P extends PathOf<S>>(path: P): Stored<TypeAt<S, P>> | undefined {
    requirePath(path);
    if (this.engine.momentCount === 0) return undefined;
    return this.snapshot().get(path);
  }

  /** {@link Transaction.range} on the latest moment: `[...db.range(['scores'], { gte: 15, reverse: true })]`. */
  range<P extends PathOf<S>>(path: P, options: RangeOptions<RangeKey<TypeAt<S, P>>> = {}): IterableIterator<RangeItem<TypeAt<S, P>>> {
    requirePath(path);
    if (this.engine.momentCount === 0) return rangeAt(undefined, path as AnyPath, options as RangeOptions, () => undefined) as IterableIterator<RangeItem<TypeAt<S, P>>>;
    return this.snapshot().range(path, options);
  }

  /** One-shot {@link Transaction.add} in its own transaction. */
  add(path: PathOf<S>, ...members: unknown[]): number {
    return this.transact((tx) => tx.add(path, ...members));
  }

  /** True when the latest moment stores something at `path`. */
  has(path: PathOf<S>): boolean {
    requirePath(path);
    return this.engine.momentCount > 0 && this.snapshot().has(path);
  }

  /** One-shot {@link Transaction.set} in its own transaction. */
  set<P extends PathOf<S>>(path: P, value: TypeAt<S, P> | Stored<TypeAt<S, P>>): void {
    this.transact((tx) => tx.set(path, value));
  }

  /** One-shot {@link Transaction.update} in its own transaction. */
  update<P extends PathOf<S>>(path: P, fn: (old: Stored<TypeAt<S, P>> | undefined) => TypeAt<S, P> | Stored<TypeAt<S, P>>): void {
    this.transact((tx) => tx.update(path, fn));
  }

  /** One-shot {@link Transaction.merge} in its own transaction. */
  merge<P extends PathOf<S>>(path: P, partial: Partial<TypeAt<S, P>> & object): void {
    this.transact((tx) => tx.merge(path, partial));
  }

  /**
   * One-shot {@link Transaction.delete} in its own transaction. When nothing
   * is there to delete it returns false and commits nothing: an idempotent
   * delete (of a session that may have expired) must not grow the history.
   */
  delete(path: DeletePathOf<S>): boolean {
    try {
      return this.transact((tx) => {
        if (!tx.delete(path)) throw NOTHING_DELETED;
        return true;
      });
    } catch (error) {
      if (error === NOTHING_DELETED) return false;
      throw error;
    }
  }

  /** One-shot {@link Transaction.push} in its own transaction. */
  push<P extends PathOf<S>>(path: P & ListTarget<TypeAt<S, P>>, ...values: Array<ItemOf<TypeAt<S, P>>>): number {
    return this.transact((tx) => tx.push<P>(path, ...values));
  }

  /**
   * Undoes the last `steps` transactions by appending a copy of the moment
   * before them; the new moment's `restoredFrom` names that moment.
   *
   * @param steps - how many moments back (default 1)
   * @param options - `meta` for the commit, as for {@link transact}
   */
  undo(steps = 1, options?: CommitOptions): void {
    this.engine.undo(steps, options);
    this.feed.notify();
  }

  /**
   * Appends a copy of moment `index` (negative from the end) as the latest
   * moment; its `restoredFrom` names the moment copied.
   *
   * @param index - the moment to restore
   * @param options - `meta` for the commit, as for {@link transact}
   */
  revert(index: number, options?: CommitOptions): void {
    this.engine.revert(index, options);
    this.feed.notify();
  }

  /**
   * Keeps only the first `count` moments.
   *
   * @param count - how many moments to keep
   * @param options - `meta` for the commit, as for {@link transact}
   */
  sliceHistory(count: number, options?: CommitOptions): void {
    this.engine.sliceHistory(count, options);
    this.feed.notify();
  }

  /**
   * The changes from moment `before` to moment `after` (indexes, negative from
   * the end), lazily: what was added, removed or changed, each at its full
   * path, values as {@link get} returns them (see {@link Change}). The two
   * moments share every subtree neither changed, and the diff skips each such
   * subtree whole, so its cost follows the change, not the data: two moments
   * of a million-key map that differ in ten keys read about a hundred blocks.
   * Works backwards too (`diff(-1, 0)`); a moment with itself gives nothing.
   *
   * @param before - the older moment's index
   * @param after - the newer moment's index
   * @param options - `path` to compare under (change paths still start at the root), `stats` to count blocks read
   * @throws OutOfRangeError when there is no such moment
   *
   * @example
   * ```ts
   * db.set(['users', 'alice'], { visits: 1 });
   * db.set(['users', 'alice', 'visits'], 2);
   * [...db.diff(-2, -1)];   // [{ path: ['users', 'alice', 'visits'], type: 'change', before: 1, after: 2 }]
   * ```
   */
  diff(before: number, after: number, options: DiffOptions = {}): Generator<Change, void, undefined> {
    return this.snapshot(before).diff(this.snapshot(after), options);
  }

  /**
   * Calls `listener` after every commit that changes something under
   * `options.path`, with the new moment's index and its changes there (as
   * {@link diff} gives them). Commits through this handle are reported when
   * they return (undo, revert and sliceHistory too); moments another process
   * committed, when {@link refresh} sees them; and a read-only handle on a
   * file opened through `stratadb/node` watches the file while it has
   * listeners, so it refreshes by itself. A listener that commits is told of
   * its own moment after the current one. O(1) per commit without listeners.
   *
   * @param listener - receives `{ moment, changes }`
   * @param options - `path` to watch; `onError` for what a listener or a refresh throws (default: rethrown on its own, as uncaught)
   * @returns the function that unsubscribes (and stops watching the file when it was the last listener)
   */
  subscribe(listener: ChangeListener, options: SubscribeOptions = {}): () => void {
    return this.feed.subscribe(listener, options);
  }

  /**
   * The changes under `path`, as commits make them, one at a time: the change
   * feed of {@link subscribe} as an async iterator. Changes wait until taken;
   * leaving the loop unsubscribes, and closing the database ends the loop.
   *
   * @example
   * ```ts
   * for await (const change of db.watch(['users'])) console.log(change.moment, change.type, change.path);
   * ```
   */
  watch(path: AnyPath = []): AsyncIterableIterator<WatchedChange> {
    return watchChanges((listener, options, onClose) => this.feed.subscribe(listener, options, onClose), { path });
  }

  /** @internal how a read-only file handle learns of other processes' commits (node.ts) */
  watchWith(source: ChangeSource): void {
    this.feed.watchWith(source);
  }

  /**
   * Undoes the changes of moment `index` alone, on top of the latest moment,
   * in one new transaction; the moments after it keep their changes. Refused
   * when a later moment changed a value that moment `index` changed (a list
   * whose items it added or removed counts as one value). Cost: the changes of
   * moment `index` and the paths to them.
   *
   * @param index - the moment to undo (negative from the end)
   * @returns how many values were put back (0: the moment changed nothing)
   * @throws ConflictError listing the conflicting paths; nothing is written
   * @throws OutOfRangeError when there is no such moment
   * @throws ReadOnlyError on a read-only database
   */
  revertChanges(index: number): number {
    if (this.engine.readOnly) throw new ReadOnlyError('the database is open read-only');
    return revertMoment(this.engine, index, (fn) => this.transact((tx) => fn(tx.cursor())));
  }

  /**
   * Sizes and counts: file size, committed size, moments, and with
   * `reachable: true` the bytes the latest moment reaches (the rest is history).
   * O(1), or O(size of the latest moment) with `reachable`.
   */
  stats(options: { reachable?: boolean } = {}): DatabaseStats {
    requireOptions(options, 'stats');
    requireKnownOptions(options, ['reachable'], 'stats');
    requireOptionalBoolean(options.reachable, 'reachable');
    return databaseStats(this.engine, options);
  }

  /**
   * Copies the latest committed state into `target` (an empty writable
   * storage), consistently, while the database stays in use: the committed
   * prefix and the header that names it. The copy opens as a normal database.
   * For a file target use `backup` from `stratadb/node`. O(committed size).
   */
  backup(target: Storage): BackupResult {
    requireStorage(target, 'the backup target');
    return backupTo(this.engine, target);
  }

  /**
   * Sees moments that another writer committed since this database last
   * looked. When the file was compacted since (another file now has its
   * name), moves to the new file: snapshots taken before still read the old.
   */
  refresh(): void {
    this.reload();
    this.feed.notify();
  }

  private reload(): void {
    const moved = this.follow?.(this.engine);
    if (moved !== undefined) this.replaceEngine(moved);
    this.engine.refresh();
  }

  /**
   * Rewrites the database with only the moments `options.keep` keeps (the
   * latest by default), each as it was (values, times, metadata), less the
   * `drop` paths; see the README's Compaction section. A memory database gets
   * a new buffer; a file is rewritten into a sibling that replaces it
   * atomically, and readers move to it on their next refresh. Snapshots taken
   * before stay readable. Synchronous; O(bytes kept).
   *
   * @throws ReadOnlyError on a read-only database
   * @throws TransactionError inside a transaction
   */
  compact(options: CompactOptions = {}): CompactResult {
    // Batched transactions already queued are kept: they commit first.
    if (this.current === undefined) this.queue?.runNow();
    const engine = this.engine;
    const { indices, copy } = compactionPlan(engine, options, this.current !== undefined);
    const sizeBefore = engine.committedSize;
    const momentsBefore = engine.momentCount;
    const done = this.compactor(engine, indices, copy);
    this.replaceEngine(done.engine);
    return { momentsBefore, moments: done.moments, sizeBefore, sizeAfter: done.engine.committedSize };
  }

  /** @internal how a file database compacts, follows a compacted file, and stops compacting in the background (node.ts) */
  useFile(compactor: Compactor, follow: (engine: Engine) => Engine | undefined, closing?: () => void): void {
    this.compactor = compactor;
    this.follow = follow;
    this.closing = closing;
  }

  private closing: (() => void) | undefined;

  /**
   * @internal goes on with `engine`; the old one stays open while its
   * snapshots and views are in use, and its storage (for a file, the
   * replaced file, whose disk space the system frees only once it is closed)
   * is closed after they are collected
   */
  replaceEngine(engine: Engine): void {
    if (engine === this.engine) return;
    this.retired.retire(this.engine);
    this.engine = engine;
    this.feed.moveTo(engine);
  }

  /**
   * The bytes of a memory database, ready to send to a worker or over a socket
   * and open there in place with {@link open} (no decoding). A view of the live
   * buffer: valid until the next write; `.slice()` it to keep a copy.
   *
   * @throws WrongTypeError for a database that is not in memory
   * @throws ClosedError after {@link close}
   */
  bytes(): Uint8Array {
    const storage = this.engine.storage;
    if (!(storage instanceof MemoryStorage)) throw new WrongTypeError('only a memory database has bytes to hand over; copy the file instead');
    return storage.openBytes();
  }

  /** Commits the batched transactions still queued, then flushes and closes the storage (and releases the file); listeners are dropped and the file no longer watched. */
  close(): void {
    // Batched transactions already queued commit before the close (which makes them durable).
    if (this.current === undefined) this.queue?.runNow();
    this.closing?.();
    this.feed.close();
    this.engine.close();
    this.retired.closeAll();
  }
}


/**
 * Opens a database:
 * - `open()`: a new empty database in memory;
 * - `open(bytes)`: existing database bytes (Uint8Array or ArrayBuffer, e.g. from
 *   {@link Database.bytes} in another thread), read-only and in place: O(1), no
 *   copy, no decoding (pass `readOnly: false` to write; it copies on growth);
 * - `open(storage)`: any {@link Storage}.
 *
 * Files are opened by path through `open` from `stratadb/node`.
 *
 * @example
 * ```ts
 * const db = await open<{ count: number }>();
 * db.set(['count'], 1);
 * ```
 */
export async function open<S extends StorableSchema<S> = any>(source?: Uint8Array | ArrayBuffer | SharedArrayBuffer | Storage, options: OpenOptions = {}): Promise<Database<S>> {
  requireOptions(options, 'open');
  requireKnownOptions(options, OPEN_OPTION_NAMES, 'open');
  return openOn<S>(storageFor(source, options), options);
}

/** @internal the storage `open` uses for no source (memory), bytes (in place) or a storage */
export function storageFor(source: Uint8Array | ArrayBuffer | SharedArrayBuffer | Storage | undefined, options: OpenOptions): Storage {
  if (source === undefined) return new MemoryStorage();
  if (isByteSource(source)) return MemoryStorage.fromBytes(source, { readOnly: options.readOnly ?? true });
  return source;
}

/** @internal opens an engine over a storage with the built-in hashers */
export async function openOn<S>(storage: Storage, options: OpenOptions): Promise<Database<S>> {
  const engine = Engine.open(storage, {
    knownHashers: await builtInHashers(),
    ...(options.hasher !== undefined ? { hasher: options.hasher } : {}),
    ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
    ...(options.durability !== undefined ? { durability: options.durability } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });
  return new Database<S>(engine);
}

export type { Value };
