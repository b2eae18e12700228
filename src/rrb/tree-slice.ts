// Slicing a linked list tree, and insert and remove built on slices and
// concat: new blocks for the cut paths only, the rest shared.

import { OutOfRangeError } from '../errors.js';
import { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import { collapse, concatTrees, mergeSeam, requireRoom } from './tree-concat.js';
import { MIN_CHILDREN, type Tree, branchSlot, childTree, emptyTree, locateChild, readNode, writeTree } from './tree-node.js';

/**
 * The items from `index` to the end, as a new tree sharing all it can. Writes
 * one block per level, plus a seam merge at the levels where the cut leaves the
 * first child too small. O(log n) blocks in most cases, O(log² n) at worst.
 */
export function sliceFrom(io: BlockIO, tree: Tree, index: number): Tree {
  if (index === 0) return tree;
  if (index >= tree.count) return emptyTree(io);
  return collapse(io, dropFront(io, tree, index).tree);
}

/**
 * {@link sliceFrom} below the top: the result keeps the tree's height (its root
 * may hold one entry; the caller collapses) and reports its root's entry count.
 *
 * Balance: the cut child becomes the first entry. Unless it is also the last, it
 * needs MIN_CHILDREN entries; when it has fewer, it is merged with its right
 * sibling along their seam (which keeps every middle node at MIN_CHILDREN or
 * more, where a plain join of their entries would put the cut child's possibly
 * small last child in the middle). The siblings after it keep their places, so
 * the last child stays last.
 */
function dropFront(io: BlockIO, tree: Tree, index: number): { tree: Tree; entries: number } {
  const node = readNode(io, tree.root, tree.height);
  if (tree.height === 0) {
    const kept = node.slots.slice(index);
    return { tree: writeTree(io, kept, node.sizes.slice(index), 0), entries: kept.length };
  }
  const [child, within] = locateChild(node, index, tree.root);
  let next = child + 1;
  let first: Tree[];
  if (within === 0) {
    // The child is whole: it keeps the shape it had at this place or further left.
    first = [childTree(node, child, tree.height)];
  } else {
    const cut = dropFront(io, childTree(node, child, tree.height), within);
    if (cut.entries < MIN_CHILDREN && next < node.slots.length) {
      first = mergeSeam(io, cut.tree, childTree(node, next, tree.height));
      next += 1;
    } else {
      first = [cut.tree];
    }
  }
  const slots = first.map(branchSlot);
  const sizes = first.map((t) => t.count);
  for (let i = next; i < node.slots.length; i++) {
    slots.push(node.slots[i] as Slot);
    sizes.push(node.sizes[i] as number);
  }
  return { tree: writeTree(io, slots, sizes, tree.height), entries: slots.length };
}

/**
 * The first `count` items, as a new tree sharing all it can. One block per
 * level: the cut child becomes the last entry, which the balance invariant
 * leaves free to be small, and the entries before it keep their places. O(log n).
 */
export function sliceTo(io: BlockIO, tree: Tree, count: number): Tree {
  if (count >= tree.count) return tree;
  if (count === 0) return emptyTree(io);
  return collapse(io, dropBack(io, tree, count));
}

/** {@link sliceTo} below the top: keeps the tree's height; the caller collapses. */
function dropBack(io: BlockIO, tree: Tree, count: number): Tree {
  const node = readNode(io, tree.root, tree.height);
  if (tree.height === 0) return writeTree(io, node.slots.slice(0, count), node.sizes.slice(0, count), 0);
  const [child, within] = locateChild(node, count - 1, tree.root);
  const whole = childTree(node, child, tree.height);
  const last = within + 1 === whole.count ? whole : dropBack(io, whole, within + 1);
  const slots = node.slots.slice(0, child);
  const sizes = node.sizes.slice(0, child);
  slots.push(branchSlot(last));
  sizes.push(last.count);
  return writeTree(io, slots, sizes, tree.height);
}

/**
 * Items `offset` to `offset + count - 1`. O(log n) blocks written.
 *
 * @throws OutOfRangeError when the range is not inside the list
 */
export function sliceTree(io: BlockIO, tree: Tree, offset: number, count: number): Tree {
  if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0 || offset + count > tree.count) {
    throw new OutOfRangeError(`cannot slice ${String(count)} items at ${String(offset)} from a list of ${tree.count}`);
  }
  return sliceTo(io, sliceFrom(io, tree, offset), count);
}

/** Inserts `value` before item `index` (index = count appends). O(log n) blocks written. */
export function insertTree(io: BlockIO, tree: Tree, index: number, value: Slot): Tree {
  requireRoom(tree.count + 1);
  const single = writeTree(io, [value], [1], 0);
  return concatTrees(io, concatTrees(io, sliceTo(io, tree, index), single), sliceFrom(io, tree, index));
}

/** Removes item `index`. O(log n) blocks written. */
export function removeTree(io: BlockIO, tree: Tree, index: number): Tree {
  return concatTrees(io, sliceTo(io, tree, index), sliceFrom(io, tree, index + 1));
}
