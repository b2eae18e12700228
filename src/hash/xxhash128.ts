// The default key hasher (hash id `xx16`, 16 bytes): two xxh64 digests of the key
// under two fixed seeds, concatenated big-endian. Built on the `xxhash-wasm`
// package, which must be initialised asynchronously once; after that every hash
// is synchronous. The seeds and byte order are part of the file format.

import xxhash from 'xxhash-wasm';
import { hashIdFromName } from '../format/file-header.js';
import type { Hasher } from './hasher.js';

/** The header's hash id for this hasher: the ASCII letters `xx16` (xxhash, 16 bytes). */
export const XXHASH128_ID = hashIdFromName('xx16');

/** Bytes per hash: two 8-byte xxh64 digests. */
export const XXHASH128_SIZE = 16;

/**
 * Seed of the xxh64 digest stored in bytes 0..7 of the hash: the first 64 bits of
 * the fractional part of sqrt(2) (also SHA-512's first initial value). Chosen as a
 * nothing-up-my-sleeve odd constant.
 *
 * Part of the file format: changing it makes every existing `xx16` database unreadable.
 */
export const XXHASH128_SEED_HIGH = 0x6a09e667f3bcc909n;

/**
 * Seed of the xxh64 digest stored in bytes 8..15 of the hash: the first 64 bits of
 * the fractional part of sqrt(3) (also SHA-512's second initial value). Odd, and
 * unrelated to {@link XXHASH128_SEED_HIGH} so the two halves are independent.
 *
 * Part of the file format: changing it makes every existing `xx16` database unreadable.
 */
export const XXHASH128_SEED_LOW = 0xbb67ae8584caa73bn;

// Both digests are written into this scratch view and copied out, so a hash
// allocates nothing past the two bigints the wasm API returns. Safe to share
// because hashing is synchronous and never re-entered.
const scratchBytes = new Uint8Array(XXHASH128_SIZE);
const scratchView = new DataView(scratchBytes.buffer);

/** The hasher once the wasm module is ready; undefined before. */
let instance: Hasher | undefined;
/** The one initialisation in flight or done, shared by every caller. */
let instancePromise: Promise<Hasher> | undefined;

/**
 * Creates (once) and returns the default 128-bit xxhash key hasher.
 *
 * The first call compiles and instantiates the xxhash WebAssembly module; later
 * calls, including ones made while the first is still pending, share the same
 * promise and the same hasher. If initialisation fails the cache is cleared so
 * a later call can try again.
 *
 * @returns a promise of the hasher: id {@link XXHASH128_ID}, size {@link XXHASH128_SIZE}
 *
 * Cost: one wasm instantiation on the first call (about a millisecond), O(1)
 * afterwards. Each `hash(key)` is O(key size): the key is copied into wasm memory
 * twice (once per digest); `hash` allocates the 16-byte result, `hashInto` only
 * the two bigints the wasm API returns.
 *
 * @example
 * ```ts
 * const hasher = await createXxHash128Hasher();
 * const hash = hasher.hash(new TextEncoder().encode('name')); // 16 bytes
 * ```
 */
export function createXxHash128Hasher(): Promise<Hasher> {
  // Not declared `async`, so that concurrent callers receive the very same promise.
  if (instancePromise === undefined) {
    instancePromise = xxhash().then(
      (api) => {
        const h64Raw = api.h64Raw;
        const hashInto = (key: Uint8Array, out: Uint8Array): void => {
          // setBigUint64 writes big-endian by default, the byte order the format fixes.
          scratchView.setBigUint64(0, h64Raw(key, XXHASH128_SEED_HIGH));
          scratchView.setBigUint64(8, h64Raw(key, XXHASH128_SEED_LOW));
          for (let i = 0; i < XXHASH128_SIZE; i++) out[i] = scratchBytes[i] as number;
        };
        const hasher: Hasher = {
          id: XXHASH128_ID,
          size: XXHASH128_SIZE,
          hash(key: Uint8Array): Uint8Array {
            const out = new Uint8Array(XXHASH128_SIZE);
            hashInto(key, out);
            return out;
          },
          hashInto,
        };
        instance = hasher;
        return hasher;
      },
      (error: unknown) => {
        instancePromise = undefined;
        throw error;
      },
    );
  }
  return instancePromise;
}

/**
 * Returns the default hasher if {@link createXxHash128Hasher} has already finished
 * initialising it, for synchronous code paths that cannot await.
 *
 * @returns the hasher, or undefined when it is not ready yet
 *
 * Cost: O(1).
 */
export function xxHash128Sync(): Hasher | undefined {
  return instance;
}
