// XXH64 (the xxHash specification's 64-bit hash) under two seeds at once, in plain
// JavaScript: the fallback engine of the `xx16` key hasher (FORMAT.md §Hashing) for
// pages whose Content-Security-Policy refuses WebAssembly, and for runtimes without
// it. Same contract and same bytes as Xxh64Pair in xxh64-wasm.ts.
//
// A u64 is two int32 halves (high, low) in locals. Products modulo 2^64 take the
// low half from Math.imul and the high half from a 16-bit-limb product of the two
// low halves plus two cross Math.imuls; no BigInt outside the constructor.

import { P1, P2, P5 } from './xxh64-primes.js';

// XXH64's five primes, from the specification, as (high, low) 32-bit halves.
const P1_HIGH = 0x9e3779b1 | 0;
const P1_LOW = 0x85ebca87 | 0;
const P2_HIGH = 0xc2b2ae3d | 0;
const P2_LOW = 0x27d4eb4f;
const P3_HIGH = 0x165667b1;
const P3_LOW = 0x9e3779f9 | 0;
const P4_HIGH = 0x85ebca77 | 0;
const P4_LOW = 0xc2b2ae63 | 0;
const P5_HIGH = 0x27d4eb2f;
const P5_LOW = 0x165667c5;


/** 2^32, to turn a carry out of a 32-bit sum into 0 or 1. */
const TWO_POW_32 = 0x100000000;

/** Bytes per stripe: four lanes of one u64 each. */
const STRIPE_SIZE = 32;

/**
 * The high half of a 64-bit result. The helpers below return the low half and
 * leave the high half here, so that no call allocates a pair; the caller reads
 * it at once, before the next helper call overwrites it.
 */
let resultHigh = 0;

/**
 * The high 32 bits of the 64-bit product of two u32 (given as any int32 with the
 * same bits), from four 16-bit-limb products, each exact in a double.
 */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const cross1 = a1 * b0;
  const cross2 = a0 * b1;
  // What the low 16 bits of the two cross products and the top of a0 * b0 carry into bit 32.
  const carry = (((a0 * b0) >>> 16) + (cross1 & 0xffff) + (cross2 & 0xffff)) >>> 16;
  return (a1 * b1 + (cross1 >>> 16) + (cross2 >>> 16) + carry) | 0;
}

/** (high, low) * (pHigh, pLow) modulo 2^64: returns the low half, leaves the high in {@link resultHigh}. */
function mul64(high: number, low: number, pHigh: number, pLow: number): number {
  resultHigh = (mulHigh32(low, pLow) + Math.imul(high, pLow) + Math.imul(low, pHigh)) | 0;
  return Math.imul(low, pLow);
}

/**
 * The specification's round: `rotl(acc + input * P2, 31) * P1`, with `input * P2`
 * already computed by the caller (it does not depend on the seed, so both seeds
 * share it). Returns the low half, leaves the high in {@link resultHigh}.
 */
function round(accHigh: number, accLow: number, mixHigh: number, mixLow: number): number {
  const sum = (accLow >>> 0) + (mixLow >>> 0);
  const high = (accHigh + mixHigh + (sum >= TWO_POW_32 ? 1 : 0)) | 0;
  const low = sum | 0;
  // rotl 31 of (high, low): each half takes its top 31 bits from itself, bit 0 from the other.
  return mul64((high << 31) | (low >>> 1), (low << 31) | (high >>> 1), P1_HIGH, P1_LOW);
}

/**
 * One merge step after the stripes: `(h ^ round(0, acc)) * P1 + P4`. Returns the
 * low half, leaves the high in {@link resultHigh}.
 */
function mergeRound(hHigh: number, hLow: number, accHigh: number, accLow: number): number {
  const mixLow = mul64(accHigh, accLow, P2_HIGH, P2_LOW);
  const roundLow = round(0, 0, resultHigh, mixLow);
  const low = mul64(hHigh ^ resultHigh, hLow ^ roundLow, P1_HIGH, P1_LOW);
  return addP4(resultHigh, low);
}

/** (high, low) + P4 modulo 2^64: returns the low half, leaves the high in {@link resultHigh}. */
function addP4(high: number, low: number): number {
  const sum = (low >>> 0) + (P4_LOW >>> 0);
  resultHigh = (high + P4_HIGH + (sum >= TWO_POW_32 ? 1 : 0)) | 0;
  return sum | 0;
}

/** (high, low) + (addHigh, addLow) modulo 2^64: returns the low half, leaves the high in {@link resultHigh}. */
function add64(high: number, low: number, addHigh: number, addLow: number): number {
  const sum = (low >>> 0) + (addLow >>> 0);
  resultHigh = (high + addHigh + (sum >= TWO_POW_32 ? 1 : 0)) | 0;
  return sum | 0;
}

/**
 * One absorption step of the tail: `rotl(h ^ mix, rotate) * pA + pB`, with
 * `rotate` below 32 and the sum skipped when `addB` is false (the one-byte step).
 * Returns the low half, leaves the high in {@link resultHigh}.
 */
function absorb(
  hHigh: number,
  hLow: number,
  mixHigh: number,
  mixLow: number,
  rotate: number,
  pHigh: number,
  pLow: number,
  addHigh: number,
  addLow: number,
): number {
  const high = hHigh ^ mixHigh;
  const low = hLow ^ mixLow;
  const back = 32 - rotate;
  const productLow = mul64((high << rotate) | (low >>> back), (low << rotate) | (high >>> back), pHigh, pLow);
  return add64(resultHigh, productLow, addHigh, addLow);
}

/** The final avalanche: returns the low half, leaves the high in {@link resultHigh}. */
function avalanche(high: number, low: number): number {
  // h ^= h >>> 33
  low ^= high >>> 1;
  low = mul64(high, low, P2_HIGH, P2_LOW);
  high = resultHigh;
  // h ^= h >>> 29
  low ^= (low >>> 29) | (high << 3);
  high ^= high >>> 29;
  low = mul64(high, low, P3_HIGH, P3_LOW);
  high = resultHigh;
  // h ^= h >>> 32
  resultHigh = high;
  return low ^ high;
}

/** The little-endian u32 at `offset` of `bytes`, as an int32 with the same bits. */
function readU32(bytes: Uint8Array, offset: number): number {
  // Indexes are in bounds by the callers' loop conditions; `!` avoids a branch per byte.
  return bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24);
}

/** Writes the u64 (high, low) big-endian into `out[offset..offset + 8)`. */
function writeBigEndian(out: Uint8Array, offset: number, high: number, low: number): void {
  out[offset] = high >>> 24;
  out[offset + 1] = high >>> 16;
  out[offset + 2] = high >>> 8;
  out[offset + 3] = high;
  out[offset + 4] = low >>> 24;
  out[offset + 5] = low >>> 16;
  out[offset + 6] = low >>> 8;
  out[offset + 7] = low;
}

/**
 * The stripe accumulators of both seeds, as (high, low) int32 pairs: lanes 1 to
 * 4 of seed A at 0 to 7, of seed B at 8 to 15. Shared by every call: the hash is
 * synchronous and never re-entered.
 */
const accumulators = new Int32Array(16);

/**
 * Runs the stripe loop over every whole 32-byte stripe of `key` (at least one)
 * on {@link accumulators}, and returns the offset after the last stripe.
 *
 * The hot loop of long keys, so the 64-bit steps are written out rather than
 * called through the helpers above: with the accumulators in a typed array and
 * the key word's product shared by both seeds it runs about twice as fast as
 * the helper form (bench/hash.mjs, 1 KB keys).
 */
function stripes(key: Uint8Array): number {
  const offsetStripeLast = key.length - STRIPE_SIZE;
  let offset = 0;
  do {
    for (let lane = 0; lane < 4; lane++) {
      const wordLow = readU32(key, offset + 8 * lane);
      const wordHigh = readU32(key, offset + 8 * lane + 4);
      // mix = word * P2, the same for both seeds.
      const mixHigh = (mulHigh32(wordLow, P2_LOW) + Math.imul(wordHigh, P2_LOW) + Math.imul(wordLow, P2_HIGH)) | 0;
      const mixLow = Math.imul(wordLow, P2_LOW);
      // Lane `lane` of seed A, then of seed B: acc = rotl(acc + mix, 31) * P1.
      for (let at = 2 * lane; at < 16; at += 8) {
        const sum = (accumulators[at + 1]! >>> 0) + (mixLow >>> 0);
        const high = (accumulators[at]! + mixHigh + (sum >= TWO_POW_32 ? 1 : 0)) | 0;
        const low = sum | 0;
        const rotatedHigh = (high << 31) | (low >>> 1);
        const rotatedLow = (low << 31) | (high >>> 1);
        accumulators[at] = (mulHigh32(rotatedLow, P1_LOW) + Math.imul(rotatedHigh, P1_LOW) + Math.imul(rotatedLow, P1_HIGH)) | 0;
        accumulators[at + 1] = Math.imul(rotatedLow, P1_LOW);
      }
    }
    offset += STRIPE_SIZE;
  } while (offset <= offsetStripeLast);
  return offset;
}

/**
 * Folds the four accumulators of one seed (at `acc` in {@link accumulators})
 * into a hash: `rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)`, then one
 * merge round per accumulator. Returns the low half, leaves the high in {@link resultHigh}.
 */
function converge(acc: number): number {
  const v1h = accumulators[acc]!, v1l = accumulators[acc + 1]!;
  const v2h = accumulators[acc + 2]!, v2l = accumulators[acc + 3]!;
  const v3h = accumulators[acc + 4]!, v3l = accumulators[acc + 5]!;
  const v4h = accumulators[acc + 6]!, v4l = accumulators[acc + 7]!;
  let low = add64((v1h << 1) | (v1l >>> 31), (v1l << 1) | (v1h >>> 31), (v2h << 7) | (v2l >>> 25), (v2l << 7) | (v2h >>> 25));
  low = add64(resultHigh, low, (v3h << 12) | (v3l >>> 20), (v3l << 12) | (v3h >>> 20));
  low = add64(resultHigh, low, (v4h << 18) | (v4l >>> 14), (v4l << 18) | (v4h >>> 14));
  low = mergeRound(resultHigh, low, v1h, v1l);
  low = mergeRound(resultHigh, low, v2h, v2l);
  low = mergeRound(resultHigh, low, v3h, v3l);
  return mergeRound(resultHigh, low, v4h, v4l);
}

/** The high int32 half of a u64 given as a bigint (taken modulo 2^64). */
function highOf(value: bigint): number {
  return Number(BigInt.asUintN(64, value) >> 32n) | 0;
}

/** The low int32 half of a u64 given as a bigint (taken modulo 2^64). */
function lowOf(value: bigint): number {
  return Number(BigInt.asUintN(32, value)) | 0;
}

/**
 * XXH64 of a key under two fixed seeds, in plain JavaScript: the same function
 * and the same output layout as {@link Xxh64Pair} from xxh64-wasm.ts, for where
 * WebAssembly cannot run. The key is read in one pass; the seed-independent part
 * of each step (the key word times a prime) is computed once for both seeds.
 *
 * Not re-entrant, and needs none: a call runs to its end synchronously, so all
 * instances can share the module's scratch (the stripe accumulators and one
 * number) without ever seeing each other's values.
 */
export class Xxh64PairJs {
  /**
   * The stripe accumulators' starting values (seed + P1 + P2, seed + P2, seed,
   * seed - P1) of seed A, then of seed B, laid out as {@link accumulators}.
   * Precomputed here so that a hash adds no seed arithmetic.
   */
  private readonly accumulatorsStart = new Int32Array(16);
  /** The short-key start (seed + P5) of seed A, as halves. */
  private readonly shortStartAHigh: number;
  private readonly shortStartALow: number;
  /** The short-key start (seed + P5) of seed B, as halves. */
  private readonly shortStartBHigh: number;
  private readonly shortStartBLow: number;

  /**
   * @param seedA - the seed of the digest written to bytes 0 to 7 (taken modulo 2^64)
   * @param seedB - the seed of the digest written to bytes 8 to 15 (likewise)
   *
   * Cost: O(1), a few BigInt operations.
   */
  constructor(seedA: bigint, seedB: bigint) {
    const seeds = [seedA, seedB];
    for (let s = 0; s < 2; s++) {
      const seed = seeds[s]!;
      const starts = [seed + P1 + P2, seed + P2, seed, seed - P1];
      for (let lane = 0; lane < 4; lane++) {
        this.accumulatorsStart[8 * s + 2 * lane] = highOf(starts[lane]!);
        this.accumulatorsStart[8 * s + 2 * lane + 1] = lowOf(starts[lane]!);
      }
    }
    this.shortStartAHigh = highOf(seedA + P5);
    this.shortStartALow = lowOf(seedA + P5);
    this.shortStartBHigh = highOf(seedB + P5);
    this.shortStartBLow = lowOf(seedB + P5);
  }

  /**
   * Hashes `key` under both seeds and writes the two digests into `out[0..16)`,
   * each big-endian: XXH64(key, seedA) in bytes 0 to 7, XXH64(key, seedB) in 8 to 15.
   *
   * @param key - the bytes to hash (any view; only its own bytes are read)
   * @param out - receives 16 bytes at indexes 0 to 15; nothing else is written
   *
   * Cost: O(key size), no allocation.
   */
  hashInto(key: Uint8Array, out: Uint8Array): void {
    const size = key.length;
    let offset = 0;
    let mixHigh = 0;
    let mixLow = 0;
    let hAHigh: number;
    let hALow: number;
    let hBHigh: number;
    let hBLow: number;

    if (size >= STRIPE_SIZE) {
      accumulators.set(this.accumulatorsStart);
      offset = stripes(key);
      hALow = converge(0);
      hAHigh = resultHigh;
      hBLow = converge(8);
      hBHigh = resultHigh;
    } else {
      hAHigh = this.shortStartAHigh;
      hALow = this.shortStartALow;
      hBHigh = this.shortStartBHigh;
      hBLow = this.shortStartBLow;
    }

    // h += size (the whole length; a Uint8Array's length is below 2^53, so its
    // high half is the quotient by 2^32).
    const sizeHigh = Math.floor(size / TWO_POW_32);
    hALow = add64(hAHigh, hALow, sizeHigh, size | 0);
    hAHigh = resultHigh;
    hBLow = add64(hBHigh, hBLow, sizeHigh, size | 0);
    hBHigh = resultHigh;

    // Whole u64 words: h = rotl(h ^ round(0, word), 27) * P1 + P4.
    for (; offset + 8 <= size; offset += 8) {
      mixLow = mul64(readU32(key, offset + 4), readU32(key, offset), P2_HIGH, P2_LOW);
      mixLow = round(0, 0, resultHigh, mixLow);
      mixHigh = resultHigh;
      hALow = absorb(hAHigh, hALow, mixHigh, mixLow, 27, P1_HIGH, P1_LOW, P4_HIGH, P4_LOW);
      hAHigh = resultHigh;
      hBLow = absorb(hBHigh, hBLow, mixHigh, mixLow, 27, P1_HIGH, P1_LOW, P4_HIGH, P4_LOW);
      hBHigh = resultHigh;
    }
    // One u32 word: h = rotl(h ^ (word * P1), 23) * P2 + P3.
    if (offset + 4 <= size) {
      mixLow = mul64(0, readU32(key, offset), P1_HIGH, P1_LOW);
      mixHigh = resultHigh;
      hALow = absorb(hAHigh, hALow, mixHigh, mixLow, 23, P2_HIGH, P2_LOW, P3_HIGH, P3_LOW);
      hAHigh = resultHigh;
      hBLow = absorb(hBHigh, hBLow, mixHigh, mixLow, 23, P2_HIGH, P2_LOW, P3_HIGH, P3_LOW);
      hBHigh = resultHigh;
      offset += 4;
    }
    // Single bytes: h = rotl(h ^ (byte * P5), 11) * P1.
    for (; offset < size; offset++) {
      mixLow = mul64(0, key[offset]!, P5_HIGH, P5_LOW);
      mixHigh = resultHigh;
      hALow = absorb(hAHigh, hALow, mixHigh, mixLow, 11, P1_HIGH, P1_LOW, 0, 0);
      hAHigh = resultHigh;
      hBLow = absorb(hBHigh, hBLow, mixHigh, mixLow, 11, P1_HIGH, P1_LOW, 0, 0);
      hBHigh = resultHigh;
    }

    hALow = avalanche(hAHigh, hALow);
    writeBigEndian(out, 0, resultHigh, hALow);
    hBLow = avalanche(hBHigh, hBLow);
    writeBigEndian(out, 8, resultHigh, hBLow);
  }
}
