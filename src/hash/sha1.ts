// SHA-1 (FIPS 180-4 §6.1) in plain TypeScript: the key hash the Java and Zig xitdb
// implementations use, so stratadb can read and write their files. Synchronous and
// free of `node:*` imports so it runs in browsers. SHA-1 is used here as a
// well-spread, interoperable key hash, not for security.

import { hashIdFromName } from '../format/file-header.js';
import type { Hasher } from './hasher.js';

/** Bytes in a SHA-1 digest. */
const SHA1_SIZE = 20;

/** Bytes in one SHA-1 input block. */
const BLOCK_SIZE = 64;

// Scratch state shared by every call. The hash is synchronous and never re-entered,
// so one schedule, one state and one padding buffer serve all calls and no block
// allocates anything.
const schedule = new Uint32Array(80);
const state = new Int32Array(5);
// The last one or two blocks: the input's tail, the 0x80 marker, zeros and the
// 64-bit bit length. Two blocks are enough because the tail is at most 63 bytes
// and the marker plus length need 9 more.
const tailBlocks = new Uint8Array(2 * BLOCK_SIZE);

/**
 * Runs the compression function over one 64-byte block, updating {@link state}.
 *
 * Words are read with byte shifts rather than a DataView so that the caller's
 * array needs no view of its own.
 *
 * @param bytes - the input
 * @param offset - where the block starts; `offset + 64 <= bytes.length`
 */
function compressBlock(bytes: Uint8Array, offset: number): void {
  const w = schedule;
  for (let t = 0; t < 16; t++) {
    const at = offset + 4 * t;
    // Indexes are in bounds by the caller's contract; `!` avoids a branch per byte.
    w[t] = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }

  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;

  // Four loops of 20 rounds, one per round function, so no round branches on t.
  for (let t = 0; t < 20; t++) {
    const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 20; t < 40; t++) {
    const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 40; t < 60; t++) {
    const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 60; t < 80; t++) {
    const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }

  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
}

/**
 * Computes the SHA-1 digest of some bytes.
 *
 * @param data - the input; any length a Uint8Array can have
 * @returns a new 20-byte array holding the digest, big-endian as FIPS 180-4 prints it
 *
 * Cost: O(n) time, one 20-byte allocation per call; no allocation per block.
 *
 * @example
 * ```ts
 * sha1(new TextEncoder().encode('abc')); // a9 99 3e 36 ... 9c d0 d8 9d
 * ```
 */
export function sha1(data: Uint8Array): Uint8Array {
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
  state[4] = 0xc3d2e1f0 | 0;

  const size = data.length;
  const sizeFullBlocks = size - (size % BLOCK_SIZE);
  for (let offset = 0; offset < sizeFullBlocks; offset += BLOCK_SIZE) compressBlock(data, offset);

  // Padding: the tail, 0x80, zeros, then the length in bits as a big-endian u64.
  const sizeTail = size - sizeFullBlocks;
  const sizePadded = sizeTail + 9 <= BLOCK_SIZE ? BLOCK_SIZE : 2 * BLOCK_SIZE;
  tailBlocks.set(data.subarray(sizeFullBlocks), 0);
  tailBlocks[sizeTail] = 0x80;
  // Clear only what this call pads: earlier calls left their bytes in the buffer.
  tailBlocks.fill(0, sizeTail + 1, sizePadded - 8);
  // The bit length can exceed 2^32, so split it without 32-bit overflow:
  // the high word is size / 2^29, the low word is (size * 8) mod 2^32.
  const bitsHigh = Math.floor(size / 0x20000000);
  const bitsLow = (size << 3) >>> 0;
  const at = sizePadded - 8;
  tailBlocks[at] = bitsHigh >>> 24;
  tailBlocks[at + 1] = bitsHigh >>> 16;
  tailBlocks[at + 2] = bitsHigh >>> 8;
  tailBlocks[at + 3] = bitsHigh;
  tailBlocks[at + 4] = bitsLow >>> 24;
  tailBlocks[at + 5] = bitsLow >>> 16;
  tailBlocks[at + 6] = bitsLow >>> 8;
  tailBlocks[at + 7] = bitsLow;
  compressBlock(tailBlocks, 0);
  if (sizePadded > BLOCK_SIZE) compressBlock(tailBlocks, BLOCK_SIZE);

  const out = new Uint8Array(SHA1_SIZE);
  for (let i = 0; i < 5; i++) {
    const h = state[i]!;
    out[4 * i] = h >>> 24;
    out[4 * i + 1] = h >>> 16;
    out[4 * i + 2] = h >>> 8;
    out[4 * i + 3] = h;
  }
  return out;
}

/**
 * The SHA-1 key hasher (hash id `sha1`, 20 bytes): the one Java and Zig xitdb use,
 * hashing a map key's bytes. Open or create a database with it to share files
 * with those implementations.
 *
 * Cost: as {@link sha1}: O(key size), one 20-byte allocation per hash.
 *
 * @example
 * ```ts
 * const hash = sha1Hasher.hash(new TextEncoder().encode('name')); // 20 bytes
 * ```
 */
export const sha1Hasher: Hasher = {
  id: hashIdFromName('sha1'),
  size: SHA1_SIZE,
  hash: sha1,
};
