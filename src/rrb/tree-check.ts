// The linked list tree's invariant checker, which the tests call after every
// step: counts, packing, balance, and which blocks may change in place.

import { LIST_SHIFT_MAX } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import { LINKED_SLOT_SIZE } from './linked-list-read.js';
import { MIN_CHILDREN, type Tree, readNode, sum } from './tree-node.js';

/** What {@link checkTree} finds wrong, one line per problem. */
export interface TreeProblem {
  /** Where. */
  readonly position: number;
  /** What. */
  readonly message: string;
}

/**
 * The invariant checker: counts add up at every branch, leaves are packed, the
 * depth is within the format's limit, and a block reached twice lies before
 * `mutableFrom` (so no in-place write can change two places at once). With
 * `balanced`, also the shape this build writes: the balance invariant and the
 * full flag on every branch slot (lists from other writers may differ there).
 */
export function checkTree(io: BlockIO, tree: Tree, mutableFrom: number, balanced = true): TreeProblem[] {
  const problems: TreeProblem[] = [];
  const seen = new Set<number>();
  if (tree.height >= LIST_SHIFT_MAX) problems.push({ position: tree.root, message: `height ${tree.height} is at or above the maximum ${LIST_SHIFT_MAX}` });
  const visit = (position: number, height: number, expected: number, isRoot: boolean, isLast: boolean): void => {
    if (seen.has(position)) {
      if (position >= mutableFrom) problems.push({ position, message: 'a mutable block is reachable twice' });
    }
    seen.add(position);
    const node = readNode(io, position, height);
    const count = height === 0 ? node.slots.length : sum(node.sizes);
    if (count !== expected) problems.push({ position, message: `holds ${count} items where its parent counts ${expected}` });
    for (let i = 0; i < node.positions.length; i++) {
      if (node.positions[i] !== position + i * LINKED_SLOT_SIZE) {
        problems.push({ position, message: 'entries are not packed to the left' });
        break;
      }
    }
    if (balanced && !isRoot && !isLast && node.slots.length < MIN_CHILDREN) {
      problems.push({ position, message: `holds ${node.slots.length} entries, fewer than ${MIN_CHILDREN}, and is not the last child` });
    }
    if (balanced && isRoot && height > 0 && node.slots.length < 2) problems.push({ position, message: 'a branch root with one child' });
    if (height === 0) return;
    for (let i = 0; i < node.slots.length; i++) {
      if (balanced && !(node.slots[i] as Slot).full) problems.push({ position, message: 'a branch slot without the full flag' });
      visit((node.slots[i] as Slot).position, height - 1, node.sizes[i] as number, false, i === node.slots.length - 1);
    }
  };
  visit(tree.root, tree.height, tree.count, true, true);
  return problems;
}
