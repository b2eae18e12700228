// How verifyDatabase names a map key or set member in a problem's path: JSON text
// for UTF-8 without NUL bytes, hex for anything else, both shortened past 40;
// and base/byte-text.ts, whose hexOf and printableText it shares with dump,
// revert, the value API, compaction and the command line.

import { describe, expect, it } from 'vitest';
import { keySegment } from '../../src/core/verify-context.js';
import { encodeOrderedKey } from '../../src/format/ordered-key.js';
import { hexOf, printableText } from '../../src/base/byte-text.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('keySegment', () => {
  it('shows UTF-8 text as JSON, in brackets for a map key and braces for a set member', () => {
    expect(keySegment(bytes('name'), false)).toBe('["name"]');
    expect(keySegment(bytes('name'), true)).toBe('{"name"}');
    expect(keySegment(bytes('say "hi"\n'), false)).toBe('["say \\"hi\\"\\n"]');
    expect(keySegment(bytes('é✓'), false)).toBe('["é✓"]');
    expect(keySegment(new Uint8Array(0), false)).toBe('[""]');
  });

  it('shows keys with a NUL byte or that are not UTF-8 in hex', () => {
    expect(keySegment(new Uint8Array([0x61, 0x00, 0x62]), false)).toBe('[0x610062]');
    expect(keySegment(new Uint8Array([0xff, 0xfe, 0x41]), true)).toBe('{0xfffe41}');
    // A lone continuation byte and a truncated two-byte sequence.
    expect(keySegment(new Uint8Array([0x80]), false)).toBe('[0x80]');
    expect(keySegment(new Uint8Array([0x61, 0xc3]), false)).toBe('[0x61c3]');
    // Ordered keys of numbers (sorted maps) hold NUL bytes.
    const numberKey = encodeOrderedKey(7);
    expect(numberKey.includes(0)).toBe(true);
    expect(keySegment(numberKey, false)).toBe(`[0x${Buffer.from(numberKey).toString('hex')}]`);
  });

  it('shortens text past 40 characters and hex past 40 bytes', () => {
    expect(keySegment(bytes('k'.repeat(40)), false)).toBe(`["${'k'.repeat(40)}"]`);
    expect(keySegment(bytes('k'.repeat(41)), false)).toBe(`["${'k'.repeat(40)}..."]`);
    expect(keySegment(new Uint8Array(40).fill(0xff), false)).toBe(`[0x${'ff'.repeat(40)}]`);
    expect(keySegment(new Uint8Array(41).fill(0xff), false)).toBe(`[0x${'ff'.repeat(40)}...]`);
  });
});

describe('hexOf', () => {
  it('prints every byte value as two lowercase digits, as Buffer does, up to a limit', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(hexOf(all)).toBe(Buffer.from(all).toString('hex'));
    expect(hexOf(new Uint8Array(0))).toBe('');
    expect(hexOf(all.subarray(14, 18), 2)).toBe('0e0f');
    expect(hexOf(all.subarray(0, 3), 10)).toBe('000102');
    expect(hexOf(all.subarray(0, 3), 0)).toBe('');
  });
});

describe('printableText', () => {
  it('gives UTF-8 without a NUL byte as text, and undefined for anything else', () => {
    expect(printableText(new TextEncoder().encode('é✓ ok'))).toBe('é✓ ok');
    expect(printableText(new Uint8Array(0))).toBe('');
    expect(printableText(new Uint8Array([0x61, 0x00]))).toBeUndefined();
    expect(printableText(new Uint8Array([0xff]))).toBeUndefined();
    expect(printableText(new Uint8Array([0x61, 0xc3]))).toBeUndefined();
    // A byte order mark is kept, not eaten.
    expect(printableText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa');
  });
});
