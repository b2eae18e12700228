// What the next commit's trailer says (FORMAT.md §Commit trailer): its place
// in the chain of trailers (sequence, previous trailer, jump pointer), its
// time and what the commit did.
//
// The jump target of the trailer after sequence n is always n itself or the
// target of n's target (Myers' skew-binary rule: jumpSequence(n + 1) is n or
// jumpSequence(jumpSequence(n))). So each trailer this module writes keeps a
// link to its jump target's, and a chain of commits finds every jump target
// without reading a trailer: only the first commit after an open (or a
// refresh) reads the jump path it needs, at most its O(log n) trailers.

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
 * The links of the trailers this module wrote or read, by trailer object: the
 * engine keeps the chain's head as a plain trailer, and its link is found
 * here. Weak, so that a head no engine holds any more takes its path along.
 */
const links = new WeakMap<CommitTrailer, ChainLink>();

function linkOf(trailer: CommitTrailer): ChainLink {
  let link = links.get(trailer);
  if (link === undefined) {
    link = { trailer, jump: undefined };
    links.set(trailer, link);
  }
  return link;
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
      jump = linkOf(read);
      at.jump = jump;
    }
    at = jump;
  }
  return at.trailer.sequence === target ? at : undefined;
}

/**
 * Appends the trailer that ends the next commit and returns it, linked to
 * its jump target's, so that the commit after it reads no trailer.
 *
 * @param storage - the database's storage, holding the commit's records
 * @param previous - the chain's last trailer, or undefined to start a chain
 * @param next - the history header the commit writes (count, root) and the committed size it starts from
 * @param commit - what the commit did
 * @param clock - ms since 1970
 */
export function appendCommitTrailer(
  storage: Storage,
  previous: CommitTrailer | undefined,
  next: { count: number; root: number; previousSize: number },
  commit: CommitRecord,
  clock: () => number,
): CommitTrailer {
  const { fields, jump } = nextTrailer(storage, previous, next, commit, clock);
  const trailer = appendTrailer(storage, fields);
  links.set(trailer, { trailer, jump });
  return trailer;
}

/** The fields of the trailer that ends the next commit, and the link of its jump target (see {@link appendCommitTrailer}). */
function nextTrailer(
  storage: Storage,
  previous: CommitTrailer | undefined,
  next: { count: number; root: number; previousSize: number },
  commit: CommitRecord,
  clock: () => number,
): { fields: CommitTrailerFields; jump: ChainLink | undefined } {
  let chain = previous;
  let jump: ChainLink | undefined;
  if (chain !== undefined) {
    const target = jumpSequence(chain.sequence + 1);
    if (target > 0) {
      jump = onJumpPath(storage, linkOf(chain), target);
      if (jump === undefined) {
        // The jump path is broken: search along the previous pointers too, as a reader would.
        const found = searchChain(storage, chain, (trailer) => trailer.sequence > target);
        // A chain broken behind its head (damage the reader would also meet) is not continued: start a new one.
        if (found === undefined || found.sequence !== target) chain = undefined;
        else jump = linkOf(found);
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

/** The clock's time as a trailer stores it: whole milliseconds, never below the previous commit's. */
function commitTime(clock: () => number, previous: number): number {
  const now = Math.floor(clock());
  return Number.isSafeInteger(now) && now > previous ? now : previous;
}
