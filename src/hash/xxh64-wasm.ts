// XXH64 (the xxHash specification's 64-bit hash) under two seeds at once, in a
// WebAssembly module this file assembles byte by byte: the engine behind the
// `xx16` key hasher (FORMAT.md §Hashing). The module is about 1.4 KB, so it compiles
// synchronously everywhere, and one call hashes a key under both seeds.

// Keys of at most COPY_LOOP_SIZE_MAX bytes are copied into wasm memory by a byte loop.
import { COPY_LOOP_SIZE_MAX } from '../base/tuning.js';
import { P1, P2, P3, P4, P5 } from './xxh64-primes.js';

/**
 * The part of the WebAssembly JS API this file uses. Declared here because the
 * project compiles without the DOM library, which is where TypeScript keeps the
 * real declarations; at run time this is the global `WebAssembly` of Node and of
 * every browser.
 */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
};

/** The exported memory of an instance, as far as it is used here. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}


/** Bytes per wasm memory page. */
const PAGE_SIZE = 65536;

/**
 * Where the key is copied in the module's memory. Bytes 0 to 7 receive the first
 * digest and 8 to 15 the second, both as little-endian u64 (wasm's byte order).
 */
const KEY_OFFSET = 16;


// Opcodes of the WebAssembly binary format (core spec §5.4), only those used.
const OP_BLOCK = 0x02;
const OP_LOOP = 0x03;
const OP_IF = 0x04;
const OP_ELSE = 0x05;
const OP_END = 0x0b;
const OP_BR = 0x0c;
const OP_BR_IF = 0x0d;
const OP_LOCAL_GET = 0x20;
const OP_LOCAL_SET = 0x21;
const OP_LOCAL_TEE = 0x22;
const OP_I64_LOAD = 0x29;
const OP_I64_LOAD8_U = 0x31;
const OP_I64_LOAD32_U = 0x35;
const OP_I64_STORE = 0x37;
const OP_I32_CONST = 0x41;
const OP_I64_CONST = 0x42;
const OP_I32_GT_U = 0x4b;
const OP_I32_LE_U = 0x4d;
const OP_I32_GE_U = 0x4f;
const OP_I32_ADD = 0x6a;
const OP_I32_SUB = 0x6b;
const OP_I64_ADD = 0x7c;
const OP_I64_MUL = 0x7e;
const OP_I64_XOR = 0x85;
const OP_I64_SHR_U = 0x88;
const OP_I64_ROTL = 0x89;
const OP_I64_EXTEND_I32_U = 0xad;
const BLOCK_TYPE_EMPTY = 0x40;
const TYPE_I32 = 0x7f;
const TYPE_I64 = 0x7e;
const TYPE_FUNC = 0x60;
const EXPORT_FUNC = 0x00;
const EXPORT_MEMORY = 0x02;
const SECTION_TYPE = 1;
const SECTION_FUNCTION = 3;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const SECTION_CODE = 10;

// Locals of the one function. Local 0 is its parameter, the key size in bytes.
const L_SIZE = 0;
/** Where the next unread key byte is. */
const L_OFFSET = 1;
/** One past the key's last byte. */
const L_OFFSET_END = 2;
/** The last offset at which a whole 32-byte stripe starts. */
const L_OFFSET_STRIPE_LAST = 3;
const I32_LOCAL_COUNT = 3;
/** The running hash for the first seed, then for the second. */
const L_HASH_A = 4;
const L_HASH_B = 5;
/** The stripe accumulators: four for the first seed, then four for the second. */
const L_ACC_A = 6;
const L_ACC_B = 10;
/** A seed-independent value both hashes absorb (the key's contribution to a step). */
const L_MIX = 14;
const I64_LOCAL_COUNT = 11;

/** Appends `value` as unsigned LEB128 (wasm's u32 encoding). */
function pushU32(out: number[], value: number): void {
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
}

/**
 * Appends `value` as signed LEB128 (wasm's i32 and i64 encoding). A u64 constant
 * is first read as the i64 with the same bits, which is how wasm stores it.
 */
function pushSigned(out: number[], value: bigint): void {
  let rest = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n; // arithmetic shift: a negative value tends to -1
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** Appends a byte vector (or name): its length, then its bytes. */
function pushVector(out: number[], bytes: readonly number[]): void {
  pushU32(out, bytes.length);
  for (const byte of bytes) out.push(byte);
}

/**
 * Emits the body of the function as wasm instructions. Each helper appends the
 * instructions for one step of XXH64; the helpers are named after the
 * specification's steps, and the comments give the C-like form of each.
 */
class CodeWriter {
  readonly code: number[] = [];

  op(...opcodes: number[]): this {
    for (const opcode of opcodes) this.code.push(opcode);
    return this;
  }

  get(local: number): this {
    this.code.push(OP_LOCAL_GET);
    pushU32(this.code, local);
    return this;
  }

  set(local: number): this {
    this.code.push(OP_LOCAL_SET);
    pushU32(this.code, local);
    return this;
  }

  tee(local: number): this {
    this.code.push(OP_LOCAL_TEE);
    pushU32(this.code, local);
    return this;
  }

  i32(value: number): this {
    this.code.push(OP_I32_CONST);
    pushSigned(this.code, BigInt(value));
    return this;
  }

  i64(value: bigint): this {
    this.code.push(OP_I64_CONST);
    pushSigned(this.code, value);
    return this;
  }

  /**
   * A load or store at the address on the stack plus `offset`. The alignment hint
   * is 1 byte: key bytes sit anywhere, and wasm allows unaligned access anyway.
   */
  memory(opcode: number, offset: number): this {
    this.code.push(opcode, 0);
    pushU32(this.code, offset);
    return this;
  }

  /** `x = rotl(x, bits) * prime` on the value on the stack. */
  rotlMul(bits: number, prime: bigint): this {
    return this.i64(BigInt(bits)).op(OP_I64_ROTL).i64(prime).op(OP_I64_MUL);
  }

  /** `mix = round(0, load64(offset + at)) = rotl(input * P2, 31) * P1`. */
  mixWord(at: number): this {
    return this.get(L_OFFSET).memory(OP_I64_LOAD, at).i64(P2).op(OP_I64_MUL).rotlMul(31, P1).set(L_MIX);
  }

  /**
   * One stripe lane for both seeds: `acc = round(acc, input)`, where
   * `round(acc, input) = rotl(acc + input * P2, 31) * P1`. `input * P2` does not
   * depend on the seed, so it is computed once for the two accumulators.
   */
  stripeLane(lane: number): this {
    this.get(L_OFFSET).memory(OP_I64_LOAD, 8 * lane).i64(P2).op(OP_I64_MUL).set(L_MIX);
    for (const acc of [L_ACC_A + lane, L_ACC_B + lane]) {
      this.get(acc).get(L_MIX).op(OP_I64_ADD).rotlMul(31, P1).set(acc);
    }
    return this;
  }

  /**
   * Folds one seed's four accumulators into its hash after the stripes:
   * `h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)`, then for each
   * accumulator `h = (h ^ round(0, v)) * P1 + P4` (the specification's merge round).
   */
  convergeStripes(accFirst: number, hash: number): this {
    [1, 7, 12, 18].forEach((bits, lane) => {
      this.get(accFirst + lane).i64(BigInt(bits)).op(OP_I64_ROTL);
      if (lane > 0) this.op(OP_I64_ADD);
    });
    this.set(hash);
    for (let lane = 0; lane < 4; lane++) {
      this.get(hash)
        .get(accFirst + lane).i64(P2).op(OP_I64_MUL).rotlMul(31, P1)
        .op(OP_I64_XOR)
        .i64(P1).op(OP_I64_MUL).i64(P4).op(OP_I64_ADD)
        .set(hash);
    }
    return this;
  }

  /** For both hashes: `h = rotl(h ^ mix, bits) * multiplier (+ addend)`. */
  absorbMix(bits: number, multiplier: bigint, addend: bigint | undefined): this {
    for (const hash of [L_HASH_A, L_HASH_B]) {
      this.get(hash).get(L_MIX).op(OP_I64_XOR).rotlMul(bits, multiplier);
      if (addend !== undefined) this.i64(addend).op(OP_I64_ADD);
      this.set(hash);
    }
    return this;
  }

  /** `offset += step`. */
  advance(step: number): this {
    return this.get(L_OFFSET).i32(step).op(OP_I32_ADD).set(L_OFFSET);
  }

  /**
   * The final mix of one hash:
   * `h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32`.
   */
  avalanche(hash: number): this {
    for (const [shift, prime] of [[33n, P2], [29n, P3]] as const) {
      this.get(hash).get(hash).i64(shift).op(OP_I64_SHR_U).op(OP_I64_XOR).i64(prime).op(OP_I64_MUL).set(hash);
    }
    return this.get(hash).get(hash).i64(32n).op(OP_I64_SHR_U).op(OP_I64_XOR).set(hash);
  }
}

/**
 * Assembles the function `hash(size)`: XXH64 of the `size` bytes at
 * {@link KEY_OFFSET}, under both seeds in one pass, the results stored at
 * bytes 0 and 8. Every step the specification applies to the key is shared by
 * the two seeds up to the point where it meets the running hash, so the second
 * seed costs only the seed-dependent half of each step, and the two dependency
 * chains run interleaved.
 */
function emitHashBody(seedA: bigint, seedB: bigint): number[] {
  const w = new CodeWriter();
  const u64 = (value: bigint): bigint => BigInt.asUintN(64, value);

  // offset = KEY_OFFSET; offsetEnd = offset + size
  w.i32(KEY_OFFSET).tee(L_OFFSET).get(L_SIZE).op(OP_I32_ADD).set(L_OFFSET_END);

  // if (size >= 32): the stripe loop over whole 32-byte stripes
  w.get(L_SIZE).i32(32).op(OP_I32_GE_U).op(OP_IF, BLOCK_TYPE_EMPTY);
  for (const [seed, accFirst] of [[seedA, L_ACC_A], [seedB, L_ACC_B]] as const) {
    // v1 = seed + P1 + P2; v2 = seed + P2; v3 = seed; v4 = seed - P1
    [u64(seed + P1 + P2), u64(seed + P2), seed, u64(seed - P1)].forEach((initial, lane) => {
      w.i64(initial).set(accFirst + lane);
    });
  }
  w.get(L_OFFSET_END).i32(32).op(OP_I32_SUB).set(L_OFFSET_STRIPE_LAST);
  // do { four lanes; offset += 32 } while (offset <= offsetStripeLast)
  w.op(OP_LOOP, BLOCK_TYPE_EMPTY);
  for (let lane = 0; lane < 4; lane++) w.stripeLane(lane);
  w.advance(32);
  w.get(L_OFFSET).get(L_OFFSET_STRIPE_LAST).op(OP_I32_LE_U).op(OP_BR_IF, 0);
  w.op(OP_END);
  w.convergeStripes(L_ACC_A, L_HASH_A).convergeStripes(L_ACC_B, L_HASH_B);
  // else: h = seed + P5
  w.op(OP_ELSE);
  w.i64(u64(seedA + P5)).set(L_HASH_A).i64(u64(seedB + P5)).set(L_HASH_B);
  w.op(OP_END);

  // h += size (the whole length, modulo 2^64)
  for (const hash of [L_HASH_A, L_HASH_B]) {
    w.get(hash).get(L_SIZE).op(OP_I64_EXTEND_I32_U).op(OP_I64_ADD).set(hash);
  }

  // while (offset + 8 <= offsetEnd) { h ^= round(0, load64); h = rotl(h, 27) * P1 + P4 }
  w.op(OP_BLOCK, BLOCK_TYPE_EMPTY, OP_LOOP, BLOCK_TYPE_EMPTY);
  w.get(L_OFFSET).i32(8).op(OP_I32_ADD).get(L_OFFSET_END).op(OP_I32_GT_U).op(OP_BR_IF, 1);
  w.mixWord(0).absorbMix(27, P1, P4).advance(8);
  w.op(OP_BR, 0, OP_END, OP_END);

  // if (offset + 4 <= offsetEnd) { h ^= load32 * P1; h = rotl(h, 23) * P2 + P3 }
  w.get(L_OFFSET).i32(4).op(OP_I32_ADD).get(L_OFFSET_END).op(OP_I32_LE_U).op(OP_IF, BLOCK_TYPE_EMPTY);
  w.get(L_OFFSET).memory(OP_I64_LOAD32_U, 0).i64(P1).op(OP_I64_MUL).set(L_MIX);
  w.absorbMix(23, P2, P3).advance(4);
  w.op(OP_END);

  // while (offset < offsetEnd) { h ^= byte * P5; h = rotl(h, 11) * P1 }
  w.op(OP_BLOCK, BLOCK_TYPE_EMPTY, OP_LOOP, BLOCK_TYPE_EMPTY);
  w.get(L_OFFSET).get(L_OFFSET_END).op(OP_I32_GE_U).op(OP_BR_IF, 1);
  w.get(L_OFFSET).memory(OP_I64_LOAD8_U, 0).i64(P5).op(OP_I64_MUL).set(L_MIX);
  w.absorbMix(11, P1, undefined).advance(1);
  w.op(OP_BR, 0, OP_END, OP_END);

  // Finish both hashes and store them where JS reads them.
  w.avalanche(L_HASH_A).avalanche(L_HASH_B);
  w.i32(0).get(L_HASH_A).memory(OP_I64_STORE, 0);
  w.i32(0).get(L_HASH_B).memory(OP_I64_STORE, 8);
  w.op(OP_END);
  return w.code;
}

/** Appends a section: its id, its size, its contents. */
function pushSection(out: number[], id: number, contents: readonly number[]): void {
  out.push(id);
  pushVector(out, contents);
}

/** The ASCII bytes of an export name. */
function nameBytes(name: string): number[] {
  return Array.from(name, (char) => char.charCodeAt(0));
}

/**
 * Assembles the WebAssembly module that hashes a key under two XXH64 seeds.
 *
 * The module exports `memory` (one page to start) and `hash(size: i32)`, which
 * reads `size` key bytes at offset 16 of that memory and stores XXH64(key,
 * `seedA`) at offset 0 and XXH64(key, `seedB`) at offset 8, each as a
 * little-endian u64. The seeds are compiled into the module as constants, so
 * a call passes no 64-bit values.
 *
 * @param seedA - the first seed, 0 to 2^64 - 1 (wider values are taken modulo 2^64)
 * @param seedB - the second seed, likewise
 * @returns the module's bytes (about 1.4 KB), ready for `new WebAssembly.Module`
 *
 * Cost: O(1); a few microseconds.
 */
export function buildXxh64PairModule(seedA: bigint, seedB: bigint): Uint8Array {
  const type: number[] = [];
  pushU32(type, 1);
  type.push(TYPE_FUNC, 1, TYPE_I32, 0); // (i32) -> ()

  const body: number[] = [];
  pushU32(body, 2); // two runs of locals after the parameter
  pushU32(body, I32_LOCAL_COUNT);
  body.push(TYPE_I32);
  pushU32(body, I64_LOCAL_COUNT);
  body.push(TYPE_I64);
  for (const byte of emitHashBody(BigInt.asUintN(64, seedA), BigInt.asUintN(64, seedB))) body.push(byte);
  const code: number[] = [];
  pushU32(code, 1);
  pushVector(code, body);

  const exports: number[] = [];
  pushU32(exports, 2);
  pushVector(exports, nameBytes('memory'));
  exports.push(EXPORT_MEMORY, 0);
  pushVector(exports, nameBytes('hash'));
  exports.push(EXPORT_FUNC, 0);

  const module: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", version 1
  pushSection(module, SECTION_TYPE, type);
  pushSection(module, SECTION_FUNCTION, [1, 0]); // one function, of type 0
  pushSection(module, SECTION_MEMORY, [1, 0x00, 1]); // one memory: no maximum, 1 page minimum
  pushSection(module, SECTION_EXPORT, exports);
  pushSection(module, SECTION_CODE, code);
  return Uint8Array.from(module);
}

/**
 * Keys up to this many bytes are hashed in the resident instance, whose memory
 * grows to fit the longest of them and stays that size (wasm memory cannot
 * shrink): at most 16 pages, 1 MiB. A longer key is hashed in an instance made
 * for it alone, whose memory the garbage collector takes back afterwards; making
 * one costs tens of microseconds, little beside copying and hashing a megabyte.
 */
const RESIDENT_KEY_MAX = 1024 * 1024 - KEY_OFFSET;

/**
 * XXH64 of a key under two fixed seeds, computed by instances of the module
 * from {@link buildXxh64PairModule}: one resident instance for keys up to
 * 1 MiB, a throwaway one for each longer key (so one huge key does not keep its
 * size of memory alive).
 *
 * Not re-entrant, and needs none: a call copies the key into an instance's
 * memory, runs the hash and copies the result out, all synchronously.
 */
export class Xxh64Pair {
  /** The compiled module, kept to make throwaway instances for long keys. */
  private readonly module: object;
  /** The instance that hashes every key up to {@link RESIDENT_KEY_MAX} bytes. */
  private readonly resident: Xxh64Instance;

  /**
   * Compiles and instantiates the module synchronously. The module is far below
   * the 4 KB that browsers allow to compile synchronously on the main thread.
   *
   * @param seedA - the seed of the digest written to bytes 0 to 7
   * @param seedB - the seed of the digest written to bytes 8 to 15
   * @throws whatever `WebAssembly.Module` throws where WebAssembly is unavailable
   *   or forbidden (a Content-Security-Policy without `wasm-unsafe-eval`)
   *
   * Cost: compiling the module, well under a millisecond.
   */
  constructor(seedA: bigint, seedB: bigint) {
    this.module = new WebAssembly.Module(buildXxh64PairModule(seedA, seedB));
    this.resident = new Xxh64Instance(this.module);
  }

  /**
   * Hashes `key` under both seeds and writes the two digests into `out[0..16)`,
   * each big-endian: XXH64(key, seedA) in bytes 0 to 7, XXH64(key, seedB) in 8 to 15.
   *
   * @param key - the bytes to hash (any view; only its own bytes are read)
   * @param out - receives 16 bytes at indexes 0 to 15; nothing else is written
   *
   * Cost: O(key size), one copy of the key and one wasm call; no allocation
   * unless the key is longer than any before it (up to 1 MiB, the resident
   * memory grows, for good) or longer than 1 MiB (a throwaway instance).
   */
  hashInto(key: Uint8Array, out: Uint8Array): void {
    if (key.length > RESIDENT_KEY_MAX) new Xxh64Instance(this.module).hashInto(key, out);
    else this.resident.hashInto(key, out);
  }

  /** Bytes of wasm memory the resident instance holds (for tests). */
  residentMemoryBytes(): number {
    return this.resident.memoryBytes();
  }
}

/** One instance of the module and its memory. */
class Xxh64Instance {
  /** The `hash` export. */
  private readonly run: (size: number) => void;
  /** The exported memory; it grows when a key does not fit. */
  private readonly memory: WasmMemory;
  /** A view of the whole memory, replaced after every growth (which detaches the old buffer). */
  private bytes: Uint8Array;

  constructor(module: object) {
    const instance = new WebAssembly.Instance(module, {});
    this.run = instance.exports['hash'] as (size: number) => void;
    this.memory = instance.exports['memory'] as WasmMemory;
    this.bytes = new Uint8Array(this.memory.buffer);
  }

  memoryBytes(): number {
    return this.bytes.length;
  }

  /** See {@link Xxh64Pair.hashInto}. */
  hashInto(key: Uint8Array, out: Uint8Array): void {
    const size = key.length;
    let bytes = this.bytes;
    if (size > bytes.length - KEY_OFFSET) bytes = this.grow(size);
    if (size <= COPY_LOOP_SIZE_MAX) {
      for (let i = 0; i < size; i++) bytes[KEY_OFFSET + i] = key[i]!;
    } else {
      bytes.set(key, KEY_OFFSET);
    }
    this.run(size);
    // The module stores little-endian; the format wants each digest big-endian,
    // so the bytes are copied out in reverse within each half.
    out[0] = bytes[7]!;
    out[1] = bytes[6]!;
    out[2] = bytes[5]!;
    out[3] = bytes[4]!;
    out[4] = bytes[3]!;
    out[5] = bytes[2]!;
    out[6] = bytes[1]!;
    out[7] = bytes[0]!;
    out[8] = bytes[15]!;
    out[9] = bytes[14]!;
    out[10] = bytes[13]!;
    out[11] = bytes[12]!;
    out[12] = bytes[11]!;
    out[13] = bytes[10]!;
    out[14] = bytes[9]!;
    out[15] = bytes[8]!;
  }

  /**
   * Grows the memory so that a key of `size` bytes fits after {@link KEY_OFFSET}.
   *
   * @returns the new view of the memory
   * @throws RangeError when the memory cannot grow that far (beyond 4 GB, or out of memory)
   */
  private grow(size: number): Uint8Array {
    const pagesNeeded = Math.ceil((KEY_OFFSET + size) / PAGE_SIZE);
    this.memory.grow(pagesNeeded - this.bytes.length / PAGE_SIZE);
    this.bytes = new Uint8Array(this.memory.buffer);
    return this.bytes;
  }
}
