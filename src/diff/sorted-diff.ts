// The diff of two sorted maps or sets (FORMAT.md §Sorted maps): entries by
// key. Each side is read as its sequence of entries in key order, kept as a
// stack of what is still to come: whole subtrees (nodes not yet opened) and
// single entries. When both sides' next item is the same node (one position),
// the two sequences go on with the same entries, so the node is skipped whole
// on both sides; the same kv pair is skipped the same way. Otherwise a node is
// opened (the one holding more entries, so that a subtree shared at different
// depths, after a split or a new root, meets its twin) and two entries are
// merged by key: a key on one side only is an add or a remove, one key on both
// sides is diffed by value. So the diff reads the nodes on the paths to the
// changed keys and the siblings it must open to align them, not the map.

import { SLOT_SIZE } from '../format/constants.js';
import { readSortedHeader } from '../sorted/node.js';
import { BRANCH, compareEntry, nodeSlotPosition } from '../sorted/node.js';
import { readChecked } from '../sorted/read.js';
import { readBytesValue } from '../core/bytes-values.js';
import { structureKind } from '../kinds/table.js';
import { cursorAt, type ReadCursor } from '../cursor/read-cursor.js';
import { SortedKeyStep, type ChangeType } from './change.js';
import { Descend, stepInto, type Changes, type DiffPath, type DiffState, type Differ, type WalkChange } from './state.js';

/** What is still to come on one side: a node not yet opened (with the entries its parent counts), or one kv pair. */
interface Item {
  /** The node's or the kv pair's position. */
  readonly position: number;
  /** True for a node, false for a kv pair. */
  readonly node: boolean;
  /** Entries under the node (1 for a kv pair). */
  readonly count: number;
  /** The node's depth (0: the root), for the checks of a descent. */
  readonly depth: number;
  /** The slot that points at it, for errors. */
  readonly from: number;
}

/** One side of the diff: the items still to come, the next on top. */
function sideOf(state: DiffState, cursor: ReadCursor | undefined): Item[] {
  if (cursor === undefined) return [];
  state.stats.blocks++;
  const header = readSortedHeader(state.io, cursor.slot.position, cursor.slotPosition);
  if (header.count === 0) return [];
  return [{ position: header.root, node: true, count: header.count, depth: 0, from: cursor.slotPosition }];
}

/** Replaces the node on top of `side` by its children (or entries), first on top. Children holding no entry are left out. */
function open(state: DiffState, side: Item[]): void {
  const item = side.pop() as Item;
  state.stats.blocks++;
  const node = readChecked(state.io, item.position, item.from, item.depth, item.count);
  for (let i = node.num - 1; i >= 0; i--) {
    const from = nodeSlotPosition(item.position, i);
    if (node.kind === BRANCH) {
      const count = node.count(i);
      if (count > 0) side.push({ position: node.position(i), node: true, count, depth: item.depth + 1, from });
    } else {
      side.push({ position: node.position(i), node: false, count: 1, depth: item.depth + 1, from });
    }
  }
}

class SortedDiff {
  constructor(
    private readonly state: DiffState,
    private readonly isSet: boolean,
    private readonly path: DiffPath,
  ) {}

  private step(kv: number): SortedKeyStep {
    return new SortedKeyStep(cursorAt(this.state.ctx, kv + this.state.io.hashSize), kv);
  }

  /** The change for a kv pair only one side holds. */
  private change(kv: number, type: ChangeType): WalkChange {
    const step = this.step(kv);
    const value = this.isSet ? step.key : cursorAt(this.state.ctx, kv + this.state.io.hashSize + SLOT_SIZE);
    return { path: stepInto(this.path, step), type, before: type === 'add' ? undefined : value, after: type === 'add' ? value : undefined };
  }

  /** Compares the keys of two kv pairs: negative when `a`'s sorts first. */
  private compare(kvA: number, kvB: number): number {
    const io = this.state.io;
    const keyPosition = kvA + io.hashSize;
    io.checkPointer(kvA, io.hashSize + 2 * SLOT_SIZE, kvA);
    const keyA = readBytesValue(io, io.readSlot(keyPosition), keyPosition).bytes;
    return -compareEntry(io, kvB, keyA);
  }

  *run(a: Item[], b: Item[]): Changes {
    const state = this.state;
    for (;;) {
      const x = a[a.length - 1];
      const y = b[b.length - 1];
      if (x === undefined) {
        if (y === undefined) return;
        if (y.node) open(state, b);
        else yield this.change((b.pop() as Item).position, 'add');
        continue;
      }
      if (y === undefined) {
        if (x.node) open(state, a);
        else yield this.change((a.pop() as Item).position, 'remove');
        continue;
      }
      if (x.position === y.position && x.node === y.node) {
        // A shared subtree, or the same kv pair: the same entries on both sides.
        a.pop();
        b.pop();
        continue;
      }
      if (x.node || y.node) {
        // Open the side with more entries ahead (both when equal), so shared subtrees line up.
        if (x.node && (!y.node || x.count >= y.count)) open(state, a);
        if (y.node && (!x.node || y.count >= x.count)) open(state, b);
        continue;
      }
      state.stats.blocks += 2;
      const order = this.compare(x.position, y.position);
      if (order < 0) {
        a.pop();
        yield this.change(x.position, 'remove');
      } else if (order > 0) {
        b.pop();
        yield this.change(y.position, 'add');
      } else {
        a.pop();
        b.pop();
        if (this.isSet) continue;
        const ctx = state.ctx;
        const valueOffset = state.io.hashSize + SLOT_SIZE;
        yield new Descend(cursorAt(ctx, x.position + valueOffset), cursorAt(ctx, y.position + valueOffset), stepInto(this.path, this.step(y.position)));
      }
    }
  }
}

/** Diffs two sorted maps or two sorted sets by key; see the top of this file. */
export const diffSortedMaps: Differ = function* (state, before, after, path) {
  const tag = ((before ?? after) as ReadCursor).tag;
  const isSet = structureKind(tag)?.family === 'sorted-set';
  yield* new SortedDiff(state, isSet, path).run(sideOf(state, before), sideOf(state, after));
};
