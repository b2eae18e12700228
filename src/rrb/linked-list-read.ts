// The gen-1 linked array list header (FORMAT.md §Linked array lists): reading
// and checking it. Which generation a tag-3 record is, the caller decides first
// (btree-list/generation.ts).
//
// A linked list block holds 16 linked slots of 17 bytes: a slot, then the u64
// count of items below it. At the leaf level an item is any slot that is not
// empty (a value written as none is stored as none with the full flag, so it
// still counts); empty slots are gaps left by slicing and concatenation.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_COUNT, SLOT_SIZE, LIST_SHIFT_MAX } from '../format/constants.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';

/** FORMAT.md §Linked array lists: a slot and a u64 leaf count. */
export const LINKED_SLOT_SIZE = SLOT_SIZE + 8;
/** FORMAT.md §Linked array lists: 16 linked slots. */
export const LINKED_BLOCK_SIZE = LINKED_SLOT_SIZE * SLOT_COUNT;
/** FORMAT.md §Linked array lists: count u64, root position u64, shift u8. */
export const LINKED_LIST_HEADER_SIZE = 17;

/** A linked list header. */
export interface LinkedListHeader {
  /** Items in the list. */
  readonly count: number;
  /** Position of the root block. */
  readonly root: number;
  /** Levels below the root. */
  readonly shift: number;
}

/**
 * Reads a gen-1 linked list header.
 *
 * @throws CorruptDatabaseError when it is damaged
 */
export function readLinkedListHeader(io: BlockIO, position: number): LinkedListHeader {
  io.tx.flushPending();
  io.checkPointer(position, LINKED_LIST_HEADER_SIZE, position);
  const count = io.readU64(position);
  const root = io.readU64(position + 8);
  const offset = io.storage.locate(position + 16, 1);
  const shift = io.storage.view.getUint8(offset) & 0x3f;
  if (shift >= LIST_SHIFT_MAX) throw new CorruptDatabaseError(`a linked list has shift ${shift}, above the maximum ${LIST_SHIFT_MAX - 1}`, position + 16);
  io.checkPointer(root, LINKED_BLOCK_SIZE, position + 8);
  checkRootCount(io, root, shift, count);
  return { count, root, shift };
}

/** The root block's entries must add up to the header's count (items at a leaf, counts at a branch). */
function checkRootCount(io: BlockIO, root: number, shift: number, count: number): void {
  let total = 0;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const at = root + i * LINKED_SLOT_SIZE;
    const slot = io.readSlot(at);
    if (slot.isEmpty) continue;
    if (shift === 0) total += 1;
    else if (slot.tag !== Tag.INDEX) throw new CorruptDatabaseError(`a linked list branch holds a ${tagName(slot.tag)}`, at);
    else total += io.readU64(at + SLOT_SIZE);
  }
  if (total !== count) throw new CorruptDatabaseError(`a linked list's root holds ${total} items but its header counts ${count}`, root);
}
