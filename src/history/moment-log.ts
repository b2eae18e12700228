// Which commit made each moment, read from the chain of commit trailers
// (FORMAT.md §Commit trailer, moments): its time, the caller's metadata, the
// bytes it added, and for a revert the moment it restored. Built lazily,
// newest first, as far back as asked, and kept until the next commit.

import { TrailerKind, type CommitTrailer } from '../format/commit-trailer.js';
import type { Storage } from '../storage/storage.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import { decodeCommitMeta } from './commit-meta.js';
import { searchChain, trailerEndingAt } from './trailers.js';

/** What Engine.momentAt finds: a moment as it stood at a time. */
export interface MomentAt {
  /** Its index in the history as it was then. */
  readonly index: number;
  /** A read-only cursor on its root. */
  readonly cursor: ReadCursor;
}

/** What the history knows of one moment's commit. */
export interface MomentInfo {
  /** The moment's index in the history (0 is the first). */
  readonly index: number;
  /** When its commit was written, in ms since 1970-01-01 UTC; undefined when the commit carries no trailer (another implementation wrote it, or an earlier build). */
  readonly time: number | undefined;
  /** The metadata its commit was given (`{ meta }`), or undefined. */
  readonly meta: unknown;
  /** Bytes its commit added to the file, its trailer included; undefined without a trailer. */
  readonly size: number | undefined;
  /** For a moment made by `revert` or `undo`: the moment it copied. */
  readonly restoredFrom: number | undefined;
}

/**
 * The moments' commits, found by walking the chain of trailers from the
 * newest. One walk serves every question until the history changes: each
 * trailer is read once, O(1) per moment.
 */
export class MomentLog {
  private readonly storage: Storage;
  private readonly count: number;
  /** Found so far, newest first: found[k] is moment count - 1 - k. */
  private readonly found: MomentInfo[] = [];
  /** The next trailer of the walk, or undefined when it ended. */
  private next: CommitTrailer | undefined;
  /** Moments at or past this index were dropped by a slice met earlier in the walk. */
  private ceiling: number;

  /**
   * @param storage - the database's storage
   * @param count - the history's moment count
   * @param latest - the trailer ending at the committed size, or the last one before another implementation's commits
   */
  constructor(storage: Storage, count: number, latest: CommitTrailer | undefined) {
    this.storage = storage;
    this.count = count;
    this.next = latest;
    this.ceiling = count;
  }

  /**
   * Moment `index`'s commit. Walks back from the newest as far as needed.
   *
   * @param index - 0 to count - 1
   */
  info(index: number): MomentInfo {
    const back = this.count - 1 - index;
    while (this.found.length <= back) this.step();
    return this.found[back] as MomentInfo;
  }

  /** Advances the walk by one trailer, or, at its end, records a moment without one. */
  private step(): void {
    const need = this.count - 1 - this.found.length;
    const trailer = this.next;
    if (trailer === undefined) {
      this.found.push(unknown(need));
      return;
    }
    this.next = previousInChain(this.storage, trailer);
    if (trailer.kind === TrailerKind.HISTORY_SLICE) {
      this.ceiling = Math.min(this.ceiling, trailer.count);
      return;
    }
    const index = trailer.count - 1;
    // A later slice dropped this moment, and the index was used again.
    if (index >= this.ceiling) return;
    // Moments between were committed without trailers.
    for (let missing = need; missing > index; missing--) this.found.push(unknown(missing));
    this.found.push({
      index,
      time: trailer.time,
      meta: decodeCommitMeta(trailer.meta, trailer.start),
      size: trailer.end - trailer.previousSize,
      restoredFrom: trailer.kind === TrailerKind.REVERT ? trailer.restoredMoment : undefined,
    });
    this.ceiling = index;
  }
}

function unknown(index: number): MomentInfo {
  return { index, time: undefined, meta: undefined, size: undefined, restoredFrom: undefined };
}

/** The trailer before `trailer` in its chain, or undefined where the chain ends or is broken. */
function previousInChain(storage: Storage, trailer: CommitTrailer): CommitTrailer | undefined {
  if (trailer.previousTrailerEnd === 0) return undefined;
  const previous = trailerEndingAt(storage, trailer.previousTrailerEnd);
  return previous !== undefined && previous.sequence === trailer.sequence - 1 ? previous : undefined;
}

/**
 * The newest commit at or before `time` in the chain ending at `latest`,
 * found along jump pointers: O(log n) trailer reads. Undefined when every
 * commit of the chain is later, or the chain is broken before one that is not.
 *
 * @param storage - the database's storage
 * @param latest - the chain's newest trailer
 * @param time - ms since 1970-01-01 UTC
 * @param onRead - called for each trailer read (tests count them)
 */
export function commitAtOrBefore(storage: Storage, latest: CommitTrailer, time: number, onRead?: (trailer: CommitTrailer) => void): CommitTrailer | undefined {
  return searchChain(storage, latest, (trailer) => trailer.time > time, onRead);
}
