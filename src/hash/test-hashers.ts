// Tiny deterministic hashers that exist only for tests: 1- to 4-byte hashes make
// HAMT collisions and deep descents common, and a table-driven hasher lets a test
// dictate exactly which nibbles two keys share. Never use them for real data.

import { InvalidArgumentError } from '../errors.js';
import { hashIdFromName } from '../format/file-header.js';
import type { Hasher } from './hasher.js';

/**
 * FNV-1a, 32-bit: a simple, well-known byte hash used as {@link tinyHasher}'s default.
 *
 * @param key - the bytes to hash
 * @returns an unsigned 32-bit integer
 *
 * Cost: O(key size), no allocation.
 */
export function fnv1a32(key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key[i]!;
    // Math.imul keeps the multiply by the FNV prime exact modulo 2^32.
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Makes a test hasher whose hash is the low `size` bytes, big-endian, of `fn(key)`.
 * With one or two bytes, collisions of the whole hash and shared nibble prefixes
 * are frequent, which is what HAMT edge-case tests need. For tests only.
 *
 * @param size - bytes per hash, 1 to 4
 * @param fn - the key's 32-bit hash (only the low `size` bytes are kept); FNV-1a by default
 * @returns a hasher with id `tst1`..`tst4` and the given size
 * @throws InvalidArgumentError when `size` is not 1, 2, 3 or 4
 *
 * Cost: O(key size) for the default `fn`; one `size`-byte allocation per hash.
 *
 * @example
 * ```ts
 * const hasher = tinyHasher(1); // 256 possible hashes: collisions after a few dozen keys
 * ```
 */
export function tinyHasher(size: 1 | 2 | 3 | 4, fn: (key: Uint8Array) => number = fnv1a32): Hasher {
  // The type already says 1..4, but tests often compute sizes, so check at run time too.
  if (size !== 1 && size !== 2 && size !== 3 && size !== 4) {
    throw new InvalidArgumentError(`a tiny test hash has 1 to 4 bytes, got ${String(size)}`);
  }
  return {
    id: hashIdFromName(`tst${size}`),
    size,
    hash(key: Uint8Array): Uint8Array {
      const value = fn(key) >>> 0;
      const out = new Uint8Array(size);
      // Big-endian: the last byte of the hash is the value's lowest byte.
      for (let i = 0; i < size; i++) out[i] = value >>> (8 * (size - 1 - i));
      return out;
    },
  };
}

/**
 * Makes a test hasher that looks each key's hash up in a table, keyed by the key's
 * UTF-8 text, so a test can choose exactly which nibbles two keys share (or make two
 * keys collide completely). For tests only.
 *
 * @param size - bytes per hash; every table entry must have this many bytes
 * @param table - UTF-8 key text to its hash; read on every call, so a test may add entries later
 * @returns a hasher with id `tstf` and the given size
 * @throws InvalidArgumentError when `size` is not a whole number from 1 to 64, or an
 *   entry has the wrong size; the returned hasher throws it for a key not in the table
 *
 * Cost: O(key size) to decode the key plus one map lookup; one copy of the hash per call,
 * so callers may not alter the table's arrays through the result.
 *
 * @example
 * ```ts
 * const hasher = fixedHasher(2, new Map([['a', Uint8Array.of(0x12, 0x34)], ['b', Uint8Array.of(0x12, 0x35)]]));
 * ```
 */
export function fixedHasher(size: number, table: Map<string, Uint8Array>): Hasher {
  // 64 is the largest hash size the file header accepts.
  if (!Number.isInteger(size) || size < 1 || size > 64) {
    throw new InvalidArgumentError(`a hash has 1 to 64 bytes, got ${size}`);
  }
  for (const [text, hash] of table) {
    if (hash.length !== size) {
      throw new InvalidArgumentError(`the test hash for "${text}" has ${hash.length} bytes, expected ${size}`);
    }
  }
  // fatal: a key that is not valid UTF-8 is a test bug, better reported than replaced.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  return {
    id: hashIdFromName('tstf'),
    size,
    hash(key: Uint8Array): Uint8Array {
      const text = decoder.decode(key);
      const hash = table.get(text);
      if (hash === undefined) throw new InvalidArgumentError(`the fixed test hasher has no hash for the key "${text}"`);
      if (hash.length !== size) {
        throw new InvalidArgumentError(`the test hash for "${text}" has ${hash.length} bytes, expected ${size}`);
      }
      return hash.slice();
    },
  };
}
