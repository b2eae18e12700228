// The commit trailer (FORMAT.md §Commit trailer): a record that ends every
// commit this build writes, inside the committed size, that no slot points at.
// xitdb readers follow pointers and never see it; stratadb reads it to roll a
// commit forward when its header was lost or torn, and to give each moment a
// time and metadata. This module is the byte layout only: encoding, decoding
// and the structural checks; history/trailers.ts reads and checks them in a
// storage.

import { TWO_POW_32 } from './constants.js';

/** FORMAT.md §Commit trailer: the eight bytes a trailer starts with, `89 'STRATA' 0a`. */
export const TRAILER_MAGIC = new Uint8Array([0x89, 0x53, 0x54, 0x52, 0x41, 0x54, 0x41, 0x0a]);
/** FORMAT.md §Commit trailer: the only trailer version this build writes and reads. */
export const TRAILER_VERSION = 1;
/** FORMAT.md §Commit trailer: bytes before the metadata. */
export const TRAILER_FIXED_SIZE = 80;
/** FORMAT.md §Commit trailer: the checksum and the trailer size after the metadata. */
export const TRAILER_FOOTER_SIZE = 8;
/** FORMAT.md §Commit trailer: the smallest trailer, without metadata. */
export const TRAILER_SIZE_MIN = TRAILER_FIXED_SIZE + TRAILER_FOOTER_SIZE;
/** FORMAT.md §Commit trailer: the most metadata bytes a trailer holds (64 KiB). */
export const TRAILER_META_SIZE_MAX = 65536;
/** FORMAT.md §Commit trailer: flag bit 0, the checksum covers the commit's data too. */
export const TRAILER_FLAG_DATA_CHECKED = 1;
/** The restored-moment field of a commit that restored none: all 64 bits set. */
const NO_RESTORED_MOMENT = -1;

/** FORMAT.md §Commit trailer: what the commit did. */
export const TrailerKind = {
  /** A transaction appended a moment. */
  TRANSACTION: 1,
  /** A revert (or undo) appended a copy of an older moment. */
  REVERT: 2,
  /** The history was sliced: the newest moments were dropped. */
  HISTORY_SLICE: 3,
} as const;
/** One of {@link TrailerKind}'s values. */
export type TrailerKind = (typeof TrailerKind)[keyof typeof TrailerKind];

/** The fields of a commit trailer, as encoded. */
export interface CommitTrailerFields {
  /** What the commit did. */
  readonly kind: TrailerKind;
  /** Whether the checksum covers the commit's data (from `previousSize`), or only the trailer. */
  readonly dataChecked: boolean;
  /** The committed size before this commit: where its bytes start. */
  readonly previousSize: number;
  /** Where the previous trailer ends, 0 when none is known (a first commit, or the file's earlier commits carry none). */
  readonly previousTrailerEnd: number;
  /** This trailer's number in its chain, from 1. */
  readonly sequence: number;
  /** Where the trailer of sequence {@link jumpSequence}(sequence) ends, 0 when that is 0. */
  readonly jumpEnd: number;
  /** The history header this commit wrote: moment count. */
  readonly count: number;
  /** The history header this commit wrote: history root. */
  readonly root: number;
  /** Commit time, milliseconds since 1970-01-01 UTC, never below the previous trailer's. */
  readonly time: number;
  /** For a revert, the moment it copied; -1 otherwise. */
  readonly restoredMoment: number;
  /** Caller metadata: UTF-8 JSON, or empty. */
  readonly meta: Uint8Array;
}

/** A decoded trailer: its fields and where it lies. */
export interface CommitTrailer extends CommitTrailerFields {
  /** Position of its first byte. */
  readonly start: number;
  /** Position past its last byte: the committed size of its commit. */
  readonly end: number;
  /** The stored CRC-32C. */
  readonly checksum: number;
}

/**
 * The sequence number a trailer's jump pointer names (FORMAT.md §Commit
 * trailer, jumps): Myers' skew-binary jump pointers over a chain, so that the
 * last trailer at or before a time is found in O(log n) reads. 0 means none.
 * It is `sequence` minus the last term of the greedy decomposition of
 * `sequence` into numbers of the form 2^k - 1 (6 = 3 + 3 jumps to 3, 5 = 3 + 1
 * + 1 jumps to 4, 7 jumps to 0).
 *
 * @param sequence - a sequence number, from 1
 */
export function jumpSequence(sequence: number): number {
  let rest = sequence;
  let last = 0;
  while (rest > 0) {
    let size = 1;
    while (size * 2 + 1 <= rest) size = size * 2 + 1;
    last = size;
    rest -= size;
  }
  return sequence - last;
}

/**
 * Encodes a trailer with its checksum field left 0 (the checksum covers these
 * bytes, so it is computed after, and written with {@link setTrailerChecksum}).
 *
 * @param fields - what the trailer says
 * @returns {@link TRAILER_SIZE_MIN} + meta bytes
 */
export function encodeTrailer(fields: CommitTrailerFields): Uint8Array {
  const size = TRAILER_SIZE_MIN + fields.meta.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(TRAILER_MAGIC, 0);
  view.setUint8(8, TRAILER_VERSION);
  view.setUint8(9, fields.kind);
  view.setUint8(10, fields.dataChecked ? TRAILER_FLAG_DATA_CHECKED : 0);
  view.setUint32(12, fields.meta.length);
  setU64(view, 16, fields.previousSize);
  setU64(view, 24, fields.previousTrailerEnd);
  setU64(view, 32, fields.sequence);
  setU64(view, 40, fields.jumpEnd);
  setU64(view, 48, fields.count);
  setU64(view, 56, fields.root);
  setU64(view, 64, fields.time);
  if (fields.restoredMoment === NO_RESTORED_MOMENT) {
    view.setUint32(72, 0xffffffff);
    view.setUint32(76, 0xffffffff);
  } else {
    setU64(view, 72, fields.restoredMoment);
  }
  out.set(fields.meta, TRAILER_FIXED_SIZE);
  view.setUint32(size - 4, size);
  return out;
}

/**
 * Writes the checksum into an encoded trailer.
 *
 * @param trailer - bytes from {@link encodeTrailer}
 * @param checksum - the CRC-32C over what FORMAT.md says it covers
 */
export function setTrailerChecksum(trailer: Uint8Array, checksum: number): void {
  new DataView(trailer.buffer, trailer.byteOffset, trailer.byteLength).setUint32(trailer.length - TRAILER_FOOTER_SIZE, checksum);
}

/**
 * The size a trailer ending with these four bytes claims, or -1 when it
 * cannot be a trailer's (below the minimum or above the maximum).
 *
 * @param footer - the last 4 bytes before a candidate trailer end
 */
export function claimedTrailerSize(footer: Uint8Array): number {
  const size = ((footer[0] as number) * 0x1000000 + ((footer[1] as number) << 16) + ((footer[2] as number) << 8) + (footer[3] as number));
  if (size < TRAILER_SIZE_MIN || size > TRAILER_SIZE_MIN + TRAILER_META_SIZE_MAX) return -1;
  return size;
}

/**
 * Decodes a trailer that ends at `end` from its bytes, checking its structure
 * (magic, version, kind, flags, sizes, and that the positions it names lie
 * before it). It does not check the checksum: see history/trailers.ts.
 *
 * @param bytes - exactly the trailer's bytes
 * @param end - the position past its last byte
 * @returns the trailer, or undefined when these bytes are not a well-formed trailer
 */
export function decodeTrailer(bytes: Uint8Array, end: number): CommitTrailer | undefined {
  if (bytes.length < TRAILER_SIZE_MIN) return undefined;
  for (let i = 0; i < TRAILER_MAGIC.length; i++) if (bytes[i] !== TRAILER_MAGIC[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(8) !== TRAILER_VERSION) return undefined;
  const kind = view.getUint8(9);
  if (kind !== TrailerKind.TRANSACTION && kind !== TrailerKind.REVERT && kind !== TrailerKind.HISTORY_SLICE) return undefined;
  const flags = view.getUint8(10);
  if ((flags & ~TRAILER_FLAG_DATA_CHECKED) !== 0 || view.getUint8(11) !== 0) return undefined;
  const metaSize = view.getUint32(12);
  if (TRAILER_SIZE_MIN + metaSize !== bytes.length || view.getUint32(bytes.length - 4) !== bytes.length) return undefined;
  const start = end - bytes.length;
  const previousSize = getU64(view, 16);
  const previousTrailerEnd = getU64(view, 24);
  const sequence = getU64(view, 32);
  const jumpEnd = getU64(view, 40);
  const count = getU64(view, 48);
  const root = getU64(view, 56);
  const time = getU64(view, 64);
  const restoredMoment = view.getUint32(72) === 0xffffffff && view.getUint32(76) === 0xffffffff ? NO_RESTORED_MOMENT : getU64(view, 72);
  if (previousSize < 0 || previousSize > start || previousTrailerEnd < 0 || previousTrailerEnd > previousSize) return undefined;
  if (sequence < 1 || jumpEnd < 0 || jumpEnd > previousTrailerEnd) return undefined;
  if ((sequence === 1) !== (previousTrailerEnd === 0) || (jumpSequence(sequence) === 0) !== (jumpEnd === 0)) return undefined;
  if (root < 0 || root >= start || count < 0 || time < 0 || restoredMoment < NO_RESTORED_MOMENT) return undefined;
  if (kind === TrailerKind.REVERT ? restoredMoment < 0 || restoredMoment >= count : restoredMoment !== NO_RESTORED_MOMENT) return undefined;
  return {
    kind: kind as TrailerKind,
    dataChecked: flags === TRAILER_FLAG_DATA_CHECKED,
    previousSize,
    previousTrailerEnd,
    sequence,
    jumpEnd,
    count,
    root,
    time,
    restoredMoment,
    meta: bytes.slice(TRAILER_FIXED_SIZE, TRAILER_FIXED_SIZE + metaSize),
    start,
    end,
    checksum: view.getUint32(bytes.length - TRAILER_FOOTER_SIZE),
  };
}

function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, Math.floor(value / TWO_POW_32));
  view.setUint32(offset + 4, value % TWO_POW_32);
}

/** A u64 field as a number, or -2 when it is 2^53 or more (never valid in a trailer this build reads; -1 is the restored-moment field's none). */
function getU64(view: DataView, offset: number): number {
  const hi = view.getUint32(offset);
  if (hi >= 0x200000) return -2;
  return hi * TWO_POW_32 + view.getUint32(offset + 4);
}

/**
 * A commit time as text: ISO 8601 when a Date can hold it, else its
 * milliseconds. A trailer's time is any u64 below 2^53, and a Date holds only
 * ±8.64e15 ms (year 275760): a damaged or hostile trailer's time made
 * `toISOString()` throw a RangeError in `stratadb log` and in recovery's
 * message.
 *
 * @param time - ms since 1970-01-01 UTC
 */
export function commitTimeText(time: number): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? `${time} ms since 1970 (past the range of a date)` : date.toISOString();
}
