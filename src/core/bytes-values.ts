// Reading, writing and comparing byte values held in slots (FORMAT.md §Short
// bytes, §Long bytes). Long bytes are a u64 length, the bytes, then the 2-byte
// format tag when the slot's full flag says there is one.

import { CorruptDatabaseError, OutOfRangeError, WrongTypeError } from '../errors.js';
import { FORMAT_TAG_SIZE, LONG_BYTES_LENGTH_SIZE } from '../format/constants.js';
import { SHORT_BYTES_MAX, SHORT_BYTES_TAGGED_MAX, checkFormatTag, fitsShortBytes, readShortBytes, shortByte, shortBytesSlot, type TaggedBytes } from '../format/bytes.js';
import { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from './block-io.js';
import { COPY_LOOP_SIZE_MAX } from '../base/tuning.js';
import { copyOut } from './byte-pool.js';

/**
 * Makes the slot for a byte value: inline when it fits (FORMAT.md §Short bytes),
 * otherwise appended as long bytes.
 *
 * @param io - the database (appends when the value is long)
 * @param bytes - the value
 * @param formatTag - optional 2-byte format tag
 */
export function bytesSlot(io: BlockIO, bytes: Uint8Array, formatTag?: Uint8Array): Slot {
  checkFormatTag(formatTag);
  if (fitsShortBytes(bytes, formatTag !== undefined)) return shortBytesSlot(bytes, formatTag);
  // Length, bytes, tag: three appends, so no record is assembled (and copied) first.
  const position = io.end();
  io.writeU64(position, bytes.length);
  io.append(bytes);
  if (formatTag !== undefined) io.append(formatTag);
  return Slot.pointer(Tag.BYTES, position, formatTag !== undefined);
}

/**
 * Reads the length of a long-bytes record and checks that the record fits in
 * the data, so no allocation can exceed the file.
 *
 * @returns the value's length in bytes
 */
export function longBytesLength(io: BlockIO, slot: Slot, from: number): number {
  const position = io.checkPointer(slot.position, LONG_BYTES_LENGTH_SIZE, from);
  const length = io.readU64(position);
  const tagSize = slot.full ? FORMAT_TAG_SIZE : 0;
  if (position + LONG_BYTES_LENGTH_SIZE + length + tagSize > io.storage.size()) {
    throw new CorruptDatabaseError(`a byte value claims ${length} bytes, more than the data holds`, position);
  }
  return length;
}

/**
 * Reads a byte value and its format tag from a bytes or short-bytes slot.
 *
 * @param io - the database
 * @param slot - the slot
 * @param from - where the slot was read, for errors
 * @throws WrongTypeError when the slot holds something else
 */
export function readBytesValue(io: BlockIO, slot: Slot, from: number): TaggedBytes {
  if (slot.tag === Tag.SHORT_BYTES) return readShortBytes(slot);
  if (slot.tag !== Tag.BYTES) throw new WrongTypeError(`expected bytes, found ${tagName(slot.tag)}`);
  const length = longBytesLength(io, slot, from);
  const start = slot.position + LONG_BYTES_LENGTH_SIZE;
  return {
    // A buffer of its own, never the pool's: the JS API hands these to applications, which may transfer `bytes.buffer`.
    bytes: io.readBytes(start, length),
    formatTag: slot.full ? io.readBytes(start + length, FORMAT_TAG_SIZE) : undefined,
  };
}

/** Long values up to this many bytes are copied through `locate`, longer ones in chunks of it. */
const COPY_CHUNK = 4096;

/**
 * A byte value (without its format tag) copied into a new array, as
 * {@link readBytesValue} reads it but with no record object around it: the
 * read for hot loops that hand each value out. Arrays of 65 to 1,024 bytes
 * share their buffer with other results (`core/byte-pool.ts` says why).
 *
 * @throws WrongTypeError when the slot holds something else
 */
export function readBytesCopy(io: BlockIO, slot: Slot, from: number): Uint8Array {
  if (slot.tag === Tag.SHORT_BYTES) return readShortBytes(slot).bytes;
  if (slot.tag !== Tag.BYTES) throw new WrongTypeError(`expected bytes, found ${tagName(slot.tag)}`);
  const length = longBytesLength(io, slot, from);
  const start = slot.position + LONG_BYTES_LENGTH_SIZE;
  if (length > COPY_CHUNK) return io.readBytes(start, length);
  const storage = io.storage;
  // `locate` first: a paged storage may bring other bytes into `bytes` for it.
  const offset = storage.locate(start, length);
  return copyOut(storage.bytes, offset, length);
}

/**
 * Copies a byte value (without its format tag) into `target` at `offset`,
 * allocating nothing: short values from the slot's halves, long ones from the
 * storage's bytes, a chunk at a time.
 *
 * @returns the value's length in bytes
 * @throws WrongTypeError when the slot holds something else
 * @throws OutOfRangeError when the value does not fit in `target` from `offset`
 */
export function readBytesValueInto(io: BlockIO, slot: Slot, from: number, target: Uint8Array, offset: number): number {
  if (!Number.isInteger(offset) || offset < 0 || offset > target.length) throw new OutOfRangeError(`offset ${String(offset)} is outside the target of ${target.length} bytes`);
  if (slot.tag === Tag.SHORT_BYTES) {
    const capacity = slot.full ? SHORT_BYTES_TAGGED_MAX : SHORT_BYTES_MAX;
    let length = 0;
    while (length < capacity && shortByte(slot.hi, slot.lo, length) !== 0) length++;
    checkRoom(length, target, offset);
    for (let i = 0; i < length; i++) target[offset + i] = shortByte(slot.hi, slot.lo, i);
    return length;
  }
  if (slot.tag !== Tag.BYTES) throw new WrongTypeError(`expected bytes, found ${tagName(slot.tag)}`);
  const length = longBytesLength(io, slot, from);
  checkRoom(length, target, offset);
  const start = slot.position + LONG_BYTES_LENGTH_SIZE;
  const storage = io.storage;
  for (let done = 0; done < length; done += COPY_CHUNK) {
    const size = Math.min(COPY_CHUNK, length - done);
    const at = storage.locate(start + done, size);
    const bytes = storage.bytes;
    // A byte loop beats set() of a subarray (which allocates a view) for small values.
    if (size <= COPY_LOOP_SIZE_MAX) for (let i = 0; i < size; i++) target[offset + done + i] = bytes[at + i] as number;
    else target.set(bytes.subarray(at, at + size), offset + done);
  }
  return length;
}

function checkRoom(length: number, target: Uint8Array, offset: number): void {
  if (length > target.length - offset) throw new OutOfRangeError(`a value of ${length} bytes does not fit in the ${target.length - offset} bytes of the target from offset ${offset}`);
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Longest long-bytes value decoded by {@link asciiText}; longer ones go to TextDecoder. */
const ASCII_TEXT_MAX = 64;

/** The 8 bytes of a short-bytes slot, unpacked for {@link asciiText}. */
const shortScratch = new Uint8Array(8);

/**
 * The text of `length` ASCII bytes at `offset`, or undefined when a byte is not
 * ASCII. One String.fromCharCode call with the codes as arguments for up to 16
 * bytes: several times faster than concatenating characters or TextDecoder for
 * the short strings that keys and small values are.
 */
function asciiText(bytes: Uint8Array, offset: number, length: number): string | undefined {
  for (let i = 0; i < length; i++) if ((bytes[offset + i] as number) >= 0x80) return undefined;
  const b = (i: number): number => bytes[offset + i] as number;
  switch (length) {
    case 0: return '';
    case 1: return String.fromCharCode(b(0));
    case 2: return String.fromCharCode(b(0), b(1));
    case 3: return String.fromCharCode(b(0), b(1), b(2));
    case 4: return String.fromCharCode(b(0), b(1), b(2), b(3));
    case 5: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4));
    case 6: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5));
    case 7: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6));
    case 8: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7));
    case 9: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8));
    case 10: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9));
    case 11: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10));
    case 12: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11));
    case 13: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11), b(12));
    case 14: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11), b(12), b(13));
    case 15: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11), b(12), b(13), b(14));
    case 16: return String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11), b(12), b(13), b(14), b(15));
    default: {
      // One string per character concatenated costs twice a call with all of them (16-character keys measured).
      let text = String.fromCharCode(b(0), b(1), b(2), b(3), b(4), b(5), b(6), b(7), b(8), b(9), b(10), b(11), b(12), b(13), b(14), b(15));
      for (let i = 16; i < length; i++) text += String.fromCharCode(b(i));
      return text;
    }
  }
}

/** Unpacks a short-bytes value into {@link shortScratch} (without its format tag); returns its length. */
function unpackShort(slot: Slot): number {
  const capacity = slot.full ? SHORT_BYTES_TAGGED_MAX : SHORT_BYTES_MAX;
  let length = 0;
  for (; length < capacity; length++) {
    const byte = shortByte(slot.hi, slot.lo, length);
    if (byte === 0) break;
    shortScratch[length] = byte;
  }
  return length;
}

/**
 * The text of an untagged byte value of up to 64 bytes that is all ASCII, read in
 * place; undefined for anything else (a format tag, a longer value, a non-ASCII
 * byte, not bytes at all), which the caller decodes its own way. ASCII is valid
 * UTF-8, so this never disagrees with a strict decoder.
 */
export function readAsciiValue(io: BlockIO, slot: Slot, from: number): string | undefined {
  if (slot.full) return undefined;
  if (slot.tag === Tag.SHORT_BYTES) return asciiText(shortScratch, 0, unpackShort(slot));
  if (slot.tag !== Tag.BYTES) return undefined;
  const length = longBytesLength(io, slot, from);
  if (length > ASCII_TEXT_MAX) return undefined;
  const storage = io.storage;
  const offset = storage.locate(slot.position + LONG_BYTES_LENGTH_SIZE, length);
  return asciiText(storage.bytes, offset, length);
}

/**
 * A byte value decoded as UTF-8 (invalid sequences become U+FFFD), read in
 * place: short values from the slot's halves, long ones from the storage's
 * bytes, ASCII without any allocation but the string. The format tag, if
 * any, is not part of the text.
 *
 * @throws WrongTypeError when the slot holds something else
 */
export function readStringValue(io: BlockIO, slot: Slot, from: number): string {
  if (slot.tag === Tag.SHORT_BYTES) {
    const length = unpackShort(slot);
    return asciiText(shortScratch, 0, length) ?? decoder.decode(shortScratch.subarray(0, length));
  }
  if (slot.tag !== Tag.BYTES) throw new WrongTypeError(`expected bytes, found ${tagName(slot.tag)}`);
  const length = longBytesLength(io, slot, from);
  const start = slot.position + LONG_BYTES_LENGTH_SIZE;
  if (length > ASCII_TEXT_MAX) return decoder.decode(io.readBytes(start, length));
  const storage = io.storage;
  const offset = storage.locate(start, length);
  return asciiText(storage.bytes, offset, length) ?? decoder.decode(io.readBytes(start, length));
}

/**
 * True when a short-bytes value (FORMAT.md §Short bytes) is exactly `key` with
 * exactly `formatTag`, read from the value's halves without allocating.
 */
export function shortBytesEqual(hi: number, lo: number, full: boolean, key: Uint8Array, formatTag: Uint8Array | undefined): boolean {
  const capacity = full ? SHORT_BYTES_TAGGED_MAX : SHORT_BYTES_MAX;
  if (key.length > capacity) return false;
  for (let i = 0; i < key.length; i++) if (shortByte(hi, lo, i) !== key[i]) return false;
  // The stored value ends at its capacity or at its first 0x00.
  if (key.length < capacity && shortByte(hi, lo, key.length) !== 0) return false;
  if (formatTag === undefined) return !full;
  return full && shortByte(hi, lo, 6) === formatTag[0] && shortByte(hi, lo, 7) === formatTag[1];
}

/**
 * True when the bytes or short-bytes slot holds exactly `key` with exactly
 * `formatTag` (both absent, or both the same two bytes). Used for key identity
 * in maps; reads long keys in place without copying them.
 */
export function bytesEqualSlot(io: BlockIO, slot: Slot, key: Uint8Array, formatTag: Uint8Array | undefined, from: number): boolean {
  if (slot.full !== (formatTag !== undefined)) return false;
  if (slot.tag === Tag.SHORT_BYTES) return shortBytesEqual(slot.hi, slot.lo, slot.full, key, formatTag);
  const length = longBytesLength(io, slot, from);
  if (length !== key.length) return false;
  const start = slot.position + LONG_BYTES_LENGTH_SIZE;
  if (formatTag !== undefined) {
    const offset = io.storage.locate(start + length, FORMAT_TAG_SIZE);
    if (io.storage.bytes[offset] !== formatTag[0] || io.storage.bytes[offset + 1] !== formatTag[1]) return false;
  }
  const chunk = 4096;
  for (let done = 0; done < length; done += chunk) {
    const size = Math.min(chunk, length - done);
    const offset = io.storage.locate(start + done, size);
    const bytes = io.storage.bytes;
    for (let i = 0; i < size; i++) if (bytes[offset + i] !== key[done + i]) return false;
  }
  return true;
}
