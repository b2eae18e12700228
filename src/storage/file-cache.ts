// What the two ways of holding a file's bytes share: the logical size, how much
// of it the file holds, the dirty byte count, the scratch buffer for a range
// across two pieces of memory, the argument checks, and the contract FileStorage
// dispatches through (one virtual call per storage call). The strategies are
// whole-file-cache.ts and page-cache.ts; the file itself is file-io.ts.

import { ClosedError, CorruptDatabaseError, InvalidArgumentError, ReadOnlyError } from '../errors.js';
import type { FileIo } from './file-io.js';

/** Where a cache puts what its last locate made readable: the FileStorage itself, so that `storage.view` stays a plain field read. */
export interface LocateTarget {
  view: DataView;
  bytes: Uint8Array;
}

/** Stands for no bytes (a segment not allocated yet, no scratch yet): no range fits in it. */
export const NO_BYTES = new Uint8Array(0);
export const NO_BYTES_VIEW = new DataView(NO_BYTES.buffer);

/**
 * A cache of one file's bytes. The fields every strategy needs on its hot
 * paths live here, set in the constructor in one order, so both subclasses
 * share their layout. Methods assume the facade checked what it checks (see
 * each); `locate`, `read` and `write` check their own ranges, as they are the
 * hot paths.
 */
export abstract class FileCache {
  /** The logical size: everything written, flushed or not. */
  length: number;
  /** How many bytes of the data the file itself holds; never more than {@link length}. */
  sizeOnDisk: number;
  /**
   * Set by {@link release}, which also sets {@link length} to -1 so that the
   * range checks of the hot paths fail on a closed storage without a check of
   * their own, and report the close (see {@link failRead}).
   */
  closed: boolean;
  readonly readOnly: boolean;
  /** Sum of the dirty ranges below {@link sizeOnDisk} (whole-file mode) or of the dirty pages (page mode). */
  dirtySize: number;
  readonly io: FileIo;
  readonly target: LocateTarget;
  readonly pageSize: number;
  /** log2 of {@link pageSize}. */
  readonly pageShift: number;
  /** Where a locate across two pages or segments is assembled; grows by doubling. */
  private scratch: Uint8Array;
  private scratchView: DataView;

  constructor(io: FileIo, target: LocateTarget, length: number, sizeOnDisk: number, pageSize: number) {
    this.length = length;
    this.sizeOnDisk = sizeOnDisk;
    this.closed = false;
    this.readOnly = io.readOnly;
    this.dirtySize = 0;
    this.io = io;
    this.target = target;
    this.pageSize = pageSize;
    this.pageShift = Math.log2(pageSize);
    this.scratch = NO_BYTES;
    this.scratchView = NO_BYTES_VIEW;
  }

  /** Makes `length` bytes at `position` readable through the target's view; see FileStorage.locate. */
  abstract locate(position: number, length: number): number;

  /** Copies `target.length` bytes at `position` out; see FileStorage.read. */
  abstract read(position: number, target: Uint8Array): void;

  /**
   * Writes `source` at `position`; see FileStorage.write.
   *
   * @returns false (having written nothing) when the write would take a
   *   whole-file cache past its budget: the facade switches to page mode and
   *   writes again there
   */
  abstract write(position: number, source: Uint8Array): boolean;

  /** Appends `size` zeros (writability checked); -1 when a whole-file cache would pass its budget. */
  abstract appendZeros(size: number): number;

  /** Appends a copy of `size` bytes at `position` (writability and range checked); -1 when a whole-file cache would pass its budget. */
  abstract appendCopy(position: number, size: number): number;

  /** Cuts the content to `size` (writability and range checked), the file too when it holds more. */
  abstract truncate(size: number): void;

  /** Writes every dirty byte to the file. */
  abstract flush(): void;

  /**
   * A reader's refresh, after the facade read the file's new `size`: forgets
   * the first `headerPages` pages and every page from `firstChanged` on.
   */
  abstract refresh(size: number, firstChanged: number, headerPages: number): void;

  /** Bytes of the file's content held in memory. */
  abstract memorySize(): number;

  /** Lets go of every buffer, on close; see {@link closed}. */
  release(): void {
    this.closed = true;
    this.length = -1;
    this.dirtySize = 0;
    this.releaseBuffers();
  }

  /** Drops what the strategy holds. */
  protected abstract releaseBuffers(): void;

  /**
   * Points the target at the scratch buffer (grown by doubling to hold
   * `length` bytes), for a range across two pages or segments; returns its
   * first `length` bytes for the caller to fill.
   */
  protected serveScratch(length: number): Uint8Array {
    if (this.scratch.length < length) {
      let capacity = Math.max(64, this.scratch.length);
      while (capacity < length) capacity *= 2;
      this.scratch = new Uint8Array(capacity);
      this.scratchView = new DataView(this.scratch.buffer);
    }
    this.target.view = this.scratchView;
    this.target.bytes = this.scratch;
    return this.scratch.subarray(0, length);
  }

  /** Reads from the file through {@link FileIo.readFully}, naming this cache's on-disk size if the file ended early. */
  protected readFile(target: Uint8Array, offset: number, size: number, position: number, sizeNeeded: number): void {
    this.io.readFully(target, offset, size, position, sizeNeeded, this.sizeOnDisk);
  }

  /** Throws when the storage is closed. */
  checkOpen(): void {
    if (this.closed) throw new ClosedError('this database is closed: its storage was closed, open it again to read or write');
  }

  /** Throws when the storage is closed, read-only, or lost its file to another writer. */
  checkWritable(): void {
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyError(`${this.io.path} is open read-only`);
    if (this.io.lostWriter !== undefined) throw this.io.lostWriter;
  }

  /** Throws for a read out of range: closed first, else past the end. */
  failRead(position: number, length: number): never {
    this.checkOpen();
    throw new CorruptDatabaseError(`read of ${length} bytes goes past the end of the data (${this.length} bytes)`, position);
  }

  /** Throws unless `position` leaves no hole (at most the logical size). */
  protected checkNoHole(position: number): void {
    if (!(position >= 0 && position <= this.length)) {
      throw new InvalidArgumentError(`write at ${position} would leave a hole after the end ${this.length}`);
    }
  }
}
