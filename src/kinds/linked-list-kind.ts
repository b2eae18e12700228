// Tag 3 in both generations (FORMAT.md §Linked array lists, §Gen-2 linked array
// lists): one descriptor that asks each list which layout it uses and hands it
// to the RRB folder (gen-1, what this build creates) or the B-tree folder (gen-2,
// what xitdb-java 0.30 and later create).

import type { StructureKind } from '../core/kind.js';
import type { BlockIO } from '../core/block-io.js';
import { LINKED_ARRAY_LIST_KIND as GEN1_KIND } from '../rrb/kind.js';
import { LINKED_LIST_HEADER_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import { linkedListGeneration } from '../btree-list/generation.js';
import { BTREE_HEADER_SIZE } from '../btree-list/node.js';
import { readBTreeHeader } from '../btree-list/read.js';
import { btreeRecords } from '../btree-list/records.js';

/**
 * Reads and checks the header of the linked list at `position`, of either
 * generation; returns its item count.
 *
 * @throws CorruptDatabaseError when it is damaged
 */
export function checkLinkedListHeader(io: BlockIO, position: number): number {
  return linkedListGeneration(io, position) === 2 ? readBTreeHeader(io, position).count : readLinkedListHeader(io, position).count;
}

/** FORMAT.md §Linked array lists and §Gen-2 linked array lists. */
export const LINKED_ARRAY_LIST_KIND: StructureKind = {
  ...GEN1_KIND,
  // The smaller header: each generation's reader checks its own size.
  recordSize: BTREE_HEADER_SIZE,
  recordSizeAt: (io, position) => (linkedListGeneration(io, position) === 2 ? BTREE_HEADER_SIZE : LINKED_LIST_HEADER_SIZE),
  copyTop(io, position, from) {
    if (linkedListGeneration(io, position) === 2) return io.copyToEnd(io.checkPointer(position, BTREE_HEADER_SIZE, from), BTREE_HEADER_SIZE);
    return GEN1_KIND.copyTop(io, position, from);
  },
  records(io, position, visit, values) {
    if (linkedListGeneration(io, position) === 2) btreeRecords(io, position, visit, values);
    else GEN1_KIND.records(io, position, visit, values);
  },
};
