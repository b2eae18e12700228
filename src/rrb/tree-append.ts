// Appending to a linked list tree: the general append that copies its path,
// and the right-edge fast path of bulk appends whose counts are written once.

import { CorruptDatabaseError, OutOfRangeError } from '../errors.js';
import { LIST_SHIFT_MAX, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { FULL_FLAG, Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { LINKED_BLOCK_SIZE, LINKED_SLOT_SIZE } from './linked-list-read.js';
import { requireRoom } from './tree-concat.js';
import { type Node, type Tree, branchSlot, encodeBlock, readNode, writeTree } from './tree-node.js';

/**
 * Appends one item holding `value`: into the last leaf when it has room,
 * otherwise as a new last leaf (and new branches as needed). Blocks on the right
 * edge before `mutableFrom` are copied first; the rest change in place.
 * O(log n) reads, O(1) amortised writes.
 */
export function appendTree(io: BlockIO, tree: Tree, value: Slot, mutableFrom: number): { tree: Tree; slotPosition: number } {
  requireRoom(tree.count + 1);
  if (tree.count === 0) {
    const leaf = writeTree(io, [value], [1], 0);
    return { tree: leaf, slotPosition: leaf.root };
  }
  // Read the right edge: blocks[0] is the root, blocks[height] the last leaf.
  // lastUsed[depth] is the index of the node's last used slot: blocks written
  // by other implementations may have gaps (§Linked array lists), so it can be
  // past slots.length - 1, and the new entry must go after it.
  const blocks: number[] = [tree.root];
  const nodes: Node[] = [];
  const lastUsed: number[] = [];
  for (let height = tree.height; ; height--) {
    const block = blocks[blocks.length - 1] as number;
    const node = readNode(io, block, height);
    nodes.push(node);
    lastUsed.push(node.positions.length === 0 ? -1 : ((node.positions[node.positions.length - 1] as number) - block) / LINKED_SLOT_SIZE);
    if (height === 0) break;
    blocks.push((node.slots[node.slots.length - 1] as Slot).position);
  }
  // The lowest level whose node has room after its last entry takes the new entry.
  let level = tree.height;
  while (level >= 0 && (lastUsed[level] as number) >= SLOT_COUNT - 1) level--;
  let root = tree.root;
  let height = tree.height;
  if (level < 0) {
    // Every node on the right edge is full: a new root above the old one.
    if (height + 1 >= LIST_SHIFT_MAX) throw new OutOfRangeError('the linked list is at the format\'s maximum depth');
    root = writeTree(io, [branchSlot(tree)], [tree.count], height + 1).root;
    height += 1;
    blocks.unshift(root);
    nodes.unshift(readNode(io, root, height));
    lastUsed.unshift(0);
    level = 0;
  }
  // Make the edge down to `level` mutable, adding one to every count on the way.
  const top = blocks[0] as number;
  root = top < mutableFrom ? io.copyToEnd(top, LINKED_BLOCK_SIZE) : top;
  blocks[0] = root;
  for (let depth = 0; depth < level; depth++) {
    const node = nodes[depth] as Node;
    const linked = (blocks[depth] as number) + (lastUsed[depth] as number) * LINKED_SLOT_SIZE;
    let child = blocks[depth + 1] as number;
    if (child < mutableFrom) child = io.copyToEnd(child, LINKED_BLOCK_SIZE);
    blocks[depth + 1] = child;
    io.writeSlot(linked, Slot.pointer(Tag.INDEX, child, true));
    io.writeU64(linked + SLOT_SIZE, (node.sizes[node.sizes.length - 1] as number) + 1);
  }
  // Below `level`, a fresh chain: a leaf with the value, wrapped once per level.
  const chainHeight = height - level - 1;
  const at = (blocks[level] as number) + ((lastUsed[level] as number) + 1) * LINKED_SLOT_SIZE;
  let slotPosition: number;
  let entry: Slot;
  if (chainHeight < 0) {
    entry = value;
    slotPosition = at;
  } else {
    let chain = writeTree(io, [value], [1], 0);
    slotPosition = chain.root;
    for (let h = 1; h <= chainHeight; h++) chain = writeTree(io, [branchSlot(chain)], [1], h);
    entry = branchSlot(chain);
  }
  io.writeSlot(at, entry);
  io.writeU64(at + SLOT_SIZE, chainHeight < 0 ? 0 : 1);
  return { tree: { root, height, count: tree.count + 1 }, slotPosition };
}

/**
 * The right edge of a tree as an append needs it: the block at each level from
 * the root (index 0) to the last leaf, which entry is last in each, the count
 * under each branch's last entry, and how many items the last leaf holds.
 */
export interface RightEdge {
  readonly blocks: number[];
  readonly lastEntry: number[];
  /** The count written under each branch's last entry; `pending` more items are not counted yet. */
  readonly lastCount: number[];
  leafFill: number;
  /** Items appended into the last leaf whose counts are not written yet. */
  pending: number;
}

/** Reads the right edge of a non-empty tree, scanning only tag bytes and the last entries' counts. */
export function readRightEdge(io: BlockIO, tree: Tree): RightEdge {
  const blocks: number[] = [];
  const lastEntry: number[] = [];
  const lastCount: number[] = [];
  let block = tree.root;
  for (let height = tree.height; ; height--) {
    const offset = io.storage.locate(block, LINKED_BLOCK_SIZE);
    const view = io.storage.view;
    let last = -1;
    for (let i = SLOT_COUNT - 1; i >= 0; i--) {
      if (view.getUint8(offset + i * LINKED_SLOT_SIZE) !== 0) {
        last = i;
        break;
      }
    }
    blocks.push(block);
    lastEntry.push(last);
    if (height === 0) return { blocks, lastEntry, lastCount, leafFill: last + 1, pending: 0 };
    if (last < 0) throw new CorruptDatabaseError('a linked list branch is empty', block);
    const at = block + last * LINKED_SLOT_SIZE;
    lastCount.push(io.readU64(at + SLOT_SIZE));
    block = io.checkPointer(io.readSlot(at).position, LINKED_BLOCK_SIZE, at);
  }
}

/** A never-written item as its 17 linked-slot bytes: none with the full flag, leaf count 0. */
const NEW_ITEM_LINKED_SLOT = new Uint8Array(LINKED_SLOT_SIZE);
NEW_ITEM_LINKED_SLOT[0] = FULL_FLAG | Tag.NONE;
/** The same item's 9 slot bytes alone. */
const NEW_ITEM_SLOT = NEW_ITEM_LINKED_SLOT.slice(0, SLOT_SIZE);

/**
 * Appends a new item through a known right edge whose every block is mutable:
 * into the last leaf when it has room (one slot write and one count update per
 * level), else into a new last leaf hung from the lowest branch on the edge
 * with room. The caller checked that the edge is current. No reads.
 *
 * @param value - the new item's slot; a new item (none, full flag) when absent
 * @returns the new item's slot position, or -1 when every block on the edge is
 * full (the root must grow: use {@link appendTree})
 */
export function appendOnEdge(io: BlockIO, edge: RightEdge, value?: Slot): number {
  const leafLevel = edge.blocks.length - 1;
  if (edge.leafFill < SLOT_COUNT) {
    // Only the item's slot is written now: readers ignore a leaf's count field
    // (FORMAT.md §Linked array lists), and the counts above wait for flushEdgeCounts.
    const slotPosition = (edge.blocks[leafLevel] as number) + edge.leafFill * LINKED_SLOT_SIZE;
    if (value === undefined) io.write(slotPosition, NEW_ITEM_SLOT);
    else io.writeSlot(slotPosition, value);
    edge.pending++;
    edge.leafFill++;
    return slotPosition;
  }
  flushEdgeCounts(io, edge);
  // The lowest branch with a free entry takes a new chain: a leaf wrapped once per level below it.
  let level = leafLevel - 1;
  while (level >= 0 && (edge.lastEntry[level] as number) >= SLOT_COUNT - 1) level--;
  if (level < 0) return -1;
  let child = io.append(NEW_LEAF_BLOCK);
  const slotPosition = child;
  if (value !== undefined) io.writeSlot(slotPosition, value);
  edge.blocks[leafLevel] = child;
  edge.lastEntry[leafLevel] = 0;
  edge.leafFill = 1;
  for (let depth = leafLevel - 1; depth > level; depth--) {
    child = io.append(encodeBlock([Slot.pointer(Tag.INDEX, child, true)], [1], leafLevel - depth));
    edge.blocks[depth] = child;
    edge.lastEntry[depth] = 0;
    edge.lastCount[depth] = 1;
  }
  bumpEdgeCounts(io, edge, level);
  const entry = (edge.lastEntry[level] as number) + 1;
  const at = (edge.blocks[level] as number) + entry * LINKED_SLOT_SIZE;
  io.writeSlot(at, Slot.pointer(Tag.INDEX, child, true));
  io.writeU64(at + SLOT_SIZE, 1);
  edge.lastEntry[level] = entry;
  edge.lastCount[level] = 1;
  return slotPosition;
}

/** Writes the counts of the edge's branches that appends into the last leaf left pending. */
export function flushEdgeCounts(io: BlockIO, edge: RightEdge): void {
  if (edge.pending === 0) return;
  for (let level = 0; level < edge.blocks.length - 1; level++) {
    const count = (edge.lastCount[level] as number) + edge.pending;
    edge.lastCount[level] = count;
    io.writeU64((edge.blocks[level] as number) + (edge.lastEntry[level] as number) * LINKED_SLOT_SIZE + SLOT_SIZE, count);
  }
  edge.pending = 0;
}

/** Adds one to the count of the last entry of every branch above `below`. */
function bumpEdgeCounts(io: BlockIO, edge: RightEdge, below: number): void {
  for (let level = 0; level < below; level++) {
    const count = (edge.lastCount[level] as number) + 1;
    edge.lastCount[level] = count;
    io.writeU64((edge.blocks[level] as number) + (edge.lastEntry[level] as number) * LINKED_SLOT_SIZE + SLOT_SIZE, count);
  }
}

/** A leaf block holding one new item, written as is for every new last leaf. */
const NEW_LEAF_BLOCK = new Uint8Array(LINKED_BLOCK_SIZE);
NEW_LEAF_BLOCK.set(NEW_ITEM_LINKED_SLOT, 0);
