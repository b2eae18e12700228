// File storage for Node: one file descriptor, positional synchronous I/O, and two
// ways to hold the file's bytes. A file up to `wholeFileSizeMax` is held in
// memory, in segments of 64 pages filled a page at a time on first use, and
// written back on flush (whole-file mode); a larger one goes through an LRU page
// cache and a write-back buffer of dirty pages (page mode). FORMAT.md §Commit
// and recovery says which bytes may change under a reader, so which ones a
// refresh must drop.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';

import { CorruptDatabaseError, InvalidArgumentError, IoError, LockedError, ReadOnlyError, StrataError } from '../errors.js';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../format/constants.js';
import { FileLock } from './file-lock.js';
import type { Storage } from './storage.js';
import { requireOptions } from '../base/arguments.js';
import { INSPECT, hideFields, inspectHandle, type HandleDescriptor } from '../base/public-object.js';

// Page mode defaults, not yet chosen by a benchmark: bench/ should measure them
// against the blocks the engine actually reads. A 16 KiB page holds several whole
// index blocks, so a descent through neighbouring blocks costs one read.
const PAGE_SIZE_DEFAULT = 16 * 1024;
const CACHE_SIZE_DEFAULT = 64 * 1024 * 1024;
const WRITE_BUFFER_SIZE_DEFAULT = 4 * 1024 * 1024;
const PAGE_SIZE_MAX = 1024 * 1024 * 1024;

// Whole-file mode. The limit keeps every position below 2^32, so `position >>>
// shift` is its page or segment index and `position & mask` its offset.
const WHOLE_FILE_SIZE_LIMIT = 2 ** 32;
// The default memory budget (FileStorageOptions.memoryBudget): 256 MiB, or a
// quarter of the machine's memory when that is less. It is also the largest
// file held whole by default. bench/disk.mjs, random reads of a 218 MB file
// after a reopen: 0.10 M/s through the 64 MiB page cache, 0.27 M/s held whole
// (as fast as a memory database); 256 MiB keeps that file whole, and the old
// default of 1 GiB let one reader of a large file hold four times as much.
const MEMORY_BUDGET_DEFAULT = Math.min(256 * 1024 * 1024, Math.floor(machineMemory() / 4));
// Pages per segment: segments of 1 MiB with the default pages. One buffer per
// file cost more: V8 counts a new ArrayBuffer as external memory, and one of the
// file's size (or twice that, for a writer's room to grow) made it finish a
// mark-compact of the whole heap at open (bench/open-file.mjs: open + 1 read
// 10.6 -> 58.8 ms with 1M keys in the heap); growing it copied the data. Segments
// come one at a time and never move; a block across two of them (one in 7,000
// for a 144-byte block) is copied out, as in page mode.
const SEGMENT_PAGES = 64;
const SEGMENT_SIZE_MAX = 1024 * 1024;

// Zeros a sync writes past the data when its flush grew the file (see
// FileStorageOptions.preallocationSize): an fdatasync that grows a file also
// commits the file system's journal. bench/sync-cost.mjs on this project's
// machine (ext4), 1,400-byte commit appends: data fdatasync median 0.234 ms
// growing the file, 0.163 ms overwriting zeros already in it. The reserve is at
// most this, and at least 64 KiB or the data's size (so a new database does not
// write a megabyte of zeros).
const PREALLOCATION_SIZE_DEFAULT = 1024 * 1024;
/** Where the file header and the history header end: every commit rewrites bytes below it. */
const HEADERS_END = HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE;
const PREALLOCATION_SIZE_MIN = 64 * 1024;

// The most bytes one coalesced writeSync carries in page mode: enough that a flush
// of a long append costs a handful of syscalls, small enough that the staging copy
// stays cheap.
const COALESCE_SIZE_MAX = 1024 * 1024;

/** Options for {@link FileStorage.open}. */
export interface FileStorageOptions {
  /** Open with flag 'r' and refuse writes, truncation and sync (default false). */
  readOnly?: boolean;
  /** Create the file when it does not exist (default true, or false when `readOnly`). */
  create?: boolean;
  /**
   * The most bytes of the file this storage holds in memory, whatever the
   * file's size (default 256 MiB, or a quarter of the machine's memory when
   * that is less). It caps the three options below: whole-file mode never
   * holds more (a file larger than the budget, or one that grows past it, goes
   * through the page cache), the page cache never holds more, and a
   * transaction's writes past the file's end are flushed to the file (past the
   * committed size, where FORMAT.md §Commit and recovery puts an unfinished
   * transaction: readers ignore them, an abort cuts them, a crash leaves a tail
   * that the next read-write open cuts) once they pass the write buffer,
   * instead of waiting in memory for the commit. So a value of any size written
   * through `WriteCursor.bytesWriter`, or a full read of a file of any size,
   * holds at most about this much of it.
   *
   * On top of the budget come fixed overheads: at most 1 MiB where a flush
   * joins adjacent dirty pages, one page of cache even when the budget is
   * smaller, a buffer the size of the largest block read across a page
   * boundary, and 9 bytes of bookkeeping per page held. When a file grows past
   * the budget, the page cache is cut out of the segments whole-file mode held,
   * so the switch does not hold the budget twice. What the engine keeps outside
   * the storage (a list reader's leaf positions, the objects a read returns) is
   * not counted. Measured (test/storage/memory-budget.test.ts, bench/memory.mjs):
   * a process's peak grows by the budget plus about 6 MiB while it writes or
   * reads a value many times larger.
   */
  memoryBudget?: number;
  /**
   * The largest file held whole in memory, in bytes (default and at most
   * {@link memoryBudget}; at most 4 GiB).
   *
   * A file of at most this size is held in memory: each page is read from the
   * file the first time something in it is read (one readSync per run of
   * unread pages, never twice), and later reads are plain memory reads. Memory
   * is taken in segments of 64 pages (1 MiB by default) as pages are read or
   * written, so it grows with the part of the file used, up to the file's size.
   * A file that grows past this size (by writes, or as seen by `refresh`)
   * switches for good to the page cache of `cacheSize` bytes: buffered writes
   * are flushed and the segments dropped. 0 always uses the page cache. A value
   * above {@link memoryBudget} counts as the budget.
   */
  wholeFileSizeMax?: number;
  /**
   * Dirty bytes held before a write flushes them by itself. Page mode: default
   * 4 MiB (dirty pages live in the page cache, so evictions flush them sooner
   * when the cache is smaller); 0 flushes every write. Whole-file mode: by default writes stay in memory until `flush`,
   * `sync` or `close` (or until the file outgrows {@link wholeFileSizeMax}),
   * since memory holds them anyway, within the budget, and flushing a
   * transaction's blocks early only writes them twice; a value given here
   * applies there too.
   */
  writeBufferSize?: number;
  /**
   * The most zero bytes a `sync` writes past the data, in the same flush, when
   * that flush grew the file (default 1 MiB; 0 never). Later syncs then write
   * inside the file instead of growing it, and an fdatasync that does not change
   * the file's size skips the file system's journal commit: about 0.07 ms of a
   * durable commit's 0.4 ms on ext4 (bench/sync-cost.mjs). The zeros lie past
   * the committed size, where FORMAT.md §Commit and recovery puts an unfinished
   * transaction's bytes: readers ignore them, a read-write open cuts them, and
   * `close` cuts them here. The reserve is at least 64 KiB or the data's size,
   * whichever is less, so a small file does not grow by a megabyte.
   */
  preallocationSize?: number;
  /** Bytes per cached page, and per read that fills whole-file memory: a power of two (default 16 KiB). */
  pageSize?: number;
  /** Bytes of page cache in page mode (default 64 MiB, at most {@link memoryBudget}); at least one page is always kept. */
  cacheSize?: number;
  /**
   * Take the file's writer lock (default: true unless `readOnly`): one writer
   * per file across processes; a second gets `LockedError`.
   */
  lock?: boolean;
  /** How long to wait for another writer's lock before `LockedError`, in milliseconds (default 0: fail at once; `Infinity` waits for ever). */
  lockTimeoutMs?: number;
}

/** Syscalls a {@link FileStorage} has made, for tests and benchmarks. */
export interface FileStorageStats {
  /** `fs.readSync` calls (each page miss, each run of pages read into whole-file memory, each direct large read, each retry of a short read). */
  readCalls: number;
  /** `fs.writeSync` calls (each coalesced run of dirty bytes, each retry of a short write). */
  writeCalls: number;
  /** `fs.fdatasyncSync` calls. */
  syncCalls: number;
}

/**
 * One cached page of the file. Its bytes always equal the logical content of the
 * storage at `index * pageSize`, flushed or not, and are zero past the logical
 * size. `dirtyFrom..dirtyTo` (relative to the page) is what the file lacks.
 */
class Page {
  index: number;
  readonly bytes: Uint8Array;
  /** Made once per page so that a cache hit allocates nothing. */
  readonly view: DataView;
  dirty: boolean;
  dirtyFrom: number;
  dirtyTo: number;
  /** Towards the least recently used page. */
  older: Page | null;
  /** Towards the most recently used page. */
  newer: Page | null;

  /** @param bytes - the page's own bytes: a new buffer, or a piece of a segment whole-file mode left */
  constructor(index: number, bytes: Uint8Array) {
    this.index = index;
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dirty = false;
    this.dirtyFrom = 0;
    this.dirtyTo = 0;
    this.older = null;
    this.newer = null;
  }
}

function byIndex(a: Page, b: Page): number {
  return a.index - b.index;
}

function ascending(a: number, b: number): number {
  return a - b;
}

/** Stands for a segment not allocated yet: no range fits in it, so one check covers both. */
const NO_SEGMENT = new Uint8Array(0);
const NO_SEGMENT_VIEW = new DataView(NO_SEGMENT.buffer);
const NO_FLAGS = new Uint8Array(0);
const NO_OFFSETS = new Int32Array(0);

/**
 * A database in a file. Node only. Not safe to share between processes that
 * write: take the file lock first.
 *
 * Whole-file mode (a file of at most `wholeFileSizeMax` bytes) holds the file in
 * memory segments: byte p lives in segment p >>> segmentShift at offset
 * p & segmentMask. Its invariants:
 * - Below `diskBase` (the file's size when opened or refreshed, lowered by
 *   truncation, and 0 once every page below it is loaded, which spares
 *   `locate` the page flags) memory holds a page's bytes only once the page is marked
 *   loaded; at and past it, memory is the truth: what was written, and zeros up
 *   to the end of each segment. Every page that starts at or past `diskBase` is
 *   marked loaded, and every byte from `diskBase` to the logical size lies in an
 *   allocated segment.
 * - A write below `diskBase` loads its pages first (unless it covers what the
 *   file holds of them), so loading never overwrites a write.
 * - The file lacks exactly: the bytes from `sizeOnDisk` to the logical size (the
 *   tail), and the dirty range of each page below `sizeOnDisk`.
 *
 * Page mode: every byte the file lacks (past its on-disk size, or written since
 * the last flush) lives in a dirty cached page, so a page that is not cached can
 * always be read from the file.
 *
 * In both, the data in the file never passes the logical size; the file itself
 * may hold zeros past it (see {@link FileStorageOptions.preallocationSize}).
 *
 * @example
 * ```ts
 * const storage = FileStorage.open('data.strata');
 * storage.write(storage.size(), bytes);
 * storage.sync();
 * storage.close();
 * ```
 */
export class FileStorage implements Storage {
  view: DataView;
  bytes: Uint8Array;
  readonly readOnly: boolean;
  /** The file this storage was opened on. */
  readonly path: string;
  /** Syscalls made so far; the fields only grow. */
  readonly stats: FileStorageStats;

  private readonly fd: number;
  private readonly pageSize: number;
  /** log2 of {@link pageSize}. */
  private readonly pageShift: number;
  private readonly pageCountMax: number;
  private readonly writeBufferSize: number;
  /** The logical size: everything written, flushed or not. */
  private length: number;
  /** How many bytes of the data the file itself holds; never more than {@link length}. */
  private sizeOnDisk: number;
  /** The file's size: {@link sizeOnDisk}, plus the zeros a sync reserved past it. */
  private fileSize: number;
  private readonly preallocationSize: number;
  private closed: boolean;

  // Whole-file mode; `segments` is null in page mode.
  private readonly wholeFileSizeMax: number;
  private readonly segmentSize: number;
  private readonly segmentShift: number;
  private readonly segmentMask: number;
  /** Per segment: its bytes, or NO_SEGMENT. */
  private segments: Uint8Array[] | null;
  private segmentViews: DataView[];
  /** Below this position memory holds only the pages marked in {@link loaded}. */
  private diskBase: number;
  /** Per page: 1 once memory holds its bytes. */
  private loaded: Uint8Array;
  /** Pages below diskBase not loaded yet; at 0, diskBase drops to 0. */
  private unloadedCount: number;
  /** Per page below {@link sizeOnDisk}: the dirty range, relative to the page; both 0 when clean. */
  private dirtyFrom: Int32Array;
  private dirtyTo: Int32Array;
  /** The pages with a dirty range, in no order; may repeat, and name pages a truncation cleaned. */
  private dirtyIndexes: number[];
  /** Bytes past which a write flushes by itself, whole-file mode. */
  private readonly wholeWriteBufferSize: number;

  // Page mode.
  private readonly pages: Map<number, Page>;
  private newest: Page | null;
  private oldest: Page | null;
  /** The page the last lookup returned: consecutive locates in one block skip the Map. */
  private lastPage: Page | null;
  private readonly dirtyPages: Set<Page>;
  /** Pages out of the cache (dropped by truncate or refresh), reused before any new one. */
  private readonly freePages: Page[];
  /**
   * The segments whole-file mode held when the storage left it, cut into pages
   * as the cache grows (from the last one, at {@link spareOffset}): the cache
   * reuses that memory instead of filling while the segments wait for the
   * collector, so the switch never holds the budget twice.
   */
  private spareSegments: Uint8Array[];
  private spareOffset: number;
  /** Sum of the dirty ranges: of {@link dirtyPages}, or of the pages below sizeOnDisk in whole-file mode. */
  private dirtySize: number;

  /** Where a locate across two pages or segments is assembled; grows by doubling. */
  private scratch: Uint8Array;
  private scratchView: DataView;
  /** Where a run of adjacent dirty pages is joined into one write. */
  private staging: Uint8Array;
  private readonly run: Page[];

  private constructor(
    fd: number,
    path: string,
    readOnly: boolean,
    sizeOnDisk: number,
    pageSize: number,
    cacheSize: number,
    writeBufferSize: number | undefined,
    wholeFileSizeMax: number,
    preallocationSize: number,
  ) {
    this.bytes = NO_SEGMENT;
    this.view = NO_SEGMENT_VIEW;
    this.readOnly = readOnly;
    this.path = path;
    this.stats = { readCalls: 0, writeCalls: 0, syncCalls: 0 };
    this.fd = fd;
    this.pageSize = pageSize;
    this.pageShift = Math.log2(pageSize);
    this.pageCountMax = Math.max(1, Math.floor(cacheSize / pageSize));
    this.writeBufferSize = writeBufferSize ?? WRITE_BUFFER_SIZE_DEFAULT;
    this.length = sizeOnDisk;
    this.sizeOnDisk = sizeOnDisk;
    this.fileSize = sizeOnDisk;
    this.preallocationSize = preallocationSize;
    this.closed = false;
    this.wholeFileSizeMax = wholeFileSizeMax;
    this.segmentSize = Math.max(pageSize, Math.min(pageSize * SEGMENT_PAGES, SEGMENT_SIZE_MAX));
    this.segmentShift = Math.log2(this.segmentSize);
    this.segmentMask = this.segmentSize - 1;
    this.segments = null;
    this.segmentViews = [];
    this.diskBase = sizeOnDisk;
    this.loaded = NO_FLAGS;
    this.unloadedCount = 0;
    this.dirtyFrom = NO_OFFSETS;
    this.dirtyTo = NO_OFFSETS;
    this.dirtyIndexes = [];
    this.wholeWriteBufferSize = writeBufferSize ?? Number.POSITIVE_INFINITY;
    this.pages = new Map();
    this.newest = null;
    this.oldest = null;
    this.lastPage = null;
    this.dirtyPages = new Set();
    this.freePages = [];
    this.spareSegments = [];
    this.spareOffset = 0;
    this.dirtySize = 0;
    this.scratch = NO_SEGMENT;
    this.scratchView = NO_SEGMENT_VIEW;
    this.staging = NO_SEGMENT;
    this.run = [];
    // The cached pages and segments are the database's bytes: out of
    // enumeration, so that Object.keys, spreading or structuredClone of a
    // storage never copies them. toJSON describes the storage instead.
    hideFields(this);
    if (wholeFileSizeMax > 0 && sizeOnDisk <= wholeFileSizeMax) {
      this.segments = [];
      this.extendWhole(sizeOnDisk);
      this.countUnloaded();
    }
  }

  /**
   * Opens (by default creating) a database file. One fstat; no data is read yet.
   *
   * @param path - the file
   * @param options - read-only flag, creation, whole-file budget, page size, cache and write buffer sizes
   * @returns the open storage; close it when done
   * @throws IoError when the file cannot be opened (missing and not created, no permission...)
   * @throws InvalidArgumentError when an option is out of range, or `readOnly` and `create` are both set
   * @example
   * ```ts
   * const storage = FileStorage.open('data.strata', { readOnly: true });
   * ```
   */
  static open(path: string, options: FileStorageOptions = {}): FileStorage {
    requireOptions(options, 'FileStorage.open');
    const readOnly = options.readOnly ?? false;
    const create = options.create ?? !readOnly;
    const pageSize = options.pageSize ?? PAGE_SIZE_DEFAULT;
    const memoryBudget = options.memoryBudget ?? MEMORY_BUDGET_DEFAULT;
    const cacheSizeGiven = options.cacheSize ?? CACHE_SIZE_DEFAULT;
    const writeBufferSizeGiven = options.writeBufferSize;
    const wholeFileSizeMaxGiven = options.wholeFileSizeMax ?? memoryBudget;
    const preallocationSize = options.preallocationSize ?? PREALLOCATION_SIZE_DEFAULT;
    if (readOnly && create) throw new InvalidArgumentError('a read-only storage cannot create its file');
    // A power of two keeps every page boundary exact in floating point.
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE_MAX || (pageSize & (pageSize - 1)) !== 0) {
      throw new InvalidArgumentError(`pageSize must be a power of two between 1 and ${PAGE_SIZE_MAX}, not ${pageSize}`);
    }
    if (!Number.isSafeInteger(memoryBudget) || memoryBudget < 0) throw new InvalidArgumentError(`memoryBudget must be a whole number of bytes, at least 0, not ${memoryBudget}`);
    if (!(cacheSizeGiven >= 0)) throw new InvalidArgumentError(`cacheSize must be at least 0, not ${cacheSizeGiven}`);
    if (writeBufferSizeGiven !== undefined && !(writeBufferSizeGiven >= 0)) throw new InvalidArgumentError(`writeBufferSize must be at least 0, not ${writeBufferSizeGiven}`);
    if (!Number.isInteger(wholeFileSizeMaxGiven) || wholeFileSizeMaxGiven < 0 || (options.wholeFileSizeMax !== undefined && wholeFileSizeMaxGiven > WHOLE_FILE_SIZE_LIMIT)) {
      throw new InvalidArgumentError(`wholeFileSizeMax must be a whole number of bytes between 0 and ${WHOLE_FILE_SIZE_LIMIT}, not ${wholeFileSizeMaxGiven}`);
    }
    // The budget caps every share (see FileStorageOptions.memoryBudget).
    const wholeFileSizeMax = Math.min(wholeFileSizeMaxGiven, memoryBudget, WHOLE_FILE_SIZE_LIMIT);
    const cacheSize = Math.min(cacheSizeGiven, memoryBudget);
    const writeBufferSize = writeBufferSizeGiven === undefined ? undefined : Math.min(writeBufferSizeGiven, memoryBudget);
    if (!Number.isInteger(preallocationSize) || preallocationSize < 0) throw new InvalidArgumentError(`preallocationSize must be a whole number of bytes, at least 0, not ${preallocationSize}`);

    // Before anything that can block: opening a named pipe waits for its other
    // end, and a device may never end. O_NONBLOCK covers a path swapped for one
    // between the check and the open; it changes nothing for a regular file.
    refuseIfNotRegularFile(path);
    const { O_RDONLY, O_RDWR, O_CREAT, O_NONBLOCK } = fs.constants;
    const flags = (readOnly ? O_RDONLY : create ? O_RDWR | O_CREAT : O_RDWR) | (O_NONBLOCK ?? 0);
    // The lock comes first: nothing, not even recovery's truncation, touches a file another writer holds.
    const lock = !readOnly && (options.lock ?? true) ? FileLock.acquire(path, options.lockTimeoutMs ?? 0) : undefined;
    const existed = readOnly || fs.existsSync(path);
    let fd: number;
    try {
      fd = fs.openSync(path, flags);
    } catch (error) {
      lock?.release();
      throw new IoError(`open of ${path} failed: ${describe(error)}`, error);
    }
    // A new file's name lives in its directory: sync that too, or a power loss can lose the file itself.
    if (!existed) syncDirectory(path);
    let size: number;
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new InvalidArgumentError(`${path} is not a regular file`);
      size = stat.size;
    } catch (error) {
      fs.closeSync(fd);
      lock?.release();
      if (error instanceof StrataError) throw error;
      throw new IoError(`fstat of ${path} failed: ${describe(error)}`, error);
    }
    const storage = new FileStorage(fd, path, readOnly, size, pageSize, cacheSize, writeBufferSize, wholeFileSizeMax, preallocationSize);
    storage.lock = lock;
    return storage;
  }

  /**
   * What `JSON.stringify(storage)` gives: `{ kind: 'FileStorage', size,
   * readOnly, closed }`, never the cached bytes, nor the path (a response that
   * serializes a storage by accident should not tell where the server keeps
   * its files; util.inspect, for logs, shows the path). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'FileStorage', size: this.length, readOnly: this.readOnly, closed: this.closed };
  }

  /** What `console.log` and `util.inspect` show in Node: `FileStorage { path, size, readOnly, closed }` on one line. */
  [INSPECT](): string {
    return inspectHandle({ kind: 'FileStorage', path: this.path, size: this.length, readOnly: this.readOnly, closed: this.closed });
  }

  /** The writer lock this storage holds, released on close; undefined for a reader. */
  lock: FileLock | undefined = undefined;

  /** Set once {@link confirmWriter} found another writer: every later write, flush and sync throws it, and close leaves the file alone. */
  private lostWriter: LockedError | undefined = undefined;

  /**
   * Confirms, before a commit, that this storage is still the file's only
   * writer: its lock file is still the one it created, and the `expected`
   * bytes at `position` (the history header this writer last wrote or read)
   * are still on disk. A user's `rm` of the lock file, or a cleanup script, can
   * let a second writer in; the first one to notice stops. Reads the disk, not
   * the cache: a stat and a 24-byte pread, a few microseconds.
   *
   * @throws LockedError when another writer has taken the lock or changed the
   *   header; from then on every write, flush and sync throws it too, and
   *   close leaves the file as the other writer made it
   */
  confirmWriter(position: number, expected: Uint8Array): void {
    this.checkOpen();
    if (this.lostWriter !== undefined) throw this.lostWriter;
    if (this.readOnly) return;
    const consequence = 'Nothing of this transaction was written, and this handle writes nothing more: close it, and reopen the database to go on from the other writer\'s moments';
    try {
      this.lock?.assertHeld();
    } catch (error) {
      if (!(error instanceof LockedError)) throw error;
      this.lostWriter = new LockedError(`${error.message}. ${consequence}`, error.holder);
      throw this.lostWriter;
    }
    const onDisk = confirmScratch.length >= expected.length ? confirmScratch.subarray(0, expected.length) : new Uint8Array(expected.length);
    let read = 0;
    try {
      read = fs.readSync(this.fd, onDisk, 0, onDisk.length, position);
    } catch (error) {
      throw new IoError(`read of ${this.path} failed: ${describe(error)}`, error);
    }
    let same = read === expected.length;
    for (let i = 0; same && i < read; i++) same = onDisk[i] === expected[i];
    if (same) return;
    this.lostWriter = new LockedError(`${this.path} is no longer this writer's: another writer changed its header since this writer last committed. ${consequence}`, undefined);
    throw this.lostWriter;
  }

  /** True while the file is held whole in memory (see {@link FileStorageOptions.wholeFileSizeMax}). */
  get wholeFile(): boolean {
    return this.segments !== null;
  }

  /**
   * Bytes of the file's content held in memory: the allocated segments in
   * whole-file mode, the cached pages in page mode. O(segments).
   */
  get memorySize(): number {
    if (this.segments === null) return this.pages.size * this.pageSize;
    let size = 0;
    for (const segment of this.segments) size += segment.length;
    return size;
  }

  /**
   * For a reader: sees what writers appended since it opened. Reads the file's
   * size again and forgets the bytes that may have changed: the first page (the
   * headers), and every page from the one holding `stableSize` or the old end
   * of the file, whichever is first. Nothing on a writable storage.
   *
   * Only bytes below a committed size never change (FORMAT.md §Commit and
   * recovery): past it lie a running transaction's blocks, which its writer may
   * still change in place, or cut away when it aborts or when a new writer
   * recovers the file. Pass the committed size this reader last read from the
   * history header; the default 0 forgets everything but is always safe.
   * O(pages held).
   *
   * @param stableSize - bytes known to be committed, hence never to change
   * @throws IoError when fstat fails
   */
  refresh(stableSize = 0): void {
    this.checkOpen();
    if (this.readOnly === false) return;
    let size: number;
    try {
      size = fs.fstatSync(this.fd).size;
    } catch (error) {
      throw new IoError(`fstat of ${this.path} failed: ${describe(error)}`, error);
    }
    const firstChanged = Math.floor(Math.min(Math.max(stableSize, 0), size, this.sizeOnDisk) / this.pageSize);
    // The file and history headers lie below any committed size, yet every
    // commit rewrites the history header: the pages that hold them always go.
    const headerPages = Math.ceil(HEADERS_END / this.pageSize);
    if (this.segments !== null && size > this.wholeFileSizeMax) this.stopWhole();
    if (this.segments !== null) {
      this.extendWhole(size);
      const loaded = this.loaded;
      const pastEnd = Math.ceil(size / this.pageSize);
      loaded.fill(0, firstChanged, pastEnd);
      loaded.fill(1, pastEnd);
      loaded.fill(0, 0, Math.min(headerPages, loaded.length));
      this.diskBase = size;
      this.countUnloaded();
    } else {
      for (const page of [...this.pages.values()]) if (page.index < headerPages || page.index >= firstChanged) this.dropPage(page);
      this.lastPage = null;
    }
    this.sizeOnDisk = size;
    this.fileSize = size;
    this.length = size;
  }

  /** @returns the logical size in bytes, including unflushed writes. O(1). */
  size(): number {
    this.checkOpen();
    return this.length;
  }

  /**
   * Makes a range readable through {@link view}. Whole-file mode: the segment
   * that holds it, no copy; a page not read yet costs one readSync (one per run
   * of unread pages); a range across two segments is copied into a scratch
   * buffer. Page mode: inside one page, the cached page itself, no copy and no
   * allocation; a hit on the page of the previous call skips even the cache
   * lookup. A miss costs one readSync of a whole page (and may evict the least
   * recently used page, flushing first if it is dirty). A range across two
   * pages is copied into a scratch buffer.
   *
   * @param position - absolute offset
   * @param length - how many bytes
   * @returns the offset of `position` inside {@link view}
   * @throws CorruptDatabaseError when the range goes past {@link size}
   * @throws IoError when a page cannot be read
   */
  locate(position: number, length: number): number {
    // Written as a negation so that NaN fails too.
    if (!(position >= 0 && position + length <= this.length) || this.closed) this.failRead(position, length);
    const segments = this.segments;
    if (segments !== null) {
      const index = position >>> this.segmentShift;
      const offset = position & this.segmentMask;
      const segment = segments[index] as Uint8Array;
      // A missing segment is NO_SEGMENT, whose length 0 no range fits in.
      if (offset + length <= segment.length) {
        if (position >= this.diskBase || this.isLoaded(position, length)) {
          this.bytes = segment;
          this.view = this.segmentViews[index] as DataView;
          return offset;
        }
      }
      return this.locateWhole(position, length);
    }
    const pageSize = this.pageSize;
    const index = Math.floor(position / pageSize);
    const offset = position - index * pageSize;
    if (offset + length > pageSize) return this.locateStraddling(position, length);
    let page = this.lastPage;
    if (page === null || page.index !== index) page = this.pageForRead(index, offset + length);
    this.view = page.view;
    this.bytes = page.bytes;
    return offset;
  }

  /**
   * Copies a range out. Whole-file mode: from memory, after reading the pages of
   * the range not read yet (one readSync per run of them). Page mode: a read of
   * at least one page whose pages are not all cached bypasses the cache: one
   * readSync straight into `target`, then unflushed pages are laid over it;
   * smaller reads go through the cache like {@link locate}.
   *
   * @param position - absolute offset
   * @param target - filled completely
   * @throws CorruptDatabaseError when the range goes past {@link size}
   * @throws IoError when the file cannot be read
   */
  read(position: number, target: Uint8Array): void {
    const size = target.length;
    if (!(position >= 0 && position + size <= this.length) || this.closed) this.failRead(position, size);
    const segments = this.segments;
    if (segments !== null) {
      const index = position >>> this.segmentShift;
      const offset = position & this.segmentMask;
      const segment = segments[index] as Uint8Array;
      if (offset + size <= segment.length && (position >= this.diskBase || this.isLoaded(position, size))) {
        target.set(segment.subarray(offset, offset + size));
      } else {
        if (position < this.diskBase) this.load(position, position + size);
        this.copyOutWhole(position, target);
      }
    } else if (size >= this.pageSize && !this.isCached(position, size)) {
      this.readDirect(position, target);
    } else {
      this.copyOut(position, target);
    }
  }

  /**
   * Writes bytes; the file sees them at the next {@link flush}. Whole-file mode:
   * into memory (past `wholeFileSizeMax`, the storage switches to page mode
   * first); a write into the bytes added since the last flush is a plain memory
   * write. Page mode: into cached pages; a partial write to a page that is
   * neither cached nor past the end of the file reads it first (one readSync).
   * Either flushes by itself once more than the write buffer's bytes are dirty
   * (see {@link FileStorageOptions.writeBufferSize}). O(bytes), plus O(pages
   * touched) of bookkeeping below the flushed size.
   *
   * @param position - absolute offset, at most {@link size} (no holes)
   * @param source - the bytes
   * @throws ReadOnlyError on a read-only storage
   * @throws StrataError with code 'INVALID_ARGUMENT' when the write would leave a hole
   * @throws IoError when a read or an automatic flush fails
   */
  write(position: number, source: Uint8Array): void {
    const segments = this.segments;
    const count = source.length;
    // The engine's hot path: an append, or a slot rewritten in a block this
    // transaction wrote. Past sizeOnDisk nothing needs loading or dirty marks.
    if (segments !== null && position >= this.sizeOnDisk && position <= this.length && !this.readOnly) {
      const index = position >>> this.segmentShift;
      const offset = position & this.segmentMask;
      const segment = segments[index] as Uint8Array;
      if (offset + count <= segment.length) {
        // A byte loop beats TypedArray.set for a handful of bytes.
        if (count <= 24) for (let i = 0; i < count; i++) segment[offset + i] = source[i] as number;
        else segment.set(source, offset);
        const end = position + count;
        if (end > this.length) {
          this.length = end;
          // The next append lands in the next segment: give it its table entry.
          if (offset + count === segment.length) this.extendWhole(end);
          if (end - this.sizeOnDisk + this.dirtySize > this.wholeWriteBufferSize) this.flushWhole();
        }
        return;
      }
    }
    this.checkWritable();
    if (!(position >= 0 && position <= this.length)) {
      throw new StrataError('INVALID_ARGUMENT', `write at ${position} would leave a hole after the end ${this.length}`);
    }
    if (segments !== null && this.fitsWhole(position + count)) this.writeWhole(position, source);
    else this.writePages(position, source);
  }

  /**
   * Appends `size` zero bytes and returns where they start. Whole-file mode:
   * moves the end (memory is zero past it). O(1), or O(size) in page mode.
   *
   * @param size - how many zero bytes
   * @returns the position of the first
   * @throws ReadOnlyError on a read-only storage
   */
  appendZeros(size: number): number {
    this.checkWritable();
    const start = this.length;
    const end = start + size;
    if (this.segments !== null && this.fitsWhole(end)) {
      this.extendWhole(end);
      this.allocateSegments(start, end);
      this.length = end;
      if (end - this.sizeOnDisk + this.dirtySize > this.wholeWriteBufferSize) this.flushWhole();
    } else {
      this.writePages(start, new Uint8Array(size));
    }
    return start;
  }

  /**
   * Appends a copy of `size` bytes at `position` and returns where the copy
   * starts. Whole-file mode: copied in memory, one segment piece at a time. O(size).
   *
   * @param position - where the bytes to copy start, inside the data
   * @param size - how many
   * @returns the position of the copy
   * @throws ReadOnlyError on a read-only storage
   * @throws CorruptDatabaseError when the range goes past {@link FileStorage.size | size()}
   */
  appendCopy(position: number, size: number): number {
    this.checkWritable();
    const start = this.length;
    if (!(position >= 0 && position + size <= start)) this.failRead(position, size);
    const end = start + size;
    if (this.segments !== null && this.fitsWhole(end)) {
      if (position < this.diskBase) this.load(position, position + size);
      this.extendWhole(end);
      this.allocateSegments(start, end);
      const segments = this.segments;
      const shift = this.segmentShift;
      const mask = this.segmentMask;
      const from = segments[position >>> shift] as Uint8Array;
      const to = segments[start >>> shift] as Uint8Array;
      const fromOffset = position & mask;
      const toOffset = start & mask;
      if (fromOffset + size <= from.length && toOffset + size <= to.length) {
        if (from === to) to.copyWithin(toOffset, fromOffset, fromOffset + size);
        else to.set(from.subarray(fromOffset, fromOffset + size), toOffset);
      } else {
        // Across a segment boundary: rare, so through a copy.
        const copy = new Uint8Array(size);
        this.copyOutWhole(position, copy);
        this.copyInWhole(start, copy);
      }
      this.length = end;
      if (end - this.sizeOnDisk + this.dirtySize > this.wholeWriteBufferSize) this.flushWhole();
    } else {
      const copy = new Uint8Array(size);
      this.read(position, copy);
      this.writePages(start, copy);
    }
    return start;
  }

  /**
   * Cuts the storage back to `size` bytes: drops buffered bytes past it, and
   * ftruncates the file when the file holds more than `size` bytes of data.
   * O(cached pages), or O(pages cut) in whole-file mode.
   *
   * @param size - the new size, at most the current one
   * @throws ReadOnlyError on a read-only storage
   * @throws StrataError with code 'INVALID_ARGUMENT' when `size` is out of range
   * @throws IoError when ftruncate fails
   */
  truncate(size: number): void {
    this.checkWritable();
    if (!(size >= 0 && size <= this.length)) throw new StrataError('INVALID_ARGUMENT', `cannot truncate ${this.length} bytes to ${size}`);
    if (this.segments !== null) this.truncateWhole(size);
    else this.truncatePages(size);
    if (size < this.sizeOnDisk) {
      this.cutFile(size);
      this.sizeOnDisk = size;
    }
    this.length = size;
  }

  /**
   * Writes every dirty byte to the file in position order: one writeSync per run
   * of adjacent dirty bytes (page mode: up to 1 MiB each; whole-file mode: up to
   * a segment each, straight from memory). Nothing to do on a read-only storage.
   * O(dirty pages log dirty pages).
   *
   * @throws IoError when a write fails; the bytes not yet written stay dirty
   */
  flush(): void {
    this.checkOpen();
    if (this.lostWriter !== undefined) throw this.lostWriter;
    this.flushDirty();
  }

  /**
   * Flushes, then fdatasyncs the file so that its data survives a power loss.
   * When the flush grew the file, zeros are written past the data first (see
   * {@link FileStorageOptions.preallocationSize}).
   *
   * @throws ReadOnlyError on a read-only storage
   * @throws IoError when a write or the sync fails
   */
  sync(): void {
    this.checkWritable();
    this.flushDirty();
    if (this.sizeOnDisk > this.fileSize) this.preallocate(this.sizeOnDisk);
    this.stats.syncCalls++;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (error) {
      throw new IoError(`fdatasync of ${this.path} failed: ${describe(error)}`, error);
    }
  }

  /**
   * Flushes (when writable), cuts reserved zeros, and closes the file; later
   * calls fail. Closing twice does nothing. The descriptor is closed even when
   * the flush fails.
   *
   * @throws IoError when the flush or the close fails
   */
  close(): void {
    if (this.closed) return;
    let failed = false;
    let failure: unknown;
    try {
      // A writer that lost the file to another leaves it alone: its buffered
      // writes, and a cut of the zeros past its data, would land on the other's.
      if (!this.readOnly && this.lostWriter === undefined) {
        this.flushDirty();
        // The zeros reserved past the data: a closed file ends where its data does.
        if (this.fileSize > this.sizeOnDisk) this.cutFile(this.sizeOnDisk);
      }
    } catch (error) {
      failed = true;
      failure = error;
    }
    this.closed = true;
    this.releaseWhole();
    this.pages.clear();
    this.dirtyPages.clear();
    this.freePages.length = 0;
    this.spareSegments = [];
    this.dirtySize = 0;
    this.newest = null;
    this.oldest = null;
    this.lastPage = null;
    try {
      fs.closeSync(this.fd);
    } catch (error) {
      // An error from the flush, if any, is the one worth reporting: it lost data.
      if (!failed) {
        failed = true;
        failure = new IoError(`close of ${this.path} failed: ${describe(error)}`, error);
      }
    }
    this.lock?.release();
    if (failed) throw failure;
  }

  private flushDirty(): void {
    if (this.segments !== null) this.flushWhole();
    else this.flushPages();
  }

  /**
   * Writes zeros from `end` (the end of the data in the file) so that the next
   * syncs overwrite instead of growing the file. Best effort: the zeros are only
   * an optimisation, so a failure (a full disk) cuts them away and is forgotten;
   * the data write that comes next reports the problem if it persists.
   */
  private preallocate(end: number): void {
    this.fileSize = end;
    const size = Math.min(this.preallocationSize, Math.max(PREALLOCATION_SIZE_MIN, end));
    if (size <= 0) return;
    try {
      const zeros = zeroBuffer();
      let done = 0;
      while (done < size) {
        const count = Math.min(zeros.length, size - done);
        this.writeFully(zeros, 0, count, end + done);
        done += count;
      }
      this.fileSize = end + size;
    } catch {
      try {
        this.cutFile(end);
      } catch {
        // Bytes past the data belong to no moment; a read-write open cuts them.
      }
    }
  }

  /** ftruncates the file to `size`. */
  private cutFile(size: number): void {
    try {
      fs.ftruncateSync(this.fd, size);
    } catch (error) {
      throw new IoError(`ftruncate of ${this.path} to ${size} bytes failed: ${describe(error)}`, error);
    }
    this.fileSize = size;
  }

  // Whole-file mode.

  /** True when both ends of `position..+length` lie in loaded pages (a range of at most two pages). */
  private isLoaded(position: number, length: number): boolean {
    const shift = this.pageShift;
    const first = position >>> shift;
    const last = (position + length - 1) >>> shift;
    return this.loaded[first] === 1 && this.loaded[last] === 1 && last - first <= 1;
  }

  /** {@link locate} when the range is not loaded yet, or lies across two segments. */
  private locateWhole(position: number, length: number): number {
    if (position < this.diskBase) this.load(position, position + length);
    const index = position >>> this.segmentShift;
    const offset = position & this.segmentMask;
    const segment = (this.segments as Uint8Array[])[index] as Uint8Array;
    if (offset + length <= segment.length) {
      this.bytes = segment;
      this.view = this.segmentViews[index] as DataView;
      return offset;
    }
    this.copyOutWhole(position, this.serveScratch(length));
    return 0;
  }

  /** Copies `position..+target.length` out of memory (already loaded), segment by segment. */
  private copyOutWhole(position: number, target: Uint8Array): void {
    const segments = this.segments as Uint8Array[];
    const segmentSize = this.segmentSize;
    let done = 0;
    while (done < target.length) {
      const at = position + done;
      const offset = at & this.segmentMask;
      const count = Math.min(segmentSize - offset, target.length - done);
      target.set((segments[at >>> this.segmentShift] as Uint8Array).subarray(offset, offset + count), done);
      done += count;
    }
  }

  /** Copies `source` into memory at `position`, segment by segment, allocating missing segments. */
  private copyInWhole(position: number, source: Uint8Array): void {
    const segmentSize = this.segmentSize;
    let done = 0;
    while (done < source.length) {
      const at = position + done;
      const offset = at & this.segmentMask;
      const count = Math.min(segmentSize - offset, source.length - done);
      const segment = this.segmentAt(at >>> this.segmentShift);
      segment.set(count === source.length ? source : source.subarray(done, done + count), offset);
      done += count;
    }
  }

  /**
   * The segment `index`, allocated (zero) if missing. The one that holds the
   * budget's end stops there, so a write past the budget never fits a segment
   * and takes the slow path, which switches to page mode.
   */
  private segmentAt(index: number): Uint8Array {
    const segments = this.segments as Uint8Array[];
    let segment = segments[index] as Uint8Array;
    if (segment.length === 0) {
      segment = new Uint8Array(Math.min(this.segmentSize, this.wholeFileSizeMax - index * this.segmentSize));
      segments[index] = segment;
      this.segmentViews[index] = new DataView(segment.buffer);
    }
    return segment;
  }

  /** Allocates every missing segment that holds a byte of `from..to`. */
  private allocateSegments(from: number, to: number): void {
    if (to <= from) return;
    const last = (to - 1) >>> this.segmentShift;
    for (let index = from >>> this.segmentShift; index <= last; index++) this.segmentAt(index);
  }

  /**
   * Grows the per-segment and per-page tables to cover `end` bytes (doubling the
   * page tables): new pages lie past diskBase, so they count as loaded. Every
   * position up to the logical size has its segment entry, so lookups need no
   * bounds check.
   */
  private extendWhole(end: number): void {
    const segments = this.segments as Uint8Array[];
    // Through the segment that holds position `end` itself, where the next append lands.
    const segmentCount = Math.floor(end / this.segmentSize) + 1;
    while (segments.length < segmentCount) {
      segments.push(NO_SEGMENT);
      this.segmentViews.push(NO_SEGMENT_VIEW);
    }
    const pageCount = Math.ceil(end / this.pageSize);
    const loaded = this.loaded;
    if (pageCount <= loaded.length) return;
    const capacity = Math.max(pageCount, 2 * loaded.length);
    const nextLoaded = new Uint8Array(capacity);
    nextLoaded.set(loaded);
    nextLoaded.fill(1, Math.max(loaded.length, Math.ceil(this.diskBase / this.pageSize)));
    const nextFrom = new Int32Array(capacity);
    nextFrom.set(this.dirtyFrom);
    const nextTo = new Int32Array(capacity);
    nextTo.set(this.dirtyTo);
    this.loaded = nextLoaded;
    this.dirtyFrom = nextFrom;
    this.dirtyTo = nextTo;
  }

  /** True when `end` bytes fit the budget; otherwise flushes and leaves whole-file mode for good. */
  private fitsWhole(end: number): boolean {
    if (end <= this.wholeFileSizeMax) return true;
    this.stopWhole();
    return false;
  }

  /** Leaves whole-file mode for good: flushes, then hands the segments to the page cache, up to its size, and drops the rest. */
  private stopWhole(): void {
    if (!this.readOnly) this.flushWhole();
    const room = this.pageCountMax * this.pageSize;
    let kept = 0;
    for (const segment of this.segments as Uint8Array[]) {
      if (kept >= room || segment.length < this.pageSize) continue;
      this.spareSegments.push(segment);
      kept += segment.length;
    }
    this.spareOffset = 0;
    this.releaseWhole();
    this.bytes = NO_SEGMENT;
    this.view = NO_SEGMENT_VIEW;
  }

  private releaseWhole(): void {
    this.segments = null;
    this.segmentViews = [];
    this.loaded = NO_FLAGS;
    this.dirtyFrom = NO_OFFSETS;
    this.dirtyTo = NO_OFFSETS;
    this.dirtyIndexes = [];
    this.dirtySize = 0;
  }

  /**
   * Reads the pages of `position..end` below diskBase that are not loaded yet:
   * one readSync per run of adjacent ones within a segment. A page's bytes at or
   * past diskBase are never read: memory holds them. The file may end early past
   * `end` (see {@link readFully}).
   */
  private load(position: number, end: number): void {
    if (end <= position) return;
    const pageSize = this.pageSize;
    const loaded = this.loaded;
    const diskBase = this.diskBase;
    const last = Math.floor((Math.min(end, diskBase) - 1) / pageSize);
    const pagesPerSegment = this.segmentSize / pageSize;
    let runStart = -1;
    for (let index = Math.floor(position / pageSize); index <= last + 1; index++) {
      // A run ends at an unloaded page's end, at a loaded page, or at a segment boundary.
      if (index <= last && loaded[index] !== 1 && !(runStart >= 0 && index % pagesPerSegment === 0)) {
        if (runStart < 0) runStart = index;
        continue;
      }
      if (runStart >= 0) {
        this.readPages(runStart, index, end);
        runStart = index <= last && loaded[index] !== 1 ? index : -1;
      }
    }
  }

  /** Reads pages `from..to` (within one segment, below diskBase) from the file into memory. */
  private readPages(from: number, to: number, end: number): void {
    const start = from * this.pageSize;
    const stop = Math.min(to * this.pageSize, this.diskBase);
    const segment = this.segmentAt(start >>> this.segmentShift);
    this.readFully(segment, start & this.segmentMask, stop - start, start, Math.max(0, Math.min(end, stop) - start));
    this.markLoaded(from, to);
  }

  /** Marks pages `from..to` loaded; when none below diskBase is left unloaded, memory is the truth everywhere. */
  private markLoaded(from: number, to: number): void {
    const loaded = this.loaded;
    const below = Math.ceil(this.diskBase / this.pageSize);
    for (let index = from; index < to; index++) {
      if (loaded[index] === 1) continue;
      loaded[index] = 1;
      if (index < below) this.unloadedCount--;
    }
    if (this.unloadedCount === 0) this.diskBase = 0;
  }

  /** Counts the pages below diskBase not loaded (after diskBase or the flags changed wholesale). O(pages). */
  private countUnloaded(): void {
    const loaded = this.loaded;
    const below = Math.min(Math.ceil(this.diskBase / this.pageSize), loaded.length);
    let count = 0;
    for (let index = 0; index < below; index++) if (loaded[index] !== 1) count++;
    this.unloadedCount = count;
    if (count === 0) this.diskBase = 0;
  }

  /** A write that is not a plain write past sizeOnDisk: below it, or into a segment not allocated yet. */
  private writeWhole(position: number, source: Uint8Array): void {
    const end = position + source.length;
    this.extendWhole(end);
    if (position < this.diskBase && end > position) this.prepareOverwrite(position, end);
    this.copyInWhole(position, source);
    if (position < this.sizeOnDisk) this.markDirtyWhole(position, Math.min(end, this.sizeOnDisk));
    if (end > this.length) this.length = end;
    if (this.length - this.sizeOnDisk + this.dirtySize > this.wholeWriteBufferSize) this.flushWhole();
  }

  /**
   * Before a write below diskBase: loads the first and last pages it touches when
   * it covers only part of what the file holds of them; pages in between are
   * covered whole. All of them count as loaded afterwards.
   */
  private prepareOverwrite(position: number, end: number): void {
    const pageSize = this.pageSize;
    const first = Math.floor(position / pageSize);
    const last = Math.floor((Math.min(end, this.diskBase) - 1) / pageSize);
    this.loadUnlessCovered(first, position, end);
    if (last !== first) this.loadUnlessCovered(last, position, end);
    this.markLoaded(first, last + 1);
  }

  /** Loads page `index` unless it is loaded or the write `position..end` covers what the file holds of it. */
  private loadUnlessCovered(index: number, position: number, end: number): void {
    if (this.loaded[index] === 1) return;
    const start = index * this.pageSize;
    const onDiskEnd = Math.min(start + this.pageSize, this.diskBase);
    if (position <= start && end >= onDiskEnd) return;
    this.readPages(index, index + 1, onDiskEnd);
  }

  /** Records `from..to` (below sizeOnDisk) as dirty, page by page. */
  private markDirtyWhole(from: number, to: number): void {
    const pageSize = this.pageSize;
    const dirtyFrom = this.dirtyFrom;
    const dirtyTo = this.dirtyTo;
    let at = from;
    while (at < to) {
      const index = Math.floor(at / pageSize);
      const start = index * pageSize;
      const offset = at - start;
      const offsetEnd = Math.min(pageSize, to - start);
      const oldFrom = dirtyFrom[index] as number;
      const oldTo = dirtyTo[index] as number;
      if (oldTo === 0) {
        dirtyFrom[index] = offset;
        dirtyTo[index] = offsetEnd;
        this.dirtyIndexes.push(index);
        this.dirtySize += offsetEnd - offset;
      } else {
        // One range per page: the bytes between two written ranges are valid
        // content (writes leave no holes), so rewriting them is harmless.
        const nextFrom = Math.min(oldFrom, offset);
        const nextTo = Math.max(oldTo, offsetEnd);
        this.dirtySize += nextTo - nextFrom - (oldTo - oldFrom);
        dirtyFrom[index] = nextFrom;
        dirtyTo[index] = nextTo;
      }
      at = start + offsetEnd;
    }
  }

  private cleanWhole(index: number): void {
    this.dirtySize -= (this.dirtyTo[index] as number) - (this.dirtyFrom[index] as number);
    this.dirtyFrom[index] = 0;
    this.dirtyTo[index] = 0;
  }

  private truncateWhole(size: number): void {
    const segments = this.segments as Uint8Array[];
    // Zero the cut bytes (appendZeros relies on zeros past the end); drop the segments wholly past the cut.
    const segmentSize = this.segmentSize;
    for (let index = size >>> this.segmentShift; index < segments.length; index++) {
      const segment = segments[index] as Uint8Array;
      if (segment.length === 0) continue;
      const start = index * segmentSize;
      if (start >= size) {
        segments[index] = NO_SEGMENT;
        this.segmentViews[index] = NO_SEGMENT_VIEW;
      } else {
        segment.fill(0, size - start, Math.min(segmentSize, this.length - start));
      }
    }
    const pageSize = this.pageSize;
    const dirtyFrom = this.dirtyFrom;
    const dirtyTo = this.dirtyTo;
    const lastDirty = Math.ceil(this.sizeOnDisk / pageSize);
    for (let index = Math.floor(size / pageSize); index < lastDirty; index++) {
      const to = dirtyTo[index] as number;
      if (to === 0) continue;
      const cut = size - index * pageSize;
      if (to <= cut) continue;
      const from = dirtyFrom[index] as number;
      if (from >= cut) {
        this.cleanWhole(index);
      } else {
        this.dirtySize -= to - cut;
        dirtyTo[index] = cut;
      }
    }
    if (size < this.diskBase) {
      // Past the cut memory is the truth now (zeros, then whatever is written).
      this.diskBase = size;
      this.loaded.fill(1, Math.ceil(size / pageSize));
      this.countUnloaded();
    }
  }

  /**
   * Writes the dirty ranges below sizeOnDisk in position order, joining those
   * that touch, then the tail; each straight from memory, one write per segment
   * piece.
   */
  private flushWhole(): void {
    const indexes = this.dirtyIndexes;
    if (indexes.length > 0) {
      const pageSize = this.pageSize;
      const dirtyFrom = this.dirtyFrom;
      const dirtyTo = this.dirtyTo;
      indexes.sort(ascending);
      let written = 0;
      try {
        while (written < indexes.length) {
          const first = indexes[written] as number;
          if (dirtyTo[first] === 0) {
            written++;
            continue;
          }
          // A run: pages whose dirty ranges touch (one ends a page, the next starts one).
          let last = written;
          while (last + 1 < indexes.length) {
            const current = indexes[last] as number;
            const next = indexes[last + 1] as number;
            if (next === current) {
              last++;
              continue;
            }
            if (next !== current + 1 || dirtyTo[current] !== pageSize || dirtyFrom[next] !== 0 || dirtyTo[next] === 0) break;
            last++;
          }
          const lastIndex = indexes[last] as number;
          this.writeWholeRange(first * pageSize + (dirtyFrom[first] as number), lastIndex * pageSize + (dirtyTo[lastIndex] as number));
          for (let i = written; i <= last; i++) {
            const index = indexes[i] as number;
            if (dirtyTo[index] !== 0) this.cleanWhole(index);
          }
          written = last + 1;
        }
      } finally {
        // Keep the pages not yet written (all of them on success: none).
        this.dirtyIndexes = written === indexes.length ? [] : indexes.slice(written);
      }
    }
    if (this.length > this.sizeOnDisk) {
      this.writeWholeRange(this.sizeOnDisk, this.length);
      this.sizeOnDisk = this.length;
    }
  }

  /** Writes `from..to` from memory to the file, one writeSync per segment piece. */
  private writeWholeRange(from: number, to: number): void {
    const segments = this.segments as Uint8Array[];
    let at = from;
    while (at < to) {
      const offset = at & this.segmentMask;
      const count = Math.min(this.segmentSize - offset, to - at);
      this.writeFully(segments[at >>> this.segmentShift] as Uint8Array, offset, count, at);
      at += count;
    }
  }

  // Page mode.

  private writePages(position: number, source: Uint8Array): void {
    const pageSize = this.pageSize;
    const total = source.length;
    let done = 0;
    while (done < total) {
      const at = position + done;
      const index = Math.floor(at / pageSize);
      const offset = at - index * pageSize;
      const count = Math.min(pageSize - offset, total - done);
      const page = this.pageForWrite(index, offset, count);
      page.bytes.set(count === total ? source : source.subarray(done, done + count), offset);
      this.markDirty(page, offset, offset + count);
      done += count;
      if (at + count > this.length) this.length = at + count;
      // Checked per page so that one huge write never holds more than the buffer.
      if (this.dirtySize > this.writeBufferSize) this.flushPages();
    }
  }

  /** Drops cached pages past `size` and zeroes the cut tail of the page that holds it (keeping its dirty bytes before it). */
  private truncatePages(size: number): void {
    const pageSize = this.pageSize;
    for (const page of this.pages.values()) {
      const start = page.index * pageSize;
      if (start >= size) {
        this.dropPage(page);
      } else if (start + pageSize > size) {
        const cut = size - start;
        // Zero the tail so that the page stays equal to the logical content.
        page.bytes.fill(0, cut);
        if (page.dirty && page.dirtyTo > cut) {
          const dirtyTo = Math.max(page.dirtyFrom, cut);
          this.dirtySize -= page.dirtyTo - dirtyTo;
          page.dirtyTo = dirtyTo;
          if (page.dirtyTo === page.dirtyFrom) this.markClean(page);
        }
      }
    }
  }

  /**
   * The cached page `index`, read from the file on a miss, now the most recently
   * used. The file may end early after the page's first `sizeNeeded` bytes (see
   * {@link readFully}).
   */
  private pageForRead(index: number, sizeNeeded = this.pageSize): Page {
    let page = this.pages.get(index);
    if (page === undefined) {
      page = this.takePage(index);
      const start = index * this.pageSize;
      const readable = Math.min(this.pageSize, this.sizeOnDisk - start);
      if (readable > 0) this.readFully(page.bytes, 0, readable, start, Math.min(readable, sizeNeeded));
      // A recycled page still holds its previous content.
      page.bytes.fill(0, Math.max(readable, 0));
      this.insertPage(page);
    } else {
      this.touch(page);
    }
    this.lastPage = page;
    return page;
  }

  /**
   * The cached page `index`, about to receive `count` bytes at `offset`. Reading
   * it from the file is skipped when the write covers everything the file holds
   * of it, which is the case for every append.
   */
  private pageForWrite(index: number, offset: number, count: number): Page {
    let page = this.pages.get(index);
    if (page !== undefined) {
      this.touch(page);
    } else {
      const readable = this.sizeOnDisk - index * this.pageSize;
      if (readable > 0 && (offset > 0 || offset + count < Math.min(readable, this.pageSize))) return this.pageForRead(index);
      page = this.takePage(index);
      page.bytes.fill(0);
      this.insertPage(page);
    }
    this.lastPage = page;
    return page;
  }

  /**
   * A page object for `index`, not yet in the cache: a free one or a new one
   * while the cache has room, else the least recently used page, flushed first
   * if dirty and reused so that a full cache allocates nothing.
   */
  private takePage(index: number): Page {
    const victim = this.oldest;
    if (this.pages.size < this.pageCountMax || victim === null) return this.freePage(index);
    // Flushing everything (not just the victim) keeps writes in position order and
    // makes the next evictions free.
    if (victim.dirty) this.flushPages();
    this.dropPage(victim);
    return this.freePage(index);
  }

  /**
   * A page out of the cache for `index`, with stale content: a dropped one, else
   * a piece of a segment whole-file mode left, else a new one. Every page ever
   * made is in the cache or free, so they never number more than the cache's
   * pages, and the spare segments never hold more than the cache's bytes.
   */
  private freePage(index: number): Page {
    const free = this.freePages.pop();
    if (free !== undefined) {
      free.index = index;
      return free;
    }
    const pageSize = this.pageSize;
    const spare = this.spareSegments;
    while (spare.length > 0) {
      const segment = spare[spare.length - 1] as Uint8Array;
      const offset = this.spareOffset;
      if (offset + pageSize <= segment.length) {
        this.spareOffset = offset + pageSize;
        return new Page(index, segment.subarray(offset, offset + pageSize));
      }
      spare.pop();
      this.spareOffset = 0;
    }
    return new Page(index, new Uint8Array(pageSize));
  }

  private insertPage(page: Page): void {
    this.pages.set(page.index, page);
    page.older = this.newest;
    page.newer = null;
    if (this.newest !== null) this.newest.newer = page;
    else this.oldest = page;
    this.newest = page;
  }

  /** Removes a page from the cache, dirty or not: its bytes are lost, and the page is free for reuse. */
  private dropPage(page: Page): void {
    this.pages.delete(page.index);
    if (page.dirty) this.markClean(page);
    this.unlink(page);
    if (this.lastPage === page) this.lastPage = null;
    this.freePages.push(page);
  }

  private touch(page: Page): void {
    if (this.newest === page) return;
    this.unlink(page);
    page.older = this.newest;
    page.newer = null;
    if (this.newest !== null) this.newest.newer = page;
    else this.oldest = page;
    this.newest = page;
  }

  private unlink(page: Page): void {
    if (page.older !== null) page.older.newer = page.newer;
    else this.oldest = page.newer;
    if (page.newer !== null) page.newer.older = page.older;
    else this.newest = page.older;
    page.older = null;
    page.newer = null;
  }

  private markDirty(page: Page, from: number, to: number): void {
    if (!page.dirty) {
      page.dirty = true;
      page.dirtyFrom = from;
      page.dirtyTo = to;
      this.dirtyPages.add(page);
      this.dirtySize += to - from;
      return;
    }
    // One range per page: the bytes between two written ranges are valid content
    // (writes leave no holes), so rewriting them is harmless.
    const dirtyFrom = Math.min(page.dirtyFrom, from);
    const dirtyTo = Math.max(page.dirtyTo, to);
    this.dirtySize += dirtyTo - dirtyFrom - (page.dirtyTo - page.dirtyFrom);
    page.dirtyFrom = dirtyFrom;
    page.dirtyTo = dirtyTo;
  }

  private markClean(page: Page): void {
    this.dirtySize -= page.dirtyTo - page.dirtyFrom;
    page.dirty = false;
    page.dirtyFrom = 0;
    page.dirtyTo = 0;
    this.dirtyPages.delete(page);
  }

  /**
   * Points {@link view} and {@link bytes} at the scratch buffer (grown by
   * doubling to hold `length` bytes), for a range across two pages or segments;
   * returns its first `length` bytes for the caller to fill.
   */
  private serveScratch(length: number): Uint8Array {
    if (this.scratch.length < length) {
      let capacity = Math.max(64, this.scratch.length);
      while (capacity < length) capacity *= 2;
      this.scratch = new Uint8Array(capacity);
      this.scratchView = new DataView(this.scratch.buffer);
    }
    this.view = this.scratchView;
    this.bytes = this.scratch;
    return this.scratch.subarray(0, length);
  }

  private locateStraddling(position: number, length: number): number {
    this.copyOut(position, this.serveScratch(length));
    return 0;
  }

  /** Copies through the cache, one page at a time (a page may be recycled by the next). */
  private copyOut(position: number, target: Uint8Array): void {
    const pageSize = this.pageSize;
    const total = target.length;
    let done = 0;
    while (done < total) {
      const at = position + done;
      const index = Math.floor(at / pageSize);
      const offset = at - index * pageSize;
      const count = Math.min(pageSize - offset, total - done);
      const page = this.pageForRead(index, offset + count);
      target.set(page.bytes.subarray(offset, offset + count), done);
      done += count;
    }
  }

  private isCached(position: number, size: number): boolean {
    const last = Math.floor((position + size - 1) / this.pageSize);
    for (let index = Math.floor(position / this.pageSize); index <= last; index++) {
      if (!this.pages.has(index)) return false;
    }
    return true;
  }

  /** Reads what the file holds straight into `target`, then lays every cached page over it. */
  private readDirect(position: number, target: Uint8Array): void {
    const end = position + target.length;
    const fromDisk = Math.min(end, this.sizeOnDisk) - position;
    if (fromDisk > 0) this.readFully(target, 0, fromDisk, position, fromDisk);
    // Clean pages equal the file, so only dirty ones change anything; they also
    // hold every byte past the end of the file.
    const pageSize = this.pageSize;
    const last = Math.floor((end - 1) / pageSize);
    for (let index = Math.floor(position / pageSize); index <= last; index++) {
      const page = this.pages.get(index);
      if (page === undefined || !page.dirty) continue;
      const start = index * pageSize;
      const from = Math.max(start, position);
      const to = Math.min(start + pageSize, end);
      target.set(page.bytes.subarray(from - start, to - start), from - position);
    }
  }

  private flushPages(): void {
    if (this.dirtyPages.size === 0) return;
    const pages = Array.from(this.dirtyPages).sort(byIndex);
    const pageSize = this.pageSize;
    const run = this.run;
    let runSize = 0;
    for (const page of pages) {
      const previous = run.length > 0 ? run[run.length - 1] : undefined;
      const joins = previous !== undefined && page.index === previous.index + 1 && previous.dirtyTo === pageSize && page.dirtyFrom === 0 && runSize + page.dirtyTo <= COALESCE_SIZE_MAX;
      if (!joins && run.length > 0) {
        this.writeRun(runSize);
        runSize = 0;
      }
      run.push(page);
      runSize += page.dirtyTo - page.dirtyFrom;
    }
    this.writeRun(runSize);
  }

  /** Writes {@link run}, a chain of dirty ranges that touch, as one write, then marks it clean. */
  private writeRun(runSize: number): void {
    const run = this.run;
    const first = run[0];
    if (first === undefined) return;
    const position = first.index * this.pageSize + first.dirtyFrom;
    try {
      if (run.length === 1) {
        this.writeFully(first.bytes, first.dirtyFrom, runSize, position);
      } else {
        if (this.staging.length < runSize) this.staging = new Uint8Array(Math.min(COALESCE_SIZE_MAX, Math.max(runSize, this.staging.length * 2)));
        let at = 0;
        for (const page of run) {
          this.staging.set(page.bytes.subarray(page.dirtyFrom, page.dirtyTo), at);
          at += page.dirtyTo - page.dirtyFrom;
        }
        this.writeFully(this.staging, 0, runSize, position);
      }
      for (const page of run) this.markClean(page);
    } finally {
      // Emptied even on failure (its pages stay dirty) so that the next flush starts afresh.
      run.length = 0;
    }
    if (position + runSize > this.sizeOnDisk) this.sizeOnDisk = position + runSize;
  }

  // Syscalls.

  /**
   * Reads `size` bytes at `position` into `target` at `offset`. The file may end
   * early after the first `sizeNeeded` bytes: a new writer's recovery can cut
   * away a tail this reader saw (bytes past every committed size, which no
   * moment reads); the rest is then zero. Ending any earlier is corruption.
   */
  private readFully(target: Uint8Array, offset: number, size: number, position: number, sizeNeeded: number): void {
    let done = 0;
    while (done < size) {
      this.stats.readCalls++;
      let count: number;
      try {
        count = fs.readSync(this.fd, target, offset + done, size - done, position + done);
      } catch (error) {
        throw new IoError(`read of ${size} bytes at position ${position} from ${this.path} failed: ${describe(error)}`, error);
      }
      if (count === 0) {
        // Only another process can shorten the file under us.
        if (done < sizeNeeded) throw new CorruptDatabaseError(`${this.path} ended early: it should hold ${this.sizeOnDisk} bytes`, position + done);
        target.fill(0, offset + done, offset + size);
        return;
      }
      done += count;
    }
  }

  private writeFully(source: Uint8Array, offset: number, size: number, position: number): void {
    let done = 0;
    while (done < size) {
      this.stats.writeCalls++;
      try {
        done += fs.writeSync(this.fd, source, offset + done, size - done, position + done);
      } catch (error) {
        throw new IoError(`write of ${size} bytes at position ${position} to ${this.path} failed: ${describe(error)}`, error);
      }
    }
  }

  // Errors.

  private checkOpen(): void {
    if (this.closed) throw new StrataError('INVALID_ARGUMENT', 'this storage is closed');
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyError(`${this.path} is open read-only`);
    if (this.lostWriter !== undefined) throw this.lostWriter;
  }

  private failRead(position: number, length: number): never {
    this.checkOpen();
    throw new CorruptDatabaseError(`read of ${length} bytes goes past the end of the data (${this.length} bytes)`, position);
  }
}

let zeros: Uint8Array | undefined;

/** One shared buffer of zeros for reserves, never written to. */
function zeroBuffer(): Uint8Array {
  zeros ??= new Uint8Array(PREALLOCATION_SIZE_DEFAULT);
  return zeros;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The machine's memory, or the process's memory limit when one is set and lower. */
function machineMemory(): number {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

/** Syncs the directory holding `path` so a newly created file's entry is durable. Best effort where directories cannot be synced (Windows). */
function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(nodePath.dirname(nodePath.resolve(path)), 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms refuse to open or sync a directory; the file's data is still synced on commit.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Throws InvalidArgumentError when `path` names something other than a regular
 * file (a directory, named pipe, socket or device); a missing path is fine (it
 * may be created). Symlinks are followed, as open follows them.
 */
export function refuseIfNotRegularFile(path: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    return; // missing, or unreadable: the open reports it
  }
  if (stat.isFile()) return;
  const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a named pipe' : stat.isSocket() ? 'a socket' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a regular file';
  throw new InvalidArgumentError(`${path} is ${kind}, not a database file`);
}

/** The bytes {@link FileStorage.confirmWriter} reads back; a history header fits. */
const confirmScratch = new Uint8Array(64);
