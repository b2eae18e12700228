// The byte pool hands out copies that never overlap, survive a transferred slab, and keep their alignment.

import { describe, expect, it } from 'vitest';
import { POOLED_LENGTH_MAX, copyOut } from '../../src/core/byte-pool.js';

const source = new Uint8Array(20_000).map((_, i) => (i * 7 + 3) & 255);

describe('copyOut', () => {
  it('copies every length around the heap, pool and slab boundaries, from a Uint8Array and from a Buffer', () => {
    const buffer = Buffer.from(source);
    for (const from of [source, buffer]) {
      for (const length of [0, 1, 63, 64, 65, 100, 1023, POOLED_LENGTH_MAX, POOLED_LENGTH_MAX + 1, 8192, 9000]) {
        for (const offset of [0, 1, 4097]) {
          const out = copyOut(from, offset, length);
          expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
          expect(out).toEqual(source.subarray(offset, offset + length));
          expect(out.buffer).not.toBe(from.buffer);
          expect(out.byteOffset % 8).toBe(0);
          // Outside the pooled lengths: an exact buffer of its own.
          if (length <= 64 || length > POOLED_LENGTH_MAX) expect([out.byteOffset, out.buffer.byteLength]).toEqual([0, length]);
        }
      }
    }
  });

  it('gives arrays that no other result overlaps, so writing one changes no other', () => {
    const results = Array.from({ length: 500 }, (_, i) => copyOut(source, i, 65 + (i % 300)));
    for (const out of results) out.fill(0);
    const fresh = Array.from({ length: 500 }, (_, i) => copyOut(source, i, 65 + (i % 300)));
    fresh.forEach((out, i) => expect(out).toEqual(source.subarray(i, i + 65 + (i % 300))));
    for (const out of results) expect(out.every((byte) => byte === 0)).toBe(true);
  });

  it('starts a new slab when a caller transferred the buffer of a pooled result', () => {
    const first = copyOut(source, 0, 100);
    const slab = first.buffer as ArrayBuffer;
    structuredClone(slab, { transfer: [slab] });
    expect(first.byteLength).toBe(0);
    const next = copyOut(source, 10, 100);
    expect(next).toEqual(source.subarray(10, 110));
    expect(next.buffer.byteLength).toBeGreaterThan(0);
  });
});
