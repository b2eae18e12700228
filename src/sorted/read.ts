// Reading a sorted map or set (FORMAT.md §Sorted maps): lookup by key, rank
// and select by the subtree counts, and in-order walks forwards and
// backwards from any index or key. Nodes are read in place (./access.ts):
// every descent checks that a node's entries add up to what its parent (or
// the header) claims for it and that it lies no deeper than
// SORTED_DEPTH_MAX, so that damage (a cycle, a count that lies) ends in
// CorruptDatabaseError, and a walk visits at most depth nodes per entry.

import { CorruptDatabaseError } from '../errors.js';
import type { BlockIO } from '../core/block-io.js';
import { LEAF, SORTED_DEPTH_MAX, readNode, type SortedHeader, type SortedNode } from './node.js';
import { BRANCH_BIT, childAt, childForKey, countAt, enterNode, entryForKey, kvAt, slotAt } from './access.js';
import { readAhead } from './read-ahead.js';

/** Reads the node a parent slot points at into a copy, checking its depth and that it holds `claimed` entries. */
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

/**
 * The kv pair of `key`, or -1. O(log n) nodes, O(log 16) key comparisons each.
 */
export function sortedFind(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array): number {
  let position = header.root;
  let head = enterNode(io, position, from, 0, header.count);
  for (let depth = 1; head & BRANCH_BIT; depth++) {
    const i = childForKey(io, position, head & 0xff, key);
    const claimed = countAt(io, position, i);
    const childFrom = slotAt(position, i);
    position = childAt(io, position, i);
    head = enterNode(io, position, childFrom, depth, claimed);
  }
  const found = entryForKey(io, position, head, key);
  return found & 1 ? kvAt(io, position, found >> 1) : -1;
}

/** How many keys are before `key` (so the index `key` has, or would have). O(log n). */
export function sortedRank(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array): number {
  let position = header.root;
  let head = enterNode(io, position, from, 0, header.count);
  let rank = 0;
  for (let depth = 1; head & BRANCH_BIT; depth++) {
    const i = childForKey(io, position, head & 0xff, key);
    for (let j = 0; j < i; j++) rank += countAt(io, position, j);
    const claimed = countAt(io, position, i);
    const childFrom = slotAt(position, i);
    position = childAt(io, position, i);
    head = enterNode(io, position, childFrom, depth, claimed);
  }
  return rank + (entryForKey(io, position, head, key) >> 1);
}

/**
 * An in-order walk over the kv pairs of one sorted map, from any index or
 * key, forwards or backwards. Holds the path from the root (at most
 * SORTED_DEPTH_MAX + 1 levels, as parallel arrays: no object per level); a
 * step reads the next slot of the current leaf, and only at a leaf's end
 * climbs to the first ancestor with a next child and goes down its edge,
 * so a step costs O(1) amortised node reads, since every subtree it enters
 * holds an entry (its count says so, and the count is checked when the node
 * is entered).
 */
export class SortedWalk {
  private readonly io: BlockIO;
  /** Per level from the root: the node's position, its entry count (with BRANCH_BIT), and the entry or child the walk stands on. */
  private readonly positions: number[] = [];
  private readonly heads: number[] = [];
  private readonly indexes: number[] = [];
  private remaining: number;
  private readonly step: number;
  /** What the read-aheads read (kept so that they are not optimised away). */
  private touched = 0;
  /**
   * True while the leaf the walk started in has not been read ahead: that
   * happens at the second entry taken, so that a walk taken for one entry
   * (seek, at, select) reads no more than that entry.
   */
  private aheadPending = false;
  /** True once an entry was taken. */
  private started = false;

  /**
   * @param io - the database
   * @param header - the map's header
   * @param from - where the map's slot is, for errors
   * @param start - the index of the first entry to yield, 0 to count - 1
   * @param backward - true to walk towards the first entry
   */
  constructor(io: BlockIO, header: SortedHeader, from: number, start: number, backward: boolean) {
    this.io = io;
    this.step = backward ? -1 : 1;
    this.remaining = backward ? start + 1 : header.count - start;
    if (header.count === 0 || start < 0 || start >= header.count) {
      this.remaining = 0;
      return;
    }
    let position = header.root;
    let head = enterNode(io, position, from, 0, header.count);
    let rest = start;
    for (let depth = 1; ; depth++) {
      if (!(head & BRANCH_BIT)) {
        this.push(position, head, rest);
        this.aheadPending = true;
        return;
      }
      const num = head & 0xff;
      let i = 0;
      let count = countAt(io, position, 0);
      while (i + 1 < num && rest >= count) {
        rest -= count;
        i++;
        count = countAt(io, position, i);
      }
      this.push(position, head, i);
      const childFrom = slotAt(position, i);
      position = childAt(io, position, i);
      head = enterNode(io, position, childFrom, depth, count);
    }
  }

  /**
   * A walk from `key`: forwards from the first key at or after it, backwards
   * from the last key at or before it. One descent. O(log n).
   */
  static fromKey(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array, backward: boolean): SortedWalk {
    const walk = new SortedWalk(io, header, from, -1, backward);
    if (header.count === 0) return walk;
    let position = header.root;
    let head = enterNode(io, position, from, 0, header.count);
    let before = 0;
    for (let depth = 1; head & BRANCH_BIT; depth++) {
      const i = childForKey(io, position, head & 0xff, key);
      for (let j = 0; j < i; j++) before += countAt(io, position, j);
      walk.push(position, head, i);
      const claimed = countAt(io, position, i);
      const childFrom = slotAt(position, i);
      position = childAt(io, position, i);
      head = enterNode(io, position, childFrom, depth, claimed);
    }
    const found = entryForKey(io, position, head, key);
    // Forwards: the first entry at or after the key; backwards: the key itself when present, else the one before.
    const index = backward && !(found & 1) ? (found >> 1) - 1 : found >> 1;
    walk.push(position, head, index);
    walk.remaining = backward ? before + index + 1 : header.count - before - index;
    walk.aheadPending = true;
    return walk;
  }

  private push(position: number, head: number, index: number): void {
    this.positions.push(position);
    this.heads.push(head);
    this.indexes.push(index);
  }

  /** Touches the records of the entries this walk will take from the leaf it stands in, from `index` (see ./read-ahead.ts). */
  private readAhead(leaf: number, num: number, index: number): void {
    const left = this.step > 0 ? num - index : index + 1;
    const count = Math.min(left, this.remaining);
    if (count > 1) this.touched += readAhead(this.io, leaf, index, this.step, count);
  }

  /** The next kv pair's position, or -1 at the end. */
  next(): number {
    if (this.remaining <= 0) return -1;
    let top = this.indexes.length - 1;
    let index = this.indexes[top] as number;
    // At a leaf's end (or before its start): on to the next leaf that holds entries.
    if (index < 0 || index >= (this.heads[top] as number)) {
      this.aheadPending = false;
      this.advance();
      top = this.indexes.length - 1;
      index = this.indexes[top] as number;
    } else if (this.aheadPending && this.started) {
      this.aheadPending = false;
      this.readAhead(this.positions[top] as number, this.heads[top] as number, index);
    }
    this.started = true;
    const kv = kvAt(this.io, this.positions[top] as number, index);
    this.indexes[top] = index + this.step;
    this.remaining--;
    return kv;
  }

  /** From a used-up leaf: climbs to the nearest ancestor with a next child holding entries, then down its edge to a leaf. */
  private advance(): void {
    const io = this.io;
    const { positions, heads, indexes, step } = this;
    let level = indexes.length - 1;
    let position: number;
    let num: number;
    let i: number;
    const leaf = positions[level] as number;
    for (;;) {
      positions.pop();
      heads.pop();
      indexes.pop();
      level--;
      if (level < 0) throw new CorruptDatabaseError('a sorted map holds fewer entries than its count', leaf);
      position = positions[level] as number;
      num = (heads[level] as number) & 0xff;
      i = (indexes[level] as number) + step;
      while (i >= 0 && i < num && countAt(io, position, i) === 0) i += step;
      if (i >= 0 && i < num) break;
    }
    indexes[level] = i;
    // Down to a leaf along the first (or last) children that hold entries.
    for (;;) {
      if (positions.length > SORTED_DEPTH_MAX) throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, position);
      const claimed = countAt(io, position, i);
      const childFrom = slotAt(position, i);
      position = childAt(io, position, i);
      const head = enterNode(io, position, childFrom, positions.length, claimed);
      num = head & 0xff;
      if (!(head & BRANCH_BIT)) {
        this.push(position, head, step > 0 ? 0 : num - 1);
        if (this.started) this.readAhead(position, num, step > 0 ? 0 : num - 1);
        else this.aheadPending = true;
        return;
      }
      i = step > 0 ? 0 : num - 1;
      while (countAt(io, position, i) === 0) i += step;
      this.push(position, head, i);
    }
  }
}

/** The kv pair at `index` (0 to count - 1). O(log n). */
export function sortedSelect(io: BlockIO, header: SortedHeader, from: number, index: number): number {
  return new SortedWalk(io, header, from, index, false).next();
}
