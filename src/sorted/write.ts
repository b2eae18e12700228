// Writing a sorted map or set (FORMAT.md §Sorted maps, writing): put and
// remove with path copying. A node the running transaction wrote changes in
// place (core/tx-state.ts, rule 1: at or after tx start, nothing shared
// since); any other is copied to the end first, so a committed moment never
// changes. The order of appends is the order xitdb-java 0.32 uses, and a
// rewritten node's record is the one a whole rewrite leaves (its unused
// slots zero), so that the same operations on the same file give the same
// bytes. Nodes are read in place (./access.ts) and assembled in scratch
// buffers reused by every call: a put allocates nothing per level.

import { SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { FULL_FLAG, Tag } from '../format/tags.js';
import { fitsShortBytes, shortBytesSlot } from '../format/bytes.js';
import type { BlockIO } from '../core/block-io.js';
import { BRANCH, BRANCH_SIZE, COUNTS_OFFSET, LEAF, LEAF_SIZE, NODE_CAPACITY, NODE_HEADER_SIZE, SEPARATORS_OFFSET, SPLIT_LEFT, type SortedHeader } from './node.js';
import { BRANCH_BIT, childAt, childForKey, countAt, enterNode, entryForKey, kvAt, slotAt } from './access.js';

/** The outcome of {@link sortedPut}. */
export interface SortedPutOutcome {
  /** The new header: the root may have moved and the count grown. */
  readonly header: SortedHeader;
  /** The kv pair of the key, mutable (its value slot may be written). */
  readonly kv: number;
  /** True when the key was not there before. */
  readonly created: boolean;
}

// Scratch shared by every call. The writers are synchronous and never call
// out, so no two calls use it at once.
const WORK = NODE_CAPACITY + 1;
/** A node's slots (a leaf's kv_pair slots, a branch's child slots), one more than fit, before a split. */
const slots = new Uint8Array(SLOT_SIZE * WORK);
const slotsView = new DataView(slots.buffer);
/** A branch's separator slots, one more than fit. */
const separators = new Uint8Array(SLOT_SIZE * WORK);
/** A branch's counts, one more than fit. */
const counts = new Float64Array(WORK);
/** A leaf's record being assembled. */
const leafOut = new Uint8Array(LEAF_SIZE);
/** A branch's record being assembled. */
const branchOut = new Uint8Array(BRANCH_SIZE);
const branchOutView = new DataView(branchOut.buffer);
/** The separator a split hands to the level above (a key slot's 9 bytes). */
const separator = new Uint8Array(SLOT_SIZE);
/** The kv pair record of a new entry. */
let entryRecord = new Uint8Array(0);
let entryView = new DataView(entryRecord.buffer);

/** The path of the last descent: per branch level from the root, its position, entry count and chosen child, and the entries its parent claims for it. */
const pathPositions: number[] = [];
const pathNums: number[] = [];
const pathChoices: number[] = [];
const pathClaims: number[] = [];

/**
 * What the level below did: its node's new position and count, and after a
 * split the new right sibling (`splitPosition`, -1 when none), its count, and
 * its separator in {@link separator}.
 */
let outPosition = 0;
let outCount = 0;
let splitPosition = -1;
let splitCount = 0;

/** Descends to the leaf where `key` belongs, recording the path; returns the branch levels, with the leaf's position and entry count in `leafAt`. */
function descend(io: BlockIO, header: SortedHeader, from: number, key: Uint8Array, leafAt: { position: number; num: number }): number {
  let position = header.root;
  let claimed = header.count;
  let head = enterNode(io, position, from, 0, claimed);
  let depth = 0;
  while (head & BRANCH_BIT) {
    const num = head & 0xff;
    const i = childForKey(io, position, num, key);
    pathPositions[depth] = position;
    pathNums[depth] = num;
    pathChoices[depth] = i;
    pathClaims[depth] = claimed;
    depth++;
    claimed = countAt(io, position, i);
    const childFrom = slotAt(position, i);
    position = childAt(io, position, i);
    head = enterNode(io, position, childFrom, depth, claimed);
  }
  leafAt.position = position;
  leafAt.num = head;
  return depth;
}

const leafAt = { position: 0, num: 0 };

/** Writes a node's record: in place when the transaction wrote the node at `old` itself, otherwise appended. Returns its position. */
function writeNode(io: BlockIO, bytes: Uint8Array, old: number): number {
  if (io.tx.isMutable(old)) {
    io.write(old, bytes);
    return old;
  }
  return io.append(bytes);
}

/** Copies `length` bytes at `position` into `target` from `at`. */
function readRun(io: BlockIO, position: number, length: number, target: Uint8Array, at: number): void {
  if (length === 0) return;
  const storage = io.storage;
  const offset = storage.locate(position, length);
  const bytes = storage.bytes;
  for (let k = 0; k < length; k++) target[at + k] = bytes[offset + k] as number;
}

/** Sets the 9-byte pointer slot `i` of `target` (through `view`). */
function setPointer(view: DataView, at: number, tag: number, position: number): void {
  view.setUint8(at, tag);
  view.setUint32(at + 1, Math.floor(position / TWO_POW_32));
  view.setUint32(at + 5, position % TWO_POW_32);
}

/** Assembles in {@link leafOut} a leaf of the `n` slots of {@link slots} from slot `first`. */
function assembleLeaf(first: number, n: number): Uint8Array {
  leafOut.fill(0);
  leafOut[0] = LEAF;
  leafOut[1] = n;
  const start = SLOT_SIZE * first;
  const length = SLOT_SIZE * n;
  for (let k = 0; k < length; k++) leafOut[NODE_HEADER_SIZE + k] = slots[start + k] as number;
  return leafOut;
}

/** Assembles in {@link branchOut} a branch of the `n` children, separators and counts of the scratch from `first`. */
function assembleBranch(first: number, n: number): Uint8Array {
  branchOut.fill(0);
  branchOut[0] = BRANCH;
  branchOut[1] = n;
  const start = SLOT_SIZE * first;
  const length = SLOT_SIZE * n;
  for (let k = 0; k < length; k++) {
    branchOut[NODE_HEADER_SIZE + k] = slots[start + k] as number;
    branchOut[SEPARATORS_OFFSET + k] = separators[start + k] as number;
  }
  for (let j = 0; j < n; j++) {
    const count = counts[first + j] as number;
    branchOutView.setUint32(COUNTS_OFFSET + 8 * j, Math.floor(count / TWO_POW_32));
    branchOutView.setUint32(COUNTS_OFFSET + 8 * j + 4, count % TWO_POW_32);
  }
  return branchOut;
}

function sumCounts(first: number, n: number): number {
  let sum = 0;
  for (let j = first; j < first + n; j++) sum += counts[j] as number;
  return sum;
}

/**
 * Appends a new kv pair for `key`: a zero hash (sorted maps find keys by
 * their bytes), the key slot, an empty value slot. The key is stored as
 * xitdb does: short bytes when it fits (at most 8 bytes, no 0x00), else long
 * bytes without a format tag, appended first.
 */
function newEntry(io: BlockIO, key: Uint8Array): number {
  const size = io.hashSize + 2 * SLOT_SIZE;
  if (entryRecord.length !== size) {
    entryRecord = new Uint8Array(size);
    entryView = new DataView(entryRecord.buffer);
  } else entryRecord.fill(0);
  const at = io.hashSize;
  if (fitsShortBytes(key, false)) {
    const slot = shortBytesSlot(key, undefined);
    entryView.setUint8(at, slot.tag | (slot.full ? FULL_FLAG : 0));
    entryView.setUint32(at + 1, slot.hi);
    entryView.setUint32(at + 5, slot.lo);
  } else {
    const position = io.end();
    io.writeU64(position, key.length);
    io.append(key);
    setPointer(entryView, at, Tag.BYTES, position);
  }
  return io.append(entryRecord);
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
  const depth = descend(io, header, from, key, leafAt);
  const leafPosition = leafAt.position;
  const num = leafAt.num;
  const found = entryForKey(io, leafPosition, num, key);
  const index = found >> 1;
  let kv: number;
  let created = false;
  splitPosition = -1;
  if (found & 1) {
    kv = kvAt(io, leafPosition, index);
    const copyKv = !io.tx.isMutable(kv);
    if (copyKv) kv = io.copyToEnd(kv, io.hashSize + 2 * SLOT_SIZE);
    // The leaf as it was (a copy when committed), with the kv slot moved to the copy.
    outPosition = io.tx.isMutable(leafPosition) ? leafPosition : io.copyToEnd(leafPosition, LEAF_SIZE);
    if (copyKv) io.writePointer(slotAt(outPosition, index), Tag.KV_PAIR, kv);
    outCount = num;
  } else {
    created = true;
    kv = newEntry(io, key);
    readRun(io, slotAt(leafPosition, 0), SLOT_SIZE * num, slots, 0);
    slots.copyWithin(SLOT_SIZE * (index + 1), SLOT_SIZE * index, SLOT_SIZE * num);
    setPointer(slotsView, SLOT_SIZE * index, Tag.KV_PAIR, kv);
    const n = num + 1;
    if (n <= NODE_CAPACITY) {
      outPosition = writeNode(io, assembleLeaf(0, n), leafPosition);
      outCount = n;
    } else {
      // The right leaf's separator is its first key: the key slot of its first kv pair, copied (a long key's record is shared).
      const firstKv = slotsView.getUint32(SLOT_SIZE * SPLIT_LEFT + 1) * TWO_POW_32 + slotsView.getUint32(SLOT_SIZE * SPLIT_LEFT + 5);
      io.storage.read(firstKv + io.hashSize, separator);
      outPosition = writeNode(io, assembleLeaf(0, SPLIT_LEFT), leafPosition);
      outCount = SPLIT_LEFT;
      splitPosition = io.append(assembleLeaf(SPLIT_LEFT, n - SPLIT_LEFT));
      splitCount = n - SPLIT_LEFT;
    }
  }
  for (let level = depth - 1; level >= 0; level--) branchUp(io, pathPositions[level]!, pathNums[level]!, pathChoices[level]!, pathClaims[level]!);
  let root = outPosition;
  if (splitPosition >= 0) {
    branchOut.fill(0);
    branchOut[0] = BRANCH;
    branchOut[1] = 2;
    setPointer(branchOutView, NODE_HEADER_SIZE, Tag.INDEX, outPosition);
    setPointer(branchOutView, NODE_HEADER_SIZE + SLOT_SIZE, Tag.INDEX, splitPosition);
    branchOut.set(separator, SEPARATORS_OFFSET + SLOT_SIZE);
    branchOutView.setUint32(COUNTS_OFFSET, Math.floor(outCount / TWO_POW_32));
    branchOutView.setUint32(COUNTS_OFFSET + 4, outCount % TWO_POW_32);
    branchOutView.setUint32(COUNTS_OFFSET + 8, Math.floor(splitCount / TWO_POW_32));
    branchOutView.setUint32(COUNTS_OFFSET + 12, splitCount % TWO_POW_32);
    root = io.append(branchOut);
  }
  return { header: { root, count: header.count + (created ? 1 : 0) }, kv, created };
}

/** The branch at `position` (`num` children, `claimed` entries) with child `i` replaced by what the level below made of it. */
function branchUp(io: BlockIO, position: number, num: number, i: number, claimed: number): void {
  if (splitPosition < 0 && io.tx.isMutable(position)) {
    // The common case: the child's slot and count change in place, as a whole rewrite would leave them.
    const old = countAt(io, position, i);
    io.writePointer(slotAt(position, i), Tag.INDEX, outPosition);
    io.writeU64(position + COUNTS_OFFSET + 8 * i, outCount);
    outCount = claimed - old + outCount;
    outPosition = position;
    return;
  }
  readRun(io, slotAt(position, 0), SLOT_SIZE * num, slots, 0);
  readRun(io, position + SEPARATORS_OFFSET, SLOT_SIZE * num, separators, 0);
  for (let j = 0; j < num; j++) counts[j] = countAt(io, position, j);
  setPointer(slotsView, SLOT_SIZE * i, Tag.INDEX, outPosition);
  counts[i] = outCount;
  let n = num;
  if (splitPosition >= 0) {
    const after = SLOT_SIZE * (i + 1);
    slots.copyWithin(after + SLOT_SIZE, after, SLOT_SIZE * num);
    separators.copyWithin(after + SLOT_SIZE, after, SLOT_SIZE * num);
    counts.copyWithin(i + 2, i + 1, num);
    setPointer(slotsView, after, Tag.INDEX, splitPosition);
    separators.set(separator, after);
    counts[i + 1] = splitCount;
    n = num + 1;
  }
  if (n <= NODE_CAPACITY) {
    outPosition = writeNode(io, assembleBranch(0, n), position);
    outCount = sumCounts(0, n);
    splitPosition = -1;
    return;
  }
  // The right branch's first separator moves up as its separator; it stays in the right node's
  // slot 0 as well, where readers ignore it (xitdb-java writes it there too).
  for (let k = 0; k < SLOT_SIZE; k++) separator[k] = separators[SLOT_SIZE * SPLIT_LEFT + k] as number;
  outPosition = writeNode(io, assembleBranch(0, SPLIT_LEFT), position);
  outCount = sumCounts(0, SPLIT_LEFT);
  splitPosition = io.append(assembleBranch(SPLIT_LEFT, n - SPLIT_LEFT));
  splitCount = sumCounts(SPLIT_LEFT, n - SPLIT_LEFT);
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
  const depth = descend(io, header, from, key, leafAt);
  const leafPosition = leafAt.position;
  const num = leafAt.num;
  const found = entryForKey(io, leafPosition, num, key);
  if (!(found & 1)) return undefined;
  const index = found >> 1;
  readRun(io, slotAt(leafPosition, 0), SLOT_SIZE * num, slots, 0);
  slots.copyWithin(SLOT_SIZE * index, SLOT_SIZE * (index + 1), SLOT_SIZE * num);
  let below = writeNode(io, assembleLeaf(0, num - 1), leafPosition);
  for (let level = depth - 1; level >= 0; level--) {
    const position = pathPositions[level]!;
    const i = pathChoices[level]!;
    // The branch as it was (a copy when committed), with child i's slot and count changed (xitdb-java keeps the rest of the record as it was).
    const count = countAt(io, position, i) - 1;
    const target = io.tx.isMutable(position) ? position : io.copyToEnd(position, BRANCH_SIZE);
    io.writePointer(slotAt(target, i), Tag.INDEX, below);
    io.writeU64(target + COUNTS_OFFSET + 8 * i, count);
    below = target;
  }
  return { root: below, count: header.count - 1 };
}
