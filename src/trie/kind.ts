// The array list's descriptor (FORMAT.md §Array lists): a 16-byte header
// (count, root position) over a 16-way trie of index blocks.

import { CorruptDatabaseError } from '../errors.js';
import { ARRAY_LIST_HEADER_SIZE, INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import type { RecordVisitor, StructureKind, ValueSink } from '../core/kind.js';
import { readListHeader, shiftForCount, writeListHeader } from './array-list.js';

/**
 * Offers an array list block covering items from `first`, and hands on the
 * items below `count`: slots past the count (left by a slice) belong to no
 * item. The recursion's depth is the list's shift, below LIST_SHIFT_MAX.
 */
function listBlockRecords(io: BlockIO, block: number, shift: number, first: number, count: number, visit: RecordVisitor, values: ValueSink): void {
  if (!visit(block, INDEX_BLOCK_SIZE)) return;
  const span = SLOT_COUNT ** shift;
  for (let i = 0; i < SLOT_COUNT && first + i * span < count; i++) {
    const child = io.readSlot(block + i * SLOT_SIZE);
    if (shift === 0) values(child);
    else if (child.tag === Tag.INDEX) listBlockRecords(io, child.position, shift - 1, first + i * span, count, visit, values);
  }
}

/** FORMAT.md §Array lists. */
export const ARRAY_LIST_KIND: StructureKind = {
  tag: Tag.ARRAY_LIST,
  name: tagName(Tag.ARRAY_LIST),
  described: 'a list',
  family: 'list',
  counted: false,
  recordSize: ARRAY_LIST_HEADER_SIZE,
  create(io) {
    const position = io.appendZeros(ARRAY_LIST_HEADER_SIZE + INDEX_BLOCK_SIZE);
    writeListHeader(io, position, { count: 0, root: position + ARRAY_LIST_HEADER_SIZE });
    return position;
  },
  copyTop(io, position, from) {
    // The header and the root block travel together, so the copy's root is mutable too.
    const header = readListHeader(io, io.checkPointer(position, ARRAY_LIST_HEADER_SIZE, from));
    const copy = io.appendZeros(ARRAY_LIST_HEADER_SIZE);
    const root = io.copyToEnd(header.root, INDEX_BLOCK_SIZE);
    if (root !== copy + ARRAY_LIST_HEADER_SIZE) throw new CorruptDatabaseError('list copy was not contiguous', copy);
    writeListHeader(io, copy, { count: header.count, root });
    return copy;
  },
  records(io, position, visit, values) {
    const header = readListHeader(io, position);
    // An empty list still owns its root block.
    if (header.count === 0) visit(header.root, INDEX_BLOCK_SIZE);
    else listBlockRecords(io, header.root, shiftForCount(header.count), 0, header.count, visit, values);
  },
};
