// CRC-32C (src/hash/crc32c.ts, the commit trailers' checksum): the published
// check values, and agreement with a bit-at-a-time reference for every
// length, offset and chunking around the table-driven loop's 16-byte steps.

import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/hash/crc32c.js';

/** The definition, one bit at a time: slow and plainly right. */
function reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('gives the published check values (RFC 3720 B.4, and "123456789")', () => {
    expect(crc32c(0, new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(0, new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(0, Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(0, Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(0, new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(0, new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bitwise reference for every length to 100 at every offset to 17, whole and in two chunks', () => {
    let seed = 7;
    const data = Uint8Array.from({ length: 160 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (let offset = 0; offset < 17; offset++) {
      for (let length = 0; length <= 100; length++) {
        const end = offset + length;
        const expected = reference(data.subarray(offset, end));
        expect(crc32c(0, data, offset, end)).toBe(expected);
        const cut = offset + ((length * 7) >> 4);
        expect(crc32c(crc32c(0, data, offset, cut), data, cut, end)).toBe(expected);
      }
    }
  });
});
