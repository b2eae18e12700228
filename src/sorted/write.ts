// Writing a sorted map or set (FORMAT.md §Sorted maps, writing): put and
// remove with path copying. A node the running transaction wrote changes in
// place; any other is copied to the end first (FORMAT.md §Transactions). The
// order of appends is the order xitdb-java 0.32 uses, so that the same
// operations on the same file give the same bytes. Nodes are handled as their
// records' bytes: a new node is assembled from 9-byte slot and 8-byte count
// runs of the old one.

import { SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { FULL_FLAG, Tag } from '../format/tags.js';
import { fitsShortBytes, shortBytesSlot } from '../format/bytes.js';
import type { BlockIO } from '../core/block-io.js';
import { BRANCH, COUNTS_OFFSET, LEAF, NODE_CAPACITY, NODE_HEADER_SIZE, SEPARATORS_OFFSET, SPLIT_LEFT, SortedNode, nodeSlotPosition, type SortedHeader } from './node.js';
import { childFor, entryFor, readChecked } from './read.js';

/** What a put did below one node: the node's new position and count, and its new right sibling after a split. */
interface PutResult {
  readonly position: number;
  readonly count: number;
  /** After a split: the right sibling, its count, and its separator (a key slot's 9 bytes). */
  readonly split: { readonly position: number; readonly count: number; readonly separator: Uint8Array } | undefined;
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

/** Writes a node's record: in place when the transaction wrote the node at `old` itself, otherwise appended. Returns its position. */
function writeNode(io: BlockIO, bytes: Uint8Array, old: number): number {
  if (old >= 0 && io.tx.isMutable(old)) {
    io.storage.write(old, bytes);
    return old;
  }
  return io.append(bytes);
}

/** The 9 bytes of a pointer slot. */
function pointerBytes(tag: number, position: number): Uint8Array {
  const out = new Uint8Array(SLOT_SIZE);
  const view = new DataView(out.buffer);
  view.setUint8(0, tag);
  view.setUint32(1, Math.floor(position / TWO_POW_32));
  view.setUint32(5, position % TWO_POW_32);
  return out;
}

/** Stores a key as xitdb does: short bytes when it fits (at most 8 bytes, no 0x00), else long bytes without a format tag. Returns the key slot's 9 bytes. */
function writeKey(io: BlockIO, key: Uint8Array): Uint8Array {
  if (fitsShortBytes(key, false)) {
    const slot = shortBytesSlot(key, undefined);
    const out = new Uint8Array(SLOT_SIZE);
    const view = new DataView(out.buffer);
    view.setUint8(0, slot.tag | (slot.full ? FULL_FLAG : 0));
    view.setUint32(1, slot.hi);
    view.setUint32(5, slot.lo);
    return out;
  }
  const position = io.end();
  io.writeU64(position, key.length);
  io.append(key);
  return pointerBytes(Tag.BYTES, position);
}

/** Appends a new kv pair for `key`: a zero hash (sorted maps find keys by their bytes), the key slot, an empty value slot. */
function newEntry(io: BlockIO, key: Uint8Array): number {
  const keySlot = writeKey(io, key);
  const record = new Uint8Array(io.hashSize + 2 * SLOT_SIZE);
  record.set(keySlot, io.hashSize);
  return io.append(record);
}

/** Runs of `width` bytes: a node's slots, separators or counts, to splice. */
function runs(bytes: Uint8Array, offset: number, width: number, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(bytes.subarray(offset + width * i, offset + width * (i + 1)));
  return out;
}

/** A new leaf holding `entries` (9-byte kv_pair slots). */
function leafBytes(entries: Uint8Array[]): Uint8Array {
  const node = new SortedNode(LEAF, entries.length);
  for (let i = 0; i < entries.length; i++) node.bytes.set(entries[i]!, NODE_HEADER_SIZE + SLOT_SIZE * i);
  return node.bytes;
}

/** A new branch holding `children`, `separators` (9 bytes each) and `counts` (8 bytes each). */
function branchBytes(children: Uint8Array[], separators: Uint8Array[], counts: Uint8Array[]): Uint8Array {
  const node = new SortedNode(BRANCH, children.length);
  for (let i = 0; i < children.length; i++) {
    node.bytes.set(children[i]!, NODE_HEADER_SIZE + SLOT_SIZE * i);
    node.bytes.set(separators[i]!, SEPARATORS_OFFSET + SLOT_SIZE * i);
    node.bytes.set(counts[i]!, COUNTS_OFFSET + 8 * i);
  }
  return node.bytes;
}

function countBytes(count: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(count / TWO_POW_32));
  view.setUint32(4, count % TWO_POW_32);
  return out;
}

function sumCounts(counts: Uint8Array[]): number {
  let sum = 0;
  for (const count of counts) {
    const view = new DataView(count.buffer, count.byteOffset, 8);
    sum += view.getUint32(0) * TWO_POW_32 + view.getUint32(4);
  }
  return sum;
}

/** The path from the root to the leaf where `key` belongs. */
interface Path {
  readonly nodes: SortedNode[];
  readonly positions: number[];
  readonly choices: number[];
  readonly leaf: SortedNode;
  readonly leafPosition: number;
}

function descend(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array): Path {
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
    const count = node.count(i);
    position = node.position(i);
    node = readChecked(io, position, childFrom, depth, count);
  }
  return { nodes, positions, choices, leaf: node, leafPosition: position };
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
  const { nodes, positions, choices, leaf, leafPosition } = descend(io, header, from, key);
  let kv: number;
  let created = false;
  let result: PutResult;
  const { index, equal } = entryFor(io, leaf, key);
  if (equal) {
    kv = leaf.position(index);
    if (!io.tx.isMutable(kv)) {
      kv = io.copyToEnd(kv, io.hashSize + 2 * SLOT_SIZE);
      leaf.bytes.set(pointerBytes(Tag.KV_PAIR, kv), NODE_HEADER_SIZE + SLOT_SIZE * index);
    }
    result = { position: writeNode(io, leaf.bytes, leafPosition), count: leaf.num, split: undefined };
  } else {
    created = true;
    kv = newEntry(io, key);
    const entries = runs(leaf.bytes, NODE_HEADER_SIZE, SLOT_SIZE, leaf.num);
    entries.splice(index, 0, pointerBytes(Tag.KV_PAIR, kv));
    result = leafFrom(io, entries, leafPosition);
  }
  for (let level = nodes.length - 1; level >= 0; level--) result = branchWith(io, nodes[level]!, positions[level]!, choices[level]!, result);
  let root = result.position;
  if (result.split !== undefined) {
    const none = new Uint8Array(SLOT_SIZE);
    root = io.append(
      branchBytes(
        [pointerBytes(Tag.INDEX, result.position), pointerBytes(Tag.INDEX, result.split.position)],
        [none, result.split.separator],
        [countBytes(result.count), countBytes(result.split.count)],
      ),
    );
  }
  return { header: { root, count: header.count + (created ? 1 : 0) }, kv, created };
}

/** The leaf that replaces the one at `old` with `entries` (one more than before): one leaf, or two after a split. */
function leafFrom(io: BlockIO, entries: Uint8Array[], old: number): PutResult {
  if (entries.length <= NODE_CAPACITY) return { position: writeNode(io, leafBytes(entries), old), count: entries.length, split: undefined };
  const left = entries.slice(0, SPLIT_LEFT);
  const right = entries.slice(SPLIT_LEFT);
  // The right leaf's separator is its first key: the key slot of its first kv pair, copied (a long key's record is shared).
  const firstKv = new DataView(right[0]!.buffer, right[0]!.byteOffset, SLOT_SIZE);
  const separator = io.readBytes(firstKv.getUint32(1) * TWO_POW_32 + firstKv.getUint32(5) + io.hashSize, SLOT_SIZE);
  const leftPosition = writeNode(io, leafBytes(left), old);
  const rightPosition = io.append(leafBytes(right));
  return { position: leftPosition, count: left.length, split: { position: rightPosition, count: right.length, separator } };
}

/** The branch at `old` with child `i` replaced by what a put below made of it. */
function branchWith(io: BlockIO, node: SortedNode, old: number, i: number, below: PutResult): PutResult {
  if (below.split === undefined && io.tx.isMutable(old)) {
    // The common case: the child's slot and count change in place, as a whole rewrite would leave them.
    io.writePointer(nodeSlotPosition(old, i), Tag.INDEX, below.position);
    io.writeU64(old + COUNTS_OFFSET + 8 * i, below.count);
    return { position: old, count: node.total() - node.count(i) + below.count, split: undefined };
  }
  const children = runs(node.bytes, NODE_HEADER_SIZE, SLOT_SIZE, node.num);
  const separators = runs(node.bytes, SEPARATORS_OFFSET, SLOT_SIZE, node.num);
  const counts = runs(node.bytes, COUNTS_OFFSET, 8, node.num);
  children[i] = pointerBytes(Tag.INDEX, below.position);
  counts[i] = countBytes(below.count);
  if (below.split !== undefined) {
    children.splice(i + 1, 0, pointerBytes(Tag.INDEX, below.split.position));
    separators.splice(i + 1, 0, below.split.separator);
    counts.splice(i + 1, 0, countBytes(below.split.count));
  }
  if (children.length <= NODE_CAPACITY) {
    return { position: writeNode(io, branchBytes(children, separators, counts), old), count: sumCounts(counts), split: undefined };
  }
  // The right branch's first separator moves up as its separator; it stays in the right node's
  // slot 0 as well, where readers ignore it (xitdb-java writes it there too).
  const separator = separators[SPLIT_LEFT]!;
  const leftCounts = counts.slice(0, SPLIT_LEFT);
  const rightCounts = counts.slice(SPLIT_LEFT);
  const leftPosition = writeNode(io, branchBytes(children.slice(0, SPLIT_LEFT), separators.slice(0, SPLIT_LEFT), leftCounts), old);
  const rightPosition = io.append(branchBytes(children.slice(SPLIT_LEFT), separators.slice(SPLIT_LEFT), rightCounts));
  return { position: leftPosition, count: sumCounts(leftCounts), split: { position: rightPosition, count: sumCounts(rightCounts), separator } };
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
  const { nodes, positions, choices, leaf, leafPosition } = descend(io, header, from, key);
  const { index, equal } = entryFor(io, leaf, key);
  if (!equal) return undefined;
  const entries = runs(leaf.bytes, NODE_HEADER_SIZE, SLOT_SIZE, leaf.num);
  entries.splice(index, 1);
  let below = writeNode(io, leafBytes(entries), leafPosition);
  for (let level = nodes.length - 1; level >= 0; level--) {
    const branch = nodes[level]!;
    const i = choices[level]!;
    // The branch as read, with child i's slot and count changed (xitdb-java keeps the rest of the record as it was).
    branch.bytes.set(pointerBytes(Tag.INDEX, below), NODE_HEADER_SIZE + SLOT_SIZE * i);
    branch.bytes.set(countBytes(branch.count(i) - 1), COUNTS_OFFSET + 8 * i);
    below = writeNode(io, branch.bytes, positions[level]!);
  }
  return { root: below, count: header.count - 1 };
}
