// The 24-byte history header (FORMAT.md §History header): its codec, and the
// read that a reader racing a writer's commit must make.

import { CorruptDatabaseError, IoError } from '../errors.js';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE, INDEX_BLOCK_SIZE } from '../format/constants.js';
import { joinPosition } from '../format/slot.js';
import type { Storage } from '../storage/storage.js';
import { checkListCount } from '../trie/array-list.js';

/** The history header: moment count, history root, committed size. */
export interface HistoryHeader {
  count: number;
  root: number;
  committedSize: number;
}

/** How many times a reader reads the history header twice before it gives up on a writer that keeps committing. */
const HEADER_READ_ATTEMPTS = 100;

/**
 * Attempts in a row that may find the same header naming data past the same
 * size before the reader stops looking again: a racing writer changes the
 * header or the size between attempts; a cut file changes neither, and
 * reading it 100 times over only made opening it slow.
 */
const UNCHANGED_PAST_SIZE_ATTEMPTS = 3;

/** Two reads of the history header never agreed: a writer committed between every pair. Worth retrying. */
export class UnstableHeaderError extends IoError {
  constructor() {
    super(`no two reads of the history header agreed in ${HEADER_READ_ATTEMPTS} attempts: another process commits faster than this one can read; try again`, undefined);
  }
}

/**
 * Reads the history header as a reader racing a writer must (FORMAT.md
 * §Commit and recovery, other writers): twice, with the data size learned in
 * between, until two reads agree and the size covers what they name.
 *
 * @param storage - the database's storage
 * @param stableSize - the committed size the caller last read: bytes below it never change
 * @param accepted - receives the 24 bytes accepted
 * @throws CorruptDatabaseError when the header is cut off or names data that is not there
 * @throws UnstableHeaderError when no two reads agreed
 */
export function readHistoryHeader(storage: Storage, stableSize: number, accepted: Uint8Array): HistoryHeader {
  // A reader may race a writer's commit. The writer stores the data before the
  // header, so: read the header, then learn the file's size, and accept the
  // header once two reads around that agree and the size covers what it
  // names. The accepted bytes are the ones parsed: reading them again could
  // meet a newer header whose data this reader has not sized yet.
  const first = new Uint8Array(HISTORY_HEADER_SIZE);
  const second = new Uint8Array(HISTORY_HEADER_SIZE);
  // Bytes below the committed size this engine last read never change; a
  // storage may keep its copies of them (FORMAT.md §Commit and recovery).
  // The last committed size seen past the data, and that data size. The error
  // is built once, after the last attempt: a cut file fails every attempt, and
  // building an error (message and stack) on each one took three quarters of
  // the time such an open took (test/fuzz's truncation cases open 20,000).
  let pastCommitted = -1;
  let pastSize = -1;
  let unchanged = 0;
  for (let attempt = 0; attempt < HEADER_READ_ATTEMPTS; attempt++) {
    storage.refresh?.(stableSize);
    if (storage.size() < HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE) throw new CorruptDatabaseError('the history header is cut off', HISTORY_HEADER_POSITION);
    storage.read(HISTORY_HEADER_POSITION, first);
    storage.refresh?.(stableSize);
    storage.read(HISTORY_HEADER_POSITION, second);
    if (!first.every((byte, i) => byte === second[i])) continue;
    const size = storage.size();
    const header = decodeHistoryHeader(second, size);
    // A committed size past the data seen: the header is newer than the size
    // this reader learned (or the file is damaged); look again.
    if (header.committedSize > size) {
      unchanged = header.committedSize === pastCommitted && size === pastSize ? unchanged + 1 : 0;
      pastCommitted = header.committedSize;
      pastSize = size;
      if (unchanged + 1 >= UNCHANGED_PAST_SIZE_ATTEMPTS) break;
      continue;
    }
    checkListCount(header.count, size, HISTORY_HEADER_POSITION);
    if (header.root < HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE || header.root + INDEX_BLOCK_SIZE > header.committedSize) {
      throw new CorruptDatabaseError('the history root lies outside the committed data', HISTORY_HEADER_POSITION + 8);
    }
    accepted.set(second);
    return header;
  }
  if (pastCommitted >= 0) {
    throw new CorruptDatabaseError(
      `the history header says ${pastCommitted} bytes are committed, but the data has ${pastSize}: the file was cut, or another writer was committing while this one opened it (possible only when its lock file was removed); in that case, open it again`,
      HISTORY_HEADER_POSITION + 16,
    );
  }
  throw new UnstableHeaderError();
}

/**
 * The history header from its 24 bytes: count, root, committed size, each a
 * big-endian u64 below 2^53. xitdb writes a committed size of 0 until its first
 * commit; then everything present (`dataSize`) is committed.
 */
export function decodeHistoryHeader(bytes: Uint8Array, dataSize: number): HistoryHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = joinPosition(view.getUint32(0), view.getUint32(4), HISTORY_HEADER_POSITION);
  const root = joinPosition(view.getUint32(8), view.getUint32(12), HISTORY_HEADER_POSITION + 8);
  let committedSize = joinPosition(view.getUint32(16), view.getUint32(20), HISTORY_HEADER_POSITION + 16);
  if (committedSize === 0) committedSize = count === 0 ? Math.min(dataSize, root + INDEX_BLOCK_SIZE) : dataSize;
  return { count, root, committedSize };
}

// One buffer for every header written: allocating a typed array and taking its
// .buffer costs more than the rest of a small commit's header write.
const headerScratch = new Uint8Array(HISTORY_HEADER_SIZE);
const headerScratchView = new DataView(headerScratch.buffer);

/** The 24 header bytes, in a shared buffer valid until the next call. */
export function encodeHistoryHeader(header: HistoryHeader): Uint8Array {
  const view = headerScratchView;
  view.setUint32(0, Math.floor(header.count / 4294967296));
  view.setUint32(4, header.count % 4294967296);
  view.setUint32(8, Math.floor(header.root / 4294967296));
  view.setUint32(12, header.root % 4294967296);
  view.setUint32(16, Math.floor(header.committedSize / 4294967296));
  view.setUint32(20, header.committedSize % 4294967296);
  return headerScratch;
}

/** The history header's three fields as stored, without any check; undefined when they are not numbers this build can hold. */
export function readRawHistoryHeader(storage: Storage): HistoryHeader | undefined {
  if (storage.size() < HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE) return undefined;
  const bytes = new Uint8Array(HISTORY_HEADER_SIZE);
  storage.read(HISTORY_HEADER_POSITION, bytes);
  try {
    return decodeHistoryHeader(bytes, storage.size());
  } catch {
    return undefined;
  }
}
