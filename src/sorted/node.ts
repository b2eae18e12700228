// The records of a sorted map or set (FORMAT.md §Sorted maps): the 16-byte
// header, leaf and branch nodes, and the byte comparison of keys. Decoding
// checks what a descent relies on, so damaged nodes fail here with
// CorruptDatabaseError instead of misleading the walks above.

import { CorruptDatabaseError } from '../errors.js';
import { FORMAT_TAG_SIZE, LONG_BYTES_LENGTH_SIZE, SLOT_COUNT, SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot, readSlotFrom } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';

/** FORMAT.md §Sorted maps: count u64, then root node position u64. */
export const SORTED_HEADER_SIZE = 16;
/** FORMAT.md §Sorted maps: a node starts with its kind (u8) and its entry count (u8). */
export const NODE_HEADER_SIZE = 2;
/** FORMAT.md §Sorted maps: most entries of a leaf, children of a branch. */
export const NODE_CAPACITY = SLOT_COUNT;
/** FORMAT.md §Sorted maps: entries (or children) that stay in the left node of a split. */
export const SPLIT_LEFT = (NODE_CAPACITY + 1) >> 1;
/** FORMAT.md §Sorted maps: kind byte, count byte, 16 kv_pair slots. */
export const LEAF_SIZE = NODE_HEADER_SIZE + SLOT_SIZE * NODE_CAPACITY;
/** FORMAT.md §Sorted maps: kind byte, count byte, 16 child slots, 16 separator slots, 16 u64 counts. */
export const BRANCH_SIZE = NODE_HEADER_SIZE + (2 * SLOT_SIZE + 8) * NODE_CAPACITY;
/** Where a branch's separator slots start. */
export const SEPARATORS_OFFSET = NODE_HEADER_SIZE + SLOT_SIZE * NODE_CAPACITY;
/** Where a branch's u64 counts start. */
export const COUNTS_OFFSET = NODE_HEADER_SIZE + 2 * SLOT_SIZE * NODE_CAPACITY;
/** FORMAT.md §Sorted maps: the kind byte of a leaf. */
export const LEAF = 0;
/** FORMAT.md §Sorted maps: the kind byte of a branch. */
export const BRANCH = 1;
/**
 * FORMAT.md §Limits: the deepest a sorted map's root-to-leaf path may be. Every
 * branch has at least two children, so a tree of height h holds at least
 * 2^(h-1) leaves of 146 bytes; 2^53 bytes of data cannot hold a tree of height 48.
 */
export const SORTED_DEPTH_MAX = 48;

/** A sorted map's header. */
export interface SortedHeader {
  /** Entries in the map. */
  readonly count: number;
  /** Position of the root node. */
  readonly root: number;
}

/** Reads the header at `position` (pointed at from the slot at `from`). */
export function readSortedHeader(io: BlockIO, position: number, from: number): SortedHeader {
  io.checkPointer(position, SORTED_HEADER_SIZE, from);
  return { count: io.readU64(position), root: io.readU64(position + 8) };
}

/**
 * A node as its record's bytes (a private copy), with readers for its fields.
 * Leaves use the slots for their kv_pair slots; branches for their children.
 * The Slot arrays (`slots`, `separators`, `counts`) are decoded on first use,
 * for checkers; the hot paths read the bytes.
 */
export class SortedNode {
  /** {@link LEAF} or {@link BRANCH}. */
  readonly kind: number;
  /** Entries (leaf) or children (branch) in use. */
  readonly num: number;
  /** The record, {@link LEAF_SIZE} or {@link BRANCH_SIZE} bytes. */
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private decoded: { slots: Slot[]; separators: Slot[]; counts: number[] } | undefined = undefined;

  /** A node over `bytes` (kept, not copied), or a new zeroed one; its kind and num bytes are set. */
  constructor(kind: number, num: number, bytes?: Uint8Array) {
    this.kind = kind;
    this.num = num;
    this.bytes = bytes ?? new Uint8Array(kind === LEAF ? LEAF_SIZE : BRANCH_SIZE);
    this.bytes[0] = kind;
    this.bytes[1] = num;
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** The position slot `i` points at (a leaf's kv pair, a branch's child). */
  position(i: number): number {
    const offset = NODE_HEADER_SIZE + SLOT_SIZE * i;
    return this.view.getUint32(offset + 1) * TWO_POW_32 + this.view.getUint32(offset + 5);
  }

  /** A branch's count of entries under child `i`. */
  count(i: number): number {
    const offset = COUNTS_OFFSET + 8 * i;
    return this.view.getUint32(offset) * TWO_POW_32 + this.view.getUint32(offset + 4);
  }

  /** Compares separator `i` of a branch with `key` (see {@link compareKey}). */
  compareSeparator(io: BlockIO, i: number, key: Uint8Array, from: number): number {
    const offset = SEPARATORS_OFFSET + SLOT_SIZE * i;
    const tagByte = this.bytes[offset] as number;
    return compareKeyParts(io, tagByte & 0x7f, (tagByte & 0x80) !== 0, this.view.getUint32(offset + 1), this.view.getUint32(offset + 5), key, from);
  }

  /** Entries below the node: its own for a leaf, the sum of its children's counts for a branch. */
  total(): number {
    if (this.kind === LEAF) return this.num;
    let sum = 0;
    for (let i = 0; i < this.num; i++) sum += this.count(i);
    return sum;
  }

  /** Bytes of the node's record. */
  size(): number {
    return this.bytes.length;
  }

  /** The 16 slots, decoded. */
  get slots(): Slot[] {
    return this.decode().slots;
  }

  /** A branch's 16 separator slots, decoded; `separators[0]` is unused. */
  get separators(): Slot[] {
    return this.decode().separators;
  }

  /** A branch's 16 counts. */
  get counts(): number[] {
    return this.decode().counts;
  }

  private decode(): { slots: Slot[]; separators: Slot[]; counts: number[] } {
    if (this.decoded !== undefined) return this.decoded;
    const slots: Slot[] = [];
    const separators: Slot[] = [];
    const counts: number[] = [];
    for (let i = 0; i < NODE_CAPACITY; i++) {
      slots.push(readSlotFrom(this.view, NODE_HEADER_SIZE + SLOT_SIZE * i));
      separators.push(this.kind === BRANCH ? readSlotFrom(this.view, SEPARATORS_OFFSET + SLOT_SIZE * i) : Slot.EMPTY);
      counts.push(this.kind === BRANCH ? this.count(i) : 0);
    }
    this.decoded = { slots, separators, counts };
    return this.decoded;
  }
}

/**
 * Reads the node at `position` (pointed at from `from`) into a private copy.
 * Checks its kind, its entry count, that it lies inside the data, that a
 * leaf's used slots are kv pairs and a branch's children are index slots,
 * that every tag is known and every used position and count below 2^53.
 *
 * @throws CorruptDatabaseError otherwise
 */
export function readNode(io: BlockIO, position: number, from: number): SortedNode {
  io.checkPointer(position, NODE_HEADER_SIZE, from);
  const storage = io.storage;
  const offset = storage.locate(position, NODE_HEADER_SIZE);
  const kind = storage.view.getUint8(offset);
  const num = storage.view.getUint8(offset + 1);
  if (kind !== LEAF && kind !== BRANCH) throw new CorruptDatabaseError(`a sorted map node has kind ${kind}; only 0 (leaf) and 1 (branch) exist`, position);
  if (num > NODE_CAPACITY) throw new CorruptDatabaseError(`a sorted map node claims ${num} entries, more than ${NODE_CAPACITY}`, position + 1);
  const size = kind === LEAF ? LEAF_SIZE : BRANCH_SIZE;
  io.checkPointer(position, size, from);
  const bytes = io.readBytes(position, size);
  const wanted = kind === LEAF ? Tag.KV_PAIR : Tag.INDEX;
  for (let i = 0; i < NODE_CAPACITY; i++) {
    const at = NODE_HEADER_SIZE + SLOT_SIZE * i;
    const tag = (bytes[at] as number) & 0x7f;
    if (tag > 15) throw new CorruptDatabaseError(`unknown slot tag ${tag}`, position + at);
    if (i < num && tag !== wanted) {
      throw new CorruptDatabaseError(`slot ${i} of a sorted map ${kind === LEAF ? 'leaf' : 'branch'} holds a ${tagName(tag)}, not a ${tagName(wanted)}`, position + at);
    }
    if (i < num && (bytes[at + 1] !== 0 || bytes[at + 2] !== 0 || (bytes[at + 3] as number) >= 0x20)) {
      throw new CorruptDatabaseError(`slot ${i} of a sorted map node points beyond 2^53`, position + at);
    }
  }
  if (kind === BRANCH) {
    if (num === 0) throw new CorruptDatabaseError('a sorted map branch has no children', position + 1);
    for (let i = 0; i < NODE_CAPACITY; i++) {
      const at = SEPARATORS_OFFSET + SLOT_SIZE * i;
      const tag = (bytes[at] as number) & 0x7f;
      if (tag > 15) throw new CorruptDatabaseError(`unknown slot tag ${tag}`, position + at);
      const count = COUNTS_OFFSET + 8 * i;
      if (bytes[count] !== 0 || (bytes[count + 1] as number) >= 0x20) throw new CorruptDatabaseError('a sorted map branch count is beyond 2^53', position + count);
    }
  }
  return new SortedNode(kind, num, bytes);
}

/** Where slot `i` of the node at `position` lies (a leaf's kv_pair slot, a branch's child slot). */
export function nodeSlotPosition(position: number, i: number): number {
  return position + NODE_HEADER_SIZE + SLOT_SIZE * i;
}

const keyScratch = new Uint8Array(8);

/**
 * Compares the key held in `slot` (short or long bytes; a format tag, which
 * xitdb never writes on sorted keys, is not part of the comparison) with
 * `key`, byte by byte as unsigned numbers, a prefix first. Allocates nothing.
 *
 * @returns a negative number, 0 or a positive number as the stored key is before, equal to or after `key`
 * @throws CorruptDatabaseError when the slot holds no bytes or its record lies past the data
 */
export function compareKey(io: BlockIO, slot: Slot, key: Uint8Array, from: number): number {
  return compareKeyParts(io, slot.tag, slot.full, slot.hi, slot.lo, key, from);
}

/** {@link compareKey} on a slot's decoded parts, so that a node's bytes need no Slot. */
export function compareKeyParts(io: BlockIO, tag: number, full: boolean, hi: number, lo: number, key: Uint8Array, from: number): number {
  if (tag === Tag.SHORT_BYTES) {
    const scratch = keyScratch;
    scratch[0] = hi >>> 24;
    scratch[1] = (hi >>> 16) & 0xff;
    scratch[2] = (hi >>> 8) & 0xff;
    scratch[3] = hi & 0xff;
    scratch[4] = lo >>> 24;
    scratch[5] = (lo >>> 16) & 0xff;
    scratch[6] = (lo >>> 8) & 0xff;
    scratch[7] = lo & 0xff;
    const capacity = full ? 6 : 8;
    let length = 0;
    while (length < capacity && scratch[length] !== 0) length++;
    return compareRange(scratch, 0, length, key);
  }
  if (tag !== Tag.BYTES) throw new CorruptDatabaseError(`a sorted map key is a ${tagName(tag)}, not bytes`, from);
  if (hi >= 0x200000) throw new CorruptDatabaseError('a sorted map key points beyond 2^53', from);
  const position = io.checkPointer(hi * TWO_POW_32 + lo, LONG_BYTES_LENGTH_SIZE, from);
  const length = io.readU64(position);
  if (position + LONG_BYTES_LENGTH_SIZE + length + (full ? FORMAT_TAG_SIZE : 0) > io.storage.size()) {
    throw new CorruptDatabaseError(`a sorted map key claims ${length} bytes, more than the data holds`, position);
  }
  // Only the bytes a decision needs: a prefix of the stored key one longer than `key`.
  const needed = Math.min(length, key.length + 1);
  const offset = io.storage.locate(position + LONG_BYTES_LENGTH_SIZE, needed);
  const result = compareRange(io.storage.bytes, offset, needed, key);
  if (result !== 0 || needed === length) return result;
  return 1;
}

/** Compares the key of the kv pair at `kv` with `key` (see {@link compareKey}), in place. */
export function compareEntry(io: BlockIO, kv: number, key: Uint8Array): number {
  io.checkPointer(kv, io.hashSize + 2 * SLOT_SIZE, kv);
  const keyPosition = kv + io.hashSize;
  const storage = io.storage;
  const offset = storage.locate(keyPosition, SLOT_SIZE);
  const view = storage.view;
  const tagByte = view.getUint8(offset);
  return compareKeyParts(io, tagByte & 0x7f, (tagByte & 0x80) !== 0, view.getUint32(offset + 1), view.getUint32(offset + 5), key, keyPosition);
}

function compareRange(bytes: Uint8Array, offset: number, length: number, key: Uint8Array): number {
  const shared = Math.min(length, key.length);
  for (let i = 0; i < shared; i++) {
    const diff = (bytes[offset + i] as number) - (key[i] as number);
    if (diff !== 0) return diff;
  }
  return length - key.length;
}
