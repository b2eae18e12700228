// Linked list blocks as trees (FORMAT.md §Linked array lists): the Tree and
// Node shapes, decoding and encoding a block, and writing new ones. The
// invariants live in rrb-tree.ts.

import { CorruptDatabaseError } from '../errors.js';
import { LIST_SHIFT_MAX, SLOT_COUNT, SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { TAG_MASK, FULL_FLAG, Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { LINKED_BLOCK_SIZE, LINKED_SLOT_SIZE } from './linked-list-read.js';

/** Nodes other than the root and last children hold at least this many entries. */
export const MIN_CHILDREN = 8;

/** A subtree: its root block, height (0 for a leaf) and item count. */
export interface Tree {
  /** Position of the root block. */
  readonly root: number;
  /** Levels below the root; 0 when the root is a leaf. The header's shift. */
  readonly height: number;
  /** Items in the subtree. */
  readonly count: number;
}

/** One block, decoded: its non-empty entries in order. */
export interface Node {
  /** Children (branch) or values (leaf), empty slots skipped. */
  readonly slots: Slot[];
  /** Items below each entry (1 for each value of a leaf). */
  readonly sizes: number[];
  /** Where each entry's linked slot is, in the block. */
  readonly positions: number[];
}

/**
 * Reads and decodes a block. Empty slots are skipped, so a gapped block written
 * by another implementation reads the same as a packed one.
 *
 * @throws CorruptDatabaseError when a branch holds anything but index slots
 */
export function readNode(io: BlockIO, position: number, height: number): Node {
  const storage = io.storage;
  const offset = storage.locate(position, LINKED_BLOCK_SIZE);
  const view = storage.view;
  const slots: Slot[] = [];
  const sizes: number[] = [];
  const positions: number[] = [];
  for (let i = 0; i < SLOT_COUNT; i++) {
    const at = offset + i * LINKED_SLOT_SIZE;
    const tagByte = view.getUint8(at);
    const tag = tagByte & TAG_MASK;
    const full = (tagByte & FULL_FLAG) !== 0;
    if (tag === Tag.NONE && !full) continue;
    const slotPosition = position + i * LINKED_SLOT_SIZE;
    if (tag > 15) throw new CorruptDatabaseError(`unknown slot tag ${tag}`, slotPosition);
    const slot = new Slot(tag, full, view.getUint32(at + 1), view.getUint32(at + 5));
    if (height > 0) {
      if (tag !== Tag.INDEX) throw new CorruptDatabaseError(`a linked list branch holds a ${tagName(tag)}`, slotPosition);
      const hi = view.getUint32(at + 9);
      if (hi >= 0x200000) throw new CorruptDatabaseError('a linked list count is beyond 2^53', slotPosition + SLOT_SIZE);
      const size = hi * TWO_POW_32 + view.getUint32(at + 13);
      if (size === 0) throw new CorruptDatabaseError('a linked list branch points at an empty subtree', slotPosition);
      io.checkPointer(slot.position, LINKED_BLOCK_SIZE, slotPosition);
      sizes.push(size);
    } else {
      sizes.push(1);
    }
    slots.push(slot);
    positions.push(slotPosition);
  }
  // Only an empty list's root leaf may be empty; an empty branch would leave descents nowhere to go.
  if (height > 0 && slots.length === 0) throw new CorruptDatabaseError('a linked list branch holds no entries', position);
  return { slots, sizes, positions };
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

// One block's bytes, reused by every encode: writes copy what they are given, and
// a fresh Uint8Array of 272 bytes costs hundreds of nanoseconds (V8 keeps typed
// arrays over 64 bytes outside its heap).
const encoded = new Uint8Array(LINKED_BLOCK_SIZE);
const encodedView = new DataView(encoded.buffer);

/**
 * Encodes entries into a 272-byte block: left-packed, branches as full index
 * slots. Returns a shared buffer, valid until the next call: write it at once.
 */
export function encodeBlock(slots: readonly Slot[], sizes: readonly number[], height: number): Uint8Array {
  encoded.fill(0);
  const view = encodedView;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as Slot;
    const at = i * LINKED_SLOT_SIZE;
    view.setUint8(at, (slot.full ? FULL_FLAG : 0) | slot.tag);
    view.setUint32(at + 1, slot.hi);
    view.setUint32(at + 5, slot.lo);
    // Leaves store 0 here (as xitdb does); branches the count of items below.
    const size = height > 0 ? (sizes[i] as number) : 0;
    view.setUint32(at + 9, Math.floor(size / TWO_POW_32));
    view.setUint32(at + 13, size % TWO_POW_32);
  }
  return encoded;
}

/** Appends a block holding `slots`; returns it as a tree. */
export function writeTree(io: BlockIO, slots: readonly Slot[], sizes: readonly number[], height: number): Tree {
  if (slots.length === 0 || slots.length > SLOT_COUNT) throw new CorruptDatabaseError(`a linked list node cannot hold ${slots.length} entries`);
  const root = io.append(encodeBlock(slots, sizes, height));
  return { root, height, count: height > 0 ? sum(sizes) : slots.length };
}

/** The empty list's tree: an empty leaf block. */
export function emptyTree(io: BlockIO): Tree {
  return { root: io.appendZeros(LINKED_BLOCK_SIZE), height: 0, count: 0 };
}

/** A branch entry pointing at `tree`. Branch slots always carry the full flag (see FORMAT.md). */
export function branchSlot(tree: Tree): Slot {
  return Slot.pointer(Tag.INDEX, tree.root, true);
}

export function childTree(node: Node, index: number, height: number): Tree {
  return { root: (node.slots[index] as Slot).position, height: height - 1, count: node.sizes[index] as number };
}

/** Items in a perfect subtree of each height: 16^(height + 1), up to the format's deepest list. */
export const PERFECT_COUNT: readonly number[] = Array.from({ length: LIST_SHIFT_MAX + 1 }, (_, height) => SLOT_COUNT ** (height + 1));

/**
 * True when a subtree of `height` holding `count` items is perfect: every block
 * in it holds 16 entries, so every slot is used and item i sits at the radix
 * path of i. Nothing else can hold that many items at that height.
 */
export function isPerfect(count: number, height: number): boolean {
  return count === PERFECT_COUNT[height];
}

/** The tree a linked list header describes. */
export function headerTree(header: { count: number; root: number; shift: number }): Tree {
  return { root: header.root, height: header.shift, count: header.count };
}

/** Finds the entry of `node` holding item `index`; returns [entry, index within it]. */
export function locateChild(node: Node, index: number, at: number): [number, number] {
  let remaining = index;
  for (let i = 0; i < node.sizes.length; i++) {
    const size = node.sizes[i] as number;
    if (remaining < size) return [i, remaining];
    remaining -= size;
  }
  throw new CorruptDatabaseError(`a linked list node holds fewer items than its parent counts`, at);
}
