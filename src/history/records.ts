// The records a value reaches: every block, header, kv pair and byte value
// below a slot, each offered once to a visitor that decides whether to descend.
// Used by stats (reachable bytes) and by recovery (does the latest commit end
// where its header says?). Iterative except for list descents, whose depth the
// format bounds (array lists by their count, linked lists by MAX_LIST_SHIFT).

import { ARRAY_LIST_HEADER_SIZE, COUNT_SIZE, FORMAT_TAG_SIZE, INDEX_BLOCK_SIZE, LONG_BYTES_LENGTH_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { Slot } from '../format/slot.js';
import { kvPairSize } from '../hamt/hash-map.js';
import { readListHeader, shiftForCount } from '../trie/array-list.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import type { BlockIO } from '../core/block-io.js';

/**
 * Called once per record reached, with its position and size in bytes;
 * returns true to walk what the record points at. A visitor that returns
 * false for a position it has seen bounds the walk on shared and on damaged
 * (cyclic) data.
 */
export type RecordVisitor = (position: number, size: number) => boolean;

/**
 * Offers every record reachable from `root` to `visit`, depth first. Map
 * blocks are walked where they are found, so an index or kv pair slot is
 * followed only inside a map, as readers do, and a set's value slots (which
 * readers ignore) not at all. Array list slots past the count (left by a
 * slice) belong to no item and are skipped.
 *
 * @throws CorruptDatabaseError when a record lies past the data
 */
export function walkRecords(io: BlockIO, root: Slot, visit: RecordVisitor): void {
  const slots: Slot[] = [root];
  const kvSize = kvPairSize(io.hashSize);
  const walkMap = (block: number, isSet: boolean): void => {
    const blocks = [block];
    while (blocks.length > 0) {
      const at = blocks.pop() as number;
      for (let i = 0; i < SLOT_COUNT; i++) {
        const child = io.readSlot(at + i * SLOT_SIZE);
        if (child.tag === Tag.INDEX) {
          if (visit(child.position, INDEX_BLOCK_SIZE)) blocks.push(child.position);
        } else if (child.tag === Tag.KV_PAIR && visit(child.position, kvSize)) {
          slots.push(io.readSlot(child.position + io.hashSize));
          if (!isSet) slots.push(io.readSlot(child.position + io.hashSize + SLOT_SIZE));
        }
      }
    }
  };
  while (slots.length > 0) {
    const slot = slots.pop() as Slot;
    switch (slot.tag) {
      case Tag.BYTES: {
        const length = io.readU64(slot.position);
        visit(slot.position, LONG_BYTES_LENGTH_SIZE + length + (slot.full ? FORMAT_TAG_SIZE : 0));
        break;
      }
      case Tag.HASH_MAP:
      case Tag.HASH_SET:
      case Tag.COUNTED_HASH_MAP:
      case Tag.COUNTED_HASH_SET: {
        const counted = slot.tag === Tag.COUNTED_HASH_MAP || slot.tag === Tag.COUNTED_HASH_SET;
        if (!visit(slot.position, counted ? COUNT_SIZE + INDEX_BLOCK_SIZE : INDEX_BLOCK_SIZE)) break;
        walkMap(counted ? slot.position + COUNT_SIZE : slot.position, slot.tag === Tag.HASH_SET || slot.tag === Tag.COUNTED_HASH_SET);
        break;
      }
      case Tag.ARRAY_LIST: {
        if (!visit(slot.position, ARRAY_LIST_HEADER_SIZE)) break;
        const header = readListHeader(io, slot.position);
        if (header.count === 0) {
          visit(header.root, INDEX_BLOCK_SIZE);
          break;
        }
        walkListBlock(io, header.root, shiftForCount(header.count), 0, header.count, slots, visit);
        break;
      }
      case Tag.LINKED_ARRAY_LIST: {
        if (!visit(slot.position, LINKED_LIST_HEADER_SIZE)) break;
        const header = readLinkedListHeader(io, slot.position);
        walkLinkedBlock(io, header.root, header.shift, slots, visit);
        break;
      }
      default:
        break;
    }
  }
}

/**
 * Offers an array list block covering items from `first`, and queues the items
 * below `count`: slots past the count (left by a slice) belong to no item.
 */
function walkListBlock(io: BlockIO, block: number, shift: number, first: number, count: number, slots: Slot[], visit: RecordVisitor): void {
  if (!visit(block, INDEX_BLOCK_SIZE)) return;
  const span = SLOT_COUNT ** shift;
  for (let i = 0; i < SLOT_COUNT && first + i * span < count; i++) {
    const child = io.readSlot(block + i * SLOT_SIZE);
    if (shift === 0) slots.push(child);
    else if (child.tag === Tag.INDEX) walkListBlock(io, child.position, shift - 1, first + i * span, count, slots, visit);
  }
}

function walkLinkedBlock(io: BlockIO, block: number, shift: number, slots: Slot[], visit: RecordVisitor): void {
  if (!visit(block, LINKED_BLOCK_SIZE)) return;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const child = io.readSlot(block + i * LINKED_SLOT_SIZE);
    if (child.isEmpty) continue;
    if (shift === 0) slots.push(child);
    else if (child.tag === Tag.INDEX) walkLinkedBlock(io, child.position, shift - 1, slots, visit);
  }
}
