// The 16-way radix array list (FORMAT.md §Array lists): a header (count, root
// position) over a trie of index blocks with no tail. Also the top-level
// history of moments. Get, put, append, slice (truncate) and iteration.
//
// Radix rule: a list of count c has shift 0 when c <= 16, otherwise the number
// of hex digits of c - 1, minus one. Item i sits at digit path i >> 4*shift, ...,
// i & 15. Slots past `count` may hold stale values after a slice; an append
// always clears its slot first, so a dropped value never reappears.

import { CorruptDatabaseError, InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { describe } from '../base/arguments.js';
import { ARRAY_LIST_HEADER_SIZE, BITS_PER_LEVEL, INDEX_BLOCK_SIZE, LIST_SHIFT_MAX, SLOT_COUNT, SLOT_INDEX_MASK, SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { TAG_MASK, Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';

const POW16: number[] = [];
for (let i = 0; i <= 14; i++) POW16.push(SLOT_COUNT ** i);


/**
 * FORMAT.md §Array lists, radix rule: the shift (levels below the root) for a list of `count` items.
 *
 * @param count - items in the list
 */
export function shiftForCount(count: number): number {
  if (count <= SLOT_COUNT) return 0;
  // Below 2^32: one hex digit of the last index per level, counted with clz32.
  if (count <= 4294967296) return (31 - Math.clz32(count - 1)) >>> 2;
  let last = count - 1;
  let shift = 0;
  while (last >= SLOT_COUNT) {
    last = Math.floor(last / SLOT_COUNT);
    shift++;
  }
  return shift;
}

/** An array list header: how many items, and where the root index block is. */
export interface ListHeader {
  /** Items in the list. */
  count: number;
  /** Position of the root index block. */
  root: number;
}

/**
 * Reads the 16-byte array list header at `position` (count, then root).
 *
 * @throws CorruptDatabaseError when the root points outside the data
 */
export function readListHeader(io: BlockIO, position: number): ListHeader {
  const count = io.readU64(position);
  const root = io.readU64(position + 8);
  io.checkPointer(root, INDEX_BLOCK_SIZE, position + 8);
  checkListCount(count, io.storage.size(), position);
  return { count, root };
}

/**
 * Checks a list's count against its depth limit and against the data.
 *
 * @param count - the count the header claims
 * @param dataSize - bytes in the data
 * @param at - where the header is, for errors
 * @throws CorruptDatabaseError when the count cannot be true
 */
export function checkListCount(count: number, dataSize: number, at: number): void {
  if (shiftForCount(count) >= LIST_SHIFT_MAX) throw new CorruptDatabaseError(`a list claims ${count} items, more than its depth allows`, at);
  // Every 16 items need a leaf block of their own, so a list cannot hold more
  // items than the data has slots; a larger count is damage, and trusting it
  // would let iteration run far past the data.
  if (count > Math.ceil(dataSize / SLOT_SIZE)) throw new CorruptDatabaseError(`a list claims ${count} items, more than the data can hold`, at);
}

/** Writes an array list header (count, then root) at `position`. */
export function writeListHeader(io: BlockIO, position: number, header: ListHeader): void {
  io.writeU64(position, header.count);
  io.writeU64(position + 8, header.root);
}

/** Resolves a possibly negative index against `count`; -1 is the last item. */
export function resolveIndex(index: number, count: number): number {
  if (typeof index !== 'number') throw new InvalidArgumentError(`an index is a number, not a ${describe(index)}`);
  if (!Number.isInteger(index)) throw new OutOfRangeError(`index ${index} is not an integer`);
  const resolved = index < 0 ? count + index : index;
  if (resolved < 0 || resolved >= count) throw new OutOfRangeError(`index ${index} is outside a list of ${count} items`);
  return resolved;
}

/**
 * Position of the leaf slot of item `index`, read-only. O(log16 count).
 *
 * @param io - the database
 * @param header - the list
 * @param index - 0 <= index < count
 * @throws CorruptDatabaseError when the path is broken
 */
export function listSlotPosition(io: BlockIO, header: ListHeader, index: number): number {
  const storage = io.storage;
  let block = header.root;
  // Below 2^32 the digits come from shifts: float division and modulus cost several times more.
  const small = index < 4294967296;
  for (let shift = shiftForCount(header.count); shift > 0; shift--) {
    const digit = small ? (shift < 8 ? (index >>> (BITS_PER_LEVEL * shift)) & SLOT_INDEX_MASK : 0) : Math.floor(index / (POW16[shift] as number)) % SLOT_COUNT;
    const slotPosition = block + SLOT_SIZE * digit;
    const offset = storage.locate(slotPosition, SLOT_SIZE);
    const view = storage.view;
    const tag = view.getUint8(offset) & TAG_MASK;
    if (tag !== Tag.INDEX) throw new CorruptDatabaseError(`a list branch holds tag ${tag} where an index block is needed`, slotPosition);
    const hi = view.getUint32(offset + 1);
    if (hi >= 0x200000) throw new CorruptDatabaseError('a list slot points beyond 2^53', slotPosition);
    block = io.checkPointer(hi * 4294967296 + view.getUint32(offset + 5), INDEX_BLOCK_SIZE, slotPosition);
  }
  return block + SLOT_SIZE * (small ? index & SLOT_INDEX_MASK : index % SLOT_COUNT);
}

/**
 * Makes the path to item `index` mutable (copy-on-write) and returns its leaf
 * slot position; creates missing branches when `create` is set (append). The
 * root must already be mutable. O(log16 count) reads, at most that many copies.
 */
function mutableSlotPosition(io: BlockIO, root: number, shift: number, index: number, create: boolean): number {
  const storage = io.storage;
  const tx = io.tx;
  const small = index < 4294967296;
  let block = root;
  for (let level = shift; level > 0; level--) {
    // Digits by shifts below 2^32, as in listSlotPosition; the slot decoded into locals (this runs per append).
    const digit = small ? (level < 8 ? (index >>> (BITS_PER_LEVEL * level)) & SLOT_INDEX_MASK : 0) : Math.floor(index / (POW16[level] as number)) % SLOT_COUNT;
    const slotPosition = block + SLOT_SIZE * digit;
    const offset = storage.locate(slotPosition, SLOT_SIZE);
    const view = storage.view;
    const tag = view.getUint8(offset) & TAG_MASK;
    let next: number;
    if (tag === Tag.INDEX) {
      const hi = view.getUint32(offset + 1);
      if (hi >= 0x200000) throw new CorruptDatabaseError('a list slot points beyond 2^53', slotPosition);
      next = io.checkPointer(hi * 4294967296 + view.getUint32(offset + 5), INDEX_BLOCK_SIZE, slotPosition);
      if (!tx.isMutable(next)) {
        next = io.copyToEnd(next, INDEX_BLOCK_SIZE);
        io.writePointer(slotPosition, Tag.INDEX, next);
      }
    } else if (create && tag === Tag.NONE) {
      next = io.appendZeros(INDEX_BLOCK_SIZE);
      io.writePointer(slotPosition, Tag.INDEX, next);
    } else {
      throw new CorruptDatabaseError(`a list branch holds tag ${tag} where an index block is needed`, slotPosition);
    }
    block = next;
  }
  return block + SLOT_SIZE * (small ? index & SLOT_INDEX_MASK : index % SLOT_COUNT);
}

/** Copies the root block when it belongs to committed or frozen data. */
function mutableRoot(io: BlockIO, header: ListHeader): number {
  return io.tx.isMutable(header.root) ? header.root : io.copyToEnd(header.root, INDEX_BLOCK_SIZE);
}

/**
 * Appends one item: grows the root when the radix needs another level, makes
 * the path mutable, clears the new slot. Returns the new header (the caller
 * writes it) and the new slot's position. O(log16 count).
 */
export function listAppend(io: BlockIO, header: ListHeader): { header: ListHeader; slotPosition: number } {
  const index = header.count;
  const previousShift = shiftForCount(header.count);
  const nextShift = shiftForCount(header.count + 1);
  if (nextShift >= LIST_SHIFT_MAX) throw new OutOfRangeError('the list is at its maximum length');
  let root: number;
  if (nextShift > previousShift) {
    // Root overflow: a new root whose first slot is the old root.
    root = io.appendZeros(INDEX_BLOCK_SIZE);
    io.writeSlot(root, Slot.pointer(Tag.INDEX, header.root));
  } else {
    root = mutableRoot(io, header);
  }
  const slotPosition = mutableSlotPosition(io, root, nextShift, index, true);
  io.writeSlot(slotPosition, Slot.EMPTY);
  return { header: { count: header.count + 1, root }, slotPosition };
}

/**
 * Makes item `index` writable. Returns the possibly moved root and the slot position.
 * O(log16 count).
 */
export function listPut(io: BlockIO, header: ListHeader, index: number): { header: ListHeader; slotPosition: number } {
  const root = mutableRoot(io, header);
  const slotPosition = mutableSlotPosition(io, root, shiftForCount(header.count), index, false);
  return { header: { count: header.count, root }, slotPosition };
}

/**
 * Truncates to the first `count` items (FORMAT.md §Array lists, slice): the
 * root follows first slots down while the shift shrinks. Writes nothing but
 * returns the new header. O(levels dropped).
 */
export function listSlice(io: BlockIO, header: ListHeader, count: number): ListHeader {
  if (typeof count !== 'number') throw new InvalidArgumentError(`a slice keeps a number of items, not a ${describe(count)}`);
  if (!Number.isInteger(count) || count < 0 || count > header.count) {
    throw new OutOfRangeError(`cannot slice a list of ${header.count} items to ${String(count)}`);
  }
  let root = header.root;
  for (let shift = shiftForCount(header.count); shift > shiftForCount(count); shift--) {
    const slot = io.readSlot(root);
    if (slot.tag !== Tag.INDEX) throw new CorruptDatabaseError(`a list branch holds tag ${slot.tag} where an index block is needed`, root);
    root = io.checkPointer(slot.position, INDEX_BLOCK_SIZE, root);
  }
  return { count, root };
}

/**
 * Visits the slot positions of items `start` to count - 1 in order, reading each
 * leaf block once. O(count) total.
 */
export function* listSlotPositions(io: BlockIO, header: ListHeader, start = 0): Generator<number, void, undefined> {
  for (let index = start; index < header.count; ) {
    const first = listSlotPosition(io, header, index);
    const inLeaf = Math.min(SLOT_COUNT - (index % SLOT_COUNT), header.count - index);
    for (let i = 0; i < inLeaf; i++) yield first + SLOT_SIZE * i;
    index += inLeaf;
  }
}

/** The size of an array list record: header then its first root block. */
export const ARRAY_LIST_RECORD_SIZE = ARRAY_LIST_HEADER_SIZE + INDEX_BLOCK_SIZE;
