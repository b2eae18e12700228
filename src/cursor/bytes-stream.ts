// Streaming access to long byte values (FORMAT.md §Long bytes): a reader that
// seeks and reads in chunks, and a writer that appends chunks so a 100 MB value
// never sits in memory twice.

import { InvalidArgumentError, OutOfRangeError, TransactionError } from '../errors.js';
import { LONG_BYTES_LENGTH_SIZE } from '../format/constants.js';
import { checkFormatTag } from '../format/bytes.js';
import { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import type { Storage } from '../storage/storage.js';
import { INSPECT, inspectHandle, type HandleDescriptor } from '../base/public-object.js';

/**
 * Reads a byte value in pieces. `position` is relative to the value's start.
 *
 * @example
 * ```ts
 * const reader = cursor.bytesReader();
 * const chunk = new Uint8Array(65536);
 * for (let n; (n = reader.read(chunk)) > 0; ) consume(chunk.subarray(0, n));
 * ```
 */
export class BytesReader {
  /** Length of the whole value in bytes. */
  readonly size: number;
  /** Offset of the next byte to read, 0 to {@link size}. */
  position = 0;
  private readonly storage: Storage | undefined;
  private readonly start: number;
  private readonly inlineBytes: Uint8Array | undefined;

  /**
   * @param storage - where the value lives
   * @param start - absolute position of the value's first byte
   * @param size - its length
   */
  constructor(storage: Storage | undefined, start: number, size: number, inlineBytes?: Uint8Array) {
    this.storage = storage;
    this.start = start;
    this.size = size;
    this.inlineBytes = inlineBytes;
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'BytesReader', size, position }`, never the bytes nor the storage
   * behind them (which holds every key of the database). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'BytesReader', size: this.size, position: this.position };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** A reader over a short value held in the slot itself. */
  static inline(bytes: Uint8Array): BytesReader {
    return new BytesReader(undefined, 0, bytes.length, bytes);
  }

  /**
   * Moves the read position.
   *
   * @param position - 0 to {@link size}
   * @throws OutOfRangeError outside that range
   */
  seek(position: number): void {
    if (!Number.isInteger(position) || position < 0 || position > this.size) throw new OutOfRangeError(`cannot seek to ${String(position)} in a value of ${this.size} bytes`);
    this.position = position;
  }

  /**
   * Reads up to `target.length` bytes at the current position and advances.
   *
   * @returns how many bytes were read; 0 at the end
   */
  read(target: Uint8Array): number {
    const count = Math.min(target.length, this.size - this.position);
    if (count <= 0) return 0;
    if (this.inlineBytes !== undefined) {
      target.set(this.inlineBytes.subarray(this.position, this.position + count));
    } else {
      (this.storage as Storage).read(this.start + this.position, target.subarray(0, count));
    }
    this.position += count;
    return count;
  }

  /**
   * Reads exactly `length` bytes at the current position.
   *
   * @throws OutOfRangeError when fewer remain
   */
  readExactly(length: number): Uint8Array {
    if (length > this.size - this.position) throw new OutOfRangeError(`${length} bytes requested, ${this.size - this.position} remain`);
    const out = new Uint8Array(length);
    this.read(out);
    return out;
  }
}

/**
 * Writes a long byte value in chunks, appended at the end of the database. The
 * value must stay the last thing appended until {@link finish}: writing other
 * data meanwhile is refused, since the value could no longer grow in place.
 */
export class BytesWriter {
  /** Bytes written so far. */
  size = 0;
  /** Offset of the next write, 0 to {@link size}. */
  position = 0;
  private readonly io: BlockIO;
  private readonly recordPosition: number;
  private readonly formatTag: Uint8Array | undefined;
  private readonly onFinish: (slot: Slot) => void;
  private finished = false;

  /** @internal use WriteCursor.bytesWriter() */
  constructor(io: BlockIO, formatTag: Uint8Array | undefined, onFinish: (slot: Slot) => void) {
    checkFormatTag(formatTag);
    this.io = io;
    this.formatTag = formatTag;
    this.onFinish = onFinish;
    this.recordPosition = io.appendZeros(LONG_BYTES_LENGTH_SIZE);
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'BytesWriter', size, position }`, never the bytes nor the storage
   * behind them (which holds every key of the database). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'BytesWriter', size: this.size, position: this.position };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  private get dataStart(): number {
    return this.recordPosition + LONG_BYTES_LENGTH_SIZE;
  }

  /**
   * Writes `chunk` at the current position (overwriting or extending) and advances.
   *
   * @throws TransactionError when other data was appended since the value began
   */
  write(chunk: Uint8Array): void {
    this.checkOpen();
    if (this.io.end() !== this.dataStart + this.size) {
      throw new TransactionError('other data was written after this byte value began; finish one value before writing another');
    }
    this.io.write(this.dataStart + this.position, chunk);
    this.position += chunk.length;
    if (this.position > this.size) this.size = this.position;
  }

  /**
   * Moves the write position within what was written so far.
   *
   * @param position - 0 to {@link size}
   */
  seek(position: number): void {
    this.checkOpen();
    if (!Number.isInteger(position) || position < 0 || position > this.size) throw new OutOfRangeError(`cannot seek to ${String(position)} in a value of ${this.size} bytes`);
    this.position = position;
  }

  /** Writes the length and format tag and points the cursor's slot at the value. */
  finish(): void {
    this.checkOpen();
    if (this.io.end() !== this.dataStart + this.size) {
      throw new TransactionError('other data was written after this byte value began; finish one value before writing another');
    }
    if (this.formatTag !== undefined) this.io.append(this.formatTag);
    this.io.writeU64(this.recordPosition, this.size);
    this.finished = true;
    this.onFinish(Slot.pointer(Tag.BYTES, this.recordPosition, this.formatTag !== undefined));
  }

  private checkOpen(): void {
    if (this.finished) throw new InvalidArgumentError('this byte writer is finished');
  }
}

