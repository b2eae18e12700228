// Creating a structure in an empty slot and making an existing one mutable
// (copy-on-write of its top record), for every structure tag (FORMAT.md
// §Hash maps, §Counted structures, §Array lists).

import { CorruptDatabaseError, WrongTypeError } from '../errors.js';
import { ARRAY_LIST_HEADER_SIZE, COUNT_SIZE, INDEX_BLOCK_SIZE, SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { TAG_MASK, Tag, tagName } from '../format/tags.js';
import { readListHeader, writeListHeader } from '../trie/array-list.js';
import { MAX_KNOWN_TAG, secondGenerationError, type BlockIO } from './block-io.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE } from '../rrb/linked-list-read.js';

/** The tags of structures a slot can hold. */
export type StructureTag =
  | typeof Tag.HASH_MAP
  | typeof Tag.HASH_SET
  | typeof Tag.COUNTED_HASH_MAP
  | typeof Tag.COUNTED_HASH_SET
  | typeof Tag.ARRAY_LIST
  | typeof Tag.LINKED_ARRAY_LIST;

/** True for the counted map and set, whose record starts with a u64 count. */
export function isCounted(tag: number): boolean {
  return tag === Tag.COUNTED_HASH_MAP || tag === Tag.COUNTED_HASH_SET;
}

/** Position of a map's or set's root index block, given its record position. */
export function mapRootOf(tag: number, position: number): number {
  return isCounted(tag) ? position + COUNT_SIZE : position;
}

/**
 * Makes the structure in the slot at `slotPosition` exist and be mutable,
 * creating an empty one of `tag` in an empty slot and copying a committed or
 * frozen one to the end. Returns the record's position.
 *
 * @throws WrongTypeError when the slot holds another kind of value
 */
export function ensureStructure(io: BlockIO, slotPosition: number, tag: StructureTag): number {
  // Fast path, taken by every write after the first: the slot already points at a mutable record.
  const offset = io.storage.locate(slotPosition, SLOT_SIZE);
  const view = io.storage.view;
  if ((view.getUint8(offset) & TAG_MASK) === tag) {
    const hi = view.getUint32(offset + 1);
    const position = hi * TWO_POW_32 + view.getUint32(offset + 5);
    if (hi < 0x200000 && io.tx.isMutable(position)) return position;
  }
  const slot = io.readSlot(slotPosition);
  if (slot.tag === Tag.NONE) {
    const position = createStructure(io, tag);
    io.writeSlot(slotPosition, Slot.pointer(tag, position));
    return position;
  }
  if (slot.tag !== tag) {
    if (slot.tag > MAX_KNOWN_TAG) throw secondGenerationError(slot.tag, slotPosition);
    throw new WrongTypeError(`expected a ${tagName(tag)}, found a ${tagName(slot.tag)}`);
  }
  const position = slot.position;
  if (io.tx.isMutable(position)) return position;
  const copy = copyStructure(io, tag, position, slotPosition);
  io.writeSlot(slotPosition, Slot.pointer(tag, copy));
  return copy;
}

/** Appends an empty structure of `tag`; returns its position. */
export function createStructure(io: BlockIO, tag: StructureTag): number {
  switch (tag) {
    case Tag.HASH_MAP:
    case Tag.HASH_SET:
      return io.appendZeros(INDEX_BLOCK_SIZE);
    case Tag.COUNTED_HASH_MAP:
    case Tag.COUNTED_HASH_SET:
      return io.appendZeros(COUNT_SIZE + INDEX_BLOCK_SIZE);
    case Tag.ARRAY_LIST: {
      const position = io.appendZeros(ARRAY_LIST_HEADER_SIZE + INDEX_BLOCK_SIZE);
      writeListHeader(io, position, { count: 0, root: position + ARRAY_LIST_HEADER_SIZE });
      return position;
    }
    case Tag.LINKED_ARRAY_LIST: {
      // Header (count 0, root right after it, shift 0) and an empty leaf, as xitdb writes them.
      const position = io.appendZeros(LINKED_LIST_HEADER_SIZE + LINKED_BLOCK_SIZE);
      io.writeU64(position + 8, position + LINKED_LIST_HEADER_SIZE);
      return position;
    }
  }
}

function copyStructure(io: BlockIO, tag: StructureTag, position: number, from: number): number {
  switch (tag) {
    case Tag.HASH_MAP:
    case Tag.HASH_SET:
      return io.copyToEnd(io.checkPointer(position, INDEX_BLOCK_SIZE, from), INDEX_BLOCK_SIZE);
    case Tag.COUNTED_HASH_MAP:
    case Tag.COUNTED_HASH_SET:
      return io.copyToEnd(io.checkPointer(position, COUNT_SIZE + INDEX_BLOCK_SIZE, from), COUNT_SIZE + INDEX_BLOCK_SIZE);
    case Tag.ARRAY_LIST: {
      // The header and the root block travel together, so the copy's root is mutable too.
      const header = readListHeader(io, io.checkPointer(position, ARRAY_LIST_HEADER_SIZE, from));
      const copy = io.appendZeros(ARRAY_LIST_HEADER_SIZE);
      const root = io.copyToEnd(header.root, INDEX_BLOCK_SIZE);
      if (root !== copy + ARRAY_LIST_HEADER_SIZE) throw new CorruptDatabaseError('list copy was not contiguous', copy);
      writeListHeader(io, copy, { count: header.count, root });
      return copy;
    }
    case Tag.LINKED_ARRAY_LIST:
      // Only the header changes in place; list blocks are copied by the list operations.
      return io.copyToEnd(io.checkPointer(position, LINKED_LIST_HEADER_SIZE, from), LINKED_LIST_HEADER_SIZE);
  }
}
