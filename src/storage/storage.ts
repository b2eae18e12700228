// The one synchronous storage interface every backend implements (memory,
// file, fault-injecting). The engine never touches an ArrayBuffer or a file
// descriptor directly: it asks a Storage to make bytes readable, then reads them
// through the Storage's current DataView.

/**
 * Where a database's bytes live. Synchronous by design: a Promise per call costs
 * far more than the read itself (see ../shared/STYLE.md, "Hot paths").
 *
 * Reading is two steps so that a descent allocates nothing: `locate(position,
 * length)` makes the range readable and returns an offset into {@link view} and
 * {@link bytes}; those two stay valid only until the next call on the storage.
 */
export interface Storage {
  /** The DataView that the last {@link locate} made valid. */
  readonly view: DataView;
  /** The same bytes as {@link view}, as a Uint8Array. */
  readonly bytes: Uint8Array;
  /** True when writes, truncation and sync are refused. */
  readonly readOnly: boolean;
  /**
   * True when the bytes outlive a crash of this process (a file): commits then
   * checksum their data in their trailers, so that a commit whose header was
   * lost can be rolled forward (FORMAT.md §Commit trailer). Absent means false.
   */
  readonly durable?: boolean;

  /** The logical size in bytes: everything written, flushed or not. */
  size(): number;

  /**
   * Makes `length` bytes at `position` readable through {@link view}.
   *
   * @param position - absolute offset
   * @param length - how many bytes (at most a few kilobytes: a block, not a value)
   * @returns the offset of `position` inside {@link view}
   * @throws CorruptDatabaseError when the range goes past {@link size}
   */
  locate(position: number, length: number): number;

  /**
   * Copies bytes out, for values of any length.
   *
   * @param position - absolute offset
   * @param target - filled completely
   * @throws CorruptDatabaseError when the range goes past {@link size}
   */
  read(position: number, target: Uint8Array): void;

  /**
   * Writes bytes at `position`, growing the storage when they pass its end.
   * A write may stay buffered until {@link flush}, but `source` is copied
   * before this returns: the caller may reuse it at once.
   *
   * @param position - absolute offset, at most {@link size} (no holes)
   * @param source - the bytes
   * @throws ReadOnlyError on a read-only storage
   */
  write(position: number, source: Uint8Array): void;

  /**
   * Cuts the storage back to `size` bytes, discarding buffered writes past it.
   *
   * @param size - the new size, at most the current one
   */
  truncate(size: number): void;

  /** Hands every buffered write to the operating system (survives a process crash). */
  flush(): void;

  /** Flushes, then makes the data durable (survives a power loss), e.g. fdatasync. */
  sync(): void;

  /** Releases the storage; later calls fail. */
  close(): void;

  /**
   * Optional fast path of the engine's copy-on-write: appends a copy of
   * `size` bytes from `position` (inside the data) and returns where the copy
   * starts. Without it the engine reads the bytes out and writes them back.
   */
  appendCopy?(position: number, size: number): number;

  /**
   * Optional fast path: appends `size` zero bytes (an empty block) and returns
   * where they start. Without it the engine writes a buffer of zeros.
   */
  appendZeros?(size: number): number;

  /**
   * Optional, for readers of storage that another writer appends to: see the
   * new size and drop cached bytes that may have changed (see FileStorage).
   *
   * @param stableSize - bytes known to be committed (the committed size the
   *   reader last read), which never change but for the headers at the start
   *   of the file (FORMAT.md §File header, §History header), which every
   *   commit rewrites; cached bytes past it may have changed or been cut
   */
  refresh?(stableSize?: number): void;

  /**
   * Optional, for storage that more than one writer could reach (a file):
   * confirms before a commit that this writer is still the only one, and that
   * the `expected` bytes at `position` (the history header it last wrote or
   * read) are unchanged on the medium. The engine calls it once per commit,
   * before the commit's buffered data leaves for the medium.
   *
   * @throws LockedError when another writer got in; the storage then refuses
   *   every later write
   */
  confirmWriter?(position: number, expected: Uint8Array): void;

  /**
   * Optional: true when another live process or thread holds this storage's
   * writer lock. A read-only open then leaves the bytes past the header alone
   * (that writer may be between a commit's sync and its header write) instead
   * of rolling forward over them.
   */
  writerActive?(): boolean;

  /**
   * Optional: {@link sync} with the wait off the main thread. Flushes at once
   * (synchronously), then resolves when the data is durable. Writes made
   * after the call are not covered.
   */
  syncAsync?(): Promise<void>;
}
