// File storage for Node: one file descriptor, positional synchronous I/O, an LRU
// page cache that serves `locate` without a syscall per block, and a write-back
// buffer of dirty pages handed to the file in position order on flush.

import * as fs from 'node:fs';
import * as nodePath from 'node:path';

import { CorruptDatabaseError, InvalidArgumentError, IoError, ReadOnlyError, StrataError } from '../errors.js';
import { FileLock } from './file-lock.js';
import type { Storage } from './storage.js';

// Defaults, not yet chosen by a benchmark: bench/ should measure them against the
// blocks the engine actually reads. A 16 KiB page holds several whole index
// blocks, so a descent through neighbouring blocks costs one read.
const PAGE_SIZE_DEFAULT = 16 * 1024;
const CACHE_SIZE_DEFAULT = 64 * 1024 * 1024;
const WRITE_BUFFER_SIZE_DEFAULT = 4 * 1024 * 1024;
const PAGE_SIZE_MAX = 1024 * 1024 * 1024;

// The most bytes one coalesced writeSync carries: enough that a flush of a long
// append costs a handful of syscalls, small enough that the staging copy stays cheap.
const COALESCE_SIZE_MAX = 1024 * 1024;

/** Options for {@link FileStorage.open}. */
export interface FileStorageOptions {
  /** Open with flag 'r' and refuse writes, truncation and sync (default false). */
  readOnly?: boolean;
  /** Create the file when it does not exist (default true, or false when `readOnly`). */
  create?: boolean;
  /** Dirty bytes held before a write flushes them by itself (default 4 MiB; 0 flushes every write). */
  writeBufferSize?: number;
  /** Bytes per cached page: a power of two (default 16 KiB). */
  pageSize?: number;
  /** Bytes of page cache (default 64 MiB); at least one page is always kept. */
  cacheSize?: number;
  /**
   * Take the file's writer lock (default: true unless `readOnly`): one writer
   * per file across processes; a second gets `LockedError`.
   */
  lock?: boolean;
  /** How long to wait for another writer's lock before `LockedError` (default 0: fail at once). */
  lockTimeoutMs?: number;
}

/** Syscalls a {@link FileStorage} has made, for tests and benchmarks. */
export interface FileStorageStats {
  /** `fs.readSync` calls (each page miss, each direct large read, each retry of a short read). */
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

  constructor(index: number, size: number) {
    this.index = index;
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
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

/**
 * A database in a file, read through a page cache and written through a buffer of
 * dirty pages. Node only. Not safe to share between processes that write: take
 * the file lock first.
 *
 * Invariants: every byte the file lacks (past its on-disk size, or written since
 * the last flush) lives in a dirty cached page, so a page that is not cached can
 * always be read from the file; the on-disk size never exceeds the logical size.
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
  private readonly pageCountMax: number;
  private readonly writeBufferSize: number;
  /** The logical size: everything written, flushed or not. */
  private length: number;
  /** How many bytes the file itself holds; never more than {@link length}. */
  private sizeOnDisk: number;
  private closed: boolean;

  private readonly pages: Map<number, Page>;
  private newest: Page | null;
  private oldest: Page | null;
  /** The page the last lookup returned: consecutive locates in one block skip the Map. */
  private lastPage: Page | null;
  private readonly dirtyPages: Set<Page>;
  /** Sum of the dirty ranges of {@link dirtyPages}. */
  private dirtySize: number;

  /** Where a locate that straddles two pages is assembled; grows by doubling. */
  private scratch: Uint8Array;
  private scratchView: DataView;
  /** Where a run of adjacent dirty pages is joined into one write. */
  private staging: Uint8Array;
  private readonly run: Page[];

  private constructor(fd: number, path: string, readOnly: boolean, sizeOnDisk: number, pageSize: number, cacheSize: number, writeBufferSize: number) {
    this.bytes = new Uint8Array(0);
    this.view = new DataView(this.bytes.buffer);
    this.readOnly = readOnly;
    this.path = path;
    this.stats = { readCalls: 0, writeCalls: 0, syncCalls: 0 };
    this.fd = fd;
    this.pageSize = pageSize;
    this.pageCountMax = Math.max(1, Math.floor(cacheSize / pageSize));
    this.writeBufferSize = writeBufferSize;
    this.length = sizeOnDisk;
    this.sizeOnDisk = sizeOnDisk;
    this.closed = false;
    this.pages = new Map();
    this.newest = null;
    this.oldest = null;
    this.lastPage = null;
    this.dirtyPages = new Set();
    this.dirtySize = 0;
    this.scratch = this.bytes;
    this.scratchView = this.view;
    this.staging = this.bytes;
    this.run = [];
  }

  /**
   * Opens (by default creating) a database file. One fstat; no data is read yet.
   *
   * @param path - the file
   * @param options - read-only flag, creation, page size, cache and write buffer sizes
   * @returns the open storage; close it when done
   * @throws IoError when the file cannot be opened (missing and not created, no permission...)
   * @throws InvalidArgumentError when an option is out of range, or `readOnly` and `create` are both set
   * @example
   * ```ts
   * const storage = FileStorage.open('data.strata', { readOnly: true });
   * ```
   */
  static open(path: string, options: FileStorageOptions = {}): FileStorage {
    const readOnly = options.readOnly ?? false;
    const create = options.create ?? !readOnly;
    const pageSize = options.pageSize ?? PAGE_SIZE_DEFAULT;
    const cacheSize = options.cacheSize ?? CACHE_SIZE_DEFAULT;
    const writeBufferSize = options.writeBufferSize ?? WRITE_BUFFER_SIZE_DEFAULT;
    if (readOnly && create) throw new InvalidArgumentError('a read-only storage cannot create its file');
    // A power of two keeps every page boundary exact in floating point.
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE_MAX || (pageSize & (pageSize - 1)) !== 0) {
      throw new InvalidArgumentError(`pageSize must be a power of two between 1 and ${PAGE_SIZE_MAX}, not ${pageSize}`);
    }
    if (!(cacheSize >= 0)) throw new InvalidArgumentError(`cacheSize must be at least 0, not ${cacheSize}`);
    if (!(writeBufferSize >= 0)) throw new InvalidArgumentError(`writeBufferSize must be at least 0, not ${writeBufferSize}`);

    const flags = readOnly ? 'r' : create ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR;
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
    const storage = new FileStorage(fd, path, readOnly, size, pageSize, cacheSize, writeBufferSize);
    storage.lock = lock;
    return storage;
  }

  /** The writer lock this storage holds, released on close; undefined for a reader. */
  lock: FileLock | undefined = undefined;

  /**
   * For a reader: sees what writers appended since it opened. Reads the file's
   * size again and drops cached pages that may have changed: the first page
   * (the headers) and those at or past the old end. Committed bytes never
   * change, so every other page stays. O(cached pages).
   */
  refresh(): void {
    this.checkOpen();
    if (!this.readOnly) return;
    let size: number;
    try {
      size = fs.fstatSync(this.fd).size;
    } catch (error) {
      throw new IoError(`fstat of ${this.path} failed: ${describe(error)}`, error);
    }
    const firstChanged = Math.floor(Math.min(size, this.sizeOnDisk) / this.pageSize);
    for (const page of [...this.pages.values()]) if (page.index === 0 || page.index >= firstChanged) this.dropPage(page);
    this.lastPage = null;
    this.sizeOnDisk = size;
    this.length = size;
  }

  /** @returns the logical size in bytes, including unflushed writes. O(1). */
  size(): number {
    this.checkOpen();
    return this.length;
  }

  /**
   * Makes a range readable through {@link view}. Inside one page: the cached page
   * itself, no copy and no allocation; a hit on the page of the previous call skips
   * even the cache lookup. A miss costs one readSync of a whole page (and may evict
   * the least recently used page, flushing first if it is dirty). A range across
   * two pages is copied into a scratch buffer.
   *
   * @param position - absolute offset
   * @param length - how many bytes
   * @returns the offset of `position` inside {@link view}
   * @throws CorruptDatabaseError when the range goes past {@link size}
   * @throws IoError when the page cannot be read
   */
  locate(position: number, length: number): number {
    // Written as a negation so that NaN fails too.
    if (!(position >= 0 && position + length <= this.length) || this.closed) this.failRead(position, length);
    const pageSize = this.pageSize;
    const index = Math.floor(position / pageSize);
    const offset = position - index * pageSize;
    if (offset + length > pageSize) return this.locateStraddling(position, length);
    let page = this.lastPage;
    if (page === null || page.index !== index) page = this.pageForRead(index);
    this.view = page.view;
    this.bytes = page.bytes;
    return offset;
  }

  /**
   * Copies a range out. A read of at least one page whose pages are not all cached
   * bypasses the cache: one readSync straight into `target`, then unflushed pages
   * are laid over it. Smaller reads go through the cache like {@link locate}.
   *
   * @param position - absolute offset
   * @param target - filled completely
   * @throws CorruptDatabaseError when the range goes past {@link size}
   * @throws IoError when the file cannot be read
   */
  read(position: number, target: Uint8Array): void {
    const size = target.length;
    if (!(position >= 0 && position + size <= this.length) || this.closed) this.failRead(position, size);
    if (size >= this.pageSize && !this.isCached(position, size)) this.readDirect(position, target);
    else this.copyOut(position, target);
  }

  /**
   * Writes bytes into cached pages; the file sees them at the next {@link flush}.
   * Flushes by itself once more than `writeBufferSize` bytes are dirty. A partial
   * write to a page that is neither cached nor past the end of the file reads it
   * first (one readSync). O(pages touched).
   *
   * @param position - absolute offset, at most {@link size} (no holes)
   * @param source - the bytes
   * @throws ReadOnlyError on a read-only storage
   * @throws StrataError with code 'INVALID_ARGUMENT' when the write would leave a hole
   * @throws IoError when a read or an automatic flush fails
   */
  write(position: number, source: Uint8Array): void {
    this.checkWritable();
    if (!(position >= 0 && position <= this.length)) {
      throw new StrataError('INVALID_ARGUMENT', `write at ${position} would leave a hole after the end ${this.length}`);
    }
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
      if (this.dirtySize > this.writeBufferSize) this.flushDirty();
    }
  }

  /**
   * Cuts the storage back to `size` bytes: drops cached pages past it, zeroes the
   * cut tail of the page that holds `size` (keeping its dirty bytes before it),
   * and ftruncates the file when the file holds more than `size` bytes.
   * O(cached pages).
   *
   * @param size - the new size, at most the current one
   * @throws ReadOnlyError on a read-only storage
   * @throws StrataError with code 'INVALID_ARGUMENT' when `size` is out of range
   * @throws IoError when ftruncate fails
   */
  truncate(size: number): void {
    this.checkWritable();
    if (!(size >= 0 && size <= this.length)) throw new StrataError('INVALID_ARGUMENT', `cannot truncate ${this.length} bytes to ${size}`);
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
    if (size < this.sizeOnDisk) {
      try {
        fs.ftruncateSync(this.fd, size);
      } catch (error) {
        throw new IoError(`ftruncate of ${this.path} to ${size} bytes failed: ${describe(error)}`, error);
      }
      this.sizeOnDisk = size;
    }
    this.length = size;
  }

  /**
   * Writes every dirty byte to the file in position order, one writeSync per run
   * of adjacent dirty pages (up to 1 MiB). Nothing to do on a read-only storage.
   * O(dirty pages log dirty pages).
   *
   * @throws IoError when a write fails; the pages not yet written stay dirty
   */
  flush(): void {
    this.checkOpen();
    this.flushDirty();
  }

  /**
   * Flushes, then fdatasyncs the file so that its data survives a power loss.
   *
   * @throws ReadOnlyError on a read-only storage
   * @throws IoError when a write or the sync fails
   */
  sync(): void {
    this.checkWritable();
    this.flushDirty();
    this.stats.syncCalls++;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (error) {
      throw new IoError(`fdatasync of ${this.path} failed: ${describe(error)}`, error);
    }
  }

  /**
   * Flushes (when writable) and closes the file; later calls fail. Closing twice
   * does nothing. The descriptor is closed even when the flush fails.
   *
   * @throws IoError when the flush or the close fails
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let failed = false;
    let failure: unknown;
    try {
      if (!this.readOnly) this.flushDirty();
    } catch (error) {
      failed = true;
      failure = error;
    }
    this.pages.clear();
    this.dirtyPages.clear();
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

  // Cache.

  /** The cached page `index`, read from the file on a miss, now the most recently used. */
  private pageForRead(index: number): Page {
    let page = this.pages.get(index);
    if (page === undefined) {
      page = this.takePage(index);
      const start = index * this.pageSize;
      const readable = Math.min(this.pageSize, this.sizeOnDisk - start);
      if (readable > 0) this.readFully(page.bytes, 0, readable, start);
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
   * A page object for `index`, not yet in the cache: a new one while the cache has
   * room, else the least recently used page, flushed first if dirty and reused so
   * that a full cache allocates nothing.
   */
  private takePage(index: number): Page {
    const victim = this.oldest;
    if (this.pages.size < this.pageCountMax || victim === null) return new Page(index, this.pageSize);
    // Flushing everything (not just the victim) keeps writes in position order and
    // makes the next evictions free.
    if (victim.dirty) this.flushDirty();
    this.dropPage(victim);
    victim.index = index;
    return victim;
  }

  private insertPage(page: Page): void {
    this.pages.set(page.index, page);
    page.older = this.newest;
    page.newer = null;
    if (this.newest !== null) this.newest.newer = page;
    else this.oldest = page;
    this.newest = page;
  }

  /** Removes a page from the cache, dirty or not: its bytes are lost. */
  private dropPage(page: Page): void {
    this.pages.delete(page.index);
    if (page.dirty) this.markClean(page);
    this.unlink(page);
    if (this.lastPage === page) this.lastPage = null;
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

  // Reads.

  private locateStraddling(position: number, length: number): number {
    if (this.scratch.length < length) {
      let capacity = Math.max(64, this.scratch.length);
      while (capacity < length) capacity *= 2;
      this.scratch = new Uint8Array(capacity);
      this.scratchView = new DataView(this.scratch.buffer);
    }
    this.copyOut(position, this.scratch.subarray(0, length));
    this.view = this.scratchView;
    this.bytes = this.scratch;
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
      const page = this.pageForRead(index);
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
    if (fromDisk > 0) this.readFully(target, 0, fromDisk, position);
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

  // Syscalls.

  private readFully(target: Uint8Array, offset: number, size: number, position: number): void {
    let done = 0;
    while (done < size) {
      this.stats.readCalls++;
      let count: number;
      try {
        count = fs.readSync(this.fd, target, offset + done, size - done, position + done);
      } catch (error) {
        throw new IoError(`read of ${size} bytes at position ${position} from ${this.path} failed: ${describe(error)}`, error);
      }
      // Only another process can shorten the file under us.
      if (count === 0) throw new CorruptDatabaseError(`${this.path} ended early: it should hold ${this.sizeOnDisk} bytes`, position + done);
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

  private flushDirty(): void {
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

  // Errors.

  private checkOpen(): void {
    if (this.closed) throw new StrataError('INVALID_ARGUMENT', 'this storage is closed');
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyError(`${this.path} is open read-only`);
  }

  private failRead(position: number, length: number): never {
    this.checkOpen();
    throw new CorruptDatabaseError(`read of ${length} bytes goes past the end of the data (${this.length} bytes)`, position);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
