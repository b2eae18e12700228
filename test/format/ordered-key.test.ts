// The ordered key encoding (FORMAT.md §Ordered keys): bytewise order of the
// encodings is the natural order of the keys, decoding gives the key back, and
// a string is its plain UTF-8. Properties over every key kind and tuples of
// them, with the edge values (-0, NaN, ±Infinity, 0x00 inside strings and
// bytes, empty strings and tuples, bigints across byte lengths) weighted in.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeOrderedKey, encodeOrderedKey, TUPLE_DEPTH_MAX, type OrderedKey } from '../../src/format/ordered-key.js';
import { CorruptDatabaseError, InvalidArgumentError } from '../../src/errors.js';
import { propertyParameters } from '../model/model-support.js';
import { compareBytes, compareNaturalKeys as compareKeys, normalizedKey as normalized } from '../support/key-order.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: fc.constantFrom('\u0000', 'a', '\u007f', '\u0080', '\uffff', '\u{10000}', '\u{10ffff}'), maxLength: 4 }));
const number = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, 1, -1), fc.integer());
const bigint = fc.oneof(fc.bigInt(), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.constantFrom(0n, 255n, 256n, -255n, -256n, -1n));
const date = fc.date({ noInvalidDate: true });
const bytes = fc.oneof(fc.uint8Array({ maxLength: 6 }), fc.constantFrom(Uint8Array.of(), Uint8Array.of(0), Uint8Array.of(0, 0), Uint8Array.of(0xff)));
const scalar: fc.Arbitrary<OrderedKey> = fc.oneof(text, number, bigint, date, bytes, fc.boolean(), fc.constant(null));
const { key } = fc.letrec<{ key: OrderedKey }>((tie) => ({
  key: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('key'), { maxLength: 4 })),
}));

describe('encodeOrderedKey', () => {
  it('orders keys bytewise exactly as their natural order, across and within kinds and in tuples', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(sign(compareBytes(encodeOrderedKey(a), encodeOrderedKey(b)))).toBe(compareKeys(a, b));
      }),
      propertyParameters(5000),
    );
  });

  it('orders pairs of keys of one kind (where most comparisons fall)', () => {
    for (const arbitrary of [text, number, bigint, date, bytes, fc.array(fc.oneof(number, text), { maxLength: 3 })] as fc.Arbitrary<OrderedKey>[]) {
      fc.assert(
        fc.property(arbitrary, arbitrary, (a, b) => {
          expect(sign(compareBytes(encodeOrderedKey(a), encodeOrderedKey(b)))).toBe(compareKeys(a, b));
        }),
        propertyParameters(2000),
      );
    }
  });

  it('writes a string as its plain UTF-8, which every xitdb reader shows as text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(encodeOrderedKey(s)).toEqual(new TextEncoder().encode(s));
      }),
      propertyParameters(1000),
    );
  });

  it('gives keys that decode back to themselves (-0 as 0)', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(decodeOrderedKey(encodeOrderedKey(k))).toEqual(normalized(k));
      }),
      propertyParameters(3000),
    );
  });

  it('refuses what it cannot encode', () => {
    expect(() => encodeOrderedKey(undefined as unknown as OrderedKey)).toThrow(InvalidArgumentError);
    expect(() => encodeOrderedKey({} as unknown as OrderedKey)).toThrow(InvalidArgumentError);
    expect(() => encodeOrderedKey(new Date(NaN))).toThrow(InvalidArgumentError);
    expect(() => encodeOrderedKey('\ud800')).toThrow(InvalidArgumentError);
    let deep: OrderedKey = [];
    for (let i = 0; i < TUPLE_DEPTH_MAX + 1; i++) deep = [deep];
    expect(() => encodeOrderedKey(deep)).toThrow(InvalidArgumentError);
  });
});

describe('decodeOrderedKey', () => {
  it('refuses bytes no encoder wrote with CorruptDatabaseError, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (raw) => {
        try {
          const k = decodeOrderedKey(raw);
          // Whatever decodes must encode back to the same bytes.
          expect(encodeOrderedKey(k)).toEqual(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(CorruptDatabaseError);
        }
      }),
      propertyParameters(5000),
    );
    for (const raw of [[0xfd], [0xf8, 1], [0xfc, 0x05], [0xfc, 0x01, 0x61, 0x00, 0x07], [0xf9, 0x02, 0, 0, 0, 0], [0xc0, 0x80], [0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
      expect(() => decodeOrderedKey(Uint8Array.from(raw)), raw.join(' ')).toThrow(CorruptDatabaseError);
    }
  });
});
