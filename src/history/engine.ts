// The engine: opening a database, its top-level history of moments, and the
// transaction and commit protocol (FORMAT.md §History, §Transactions, §Commit
// and recovery).
//
// Invariants:
// - Nothing below tx start changes during a transaction: every block a
//   committed moment can reach is copied before it changes, including the
//   history list's own blocks. The only in-place write to committed bytes is the
//   24-byte history header at position 12, and it is the commit. Which blocks
//   may change in place, and which cursors may write, is core/tx-state.ts's
//   to decide; this file begins, freezes and ends transactions there.
// - The committed size in the history header is the end of the last commit;
//   bytes past it belong to no moment and are cut away on a read-write open.

import { CorruptDatabaseError, InvalidArgumentError, OutOfRangeError, ReadOnlyError, TransactionError } from '../errors.js';
import { FILE_HEADER_SIZE, FORMAT_VERSION, HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE, INDEX_BLOCK_SIZE } from '../format/constants.js';
import { decodeFileHeader, encodeFileHeader, type FileHeader } from '../format/file-header.js';
import { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import { type Hasher } from '../hash/hasher.js';
import type { Storage } from '../storage/storage.js';
import { BlockIO } from '../core/block-io.js';
import type { Context } from '../core/context.js';
import { listAppend, listSlice, listSlotPosition, type ListHeader } from '../trie/array-list.js';
import { resolveMoment } from './moment-index.js';
import { ReadCursor, cursorAt } from '../cursor/read-cursor.js';
import { WriteCursor } from '../cursor/write-cursor.js';
import { describe, isPromiseLike } from '../base/arguments.js';
import { checkCommitBoundary, readHistoryForOpen, rollForward } from './recovery.js';
import { isInterruptedCreation } from './creation.js';
import { UnstableHeaderError, decodeHistoryHeader, encodeHistoryHeader, readHistoryHeader, readRawHistoryHeader, type HistoryHeader } from './history-header.js';
import { trailerEndingAt } from './trailers.js';
import { TrailerKind, type CommitTrailer } from '../format/commit-trailer.js';
import { CommitChain, chainBehindForeignCommits, matchingTrailer, type CommitRecord } from './commit-chain.js';
import { GroupCommit, syncBatch, type GroupCommitHooks } from './group-commit.js';
import { NothingKept, runEachFromSavepoint } from './batch.js';
import { TransactionQueue } from './transaction-queue.js';
import { encodeCommitMeta, type CommitOptions } from './commit-meta.js';
import { checkHasher, pickHasher } from './hasher-choice.js';
import { MomentLog, commitAtOrBefore, type MomentAt, type MomentInfo } from './moment-log.js';
import { INSPECT, defineHidden, describeHandle, hideFields, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { checkEngineOptions, type Durability, type EngineOptions } from './engine-options.js';

export type { Durability, EngineOptions, MomentAt };

/**
 * One open database at the format level: moments, transactions, cursors.
 *
 * @example
 * ```ts
 * const engine = Engine.open(new MemoryStorage(), { hasher: await createXxHash128Hasher() });
 * engine.transact((root) => root.hashMap().put('greeting').writeString('hello'));
 * engine.moment(-1).asHashMap().get('greeting')?.readString(); // 'hello'
 * ```
 */
export class Engine {
  // Every field is defined hidden in the constructor: the storage, the block access and the context reach
  // every byte of the database, and Object.keys, spreading or structuredClone of an engine must not (toJSON).
  /** The storage the database lives in. */
  declare readonly storage: Storage;
  /** The key hasher. */
  declare readonly hasher: Hasher;
  /** True when nothing may be written. */
  declare readonly readOnly: boolean;
  /** Commit durability. */
  declare readonly durability: Durability;
  /** @internal */
  declare readonly io: BlockIO;
  /** @internal */
  declare readonly ctx: Context;
  declare private fileHeader: FileHeader;
  declare private history: HistoryHeader;
  /** Set when a commit failed after its header write began: the outcome is unknown until a reopen. */
  declare private failedCommit: unknown;
  /** Set when the storage found another writer: nothing more is written, nothing is cut (the bytes are the other writer's). */
  declare private lostWriter: unknown;
  /** The history header bytes this engine last read or wrote: what a writer expects to find on disk before it commits. */
  declare private readonly headerBytes: Uint8Array;
  /**
   * The trailer that ends at the committed size (FORMAT.md §Commit trailer):
   * the head of the chain the next commit's trailer continues. Undefined when
   * the last commit carries none (a new database, or a commit by another
   * implementation): the next trailer then starts a chain of its own.
   */
  declare private lastTrailer: CommitTrailer | undefined;
  /** Where commit times come from. */
  declare private readonly clock: () => number;
  /** Set when a header was written after the last sync: the next commit's sync, or close, makes it durable. */
  declare private headerUnsynced: boolean;

  private constructor(storage: Storage, hasher: Hasher, fileHeader: FileHeader, readOnly: boolean, durability: Durability, clock: () => number) {
    const io = new BlockIO(storage, fileHeader.hashSize);
    const ctx: Context = { io, hasher, readOnly };
    // The context keeps its hasher and flag enumerable; only its block access is hidden.
    hideFields(ctx, ['io']);
    const history: HistoryHeader = { count: 0, root: 0, committedSize: storage.size() };
    const headerBytes = new Uint8Array(HISTORY_HEADER_SIZE);
    defineHidden(this, { storage, hasher, readOnly, durability, io, ctx, fileHeader, history, failedCommit: undefined, lostWriter: undefined, headerBytes, lastTrailer: undefined, clock, headerUnsynced: false });
    // Declared with the methods that use them, hidden all the same.
    defineHidden(this, { log: undefined, group: undefined, queue: undefined, writtenSize: 0, chain: new CommitChain(), pendingTrailer: undefined, closed: false });
  }

  /**
   * What `JSON.stringify(engine)` gives: `{ kind: 'Engine', moments, readOnly,
   * durability, history }` and never data. An engine reaches every key of the
   * database, so serializing it by accident (a response, a log line) must not
   * hand them out. O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('Engine', () => ({ moments: this.history.count, readOnly: this.readOnly, durability: this.durability, history: this.hasHistory, closed: this.closed }));
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of {@link toJSON} on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /**
   * Opens the database in `storage`, creating it when the storage is empty.
   * O(1): reads the two headers and nothing else.
   *
   * A read-write open cuts away bytes past the last commit (an interrupted
   * transaction), once it has checked that the latest commit's records all end
   * before them (history/recovery.ts); a read-only open ignores them and never
   * writes.
   *
   * @param storage - memory, file, or any {@link Storage}
   * @param options - the hasher (required), read-only, durability, history
   * @throws IncompatibleDatabaseError when the hasher does not match the header
   * @throws CorruptDatabaseError when the headers are damaged, or (read-write)
   *   when the committed size falls inside the latest commit, or the root tag
   *   says nothing is committed over a file that holds data: nothing is cut
   */
  static open(storage: Storage, options: EngineOptions): Engine {
    const { readOnly, durability, clock } = checkEngineOptions(storage, options);
    if (storage.size() === 0) {
      if (readOnly) throw new ReadOnlyError('cannot create a database in read-only mode: the storage is empty');
      const hasher = options.hasher ?? options.knownHashers?.[0];
      if (hasher === undefined) throw new InvalidArgumentError('a new database needs a hasher');
      return Engine.create(storage, hasher, durability, options.history ?? true, clock);
    }
    const headerBytes = new Uint8Array(Math.min(FILE_HEADER_SIZE, storage.size()));
    storage.read(0, headerBytes);
    const creator = options.hasher ?? options.knownHashers?.[0];
    if (!readOnly && creator !== undefined && isInterruptedCreation(storage, creator)) {
      // A creation that stopped before its first sync: start it again.
      storage.truncate(0);
      return Engine.create(storage, creator, durability, options.history ?? true, clock);
    }
    const fileHeader = decodeFileHeader(headerBytes);
    const hasher = options.hasher ?? pickHasher(fileHeader, options.knownHashers ?? []);
    checkHasher(fileHeader, hasher);
    const engine = new Engine(storage, hasher, fileHeader, readOnly, durability, clock);
    engine.loadRoot(!readOnly, options.history ?? true);
    return engine;
  }

  private static create(storage: Storage, hasher: Hasher, durability: Durability, history: boolean, clock: () => number): Engine {
    const fileHeader: FileHeader = { rootTag: Tag.NONE, version: FORMAT_VERSION, hashSize: hasher.size, hashId: hasher.id };
    const engine = new Engine(storage, hasher, fileHeader, false, durability, clock);
    engine.initialize(history);
    return engine;
  }

  /**
   * Writes the root records of a new database. Creation is a commit of its own:
   * first a header whose root tag is none (a crash after it leaves a file that a
   * read-write open initialises again), then the root records, then, once they
   * are stored, the real root tag.
   */
  private initialize(history: boolean): void {
    const storage = this.storage;
    storage.truncate(0);
    storage.write(0, encodeFileHeader({ ...this.fileHeader, rootTag: Tag.NONE }));
    if (history) {
      const rootPosition = FILE_HEADER_SIZE + HISTORY_HEADER_SIZE;
      const committedSize = rootPosition + INDEX_BLOCK_SIZE;
      const encoded = encodeHistoryHeader({ count: 0, root: rootPosition, committedSize });
      storage.write(HISTORY_HEADER_POSITION, encoded);
      this.headerBytes.set(encoded);
      storage.write(rootPosition, new Uint8Array(INDEX_BLOCK_SIZE));
      this.history = { count: 0, root: rootPosition, committedSize };
      this.io.tx.noteCommitted(committedSize);
    } else {
      storage.write(FILE_HEADER_SIZE, new Uint8Array(INDEX_BLOCK_SIZE));
      this.history = { count: 0, root: FILE_HEADER_SIZE, committedSize: FILE_HEADER_SIZE + INDEX_BLOCK_SIZE };
      this.io.tx.inPlace();
    }
    this.syncIfDurable();
    this.fileHeader = { ...this.fileHeader, rootTag: history ? Tag.ARRAY_LIST : Tag.HASH_MAP };
    storage.write(0, encodeFileHeader(this.fileHeader));
    this.syncIfDurable();
  }

  /** The decoded file header. */
  get header(): FileHeader {
    return this.fileHeader;
  }

  /** True when the database keeps a history of moments (root tag array list). */
  get hasHistory(): boolean {
    return this.fileHeader.rootTag === Tag.ARRAY_LIST;
  }

  /** Bytes that belong to committed moments (the committed size); for a database without history, which changes in place, all of its bytes. */
  get committedSize(): number {
    return this.fileHeader.rootTag === Tag.HASH_MAP ? this.storage.size() : this.history.committedSize;
  }

  private loadRoot(recover: boolean, history: boolean): void {
    const tag = this.fileHeader.rootTag;
    const size = this.storage.size();
    if (tag === Tag.NONE) {
      // Nothing committed yet: xitdb writes this before its first transaction, and
      // so does an interrupted creation. A read-write open initialises it.
      if (this.readOnly) {
        this.history = { count: 0, root: -1, committedSize: FILE_HEADER_SIZE };
        return;
      }
      // Initialising cuts the file to nothing. An interrupted creation leaves at
      // most its own records; more than that is a damaged root tag (one bit turns
      // an array list's 2 into none) over a database that must not be wiped.
      if (size > FILE_HEADER_SIZE + HISTORY_HEADER_SIZE + INDEX_BLOCK_SIZE) {
        throw new CorruptDatabaseError(
          `the file header's root tag says nothing is committed, but the file holds ${size} bytes: the tag is damaged, or a first transaction was interrupted. Nothing was cut; open it read-only, copy it with \`stratadb backup\`, and check it with \`stratadb verify\``,
          3,
        );
      }
      this.initialize(history);
      return;
    }
    if (tag === Tag.HASH_MAP) {
      this.io.checkPointer(FILE_HEADER_SIZE, INDEX_BLOCK_SIZE, 3);
      this.history = { count: 0, root: FILE_HEADER_SIZE, committedSize: size };
      if (!this.readOnly) this.io.tx.inPlace();
      return;
    }
    // A writer that is still running owns the bytes past its header: it may be
    // between a commit's sync and its header write. Rolling forward is for
    // commits whose writer is gone (FORMAT.md §Commit and recovery).
    const mayRollForward = !(this.storage.writerActive?.() ?? false);
    const onDisk = readHistoryForOpen(this.storage, this.io, this.readOnly, mayRollForward, this.headerBytes);
    const recovered = mayRollForward ? rollForward(this.storage, onDisk) : { history: onDisk, trailer: trailerEndingAt(this.storage, onDisk.committedSize), changed: false };
    this.history = recovered.history;
    this.lastTrailer = matchingTrailer(recovered.trailer, this.history) ?? chainBehindForeignCommits(this.storage, this.history);
    this.io.tx.noteCommitted(this.history.committedSize);
    if (!recover) return;
    const stored = readRawHistoryHeader(this.storage);
    if (recovered.changed || stored === undefined || stored.count !== this.history.count || stored.root !== this.history.root || stored.committedSize !== this.history.committedSize) {
      // The commits rolled forward were durable; their header was lost or torn. Write it again before cutting anything.
      const encoded = encodeHistoryHeader(this.history);
      this.storage.write(HISTORY_HEADER_POSITION, encoded);
      this.headerBytes.set(encoded);
      this.syncIfDurable();
    }
    if (this.history.committedSize < size) {
      checkCommitBoundary(this.io, this.history);
      this.storage.truncate(this.history.committedSize);
      this.syncIfDurable();
    }
  }


  /**
   * Re-reads the history header, to see moments that another writer committed
   * to the same storage since this engine last looked. O(1).
   */
  refresh(): void {
    if (this.io.tx.running) throw new TransactionError('cannot refresh inside a transaction');
    if (this.fileHeader.rootTag === Tag.NONE) {
      // The writer may have finished creating the database since: read its header from the file again.
      this.storage.refresh?.();
      const bytes = new Uint8Array(FILE_HEADER_SIZE);
      this.storage.read(0, bytes);
      this.fileHeader = decodeFileHeader(bytes);
      if (this.fileHeader.rootTag === Tag.NONE) return;
    }
    if (this.hasHistory) {
      let header: HistoryHeader;
      try {
        header = readHistoryHeader(this.storage, this.io.tx.committedSize, this.headerBytes);
      } catch (error) {
        // A writer that commits faster than two reads of the header: stay at the moments read before.
        if (error instanceof UnstableHeaderError) return;
        throw error;
      }
      // Every commit appends, so a header naming less than this engine has is
      // one that open rolled past (its writer crashed before writing it again).
      if (header.committedSize < this.history.committedSize) return;
      this.readFrom(header);
    }
  }

  /** Reads the moments `header` names (a newer header on refresh, the last durable one after a failed sync). */
  private readFrom(header: HistoryHeader): void {
    this.history = header;
    this.lastTrailer = matchingTrailer(trailerEndingAt(this.storage, header.committedSize), header);
    this.io.tx.noteCommitted(header.committedSize);
  }

  /**
   * The 24 bytes of the history header as this engine last read or wrote it,
   * or undefined for a database without history. Used by backups.
   */
  historyHeaderBytes(): Uint8Array | undefined {
    if (!this.hasHistory) return undefined;
    return encodeHistoryHeader(this.history).slice();
  }

  /**
   * How many moments the history holds.
   * O(1). A property, as `Database.momentCount` is (it was a method before 0.2).
   */
  get momentCount(): number {
    return this.history.count;
  }

  /**
   * What the history knows of moment `index`'s commit: its time, metadata,
   * the bytes it added, the moment a revert restored (FORMAT.md §Commit
   * trailer). Moments committed by another implementation have no time.
   * The first call walks the chain of trailers back to `index`; later calls
   * reuse the walk until the next commit: O(1) per moment over all calls.
   *
   * @param index - the moment (negative from the end)
   * @throws OutOfRangeError when there is no such moment
   */
  momentInfo(index = -1): MomentInfo {
    this.requireHistory();
    const resolved = resolveMoment(index, this.history.count);
    const log = this.log?.count === this.history.count && this.log.head === this.lastTrailer ? this.log.value : undefined;
    const value = log ?? new MomentLog(this.storage, this.history.count, this.lastTrailer);
    this.log = { count: this.history.count, head: this.lastTrailer, value };
    return value.info(resolved);
  }

  /** The walk behind {@link momentInfo}, and the history it was made for. */
  declare private log: { count: number; head: CommitTrailer | undefined; value: MomentLog } | undefined;

  /**
   * The latest moment at or before `time` (ms since 1970-01-01 UTC): the
   * database as it stood then, found along the trailers' jump pointers in
   * O(log n) reads. Its index is the one it had then; a moment that a later
   * history slice dropped is still read (committed bytes never change).
   * Undefined when the database held no moment at that time, or when the
   * commits of that time carry no trailers.
   *
   * @param time - ms since 1970-01-01 UTC
   */
  momentAt(time: number): MomentAt | undefined {
    this.requireHistory();
    if (typeof time !== 'number' || Number.isNaN(time)) throw new InvalidArgumentError(`momentAt takes a time in ms since 1970, got ${describe(time)}`);
    if (this.lastTrailer === undefined) return undefined;
    const commit = commitAtOrBefore(this.storage, this.lastTrailer, time);
    if (commit === undefined || commit.count === 0) return undefined;
    const header = { count: commit.count, root: commit.root };
    const index = commit.count - 1;
    return { index, cursor: cursorAt(this.ctx, listSlotPosition(this.io, header, index)) };
  }

  private listHeader(): ListHeader {
    return { count: this.history.count, root: this.history.root };
  }

  /**
   * A read-only cursor on moment `index` (negative from the end: -1 is the
   * latest). It stays valid and unchanged while later transactions commit.
   * O(log16 moments).
   *
   * @throws OutOfRangeError when there is no such moment
   */
  moment(index = -1): ReadCursor {
    this.requireHistory();
    const header = this.listHeader();
    return cursorAt(this.ctx, listSlotPosition(this.io, header, resolveMoment(index, header.count)));
  }

  /** The root of a database without history, read-only. */
  rootMap(): ReadCursor {
    if (this.hasHistory) throw new TransactionError('this database keeps a history; read moments with moment()');
    // A header whose root tag is none (a file before its first transaction) holds no map yet: an empty one.
    if (this.fileHeader.rootTag === Tag.NONE) return new ReadCursor(this.ctx, -1, Slot.EMPTY);
    return new ReadCursor(this.ctx, -1, Slot.pointer(Tag.HASH_MAP, FILE_HEADER_SIZE));
  }

  /**
   * The root of a database without history, writable in place (no copies, no
   * transaction), as in xitdb's ephemeral databases.
   */
  writableRootMap(): WriteCursor {
    if (this.hasHistory) throw new TransactionError('this database keeps a history; write inside transact()');
    if (this.readOnly) throw new ReadOnlyError('the database is open read-only');
    // Writes here are never committed: tx start is 0 and every count is written
    // at once (TxState.inPlace, called when the database was opened).
    return new WriteCursor(this.ctx, -1, Slot.pointer(Tag.HASH_MAP, FILE_HEADER_SIZE), FILE_HEADER_SIZE);
  }

  /**
   * Runs one write transaction: appends a moment that starts as a copy of the
   * latest one (an empty slot for the first), lets `fn` change it through the
   * root cursor, and commits. If `fn` throws, nothing is committed and the
   * storage is cut back to where it was; the error is rethrown.
   *
   * Cost: the writes `fn` makes, plus O(log16 moments) for the history path,
   * plus one or two syncs (see {@link Durability}).
   *
   * @param fn - receives the writable root of the new moment
   * @param options - metadata the commit records beside its time (see {@link CommitOptions})
   * @returns what `fn` returns
   * @throws TransactionError when called inside another transaction
   * @throws ReadOnlyError on a read-only database
   */
  transact<T>(fn: (root: WriteCursor) => T, options?: CommitOptions): T {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`transact takes a function of the root cursor, got ${describe(fn)}`);
    return this.appendMoment((previous) => previous, fn, { kind: TrailerKind.TRANSACTION, restoredMoment: -1, meta: encodeCommitMeta(options, 'transact') });
  }

  /**
   * Runs `fn` as one transaction, as {@link transact} does (synchronously,
   * now), and resolves once its moment is durable. Transactions that arrive
   * while a sync is in flight are committed together by the next one: each
   * stays its own moment with its own trailer, and they share one fdatasync,
   * which runs off the main thread where the storage can (a file). Other
   * processes see the moment when its header is written after that sync; this
   * engine builds on it at once. If the sync fails, every promise of the
   * batch rejects and the engine refuses writes until reopened; the file holds
   * the last durable moment (and possibly whole later ones: a reopen decides).
   *
   * @param fn - receives the writable root of the new moment
   * @param options - metadata for the commit
   * @returns what `fn` returns, once durable
   */
  transactAsync<T>(fn: (root: WriteCursor) => T, options?: CommitOptions): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(new InvalidArgumentError(`transactAsync takes a function of the root cursor, got ${describe(fn)}`));
    let result: T;
    try {
      result = this.appendMoment((previous) => previous, fn, { kind: TrailerKind.TRANSACTION, restoredMoment: -1, meta: encodeCommitMeta(options, 'transactAsync') }, true);
    } catch (error) {
      return Promise.reject(error);
    }
    this.group ??= new GroupCommit(this.groupHooks());
    return this.group.await(this.history, result);
  }

  /**
   * Runs each of `fns` as a transaction of its own, all in one new moment, now:
   * each sees what the ones before it wrote, and one that throws (or returns
   * a promise) is rolled back alone (history/batch.ts). The moment commits
   * once, with one trailer carrying `options.meta`, its sync shared as
   * {@link transactAsync}'s: about the cost of one transaction making all of
   * their changes. When every function fails, no moment is added.
   *
   * @param fns - the transactions, in order
   * @param options - metadata for the moment's commit
   * @returns each function's outcome, in order, as `Promise.allSettled` gives them, once the moment is durable;
   *   rejects when the moment itself could not commit
   */
  transactBatch(fns: readonly ((root: WriteCursor) => unknown)[], options?: CommitOptions): Promise<PromiseSettledResult<unknown>[]> {
    try {
      if (!Array.isArray(fns) || fns.some((fn) => typeof fn !== 'function')) throw new InvalidArgumentError(`transactBatch takes an array of functions of the root cursor, got ${describe(fns)}`);
      if (fns.length === 0) return Promise.resolve([]);
      const commit = { kind: TrailerKind.TRANSACTION, restoredMoment: -1, meta: encodeCommitMeta(options, 'transactBatch') };
      const outcomes = this.appendMoment((previous) => previous, (root) => runEachFromSavepoint(this.io, this.ctx, root.slotPosition, fns), commit, true);
      this.group ??= new GroupCommit(this.groupHooks());
      return this.group.await(this.history, outcomes);
    } catch (error) {
      return error instanceof NothingKept ? Promise.resolve(error.outcomes) : Promise.reject(error);
    }
  }

  /**
   * Queues `fn` for the next {@link transactBatch}: the calls of one task, or
   * those made while the last batch's sync is in flight, share a moment
   * (history/transaction-queue.ts). `fn` runs later, not now.
   *
   * @param fn - receives the root of the moment as the transactions before it left it
   * @returns what `fn` returns, once its moment is durable; what it threw, if it threw
   */
  transactBatched<T>(fn: (root: WriteCursor) => T): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(new InvalidArgumentError(`transactBatched takes a function of the root cursor, got ${describe(fn)}`));
    this.queue ??= new TransactionQueue({ run: (fns) => this.transactBatch(fns), afterSync: (callback) => this.afterSync(callback) });
    return this.queue.enqueue<T>(fn);
  }

  declare private queue: TransactionQueue<(root: WriteCursor) => unknown> | undefined;

  /** Calls `callback` once the group commit's sync in flight ends, before the next starts; false (no call) when none is in flight. */
  afterSync(callback: () => void): boolean {
    return this.group?.afterSync(callback) ?? false;
  }

  /** Batches {@link transactAsync}'s syncs; made on first use. */
  declare private group: GroupCommit | undefined;
  private groupHooks(): GroupCommitHooks {
    return {
      sync: () => syncBatch(this.storage, this.durability === 'sync', () => this.confirmWriter()),
      publish: (header) => this.writeHeader(header),
      fail: (error) => this.abandonDeferred(error),
      closed: () => this.closed,
    };
  }

  /**
   * Appends a moment equal to moment `index` (a pointer copy: O(1) in the size of
   * the data). `revert(-2)` undoes the last transaction. Its commit trailer
   * records which moment it restored.
   *
   * @param index - the moment to restore (negative from the end)
   * @param options - metadata for the commit
   */
  revert(index: number, options?: CommitOptions): void {
    this.requireHistory();
    const source = resolveMoment(index, this.history.count);
    const meta = encodeCommitMeta(options, 'revert');
    this.appendMoment(() => this.moment(source).slot, () => undefined, { kind: TrailerKind.REVERT, restoredMoment: source, meta });
  }

  /**
   * Undoes the last `steps` transactions by appending a copy of the moment
   * before them. The undone moments stay in the history.
   *
   * @param steps - how many moments back (default 1)
   * @param options - metadata for the commit
   */
  undo(steps = 1, options?: CommitOptions): void {
    this.requireHistory();
    if (!Number.isInteger(steps) || steps < 1) throw new InvalidArgumentError(`undo takes a positive whole number of steps, got ${String(steps)}`);
    if (steps >= this.history.count) throw new OutOfRangeError(`cannot undo ${steps} of ${this.history.count} moments`);
    this.revert(-1 - steps, options);
  }

  /**
   * Keeps only the first `count` moments, dropping the newest ones. Their bytes
   * stay in the file (readers holding them are unaffected) until compaction.
   * The commit appends a trailer and nothing else.
   *
   * @param count - how many moments to keep
   * @param options - metadata for the commit
   */
  sliceHistory(count: number, options?: CommitOptions): void {
    this.requireHistory();
    this.requireWritable();
    if (this.io.tx.running) throw new TransactionError('cannot slice the history inside a transaction');
    this.requireNoFailedCommit();
    const meta = encodeCommitMeta(options, 'sliceHistory');
    const start = this.storage.size();
    const sliced = listSlice(this.io, this.listHeader(), count);
    try {
      this.commitHeader({ count: sliced.count, root: sliced.root }, { kind: TrailerKind.HISTORY_SLICE, restoredMoment: -1, meta });
    } catch (error) {
      if (this.failedCommit === undefined && this.lostWriter === undefined) this.rollback(start);
      throw error;
    }
  }

  /**
   * Inside a transaction: makes everything written so far immutable, so later
   * writes copy it instead of changing it in place. Needed after cloning a
   * structure within a transaction and before changing either copy.
   */
  freeze(): void {
    this.io.tx.freeze();
  }

  private appendMoment<T>(initial: (previous: Slot) => Slot, fn: (root: WriteCursor) => T, commit: CommitRecord, deferred = false): T {
    this.requireHistory();
    this.requireWritable();
    this.requireNoFailedCommit();
    const tx = this.io.tx;
    if (tx.running) throw new TransactionError('a transaction is already running; transactions do not nest');
    const start = this.storage.size();
    if (start !== this.history.committedSize) {
      throw new CorruptDatabaseError(`the storage holds ${start} bytes but ${this.history.committedSize} are committed; reopen to recover`);
    }
    const previous = this.history.count > 0 ? this.moment(-1).slot : Slot.EMPTY;
    tx.begin();
    try {
      const appended = listAppend(this.io, this.listHeader());
      this.io.writeSlot(appended.slotPosition, initial(previous));
      tx.openRoot(appended.slotPosition);
      const root = new WriteCursor(this.ctx, appended.slotPosition, this.io.readSlot(appended.slotPosition));
      const result = fn(root);
      if (isPromiseLike(result)) {
        // Committing now would commit whatever the function did before its first await.
        throw new TransactionError('a transaction function must be synchronous: it returned a promise, so nothing was committed');
      }
      this.commitHeader({ count: appended.header.count, root: appended.header.root }, commit, deferred);
      return result;
    } catch (error) {
      // Once the header write began, the new header may be stored and names these
      // bytes: cutting them would leave a header pointing at nothing.
      // Nor when another writer got in: the bytes past `start` may be its own.
      if (this.failedCommit === undefined && this.lostWriter === undefined) this.rollback(start);
      throw error;
    } finally {
      tx.end();
    }
  }

  private rollback(start: number): void {
    try {
      this.storage.truncate(start);
    } catch {
      // The bytes past `start` are outside the committed size either way; the next
      // read-write open cuts them.
    }
  }

  /**
   * The commit (FORMAT.md §Commit and recovery): the trailer after the
   * transaction's records, one sync (or flush) of both, then the 24-byte
   * history header, handed to the operating system but not synced: the commit
   * is durable once its trailer is, and the next commit's sync, or close,
   * makes the header durable too. Readers in other processes see the commit
   * when the header reaches the file.
   */
  private commitHeader(next: { count: number; root: number }, commit: CommitRecord, deferred = false): void {
    const header = this.writeCommit(next, commit, deferred);
    if (deferred) {
      // transactAsync: the data and trailer are with the system; the group
      // commit syncs them (with the others of its batch) and writes the header.
      this.advance(header);
      return;
    }
    try {
      this.syncIfDurable();
    } catch (error) {
      // The fdatasync itself failed: the trailer may have reached the disk whole, and a reopen decides.
      this.failedCommit = error;
      throw new TransactionError('the commit failed while syncing its data; whether it took effect is known only after reopening the database', { cause: error });
    }
    this.writeHeader(header);
    this.advance(header);
    // The sync covered every deferred commit before this one too.
    this.group?.coveredBySync();
  }

  /**
   * A commit's records and trailer, handed to the system (FORMAT.md §Commit
   * and recovery, steps 1 and 2): after the transaction's deferred counts, the
   * trailer, the one-writer check, then a flush. A flush that fails (a full
   * disk) means the bytes never all left: the commit failed, and the caller
   * cuts them.
   */
  private writeCommit(next: { count: number; root: number }, commit: CommitRecord, deferred: boolean): HistoryHeader {
    this.io.tx.flushPending();
    const header: HistoryHeader = { count: next.count, root: next.root, committedSize: 0 };
    if (this.hasHistory) {
      const trailer = this.chain.append(this.storage, this.lastTrailer, { ...next, previousSize: this.history.committedSize }, commit, this.clock);
      header.committedSize = trailer.end;
      this.pendingTrailer = trailer;
    } else {
      header.committedSize = this.storage.size();
    }
    // A deferred commit's bytes leave with its batch (group-commit.ts, syncBatch).
    if (deferred) return header;
    // Before the transaction's buffered data leaves for the file: a second
    // writer that got in meanwhile must find its commits untouched.
    this.confirmWriter();
    this.storage.flush();
    return header;
  }

  /**
   * Writes `header` at position 12 and hands it to the system, unsynced
   * (step 4): the commits it names are durable already. Never writes a header
   * older than the one on disk (a group commit's sync can finish after a
   * synchronous commit wrote a newer one).
   *
   * @internal for the group commit
   */
  writeHeader(header: HistoryHeader): void {
    if (header.committedSize < this.writtenSize) return;
    try {
      const encoded = encodeHistoryHeader(header);
      this.storage.write(HISTORY_HEADER_POSITION, encoded);
      this.headerBytes.set(encoded);
      this.storage.flush();
      this.headerUnsynced = this.durability === 'sync';
      this.writtenSize = header.committedSize;
    } catch (error) {
      this.failedCommit = error;
      throw new TransactionError(
        'the commit failed while writing the history header after its data was made durable; reopening the database recovers it from its trailer',
        { cause: error },
      );
    }
  }

  /** The committed size of the header this engine last wrote. */
  declare private writtenSize: number;

  /** Makes `header` the engine's history: later transactions build on it. */
  private advance(header: HistoryHeader): void {
    this.history = header;
    this.lastTrailer = this.pendingTrailer;
    this.pendingTrailer = undefined;
    this.io.tx.noteCommitted(header.committedSize);
  }

  /** The chain `lastTrailer` heads, linked for the next commit's jump pointer. */
  declare private readonly chain: CommitChain;

  /** The trailer of the commit being written, until its header is. */
  declare private pendingTrailer: CommitTrailer | undefined;

  /** Asks the storage whether this engine is still its only writer (FORMAT.md §Durability, one writer). */
  private confirmWriter(): void {
    if (this.storage.confirmWriter === undefined) return;
    try {
      this.storage.confirmWriter(HISTORY_HEADER_POSITION, this.headerBytes);
    } catch (error) {
      this.lostWriter = error;
      throw error;
    }
  }

  private requireNoFailedCommit(): void {
    if (this.lostWriter !== undefined) throw this.lostWriter;
    if (this.failedCommit !== undefined) {
      // After a failed sync or header write the file's state is known only to a fresh read (a retried fsync can report success for pages it lost).
      const reason = this.failedCommit instanceof Error ? `: ${this.failedCommit.message}` : '';
      throw new TransactionError(`an earlier commit failed while syncing its data or writing the history header${reason}; this handle writes nothing more: reopen the database to find out whether it took effect`, { cause: this.failedCommit });
    }
  }

  private syncIfDurable(): void {
    if (this.durability === 'sync') {
      this.storage.sync();
      this.headerUnsynced = false;
    } else {
      this.storage.flush();
    }
  }

  private requireHistory(): void {
    if (!this.hasHistory) {
      if (this.fileHeader.rootTag === Tag.NONE) throw new OutOfRangeError('the database has no moments yet');
      throw new TransactionError('this database has no history (its root is a hash map); use rootMap()');
    }
  }

  private requireWritable(): void {
    if (this.readOnly) throw new ReadOnlyError('the database is open read-only');
  }

  /** @internal Syncs and publishes the deferred commits now, on this thread (close; autoCompact's catch-up, which a steady stream of them would never let find none pending); a failure rejects them, is rethrown, and stops this handle's writes. */
  settleDeferred(): void {
    if (this.readOnly || this.lostWriter !== undefined || this.failedCommit !== undefined || this.group?.pending !== true) return;
    try {
      this.group.settleNow(() => {
        this.confirmWriter();
        this.storage.sync();
        this.writeHeader(this.history);
      });
    } catch (error) {
      this.abandonDeferred(error);
      throw error;
    }
  }

  /** A sync of deferred commits failed and rejected them all: no more writes, and this handle reads the last durable moment again. */
  private abandonDeferred(error: unknown): void {
    this.failedCommit ??= error;
    const written = decodeHistoryHeader(this.headerBytes, this.storage.size());
    if (written.committedSize >= this.history.committedSize) return;
    this.pendingTrailer = undefined;
    this.readFrom(written);
  }

  /** Flushes buffered writes (no-op for memory) and closes the storage. */
  close(): void {
    if (this.io.tx.running) throw new TransactionError('cannot close inside a transaction');
    // Closing twice does nothing, as a storage's close does.
    if (this.closed) return;
    // Transactions queued for a batch commit first; the close then makes them durable.
    this.queue?.runNow();
    this.closed = true;
    if (!this.readOnly && this.lostWriter === undefined) {
      try {
        this.settleDeferred();
        // The last header was handed to the system unsynced; make it durable, so
        // that the next open need not roll forward.
        if (this.headerUnsynced && this.failedCommit === undefined) this.storage.sync();
        else this.storage.flush();
      } finally {
        this.storage.close();
      }
      return;
    }
    this.storage.close();
  }

  /** True once {@link close} ran. */
  declare private closed: boolean;
}
