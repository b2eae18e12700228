// Commit trailers in a storage (FORMAT.md §Commit trailer): writing one at the
// end of a commit, reading the one that ends at a committed size, checking a
// checksum, the scans that recovery uses to roll forward, and the jump search
// over the chain of trailers that finds a moment by time.

import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE, INDEX_BLOCK_SIZE } from '../format/constants.js';
import {
  TRAILER_FIXED_SIZE,
  TRAILER_FOOTER_SIZE,
  TRAILER_MAGIC,
  TRAILER_META_SIZE_MAX,
  TRAILER_SIZE_MIN,
  claimedTrailerSize,
  decodeTrailer,
  encodeTrailer,
  setTrailerChecksum,
  type CommitTrailer,
  type CommitTrailerFields,
} from '../format/commit-trailer.js';
import { crc32c } from '../hash/crc32c.js';
import type { Storage } from '../storage/storage.js';

/** The first position a trailer can start at: after the headers and the first history root block. */
const TRAILER_START_MIN = HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE + INDEX_BLOCK_SIZE;
/** Bytes read per step when a checksum or a scan reads a range. */
const CHUNK_SIZE = 65536;
/** Reused by checksums and scans (one engine runs at a time: everything here is synchronous). */
const chunk = new Uint8Array(CHUNK_SIZE + TRAILER_MAGIC.length);
const footer = new Uint8Array(4);

/**
 * Appends a trailer at the end of `storage` and returns it. With `dataChecked`
 * the checksum covers the commit's bytes from `fields.previousSize`, read in
 * place from the storage (no copy where they lie in one page or segment);
 * otherwise only the trailer's own bytes.
 *
 * @param storage - the storage, holding the whole commit
 * @param fields - what the trailer says
 * @returns the trailer as written
 */
export function appendTrailer(storage: Storage, fields: CommitTrailerFields): CommitTrailer {
  const bytes = encodeTrailer(fields);
  const start = storage.size();
  const covered = bytes.length - TRAILER_FOOTER_SIZE;
  let checksum = fields.dataChecked ? checksumInPlace(storage, fields.previousSize, start) : 0;
  checksum = crc32c(checksum, bytes, 0, covered);
  setTrailerChecksum(bytes, checksum);
  storage.write(start, bytes);
  // The fields in decodeTrailer's order: one object shape for every trailer.
  return {
    kind: fields.kind,
    dataChecked: fields.dataChecked,
    previousSize: fields.previousSize,
    previousTrailerEnd: fields.previousTrailerEnd,
    sequence: fields.sequence,
    jumpEnd: fields.jumpEnd,
    count: fields.count,
    root: fields.root,
    time: fields.time,
    restoredMoment: fields.restoredMoment,
    meta: fields.meta,
    start,
    end: start + bytes.length,
    checksum,
  };
}

/** Bytes checksummed per locate, along boundaries of this size: a few kilobytes, as locate asks, and page and segment boundaries (where locate copies) fall on them. */
const IN_PLACE_STEP = 4096;

/** CRC-32C of `storage[from, to)` where the storage holds it, step by step along page boundaries. */
function checksumInPlace(storage: Storage, from: number, to: number): number {
  let crc = 0;
  for (let position = from; position < to; ) {
    const length = Math.min(to, position - (position % IN_PLACE_STEP) + IN_PLACE_STEP) - position;
    const offset = storage.locate(position, length);
    crc = crc32c(crc, storage.bytes, offset, offset + length);
    position += length;
  }
  return crc;
}

/** CRC-32C of `storage[from, to)`, read in chunks, continuing `crc`. */
function checksumRange(storage: Storage, from: number, to: number, crc = 0): number {
  for (let position = from; position < to; position += CHUNK_SIZE) {
    const length = Math.min(CHUNK_SIZE, to - position);
    const view = chunk.subarray(0, length);
    storage.read(position, view);
    crc = crc32c(crc, view);
  }
  return crc;
}

/**
 * The well-formed trailer that ends at `end`, or undefined. Checks structure
 * only (see {@link trailerIntact} for the checksum): cheap enough to walk a
 * chain of many trailers.
 *
 * @param storage - where to read
 * @param end - a committed size
 */
export function trailerEndingAt(storage: Storage, end: number): CommitTrailer | undefined {
  if (!Number.isSafeInteger(end) || end < TRAILER_START_MIN + TRAILER_SIZE_MIN || end > storage.size()) return undefined;
  storage.read(end - 4, footer);
  const size = claimedTrailerSize(footer);
  if (size < 0 || end - size < TRAILER_START_MIN) return undefined;
  const bytes = new Uint8Array(size);
  storage.read(end - size, bytes);
  return decodeTrailer(bytes, end);
}

/**
 * Whether a trailer's checksum matches the bytes it covers: the commit's data
 * and the trailer when it is data-checked, the trailer alone otherwise. Reads
 * the whole commit for a data-checked trailer.
 *
 * @param storage - where it lies
 * @param trailer - from {@link trailerEndingAt} or a scan
 */
export function trailerIntact(storage: Storage, trailer: CommitTrailer): boolean {
  let crc = trailer.dataChecked ? checksumRange(storage, trailer.previousSize, trailer.start) : 0;
  crc = checksumRange(storage, trailer.start, trailer.end - TRAILER_FOOTER_SIZE, crc);
  return crc === trailer.checksum;
}

/**
 * The commit that follows committed size `from`, if it is whole: the first
 * trailer after `from` that starts its chain there (its previous size is
 * `from`), is data-checked, and whose checksum matches. Scans forward for the
 * trailer magic, so it reads the bytes between `from` and that trailer (at
 * most the rest of the storage: an unfinished transaction, reserved zeros).
 *
 * @param storage - where to look
 * @param from - a committed size
 * @returns the trailer, or undefined when no whole commit follows
 */
export function nextWholeCommit(storage: Storage, from: number): CommitTrailer | undefined {
  const size = storage.size();
  for (let at = scanForMagic(storage, from, size); at >= 0; at = scanForMagic(storage, at + 1, size)) {
    const trailer = trailerStartingAt(storage, at, size);
    if (trailer !== undefined && trailer.previousSize === from && trailer.dataChecked && trailerIntact(storage, trailer)) return trailer;
  }
  return undefined;
}

/**
 * The first data-checked, intact trailer that starts at or after `from`, or
 * undefined; at most `budget` bytes are scanned.
 *
 * @param storage - where to look
 * @param from - where to start
 * @param budget - how many bytes to scan at most
 */
export function firstWholeCommitAfter(storage: Storage, from: number, budget: number): CommitTrailer | undefined {
  const limit = Math.min(storage.size(), from + budget);
  for (let at = scanForMagic(storage, from, limit); at >= 0; at = scanForMagic(storage, at + 1, limit)) {
    const trailer = trailerStartingAt(storage, at, storage.size());
    if (trailer !== undefined && trailer.dataChecked && trailerIntact(storage, trailer)) return trailer;
  }
  return undefined;
}

/**
 * The last data-checked, intact trailer in the storage, scanning backwards
 * from its end over at most `budget` bytes; undefined when none lies there.
 *
 * @param storage - where to look
 * @param budget - how many bytes to scan at most
 */
export function lastWholeCommit(storage: Storage, budget: number): CommitTrailer | undefined {
  const size = storage.size();
  const floor = Math.max(TRAILER_START_MIN, size - budget);
  let to = size;
  while (to > floor) {
    const from = Math.max(floor, to - CHUNK_SIZE);
    const length = Math.min(to + TRAILER_MAGIC.length - 1, size) - from;
    const view = chunk.subarray(0, length);
    storage.read(from, view);
    for (let i = view.lastIndexOf(TRAILER_MAGIC[0] as number, to - from - 1); i >= 0; i = i === 0 ? -1 : view.lastIndexOf(TRAILER_MAGIC[0] as number, i - 1)) {
      if (!magicAt(view, i)) continue;
      const trailer = trailerStartingAt(storage, from + i, size);
      if (trailer !== undefined && trailer.dataChecked && trailerIntact(storage, trailer)) return trailer;
      // Scanning may have moved the shared chunk: read this window again.
      storage.read(from, view);
    }
    to = from;
  }
  return undefined;
}

/** The well-formed trailer whose magic is at `start`, or undefined. */
function trailerStartingAt(storage: Storage, start: number, size: number): CommitTrailer | undefined {
  if (start < TRAILER_START_MIN || start + TRAILER_SIZE_MIN > size) return undefined;
  const fixed = new Uint8Array(TRAILER_FIXED_SIZE);
  storage.read(start, fixed);
  const metaSize = new DataView(fixed.buffer).getUint32(12);
  if (metaSize > TRAILER_META_SIZE_MAX) return undefined;
  const end = start + TRAILER_SIZE_MIN + metaSize;
  if (end > size) return undefined;
  return trailerEndingAt(storage, end);
}

/** The position of the next trailer magic in `storage[from, limit)`, or -1. */
function scanForMagic(storage: Storage, from: number, limit: number): number {
  let position = Math.max(from, TRAILER_START_MIN);
  while (position < limit) {
    const length = Math.min(CHUNK_SIZE + TRAILER_MAGIC.length - 1, storage.size() - position);
    if (length < TRAILER_MAGIC.length) return -1;
    const view = chunk.subarray(0, length);
    storage.read(position, view);
    const stop = Math.min(length - TRAILER_MAGIC.length + 1, limit - position);
    for (let i = view.indexOf(TRAILER_MAGIC[0] as number); i >= 0 && i < stop; i = view.indexOf(TRAILER_MAGIC[0] as number, i + 1)) {
      if (magicAt(view, i)) return position + i;
    }
    position += CHUNK_SIZE;
  }
  return -1;
}

function magicAt(view: Uint8Array, i: number): boolean {
  if (i + TRAILER_MAGIC.length > view.length) return false;
  for (let k = 1; k < TRAILER_MAGIC.length; k++) if (view[i + k] !== TRAILER_MAGIC[k]) return false;
  return true;
}

/**
 * The latest trailer of the chain ending at `latest` for which `isAfter`
 * is false, following jump pointers where they skip only trailers for which
 * it is true: O(log n) trailer reads for a predicate that, once false, stays
 * false for every earlier trailer (a time, a sequence number). Undefined when
 * every trailer of the chain is after, or the chain is broken before one that
 * is not.
 *
 * @param storage - where the trailers lie
 * @param latest - where to start
 * @param isAfter - true for trailers past what is sought
 * @param onRead - called for each trailer read (for tests that count them)
 */
export function searchChain(
  storage: Storage,
  latest: CommitTrailer,
  isAfter: (trailer: CommitTrailer) => boolean,
  onRead?: (trailer: CommitTrailer) => void,
): CommitTrailer | undefined {
  let current: CommitTrailer | undefined = latest;
  // Each step moves to an earlier sequence number, so the loop ends.
  while (current !== undefined && isAfter(current)) {
    const jump: CommitTrailer | undefined = current.jumpEnd > 0 ? trailerEndingAt(storage, current.jumpEnd) : undefined;
    if (jump !== undefined) onRead?.(jump);
    if (jump !== undefined && jump.sequence < current.sequence && isAfter(jump)) {
      current = jump;
      continue;
    }
    const previous: CommitTrailer | undefined = current.previousTrailerEnd > 0 ? trailerEndingAt(storage, current.previousTrailerEnd) : undefined;
    if (previous !== undefined) onRead?.(previous);
    if (previous === undefined || previous.sequence !== current.sequence - 1) return undefined;
    current = previous;
  }
  return current;
}

/**
 * The last well-formed trailer that ends at or before `end`, scanning
 * backwards over at most `budget` bytes (structure only: another
 * implementation's later commits may have changed blocks the trailer's
 * checksum covers, in place, as xitdb does with its history list). Used to
 * continue a chain across another implementation's commits.
 *
 * @param storage - where to look
 * @param end - the committed size to look back from
 * @param budget - how many bytes to scan at most
 */
export function lastTrailerBefore(storage: Storage, end: number, budget: number): CommitTrailer | undefined {
  const floor = Math.max(TRAILER_START_MIN, end - budget);
  let to = end;
  while (to > floor) {
    const from = Math.max(floor, to - CHUNK_SIZE);
    const view = chunk.subarray(0, Math.min(to + TRAILER_MAGIC.length - 1, end) - from);
    storage.read(from, view);
    for (let i = view.lastIndexOf(TRAILER_MAGIC[0] as number, to - from - 1); i >= 0; i = i === 0 ? -1 : view.lastIndexOf(TRAILER_MAGIC[0] as number, i - 1)) {
      if (!magicAt(view, i)) continue;
      const trailer = trailerStartingAt(storage, from + i, end);
      if (trailer !== undefined) return trailer;
      storage.read(from, view);
    }
    to = from;
  }
  return undefined;
}
