// The order-preserving key encoding (FORMAT.md §Ordered keys): JS keys to bytes
// whose unsigned bytewise order is the keys' natural order, for sorted maps,
// which compare keys as bytes. A string is its plain UTF-8, so that every xitdb
// reader sees text; every other key starts with a byte UTF-8 never uses
// (0xF5 to 0xFC), so strings sort before all of them and never look like them.
// Inside a tuple (an array key) every element carries a type byte and strings
// and bytes are escaped and terminated, so that elements compare one by one.

import { CorruptDatabaseError, InvalidArgumentError } from '../errors.js';

/** A key the ordered encoding accepts: a scalar, or an array of keys (a tuple). */
export type OrderedKey = string | number | bigint | boolean | null | Date | Uint8Array | readonly OrderedKey[];

/** FORMAT.md §Ordered keys: the first byte of a key that is not a string. Valid UTF-8 never starts with these. */
export const KEY_PREFIX = { NULL: 0xf5, FALSE: 0xf6, TRUE: 0xf7, NUMBER: 0xf8, BIGINT: 0xf9, DATE: 0xfa, BYTES: 0xfb, TUPLE: 0xfc } as const;

/** FORMAT.md §Ordered keys: the type byte of an element inside a tuple (0x00 ends the tuple). */
export const ELEMENT_TYPE = { END: 0x00, STRING: 0x01, NULL: 0x02, FALSE: 0x03, TRUE: 0x04, NUMBER: 0x05, BIGINT: 0x06, DATE: 0x07, BYTES: 0x08, TUPLE: 0x09 } as const;

/** Tuples nest at most this deep (FORMAT.md §Limits): deeper keys are refused, deeper bytes are damage. */
export const TUPLE_DEPTH_MAX = 32;

/** The byte after a 0x00 inside an escaped string or byte run: the 0x00 was data. */
const ESCAPED_ZERO = 0xff;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A growing output buffer. */
class Out {
  bytes = new Uint8Array(32);
  length = 0;

  private room(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  byte(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value;
  }

  put(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** `bytes` with each 0x00 written as 00 FF, then the terminator 00 00. */
  escaped(bytes: Uint8Array): void {
    this.room(bytes.length * 2 + 2);
    for (const b of bytes) {
      this.bytes[this.length++] = b;
      if (b === 0) this.bytes[this.length++] = ESCAPED_ZERO;
    }
    this.bytes[this.length++] = 0;
    this.bytes[this.length++] = 0;
  }
}

function isLoneSurrogateIn(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    if (code >= 0xdc00) return true;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

function textBytes(text: string): Uint8Array {
  if (isLoneSurrogateIn(text)) throw new InvalidArgumentError('a string key with a lone surrogate (half of a UTF-16 pair) has no UTF-8 form');
  return utf8Encoder.encode(text);
}

/**
 * A float64's 8 bytes, transformed so that unsigned byte order is numeric
 * order: a positive number's sign bit is set, a negative number's bits are all
 * inverted. -0 is written as 0, every NaN as the one quiet NaN, which sorts
 * after +Infinity.
 */
function writeNumber(out: Out, value: number): void {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  if (Number.isNaN(value)) view.setUint32(0, 0x7ff80000);
  else view.setFloat64(0, value === 0 ? 0 : value);
  if ((bytes[0] as number) & 0x80) for (let i = 0; i < 8; i++) bytes[i] = 255 - (bytes[i] as number);
  else bytes[0] = (bytes[0] as number) | 0x80;
  out.put(bytes);
}

function readNumber(bytes: Uint8Array, at: number): number {
  const copy = bytes.slice(at, at + 8);
  if ((copy[0] as number) & 0x80) copy[0] = (copy[0] as number) & 0x7f;
  else for (let i = 0; i < 8; i++) copy[i] = 255 - (copy[i] as number);
  return new DataView(copy.buffer).getFloat64(0);
}

/**
 * A bigint: a sign byte (0 negative, 1 otherwise), the magnitude's length in
 * bytes as a u32 (inverted for a negative number, so that longer sorts lower),
 * then the magnitude big-endian without leading zero bytes (each byte inverted
 * for a negative number).
 */
function writeBigint(out: Out, value: bigint): void {
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  const digits: number[] = [];
  while (magnitude > 0n) {
    digits.push(Number(magnitude & 0xffn));
    magnitude >>= 8n;
  }
  digits.reverse();
  if (digits.length > 0xffffffff) throw new InvalidArgumentError('a bigint key longer than 2^32 bytes cannot be encoded');
  const length = negative ? 0xffffffff - digits.length : digits.length;
  out.byte(negative ? 0 : 1);
  out.put(Uint8Array.of(length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff));
  out.put(Uint8Array.from(digits, (d) => (negative ? 255 - d : d)));
}

/** Encodes one key into `out`; `inTuple` selects the element form. */
function write(out: Out, key: unknown, inTuple: boolean, depth: number): void {
  if (typeof key === 'string') {
    if (!inTuple) return out.put(textBytes(key));
    out.byte(ELEMENT_TYPE.STRING);
    return out.escaped(textBytes(key));
  }
  if (key === null) return out.byte(inTuple ? ELEMENT_TYPE.NULL : KEY_PREFIX.NULL);
  if (typeof key === 'boolean') return out.byte(inTuple ? (key ? ELEMENT_TYPE.TRUE : ELEMENT_TYPE.FALSE) : key ? KEY_PREFIX.TRUE : KEY_PREFIX.FALSE);
  if (typeof key === 'number') {
    out.byte(inTuple ? ELEMENT_TYPE.NUMBER : KEY_PREFIX.NUMBER);
    return writeNumber(out, key);
  }
  if (typeof key === 'bigint') {
    out.byte(inTuple ? ELEMENT_TYPE.BIGINT : KEY_PREFIX.BIGINT);
    return writeBigint(out, key);
  }
  if (key instanceof Date) {
    const time = key.getTime();
    if (Number.isNaN(time)) throw new InvalidArgumentError('an invalid Date (its time is NaN) cannot be a key');
    out.byte(inTuple ? ELEMENT_TYPE.DATE : KEY_PREFIX.DATE);
    return writeNumber(out, time);
  }
  if (key instanceof Uint8Array) {
    if (!inTuple) {
      out.byte(KEY_PREFIX.BYTES);
      return out.put(key);
    }
    out.byte(ELEMENT_TYPE.BYTES);
    return out.escaped(key);
  }
  if (Array.isArray(key)) {
    if (depth >= TUPLE_DEPTH_MAX) throw new InvalidArgumentError(`a key nests tuples deeper than ${TUPLE_DEPTH_MAX}`);
    out.byte(inTuple ? ELEMENT_TYPE.TUPLE : KEY_PREFIX.TUPLE);
    for (let i = 0; i < key.length; i++) write(out, key[i], true, depth + 1);
    return out.byte(ELEMENT_TYPE.END);
  }
  throw new InvalidArgumentError(`an ordered key is a string, number, bigint, boolean, null, Date, Uint8Array or an array of these, got ${key === undefined ? 'undefined' : typeof key}`);
}

/**
 * Encodes a key so that bytewise order is the key's natural order (FORMAT.md
 * §Ordered keys). O(size of the key).
 *
 * @example
 * encodeOrderedKey('abc')      // 61 62 63: plain UTF-8
 * encodeOrderedKey([30, 'x'])  // FC | 05 C0 3E 00 00 00 00 00 00 | 01 78 00 00 | 00
 * @throws InvalidArgumentError for undefined, an object that is not a Date, Uint8Array or array, an invalid Date, a string with a lone surrogate, or tuples nested deeper than TUPLE_DEPTH_MAX
 */
export function encodeOrderedKey(key: OrderedKey): Uint8Array {
  const out = new Out();
  write(out, key, false, 0);
  return out.bytes.slice(0, out.length);
}

/** Reads keys from bytes, refusing anything an encoder could not have written. */
class In {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}

  fail(what: string): never {
    throw new CorruptDatabaseError(`an ordered key is damaged: ${what} (at byte ${this.at})`, -1);
  }

  need(count: number): void {
    if (this.at + count > this.bytes.length) this.fail(`it ends inside a value that needs ${count} more bytes`);
  }

  /** An escaped run up to its terminator 00 00. */
  escaped(): Uint8Array {
    const bytes = this.bytes;
    const out: number[] = [];
    for (;;) {
      this.need(1);
      const b = bytes[this.at++] as number;
      if (b !== 0) {
        out.push(b);
        continue;
      }
      this.need(1);
      const next = bytes[this.at++] as number;
      if (next === 0) return Uint8Array.from(out);
      if (next !== ESCAPED_ZERO) this.fail(`0x00 is followed by 0x${next.toString(16)}, neither an escape nor a terminator`);
      out.push(0);
    }
  }

  /** A number as the encoder writes it: never -0, and only the one NaN it writes. */
  number(): number {
    this.need(8);
    const value = readNumber(this.bytes, this.at);
    if (Object.is(value, -0)) this.fail('a number is -0, which the encoding writes as 0');
    if (Number.isNaN(value) && (this.bytes[this.at] !== 0xff || this.bytes[this.at + 1] !== 0xf8 || this.bytes.subarray(this.at + 2, this.at + 8).some((b) => b !== 0))) this.fail('a NaN other than the one the encoding writes');
    this.at += 8;
    return value;
  }

  date(): Date {
    const time = this.number();
    // A Date's time is a whole number of milliseconds within ±8.64e15 (ECMA-262 TimeClip).
    if (!Number.isInteger(time) || Math.abs(time) > 8.64e15) this.fail(`a Date whose time ${time} no Date has`);
    return new Date(time);
  }

  bigint(): bigint {
    this.need(5);
    const bytes = this.bytes;
    const sign = bytes[this.at] as number;
    if (sign > 1) this.fail(`a bigint sign byte is ${sign}`);
    const negative = sign === 0;
    const stated = (((bytes[this.at + 1] as number) << 24) >>> 0) + ((bytes[this.at + 2] as number) << 16) + ((bytes[this.at + 3] as number) << 8) + (bytes[this.at + 4] as number);
    const length = negative ? 0xffffffff - stated : stated;
    this.at += 5;
    this.need(length);
    let magnitude = 0n;
    for (let i = 0; i < length; i++) magnitude = (magnitude << 8n) | BigInt(negative ? 255 - (bytes[this.at + i] as number) : (bytes[this.at + i] as number));
    if (length > 0 && (negative ? 255 - (bytes[this.at] as number) : (bytes[this.at] as number)) === 0) this.fail('a bigint magnitude has a leading zero byte');
    if (negative && length === 0) this.fail('a negative bigint has no magnitude');
    this.at += length;
    return negative ? -magnitude : magnitude;
  }

  element(depth: number): OrderedKey {
    this.need(1);
    const type = this.bytes[this.at++] as number;
    switch (type) {
      case ELEMENT_TYPE.STRING:
        return decodeText(this.escaped(), this);
      case ELEMENT_TYPE.NULL:
        return null;
      case ELEMENT_TYPE.FALSE:
        return false;
      case ELEMENT_TYPE.TRUE:
        return true;
      case ELEMENT_TYPE.NUMBER:
        return this.number();
      case ELEMENT_TYPE.BIGINT:
        return this.bigint();
      case ELEMENT_TYPE.DATE:
        return this.date();
      case ELEMENT_TYPE.BYTES:
        return this.escaped();
      case ELEMENT_TYPE.TUPLE:
        return this.tuple(depth + 1);
      default:
        return this.fail(`unknown element type 0x${type.toString(16)}`);
    }
  }

  tuple(depth: number): OrderedKey[] {
    if (depth > TUPLE_DEPTH_MAX) this.fail(`tuples nest deeper than ${TUPLE_DEPTH_MAX}`);
    const items: OrderedKey[] = [];
    for (;;) {
      this.need(1);
      if (this.bytes[this.at] === ELEMENT_TYPE.END) {
        this.at++;
        return items;
      }
      items.push(this.element(depth));
    }
  }
}

function decodeText(bytes: Uint8Array, input: In): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return input.fail('a string is not valid UTF-8');
  }
}

/**
 * Decodes what {@link encodeOrderedKey} wrote. Bytes that do not start with a
 * type prefix are a string (plain UTF-8, as another xitdb writer may have
 * stored it). -0 comes back as 0 and every NaN as NaN.
 *
 * @throws CorruptDatabaseError when the bytes are not an encoded key (invalid UTF-8, a truncated value, trailing bytes, unknown types)
 */
export function decodeOrderedKey(bytes: Uint8Array): OrderedKey {
  const first = bytes[0];
  if (first === undefined || first < KEY_PREFIX.NULL) {
    const input = new In(bytes, 0);
    return decodeText(bytes, input);
  }
  const input = new In(bytes, 1);
  let key: OrderedKey;
  switch (first) {
    case KEY_PREFIX.NULL:
      key = null;
      break;
    case KEY_PREFIX.FALSE:
      key = false;
      break;
    case KEY_PREFIX.TRUE:
      key = true;
      break;
    case KEY_PREFIX.NUMBER:
      key = input.number();
      break;
    case KEY_PREFIX.BIGINT:
      key = input.bigint();
      break;
    case KEY_PREFIX.DATE:
      key = input.date();
      break;
    case KEY_PREFIX.BYTES:
      return bytes.slice(1);
    case KEY_PREFIX.TUPLE:
      key = input.tuple(1);
      break;
    default:
      return input.fail(`unknown key prefix 0x${first.toString(16)}`);
  }
  if (input.at !== bytes.length) input.fail(`${bytes.length - input.at} bytes follow the key`);
  return key;
}
