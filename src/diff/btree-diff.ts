// The diff of two linked lists when either is a gen-2 (B-tree) list (FORMAT.md
// §Gen-2 linked array lists), which the RRB differ (rrb-diff.ts) cannot read.
// Items are compared by index, as for every list: the items both lists have,
// then the items past the shorter list added or removed (removes last item
// first, as CursorChange says).
//
// Two gen-2 lists are walked together from their roots: children that start
// at the same index are compared pairwise (up to the shorter of the two), and
// a pair that is one node (the same position at the same index) is skipped
// whole, so an edit's cost is the path to it, not the list. Where the two
// trees' boundaries part (past a pair of children of different counts, trees
// of different heights) the rest of that range is compared item by item
// through the list readers. A pair of nodes
// found equal item for item is remembered, so a tree whose nodes are shared
// within it (a list concatenated with itself) is not walked again at each
// place; every pair visited counts against the diff's budget (DiffState.charge).
// A gen-2 list beside a gen-1 one is compared item by item.

import type { ReadCursor, ReadLinkedArrayList } from '../cursor/read-cursor.js';
import { linkedListGeneration } from '../btree-list/generation.js';
import { BTREE_DEPTH_MAX, KIND_BRANCH, KIND_LEAF, nodeCount, readNode } from '../btree-list/node.js';
import { CorruptDatabaseError } from '../errors.js';
import { readBTreeHeader } from '../btree-list/read.js';
import type { Slot } from '../format/slot.js';
import { Descend, stepInto, type Changes, type DiffPath, type DiffState } from './state.js';

/** True when the linked list `cursor` is on (if any) is a gen-2 list. */
export function isGen2List(state: DiffState, cursor: ReadCursor | undefined): boolean {
  return cursor !== undefined && linkedListGeneration(state.io, cursor.slot.position) === 2;
}

/** Diffs two linked lists by index (either may be absent: an empty list); at least one is gen-2. */
export function* diffListsByIndex(state: DiffState, before: ReadCursor | undefined, after: ReadCursor | undefined, path: DiffPath): Changes {
  const a = before?.asLinkedArrayList();
  const b = after?.asLinkedArrayList();
  const countA = a?.count() ?? 0;
  const countB = b?.count() ?? 0;
  const common = Math.min(countA, countB);
  if (common > 0) {
    const listA = a as ReadLinkedArrayList;
    const listB = b as ReadLinkedArrayList;
    if (isGen2List(state, before) && isGen2List(state, after)) {
      const rootA = readBTreeHeader(state.io, (before as ReadCursor).slot.position).root;
      const rootB = readBTreeHeader(state.io, (after as ReadCursor).slot.position).root;
      yield* new AlignedWalk(state, listA, listB, path).pair(rootA, rootB, (before as ReadCursor).slot.position, 0, common, 0);
    } else {
      yield* pairsByIndex(listA, listB, 0, common, path);
    }
  }
  if (countB > common) {
    let index = common;
    for (const item of (b as ReadLinkedArrayList).items(common)) yield { path: stepInto(path, index++), type: 'add', before: undefined, after: item };
  }
  if (countA > common) {
    let index = countA - 1;
    for (const item of (a as ReadLinkedArrayList).itemsBackward(-1)) {
      if (index < common) break;
      yield { path: stepInto(path, index--), type: 'remove', before: item, after: undefined };
    }
  }
}

/** The items at indexes `from` to `to` (exclusive) of both lists, compared pair by pair. */
function* pairsByIndex(a: ReadLinkedArrayList, b: ReadLinkedArrayList, from: number, to: number, path: DiffPath): Generator<Descend, void, undefined> {
  const itemsA = a.items(from);
  try {
    let index = from;
    for (const itemB of b.items(from)) {
      if (index >= to) break;
      const itemA = itemsA.next();
      if (itemA.done === true) break;
      yield new Descend(itemA.value, itemB, stepInto(path, index++));
    }
  } finally {
    itemsA.return(undefined);
  }
}

/** Two gen-2 trees walked together (see the top of this file). */
class AlignedWalk {
  /** Pairs of nodes found equal item for item: first node's position, then the second's. */
  private readonly equal = new Map<number, Set<number>>();

  constructor(
    private readonly state: DiffState,
    private readonly a: ReadLinkedArrayList,
    private readonly b: ReadLinkedArrayList,
    private readonly path: DiffPath,
  ) {}

  /**
   * Compares the items at indexes `base` to `end` (exclusive) under node
   * `posA` of the first tree and node `posB` of the second, both starting at
   * `base`, `depth` levels below the roots. Returns true when it asked for
   * any comparison.
   *
   * @throws CorruptDatabaseError deeper than BTREE_DEPTH_MAX (a branch that leads back up)
   */
  *pair(posA: number, posB: number, from: number, base: number, end: number, depth: number): Generator<Descend, boolean, undefined> {
    if (posA === posB || base >= end || this.equal.get(posA)?.has(posB) === true) return false;
    if (depth > BTREE_DEPTH_MAX) throw new CorruptDatabaseError(`a gen-2 list is deeper than ${BTREE_DEPTH_MAX} levels`, posA);
    this.state.charge();
    const io = this.state.io;
    const nodeA = readNode(io, posA, from);
    const nodeB = readNode(io, posB, from);
    this.state.stats.blocks += 2;
    const stop = Math.min(end, base + nodeCount(nodeA), base + nodeCount(nodeB));
    let asked = false;
    let start = base;
    if (nodeA.kind === KIND_BRANCH && nodeB.kind === KIND_BRANCH) {
      for (let i = 0; i < nodeA.counts.length && i < nodeB.counts.length && start < stop; i++) {
        const countA = nodeA.counts[i] as number;
        const countB = nodeB.counts[i] as number;
        // Two children at one start compare up to the shorter; past a pair of
        // different counts the next children start at different indexes.
        const shared = Math.min(countA, countB);
        asked = (yield* this.pair((nodeA.slots[i] as Slot).position, (nodeB.slots[i] as Slot).position, posA, start, Math.min(start + shared, stop), depth + 1)) || asked;
        start += shared;
        if (countA !== countB) break;
      }
    } else if (nodeA.kind === KIND_LEAF && nodeB.kind === KIND_LEAF) {
      // Equal slots are skipped by the walk; only differing items cost more than a comparison.
      const length = stop - start;
      if (length > 0) {
        yield* pairsByIndex(this.a, this.b, start, stop, this.path);
        asked = true;
      }
      start = stop;
    }
    // Boundaries that part, or trees of different heights: the rest item by item.
    if (start < stop) {
      yield* pairsByIndex(this.a, this.b, start, stop, this.path);
      asked = true;
    }
    // Remembered only when the whole of both nodes was compared: a range cut
    // short at the end of the shorter list says nothing of the rest.
    if (!asked && stop === base + nodeCount(nodeA) && stop === base + nodeCount(nodeB)) {
      let seen = this.equal.get(posA);
      if (seen === undefined) this.equal.set(posA, (seen = new Set()));
      seen.add(posB);
    }
    return asked;
  }
}
