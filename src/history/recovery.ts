// What a read-write open may cut (FORMAT.md §Commit and recovery): only a tail
// that is provably past the last commit. A history header whose committed size
// falls inside the latest commit's records (a damaged header) would make the
// cut destroy that commit, so the open refuses instead.

import { CorruptDatabaseError } from '../errors.js';
import { HISTORY_HEADER_POSITION, INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { shiftForCount } from '../trie/array-list.js';
import { walkRecords } from './records.js';

/** The history header fields recovery needs. */
interface CommittedHistory {
  readonly count: number;
  readonly root: number;
  readonly committedSize: number;
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
