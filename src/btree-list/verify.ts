// The gen-2 linked list checker (FORMAT.md §Gen-2 linked array lists), run by
// verifyDatabase through the linked list kind when a tag-3 record is gen-2:
// the header against its root, node kinds and entry counts, every leaf at one
// depth, and every branch's counts against what its subtrees hold.

import { StrataError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { BTREE_NODE_BLOCK, DONE, FAILED, type BlockInfo, type PathNode, type VerifyContext, type Walk } from '../core/verify-context.js';
import { BTREE_DEPTH_MAX, BTREE_HEADER_SIZE, KIND_BRANCH, NODE_HEADER_SIZE, readNode, type PlacedNode } from './node.js';

/** The node at `position`, or undefined after reporting why it cannot be read. */
function nodeAt(ctx: VerifyContext, position: number, from: number, path: PathNode): PlacedNode | undefined {
  try {
    return readNode(ctx.io, position, from);
  } catch (error) {
    ctx.fail(error, position, path);
    return undefined;
  }
}

/** Levels above the leaves along the leftmost path, or -1 after reporting. */
function heightOf(ctx: VerifyContext, root: number, from: number, path: PathNode): number {
  let node = nodeAt(ctx, root, from, path);
  let levels = 0;
  while (node !== undefined && node.kind === KIND_BRANCH) {
    if (++levels > BTREE_DEPTH_MAX) {
      ctx.report(root, `a gen-2 list is deeper than ${BTREE_DEPTH_MAX} levels`, path);
      return -1;
    }
    node = nodeAt(ctx, (node.slots[0] as Slot).position, node.position + NODE_HEADER_SIZE, path);
  }
  return node === undefined ? -1 : levels;
}

/** Checks the gen-2 list whose 16-byte header is at `header` (pointed at from `from`). */
export function* verifyBTreeList(ctx: VerifyContext, header: number, from: number, path: PathNode): Walk {
  if (!ctx.inRange(header, BTREE_HEADER_SIZE, from, 'a gen-2 list header', path)) return DONE;
  ctx.countRecord();
  const count = ctx.u64At(header, 'a gen-2 list count', path);
  const root = ctx.u64At(header + 8, 'a gen-2 list root', path);
  if (count < 0 || root < 0) return DONE;
  const levels = heightOf(ctx, root, header + 8, path);
  if (levels < 0) return DONE;
  const result = yield { walk: walkNode(ctx, root, levels, header + 8, path, 0), from: header + 8, path };
  if (result.complete && result.count !== count) ctx.report(header, `a gen-2 list's header counts ${count} items but its root holds ${result.count}`, path);
  return DONE;
}

/** Walks the node at `position`, `level` levels above the leaves, whose first item has index `base`. */
function* walkNode(ctx: VerifyContext, position: number, level: number, from: number, path: PathNode, base: number): Walk {
  const seen = ctx.blocks.get(position);
  if (seen !== undefined) {
    // Self-concatenated lists and later moments share nodes at the same height: walked once.
    if (seen.kind === BTREE_NODE_BLOCK && seen.level === level && !seen.onPath) return seen;
    ctx.reportRevisit(seen, from, path);
    return FAILED;
  }
  ctx.step();
  const node = nodeAt(ctx, position, from, path);
  if (node === undefined) return FAILED;
  const info: BlockInfo = { kind: BTREE_NODE_BLOCK, level, prefix: '', onPath: true, count: 0, complete: true };
  ctx.blocks.set(position, info);
  ctx.countRecord();
  let total = 0;
  try {
    if ((node.kind === KIND_BRANCH) !== level > 0) {
      ctx.report(position, `a gen-2 list has a ${node.kind === KIND_BRANCH ? 'branch' : 'leaf'} where its leftmost path says ${level} levels above the leaves`, path);
      info.complete = false;
      return info;
    }
    const at = (i: number): number => position + NODE_HEADER_SIZE + SLOT_SIZE * i;
    if (node.kind !== KIND_BRANCH) {
      for (let i = 0; i < node.slots.length; i++) yield ctx.value(node.slots[i] as Slot, at(i), path, `[${base + i}]`);
      total = node.slots.length;
    } else {
      for (let i = 0; i < node.slots.length; i++) {
        const stated = node.counts[i] as number;
        const child = (node.slots[i] as Slot).position;
        const below = yield { walk: walkNode(ctx, child, level - 1, at(i), path, base + total), from: at(i), path };
        if (below.complete && below.count !== stated) ctx.report(at(i), `a gen-2 list branch counts ${stated} items below it, but its subtree holds ${below.count}`, path);
        total += stated;
      }
    }
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    ctx.fail(error, position, path);
    info.complete = false;
  } finally {
    info.onPath = false;
  }
  info.count = total;
  return info;
}
