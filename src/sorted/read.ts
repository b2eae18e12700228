// Reading a sorted map or set (FORMAT.md §Sorted maps): lookup by key, rank
// and select by the subtree counts, and in-order walks forwards and
// backwards from any index. Every descent checks that a node's entries add up
// to what its parent (or the header) claims for it and that it lies no deeper
// than SORTED_DEPTH_MAX, so that damage (a cycle, a count that lies) ends in
// CorruptDatabaseError, and a walk visits at most depth nodes per entry.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import type { BlockIO } from '../core/block-io.js';
import { BRANCH, LEAF, SORTED_DEPTH_MAX, SortedNode, compareKeyParts, nodeSlotPosition, readNode, type SortedHeader } from './node.js';

/** Reads the node a parent slot points at, checking its depth and that it holds `claimed` entries. */
export function readChecked(io: BlockIO, position: number, from: number, depth: number, claimed: number): SortedNode {
  if (depth > SORTED_DEPTH_MAX) throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels (a cycle between its nodes?)`, from);
  const node = readNode(io, position, from);
  const total = node.total();
  if (total !== claimed) {
    throw new CorruptDatabaseError(`a sorted map ${node.kind === LEAF ? 'leaf' : 'branch'} holds ${total} entries where ${depth === 0 ? 'the header' : 'its parent'} counts ${claimed}`, position);
  }
  return node;
}

/** The kv pair's key slot position. */
export function keySlotOf(io: BlockIO, kv: number): number {
  return kv + io.hashSize;
}

/** Compares the key of the kv pair in `kvSlot` (a slot read from a leaf) with `key`. */
export function compareEntry(io: BlockIO, kv: number, key: Uint8Array): number {
  io.checkPointer(kv, io.hashSize + 2 * SLOT_SIZE, kv);
  const keyPosition = kv + io.hashSize;
  const storage = io.storage;
  const offset = storage.locate(keyPosition, SLOT_SIZE);
  const view = storage.view;
  const tagByte = view.getUint8(offset);
  return compareKeyParts(io, tagByte & 0x7f, (tagByte & 0x80) !== 0, view.getUint32(offset + 1), view.getUint32(offset + 5), key, keyPosition);
}

/**
 * In a branch, the child whose range holds `key`: the last i with
 * separators[i] <= key, or 0 (separators[0] is unused). Binary search over the
 * separators, which ascend.
 */
export function childFor(io: BlockIO, node: SortedNode, position: number, key: Uint8Array): number {
  let low = 1;
  let high = node.num - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (node.compareSeparator(io, mid, key, position) <= 0) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/**
 * In a leaf, the first entry whose key is at or after `key` (`num` when
 * none), and whether it equals `key`.
 */
export function entryFor(io: BlockIO, node: SortedNode, key: Uint8Array): { index: number; equal: boolean } {
  let low = 0;
  let high = node.num - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const cmp = compareEntry(io, node.position(mid), key);
    if (cmp === 0) return { index: mid, equal: true };
    if (cmp < 0) low = mid + 1;
    else high = mid - 1;
  }
  return { index: low, equal: false };
}

/**
 * The kv pair of `key`, or -1. O(log n) nodes, O(log 16) key comparisons each.
 */
export function sortedFind(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array): number {
  let node = readChecked(io, header.root, from, 0, header.count);
  let position = header.root;
  for (let depth = 1; node.kind === BRANCH; depth++) {
    const i = childFor(io, node, position, key);
    const childFrom = nodeSlotPosition(position, i);
    position = node.position(i);
    node = readChecked(io, position, childFrom, depth, node.count(i));
  }
  const { index, equal } = entryFor(io, node, key);
  return equal ? node.position(index) : -1;
}

/** How many keys are before `key` (so the index `key` has, or would have). O(log n). */
export function sortedRank(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array): number {
  let node = readChecked(io, header.root, from, 0, header.count);
  let position = header.root;
  let rank = 0;
  for (let depth = 1; node.kind === BRANCH; depth++) {
    const i = childFor(io, node, position, key);
    for (let j = 0; j < i; j++) rank += node.count(j);
    const childFrom = nodeSlotPosition(position, i);
    position = node.position(i);
    node = readChecked(io, position, childFrom, depth, node.count(i));
  }
  return rank + entryFor(io, node, key).index;
}

/** One level of a walk's path: a node, where it is, and the entry or child the walk stands on. */
interface Frame {
  readonly node: SortedNode;
  readonly position: number;
  index: number;
}

/**
 * An in-order walk over the kv pairs of one sorted map, from any index,
 * forwards or backwards. Holds the path from the root (at most
 * SORTED_DEPTH_MAX frames); a step costs O(1) amortised node reads, since
 * every subtree it enters holds an entry (its count says so, and the count is
 * checked when the node is read).
 */
export class SortedWalk {
  private readonly io: BlockIO;
  private readonly stack: Frame[] = [];
  private remaining: number;
  private readonly backward: boolean;

  /**
   * @param io - the database
   * @param header - the map's header
   * @param from - where the map's slot is, for errors
   * @param start - the index of the first entry to yield, 0 to count - 1
   * @param backward - true to walk towards the first entry
   */
  constructor(io: BlockIO, header: SortedHeader, from: number, start: number, backward: boolean) {
    this.io = io;
    this.backward = backward;
    this.remaining = backward ? start + 1 : header.count - start;
    if (header.count === 0 || start < 0 || start >= header.count) {
      this.remaining = 0;
      return;
    }
    let node = readChecked(io, header.root, from, 0, header.count);
    let position = header.root;
    let rest = start;
    for (let depth = 1; ; depth++) {
      if (node.kind === LEAF) {
        this.stack.push({ node, position, index: rest });
        return;
      }
      let i = 0;
      while (i + 1 < node.num && rest >= node.count(i)) {
        rest -= node.count(i);
        i++;
      }
      this.stack.push({ node, position, index: i });
      const childFrom = nodeSlotPosition(position, i);
      position = node.position(i);
      node = readChecked(io, position, childFrom, depth, node.count(i));
    }
  }

  /** The next kv pair's position, or -1 at the end. */
  next(): number {
    if (this.remaining <= 0) return -1;
    const stack = this.stack;
    let top = stack[stack.length - 1] as Frame;
    // Climb while the frame is used up (a leaf past its entries, a branch past its children).
    while (top.node.kind === LEAF ? top.index < 0 || top.index >= top.node.num : false) {
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent === undefined) throw new CorruptDatabaseError('a sorted map holds fewer entries than its count', top.position);
      this.descendNext(parent);
      top = stack[stack.length - 1] as Frame;
    }
    const kv = top.node.position(top.index);
    top.index += this.backward ? -1 : 1;
    this.remaining--;
    return kv;
  }

  /** From a branch frame whose child was used up: on to the next child holding entries, down to its first (or last) leaf entry. */
  private descendNext(frame: Frame): void {
    const stack = this.stack;
    const step = this.backward ? -1 : 1;
    let current: Frame = frame;
    for (;;) {
      current.index += step;
      while (current.index >= 0 && current.index < current.node.num && current.node.count(current.index) === 0) current.index += step;
      if (current.index >= 0 && current.index < current.node.num) break;
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent === undefined) throw new CorruptDatabaseError('a sorted map holds fewer entries than its count', current.position);
      current = parent;
    }
    // Down to a leaf along the first (or last) children that hold entries.
    while (current.node.kind === BRANCH) {
      if (stack.length > SORTED_DEPTH_MAX) throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, current.position);
      const i = current.index;
      const childFrom = nodeSlotPosition(current.position, i);
      const position = current.node.position(i);
      const node = readChecked(this.io, position, childFrom, stack.length, current.node.count(i));
      let index: number;
      if (node.kind === LEAF) index = this.backward ? node.num - 1 : 0;
      else {
        index = this.backward ? node.num - 1 : 0;
        while (node.count(index) === 0) index += this.backward ? -1 : 1;
      }
      current = { node, position, index };
      stack.push(current);
    }
  }
}

/** The kv pair at `index` (0 to count - 1). O(log n). */
export function sortedSelect(io: BlockIO, header: SortedHeader, from: number, index: number): number {
  return new SortedWalk(io, header, from, index, false).next();
}
