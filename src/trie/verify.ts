// The array list checker (FORMAT.md §Array lists), run by verifyDatabase
// through the kind's descriptor, and for the history list of moments: the count
// within the data, branch slots on every item's path, stale slots past the count
// ignored.

import { ARRAY_LIST_HEADER_SIZE, INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { DONE, FAILED, LIST_BLOCK, type PathNode, type VerifyContext, type Walk } from '../core/verify-context.js';
import { shiftForCount } from './array-list.js';

const POW16: number[] = [];
for (let i = 0; i <= 15; i++) POW16.push(16 ** i);

/** Checks the array list whose header the slot at `from` points at: its count, then every block on an item's path. */
export function* verifyArrayList(ctx: VerifyContext, slot: Slot, from: number, path: PathNode): Walk {
  const header = ctx.target(slot, ARRAY_LIST_HEADER_SIZE, from, path);
  if (header < 0) return DONE;
  ctx.countRecord();
  const count = ctx.u64At(header, 'an array list count', path);
  const root = ctx.u64At(header + 8, 'an array list root', path);
  if (count < 0 || root < 0) return DONE;
  // FORMAT.md §Limits: each item needs a slot of its own.
  if (count > Math.ceil(ctx.size / SLOT_SIZE)) {
    ctx.report(header, `an array list claims ${count} items, more than the data can hold`, path);
    return DONE;
  }
  if (!ctx.inRange(root, INDEX_BLOCK_SIZE, header + 8, 'an array list root', path)) return DONE;
  yield { walk: walkListBlock(ctx, root, shiftForCount(count), 0, count, header + 8, path), from: header + 8, path };
  return DONE;
}

/**
 * Walks the block at `level` (0 = leaf) holding items from `base`, of a list
 * of `count` items; `path` undefined means the history list (items are
 * moments). Slots past the count are stale and ignored (FORMAT.md §Array
 * lists, slice). A block shared by lists of different counts is walked again
 * only for the items it did not cover before. The depth is at most 14 levels.
 */
export function* walkListBlock(ctx: VerifyContext, position: number, level: number, base: number, count: number, from: number, path: PathNode | undefined): Walk {
  const where = path ?? 'history';
  const span = POW16[level] as number;
  const coverage = Math.min(count - base, span * SLOT_COUNT);
  let info = ctx.blocks.get(position);
  let coveredBefore = 0;
  if (info !== undefined) {
    if (info.kind !== LIST_BLOCK || info.level !== level || info.onPath) {
      ctx.reportRevisit(info, from, where);
      return FAILED;
    }
    if (info.count >= coverage) return DONE;
    coveredBefore = info.count;
  } else {
    info = { kind: LIST_BLOCK, level, prefix: '', onPath: false, count: 0, complete: true };
    ctx.blocks.set(position, info);
    ctx.countRecord();
  }
  info.onPath = true;
  try {
    if (level === 0) {
      for (let i = coveredBefore; i < coverage; i++) {
        const slotPosition = position + SLOT_SIZE * i;
        const slot = ctx.slotAt(slotPosition, where);
        if (slot === undefined) continue;
        const index = base + i;
        yield path === undefined ? ctx.value(slot, slotPosition, undefined, `moments[${index}]`) : ctx.value(slot, slotPosition, path, `[${index}]`);
      }
    } else {
      const last = Math.ceil(coverage / span);
      for (let d = Math.floor(coveredBefore / span); d < last; d++) {
        const slotPosition = position + SLOT_SIZE * d;
        const slot = ctx.slotAt(slotPosition, where);
        if (slot === undefined) continue;
        if (slot.tag !== Tag.INDEX) {
          ctx.report(slotPosition, `an array list branch holds a ${tagName(slot.tag)} slot where an index block is needed (items from ${base + d * span})`, where);
          continue;
        }
        const child = ctx.target(slot, INDEX_BLOCK_SIZE, slotPosition, where);
        if (child >= 0) yield { walk: walkListBlock(ctx, child, level - 1, base + d * span, count, slotPosition, path), from: slotPosition, path: where };
      }
    }
  } finally {
    info.onPath = false;
  }
  info.count = Math.max(info.count, coverage);
  return DONE;
}
