// Excision in sorted maps and sets (FORMAT.md §Sorted maps): the nodes on the
// way to a dropped key are copied without its entry, each branch on the way
// with its child's new count. A separator is a copy of some key's slot, so a
// separator that holds a dropped key would keep its bytes in the file: it is
// replaced by the first key left under its child (still a lower bound of that
// child's keys, and above every key of the child before), and a child left
// with no key whose separator held a dropped key leaves its branch (the child
// before it then bounds its keys up to the next separator). The result meets
// every invariant of §Sorted maps, invariants.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import { BRANCH, COUNTS_OFFSET, LEAF_SIZE, BRANCH_SIZE, NODE_HEADER_SIZE, SEPARATORS_OFFSET, SORTED_DEPTH_MAX, SORTED_HEADER_SIZE, compareKey, readNode, readSortedHeader, type SortedNode } from '../sorted/node.js';
import { BlockCopier, RecordType, writePosition } from './block-copier.js';

/** A dropped key of a sorted map: removed (`node` undefined), or its value excised below `node`. */
export interface SortedTarget {
  readonly key: Uint8Array;
  readonly node: unknown;
}

/** A subtree after excision. */
interface Excised {
  readonly position: number;
  readonly count: number;
  /** The source slot of its first key, or undefined when it holds none. */
  readonly first: Slot | undefined;
}

/** Copies a kv pair whose value is excised below `node`; returns its target position. */
export type KvExciser = (kv: number, node: unknown) => number;

/** Excision of sorted maps and sets, beside the shared copier. */
export class SortedExcision {
  private readonly io: BlockIO;
  private readonly copier: BlockCopier;
  private readonly target: BlockIO;

  /**
   * @param io - the source
   * @param copier - the shared copier
   * @param target - where copies are appended
   */
  constructor(io: BlockIO, copier: BlockCopier, target: BlockIO) {
    this.io = io;
    this.copier = copier;
    this.target = target;
  }

  /**
   * The target position of the sorted map or set whose header is at
   * `position`, with `targets` removed or excised; undefined when it holds
   * none of them (the caller copies it as it is).
   *
   * @throws CorruptDatabaseError when the tree is damaged
   */
  excise(position: number, from: number, isSet: boolean, targets: readonly SortedTarget[], exciseKv: KvExciser): number | undefined {
    const io = this.io;
    const header = readSortedHeader(io, position, from);
    const found = targets.filter((target) => findSortedEntry(io, header.root, target.key, position + 8) >= 0);
    if (found.length === 0) return undefined;
    const removed = new Set(found.filter((target) => target.node === undefined).map((target) => target.key));
    const root = this.node(header.root, 0, position + 8, found, removed, isSet, exciseKv);
    const bytes = new Uint8Array(SORTED_HEADER_SIZE);
    writePosition(bytes, 0, root.count);
    writePosition(bytes, 8, root.position);
    return this.append(bytes);
  }

  /** A node with the targets under it excised. Recursion bounded by SORTED_DEPTH_MAX. */
  private node(position: number, depth: number, from: number, targets: readonly SortedTarget[], removed: ReadonlySet<Uint8Array>, isSet: boolean, exciseKv: KvExciser): Excised {
    if (depth > SORTED_DEPTH_MAX) throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, from);
    const io = this.io;
    const node = readNode(io, position, from);
    const kvSize = io.hashSize + 2 * SLOT_SIZE;
    if (node.kind !== BRANCH) {
      const out = new Uint8Array(LEAF_SIZE);
      let num = 0;
      let first: Slot | undefined;
      for (let i = 0; i < node.num; i++) {
        const kv = io.checkPointer(node.position(i), kvSize, position + NODE_HEADER_SIZE + i * SLOT_SIZE);
        const keySlot = io.readSlot(kv + io.hashSize);
        const target = targets.find((candidate) => compareKey(io, keySlot, candidate.key, kv) === 0);
        if (target !== undefined && removed.has(target.key)) continue;
        const copied = target === undefined ? this.copier.copyRecord(isSet ? RecordType.KV_SET : RecordType.KV_MAP, kv, 0, 0, position) : exciseKv(kv, target.node);
        first ??= keySlot;
        out[NODE_HEADER_SIZE + num * SLOT_SIZE] = Tag.KV_PAIR;
        writePosition(out, NODE_HEADER_SIZE + num * SLOT_SIZE + 1, copied);
        num++;
      }
      out[1] = num;
      return { position: this.append(out), count: num, first };
    }
    const out = new Uint8Array(BRANCH_SIZE);
    out[0] = BRANCH;
    let num = 0;
    let total = 0;
    let first: Slot | undefined;
    for (let i = 0; i < node.num; i++) {
      const here = targets.filter((target) => route(io, node, target.key, position) === i);
      const childFrom = position + NODE_HEADER_SIZE + i * SLOT_SIZE;
      let child: Excised;
      if (here.length === 0) {
        const count = node.count(i);
        child = { position: this.copier.copyRecord(isSet ? RecordType.SORTED_SET_NODE : RecordType.SORTED_MAP_NODE, node.position(i), depth + 1, 0, childFrom), count, first: undefined };
      } else {
        child = this.node(node.position(i), depth + 1, childFrom, here, removed, isSet, exciseKv);
      }
      let separator = i === 0 ? Slot.EMPTY : node.separators[i] as Slot;
      const droppedSeparator = i > 0 && [...removed].some((key) => compareKey(io, separator, key, position) === 0);
      if (droppedSeparator) {
        // Its bytes must not travel: the first key left under the child bounds it as well, or the child goes.
        if (child.first === undefined) continue;
        separator = child.first;
      }
      if (first === undefined && child.count > 0) first = child.first ?? firstKeySlot(io, node.position(i), depth + 1, childFrom);
      out[NODE_HEADER_SIZE + num * SLOT_SIZE] = Tag.INDEX;
      writePosition(out, NODE_HEADER_SIZE + num * SLOT_SIZE + 1, child.position);
      if (num > 0) out.set(this.copier.copyValue(separator, position).toBytes(), SEPARATORS_OFFSET + num * SLOT_SIZE);
      writePosition(out, COUNTS_OFFSET + 8 * num, child.count);
      total += child.count;
      num++;
    }
    out[1] = num;
    return { position: this.append(out), count: total, first };
  }

  private append(bytes: Uint8Array): number {
    const at = this.target.append(bytes);
    this.copier.counters.blocksCopied++;
    this.copier.counters.bytesWritten += bytes.length;
    return at;
  }
}

/** The child of a branch a key descends to: the last i ≥ 1 whose separator is at or before it, else 0. */
function route(io: BlockIO, node: SortedNode, key: Uint8Array, position: number): number {
  for (let i = node.num - 1; i >= 1; i--) if (node.compareSeparator(io, i, key, position) <= 0) return i;
  return 0;
}

/** The source slot of the first key under the node at `position`, skipping empty children; undefined when it holds none. */
function firstKeySlot(io: BlockIO, position: number, depth: number, from: number): Slot | undefined {
  let at = position;
  let where = from;
  for (let level = depth; level <= SORTED_DEPTH_MAX; level++) {
    const node = readNode(io, at, where);
    if (node.kind !== BRANCH) return node.num === 0 ? undefined : io.readSlot(io.checkPointer(node.position(0), io.hashSize + 2 * SLOT_SIZE, at) + io.hashSize);
    let next = -1;
    for (let i = 0; i < node.num && next < 0; i++) if (node.count(i) > 0) next = i;
    if (next < 0) return undefined;
    where = at + NODE_HEADER_SIZE + next * SLOT_SIZE;
    at = node.position(next);
  }
  throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, from);
}

/**
 * The kv pair of `key` in the sorted tree whose root node is at `root`, or -1.
 * O(depth) node reads.
 */
export function findSortedEntry(io: BlockIO, root: number, key: Uint8Array, from: number): number {
  let at = root;
  let where = from;
  for (let depth = 0; depth <= SORTED_DEPTH_MAX; depth++) {
    const node = readNode(io, at, where);
    if (node.kind === BRANCH) {
      const i = route(io, node, key, at);
      where = at + NODE_HEADER_SIZE + i * SLOT_SIZE;
      at = node.position(i);
      continue;
    }
    for (let i = 0; i < node.num; i++) {
      const kv = io.checkPointer(node.position(i), io.hashSize + 2 * SLOT_SIZE, at);
      if (compareKey(io, io.readSlot(kv + io.hashSize), key, kv) === 0) return kv;
    }
    return -1;
  }
  throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, from);
}

