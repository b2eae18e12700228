// Recovery at open (FORMAT.md §Commit and recovery): which commit is the last
// one, and what a read-write open may cut.
// - Rolling forward: commits whose trailers are whole past the header's
//   committed size were durable before their header was lost; they count.
// - A torn header: one whose moment count and root name a whole trailer is
//   repaired from it.
// - Cutting: only a tail that is provably past the last commit. A history
//   header whose committed size falls inside the latest commit's records (a
//   damaged header) would make the cut destroy that commit, so the open
//   refuses instead.

import { CorruptDatabaseError } from '../errors.js';
import { HISTORY_HEADER_POSITION, INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { shiftForCount } from '../trie/array-list.js';
import { walkRecords } from './records.js';
import type { Storage } from '../storage/storage.js';
import { commitTimeText, type CommitTrailer } from '../format/commit-trailer.js';
import { firstWholeCommitAfter, lastWholeCommit, nextWholeCommit, trailerEndingAt, trailerIntact } from './trailers.js';
import { readHistoryHeader, readRawHistoryHeader, type HistoryHeader } from './history-header.js';

/**
 * How far a scan for a torn header's trailer reads past the history root it
 * names (the trailer ends the transaction that wrote that root): 256 MiB, far
 * more than one transaction usually writes, small enough to bound an open.
 */
export const TORN_HEADER_SCAN_BYTES_MAX = 256 * 1024 * 1024;

/** The history header fields recovery needs. */
export interface CommittedHistory {
  readonly count: number;
  readonly root: number;
  readonly committedSize: number;
}

/** What recovery found: the last commit, its trailer (when it has one), and whether that differs from the header on disk. */
export interface RecoveredHistory {
  readonly history: CommittedHistory;
  readonly trailer: CommitTrailer | undefined;
  readonly changed: boolean;
}

/**
 * The last durable commit, starting from the header on disk:
 * - when a trailer ends at the header's committed size but names another
 *   moment count or root, the header was torn (its size survived) and the
 *   trailer, if intact, is the truth;
 * - then every whole commit that follows (a trailer whose previous size is the
 *   committed size so far, with a matching checksum) is rolled over: its sync
 *   finished, so it was durable, even if the header that named it was lost.
 *
 * A header whose committed size ends no trailer is a commit by another
 * implementation or an earlier build, taken as it is. Cost: O(1) reads plus
 * the bytes past the committed size (scanned for trailers).
 *
 * @param storage - the database's storage
 * @param header - the history header on disk
 */
export function rollForward(storage: Storage, header: CommittedHistory): RecoveredHistory {
  let history = header;
  let changed = false;
  let trailer = trailerEndingAt(storage, header.committedSize);
  if (trailer !== undefined && (trailer.count !== header.count || trailer.root !== header.root)) {
    if (trailerIntact(storage, trailer)) {
      history = historyOf(trailer);
      changed = true;
    } else {
      trailer = undefined;
    }
  }
  for (let next = nextWholeCommit(storage, history.committedSize); next !== undefined; next = nextWholeCommit(storage, history.committedSize)) {
    trailer = next;
    history = historyOf(next);
    changed = true;
  }
  return { history, trailer, changed };
}

/**
 * The commit a torn history header was naming, when its moment count and root
 * survived and its committed size did not: the first whole trailer after that
 * root (the transaction that wrote the root ends with it) whose count and root
 * are the header's. Undefined when there is none within
 * {@link TORN_HEADER_SCAN_BYTES_MAX} bytes.
 *
 * @param storage - the database's storage
 * @param raw - the header's fields as stored, unchecked
 */
export function recoverTornHeader(storage: Storage, raw: CommittedHistory | undefined): CommittedHistory | undefined {
  if (raw === undefined || raw.root <= HISTORY_HEADER_POSITION || raw.root >= storage.size()) return undefined;
  const trailer = firstWholeCommitAfter(storage, raw.root + INDEX_BLOCK_SIZE, TORN_HEADER_SCAN_BYTES_MAX);
  if (trailer === undefined || trailer.count !== raw.count || trailer.root !== raw.root) return undefined;
  return historyOf(trailer);
}

function historyOf(trailer: CommitTrailer): CommittedHistory {
  return { count: trailer.count, root: trailer.root, committedSize: trailer.end };
}

/**
 * Checks that every record the latest commit wrote ends within its committed
 * size, before a read-write open cuts the bytes past it.
 *
 * Appending the new moment to the history list is a transaction's first write
 * (stratadb and xitdb alike), so the blocks on the history list's path to the
 * last moment are the commit's first records: everything the commit wrote lies
 * at or after the lowest of them. The walk follows the latest moment through
 * records at or after that point only, which bounds it by the size of the last
 * transaction, and visits each record once. Records before it belong to earlier
 * commits, whose sizes the header does not describe.
 *
 * @throws CorruptDatabaseError naming what to do when a record of the latest
 *   commit ends past the committed size: the header is damaged, and cutting
 *   there would destroy the commit
 */
export function checkCommitBoundary(io: BlockIO, history: CommittedHistory): void {
  const { count, root, committedSize } = history;
  if (count === 0) return;
  const refuse = (position: number, end: number): never => {
    throw new CorruptDatabaseError(
      `the history header says ${committedSize} bytes are committed, but the latest moment reaches a record at ${position} that ends at ${end}: ` +
        'the header is damaged, and cutting the file there would destroy the latest commit, so nothing was cut. ' +
        'Open the file read-only to read every moment, copy it with `stratadb backup`, and check it with `stratadb verify`',
      HISTORY_HEADER_POSITION + 16,
    );
  };
  const index = count - 1;
  let block = root;
  let floor = root;
  for (let shift = shiftForCount(count); shift > 0; shift--) {
    const child = io.readSlot(block + SLOT_SIZE * (Math.floor(index / SLOT_COUNT ** shift) % SLOT_COUNT));
    // A damaged path is for the reader to report; there is nothing to bound here.
    if (child.tag !== Tag.INDEX) return;
    block = child.position;
    if (block + INDEX_BLOCK_SIZE > committedSize) refuse(block, block + INDEX_BLOCK_SIZE);
    floor = Math.min(floor, block);
  }
  const moment = io.readSlot(block + SLOT_SIZE * (index % SLOT_COUNT));
  // walkRecords offers each record once, so the walk is as long as the commit.
  walkRecords(io, moment, (position, size) => {
    if (position < floor) return false;
    if (position + size > committedSize) refuse(position, position + size);
    return true;
  });
}

/**
 * The history header an open starts from: the one on disk; when it is
 * inconsistent with the file (its committed size past the data, its root
 * outside it, or, for a writer, inside the latest commit) and a torn write of
 * it can be told apart by the commit trailer its moment count and root name,
 * that trailer's state. A header that bytes follow but no trailer ends is
 * checked the same way, and refused when a whole commit past it does not
 * follow from it.
 *
 * @param storage - the database's storage
 * @param io - its block access (for the boundary check)
 * @param readOnly - a read-only open checks no boundary (it cuts nothing)
 * @param mayRollForward - false while a live writer holds the file
 * @param accepted - receives the 24 header bytes read
 * @throws CorruptDatabaseError naming the last whole commit when nothing fits
 */
export function readHistoryForOpen(storage: Storage, io: BlockIO, readOnly: boolean, mayRollForward: boolean, accepted: Uint8Array): HistoryHeader {
  let header: HistoryHeader;
  try {
    header = readHistoryHeader(storage, io.tx.committedSize, accepted);
    if (header.committedSize < storage.size()) {
      // Bytes past a size that ends no trailer: the size may be torn, inside
      // the commit's own trailer (past every record, where the boundary check
      // cannot see it).
      if (mayRollForward && trailerEndingAt(storage, header.committedSize) === undefined) {
        const torn = recoverTornHeader(storage, header);
        if (torn !== undefined) return torn;
        // A whole commit past the header that does not follow from it: the
        // header is damaged (no writer leaves one), and cutting to it, or
        // reading by it, would lose or misread that commit.
        const last = lastWholeCommit(storage, TORN_HEADER_SCAN_BYTES_MAX);
        if (last !== undefined && last.end > header.committedSize && nextWholeCommit(storage, header.committedSize) === undefined) {
          throw new CorruptDatabaseError(
            `the history header says ${header.committedSize} bytes are committed, but a whole commit that does not follow from it ends at ${last.end}: the header is damaged`,
            HISTORY_HEADER_POSITION,
          );
        }
      }
      if (!readOnly) checkCommitBoundary(io, header);
    }
    return header;
  } catch (error) {
    if (!mayRollForward || !(error instanceof CorruptDatabaseError)) throw error;
    const torn = recoverTornHeader(storage, readRawHistoryHeader(storage));
    if (torn !== undefined) return torn;
    const last = lastWholeCommit(storage, TORN_HEADER_SCAN_BYTES_MAX);
    if (last === undefined) throw error;
    throw new CorruptDatabaseError(
      `${error.message}; the last whole commit in the file ends at ${last.end} with ${last.count} moments (committed ${commitTimeText(last.time)}). ` +
        'Nothing was cut: open the file read-only and copy what you need, or restore the history header from that commit',
    );
  }
}
