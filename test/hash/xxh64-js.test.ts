// Tests for the pure-JS XXH64 pair (the xx16 fallback where WebAssembly is refused):
// byte for byte the wasm engine and the xxhash-wasm package (the oracle) at every
// length 0 to 300 under several seeds and on 1 KB, 64 KB and 1 MB keys; and the
// choice of engine: wasm when it compiles, JS only when WebAssembly is missing or
// refused, any other failure still reported.

import xxhash from 'xxhash-wasm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pseudoRandomBytes } from '../support/random-bytes.js';
import { Xxh64PairJs } from '../../src/hash/xxh64-js.js';
import { Xxh64Pair } from '../../src/hash/xxh64-wasm.js';
import { XXHASH128_ID, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW, XXHASH128_SIZE, xxHash128JsHasher } from '../../src/hash/xxhash128.js';
import { open } from '../../src/index.js';
import { xxHash128JsHasher as exportedJsHasher } from '../../src/engine.js';

type H64Raw = (input: Uint8Array, seed?: bigint) => bigint;

/** The part of the WebAssembly API the engine-choice tests stub (the project compiles without the DOM library). */
interface WasmApi {
  CompileError: new (message: string) => Error;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => object;
}
const realWasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let h64Raw: H64Raw;
beforeAll(async () => {
  h64Raw = (await xxhash()).h64Raw;
});

const utf8 = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Both oracle digests, each big-endian, as hex. */
function oracleHex(key: Uint8Array, seedA: bigint, seedB: bigint): string {
  return h64Raw(key, seedA).toString(16).padStart(16, '0') + h64Raw(key, seedB).toString(16).padStart(16, '0');
}

function pairHex(pair: { hashInto(key: Uint8Array, out: Uint8Array): void }, key: Uint8Array): string {
  const out = new Uint8Array(16);
  pair.hashInto(key, out);
  return hex(out);
}

// The format's seeds first, then seeds at the edges of 32-bit halves and carries:
// zero, one, all bits, only the top bit, the primes' neighbourhood.
const SEED_PAIRS: readonly (readonly [bigint, bigint])[] = [
  [XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW],
  [0n, 1n],
  [0xffffffffffffffffn, 0x8000000000000000n],
  [0x00000000ffffffffn, 0xffffffff00000000n],
  [0x9e3779b185ebca87n, 0x61c8864e7a143579n],
];

describe('Xxh64PairJs', () => {
  it('gives the published XXH64 values under seed 0', () => {
    const pair = new Xxh64PairJs(0n, 0n);
    expect(pairHex(pair, new Uint8Array(0))).toBe('ef46db3751d8e999'.repeat(2));
    expect(pairHex(pair, utf8.encode('a')).slice(0, 16)).toBe('d24ec4f1a98c6e5b');
    expect(pairHex(pair, utf8.encode('abc')).slice(0, 16)).toBe('44bc2cf5ad770999');
  });

  it('gives the FORMAT.md §Hashing example bytes under the format seeds', () => {
    const pair = new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    expect(pairHex(pair, utf8.encode('foo'))).toBe('5aad8aa843ba0f22aec854e7ae71388d');
    expect(pairHex(pair, new Uint8Array(0))).toBe('2c2247177d6ecd534109649279a7ea9f');
  });

  it('equals the wasm engine and xxhash-wasm at every size from 0 to 300 under every seed pair', () => {
    for (const [seedA, seedB] of SEED_PAIRS) {
      const js = new Xxh64PairJs(seedA, seedB);
      const wasm = new Xxh64Pair(seedA, seedB);
      for (let size = 0; size <= 300; size++) {
        for (let round = 0; round < 4; round++) {
          const key = pseudoRandomBytes(size, size * 1009 + round * 7919 + Number(seedA & 0xffffn) + 1);
          const expected = oracleHex(key, seedA, seedB);
          expect(pairHex(js, key), `seeds ${seedA} ${seedB} size ${size} round ${round}`).toBe(expected);
          expect(pairHex(wasm, key), `wasm: seeds ${seedA} ${seedB} size ${size}`).toBe(expected);
        }
      }
    }
  });

  it('equals xxhash-wasm on all-0x00 and all-0xff keys of every size from 0 to 300', () => {
    // All-ones words make every 32-bit sum carry; zeros make every product vanish.
    const js = new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    for (let size = 0; size <= 300; size++) {
      for (const fill of [0x00, 0xff]) {
        const key = new Uint8Array(size).fill(fill);
        expect(pairHex(js, key), `size ${size} fill ${fill}`).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      }
    }
  });

  it('equals the wasm engine and xxhash-wasm on 1 KB, 64 KB and 1 MB keys and just around them', () => {
    const js = new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    const wasm = new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    for (const size of [1024, 1023, 1025, 65536, 65535, 65537, 1_000_000, 1024 * 1024, 1024 * 1024 + 7]) {
      const key = pseudoRandomBytes(size, size + 3);
      const expected = oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
      expect(pairHex(js, key), `size ${size}`).toBe(expected);
      expect(pairHex(wasm, key), `wasm: size ${size}`).toBe(expected);
    }
  });

  it('hashes only the bytes of a subarray view with a nonzero byte offset', () => {
    const js = new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    const whole = pseudoRandomBytes(400, 12345);
    for (const [start, size] of [[1, 0], [3, 9], [5, 16], [7, 31], [13, 32], [1, 33], [17, 100], [99, 300]] as const) {
      const view = whole.subarray(start, start + size);
      expect(pairHex(js, view), `start ${start} size ${size}`).toBe(oracleHex(view.slice(), XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
    }
  });

  it('writes exactly out[0..16) and nothing around it', () => {
    const js = new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    for (const size of [0, 9, 16, 17, 40, 100]) {
      const key = pseudoRandomBytes(size, size + 77);
      const out = new Uint8Array(40).fill(0xaa);
      js.hashInto(key, out.subarray(7));
      expect(hex(out.subarray(7, 23))).toBe(oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW));
      expect(Array.from(out.subarray(0, 7))).toEqual(new Array(7).fill(0xaa));
      expect(Array.from(out.subarray(23))).toEqual(new Array(17).fill(0xaa));
    }
  });

  it('gives the same hash for a short key after a long one (no state carried between calls)', () => {
    const js = new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
    const short = utf8.encode('short');
    const before = pairHex(js, short);
    pairHex(js, pseudoRandomBytes(5000, 9));
    expect(pairHex(js, short)).toBe(before);
  });
});

describe('xxHash128JsHasher', () => {
  it('is the xx16 hasher (same id and size) and is exported from the browser-safe entry', () => {
    expect(xxHash128JsHasher.id).toBe(XXHASH128_ID);
    expect(xxHash128JsHasher.size).toBe(XXHASH128_SIZE);
    expect(exportedJsHasher).toBe(xxHash128JsHasher);
  });

  it('hash and hashInto both equal two xxhash-wasm digests for "key" + i keys', () => {
    const out = new Uint8Array(16);
    for (let i = 0; i < 2000; i++) {
      const key = utf8.encode(`key${i}`);
      const expected = oracleHex(key, XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW);
      expect(hex(xxHash128JsHasher.hash(key))).toBe(expected);
      xxHash128JsHasher.hashInto?.(key, out);
      expect(hex(out)).toBe(expected);
    }
  });

  it('can be chosen explicitly, and a database written with it reads back with the wasm hasher and the other way round', async () => {
    const withJs = await open<{ users: Record<string, number> }>(undefined, { hasher: xxHash128JsHasher });
    const users: Record<string, number> = {};
    for (let i = 0; i < 300; i++) users[`user${i}`] = i;
    withJs.set(['users'], users);
    // Opened without a hasher: the default (wasm here) is picked by the header's id.
    const readByWasm = await open<{ users: Record<string, number> }>(withJs.bytes(), { readOnly: false });
    expect(readByWasm.get(['users', 'user123'])).toBe(123);
    readByWasm.set(['users', 'extra'], -1);
    const readByJs = await open<{ users: Record<string, number> }>(readByWasm.bytes(), { hasher: xxHash128JsHasher });
    expect(readByJs.get(['users', 'user299'])).toBe(299);
    expect(readByJs.get(['users', 'extra'])).toBe(-1);
  });
});

describe('createXxHash128Hasher engine choice', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  /** A fresh copy of xxhash128.ts (its cache empty), imported under the current globals. */
  async function freshModule(): Promise<typeof import('../../src/hash/xxhash128.js')> {
    vi.resetModules();
    return import('../../src/hash/xxhash128.js');
  }

  it('uses WebAssembly where it compiles', async () => {
    const module = await freshModule();
    const hasher = await module.createXxHash128Hasher();
    expect(hasher).not.toBe(module.xxHash128JsHasher);
    expect(hex(hasher.hash(utf8.encode('foo')))).toBe('5aad8aa843ba0f22aec854e7ae71388d');
  });

  it('falls back to the JS hasher where WebAssembly is missing', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    const module = await freshModule();
    const hasher = await module.createXxHash128Hasher();
    expect(hasher).toBe(module.xxHash128JsHasher);
    expect(module.xxHash128Sync()).toBe(hasher);
    expect(hex(hasher.hash(utf8.encode('foo')))).toBe('5aad8aa843ba0f22aec854e7ae71388d');
  });

  it('falls back to the JS hasher when compiling is refused as a Content-Security-Policy refuses it (CompileError, or EvalError in WebKit)', async () => {
    const real = realWasm;
    for (const refusal of [
      new real.CompileError("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script"),
      new EvalError("Refused to create a WebAssembly object because 'unsafe-eval' or 'wasm-unsafe-eval' is not an allowed source of script"),
    ]) {
      vi.stubGlobal('WebAssembly', {
        CompileError: real.CompileError,
        Module: function RefusingModule(): never {
          throw refusal;
        },
      });
      const module = await freshModule();
      const hasher = await module.createXxHash128Hasher();
      expect(hasher, refusal.name).toBe(module.xxHash128JsHasher);
      expect(hex(hasher.hash(new Uint8Array(0)))).toBe('2c2247177d6ecd534109649279a7ea9f');
    }
  });

  it('does not hide any other failure behind the fallback, and tries again on the next call', async () => {
    const real = realWasm;
    const failure = new RangeError('WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance');
    let failing = true;
    vi.stubGlobal('WebAssembly', {
      ...real,
      CompileError: real.CompileError,
      Module: real.Module,
      Instance: function FlakyInstance(module: object, imports: object): object {
        if (failing) throw failure;
        return new real.Instance(module, imports);
      },
    });
    const module = await freshModule();
    await expect(module.createXxHash128Hasher()).rejects.toBe(failure);
    expect(module.xxHash128Sync()).toBeUndefined();
    failing = false;
    const hasher = await module.createXxHash128Hasher();
    expect(hasher).not.toBe(module.xxHash128JsHasher);
    expect(hex(hasher.hash(utf8.encode('foo')))).toBe('5aad8aa843ba0f22aec854e7ae71388d');
  });
});
