// Writing a sorted map or set (FORMAT.md §Sorted maps, writing): put and
// remove with path copying. A node the running transaction wrote changes in
// place; any other is copied to the end first (FORMAT.md §Transactions). The
// order of appends is the order xitdb-java 0.32 uses, so that the same
// operations on the same file give the same bytes.

import { SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import { fitsShortBytes, shortBytesSlot } from '../format/bytes.js';
import type { BlockIO } from '../core/block-io.js';
import { BRANCH, LEAF, NODE_CAPACITY, SPLIT_LEFT, SortedNode, encodeNode, nodeSlotPosition, type SortedHeader } from './node.js';
import { childFor, entryFor, readChecked } from './read.js';

/** What a put did below one node: the node's new position and count, and its new right sibling after a split. */
interface PutResult {
  readonly position: number;
  readonly count: number;
  readonly split: { readonly position: number; readonly count: number; readonly separator: Slot } | undefined;
}

/** The outcome of {@link sortedPut}. */
export interface SortedPutOutcome {
  /** The new header: the root may have moved and the count grown. */
  readonly header: SortedHeader;
  /** The kv pair of the key, mutable (its value slot may be written). */
  readonly kv: number;
  /** True when the key was not there before. */
  readonly created: boolean;
}

/**
 * Writes a node: in place when the transaction wrote the node at `old`
 * itself, otherwise appended. Returns its position.
 */
function writeNode(io: BlockIO, node: SortedNode, old: number): number {
  const bytes = encodeNode(node);
  if (old >= 0 && io.tx.isMutable(old)) {
    io.storage.write(old, bytes);
    return old;
  }
  return io.append(bytes);
}

/** Stores a key as xitdb does: short bytes when it fits (at most 8 bytes, no 0x00), else long bytes without a format tag. */
function writeKey(io: BlockIO, key: Uint8Array): Slot {
  if (fitsShortBytes(key, false)) return shortBytesSlot(key, undefined);
  const position = io.end();
  io.writeU64(position, key.length);
  io.append(key);
  return Slot.pointer(Tag.BYTES, position);
}

/** Appends a new kv pair for `key`: a zero hash (sorted maps find keys by their bytes), the key slot, an empty value slot. */
function newEntry(io: BlockIO, key: Uint8Array): number {
  const keySlot = writeKey(io, key);
  const record = new Uint8Array(io.hashSize + 2 * SLOT_SIZE);
  const view = new DataView(record.buffer);
  view.setUint8(io.hashSize, keySlot.tag | (keySlot.full ? 0x80 : 0));
  view.setUint32(io.hashSize + 1, keySlot.hi);
  view.setUint32(io.hashSize + 5, keySlot.lo);
  return io.append(record);
}

/**
 * Makes `key` an entry of the map whose header says `header`, creating it
 * with an empty value when absent, and makes its kv pair mutable. The caller
 * writes the new header. O(log n) nodes written (copied or in place).
 *
 * @param from - where the map's slot is, for errors
 * @throws CorruptDatabaseError when a node on the path is damaged
 */
export function sortedPut(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array): SortedPutOutcome {
  let kv = -1;
  let created = false;
  // The path from the root, then the rebuild on the way back up.
  const nodes: SortedNode[] = [];
  const positions: number[] = [];
  const choices: number[] = [];
  let node = readChecked(io, header.root, from, 0, header.count);
  let position = header.root;
  for (let depth = 1; node.kind === BRANCH; depth++) {
    const i = childFor(io, node, position, key);
    nodes.push(node);
    positions.push(position);
    choices.push(i);
    const childFrom = nodeSlotPosition(position, i);
    position = node.slots[i]!.position;
    node = readChecked(io, position, childFrom, depth, node.counts[i]!);
  }
  let result: PutResult;
  const { index, equal } = entryFor(io, node, key);
  if (equal) {
    kv = node.slots[index]!.position;
    if (!io.tx.isMutable(kv)) {
      kv = io.copyToEnd(kv, io.hashSize + 2 * SLOT_SIZE);
      node.slots[index] = Slot.pointer(Tag.KV_PAIR, kv);
    }
    result = { position: writeNode(io, node, position), count: node.num, split: undefined };
  } else {
    created = true;
    kv = newEntry(io, key);
    const entries = node.slots.slice(0, node.num);
    entries.splice(index, 0, Slot.pointer(Tag.KV_PAIR, kv));
    result = leafFrom(io, entries, position);
  }
  for (let level = nodes.length - 1; level >= 0; level--) result = branchWith(io, nodes[level]!, positions[level]!, choices[level]!, result);
  let root = result.position;
  if (result.split !== undefined) {
    const grown = new SortedNode(BRANCH, 2);
    grown.slots[0] = Slot.pointer(Tag.INDEX, result.position);
    grown.slots[1] = Slot.pointer(Tag.INDEX, result.split.position);
    grown.separators[1] = result.split.separator;
    grown.counts[0] = result.count;
    grown.counts[1] = result.split.count;
    root = io.append(encodeNode(grown));
  }
  return { header: { root, count: header.count + (created ? 1 : 0) }, kv, created };
}

/** The leaf that replaces the one at `old` with `entries` (one more than before): one leaf, or two after a split. */
function leafFrom(io: BlockIO, entries: Slot[], old: number): PutResult {
  if (entries.length <= NODE_CAPACITY) {
    const leaf = new SortedNode(LEAF, entries.length);
    for (let i = 0; i < entries.length; i++) leaf.slots[i] = entries[i]!;
    return { position: writeNode(io, leaf, old), count: entries.length, split: undefined };
  }
  const left = new SortedNode(LEAF, SPLIT_LEFT);
  const right = new SortedNode(LEAF, entries.length - SPLIT_LEFT);
  for (let i = 0; i < entries.length; i++) {
    if (i < SPLIT_LEFT) left.slots[i] = entries[i]!;
    else right.slots[i - SPLIT_LEFT] = entries[i]!;
  }
  // The right leaf's separator is its first key: the key slot of its first kv pair, shared.
  const separator = io.readSlot(entries[SPLIT_LEFT]!.position + io.hashSize);
  const leftPosition = writeNode(io, left, old);
  const rightPosition = io.append(encodeNode(right));
  return { position: leftPosition, count: left.num, split: { position: rightPosition, count: right.num, separator } };
}

/** The branch at `old` with child `i` replaced by what a put below made of it. */
function branchWith(io: BlockIO, node: SortedNode, old: number, i: number, below: PutResult): PutResult {
  const children = node.slots.slice(0, node.num);
  const separators = node.separators.slice(0, node.num);
  const counts = node.counts.slice(0, node.num);
  children[i] = Slot.pointer(Tag.INDEX, below.position);
  counts[i] = below.count;
  if (below.split !== undefined) {
    children.splice(i + 1, 0, Slot.pointer(Tag.INDEX, below.split.position));
    separators.splice(i + 1, 0, below.split.separator);
    counts.splice(i + 1, 0, below.split.count);
  }
  const build = (from: number, to: number): SortedNode => {
    const branch = new SortedNode(BRANCH, to - from);
    for (let k = from; k < to; k++) {
      branch.slots[k - from] = children[k]!;
      branch.separators[k - from] = separators[k]!;
      branch.counts[k - from] = counts[k]!;
    }
    return branch;
  };
  if (children.length <= NODE_CAPACITY) {
    const branch = build(0, children.length);
    return { position: writeNode(io, branch, old), count: branch.total(), split: undefined };
  }
  const left = build(0, SPLIT_LEFT);
  const right = build(SPLIT_LEFT, children.length);
  // The right branch's first separator moves up as its separator; it stays in the right node's
  // slot 0 as well, where readers ignore it.
  const separator = separators[SPLIT_LEFT]!;
  const leftPosition = writeNode(io, left, old);
  const rightPosition = io.append(encodeNode(right));
  return { position: leftPosition, count: left.total(), split: { position: rightPosition, count: right.total(), separator } };
}

/**
 * Removes `key` from the map whose header says `header`. Nothing is merged or
 * rebalanced (FORMAT.md §Sorted maps, remove): the leaf loses the entry, the
 * counts on the path drop by one, separators stay. Writes nothing when the key
 * is absent.
 *
 * @returns the new header, or undefined when the key is absent
 * @throws CorruptDatabaseError when a node on the path is damaged
 */
export function sortedRemove(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array): SortedHeader | undefined {
  const nodes: SortedNode[] = [];
  const positions: number[] = [];
  const choices: number[] = [];
  let node = readChecked(io, header.root, from, 0, header.count);
  let position = header.root;
  for (let depth = 1; node.kind === BRANCH; depth++) {
    const i = childFor(io, node, position, key);
    nodes.push(node);
    positions.push(position);
    choices.push(i);
    const childFrom = nodeSlotPosition(position, i);
    position = node.slots[i]!.position;
    node = readChecked(io, position, childFrom, depth, node.counts[i]!);
  }
  const { index, equal } = entryFor(io, node, key);
  if (!equal) return undefined;
  const leaf = new SortedNode(LEAF, node.num - 1);
  for (let k = 0, to = 0; k < node.num; k++) if (k !== index) leaf.slots[to++] = node.slots[k]!;
  let below = writeNode(io, leaf, position);
  for (let level = nodes.length - 1; level >= 0; level--) {
    const branch = nodes[level]!;
    const i = choices[level]!;
    branch.slots[i] = Slot.pointer(Tag.INDEX, below);
    branch.counts[i] = branch.counts[i]! - 1;
    below = writeNode(io, branch, positions[level]!);
  }
  return { root: below, count: header.count - 1 };
}
