// The gen-1 linked (RRB) list checker (FORMAT.md §Linked array lists), run by
// verifyDatabase through the kind's descriptor for lists that are gen-1 (a gen-2
// list goes to btree-list/verify.ts): the header (through the reader's own
// check), the shift, branch tags, and every branch's count against what its
// subtree holds.

import { StrataError } from '../errors.js';
import { LIST_SHIFT_MAX, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { DONE, FAILED, LINKED_BLOCK, type BlockInfo, type PathNode, type VerifyContext, type Walk } from '../core/verify-context.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE, readLinkedListHeader } from './linked-list-read.js';

/**
 * Checks the gen-1 linked list whose header the slot at `from` points at. The
 * reader's own header check runs first: its words stand for damage our checks miss.
 */
export function* verifyLinkedList(ctx: VerifyContext, slot: Slot, from: number, path: PathNode): Walk {
  const header = ctx.target(slot, LINKED_LIST_HEADER_SIZE, from, path);
  if (header < 0) return DONE;
  ctx.countRecord();
  let headerError: StrataError | undefined;
  try {
    readLinkedListHeader(ctx.io, header);
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    headerError = error;
  }
  const problemsBefore = ctx.problemCount();
  const count = ctx.u64At(header, 'a linked list count', path);
  const root = ctx.u64At(header + 8, 'a linked list root', path);
  const shiftOffset = ctx.io.storage.locate(header + 16, 1);
  const shift = ctx.io.storage.view.getUint8(shiftOffset) & 0x3f;
  if (shift >= LIST_SHIFT_MAX) {
    ctx.report(header + 16, `a linked list has shift ${shift}, above the maximum ${LIST_SHIFT_MAX - 1}`, path);
  } else if (count >= 0 && root >= 0 && ctx.inRange(root, LINKED_BLOCK_SIZE, header + 8, 'a linked list root', path)) {
    const result = yield { walk: walkLinkedBlock(ctx, root, shift, header + 8, path, 0), from: header + 8, path };
    if (result.complete && result.count !== count) {
      ctx.report(header, `a linked list's header counts ${count} items but its root holds ${result.count}`, path);
    }
  }
  // Should our own checks have missed what the reader refused, the reader's words stand.
  if (headerError !== undefined && ctx.problemCount() === problemsBefore) ctx.fail(headerError, header, path);
  return DONE;
}

/**
 * Walks a linked block at `height` (0 = leaf) whose first item has index
 * `base` in the list. Branch counts are checked against what their subtrees
 * hold. The depth is at most 15 (the shift limit).
 *
 * @returns the items the block claims (leaf: its items; branch: the sum of its
 *   counts), and whether the block's own entries could all be read, so that
 *   the claim can be judged (problems further down do not change it)
 */
function* walkLinkedBlock(ctx: VerifyContext, position: number, height: number, from: number, path: PathNode, base: number): Walk {
  const seen = ctx.blocks.get(position);
  if (seen !== undefined) {
    // Self-concatenated lists share blocks at the same height: walked once.
    if (seen.kind === LINKED_BLOCK && seen.level === height && !seen.onPath) return seen;
    ctx.reportRevisit(seen, from, path);
    return FAILED;
  }
  const info: BlockInfo = { kind: LINKED_BLOCK, level: height, prefix: '', onPath: true, count: 0, complete: true };
  ctx.blocks.set(position, info);
  ctx.countRecord();
  let total = 0;
  let complete = true;
  try {
    for (let i = 0; i < SLOT_COUNT; i++) {
      const at = position + LINKED_SLOT_SIZE * i;
      const slot = ctx.slotAt(at, path);
      if (slot === undefined) {
        complete = false;
        continue;
      }
      if (slot.isEmpty) continue; // a gap (FORMAT.md §Linked array lists)
      if (height === 0) {
        total++;
        yield ctx.value(slot, at, path, `[${base + total - 1}]`);
        continue;
      }
      if (slot.tag !== Tag.INDEX) {
        ctx.report(at, `a linked list branch holds a ${tagName(slot.tag)} slot`, path);
        complete = false;
        continue;
      }
      const stated = ctx.u64At(at + SLOT_SIZE, 'a linked list leaf count', path);
      if (stated < 0) {
        complete = false;
        continue;
      }
      if (stated === 0) {
        ctx.report(at + SLOT_SIZE, 'a linked list branch points at an empty subtree (its leaf count is 0)', path);
        continue;
      }
      const child = ctx.target(slot, LINKED_BLOCK_SIZE, at, path);
      if (child >= 0) {
        const below = yield { walk: walkLinkedBlock(ctx, child, height - 1, at, path, base + total), from: at, path };
        if (below.complete && below.count !== stated) {
          ctx.report(at + SLOT_SIZE, `a linked list branch counts ${stated} items below it, but its subtree holds ${below.count}`, path);
        }
      }
      // The block's claim is the sum of its own counts, whatever lies below them.
      total += stated;
    }
  } finally {
    info.onPath = false;
  }
  info.count = total;
  info.complete = complete;
  return info;
}
