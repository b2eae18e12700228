// The diff of two linked lists when either is a gen-2 (B-tree) list (FORMAT.md
// §Gen-2 linked array lists), which the RRB differ (rrb-diff.ts) cannot read:
// items compared by index through the list readers, the walk skipping equal
// slots, then the items past the shorter list added or removed (removes last
// item first, as CursorChange says). Its cost is the lists' length, not the
// change; the walk's budget bounds a list whose nodes are shared within it.

import type { ReadCursor } from '../cursor/read-cursor.js';
import { linkedListGeneration } from '../btree-list/generation.js';
import { Descend, stepInto, type Changes, type DiffPath, type DiffState } from './state.js';

/** True when the linked list `cursor` is on (if any) is a gen-2 list. */
export function isGen2List(state: DiffState, cursor: ReadCursor | undefined): boolean {
  return cursor !== undefined && linkedListGeneration(state.io, cursor.slot.position) === 2;
}

/** Diffs two linked lists by index (either may be absent: an empty list). */
export function* diffListsByIndex(before: ReadCursor | undefined, after: ReadCursor | undefined, path: DiffPath): Changes {
  const a = before?.asLinkedArrayList();
  const b = after?.asLinkedArrayList();
  const countA = a?.count() ?? 0;
  const countB = b?.count() ?? 0;
  const common = Math.min(countA, countB);
  if (common > 0) {
    const itemsA = (a as NonNullable<typeof a>).items(0);
    let index = 0;
    for (const itemB of (b as NonNullable<typeof b>).items(0)) {
      if (index >= common) break;
      const itemA = itemsA.next();
      if (itemA.done === true) break;
      yield new Descend(itemA.value, itemB, stepInto(path, index++));
    }
  }
  if (countB > common) {
    let index = common;
    for (const item of (b as NonNullable<typeof b>).items(common)) yield { path: stepInto(path, index++), type: 'add', before: undefined, after: item };
  }
  if (countA > common) {
    let index = countA - 1;
    for (const item of (a as NonNullable<typeof a>).itemsBackward(-1)) {
      if (index < common) break;
      yield { path: stepInto(path, index--), type: 'remove', before: item, after: undefined };
    }
  }
}
