// The linked (RRB) array list's descriptor (FORMAT.md §Linked array lists): a
// 17-byte header (count, root position, shift) over blocks of 16 linked slots.

import { SLOT_COUNT } from '../format/constants.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import type { RecordVisitor, StructureKind, ValueSink } from '../core/kind.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE, readLinkedListHeader } from './linked-list-read.js';

/** Offers a linked block and those below it; the recursion's depth is the header's shift, below LIST_SHIFT_MAX. */
function linkedBlockRecords(io: BlockIO, block: number, shift: number, visit: RecordVisitor, values: ValueSink): void {
  if (!visit(block, LINKED_BLOCK_SIZE)) return;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const child = io.readSlot(block + i * LINKED_SLOT_SIZE);
    if (child.isEmpty) continue; // a gap
    if (shift === 0) values(child);
    else if (child.tag === Tag.INDEX) linkedBlockRecords(io, child.position, shift - 1, visit, values);
  }
}

/** FORMAT.md §Linked array lists. */
export const LINKED_ARRAY_LIST_KIND: StructureKind = {
  tag: Tag.LINKED_ARRAY_LIST,
  name: tagName(Tag.LINKED_ARRAY_LIST),
  described: 'a linked list',
  family: 'list',
  counted: false,
  recordSize: LINKED_LIST_HEADER_SIZE,
  create(io) {
    // Header (count 0, root right after it, shift 0) and an empty leaf, as xitdb writes them.
    const position = io.appendZeros(LINKED_LIST_HEADER_SIZE + LINKED_BLOCK_SIZE);
    io.writeU64(position + 8, position + LINKED_LIST_HEADER_SIZE);
    return position;
  },
  // Only the header changes in place; list blocks are copied by the list operations.
  copyTop: (io, position, from) => io.copyToEnd(io.checkPointer(position, LINKED_LIST_HEADER_SIZE, from), LINKED_LIST_HEADER_SIZE),
  records(io, position, visit, values) {
    const header = readLinkedListHeader(io, position);
    linkedBlockRecords(io, header.root, header.shift, visit, values);
  },
};
