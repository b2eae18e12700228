// Byte values: the short/long boundary with and without format tags, 0x00
// bytes, and the streaming reader and writer.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/history/engine.js';
import type { WriteHashMap } from '../../src/cursor/write-maps.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { Tag } from '../../src/format/tags.js';
import { InvalidArgumentError, OutOfRangeError, TransactionError, WrongTypeError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { backends } from '../support/backends.js';
import { POOLED_LENGTH_MAX } from '../../src/core/byte-pool.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);


/** A value of `length` bytes, none of them 0, that differs with `salt`. */
const valueOf = (length: number, salt: number): Uint8Array => new Uint8Array(length).map((_, i) => ((i * 31 + salt) % 255) + 1);

/** Stores, for each length, `plainN` and `tagged` `taggedN` (format tag 'tg') values of that length, and whatever `more` puts. */
/**
 * A result of readBytes owns its bytes: a plain array whose buffer is its own
 * when it is short (held in the heap) or long, and otherwise a slab of the
 * byte pool that no storage holds (src/core/byte-pool.ts).
 */
function expectOwnBytes(bytes: Uint8Array, what: string): void {
  if (bytes.length <= 64 || bytes.length > POOLED_LENGTH_MAX) {
    expect(bytes.byteOffset, what).toBe(0);
    expect(bytes.buffer.byteLength, what).toBe(bytes.length);
  } else {
    expect(bytes.byteOffset % 8, what).toBe(0);
  }
}

/** No two results cover the same bytes of one buffer. */
function expectNoOverlap(results: readonly Uint8Array[]): void {
  const byBuffer = new Map<ArrayBufferLike, Uint8Array[]>();
  for (const bytes of results) byBuffer.set(bytes.buffer, [...(byBuffer.get(bytes.buffer) ?? []), bytes]);
  for (const group of byBuffer.values()) {
    const ranges = group.map((bytes) => [bytes.byteOffset, bytes.byteOffset + bytes.length] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  }
}

function storeLengths(engine: Engine, lengths: readonly number[], more: (map: WriteHashMap) => void): void {
  engine.transact((root) => {
    const map = root.hashMap();
    for (const length of lengths) {
      map.put(`plain${length}`).writeBytes(valueOf(length, length));
      map.put(`tagged${length}`).writeBytes(valueOf(length, length + 7), 'tg');
    }
    more(map);
  });
}
describe.each(backends)('byte values on $name', (backend) => {
  it('stores up to 8 bytes inline, 6 with a format tag, and longer or 0x00-holding values as long bytes', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const cases: Array<[string, Uint8Array, string | undefined, number]> = [
      ['empty', new Uint8Array(0), undefined, Tag.SHORT_BYTES],
      ['eight', text('12345678'), undefined, Tag.SHORT_BYTES],
      ['nine', text('123456789'), undefined, Tag.BYTES],
      ['six-tagged', text('abcdef'), 'st', Tag.SHORT_BYTES],
      ['seven-tagged', text('abcdefg'), 'st', Tag.BYTES],
      ['zero', new Uint8Array([0x61, 0, 0x62]), undefined, Tag.BYTES],
      ['leading-zero', new Uint8Array([0]), 'zz', Tag.BYTES],
      ['empty-tagged', new Uint8Array(0), 'et', Tag.SHORT_BYTES],
      ['large', new Uint8Array(70_000).map((_, i) => i % 251), 'lg', Tag.BYTES],
    ];
    engine.transact((root) => {
      const map = root.hashMap();
      for (const [key, bytes, tag] of cases) map.put(key).writeBytes(bytes, tag);
    });
    const map = engine.moment(-1).asHashMap();
    for (const [key, bytes, tag, storedAs] of cases) {
      const cursor = map.get(key)!;
      expect(cursor.tag, key).toBe(storedAs);
      expect(cursor.readBytes(), key).toEqual(bytes);
      expect(cursor.count(), key).toBe(bytes.length);
      const format = cursor.formatTag();
      expect(format === undefined ? undefined : new TextDecoder().decode(format), key).toBe(tag);
    }
    expect(() => engine.transact((root) => root.hashMap().put('bad').writeBytes(text('x'), 'abc'))).toThrow(InvalidArgumentError);
    expect(() => map.get('eight')!.readUint()).toThrow(WrongTypeError);
    engine.close();
  });

  it('copies values into a caller buffer with readBytesInto: every length around the inline, 64-byte and chunk boundaries, at offsets', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const lengths = [0, 1, 6, 7, 8, 9, 63, 64, 65, 100, 4095, 4096, 4097, 9000];
    storeLengths(engine, lengths, (map) => map.put('zeros').writeBytes(new Uint8Array([0, 0, 5])));
    const map = engine.moment(-1).asHashMap();
    const target = new Uint8Array(10_000);
    for (const length of lengths) {
      for (const [key, salt] of [[`plain${length}`, length], [`tagged${length}`, length + 7]] as const) {
        const cursor = map.get(key)!;
        for (const offset of [0, 3, target.length - length]) {
          target.fill(0xee);
          expect(cursor.readBytesInto(target, offset), key).toBe(length);
          expect(target.subarray(offset, offset + length), key).toEqual(valueOf(length, salt));
          // Nothing around the value is touched.
          expect(target.subarray(0, offset).every((byte) => byte === 0xee), key).toBe(true);
          expect(target.subarray(offset + length).every((byte) => byte === 0xee), key).toBe(true);
        }
        expect(cursor.readBytesInto(target.subarray(0, length)), key).toBe(length);
      }
    }
    expect(map.get('zeros')!.readBytesInto(target)).toBe(3);
    expect(target.subarray(0, 3)).toEqual(new Uint8Array([0, 0, 5]));
  });

  it('copies values out with readBytes, each into bytes of its own: every length around the inline, copy-loop, pool and chunk boundaries', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const lengths = [0, 1, 7, 8, 9, 23, 24, 25, 63, 64, 65, 100, 1023, 1024, 1025, 4095, 4096, 4097, 9000];
    storeLengths(engine, lengths, (map) => map.put('number').writeUint(5));
    const map = engine.moment(-1).asHashMap();
    const results: Uint8Array[] = [];
    for (const length of lengths) {
      for (const [key, salt] of [[`plain${length}`, length], [`tagged${length}`, length + 7]] as const) {
        const first = map.get(key)!.readBytes();
        expect(first, key).toEqual(valueOf(length, salt));
        expectOwnBytes(first, key);
        results.push(first);
        // A change to it changes nothing stored.
        first.fill(0);
        expect(map.get(key)!.readBytes(), key).toEqual(valueOf(length, salt));
        expect(map.get(key)!.readTaggedBytes().bytes, key).toEqual(valueOf(length, salt));
      }
    }
    expectNoOverlap(results);
    expect(() => map.get('number')!.readBytes()).toThrow(WrongTypeError);
  });

  it('copies values out with readBytes as plain Uint8Arrays of their own even when the storage holds a Buffer (whose slice is a view)', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const lengths = [9, 24, 25, 64, 65, 100, 1024, 1025, 4096];
    storeLengths(engine, lengths, () => undefined);
    const memory = new MemoryStorage();
    const copy = Engine.open(memory, { hasher: sha1Hasher });
    storeLengths(copy, lengths, () => undefined);
    const stored = Buffer.from(memory.toBytes());
    const overBuffer = Engine.open(MemoryStorage.fromBytes(stored), { hasher: sha1Hasher });
    // The premise: this storage reads from the Buffer itself.
    expect(Buffer.isBuffer(overBuffer.storage.bytes)).toBe(true);
    const results: Uint8Array[] = [];
    for (const [map, storage] of [
      [engine.moment(-1).asHashMap(), engine.storage],
      [overBuffer.moment(-1).asHashMap(), overBuffer.storage],
    ] as const) {
      for (const length of lengths) {
        const value = map.get(`plain${length}`)!.readBytes();
        expect(value).toEqual(valueOf(length, length));
        expect(Object.getPrototypeOf(value), `${length}`).toBe(Uint8Array.prototype);
        // Never a view of the storage's own bytes (a Buffer's slice would be one).
        expect(value.buffer, `${length}`).not.toBe(storage.bytes.buffer);
        expectOwnBytes(value, `${length}`);
        results.push(value);
      }
    }
    expectNoOverlap(results);
    engine.close();
    copy.close();
    overBuffer.close();
  });

  it('refuses a target too small, a bad offset, a target that is not bytes, and values that are not bytes', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    engine.transact((root) => {
      const map = root.hashMap();
      map.put('long').writeBytes(new Uint8Array(100).fill(9));
      map.put('short').writeBytes(text('abc'));
      map.put('number').writeUint(5);
    });
    const map = engine.moment(-1).asHashMap();
    const target = new Uint8Array(100).fill(1);
    expect(() => map.get('long')!.readBytesInto(new Uint8Array(99))).toThrow(OutOfRangeError);
    expect(() => map.get('long')!.readBytesInto(target, 1)).toThrow(OutOfRangeError);
    expect(() => map.get('short')!.readBytesInto(new Uint8Array(2))).toThrow(OutOfRangeError);
    expect(() => map.get('short')!.readBytesInto(target, -1)).toThrow(OutOfRangeError);
    expect(() => map.get('short')!.readBytesInto(target, 1.5)).toThrow(OutOfRangeError);
    expect(() => map.get('short')!.readBytesInto(target, 101)).toThrow(OutOfRangeError);
    expect(() => map.get('short')!.readBytesInto([] as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    expect(() => map.get('number')!.readBytesInto(target)).toThrow(WrongTypeError);
    // A refused read writes nothing.
    expect(target.every((byte) => byte === 1)).toBe(true);
    expect(map.get('short')!.readBytesInto(target, 97)).toBe(3);
  });

  it('streams a value in chunks, with seeks, and reads it back in pieces', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const chunk = new Uint8Array(64 * 1024).map((_, i) => (i * 7) % 256);
    const chunks = 40;
    engine.transact((root) => {
      const writer = root.hashMap().put('blob').bytesWriter('bn');
      for (let i = 0; i < chunks; i++) writer.write(chunk);
      writer.seek(3);
      writer.write(new Uint8Array([1, 2, 3]));
      writer.finish();
    });
    const cursor = engine.moment(-1).asHashMap().get('blob')!;
    const reader = cursor.bytesReader();
    expect(reader.size).toBe(chunk.length * chunks);
    expect(new TextDecoder().decode(cursor.formatTag())).toBe('bn');
    const piece = new Uint8Array(10_000);
    let total = 0;
    for (let n; (n = reader.read(piece)) > 0; ) {
      for (let i = 0; i < n; i++) {
        const at = total + i;
        const want = at >= 3 && at < 6 ? at - 2 : chunk[at % chunk.length];
        if (piece[i] !== want) throw new Error(`byte ${at} is ${piece[i]}, expected ${want}`);
      }
      total += n;
    }
    expect(total).toBe(chunk.length * chunks);
    reader.seek(chunk.length + 5);
    expect(reader.readExactly(3)).toEqual(chunk.subarray(5, 8));
    engine.close();
  });

  it('refuses to grow a streamed value after other data was appended', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    expect(() =>
      engine.transact((root) => {
        const map = root.hashMap();
        const writer = map.put('a').bytesWriter();
        writer.write(text('hello'));
        map.put('b').writeString('x'.repeat(20));
        writer.write(text('world'));
      }),
    ).toThrow(TransactionError);
    expect(engine.momentCount).toBe(0);
    engine.close();
  });

  it('round-trips uint, int and float extremes, -0 and NaN', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    engine.transact((root) => {
      const list = root.arrayList();
      list.append().writeUint(0xffffffffffffffffn);
      list.append().writeInt(-(2n ** 63n));
      list.append().writeInt(2n ** 63n - 1n);
      list.append().writeFloat(-0);
      list.append().writeFloat(Number.NaN);
      list.append().writeFloat(-Infinity);
      list.append().writeNone();
    });
    const list = engine.moment(-1).asArrayList();
    expect(list.get(0).readUint()).toBe(0xffffffffffffffffn);
    expect(list.get(1).readInt()).toBe(-(2n ** 63n));
    expect(list.get(2).readInt()).toBe(2n ** 63n - 1n);
    expect(Object.is(list.get(3).readFloat(), -0)).toBe(true);
    expect(Number.isNaN(list.get(4).readFloat())).toBe(true);
    expect(list.get(5).readFloat()).toBe(-Infinity);
    expect(list.get(6).isNone).toBe(true);
    expect(list.get(6).slot.full).toBe(true);
    expect(() => engine.transact((root) => root.arrayList().append().writeUint(-1))).toThrow(InvalidArgumentError);
    engine.close();
  });
  it('reads uint, int and float as numbers with readNumber, refusing integers past 2^53', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    const edges = [0n, 1n, -1n, safe, safe + 1n, -safe, -safe - 1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), -(2n ** 32n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    const ints = [...edges, ...fc.sample(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { numRuns: 300, seed: 7 }), ...fc.sample(fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }), { numRuns: 300, seed: 8 })];
    const uints = [0n, safe, safe + 1n, 2n ** 64n - 1n, ...fc.sample(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { numRuns: 200, seed: 9 })];
    engine.transact((root) => {
      const list = root.arrayList();
      for (const value of ints) list.append().writeInt(value);
      for (const value of uints) list.append().writeUint(value);
      list.append().writeFloat(-0.5);
      list.append().writeString('1');
    });
    const list = engine.moment(-1).asArrayList();
    const expectNumber = (index: number, value: bigint): void => {
      const inRange = value >= -safe && value <= safe;
      if (inRange) expect(list.get(index).readNumber()).toBe(Number(value));
      else expect(() => list.get(index).readNumber()).toThrow(OutOfRangeError);
    };
    ints.forEach((value, i) => expectNumber(i, value));
    uints.forEach((value, i) => expectNumber(ints.length + i, value));
    expect(list.get(-2).readNumber()).toBe(-0.5);
    expect(() => list.get(-1).readNumber()).toThrow(WrongTypeError);
    engine.close();
  });
  it('reads strings in place exactly as TextDecoder decodes their bytes: short, long, tagged, non-ASCII, invalid UTF-8', () => {
    const engine = Engine.open(backend.slot().open(), { hasher: sha1Hasher });
    const decoder = new TextDecoder();
    const texts = ['', 'a', 'abcdefgh', 'abcdefghi', 'é', 'naïve', 'x'.repeat(64), 'x'.repeat(65), 'y'.repeat(63) + 'é', '日本語のテキスト', '\u{1f600}'.repeat(20), ...Array.from({ length: 71 }, (_, n) => 'abcdefghijklmnopqrstuvwxyz0123456789~'.repeat(2).slice(0, n))];
    const raw = [new Uint8Array([0x61, 0xff, 0x62]), new Uint8Array([0xc3]), new Uint8Array(70).fill(0xe2), new Uint8Array([0x41, 0x80])];
    engine.transact((root) => {
      const list = root.arrayList();
      for (const text of texts) list.append().writeString(text);
      for (const text of texts) list.append().writeBytes(new TextEncoder().encode(text), text.length % 2 === 0 ? 'st' : undefined);
      for (const bytes of raw) list.append().writeBytes(bytes);
      list.append().writeUint(1);
    });
    const list = engine.moment(-1).asArrayList();
    const expected = [...texts, ...texts, ...raw.map((bytes) => decoder.decode(bytes))];
    expected.forEach((text, i) => {
      expect(list.get(i).readString(), `item ${i}`).toBe(text);
      expect(list.get(i).readString()).toBe(decoder.decode(list.get(i).readBytes()));
    });
    expect(() => list.get(-1).readString()).toThrow(WrongTypeError);
    engine.close();
  });
});
