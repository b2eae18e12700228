// Concatenating two linked list trees in O(log n): the seam is merged level by
// level and rebalanced, every untouched block shared (FORMAT.md §Linked array
// lists, concat).

import { OutOfRangeError } from '../errors.js';
import { LIST_SHIFT_MAX, SLOT_COUNT } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import { type Tree, branchSlot, childTree, readNode, writeTree } from './tree-node.js';

/**
 * Splits `count` entries into nodes of at most 16, evenly, so that every node
 * gets at least 8 when there is more than one (17 or more entries).
 */
function partition(io: BlockIO, slots: Slot[], sizes: number[], height: number): Tree[] {
  const nodes = Math.ceil(slots.length / SLOT_COUNT);
  const out: Tree[] = [];
  let start = 0;
  for (let n = 0; n < nodes; n++) {
    const take = Math.floor((slots.length - start) / (nodes - n));
    out.push(writeTree(io, slots.slice(start, start + take), sizes.slice(start, start + take), height));
    start += take;
  }
  return out;
}

/** A tree whose root has one child is that child: drop such roots. */
export function collapse(io: BlockIO, tree: Tree): Tree {
  let current = tree;
  while (current.height > 0) {
    const node = readNode(io, current.root, current.height);
    if (node.slots.length !== 1) break;
    current = childTree(node, 0, current.height);
  }
  return current;
}

/**
 * Joins two trees into one holding a's items then b's. Writes O(log n) blocks
 * along the seam; shares everything else. Keeps the balance invariant when
 * both inputs have it.
 */
export function concatTrees(io: BlockIO, a: Tree, b: Tree): Tree {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  requireRoom(a.count + b.count);
  const produced = mergeSeam(io, a, b);
  const height = Math.max(a.height, b.height);
  if (produced.length === 1) return collapse(io, produced[0] as Tree);
  if (height + 1 >= LIST_SHIFT_MAX) throw new OutOfRangeError('the linked list would exceed the format\'s maximum depth');
  return writeTree(io, produced.map(branchSlot), produced.map((t) => t.count), height + 1);
}

/**
 * Refuses a list longer than its counts can say: they are u64 fields that
 * readers take only below 2^53 (FORMAT.md), so a longer list would commit a
 * moment no reader accepts. Only concatenating a list with itself reaches it.
 */
export function requireRoom(count: number): void {
  if (count > Number.MAX_SAFE_INTEGER) throw new OutOfRangeError(`a linked list cannot hold ${count} items: its counts stop at 2^53 - 1`);
}

/** Merges a's right edge with b's left edge; returns 1 or 2 nodes of height max(a, b). */
export function mergeSeam(io: BlockIO, a: Tree, b: Tree): Tree[] {
  if (a.height > b.height) {
    const node = readNode(io, a.root, a.height);
    const last = node.slots.length - 1;
    const lower = mergeSeam(io, childTree(node, last, a.height), b);
    const slots = [...node.slots.slice(0, last), ...lower.map(branchSlot)];
    const sizes = [...node.sizes.slice(0, last), ...lower.map((t) => t.count)];
    return partition(io, slots, sizes, a.height);
  }
  if (a.height < b.height) {
    const node = readNode(io, b.root, b.height);
    const lower = mergeSeam(io, a, childTree(node, 0, b.height));
    const slots = [...lower.map(branchSlot), ...node.slots.slice(1)];
    const sizes = [...lower.map((t) => t.count), ...node.sizes.slice(1)];
    return partition(io, slots, sizes, b.height);
  }
  const nodeA = readNode(io, a.root, a.height);
  const nodeB = readNode(io, b.root, b.height);
  if (a.height === 0) {
    return partition(io, [...nodeA.slots, ...nodeB.slots], [...nodeA.sizes, ...nodeB.sizes], 0);
  }
  const last = nodeA.slots.length - 1;
  const lower = mergeSeam(io, childTree(nodeA, last, a.height), childTree(nodeB, 0, b.height));
  const slots = [...nodeA.slots.slice(0, last), ...lower.map(branchSlot), ...nodeB.slots.slice(1)];
  const sizes = [...nodeA.sizes.slice(0, last), ...lower.map((t) => t.count), ...nodeB.sizes.slice(1)];
  return partition(io, slots, sizes, a.height);
}
