// The diff of two array lists (FORMAT.md §Array lists): items by index. The
// items both lists hold are compared through their tries, block by block and
// slot by slot, skipping every slot that is equal on both sides (a shared
// subtree holds the same items); the items past the shorter list are adds (or
// removes, last item first).
//
// Two lists of different shifts still align: every item of the shorter list
// lies under the first slot of each level the longer list has above it, so the
// longer list's root is followed through first slots down to the shorter's shift.

import { CorruptDatabaseError } from '../errors.js';
import { ARRAY_LIST_HEADER_SIZE, INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import { listSlotPosition, readListHeader, shiftForCount, type ListHeader } from '../trie/array-list.js';
import { ReadCursor, cursorAt } from '../cursor/read-cursor.js';
import { Descend, stepInto, type Changes, type DiffPath, type DiffState, type Differ } from './state.js';

const EMPTY_LIST: ListHeader = { count: 0, root: -1 };

function header(state: DiffState, cursor: ReadCursor | undefined): ListHeader {
  if (cursor === undefined) return EMPTY_LIST;
  state.io.checkPointer(cursor.slot.position, ARRAY_LIST_HEADER_SIZE, cursor.slotPosition);
  state.stats.blocks++;
  return readListHeader(state.io, cursor.slot.position);
}

function branchTarget(state: DiffState, slot: Slot, from: number): number {
  if (slot.tag !== Tag.INDEX) throw new CorruptDatabaseError(`a list branch holds tag ${slot.tag} where an index block is needed`, from);
  return state.io.checkPointer(slot.position, INDEX_BLOCK_SIZE, from);
}

/** Follows first slots from `root` down `levels` levels. */
function descendFirst(state: DiffState, root: number, levels: number): number {
  let block = root;
  for (let i = 0; i < levels; i++) {
    state.stats.blocks++;
    block = branchTarget(state, state.io.readSlot(block), block);
  }
  return block;
}

/** Compares the items `first` to `limit` - 1 under two blocks at `shift`. The recursion's depth is the shift, below LIST_SHIFT_MAX. */
function* blocks(state: DiffState, blockA: number, blockB: number, shift: number, first: number, limit: number, path: DiffPath): Changes {
  state.stats.blocks += 2;
  const io = state.io;
  const span = SLOT_COUNT ** shift;
  for (let i = 0; i < SLOT_COUNT && first + i * span < limit; i++) {
    const fromA = blockA + SLOT_SIZE * i;
    const fromB = blockB + SLOT_SIZE * i;
    const a = io.readSlot(fromA);
    const b = io.readSlot(fromB);
    if (a.equals(b)) continue;
    if (shift === 0) {
      yield new Descend(new ReadCursor(state.ctx, fromA, a), new ReadCursor(state.ctx, fromB, b), stepInto(path, first + i));
    } else {
      yield* blocks(state, branchTarget(state, a, fromA), branchTarget(state, b, fromB), shift - 1, first + i * span, limit, path);
    }
  }
}

/** Item positions `start` to `end` - 1 of a list, reading each leaf once (counted as it is read). */
function itemPositions(state: DiffState, list: ListHeader, start: number, end: number): number[] {
  const positions: number[] = [];
  for (let index = start; index < end; ) {
    state.stats.blocks += shiftForCount(list.count) + 1;
    const first = listSlotPosition(state.io, list, index);
    const inLeaf = Math.min(SLOT_COUNT - (index % SLOT_COUNT), end - index);
    for (let i = 0; i < inLeaf; i++) positions.push(first + SLOT_SIZE * i);
    index += inLeaf;
  }
  return positions;
}

/** Diffs two array lists by index; see the top of this file. */
export const diffArrayLists: Differ = function* (state, before, after, path) {
  const a = header(state, before);
  const b = header(state, after);
  const common = Math.min(a.count, b.count);
  if (common > 0) {
    const shiftA = shiftForCount(a.count);
    const shiftB = shiftForCount(b.count);
    const shift = Math.min(shiftA, shiftB);
    yield* blocks(state, descendFirst(state, a.root, shiftA - shift), descendFirst(state, b.root, shiftB - shift), shift, 0, common, path);
  }
  // Items past the shorter list, read a leaf at a time as the changes are taken.
  for (let start = common; start < b.count; start += SLOT_COUNT * SLOT_COUNT) {
    const positions = itemPositions(state, b, start, Math.min(b.count, start + SLOT_COUNT * SLOT_COUNT));
    for (let i = 0; i < positions.length; i++) {
      yield { path: stepInto(path, start + i), type: 'add', before: undefined, after: cursorAt(state.ctx, positions[i] as number) };
    }
  }
  // Removes last item first: each index is the item's own, and valid when applied in order.
  for (let end = a.count; end > common; end -= SLOT_COUNT * SLOT_COUNT) {
    const start = Math.max(common, end - SLOT_COUNT * SLOT_COUNT);
    const positions = itemPositions(state, a, start, end);
    for (let i = positions.length - 1; i >= 0; i--) {
      yield { path: stepInto(path, start + i), type: 'remove', before: cursorAt(state.ctx, positions[i] as number), after: undefined };
    }
  }
};
