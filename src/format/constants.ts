// Sizes and limits of the xitdb byte format (FORMAT.md, "Records" and "Limits").
// Every record's size lives here so the spec and the code cite one place.

/** FORMAT.md §File header: magic `xit`, root tag, version, hash size, hash id. */
export const FILE_HEADER_SIZE = 12;
/** FORMAT.md §File header: the three magic bytes `x`, `i`, `t`. */
export const MAGIC = new Uint8Array([0x78, 0x69, 0x74]);
/** FORMAT.md §File header: the only version this build reads and writes. */
export const FORMAT_VERSION = 0;
/** FORMAT.md §Slot: 1 tag byte + 8 value bytes. */
export const SLOT_SIZE = 9;
/** FORMAT.md §Index block: bits of key or hash consumed per level. */
export const BITS_PER_LEVEL = 4;
/** FORMAT.md §Index block: slots per index block (16). */
export const SLOT_COUNT = 16;
/** FORMAT.md §Index block: the low {@link BITS_PER_LEVEL} bits of an index or hash, which pick a slot (15). */
export const SLOT_INDEX_MASK = SLOT_COUNT - 1;
/** FORMAT.md §Index block: 16 slots of 9 bytes. */
export const INDEX_BLOCK_SIZE = SLOT_SIZE * SLOT_COUNT;
/** FORMAT.md §Array list header: count u64 then root index position u64. */
export const ARRAY_LIST_HEADER_SIZE = 16;
/** FORMAT.md §History header: array list header plus the committed file size. */
export const HISTORY_HEADER_SIZE = 24;
/** FORMAT.md §History header: it starts right after the file header. */
export const HISTORY_HEADER_POSITION = FILE_HEADER_SIZE;
/** FORMAT.md §Counted structures: a u64 count before the root index block. */
export const COUNT_SIZE = 8;
/** FORMAT.md §Long bytes: the u64 length before the bytes. */
export const LONG_BYTES_LENGTH_SIZE = 8;
/** FORMAT.md §Format tags: always exactly two bytes. */
export const FORMAT_TAG_SIZE = 2;
/** FORMAT.md §Limits: an array list's shift is below 16 (16 levels of 4 bits = 64 bits). */
export const LIST_SHIFT_MAX = 16;
/** FORMAT.md §File header: the largest hash size a header may name, in bytes. */
export const HASH_SIZE_MAX = 64;
/** 2^32, to join two u32 halves into a position. */
export const TWO_POW_32 = 4294967296;
