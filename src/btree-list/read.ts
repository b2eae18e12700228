// Reading a gen-2 linked list (FORMAT.md §Gen-2 linked array lists): its header,
// the item at an index by descending on subtree counts, and items in order
// from any index, forwards or backwards, a leaf at a time.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import type { BlockIO } from '../core/block-io.js';
import { BTREE_DEPTH_MAX, BTREE_HEADER_SIZE, KIND_LEAF, NODE_HEADER_SIZE, nodeCount, readNode, type PlacedNode } from './node.js';

/** A gen-2 list header: its item count and root node. */
export interface BTreeHeader {
  readonly count: number;
  readonly root: number;
}

/**
 * Reads a gen-2 list header and checks that its root node holds its count.
 *
 * @throws CorruptDatabaseError when it is damaged
 */
export function readBTreeHeader(io: BlockIO, position: number): BTreeHeader {
  io.tx.flushPending();
  io.checkPointer(position, BTREE_HEADER_SIZE, position);
  const count = io.readU64(position);
  const root = io.readU64(position + 8);
  const node = readNode(io, root, position + 8);
  const held = nodeCount(node);
  if (held !== count) throw new CorruptDatabaseError(`a gen-2 list's root holds ${held} items but its header counts ${count}`, root);
  return { count, root };
}

/** Writes a gen-2 list header. */
export function writeBTreeHeader(io: BlockIO, position: number, header: BTreeHeader): void {
  io.writeU64(position, header.count);
  io.writeU64(position + 8, header.root);
}

/** The leaf holding item `index`, and the item's entry in it. */
export interface LeafAt {
  readonly leaf: PlacedNode;
  readonly entry: number;
}

/**
 * Descends from `root` to the leaf holding item `index` (0 <= index < the
 * root's count), choosing at each branch the child whose running count covers
 * the index. O(height).
 *
 * @throws CorruptDatabaseError when the counts lead nowhere or the tree is deeper than BTREE_DEPTH_MAX
 */
export function leafAt(io: BlockIO, root: number, index: number): LeafAt {
  let node = readNode(io, root, root);
  let rest = index;
  for (let depth = 0; depth <= BTREE_DEPTH_MAX; depth++) {
    if (node.kind === KIND_LEAF) {
      if (rest >= node.slots.length) throw new CorruptDatabaseError(`a gen-2 list leaf holds ${node.slots.length} items, its parent's count reaches item ${rest}`, node.position);
      return { leaf: node, entry: rest };
    }
    let i = 0;
    while (i + 1 < node.slots.length && rest >= (node.counts[i] as number)) {
      rest -= node.counts[i] as number;
      i++;
    }
    if (rest >= (node.counts[i] as number)) throw new CorruptDatabaseError(`a gen-2 list branch counts fewer items than its parent says`, node.position);
    const child = (node.slots[i] as { position: number }).position;
    node = readNode(io, child, node.position + NODE_HEADER_SIZE + SLOT_SIZE * i);
  }
  throw new CorruptDatabaseError(`a gen-2 list is deeper than ${BTREE_DEPTH_MAX} levels`, root);
}

/** The position of the slot of item `index`. O(height). */
export function btreeSlotPosition(io: BlockIO, header: BTreeHeader, index: number): number {
  const { leaf, entry } = leafAt(io, header.root, index);
  return leaf.position + NODE_HEADER_SIZE + SLOT_SIZE * entry;
}

/**
 * The slot positions of the items from `from` to the last (or, `backward`,
 * down to the first). One descent per leaf: O(n / 16 × height) for n items.
 */
export function* btreeSlotPositions(io: BlockIO, header: BTreeHeader, from: number, backward: boolean): Generator<number, void, undefined> {
  let index = from;
  while (backward ? index >= 0 : index < header.count) {
    const { leaf, entry } = leafAt(io, header.root, index);
    const base = leaf.position + NODE_HEADER_SIZE;
    if (backward) {
      for (let e = entry; e >= 0; e--) yield base + SLOT_SIZE * e;
      index -= entry + 1;
    } else {
      const end = Math.min(leaf.slots.length, entry + header.count - index);
      for (let e = entry; e < end; e++) yield base + SLOT_SIZE * e;
      index += end - entry;
    }
  }
}
