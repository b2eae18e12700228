// The 9-byte slot (FORMAT.md §Slot): a tag byte (full flag + 7-bit tag) and a
// big-endian u64 value, held here as two u32 halves so no BigInt is needed.

import { CorruptDatabaseError, InvalidArgumentError } from '../errors.js';
import { FULL_FLAG, TAG_MASK, Tag, tagName } from './tags.js';
import { SLOT_SIZE, TWO_POW_32 } from './constants.js';

/**
 * One slot: what a tag byte and an 8-byte value say. Immutable.
 *
 * A slot either holds its value inline (uint, int, float, short bytes, none) or
 * points at a record elsewhere in the database (`position`).
 */
export class Slot {
  /** The 7-bit tag, one of {@link Tag}. */
  readonly tag: number;
  /** The high bit of the tag byte; its meaning depends on the tag (FORMAT.md §Slot). */
  readonly full: boolean;
  /** High 32 bits of the value. */
  readonly hi: number;
  /** Low 32 bits of the value. */
  readonly lo: number;

  /**
   * @param tag - the 7-bit tag
   * @param full - the full flag
   * @param hi - high 32 bits of the value (unsigned)
   * @param lo - low 32 bits of the value (unsigned)
   */
  constructor(tag: number, full: boolean, hi: number, lo: number) {
    this.tag = tag;
    this.full = full;
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }

  /** The empty slot: tag none, not full, value 0. */
  static readonly EMPTY = new Slot(Tag.NONE, false, 0, 0);

  /**
   * A slot whose value is a position in the database.
   *
   * @param tag - the tag of the record at `position`
   * @param position - an absolute offset below 2^53
   * @param full - the full flag (false unless the format says otherwise)
   */
  static pointer(tag: number, position: number, full = false): Slot {
    return new Slot(tag, full, Math.floor(position / TWO_POW_32), position % TWO_POW_32);
  }

  /** True when the slot was never written: tag none and not full (FORMAT.md §Slot). */
  get isEmpty(): boolean {
    return this.tag === Tag.NONE && !this.full;
  }

  /** The value as a position; exact because positions stay below 2^53. */
  get position(): number {
    return this.hi * TWO_POW_32 + this.lo;
  }

  /** The value as an unsigned 64-bit integer. */
  get valueU64(): bigint {
    // Most values fit the low half: one BigInt instead of three.
    if (this.hi === 0) return BigInt(this.lo);
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The value as a two's-complement signed 64-bit integer. */
  get valueI64(): bigint {
    return BigInt.asIntN(64, this.valueU64);
  }

  /** The 9 bytes of this slot as FORMAT.md §Slot lays them out. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(SLOT_SIZE);
    writeSlotInto(new DataView(out.buffer), 0, this);
    return out;
  }

  /** True when both slots have the same tag, flag and value. */
  equals(other: Slot): boolean {
    return this.tag === other.tag && this.full === other.full && this.hi === other.hi && this.lo === other.lo;
  }

  /** @returns a short description such as `hash_map@180` */
  toString(): string {
    return `${tagName(this.tag)}${this.full ? '!' : ''}@${this.position}`;
  }
}

/**
 * Decodes the slot at `offset` of `view`.
 *
 * @param view - the bytes
 * @param offset - where the slot starts in `view`
 */
export function readSlotFrom(view: DataView, offset: number): Slot {
  const tagByte = view.getUint8(offset);
  return new Slot(tagByte & TAG_MASK, (tagByte & FULL_FLAG) !== 0, view.getUint32(offset + 1), view.getUint32(offset + 5));
}

/**
 * Encodes `slot` at `offset` of `view`.
 *
 * @param view - the target bytes
 * @param offset - where the slot starts
 * @param slot - what to write
 */
export function writeSlotInto(view: DataView, offset: number, slot: Slot): void {
  view.setUint8(offset, (slot.full ? FULL_FLAG : 0) | slot.tag);
  view.setUint32(offset + 1, slot.hi);
  view.setUint32(offset + 5, slot.lo);
}

/**
 * Joins two u32 halves into a position, refusing values that JS numbers cannot
 * hold exactly (FORMAT.md §Limits).
 *
 * @param hi - high half
 * @param lo - low half
 * @param at - where the value was read, for the error
 * @throws CorruptDatabaseError when the value is 2^53 or more
 */
export function joinPosition(hi: number, lo: number, at: number): number {
  if (hi >= 0x200000) throw new CorruptDatabaseError(`position or count ${hi} * 2^32 + ${lo} is beyond 2^53`, at);
  return hi * TWO_POW_32 + lo;
}

/**
 * The slot for an unsigned 64-bit integer (FORMAT.md §Tags, uint).
 *
 * @param value - 0 to 2^64 - 1; a number must be a safe integer
 * @throws InvalidArgumentError when it is out of range
 */
export function uintSlot(value: bigint | number): Slot {
  if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value)) {
    // The common case without an intermediate array.
    return new Slot(Tag.UINT, false, Math.floor(value / TWO_POW_32), value % TWO_POW_32);
  }
  const [hi, lo] = splitU64(value);
  return new Slot(Tag.UINT, false, hi, lo);
}

/**
 * The slot for a signed 64-bit integer (FORMAT.md §Tags, int).
 *
 * @param value - -2^63 to 2^63 - 1; a number must be a safe integer
 * @throws InvalidArgumentError when it is out of range
 */
export function intSlot(value: bigint | number): Slot {
  const [hi, lo] = splitI64(value);
  return new Slot(Tag.INT, false, hi, lo);
}

const floatView = new DataView(new ArrayBuffer(8));

/** The 64-bit float whose bits are the halves `hi`, `lo` (the value of a float slot). */
export function floatFromHalves(hi: number, lo: number): number {
  floatView.setUint32(0, hi);
  floatView.setUint32(4, lo);
  return floatView.getFloat64(0);
}

/** The slot for a 64-bit float (FORMAT.md §Tags, float); every bit pattern is kept. */
export function floatSlot(value: number): Slot {
  floatView.setFloat64(0, value);
  return new Slot(Tag.FLOAT, false, floatView.getUint32(0), floatView.getUint32(4));
}

/**
 * Splits a u64 given as a bigint or a safe integer number into halves.
 *
 * @param value - the value, 0 to 2^64 - 1
 * @throws InvalidArgumentError when it is out of range
 */
export function splitU64(value: bigint | number): [number, number] {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`${value} is not an unsigned integer below 2^53; pass a bigint for larger values`);
    return [Math.floor(value / TWO_POW_32), value % TWO_POW_32];
  }
  if (value < 0n || value > 0xffffffffffffffffn) throw new InvalidArgumentError(`${value} does not fit in an unsigned 64-bit integer`);
  return [Number(value >> 32n), Number(value & 0xffffffffn)];
}

/**
 * Splits a signed 64-bit integer (bigint or safe integer number) into two's-complement halves.
 *
 * @param value - the value, -2^63 to 2^63 - 1
 * @throws InvalidArgumentError when it is out of range
 */
export function splitI64(value: bigint | number): [number, number] {
  const big = typeof value === 'number' ? toSafeBigInt(value) : value;
  if (big < -(2n ** 63n) || big >= 2n ** 63n) throw new InvalidArgumentError(`${value} does not fit in a signed 64-bit integer`);
  const u = BigInt.asUintN(64, big);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

function toSafeBigInt(value: number): bigint {
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`${value} is not a safe integer; pass a bigint`);
  return BigInt(value);
}
