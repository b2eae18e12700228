// Tests for the key hashers: SHA-1 against published vectors and node:crypto,
// the xx16 default hasher against its documented construction, and the test hashers.

import { createHash } from 'node:crypto';
import xxhash from 'xxhash-wasm';
import { describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../support/random-bytes.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { hashIdFromName } from '../../src/format/file-header.js';
import { sha1, sha1Hasher } from '../../src/hash/sha1.js';
import { fixedHasher, fnv1a32, tinyHasher } from '../../src/hash/test-hashers.js';
import {
  XXHASH128_ID,
  XXHASH128_SEED_HIGH,
  XXHASH128_SEED_LOW,
  XXHASH128_SIZE,
  createXxHash128Hasher,
  xxHash128Sync,
} from '../../src/hash/xxhash128.js';

const utf8 = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function nodeSha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}


describe('sha1', () => {
  it('matches the FIPS 180 vectors', () => {
    expect(hex(sha1(new Uint8Array(0)))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(hex(sha1(utf8.encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hex(sha1(utf8.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    );
  });

  it('hashes one million "a" characters', () => {
    expect(hex(sha1(new Uint8Array(1_000_000).fill(0x61)))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  });

  it('agrees with node:crypto around the padding boundaries', () => {
    for (const size of [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]) {
      const bytes = pseudoRandomBytes(size, size);
      expect(hex(sha1(bytes)), `size ${size}`).toBe(nodeSha1(bytes));
    }
  });

  it('agrees with node:crypto for every size from 0 to 300', () => {
    for (let size = 0; size <= 300; size++) {
      const bytes = pseudoRandomBytes(size, 7 + size);
      expect(hex(sha1(bytes)), `size ${size}`).toBe(nodeSha1(bytes));
    }
  });

  it('hashes only the bytes of a subarray view', () => {
    const whole = pseudoRandomBytes(200, 99);
    const view = whole.subarray(13, 13 + 70);
    expect(hex(sha1(view))).toBe(nodeSha1(view));
  });

  it('returns a fresh 20-byte array on every call', () => {
    const a = sha1(utf8.encode('x'));
    const b = sha1(utf8.encode('x'));
    expect(a.length).toBe(20);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });
});

describe('sha1Hasher', () => {
  it('has the sha1 id and 20-byte size', () => {
    expect(sha1Hasher.id).toBe(hashIdFromName('sha1'));
    expect(sha1Hasher.id).toBe(0x73686131);
    expect(sha1Hasher.size).toBe(20);
  });

  it('hashes a key with SHA-1 of its bytes', () => {
    const key = utf8.encode('hello');
    expect(hex(sha1Hasher.hash(key))).toBe(nodeSha1(key));
  });
});

describe('createXxHash128Hasher', () => {
  it('shares one instance across calls and exposes it synchronously', async () => {
    const [a, b] = await Promise.all([createXxHash128Hasher(), createXxHash128Hasher()]);
    expect(a).toBe(b);
    expect(await createXxHash128Hasher()).toBe(a);
    expect(xxHash128Sync()).toBe(a);
  });

  it('has the xx16 id and 16-byte size', async () => {
    const hasher = await createXxHash128Hasher();
    expect(XXHASH128_ID).toBe(hashIdFromName('xx16'));
    expect(hasher.id).toBe(XXHASH128_ID);
    expect(hasher.size).toBe(16);
    expect(XXHASH128_SIZE).toBe(16);
  });

  it('uses the documented odd seeds', () => {
    // These are part of the file format; this test fails if anyone edits them.
    expect(XXHASH128_SEED_HIGH).toBe(0x6a09e667f3bcc909n);
    expect(XXHASH128_SEED_LOW).toBe(0xbb67ae8584caa73bn);
    expect(XXHASH128_SEED_HIGH & 1n).toBe(1n);
    expect(XXHASH128_SEED_LOW & 1n).toBe(1n);
  });

  it('returns the two seeded xxh64 digests, big-endian', async () => {
    const hasher = await createXxHash128Hasher();
    const api = await xxhash();
    // Sanity check of the underlying library against the published XXH64("", 0).
    expect(api.h64Raw(new Uint8Array(0), 0n)).toBe(0xef46db3751d8e999n);
    for (const text of ['', 'a', 'abc', 'hello world', 'x'.repeat(1000)]) {
      const key = utf8.encode(text);
      const expected = api.h64Raw(key, XXHASH128_SEED_HIGH).toString(16).padStart(16, '0') +
        api.h64Raw(key, XXHASH128_SEED_LOW).toString(16).padStart(16, '0');
      expect(hex(hasher.hash(key)), text).toBe(expected);
    }
  });

  it('pins the hash of known keys (file format)', async () => {
    const hasher = await createXxHash128Hasher();
    const api = await xxhash();
    // Computed independently of the hasher's own code path, through the byte view.
    const key = utf8.encode('stratadb');
    const view = new DataView(hasher.hash(key).buffer);
    expect(view.getBigUint64(0)).toBe(api.h64Raw(key, 0x6a09e667f3bcc909n));
    expect(view.getBigUint64(8)).toBe(api.h64Raw(key, 0xbb67ae8584caa73bn));
  });

  it('is deterministic and returns a fresh array each call', async () => {
    const hasher = await createXxHash128Hasher();
    const key = utf8.encode('same key');
    const a = hasher.hash(key);
    const b = hasher.hash(key);
    expect(a.length).toBe(16);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
    a.fill(0);
    expect(hasher.hash(key)).toEqual(b);
  });

  it('hashes only the bytes of a subarray view', async () => {
    const hasher = await createXxHash128Hasher();
    const whole = utf8.encode('..key..');
    expect(hasher.hash(whole.subarray(2, 5))).toEqual(hasher.hash(utf8.encode('key')));
  });

  it('gives 100,000 different keys 100,000 different hashes', async () => {
    const hasher = await createXxHash128Hasher();
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(hex(hasher.hash(utf8.encode(`key-${i}`))));
    expect(seen.size).toBe(100_000);
  });
});

describe('tinyHasher', () => {
  it('returns the low size bytes of fn(key), big-endian', () => {
    const fn = (): number => 0x12345678;
    expect(Array.from(tinyHasher(1, fn).hash(new Uint8Array(0)))).toEqual([0x78]);
    expect(Array.from(tinyHasher(2, fn).hash(new Uint8Array(0)))).toEqual([0x56, 0x78]);
    expect(Array.from(tinyHasher(3, fn).hash(new Uint8Array(0)))).toEqual([0x34, 0x56, 0x78]);
    expect(Array.from(tinyHasher(4, fn).hash(new Uint8Array(0)))).toEqual([0x12, 0x34, 0x56, 0x78]);
  });

  it('handles fn results with the top bit set or negative', () => {
    expect(Array.from(tinyHasher(4, () => 0xfedcba98).hash(new Uint8Array(0)))).toEqual([0xfe, 0xdc, 0xba, 0x98]);
    expect(Array.from(tinyHasher(2, () => -1).hash(new Uint8Array(0)))).toEqual([0xff, 0xff]);
  });

  it('has ids tst1 to tst4 and the given size', () => {
    for (const size of [1, 2, 3, 4] as const) {
      const hasher = tinyHasher(size);
      expect(hasher.id).toBe(hashIdFromName(`tst${size}`));
      expect(hasher.size).toBe(size);
      expect(hasher.hash(utf8.encode('k')).length).toBe(size);
    }
  });

  it('defaults to FNV-1a 32-bit', () => {
    // Published FNV-1a 32 vectors.
    expect(fnv1a32(new Uint8Array(0))).toBe(0x811c9dc5);
    expect(fnv1a32(utf8.encode('a'))).toBe(0xe40c292c);
    expect(fnv1a32(utf8.encode('foobar'))).toBe(0xbf9cf968);
    expect(Array.from(tinyHasher(4).hash(utf8.encode('foobar')))).toEqual([0xbf, 0x9c, 0xf9, 0x68]);
    expect(Array.from(tinyHasher(1).hash(utf8.encode('foobar')))).toEqual([0x68]);
  });

  it('makes collisions common at one byte', () => {
    const hasher = tinyHasher(1);
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(hasher.hash(utf8.encode(`k${i}`))[0]!);
    expect(seen.size).toBeLessThanOrEqual(256);
    expect(seen.size).toBeLessThan(300);
  });

  it('rejects sizes outside 1 to 4', () => {
    expect(() => tinyHasher(5 as 4)).toThrow(InvalidArgumentError);
    expect(() => tinyHasher(0 as 1)).toThrow(InvalidArgumentError);
  });
});

describe('fixedHasher', () => {
  const table = new Map<string, Uint8Array>([
    ['a', Uint8Array.of(0x12, 0x34)],
    ['b', Uint8Array.of(0x12, 0x35)],
    ['é', Uint8Array.of(0xff, 0x00)],
  ]);

  it('returns the hash given for the key text', () => {
    const hasher = fixedHasher(2, table);
    expect(hasher.id).toBe(hashIdFromName('tstf'));
    expect(hasher.size).toBe(2);
    expect(Array.from(hasher.hash(utf8.encode('a')))).toEqual([0x12, 0x34]);
    expect(Array.from(hasher.hash(utf8.encode('b')))).toEqual([0x12, 0x35]);
    expect(Array.from(hasher.hash(utf8.encode('é')))).toEqual([0xff, 0x00]);
  });

  it('returns a copy, so the table cannot be changed through a result', () => {
    const hasher = fixedHasher(2, table);
    hasher.hash(utf8.encode('a')).fill(0);
    expect(Array.from(hasher.hash(utf8.encode('a')))).toEqual([0x12, 0x34]);
  });

  it('throws for a key missing from the table', () => {
    expect(() => fixedHasher(2, table).hash(utf8.encode('zzz'))).toThrow(InvalidArgumentError);
  });

  it('rejects entries of the wrong size and bad sizes', () => {
    expect(() => fixedHasher(3, table)).toThrow(InvalidArgumentError);
    expect(() => fixedHasher(0, new Map())).toThrow(InvalidArgumentError);
    expect(() => fixedHasher(65, new Map())).toThrow(InvalidArgumentError);
  });
});
