// The Hasher interface (FORMAT.md §Hashing): which function turns a map key's
// bytes into the fixed-size hash that a HAMT descends by.

/**
 * A key hash function. The database header records `id` and `size`; a database
 * must always be opened with the hasher it was created with.
 */
export interface Hasher {
  /** The u32 stored in the header's hash id field (often four ASCII letters). */
  readonly id: number;
  /** Bytes per hash; stored in the header's hash size field. */
  readonly size: number;
  /**
   * Hashes a key.
   *
   * @param key - the key's bytes
   * @returns exactly {@link size} bytes
   */
  hash(key: Uint8Array): Uint8Array;
  /**
   * Optional: hashes a key into `out` (bytes 0 to {@link size} - 1) without
   * allocating the result. The engine uses it on every lookup and write when
   * present; it must give the same bytes as {@link hash}.
   *
   * @param key - the key's bytes
   * @param out - at least {@link size} bytes
   */
  hashInto?(key: Uint8Array, out: Uint8Array): void;
}
