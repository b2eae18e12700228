// Facts about the structure tags that the cursors need on their hot paths
// (FORMAT.md §Hash maps, §Counted structures, §Array lists). Creating and
// copying structures lives with their descriptors (src/kinds/): core sits below
// the structure folders and must not import them.

import { COUNT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';

/** The tags of structures a slot can hold. */
export type StructureTag =
  | typeof Tag.HASH_MAP
  | typeof Tag.HASH_SET
  | typeof Tag.COUNTED_HASH_MAP
  | typeof Tag.COUNTED_HASH_SET
  | typeof Tag.ARRAY_LIST
  | typeof Tag.LINKED_ARRAY_LIST
  | typeof Tag.SORTED_MAP
  | typeof Tag.SORTED_SET;

/** True for the counted map and set, whose record starts with a u64 count. */
export function isCounted(tag: number): boolean {
  return tag === Tag.COUNTED_HASH_MAP || tag === Tag.COUNTED_HASH_SET;
}

/** Position of a map's or set's root index block, given its record position. */
export function mapRootOf(tag: number, position: number): number {
  return isCounted(tag) ? position + COUNT_SIZE : position;
}
