// The default key hasher (hash id `xx16`, 16 bytes): two xxh64 digests of the key
// under two fixed seeds, concatenated big-endian. Computed by our own small
// WebAssembly module (xxh64-wasm.ts), which hashes both seeds in one call and
// compiles synchronously; where WebAssembly is missing or refused (a strict
// Content-Security-Policy), by the same function in plain JS (xxh64-js.ts).
// The seeds and byte order are part of the file format.

import { hashIdFromName } from '../format/file-header.js';
import type { Hasher } from './hasher.js';
import { Xxh64PairJs } from './xxh64-js.js';
import { Xxh64Pair } from './xxh64-wasm.js';

/**
 * The part of the WebAssembly JS API this file uses: only to tell a refusal to
 * compile from other failures. Declared here because the project compiles
 * without the DOM library.
 */
declare const WebAssembly: { CompileError: new (...args: never[]) => Error } | undefined;

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

/** Wraps an engine's `hashInto` as the `xx16` {@link Hasher}. */
function xx16Hasher(pair: Xxh64Pair | Xxh64PairJs): Hasher {
  return {
    id: XXHASH128_ID,
    size: XXHASH128_SIZE,
    hash(key: Uint8Array): Uint8Array {
      const out = new Uint8Array(XXHASH128_SIZE);
      pair.hashInto(key, out);
      return out;
    },
    hashInto(key: Uint8Array, out: Uint8Array): void {
      pair.hashInto(key, out);
    },
  };
}

/**
 * The default `xx16` key hasher computed in plain JavaScript, with exactly the
 * bytes of the WebAssembly one. {@link createXxHash128Hasher} returns this very
 * object where WebAssembly is missing or refused; pass it as `hasher` to use it
 * anywhere else (a database written with either opens with the other).
 *
 * Cost: O(key size) per hash with no allocation in `hashInto`, but slower than
 * the WebAssembly hasher: 3 to 4 times on 16-byte keys and 20 to 35 times
 * on 1 KB keys (bench/hash.mjs in Node, and chromium; the README gives the numbers).
 *
 * @example
 * ```ts
 * const db = await open(bytes, { hasher: xxHash128JsHasher });
 * ```
 */
export const xxHash128JsHasher: Hasher = xx16Hasher(new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));

/**
 * Whether `error`, thrown while compiling or instantiating the module, means the
 * runtime refuses WebAssembly rather than that something else went wrong. The
 * module is valid (its tests compile it), so a CompileError can only be a
 * refusal: Chromium and Firefox throw one under a Content-Security-Policy
 * without `wasm-unsafe-eval`; WebKit throws an EvalError, as it does for `eval`.
 */
function isWasmRefusal(error: unknown): boolean {
  if (error instanceof EvalError) return true;
  return WebAssembly !== undefined && error instanceof WebAssembly.CompileError;
}

/** The hasher once it is built; undefined before. */
let instance: Hasher | undefined;
/** The promise every caller of {@link createXxHash128Hasher} receives. */
let instancePromise: Promise<Hasher> | undefined;

/**
 * Creates (once) and returns the default 128-bit xxhash key hasher.
 *
 * The first call compiles and instantiates a small WebAssembly module
 * synchronously; the promise is already settled when it is returned, and later
 * calls return the very same promise and hasher. Where WebAssembly is missing,
 * or refused (a Content-Security-Policy without `wasm-unsafe-eval` makes
 * compiling throw), the hasher is {@link xxHash128JsHasher}: the same bytes,
 * computed in plain JavaScript, more slowly. Any other failure rejects the
 * promise and nothing is cached, so a later call tries again. It stays
 * asynchronous so that callers do not depend on how the module is started.
 *
 * @returns a promise of the hasher: id {@link XXHASH128_ID}, size {@link XXHASH128_SIZE}
 *
 * Cost: building and compiling the module on the first call (well under a
 * millisecond), O(1) afterwards. Each `hash(key)` or `hashInto(key, out)` is
 * O(key size): one copy of the key into wasm memory and one wasm call for both
 * digests; `hash` allocates the 16-byte result, `hashInto` nothing (except that
 * a key longer than 64 KB and than every earlier key grows the wasm memory, up
 * to 1 MiB for good, and a key over 1 MiB gets a throwaway instance). The JS
 * fallback allocates nothing in `hashInto` and is slower (see {@link xxHash128JsHasher}).
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
    let hasher: Hasher;
    if (typeof WebAssembly === 'undefined') {
      hasher = xxHash128JsHasher;
    } else {
      try {
        hasher = xx16Hasher(new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      } catch (error: unknown) {
        if (!isWasmRefusal(error)) return Promise.reject(error);
        hasher = xxHash128JsHasher;
      }
    }
    instance = hasher;
    instancePromise = Promise.resolve(hasher);
  }
  return instancePromise;
}

/**
 * Returns the default hasher if {@link createXxHash128Hasher} has already built it
 * (which it does before returning its promise), for synchronous code paths that
 * cannot await.
 *
 * @returns the hasher, or undefined when it is not ready yet
 *
 * Cost: O(1).
 */
export function xxHash128Sync(): Hasher | undefined {
  return instance;
}
