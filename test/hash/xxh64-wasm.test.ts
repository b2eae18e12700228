// Tests for the hand-assembled XXH64 WebAssembly module: published XXH64 values,
// and agreement with the xxhash-wasm package (the oracle) at every length that
// reaches a different branch of the algorithm, on random, constant, offset and
// large keys, under the format's seeds and under edge-case seeds.

import xxhash from 'xxhash-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../support/random-bytes.js';
import { Xxh64Pair, buildXxh64PairModule } from '../../src/hash/xxh64-wasm.js';
import { XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW, createXxHash128Hasher } from '../../src/hash/xxhash128.js';
import type { Hasher } from '../../src/hash/hasher.js';

// The project compiles without the DOM library, where TypeScript declares WebAssembly.
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };

type H64Raw = (input: Uint8Array, seed?: bigint) => bigint;

let h64Raw: H64Raw;
beforeAll(async () => {
  h64Raw = (await xxhash()).h64Raw;
});

const utf8 = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** What the module must produce: both oracle digests, each big-endian, as hex. */
function oracleHex(key: Uint8Array, seedA: bigint, seedB: bigint): string {
  return h64Raw(key, seedA).toString(16).padStart(16, '0') + h64Raw(key, seedB).toString(16).padStart(16, '0');
}

/** Hashes with `pair` into a fresh 16-byte array and returns it as hex. */
function pairHex(pair: Xxh64Pair, key: Uint8Array): string {
  const out = new Uint8Array(16);
  pair.hashInto(key, out);
  return hex(out);
}


describe('buildXxh64PairModule', () => {
  it('assembles a valid module small enough for synchronous compilation in browsers', () => {
    const bytes = buildXxh64PairModule(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    // Chrome refuses synchronous compilation of larger modules on the main thread.
    expect(bytes.length).toBeLessThanOrEqual(4096);
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it('is deterministic', () => {
    expect(buildXxh64PairModule(1n, 2n)).toEqual(buildXxh64PairModule(1n, 2n));
  });
});

describe('Xxh64Pair', () => {
  it('gives the published XXH64 values under seed 0', () => {
    const pair = new Xxh64Pair(0n, 0n);
    expect(pairHex(pair, new Uint8Array(0))).toBe('ef46db3751d8e999'.repeat(2));
    expect(pairHex(pair, utf8.encode('a')).slice(0, 16)).toBe('d24ec4f1a98c6e5b');
    expect(pairHex(pair, utf8.encode('abc')).slice(0, 16)).toBe('44bc2cf5ad770999');
  });

  it('equals two xxhash-wasm digests for every size from 0 to 300, 24 random keys each', () => {
    const pair = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    for (let size = 0; size <= 300; size++) {
      for (let round = 0; round < 24; round++) {
        const key = pseudoRandomBytes(size, size * 1009 + round * 7919 + 1);
        expect(pairHex(pair, key), `size ${size} round ${round}`).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      }
    }
  });

  it('equals xxhash-wasm on all-0x00 and all-0xff keys of every size from 0 to 300', () => {
    const pair = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    for (let size = 0; size <= 300; size++) {
      for (const fill of [0x00, 0xff]) {
        const key = new Uint8Array(size).fill(fill);
        expect(pairHex(pair, key), `size ${size} fill ${fill}`).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      }
    }
  });

  it('equals xxhash-wasm under seeds at the edges of the constant encoding', () => {
    // Seeds are compiled in as signed LEB128 constants, also after adding the primes,
    // so seeds with the top bit, all bits or no bits set exercise that encoding.
    const seeds = [0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0x9e3779b185ebca87n, 0x61c8864e7a143579n];
    for (let i = 0; i < seeds.length; i++) {
      const seedA = seeds[i]!;
      const seedB = seeds[(i + 3) % seeds.length]!;
      const pair = new Xxh64Pair(seedA, seedB);
      for (let size = 0; size <= 100; size++) {
        const key = pseudoRandomBytes(size, size + 31 * i + 5);
        expect(pairHex(pair, key), `seeds ${seedA} ${seedB} size ${size}`).toBe(oracleHex(key, seedA, seedB));
      }
    }
  });

  it('hashes only the bytes of a subarray view with a nonzero byte offset', () => {
    const pair = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    const whole = pseudoRandomBytes(400, 12345);
    for (const [start, size] of [[1, 0], [3, 9], [5, 16], [7, 31], [13, 32], [1, 33], [17, 100], [99, 300]] as const) {
      const view = whole.subarray(start, start + size);
      expect(pairHex(pair, view), `start ${start} size ${size}`).toBe(pairHex(pair, view.slice()));
      expect(pairHex(pair, view)).toBe(oracleHex(view.slice(), XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
    }
  });

  it('writes exactly out[0..16) and nothing around it', () => {
    const pair = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    for (const size of [0, 9, 16, 17, 40, 100]) {
      const key = pseudoRandomBytes(size, size + 77);
      const out = new Uint8Array(40).fill(0xaa);
      pair.hashInto(key, out.subarray(7));
      expect(hex(out.subarray(7, 23))).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      expect(Array.from(out.subarray(0, 7))).toEqual(new Array(7).fill(0xaa));
      expect(Array.from(out.subarray(23))).toEqual(new Array(17).fill(0xaa));
    }
  });

  it('grows its memory for large keys and keeps hashing short ones correctly after', () => {
    const pair = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    // 65,520 bytes is the largest key the first page holds after the 16-byte header.
    for (const size of [65_519, 65_520, 65_521, 100_000, 3_000_000, 200_000, 65_536 * 3 - 16]) {
      const key = pseudoRandomBytes(size, size);
      expect(pairHex(pair, key), `size ${size}`).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      const short = utf8.encode(`short after ${size}`);
      expect(pairHex(pair, short)).toBe(oracleHex(short, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
    }
  });

  it('keeps at most 1 MiB of wasm memory after keys of any size, and hashes the same on both sides of that bound', () => {
    const pair = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    const bound = 1024 * 1024 - 16;
    for (const size of [bound - 1, bound, bound + 1, 5_000_000, 300]) {
      const key = pseudoRandomBytes(size, size + 1);
      expect(pairHex(pair, key), `size ${size}`).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      expect(pair.residentMemoryBytes(), `after size ${size}`).toBeLessThanOrEqual(1024 * 1024);
    }
    // Keys up to the bound grew the resident memory to exactly 16 pages and no further.
    expect(pair.residentMemoryBytes()).toBe(1024 * 1024);
  });

  it('hashes a large key given as a subarray of a larger buffer', () => {
    const pair = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    const whole = pseudoRandomBytes(150_003, 4242);
    const view = whole.subarray(3);
    expect(pairHex(pair, view)).toBe(oracleHex(view.slice(), XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
  });
});

describe('createXxHash128Hasher on the wasm module', () => {
  let hasher: Hasher;
  beforeAll(async () => {
    hasher = await createXxHash128Hasher();
  });

  it('gives the FORMAT.md §Hashing example bytes', () => {
    expect(hex(hasher.hash(utf8.encode('foo')))).toBe('5aad8aa843ba0f22aec854e7ae71388d');
    expect(hex(hasher.hash(new Uint8Array(0)))).toBe('2c2247177d6ecd534109649279a7ea9f');
  });

  it('hash and hashInto both equal two xxhash-wasm digests for sizes 0 to 300', () => {
    const out = new Uint8Array(16);
    for (let size = 0; size <= 300; size++) {
      const key = pseudoRandomBytes(size, size + 1);
      const expected = oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
      expect(hex(hasher.hash(key)), `size ${size}`).toBe(expected);
      hasher.hashInto?.(key, out);
      expect(hex(out), `size ${size}`).toBe(expected);
    }
  });

  it('hashes "key" + i keys like xxhash-wasm', () => {
    for (let i = 0; i < 2000; i++) {
      const key = utf8.encode(`key${i}`);
      expect(hex(hasher.hash(key))).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
    }
  });
});
