// Whether two different slots still hold the same scalar: long bytes written
// twice (two records, one content), or the same short text stored once inline
// and once as a record by another implementation. Structures are compared by
// their own differs, not here.

import { Tag } from '../format/tags.js';
import type { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import { readBytesValue } from '../core/bytes-values.js';

function isBytesTag(tag: number): boolean {
  return tag === Tag.BYTES || tag === Tag.SHORT_BYTES;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when two slots hold the same scalar value: equal slots, or bytes with
 * equal content and format tag. O(length of the bytes) for long bytes.
 *
 * @param io - the database
 * @param a - one slot
 * @param aFrom - where `a` is stored, for errors
 * @param b - the other slot
 * @param bFrom - where `b` is stored, for errors
 * @throws CorruptDatabaseError when a bytes record lies past the data
 */
export function sameScalar(io: BlockIO, a: Slot, aFrom: number, b: Slot, bFrom: number): boolean {
  if (a.equals(b)) return true;
  if (!isBytesTag(a.tag) || !isBytesTag(b.tag)) return false;
  const left = readBytesValue(io, a, aFrom);
  const right = readBytesValue(io, b, bFrom);
  return sameBytes(left.formatTag, right.formatTag) && sameBytes(left.bytes, right.bytes);
}
