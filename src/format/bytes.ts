// Byte values (FORMAT.md §Short bytes, §Long bytes, §Format tags): when a value
// fits inline in a slot, and how the inline form packs bytes and a format tag.

import { InvalidArgumentError } from '../errors.js';
import { FORMAT_TAG_SIZE } from './constants.js';
import { Slot } from './slot.js';
import { Tag } from './tags.js';

/** FORMAT.md §Short bytes: inline capacity without a format tag. */
export const SHORT_BYTES_MAX = 8;
/** FORMAT.md §Short bytes: inline capacity with a format tag (the tag takes the last two bytes). */
export const SHORT_BYTES_TAGGED_MAX = 6;

/**
 * Checks that a format tag is absent or exactly two bytes.
 *
 * @param formatTag - the tag or undefined
 * @throws InvalidArgumentError when it has another length
 */
export function checkFormatTag(formatTag: Uint8Array | undefined): void {
  if (formatTag !== undefined && formatTag.length !== FORMAT_TAG_SIZE) {
    throw new InvalidArgumentError(`a format tag is exactly ${FORMAT_TAG_SIZE} bytes, got ${formatTag.length}`);
  }
}

/**
 * True when `bytes` (with or without a format tag) is stored inline in the slot:
 * short enough and free of 0x00, since the first 0x00 ends a short value.
 *
 * @param bytes - the value
 * @param tagged - whether a format tag comes with it
 */
export function fitsShortBytes(bytes: Uint8Array, tagged: boolean): boolean {
  if (bytes.length > (tagged ? SHORT_BYTES_TAGGED_MAX : SHORT_BYTES_MAX)) return false;
  return bytes.indexOf(0) === -1;
}

/**
 * Packs a short value into a slot (FORMAT.md §Short bytes).
 *
 * @param bytes - at most 8 bytes (6 with a tag), no 0x00
 * @param formatTag - an optional 2-byte format tag; sets the full flag
 */
export function shortBytesSlot(bytes: Uint8Array, formatTag?: Uint8Array): Slot {
  // Pack the value's bytes (then the tag in bytes 6 and 7) into two big-endian halves, without allocating.
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const byte = formatTag !== undefined && i >= SHORT_BYTES_TAGGED_MAX ? (formatTag[i - SHORT_BYTES_TAGGED_MAX] as number) : (bytes[i] ?? 0);
    if (i < 4) hi = hi * 256 + byte;
    else lo = lo * 256 + byte;
  }
  return new Slot(Tag.SHORT_BYTES, formatTag !== undefined, hi, lo);
}

/** A byte value and its optional format tag, as read from a slot. */
export interface TaggedBytes {
  /** The value. */
  readonly bytes: Uint8Array;
  /** The 2-byte format tag, when the value has one. */
  readonly formatTag: Uint8Array | undefined;
}

/**
 * Unpacks a short-bytes slot: the value runs to the first 0x00 or to the
 * capacity (6 bytes when the full flag marks a format tag, else 8).
 *
 * @param slot - a slot with tag short_bytes
 */
export function readShortBytes(slot: Slot): TaggedBytes {
  const capacity = slot.full ? SHORT_BYTES_TAGGED_MAX : SHORT_BYTES_MAX;
  let length = 0;
  while (length < capacity && shortByte(slot.hi, slot.lo, length) !== 0) length++;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = shortByte(slot.hi, slot.lo, i);
  return {
    bytes,
    formatTag: slot.full ? new Uint8Array([shortByte(slot.hi, slot.lo, 6), shortByte(slot.hi, slot.lo, 7)]) : undefined,
  };
}

/** Byte `i` (0 to 7) of a slot value given as its two u32 halves, big-endian. */
export function shortByte(hi: number, lo: number, i: number): number {
  return i < 4 ? (hi >>> (24 - 8 * i)) & 0xff : (lo >>> (56 - 8 * i)) & 0xff;
}
