// Creating a structure in an empty slot and making an existing one mutable
// (copy-on-write of its top record), for every structure tag, through its
// descriptor (FORMAT.md §Hash maps, §Counted structures, §Array lists).

import { WrongTypeError } from '../errors.js';
import { SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { TAG_MASK, Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import type { StructureKind } from '../core/kind.js';
import type { StructureTag } from '../core/structures.js';
import { structureKind } from './table.js';

/**
 * Makes the structure in the slot at `slotPosition` exist and be mutable,
 * creating an empty one of `tag` in an empty slot and copying a committed or
 * frozen one to the end. Returns the record's position. O(1).
 *
 * @throws WrongTypeError when the slot holds another kind of value
 * @throws CorruptDatabaseError when the record lies past the data
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
  const kind = structureKind(tag) as StructureKind;
  const slot = io.readSlot(slotPosition);
  if (slot.tag === Tag.NONE) {
    const position = kind.create(io);
    io.writeSlot(slotPosition, Slot.pointer(tag, position));
    return position;
  }
  if (slot.tag !== tag) {
    throw new WrongTypeError(`expected a ${tagName(tag)}, found a ${tagName(slot.tag)}`);
  }
  const position = slot.position;
  if (io.tx.isMutable(position)) return position;
  const copy = kind.copyTop(io, position, slotPosition);
  io.writeSlot(slotPosition, Slot.pointer(tag, copy));
  return copy;
}
