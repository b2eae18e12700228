// The slot tag table (FORMAT.md §Tags). A tag is the low 7 bits of a slot's
// first byte; the high bit is the `full` flag.

/** FORMAT.md §Tags: what a slot's value means. */
export const Tag = {
  NONE: 0,
  INDEX: 1,
  ARRAY_LIST: 2,
  LINKED_ARRAY_LIST: 3,
  HASH_MAP: 4,
  KV_PAIR: 5,
  BYTES: 6,
  SHORT_BYTES: 7,
  UINT: 8,
  INT: 9,
  FLOAT: 10,
  HASH_SET: 11,
  COUNTED_HASH_MAP: 12,
  COUNTED_HASH_SET: 13,
} as const;

/** A tag number, 0 to 13 in this build. */
export type TagValue = (typeof Tag)[keyof typeof Tag];

/** FORMAT.md §Tags: the highest tag this build understands. Tags 14 and 15 are gen-2 sorted maps and sets. */
export const MAX_KNOWN_TAG = 13;

/** FORMAT.md §Slot: the high bit of the tag byte. */
export const FULL_FLAG = 0x80;
/** FORMAT.md §Slot: the low seven bits of the tag byte. */
export const TAG_MASK = 0x7f;

const TAG_NAMES = [
  'none',
  'index',
  'array_list',
  'linked_array_list',
  'hash_map',
  'kv_pair',
  'bytes',
  'short_bytes',
  'uint',
  'int',
  'float',
  'hash_set',
  'counted_hash_map',
  'counted_hash_set',
  'sorted_map',
  'sorted_set',
];

/**
 * The FORMAT.md name of a tag, for messages and dumps.
 *
 * @param tag - a tag number
 * @returns its name, or `tag N` for an unknown one
 */
export function tagName(tag: number): string {
  return TAG_NAMES[tag] ?? `tag ${tag}`;
}

/** True for tags whose slot value is a position of a record elsewhere in the database. */
export function isPointerTag(tag: number): boolean {
  switch (tag) {
    case Tag.INDEX:
    case Tag.ARRAY_LIST:
    case Tag.LINKED_ARRAY_LIST:
    case Tag.HASH_MAP:
    case Tag.KV_PAIR:
    case Tag.BYTES:
    case Tag.HASH_SET:
    case Tag.COUNTED_HASH_MAP:
    case Tag.COUNTED_HASH_SET:
      return true;
    default:
      return false;
  }
}
