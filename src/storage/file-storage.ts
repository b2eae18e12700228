// File storage for Node: the FileStorage facade. It checks arguments and
// state, takes the file lock, confirms the writer at commit, and dispatches
// each call to one of two caches: whole-file-cache.ts (a file up to
// `wholeFileSizeMax` held in memory segments) or page-cache.ts (an LRU page
// cache), switching from the first to the second for good when the file
// outgrows the budget. file-io.ts does the syscalls.

import * as fs from 'node:fs';
import * as os from 'node:os';

import { InvalidArgumentError, IoError, LockedError, StrataError } from '../errors.js';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../format/constants.js';
import { FileLock, lockStatus } from './file-lock.js';
import type { Storage } from './storage.js';
import { requireOptionalBoolean, requireOptions } from '../base/arguments.js';
import { INSPECT, hideFields, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { NO_BYTES, NO_BYTES_VIEW, type FileCache } from './file-cache.js';
import { FileIo, PREALLOCATION_SIZE_DEFAULT, describe, refuseIfNotRegularFile, syncDirectory, type FileStorageStats } from './file-io.js';
import { PageCache } from './page-cache.js';
import { WholeFileCache } from './whole-file-cache.js';

export { refuseIfNotRegularFile } from './file-io.js';
export type { FileStorageStats } from './file-io.js';

// Page mode defaults, not yet chosen by a benchmark: bench/ should measure them
// against the blocks the engine actually reads. A 16 KiB page holds several whole
// index blocks, so a descent through neighbouring blocks costs one read.
const PAGE_SIZE_DEFAULT = 16 * 1024;
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

/** Where the file header and the history header end: every commit rewrites bytes below it. */
const HEADERS_END = HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE;

/**
 * The name of every {@link FileStorageOptions} option, for the open calls
 * that refuse unknown ones (a Record, so that a new option must be named here).
 */
export const FILE_STORAGE_OPTION_NAMES: readonly string[] = Object.keys({
  readOnly: true,
  create: true,
  memoryBudget: true,
  wholeFileSizeMax: true,
  writeBufferSize: true,
  preallocationSize: true,
  pageSize: true,
  cacheSize: true,
  lock: true,
  lockTimeoutMs: true,
} satisfies Record<keyof FileStorageOptions, true>);

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
  /** Bytes of page cache in page mode (default and at most {@link memoryBudget}); at least one page is always kept. */
  cacheSize?: number;
  /**
   * Take the file's writer lock (default: true unless `readOnly`): one writer
   * per file across processes; a second gets `LockedError`.
   */
  lock?: boolean;
  /** How long to wait for another writer's lock before `LockedError`, in milliseconds (default 0: fail at once; `Infinity` waits for ever). */
  lockTimeoutMs?: number;
}

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
  // Plain fields, not getters: the engine reads them after every locate, and
  // the cache that served the locate stores into them (see LocateTarget).
  view: DataView;
  bytes: Uint8Array;
  readonly readOnly: boolean;
  /** The file this storage was opened on. */
  readonly path: string;
  /** Syscalls made so far; the fields only grow. */
  readonly stats: FileStorageStats;
  /** The writer lock this storage holds, released on close; undefined for a reader. */
  lock: FileLock | undefined;

  private readonly io: FileIo;
  /**
   * The strategy holding the file's bytes: a WholeFileCache until the file
   * outgrows `wholeFileSizeMax`, then a PageCache for good. Every storage call
   * is one call on it; only a switch and the mode getters look at its class.
   */
  private cache: FileCache;
  private readonly pageSize: number;
  private readonly pageCountMax: number;
  private readonly writeBufferSize: number;

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
    this.view = NO_BYTES_VIEW;
    this.bytes = NO_BYTES;
    this.readOnly = readOnly;
    this.path = path;
    this.io = new FileIo(fd, path, readOnly, sizeOnDisk, preallocationSize);
    this.stats = this.io.stats;
    this.lock = undefined;
    this.pageSize = pageSize;
    this.pageCountMax = Math.max(1, Math.floor(cacheSize / pageSize));
    this.writeBufferSize = writeBufferSize ?? WRITE_BUFFER_SIZE_DEFAULT;
    if (wholeFileSizeMax > 0 && sizeOnDisk <= wholeFileSizeMax) {
      const segmentSize = Math.max(pageSize, Math.min(pageSize * SEGMENT_PAGES, SEGMENT_SIZE_MAX));
      // Whole-file mode keeps writes in memory until flush by default: memory holds them anyway.
      this.cache = new WholeFileCache(this.io, this, sizeOnDisk, pageSize, segmentSize, wholeFileSizeMax, writeBufferSize ?? Number.POSITIVE_INFINITY);
    } else {
      this.cache = new PageCache(this.io, this, sizeOnDisk, sizeOnDisk, pageSize, this.pageCountMax, this.writeBufferSize, []);
    }
    // The cached pages and segments are the database's bytes: out of
    // enumeration, so that Object.keys, spreading or structuredClone of a
    // storage never copies them. toJSON describes the storage instead.
    hideFields(this);
  }

  /**
   * What `JSON.stringify(storage)` gives: `{ kind: 'FileStorage', size,
   * readOnly, closed }`, never the cached bytes, nor the path (a response that
   * serializes a storage by accident should not tell where the server keeps
   * its files; util.inspect, for logs, shows the path). O(1).
   */
  toJSON(): HandleDescriptor {
    const closed = this.cache.closed;
    return { kind: 'FileStorage', size: closed ? 0 : this.cache.length, readOnly: this.readOnly, closed };
  }

  /** What `console.log` and `util.inspect` show in Node: `FileStorage { path, size, readOnly, closed }` on one line. */
  [INSPECT](): string {
    const closed = this.cache.closed;
    return inspectHandle({ kind: 'FileStorage', path: this.path, size: closed ? 0 : this.cache.length, readOnly: this.readOnly, closed });
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
    requireOptionalBoolean(options.readOnly, 'readOnly');
    requireOptionalBoolean(options.create, 'create');
    requireOptionalBoolean(options.lock, 'lock');
    const readOnly = options.readOnly ?? false;
    const create = options.create ?? !readOnly;
    const pageSize = options.pageSize ?? PAGE_SIZE_DEFAULT;
    const memoryBudget = options.memoryBudget ?? MEMORY_BUDGET_DEFAULT;
    // The page cache may use the whole budget, as a file held whole does: with a
    // quarter of it (64 MiB, the old default), a full scan of a 296 MB file just
    // over the budget read 1.56 M pages and took 6.9 s; with the budget, 0.19 M
    // pages and 4.5 s (bench/README.md, page cache at the budget).
    const cacheSizeGiven = options.cacheSize ?? memoryBudget;
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

  /** A file outlives this process: commits checksum their data (FORMAT.md §Commit trailer). */
  get durable(): boolean {
    return true;
  }

  /**
   * For a read-only storage: true when a live process or thread holds the
   * file's writer lock (a lock file that is not stale), so that opening leaves
   * the bytes past the history header to that writer. A writer's own storage
   * answers false: it holds the lock.
   */
  writerActive(): boolean {
    if (!this.readOnly) return false;
    const status = lockStatus(this.path);
    return status.locked && !status.stale;
  }

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
    const io = this.io;
    if (io.lostWriter !== undefined) throw io.lostWriter;
    if (this.readOnly) return;
    const consequence = 'Nothing of this transaction was written, and this handle writes nothing more: close it, and reopen the database to go on from the other writer\'s moments';
    try {
      this.lock?.assertHeld();
    } catch (error) {
      if (!(error instanceof LockedError)) throw error;
      io.lostWriter = new LockedError(`${error.message}. ${consequence}`, error.holder);
      throw io.lostWriter;
    }
    const onDisk = confirmScratch.length >= expected.length ? confirmScratch.subarray(0, expected.length) : new Uint8Array(expected.length);
    const read = io.readUncounted(onDisk, position);
    let same = read === expected.length;
    for (let i = 0; same && i < read; i++) same = onDisk[i] === expected[i];
    if (same) return;
    io.lostWriter = new LockedError(`${this.path} is no longer this writer's: another writer changed its header since this writer last committed. ${consequence}`, undefined);
    throw io.lostWriter;
  }

  /** True while the file is held whole in memory (see {@link FileStorageOptions.wholeFileSizeMax}). */
  get wholeFile(): boolean {
    return !this.cache.closed && this.cache instanceof WholeFileCache;
  }

  /**
   * Bytes of the file's content held in memory: the allocated segments in
   * whole-file mode, the cached pages in page mode. O(segments).
   */
  get memorySize(): number {
    return this.cache.memorySize();
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
    const size = this.io.statSize();
    const firstChanged = Math.floor(Math.min(Math.max(stableSize, 0), size, this.cache.sizeOnDisk) / this.pageSize);
    // The file and history headers lie below any committed size, yet every
    // commit rewrites the history header: the pages that hold them always go.
    const headerPages = Math.ceil(HEADERS_END / this.pageSize);
    const cache = this.cache;
    if (cache instanceof WholeFileCache && !cache.fits(size)) this.leaveWholeFile(cache);
    this.cache.refresh(size, firstChanged, headerPages);
  }

  /**
   * True when the path this storage was opened on now names another file than
   * the one it has open (a compaction renamed a new file over it); false
   * when the path names nothing (there is no file to move to). Two stats, a
   * few microseconds.
   */
  replaced(): boolean {
    this.checkOpen();
    let open: fs.Stats;
    try {
      open = fs.fstatSync(this.io.fd);
    } catch (error) {
      throw new IoError(`fstat of ${this.path} failed: ${describe(error)}`, error);
    }
    try {
      const named = fs.statSync(this.path);
      return named.ino !== open.ino || named.dev !== open.dev;
    } catch {
      return false;
    }
  }

  /** @returns the logical size in bytes, including unflushed writes. O(1). */
  size(): number {
    this.checkOpen();
    return this.cache.length;
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
    return this.cache.locate(position, length);
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
    this.cache.read(position, target);
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
    // false: the whole-file cache would pass its budget (nothing written yet).
    if (!this.cache.write(position, source)) this.leaveWholeFile(this.cache as WholeFileCache).write(position, source);
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
    const start = this.cache.appendZeros(size);
    return start >= 0 ? start : this.leaveWholeFile(this.cache as WholeFileCache).appendZeros(size);
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
    const cache = this.cache;
    if (!(position >= 0 && position + size <= cache.length)) cache.failRead(position, size);
    const start = cache.appendCopy(position, size);
    return start >= 0 ? start : this.leaveWholeFile(cache as WholeFileCache).appendCopy(position, size);
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
    const length = this.cache.length;
    if (!(size >= 0 && size <= length)) throw new InvalidArgumentError(`cannot truncate ${length} bytes to ${size}`);
    this.cache.truncate(size);
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
    if (this.io.lostWriter !== undefined) throw this.io.lostWriter;
    this.cache.flush();
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
    const cache = this.cache;
    cache.flush();
    if (cache.sizeOnDisk > this.io.fileSize) this.io.preallocate(cache.sizeOnDisk);
    this.io.syncData();
  }

  /**
   * {@link sync} with the fdatasync on libuv's thread pool: flushes (and
   * reserves zeros) now, then resolves once the data is durable, so that the
   * event loop goes on meanwhile. Writes made after the call are not covered.
   *
   * @throws ReadOnlyError on a read-only storage
   * @throws IoError (as a rejection) when the sync fails
   */
  syncAsync(): Promise<void> {
    this.checkWritable();
    const cache = this.cache;
    cache.flush();
    if (cache.sizeOnDisk > this.io.fileSize) this.io.preallocate(cache.sizeOnDisk);
    return this.io.syncDataAsync();
  }

  /**
   * Flushes (when writable), cuts reserved zeros, and closes the file; later
   * calls fail. Closing twice does nothing. The descriptor is closed even when
   * the flush fails.
   *
   * @throws IoError when the flush or the close fails
   */
  close(): void {
    const cache = this.cache;
    if (cache.closed) return;
    let failed = false;
    let failure: unknown;
    try {
      // A writer that lost the file to another leaves it alone: its buffered
      // writes, and a cut of the zeros past its data, would land on the other's.
      if (!this.readOnly && this.io.lostWriter === undefined) {
        cache.flush();
        // The zeros reserved past the data: a closed file ends where its data does.
        if (this.io.fileSize > cache.sizeOnDisk) this.io.cutFile(cache.sizeOnDisk);
      }
    } catch (error) {
      failed = true;
      failure = error;
    }
    cache.release();
    try {
      this.io.close();
    } catch (error) {
      // An error from the flush, if any, is the one worth reporting: it lost data.
      if (!failed) {
        failed = true;
        failure = error;
      }
    }
    this.lock?.release();
    if (failed) throw failure;
  }

  /**
   * Leaves whole-file mode for good: flushes (when writable), then hands the
   * segments to the page cache, up to its size, so the switch never holds the
   * budget twice.
   *
   * @returns the page cache, now current
   */
  private leaveWholeFile(whole: WholeFileCache): PageCache {
    if (!this.readOnly) whole.flush();
    const length = whole.length;
    const sizeOnDisk = whole.sizeOnDisk;
    const spare = whole.handOver(this.pageCountMax * this.pageSize);
    const pages = new PageCache(this.io, this, length, sizeOnDisk, this.pageSize, this.pageCountMax, this.writeBufferSize, spare);
    this.cache = pages;
    this.bytes = NO_BYTES;
    this.view = NO_BYTES_VIEW;
    return pages;
  }

  private checkOpen(): void {
    this.cache.checkOpen();
  }

  private checkWritable(): void {
    this.cache.checkWritable();
  }
}

/** The machine's memory, or the process's memory limit when one is set and lower. */
function machineMemory(): number {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

/** The bytes {@link FileStorage.confirmWriter} reads back; a history header fits. */
const confirmScratch = new Uint8Array(64);
