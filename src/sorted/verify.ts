// The sorted map and set checker (FORMAT.md §Sorted maps), run by
// verifyDatabase through the kinds' descriptors: node kinds and fill, every
// leaf at one depth, keys in strictly ascending byte order and inside the
// range their separators give them, separators ascending, and every count
// (the header's, each branch's per child) against the entries below it.

import { StrataError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { DONE, FAILED, KV_PAIR_BLOCK, SORTED_NODE_BLOCK, keySegment, type BlockInfo, type PathNode, type VerifyContext, type Walk, type WalkResult } from '../core/verify-context.js';
import { LEAF, NODE_HEADER_SIZE, SEPARATORS_OFFSET, SORTED_DEPTH_MAX, SORTED_HEADER_SIZE, nodeSlotPosition, readNode, type SortedNode } from './node.js';

/** What one map's walk carries from leaf to leaf. */
interface TreeState {
  /** The depth of the first leaf met; every other leaf must be as deep. */
  leafDepth: number;
  /** The last key met in order, or undefined after a shared subtree the walk skipped. */
  last: Uint8Array | undefined;
  readonly isSet: boolean;
}

/** Unsigned lexicographic order of two byte strings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** Checks the sorted map or set whose header the slot at `from` points at. */
export function* verifySorted(ctx: VerifyContext, slot: Slot, from: number, path: PathNode, isSet: boolean): Walk {
  const header = ctx.target(slot, SORTED_HEADER_SIZE, from, path);
  if (header < 0) return DONE;
  ctx.countRecord();
  const count = ctx.u64At(header, 'a sorted map count', path);
  const root = ctx.u64At(header + 8, 'a sorted map root', path);
  if (count < 0 || root < 0) return DONE;
  const state: TreeState = { leafDepth: -1, last: undefined, isSet };
  const result = yield { walk: walkNode(ctx, root, header + 8, path, 0, undefined, undefined, state), from: header + 8, path };
  if (result.complete && result.count !== count) ctx.report(header, `a ${tagName(slot.tag)}'s header counts ${count} entries but its tree holds ${result.count}`, path);
  return DONE;
}

/**
 * Walks the node at `position`, `depth` levels below the root, whose keys must
 * lie at or after `lower` and before `upper` (undefined: unbounded).
 *
 * @returns the entries below the node, and whether all of them could be read
 */
function* walkNode(ctx: VerifyContext, position: number, from: number, path: PathNode, depth: number, lower: Uint8Array | undefined, upper: Uint8Array | undefined, state: TreeState): Walk {
  const seen = ctx.blocks.get(position);
  if (seen !== undefined) {
    // A node shared by two versions of a map is walked once; its keys are not seen again in order.
    if (seen.kind === SORTED_NODE_BLOCK && !seen.onPath) {
      state.last = undefined;
      return seen;
    }
    ctx.reportRevisit(seen, from, path);
    return FAILED;
  }
  if (depth > SORTED_DEPTH_MAX) {
    ctx.report(from, `a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, path);
    return FAILED;
  }
  if (!ctx.inRange(position, NODE_HEADER_SIZE, from, 'a sorted map node', path)) return FAILED;
  let node: SortedNode;
  try {
    node = readNode(ctx.io, position, from);
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    ctx.fail(error, position, path);
    return FAILED;
  }
  if (!ctx.inRange(position, node.size(), from, 'a sorted map node', path)) return FAILED;
  const info: BlockInfo = { kind: SORTED_NODE_BLOCK, level: depth, prefix: '', onPath: true, count: 0, complete: true };
  ctx.blocks.set(position, info);
  ctx.countRecord();
  ctx.step();
  let total = 0;
  let complete = true;
  try {
    if (node.kind === LEAF) {
      if (state.leafDepth < 0) state.leafDepth = depth;
      else if (state.leafDepth !== depth) ctx.report(position, `a sorted map leaf lies ${depth} levels below the root, another ${state.leafDepth}: every leaf must be as deep`, path);
      for (let i = 0; i < node.num; i++) {
        const at = nodeSlotPosition(position, i);
        const below: WalkResult = yield { walk: walkEntry(ctx, node.slots[i]!, at, path, lower, upper, state), from: at, path };
        total += below.count;
        complete &&= below.complete;
      }
    } else {
      if (node.num < 2) ctx.report(position + 1, `a sorted map branch holds ${node.num} child; a branch holds at least 2`, path);
      const bounds: Array<Uint8Array | undefined> = [lower];
      for (let i = 1; i < node.num; i++) {
        const at = position + SEPARATORS_OFFSET + SLOT_SIZE * i;
        const key = separatorBytes(ctx, node.separators[i]!, at, path);
        if (key === undefined) {
          complete = false;
          bounds.push(undefined);
          continue;
        }
        const before = bounds[i - 1];
        if (before !== undefined && compareBytes(before, key) >= 0) ctx.report(at, `a sorted map separator is not after the one before it (or the lower bound of its branch)`, path);
        if (upper !== undefined && compareBytes(key, upper) >= 0) ctx.report(at, `a sorted map separator is not before the upper bound of its branch`, path);
        bounds.push(key);
      }
      for (let i = 0; i < node.num; i++) {
        const at = nodeSlotPosition(position, i);
        const child = node.slots[i]!.position;
        const below: WalkResult = yield { walk: walkNode(ctx, child, at, path, depth + 1, bounds[i], i + 1 < node.num ? bounds[i + 1] : upper, state), from: at, path };
        const stated = node.counts[i]!;
        if (below.complete && below.count !== stated) ctx.report(at, `a sorted map branch counts ${stated} entries under child ${i}, which holds ${below.count}`, path);
        total += stated;
        complete &&= below.complete;
      }
    }
  } finally {
    info.onPath = false;
  }
  info.count = total;
  info.complete = complete;
  return info;
}

/** A separator's key bytes, or undefined (reported) when it is not a key. */
function separatorBytes(ctx: VerifyContext, slot: Slot, at: number, path: PathNode): Uint8Array | undefined {
  if (slot.tag !== Tag.SHORT_BYTES && slot.tag !== Tag.BYTES) {
    ctx.report(at, `a sorted map separator is a ${tagName(slot.tag)}, not a key`, path);
    return undefined;
  }
  return ctx.keyBytes(slot, at, path)?.bytes;
}

/** Checks one kv pair of a leaf: its key in order and in range; walks its value (maps). */
function* walkEntry(ctx: VerifyContext, slot: Slot, from: number, path: PathNode, lower: Uint8Array | undefined, upper: Uint8Array | undefined, state: TreeState): Walk {
  const kv = ctx.target(slot, ctx.io.hashSize + 2 * SLOT_SIZE, from, path);
  if (kv < 0) return FAILED;
  ctx.step();
  const keyPosition = kv + ctx.io.hashSize;
  const keySlot = ctx.slotAt(keyPosition, path);
  let key: Uint8Array | undefined;
  if (keySlot !== undefined) {
    if (keySlot.tag !== Tag.SHORT_BYTES && keySlot.tag !== Tag.BYTES) ctx.report(keyPosition, `a sorted map key is a ${tagName(keySlot.tag)}, not bytes`, path);
    else key = ctx.keyBytes(keySlot, keyPosition, path)?.bytes;
  }
  const segment = key === undefined ? '[?]' : keySegment(key, state.isSet);
  if (key !== undefined) {
    if (state.last !== undefined && compareBytes(state.last, key) >= 0) ctx.report(kv, `a sorted map key ${segment} is not after the key before it`, path);
    if (lower !== undefined && compareBytes(key, lower) < 0) ctx.report(kv, `a sorted map key ${segment} lies before the separator of its subtree`, path);
    if (upper !== undefined && compareBytes(key, upper) >= 0) ctx.report(kv, `a sorted map key ${segment} lies at or after the separator of the next subtree`, path);
  }
  state.last = key;
  const seen = ctx.blocks.get(kv);
  if (seen !== undefined) {
    if (seen.kind !== KV_PAIR_BLOCK || seen.onPath) {
      ctx.reportRevisit(seen, from, path);
      return FAILED;
    }
    return { count: 1, complete: true };
  }
  const info: BlockInfo = { kind: KV_PAIR_BLOCK, level: 0, prefix: '', onPath: true, count: 1, complete: true };
  ctx.blocks.set(kv, info);
  ctx.countRecord();
  try {
    const valuePosition = keyPosition + SLOT_SIZE;
    const valueSlot = ctx.slotAt(valuePosition, path);
    if (valueSlot !== undefined && !state.isSet) yield ctx.value(valueSlot, valuePosition, path, segment);
  } finally {
    info.onPath = false;
  }
  return { count: 1, complete: true };
}
