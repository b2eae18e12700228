// The slot tag table (FORMAT.md §Tags). A tag is the low 7 bits of a slot's
// first byte; the high bit is the `full` flag.

/** FORMAT.md §Tags: what a slot's value means. */
export const Tag = {
  /** Nothing; with the full flag, a value explicitly written as none. */
  NONE: 0,
  /** An index block of 16 slots (HAMT branch, list branch). */
  INDEX: 1,
  /** An array list: value is the position of its header. */
  ARRAY_LIST: 2,
  /** A linked (RRB) array list: value is the position of its header. */
  LINKED_ARRAY_LIST: 3,
  /** A hash map: value is the position of its root index block. */
  HASH_MAP: 4,
  /** A kv pair (hash, key slot, value slot) inside a map. */
  KV_PAIR: 5,
  /** Long bytes: value is the position of a length-prefixed record. */
  BYTES: 6,
  /** Up to 8 bytes held in the value itself. */
  SHORT_BYTES: 7,
  /** An unsigned 64-bit integer held in the value. */
  UINT: 8,
  /** A signed 64-bit integer held in the value. */
  INT: 9,
  /** A 64-bit IEEE float held in the value. */
  FLOAT: 10,
  /** A hash set: a map whose values are empty. */
  HASH_SET: 11,
  /** A hash map whose record starts with its entry count. */
  COUNTED_HASH_MAP: 12,
  /** A hash set whose record starts with its member count. */
  COUNTED_HASH_SET: 13,
  /** A sorted map (gen-2 B+tree): value is the position of its header. */
  SORTED_MAP: 14,
  /** A sorted set (gen-2 B+tree): value is the position of its header. */
  SORTED_SET: 15,
} as const;

/** A tag number, 0 to 15 in this build. */
export type TagValue = (typeof Tag)[keyof typeof Tag];

/**
 * FORMAT.md §Tags: the highest tag the JS-value API reads. Tags 14 and 15, the
 * gen-2 sorted maps and sets, are read and written at the cursor level only;
 * the JS API refuses them with IncompatibleDatabaseError.
 */
export const KNOWN_TAG_MAX = 13;

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
    case Tag.SORTED_MAP:
    case Tag.SORTED_SET:
      return true;
    default:
      return false;
  }
}
