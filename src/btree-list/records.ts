// The records of a gen-2 linked list, for the reachability walk
// (StructureKind.records): every node below the header, and each item slot.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import type { RecordVisitor, ValueSink } from '../core/kind.js';
import { BTREE_DEPTH_MAX, KIND_LEAF, NODE_HEADER_SIZE, nodeSize, readNode } from './node.js';
import { readBTreeHeader } from './read.js';

/** Offers every node of the gen-2 list whose header is at `position` to `visit`, and each item to `values`. */
export function btreeRecords(io: BlockIO, position: number, visit: RecordVisitor, values: ValueSink): void {
  const header = readBTreeHeader(io, position);
  // An explicit stack of (node, depth): no recursion, and the depth is bounded.
  const stack: Array<{ position: number; from: number; depth: number }> = [{ position: header.root, from: position + 8, depth: 0 }];
  while (stack.length > 0) {
    const { position: at, from, depth } = stack.pop() as { position: number; from: number; depth: number };
    if (depth > BTREE_DEPTH_MAX) throw new CorruptDatabaseError(`a gen-2 list is deeper than ${BTREE_DEPTH_MAX} levels`, at);
    const node = readNode(io, at, from);
    if (!visit(at, nodeSize(node.kind))) continue;
    node.slots.forEach((slot: Slot, i) => {
      if (node.kind === KIND_LEAF) values(slot);
      else stack.push({ position: slot.position, from: at + NODE_HEADER_SIZE + SLOT_SIZE * i, depth: depth + 1 });
    });
  }
}
