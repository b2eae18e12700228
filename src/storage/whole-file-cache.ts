// Whole-file mode of FileStorage: a file of at most `wholeFileSizeMax` bytes
// held in memory segments, each page read from the file the first time it is
// used and written back on flush. Owns the segments, the per-page loaded flags
// and dirty ranges, and the write-back of both. FORMAT.md §Commit and recovery
// says which bytes a reader's refresh must drop.

import { FileCache, NO_BYTES, NO_BYTES_VIEW, type LocateTarget } from './file-cache.js';
import type { FileIo } from './file-io.js';
import { COPY_LOOP_SIZE_MAX } from '../base/tuning.js';

const NO_FLAGS = new Uint8Array(0);
const NO_OFFSETS = new Int32Array(0);

function ascending(a: number, b: number): number {
  return a - b;
}

/**
 * The file in memory segments: byte p lives in segment p >>> segmentShift at
 * offset p & segmentMask. Its invariants:
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
 */
export class WholeFileCache extends FileCache {
  private readonly wholeFileSizeMax: number;
  private readonly segmentSize: number;
  private readonly segmentShift: number;
  private readonly segmentMask: number;
  /** Per segment: its bytes, or NO_BYTES. */
  private segments: Uint8Array[];
  private segmentViews: DataView[];
  /** Below this position memory holds only the pages marked in {@link loaded}. */
  private diskBase: number;
  /** Per page: 1 once memory holds its bytes. */
  private loaded: Uint8Array;
  /** Pages below diskBase not loaded yet; at 0, diskBase drops to 0. */
  private unloadedCount: number;
  /** Per page below sizeOnDisk: the dirty range, relative to the page; both 0 when clean. */
  private dirtyFrom: Int32Array;
  private dirtyTo: Int32Array;
  /** The pages with a dirty range, in no order; may repeat, and name pages a truncation cleaned. */
  private dirtyIndexes: number[];
  /** Bytes past which a write flushes by itself. */
  private readonly writeBufferSize: number;

  /**
   * @param size - the file's size, all of it on disk and none loaded yet
   * @param segmentSize - a power of two, a whole number of pages
   */
  constructor(io: FileIo, target: LocateTarget, size: number, pageSize: number, segmentSize: number, wholeFileSizeMax: number, writeBufferSize: number) {
    super(io, target, size, size, pageSize);
    this.wholeFileSizeMax = wholeFileSizeMax;
    this.segmentSize = segmentSize;
    this.segmentShift = Math.log2(segmentSize);
    this.segmentMask = segmentSize - 1;
    this.segments = [];
    this.segmentViews = [];
    this.diskBase = size;
    this.loaded = NO_FLAGS;
    this.unloadedCount = 0;
    this.dirtyFrom = NO_OFFSETS;
    this.dirtyTo = NO_OFFSETS;
    this.dirtyIndexes = [];
    this.writeBufferSize = writeBufferSize;
    this.extend(size);
    this.countUnloaded();
  }

  /** True when a file of `size` bytes fits this mode. */
  fits(size: number): boolean {
    return size <= this.wholeFileSizeMax;
  }

  locate(position: number, length: number): number {
    // Written as a negation so that NaN fails too.
    if (!(position >= 0 && position + length <= this.length)) this.failRead(position, length);
    const index = position >>> this.segmentShift;
    const offset = position & this.segmentMask;
    const segment = this.segments[index] as Uint8Array;
    // A missing segment is NO_BYTES, whose length 0 no range fits in.
    if (offset + length <= segment.length) {
      if (position >= this.diskBase || this.isLoaded(position, length)) {
        const target = this.target;
        target.bytes = segment;
        target.view = this.segmentViews[index] as DataView;
        return offset;
      }
    }
    return this.locateSlow(position, length);
  }

  read(position: number, target: Uint8Array): void {
    const size = target.length;
    if (!(position >= 0 && position + size <= this.length)) this.failRead(position, size);
    const index = position >>> this.segmentShift;
    const offset = position & this.segmentMask;
    const segment = this.segments[index] as Uint8Array;
    if (offset + size <= segment.length && (position >= this.diskBase || this.isLoaded(position, size))) {
      target.set(segment.subarray(offset, offset + size));
    } else {
      if (position < this.diskBase) this.load(position, position + size);
      this.copyOut(position, target);
    }
  }

  write(position: number, source: Uint8Array): boolean {
    const count = source.length;
    // The engine's hot path: an append, or a slot rewritten in a block this
    // transaction wrote. Past sizeOnDisk nothing needs loading or dirty marks.
    // A closed cache fails `position <= this.length` (see FileCache.closed).
    if (position >= this.sizeOnDisk && position <= this.length && !this.readOnly) {
      const index = position >>> this.segmentShift;
      const offset = position & this.segmentMask;
      const segment = this.segments[index] as Uint8Array;
      if (offset + count <= segment.length) {
        // A byte loop beats TypedArray.set for a handful of bytes.
        if (count <= COPY_LOOP_SIZE_MAX) for (let i = 0; i < count; i++) segment[offset + i] = source[i] as number;
        else segment.set(source, offset);
        const end = position + count;
        if (end > this.length) {
          this.length = end;
          // The next append lands in the next segment: give it its table entry.
          if (offset + count === segment.length) this.extend(end);
          if (end - this.sizeOnDisk + this.dirtySize > this.writeBufferSize) this.flush();
        }
        return true;
      }
    }
    this.checkWritable();
    this.checkNoHole(position);
    if (!this.fits(position + count)) return false;
    this.writeSlow(position, source);
    return true;
  }

  appendZeros(size: number): number {
    const start = this.length;
    const end = start + size;
    if (!this.fits(end)) return -1;
    this.extend(end);
    this.allocateSegments(start, end);
    this.length = end;
    if (end - this.sizeOnDisk + this.dirtySize > this.writeBufferSize) this.flush();
    return start;
  }

  appendCopy(position: number, size: number): number {
    const start = this.length;
    const end = start + size;
    if (!this.fits(end)) return -1;
    if (position < this.diskBase) this.load(position, position + size);
    this.extend(end);
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
      this.copyOut(position, copy);
      this.copyIn(start, copy);
    }
    this.length = end;
    if (end - this.sizeOnDisk + this.dirtySize > this.writeBufferSize) this.flush();
    return start;
  }

  truncate(size: number): void {
    const segments = this.segments;
    // Zero the cut bytes (appendZeros relies on zeros past the end); drop the segments wholly past the cut.
    const segmentSize = this.segmentSize;
    for (let index = size >>> this.segmentShift; index < segments.length; index++) {
      const segment = segments[index] as Uint8Array;
      if (segment.length === 0) continue;
      const start = index * segmentSize;
      if (start >= size) {
        segments[index] = NO_BYTES;
        this.segmentViews[index] = NO_BYTES_VIEW;
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
        this.clean(index);
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
    if (size < this.sizeOnDisk) {
      this.io.cutFile(size);
      this.sizeOnDisk = size;
    }
    this.length = size;
  }

  /**
   * Writes the dirty ranges below sizeOnDisk in position order, joining those
   * that touch, then the tail; each straight from memory, one write per segment
   * piece.
   */
  flush(): void {
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
          this.writeRange(first * pageSize + (dirtyFrom[first] as number), lastIndex * pageSize + (dirtyTo[lastIndex] as number));
          for (let i = written; i <= last; i++) {
            const index = indexes[i] as number;
            if (dirtyTo[index] !== 0) this.clean(index);
          }
          written = last + 1;
        }
      } finally {
        // Keep the pages not yet written (all of them on success: none).
        this.dirtyIndexes = written === indexes.length ? [] : indexes.slice(written);
      }
    }
    if (this.length > this.sizeOnDisk) {
      this.writeRange(this.sizeOnDisk, this.length);
      this.sizeOnDisk = this.length;
    }
  }

  refresh(size: number, firstChanged: number, headerPages: number): void {
    this.extend(size);
    const loaded = this.loaded;
    const pastEnd = Math.ceil(size / this.pageSize);
    loaded.fill(0, firstChanged, pastEnd);
    loaded.fill(1, pastEnd);
    loaded.fill(0, 0, Math.min(headerPages, loaded.length));
    this.diskBase = size;
    this.countUnloaded();
    this.sizeOnDisk = size;
    this.io.fileSize = size;
    this.length = size;
  }

  /** O(segments). */
  memorySize(): number {
    let size = 0;
    for (const segment of this.segments) size += segment.length;
    return size;
  }

  /**
   * Leaves whole-file mode for good (the facade flushed first, when
   * writable): returns the segments the page cache may cut its pages from, up
   * to `room` bytes, and lets go of the rest. The cache is closed afterwards.
   */
  handOver(room: number): Uint8Array[] {
    const spare: Uint8Array[] = [];
    let kept = 0;
    for (const segment of this.segments) {
      if (kept >= room || segment.length < this.pageSize) continue;
      spare.push(segment);
      kept += segment.length;
    }
    this.release();
    return spare;
  }

  protected releaseBuffers(): void {
    this.segments = [];
    this.segmentViews = [];
    this.loaded = NO_FLAGS;
    this.dirtyFrom = NO_OFFSETS;
    this.dirtyTo = NO_OFFSETS;
    this.dirtyIndexes = [];
  }

  /** True when both ends of `position..+length` lie in loaded pages (a range of at most two pages). */
  private isLoaded(position: number, length: number): boolean {
    const shift = this.pageShift;
    const first = position >>> shift;
    const last = (position + length - 1) >>> shift;
    return this.loaded[first] === 1 && this.loaded[last] === 1 && last - first <= 1;
  }

  /** {@link locate} when the range is not loaded yet, or lies across two segments. */
  private locateSlow(position: number, length: number): number {
    if (position < this.diskBase) this.load(position, position + length);
    const index = position >>> this.segmentShift;
    const offset = position & this.segmentMask;
    const segment = this.segments[index] as Uint8Array;
    if (offset + length <= segment.length) {
      this.target.bytes = segment;
      this.target.view = this.segmentViews[index] as DataView;
      return offset;
    }
    this.copyOut(position, this.serveScratch(length));
    return 0;
  }

  /** Copies `position..+target.length` out of memory (already loaded), segment by segment. */
  private copyOut(position: number, target: Uint8Array): void {
    const segments = this.segments;
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
  private copyIn(position: number, source: Uint8Array): void {
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
    const segments = this.segments;
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
  private extend(end: number): void {
    const segments = this.segments;
    // Through the segment that holds position `end` itself, where the next append lands.
    const segmentCount = Math.floor(end / this.segmentSize) + 1;
    while (segments.length < segmentCount) {
      segments.push(NO_BYTES);
      this.segmentViews.push(NO_BYTES_VIEW);
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

  /**
   * Reads the pages of `position..end` below diskBase that are not loaded yet:
   * one readSync per run of adjacent ones within a segment. A page's bytes at or
   * past diskBase are never read: memory holds them. The file may end early past
   * `end` (see FileIo.readFully).
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
    this.readFile(segment, start & this.segmentMask, stop - start, start, Math.max(0, Math.min(end, stop) - start));
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
  private writeSlow(position: number, source: Uint8Array): void {
    const end = position + source.length;
    this.extend(end);
    if (position < this.diskBase && end > position) this.prepareOverwrite(position, end);
    this.copyIn(position, source);
    if (position < this.sizeOnDisk) this.markDirty(position, Math.min(end, this.sizeOnDisk));
    if (end > this.length) this.length = end;
    if (this.length - this.sizeOnDisk + this.dirtySize > this.writeBufferSize) this.flush();
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
  private markDirty(from: number, to: number): void {
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

  private clean(index: number): void {
    this.dirtySize -= (this.dirtyTo[index] as number) - (this.dirtyFrom[index] as number);
    this.dirtyFrom[index] = 0;
    this.dirtyTo[index] = 0;
  }

  /** Writes `from..to` from memory to the file, one writeSync per segment piece. */
  private writeRange(from: number, to: number): void {
    const segments = this.segments;
    let at = from;
    while (at < to) {
      const offset = at & this.segmentMask;
      const count = Math.min(this.segmentSize - offset, to - at);
      this.io.writeFully(segments[at >>> this.segmentShift] as Uint8Array, offset, count, at);
      at += count;
    }
  }
}
