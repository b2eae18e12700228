// Page mode of FileStorage: a file larger than `wholeFileSizeMax` read through
// an LRU cache of fixed-size pages, with dirty pages as the write-back buffer,
// flushed in runs of adjacent pages. Owns the pages, their recency list and
// dirty ranges, and the segments whole-file mode left behind for reuse.

import { FileCache, type LocateTarget } from './file-cache.js';
import type { FileIo } from './file-io.js';

// The most bytes one coalesced writeSync carries: enough that a flush of a long
// append costs a handful of syscalls, small enough that the staging copy stays
// cheap.
const COALESCE_SIZE_MAX = 1024 * 1024;

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

/**
 * The page cache. Every byte the file lacks (past its on-disk size, or
 * written since the last flush) lives in a dirty cached page, so a page that
 * is not cached can always be read from the file.
 */
export class PageCache extends FileCache {
  private readonly pageCountMax: number;
  private readonly writeBufferSize: number;
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
  /** Where a run of adjacent dirty pages is joined into one write. */
  private staging: Uint8Array;
  private readonly run: Page[];

  /**
   * @param length - the logical size, all of it on disk unless a whole-file cache left a tail (it flushes first)
   * @param spareSegments - whole-file mode's segments, to cut pages from
   */
  constructor(io: FileIo, target: LocateTarget, length: number, sizeOnDisk: number, pageSize: number, pageCountMax: number, writeBufferSize: number, spareSegments: Uint8Array[]) {
    super(io, target, length, sizeOnDisk, pageSize);
    this.pageCountMax = pageCountMax;
    this.writeBufferSize = writeBufferSize;
    this.pages = new Map();
    this.newest = null;
    this.oldest = null;
    this.lastPage = null;
    this.dirtyPages = new Set();
    this.freePages = [];
    this.spareSegments = spareSegments;
    this.spareOffset = 0;
    this.staging = new Uint8Array(0);
    this.run = [];
  }

  locate(position: number, length: number): number {
    // Written as a negation so that NaN fails too.
    if (!(position >= 0 && position + length <= this.length)) this.failRead(position, length);
    const pageSize = this.pageSize;
    const index = Math.floor(position / pageSize);
    const offset = position - index * pageSize;
    if (offset + length > pageSize) return this.locateStraddling(position, length);
    let page = this.lastPage;
    if (page === null || page.index !== index) page = this.pageForRead(index, offset + length);
    const target = this.target;
    target.view = page.view;
    target.bytes = page.bytes;
    return offset;
  }

  read(position: number, target: Uint8Array): void {
    const size = target.length;
    if (!(position >= 0 && position + size <= this.length)) this.failRead(position, size);
    if (size >= this.pageSize && !this.isCached(position, size)) this.readDirect(position, target);
    else this.copyOut(position, target);
  }

  write(position: number, source: Uint8Array): boolean {
    this.checkWritable();
    this.checkNoHole(position);
    this.writePages(position, source);
    return true;
  }

  appendZeros(size: number): number {
    const start = this.length;
    this.writePages(start, new Uint8Array(size));
    return start;
  }

  appendCopy(position: number, size: number): number {
    const start = this.length;
    const copy = new Uint8Array(size);
    this.read(position, copy);
    this.writePages(start, copy);
    return start;
  }

  /** Drops cached pages past `size` and zeroes the cut tail of the page that holds it (keeping its dirty bytes before it). */
  truncate(size: number): void {
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
      this.io.cutFile(size);
      this.sizeOnDisk = size;
    }
    this.length = size;
  }

  /** Writes the dirty pages in position order, one write per run of adjacent dirty bytes (up to 1 MiB). */
  flush(): void {
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

  refresh(size: number, firstChanged: number, headerPages: number): void {
    for (const page of [...this.pages.values()]) if (page.index < headerPages || page.index >= firstChanged) this.dropPage(page);
    this.lastPage = null;
    this.sizeOnDisk = size;
    this.io.fileSize = size;
    this.length = size;
  }

  memorySize(): number {
    return this.pages.size * this.pageSize;
  }

  protected releaseBuffers(): void {
    this.pages.clear();
    this.dirtyPages.clear();
    this.freePages.length = 0;
    this.spareSegments = [];
    this.newest = null;
    this.oldest = null;
    this.lastPage = null;
  }

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
      if (this.dirtySize > this.writeBufferSize) this.flush();
    }
  }

  /**
   * The cached page `index`, read from the file on a miss, now the most recently
   * used. The file may end early after the page's first `sizeNeeded` bytes (see
   * FileIo.readFully).
   */
  private pageForRead(index: number, sizeNeeded = this.pageSize): Page {
    let page = this.pages.get(index);
    if (page === undefined) {
      page = this.takePage(index);
      const start = index * this.pageSize;
      const readable = Math.min(this.pageSize, this.sizeOnDisk - start);
      if (readable > 0) this.readFile(page.bytes, 0, readable, start, Math.min(readable, sizeNeeded));
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
    if (victim.dirty) this.flush();
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
    if (fromDisk > 0) this.readFile(target, 0, fromDisk, position, fromDisk);
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

  /** Writes {@link run}, a chain of dirty ranges that touch, as one write, then marks it clean. */
  private writeRun(runSize: number): void {
    const run = this.run;
    const first = run[0];
    if (first === undefined) return;
    const position = first.index * this.pageSize + first.dirtyFrom;
    try {
      if (run.length === 1) {
        this.io.writeFully(first.bytes, first.dirtyFrom, runSize, position);
      } else {
        if (this.staging.length < runSize) this.staging = new Uint8Array(Math.min(COALESCE_SIZE_MAX, Math.max(runSize, this.staging.length * 2)));
        let at = 0;
        for (const page of run) {
          this.staging.set(page.bytes.subarray(page.dirtyFrom, page.dirtyTo), at);
          at += page.dirtyTo - page.dirtyFrom;
        }
        this.io.writeFully(this.staging, 0, runSize, position);
      }
      for (const page of run) this.markClean(page);
    } finally {
      // Emptied even on failure (its pages stay dirty) so that the next flush starts afresh.
      run.length = 0;
    }
    if (position + runSize > this.sizeOnDisk) this.sizeOnDisk = position + runSize;
  }
}
