// What the next commit's trailer says (FORMAT.md §Commit trailer): its place
// in the chain of trailers (sequence, previous trailer, jump pointer), its
// time and what the commit did.

import { jumpSequence, type CommitTrailer, type CommitTrailerFields, type TrailerKind } from '../format/commit-trailer.js';
import type { Storage } from '../storage/storage.js';
import type { HistoryHeader } from './history-header.js';
import { searchChain } from './trailers.js';

/** What a commit's trailer records besides the header: its kind, the moment a revert restored (-1 for none), the caller's metadata. */
export interface CommitRecord {
  readonly kind: TrailerKind;
  readonly restoredMoment: number;
  readonly meta: Uint8Array;
}

/**
 * The fields of the trailer that ends the next commit.
 *
 * @param storage - the database's storage
 * @param previous - the chain's last trailer, or undefined to start a chain
 * @param next - the history header the commit writes (count, root) and the committed size it starts from
 * @param commit - what the commit did
 * @param clock - ms since 1970
 */
export function nextTrailerFields(
  storage: Storage,
  previous: CommitTrailer | undefined,
  next: { count: number; root: number; previousSize: number },
  commit: CommitRecord,
  clock: () => number,
): CommitTrailerFields {
  let chain = previous;
  let jumpEnd = 0;
  if (chain !== undefined) {
    const target = jumpSequence(chain.sequence + 1);
    if (target > 0) {
      const found = searchChain(storage, chain, (trailer) => trailer.sequence > target);
      // A chain broken behind its head (damage the reader would also meet) is not continued: start a new one.
      if (found === undefined || found.sequence !== target) chain = undefined;
      else jumpEnd = found.end;
    }
  }
  return {
    kind: commit.kind,
    dataChecked: storage.durable === true,
    previousSize: next.previousSize,
    previousTrailerEnd: chain?.end ?? 0,
    sequence: (chain?.sequence ?? 0) + 1,
    jumpEnd: chain === undefined ? 0 : jumpEnd,
    count: next.count,
    root: next.root,
    // Times never go back along a chain, so that a search by time can jump.
    time: commitTime(clock, previous?.time ?? 0),
    restoredMoment: commit.restoredMoment,
    meta: commit.meta,
  };
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
