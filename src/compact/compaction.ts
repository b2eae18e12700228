// A compaction (issue 16): a new database holding the moments a policy keeps,
// each one commit of the new file with its original time, metadata and kind
// (FORMAT.md §Commit trailer), its values copied block by block
// (compact/block-copier.ts) so that what the source shares stays shared.

import { InvalidArgumentError, TransactionError } from '../errors.js';
import { FILE_HEADER_SIZE, HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE, INDEX_BLOCK_SIZE } from '../format/constants.js';
import { encodeFileHeader } from '../format/file-header.js';
import { TrailerKind, type CommitTrailer } from '../format/commit-trailer.js';
import { Tag } from '../format/tags.js';
import type { Slot } from '../format/slot.js';
import type { Storage } from '../storage/storage.js';
import { BlockIO } from '../core/block-io.js';
import { listAppend, type ListHeader } from '../trie/array-list.js';
import { describe, requireOptions, requireStorage } from '../base/arguments.js';
import type { Engine } from '../history/engine.js';
import { nextTrailerFields } from '../history/commit-chain.js';
import { encodeHistoryHeader } from '../history/history-header.js';
import { appendTrailer } from '../history/trailers.js';
import type { ProgressCallback } from '../history/progress.js';
import { BlockCopier } from './block-copier.js';
import { Excision, type DropPath } from './excise.js';
import { selectMoments, validateKeepPolicy, type KeepPolicy } from './policy.js';

/** Options of a compaction. */
export interface CompactOptions {
  /** Which moments to keep (default `'latest'`). */
  readonly keep?: KeepPolicy;
  /** Paths removed from every kept moment, so that their bytes never reach the new file (see {@link DropPath}). */
  readonly drop?: readonly DropPath[];
  /**
   * Called now and then with the bytes of the source read so far and the
   * source's committed size (an upper bound: unreachable bytes are never
   * read); a last call has both equal.
   */
  readonly onProgress?: ProgressCallback;
  /** The present for time-based policies, in ms since 1970 (default `Date.now()`). */
  readonly now?: number;
}

/** What a compaction did. */
export interface CompactResult {
  /** The source indices of the kept moments, ascending: moment i of the new file is `kept[i]` of the source. */
  readonly kept: readonly number[];
  /** Moments in the new file. */
  readonly moments: number;
  /** The source's committed size when the compaction finished. */
  readonly sourceSize: number;
  /** The new file's size (its committed size). */
  readonly size: number;
  /** Records appended to the new file (headers, trailers and the history list not counted). */
  readonly blocksCopied: number;
  /** Bytes of those records. */
  readonly bytesWritten: number;
}

/** Bytes of source read between two progress calls. */
const PROGRESS_BYTES = 1 << 20;

const encoder = new TextEncoder();
const NO_META = new Uint8Array(0);

/**
 * A compaction in progress: moments of `source` copied into `target`, an
 * empty storage, as commits of a new database with the same file header
 * (hasher, hash id). The copier's memo lasts as long as this object, so
 * copying more moments later (an online compaction's catch-up, after the
 * source's writer committed) copies only records not copied yet.
 *
 * The target is written without a single sync: the caller makes it durable
 * (sync it once, then rename it into place). Its history header is written
 * after every {@link copyMoments} call, so the target is a complete database
 * of the moments copied so far whenever no call is running.
 *
 * @example
 * ```ts
 * const compaction = new Compaction(engine, new MemoryStorage(), { keep: { last: 10 } });
 * compaction.copyMoments(selectMoments(engine, { last: 10 }));
 * // ... the writer commits; engine.refresh() ...
 * compaction.copyMoments([engine.momentCount - 1]);
 * const result = compaction.finish();
 * ```
 */
export class Compaction {
  private readonly source: Engine;
  private readonly target: Storage;
  private readonly io: BlockIO;
  private readonly copier: BlockCopier;
  private readonly excision: Excision | undefined;
  private readonly onProgress: ProgressCallback | undefined;
  private history: ListHeader;
  private committedSize: number;
  private lastTrailer: CommitTrailer | undefined = undefined;
  /** Source index to target index of every moment copied. */
  private readonly mapped = new Map<number, number>();
  private readonly kept: number[] = [];
  private lastProgress = 0;
  private finished = false;

  /**
   * Writes the new database's headers into `target`. `options.keep` is not
   * used here (the caller chooses indices with {@link selectMoments}; see
   * {@link compactInto}); `drop` and `onProgress` are.
   *
   * @param source - the database to compact, with history
   * @param target - an empty, writable storage
   * @param options - drop paths, progress
   * @throws InvalidArgumentError when the target is not empty, or an option is malformed
   * @throws TransactionError when the source keeps no history
   */
  constructor(source: Engine, target: Storage, options: CompactOptions = {}) {
    requireOptions(options, 'compact');
    requireStorage(target, 'the compaction target');
    if (target.size() !== 0) throw new InvalidArgumentError('a compaction needs an empty target');
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new InvalidArgumentError(`onProgress must be a function, got ${describe(options.onProgress)}`);
    // The policy and now are checked before anything is written (compactInto then selects with them).
    validateKeepPolicy(options.keep, options.now);
    if (!source.hasHistory) throw new TransactionError('compaction keeps moments of a history; this database has none (its root is a hash map)');
    this.source = source;
    this.target = target;
    this.onProgress = options.onProgress;
    this.io = new BlockIO(target, source.header.hashSize);
    this.copier = new BlockCopier(source.io, this.io);
    this.excision = options.drop === undefined ? undefined : new Excision(source, this.copier, this.io, options.drop);
    // FORMAT.md §Commit and recovery, creation, without its syncs: the caller syncs the whole file once.
    const root = FILE_HEADER_SIZE + HISTORY_HEADER_SIZE;
    this.history = { count: 0, root };
    this.committedSize = root + INDEX_BLOCK_SIZE;
    target.write(0, encodeFileHeader({ ...source.header, rootTag: Tag.ARRAY_LIST }));
    target.write(HISTORY_HEADER_POSITION, encodeHistoryHeader({ ...this.history, committedSize: this.committedSize }));
    target.write(root, new Uint8Array(INDEX_BLOCK_SIZE));
    this.io.tx.noteCommitted(this.committedSize);
  }

  /** Records appended to the target so far (headers, trailers and the history list not counted). */
  get blocksCopied(): number {
    return this.copier.counters.blocksCopied;
  }

  /** Bytes of those records. */
  get bytesWritten(): number {
    return this.copier.counters.bytesWritten;
  }

  /** Moments copied so far. */
  get momentCount(): number {
    return this.history.count;
  }

  /**
   * Copies source moments `indices` (ascending, each after every moment
   * copied before) as the next moments of the target, one commit each, then
   * writes the target's history header. A revert whose restored moment was
   * copied stays a revert of that moment's new index; one whose restored
   * moment was not becomes a transaction. A moment without a time (its
   * commit carries no trailer) is copied without a trailer too.
   *
   * Cost: the records not copied before, plus O(log16 moments) per moment for
   * the history list and a trailer.
   *
   * @param indices - source moment indices
   * @throws InvalidArgumentError when the indices are not ascending source moments after those already copied
   * @throws CorruptDatabaseError when the source is damaged; the target is then unusable
   */
  copyMoments(indices: readonly number[]): void {
    if (this.finished) throw new InvalidArgumentError('the compaction has finished');
    if (!Array.isArray(indices)) throw new InvalidArgumentError(`copyMoments takes an array of moment indices, got ${describe(indices)}`);
    const count = this.source.momentCount;
    let previous = this.kept.length === 0 ? -1 : (this.kept[this.kept.length - 1] as number);
    for (const index of indices) {
      if (typeof index !== 'number' || !Number.isSafeInteger(index) || index <= previous || index >= count) {
        throw new InvalidArgumentError(`copyMoments takes ascending moment indices below ${count}, each after ${previous}; got ${describe(index)}`);
      }
      previous = index;
    }
    for (const index of indices) this.copyMoment(index);
    this.target.write(HISTORY_HEADER_POSITION, encodeHistoryHeader({ ...this.history, committedSize: this.committedSize }));
  }

  /**
   * Ends the compaction: a last progress call, a flush of the target (no
   * sync), and what it did. The target is then a complete database.
   */
  finish(): CompactResult {
    this.finished = true;
    this.target.flush();
    const sourceSize = this.source.committedSize;
    this.onProgress?.(sourceSize, sourceSize);
    return {
      kept: this.kept.slice(),
      moments: this.history.count,
      sourceSize,
      size: this.committedSize,
      blocksCopied: this.blocksCopied,
      bytesWritten: this.bytesWritten,
    };
  }

  private copyMoment(index: number): void {
    const info = this.source.momentInfo(index);
    const slot = this.source.moment(index).slot;
    const tx = this.io.tx;
    tx.begin();
    try {
      const copied = this.copyRoot(slot, index);
      const appended = listAppend(this.io, this.history);
      this.io.writeSlot(appended.slotPosition, copied);
      this.history = appended.header;
      if (info.time === undefined) {
        this.committedSize = this.target.size();
      } else {
        const restored = info.restoredFrom === undefined ? undefined : this.mapped.get(info.restoredFrom);
        const meta = info.meta === undefined ? NO_META : encoder.encode(JSON.stringify(info.meta));
        const commit = { kind: restored === undefined ? TrailerKind.TRANSACTION : TrailerKind.REVERT, restoredMoment: restored ?? -1, meta };
        const fields = nextTrailerFields(this.target, this.lastTrailer, { ...this.history, previousSize: this.committedSize }, commit, () => info.time as number);
        this.lastTrailer = appendTrailer(this.target, fields);
        this.committedSize = this.lastTrailer.end;
      }
    } finally {
      tx.end();
    }
    tx.noteCommitted(this.committedSize);
    this.mapped.set(index, this.history.count - 1);
    this.kept.push(index);
    this.progress();
  }

  private copyRoot(slot: Slot, index: number): Slot {
    return this.excision === undefined ? this.copier.copyValue(slot, -1 - index) : this.excision.copyValue(slot, -1 - index);
  }

  private progress(): void {
    const onProgress = this.onProgress;
    if (onProgress === undefined) return;
    const read = this.copier.counters.sourceBytesRead;
    if (read - this.lastProgress < PROGRESS_BYTES) return;
    this.lastProgress = read;
    const total = this.source.committedSize;
    onProgress(Math.min(read, total), total);
  }
}

/**
 * Compacts `source` into `target`, an empty storage: the moments
 * `options.keep` selects (default the latest), with `options.drop` removed
 * from each. The target is written without syncs (see {@link Compaction}).
 *
 * Cost: O(distinct records the kept moments reach), each copied once.
 *
 * @example
 * ```ts
 * const result = compactInto(engine, new MemoryStorage(), { keep: { last: 10 } });
 * result.moments; // 10 (or fewer, in a shorter history)
 * ```
 *
 * @param source - the database to compact, with history
 * @param target - an empty, writable storage
 * @param options - keep, drop, onProgress, now
 * @returns what it did
 * @throws InvalidArgumentError for a malformed option or a non-empty target
 * @throws CorruptDatabaseError when the source is damaged (a cycle between records included)
 */
export function compactInto(source: Engine, target: Storage, options: CompactOptions = {}): CompactResult {
  const compaction = new Compaction(source, target, options);
  compaction.copyMoments(selectMoments(source, options.keep, options.now));
  return compaction.finish();
}
