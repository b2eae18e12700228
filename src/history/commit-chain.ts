// What the next commit's trailer says (FORMAT.md §Commit trailer): its place
// in the chain of trailers (sequence, previous trailer, jump pointer), its
// time and what the commit did.
//
// The jump target of the trailer after sequence n is always n itself or the
// target of n's target (Myers' skew-binary rule: jumpSequence(n + 1) is n or
// jumpSequence(jumpSequence(n))). So each trailer this module writes keeps a
// link to its jump target's, and a chain of commits finds every jump target
// without reading a trailer: only the first commit after an open (or a
// refresh, or a rolled-back commit) reads the jump path it needs, at most
// its O(log n) trailers.

import { jumpSequence, type CommitTrailer, type CommitTrailerFields, type TrailerKind } from '../format/commit-trailer.js';
import type { Storage } from '../storage/storage.js';
import type { HistoryHeader } from './history-header.js';
import { appendTrailer, lastTrailerBefore, searchChain, trailerEndingAt } from './trailers.js';

/** What a commit's trailer records besides the header: its kind, the moment a revert restored (-1 for none), the caller's metadata. */
export interface CommitRecord {
  readonly kind: TrailerKind;
  readonly restoredMoment: number;
  readonly meta: Uint8Array;
}

/**
 * A trailer of a chain and the link of the trailer its jump pointer names,
 * once known: the jump path from a chain's head, read at most once.
 */
interface ChainLink {
  readonly trailer: CommitTrailer;
  /** Undefined until read, and for a trailer whose jump pointer names none. */
  jump: ChainLink | undefined;
}

/**
 * The link of the trailer of sequence `target` on the jump path from `from`,
 * reading (once) the trailers of the path not linked yet; undefined when the
 * path breaks before it (a damaged trailer) or does not pass it.
 */
function onJumpPath(storage: Storage, from: ChainLink, target: number): ChainLink | undefined {
  let at = from;
  while (at.trailer.sequence > target) {
    let jump = at.jump;
    if (jump === undefined) {
      if (at.trailer.jumpEnd === 0) return undefined;
      const read = trailerEndingAt(storage, at.trailer.jumpEnd);
      if (read === undefined || read.sequence !== jumpSequence(at.trailer.sequence)) return undefined;
      jump = { trailer: read, jump: undefined };
      at.jump = jump;
    }
    at = jump;
  }
  return at.trailer.sequence === target ? at : undefined;
}

/**
 * The chain of trailers an engine's commits extend (one per engine): the link
 * of the last trailer it wrote, so that the next commit finds its jump target
 * without reading a trailer.
 */
export class CommitChain {
  /** The last trailer written, linked; ignored once the engine's head is another trailer (a commit rolled back, an open, a refresh). */
  private head: ChainLink | undefined = undefined;

  /**
   * Appends the trailer that ends the next commit and returns it.
   *
   * @param storage - the database's storage, holding the commit's records
   * @param previous - the chain's last trailer, or undefined to start a chain
   * @param next - the history header the commit writes (count, root) and the committed size it starts from
   * @param commit - what the commit did
   * @param clock - ms since 1970
   */
  append(storage: Storage, previous: CommitTrailer | undefined, next: { count: number; root: number; previousSize: number }, commit: CommitRecord, clock: () => number): CommitTrailer {
    const link = previous === undefined ? undefined : this.head?.trailer === previous ? this.head : { trailer: previous, jump: undefined };
    const { fields, jump } = nextTrailer(storage, link, next, commit, clock);
    const trailer = appendTrailer(storage, fields);
    this.head = { trailer, jump };
    return trailer;
  }
}

/** The fields of the trailer that ends the next commit after `link`'s, and the link of its jump target. */
function nextTrailer(
  storage: Storage,
  link: ChainLink | undefined,
  next: { count: number; root: number; previousSize: number },
  commit: CommitRecord,
  clock: () => number,
): { fields: CommitTrailerFields; jump: ChainLink | undefined } {
  const previous = link?.trailer;
  let chain = previous;
  let jump: ChainLink | undefined;
  if (chain !== undefined) {
    const target = jumpSequence(chain.sequence + 1);
    if (target > 0) {
      jump = onJumpPath(storage, link as ChainLink, target);
      if (jump === undefined) {
        // The jump path is broken: search along the previous pointers too, as a reader would.
        const found = searchChain(storage, chain, (trailer) => trailer.sequence > target);
        // A chain broken behind its head (damage the reader would also meet) is not continued: start a new one.
        if (found === undefined || found.sequence !== target) chain = undefined;
        else jump = { trailer: found, jump: undefined };
      }
    }
  }
  const fields: CommitTrailerFields = {
    kind: commit.kind,
    dataChecked: storage.durable === true,
    previousSize: next.previousSize,
    previousTrailerEnd: chain?.end ?? 0,
    sequence: (chain?.sequence ?? 0) + 1,
    jumpEnd: chain === undefined || jump === undefined ? 0 : jump.trailer.end,
    count: next.count,
    root: next.root,
    // Times never go back along a chain, so that a search by time can jump.
    time: commitTime(clock, previous?.time ?? 0),
    restoredMoment: commit.restoredMoment,
    meta: commit.meta,
  };
  return { fields, jump: chain === undefined ? undefined : jump };
}

/**
 * How far back a database whose last commits carry no trailer (another
 * implementation's) is searched for the last trailer, to continue its chain:
 * 64 KiB, a few small commits of xitdb, one read.
 */
const FOREIGN_COMMIT_SCAN_BYTES_MAX = 65536;

/**
 * When the last commit carries no trailer (another implementation's), the
 * last trailer shortly before it, so that the next commit continues that
 * chain and earlier moments keep their times. Looks back at most
 * {@link FOREIGN_COMMIT_SCAN_BYTES_MAX} bytes; none found starts a new chain.
 *
 * @param storage - the database's storage
 * @param history - the history header as opened
 */
export function chainBehindForeignCommits(storage: Storage, history: HistoryHeader): CommitTrailer | undefined {
  if (history.count === 0) return undefined;
  return lastTrailerBefore(storage, history.committedSize, FOREIGN_COMMIT_SCAN_BYTES_MAX);
}

/** `trailer` when it describes `history` (the same count, root and end), else undefined: the chain head a next commit may continue. */
export function matchingTrailer(trailer: CommitTrailer | undefined, history: HistoryHeader): CommitTrailer | undefined {
  return trailer !== undefined && trailer.count === history.count && trailer.root === history.root && trailer.end === history.committedSize ? trailer : undefined;
}

/**
 * The clock's time as a trailer stores it: whole milliseconds, never below the
 * previous commit's. A clock that gives no number (a bigint, text, an object)
 * counts as one that went back, rather than failing the commit with a TypeError.
 */
function commitTime(clock: () => number, previous: number): number {
  const time: unknown = clock();
  const now = typeof time === 'number' ? Math.floor(time) : Number.NaN;
  return Number.isSafeInteger(now) && now > previous ? now : previous;
}
