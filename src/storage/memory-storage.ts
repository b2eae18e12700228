// In-memory storage over one growable ArrayBuffer (FORMAT.md applies byte for
// byte: the buffer is the database file). Its bytes can be taken out and opened
// elsewhere in place: no copy, no decode.

import { ClosedError, CorruptDatabaseError, InvalidArgumentError, OutOfRangeError, ReadOnlyError } from '../errors.js';
import type { Storage } from './storage.js';
import { describe, requireOptions } from '../base/arguments.js';
import { INSPECT, defineHidden, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { COPY_LOOP_SIZE_MAX } from '../base/tuning.js';

const INITIAL_CAPACITY = 4096;
/** Buffers below this size grow fourfold, larger ones twofold. */
const GROW_FAST_BELOW = 256 * 1024 * 1024;

/** The most bytes one buffer may hold here: V8's limit for a typed array on 64-bit platforms. */
const CAPACITY_MAX = 2 ** 32;

/** A zeroed buffer; a size the platform cannot allocate is an OutOfRangeError, not a bare RangeError. */
function allocate(size: number): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch (error) {
    if (error instanceof RangeError) throw new OutOfRangeError(`a memory database cannot hold ${size} bytes in one buffer here (${error.message})`);
    throw error;
  }
}

/** True for what {@link MemoryStorage.fromBytes} opens: a Uint8Array, an ArrayBuffer or a SharedArrayBuffer. */
export function isByteSource(value: unknown): value is Uint8Array | ArrayBuffer | SharedArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer);
}

/** Options for {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /** Refuse writes (default false for a new storage, true for {@link MemoryStorage.fromBytes}). */
  readOnly?: boolean;
  /** Bytes to reserve up front; it grows by doubling anyway. */
  initialCapacity?: number;
  /**
   * Treat the bytes as durable, as a file's (default false): commits then
   * checksum their data in their trailers, so that a copy of the bytes whose
   * last header was lost rolls forward when opened (FORMAT.md §Commit
   * trailer). For bytes you persist yourself (IndexedDB, OPFS, a network);
   * costs a checksum pass over each commit's bytes.
   */
  durable?: boolean;
}

/**
 * A database held in memory. Reads are plain DataView reads of one buffer.
 *
 * @example
 * ```ts
 * const storage = new MemoryStorage();
 * // ... write a database, then ship storage.toBytes() to a worker and
 * // open it there with MemoryStorage.fromBytes(bytes)
 * ```
 */
export class MemoryStorage implements Storage {
  declare view: DataView;
  declare bytes: Uint8Array;
  declare readonly readOnly: boolean;
  /** See {@link MemoryStorageOptions.durable}. */
  declare readonly durable: boolean;
  declare private length: number;
  declare private closed: boolean;

  /** @param options - read-only flag and initial capacity */
  constructor(options: MemoryStorageOptions = {}) {
    requireOptions(options, 'MemoryStorage');
    const requested = options.initialCapacity ?? INITIAL_CAPACITY;
    if (!Number.isSafeInteger(requested) || requested < 0) throw new InvalidArgumentError(`initialCapacity must be a whole number of bytes, got ${String(requested)}`);
    const bytes = allocate(Math.max(16, requested));
    // The buffer is the whole database: every field defined out of enumeration,
    // so that Object.keys, spreading or structuredClone of a storage (or of
    // anything that holds one) never copies it. toJSON describes the storage instead.
    defineHidden(this, { view: new DataView(bytes.buffer), bytes, readOnly: options.readOnly ?? false, durable: options.durable ?? false, length: 0, closed: false });
  }

  /**
   * What `JSON.stringify(storage)` gives: `{ kind: 'MemoryStorage', size,
   * readOnly, closed }`, never the bytes (take those with {@link toBytes}). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'MemoryStorage', size: this.length, readOnly: this.readOnly, closed: this.closed };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of {@link toJSON} on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /**
   * Opens existing database bytes in place: the storage reads `bytes` directly,
   * without copying or decoding them. O(1).
   *
   * A writable storage made this way copies the bytes the first time it must
   * grow, so the caller's buffer is never written past its end; writes inside it
   * do land in the caller's buffer.
   *
   * @param bytes - the database, e.g. from {@link MemoryStorage.toBytes} in another thread
   * @param options - `readOnly` defaults to true here; `durable` as for the constructor
   */
  static fromBytes(bytes: Uint8Array | ArrayBuffer | SharedArrayBuffer, options: { readOnly?: boolean; durable?: boolean } = {}): MemoryStorage {
    requireOptions(options, 'MemoryStorage.fromBytes');
    if (!isByteSource(bytes)) throw new InvalidArgumentError(`fromBytes takes a Uint8Array, an ArrayBuffer or a SharedArrayBuffer, got ${describe(bytes)}`);
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const storage = new MemoryStorage({ readOnly: options.readOnly ?? true, initialCapacity: 16, durable: options.durable ?? false });
    storage.bytes = view;
    storage.view = new DataView(view.buffer, view.byteOffset, view.byteLength);
    storage.length = view.byteLength;
    return storage;
  }

  /**
   * The database bytes: a view of the live buffer (no copy), valid until the next
   * write. Copy it (`.slice()`) to keep a snapshot that later writes cannot touch.
   */
  toBytes(): Uint8Array {
    this.checkAttached();
    return this.bytes.subarray(0, this.length);
  }

  /**
   * {@link toBytes} for a database still open: what `Database.bytes()` hands
   * out. After close it throws ClosedError, as every read does (toBytes itself
   * still serves internal copies of a closed storage's image).
   */
  openBytes(): Uint8Array {
    this.checkOpen();
    return this.toBytes();
  }

  size(): number {
    this.checkOpen();
    return this.length;
  }

  locate(position: number, length: number): number {
    // Written as a negation so that a NaN position fails too.
    // A buffer transferred to another thread reads as empty here: its length falls below the data's.
    if (!(position >= 0 && position + length <= this.length) || this.closed || this.bytes.length < this.length) this.failRead(position, length);
    return position;
  }

  read(position: number, target: Uint8Array): void {
    if (!(position >= 0 && position + target.length <= this.length) || this.closed || this.bytes.length < this.length) this.failRead(position, target.length);
    target.set(this.bytes.subarray(position, position + target.length));
  }

  // Invariant: every byte at or past `length` is zero, so appendZeros can just move the end.
  write(position: number, source: Uint8Array): void {
    const length = source.length;
    // The engine's hot path: a slot or a count rewritten inside the data, or a
    // small record appended within the capacity. A byte loop beats
    // TypedArray.set for short copies (COPY_LOOP_SIZE_MAX).
    const end = position + length;
    if (length <= COPY_LOOP_SIZE_MAX && position >= 0 && position <= this.length && end <= this.bytes.length && !this.readOnly && !this.closed) {
      const bytes = this.bytes;
      for (let i = 0; i < length; i++) bytes[position + i] = source[i] as number;
      if (end > this.length) this.length = end;
      return;
    }
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyError('this storage is read-only');
    if (position < 0 || position > this.length) throw new InvalidArgumentError(`write at ${position} would leave a hole after the end ${this.length}`);
    if (end > this.bytes.length) this.grow(end);
    this.bytes.set(source, position);
    if (end > this.length) this.length = end;
  }

  appendZeros(size: number): number {
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyError('this storage is read-only');
    // Bytes past the end are always zero (growth allocates zeros, truncate clears), so this only moves the end.
    const end = this.length;
    if (end + size > this.bytes.length) this.grow(end + size);
    this.length = end + size;
    return end;
  }

  appendCopy(position: number, size: number): number {
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyError('this storage is read-only');
    if (!(position >= 0 && position + size <= this.length)) this.failRead(position, size);
    const end = this.length;
    if (end + size > this.bytes.length) this.grow(end + size);
    this.bytes.copyWithin(end, position, position + size);
    this.length = end + size;
    return end;
  }

  truncate(size: number): void {
    this.checkOpen();
    if (this.readOnly) throw new ReadOnlyError('this storage is read-only');
    if (size < 0 || size > this.length) throw new InvalidArgumentError(`cannot truncate ${this.length} bytes to ${size}`);
    // Zero the cut tail so that a later extension never shows stale bytes.
    this.bytes.fill(0, size, this.length);
    this.length = size;
  }

  flush(): void {
    this.checkOpen();
  }

  sync(): void {
    this.checkOpen();
  }

  close(): void {
    this.closed = true;
  }

  private grow(needed: number): void {
    // Quadrupling while small halves the bytes copied by growth (and the fresh
    // pages those copies touch) compared to doubling; the untouched tail of a
    // new buffer costs address space, not memory. Past 256 MiB, doubling.
    const factor = this.bytes.length < GROW_FAST_BELOW ? 4 : 2;
    let capacity = Math.max(this.bytes.length * factor, INITIAL_CAPACITY);
    while (capacity < needed) capacity *= 2;
    // Past what one buffer can hold, stop at the limit rather than fail for a size never needed.
    if (capacity > CAPACITY_MAX) capacity = Math.max(needed, CAPACITY_MAX);
    const next = allocate(capacity);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('this database is closed: its storage was closed, open it again to read or write');
    this.checkAttached();
  }

  /**
   * A buffer transferred away (postMessage or structuredClone with `transfer`)
   * is detached: it reads as empty, and every typed array on it throws a bare
   * TypeError. The database went with it; say so instead.
   */
  private checkAttached(): void {
    if (this.bytes.length < this.length) {
      throw new ClosedError('this database\'s buffer was transferred to another thread (it is detached here): open it where it went, or transfer a copy (db.bytes().slice())');
    }
  }

  private failRead(position: number, length: number): never {
    this.checkOpen();
    throw new CorruptDatabaseError(`read of ${length} bytes goes past the end of the data (${this.length} bytes)`, position);
  }
}
