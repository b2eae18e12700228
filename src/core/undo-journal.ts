// The undo journal of a savepoint (core/tx-state.ts, rule 7): while a batch
// runs several transactions in one moment, each of them may change in place
// blocks that an earlier transaction of the batch wrote. If it fails, those
// blocks must read as they did before it began. The journal keeps the old
// bytes of every in-place write below the savepoint's end (bytes past the end
// are the failed transaction's own, and are cut); undoing writes them back,
// newest first, so that a position written twice ends with its oldest bytes.
// One growing buffer holds every old range: a batch records a few slots per
// transaction, and allocating each would cost more than the copy.

import type { Storage } from '../storage/storage.js';

/** Old bytes of in-place writes, to be written back if the savepoint rolls back. */
export class UndoJournal {
  /** Where each recorded range starts in the storage (the first {@link count} entries count). */
  private readonly positions: number[] = [];
  /** Where each recorded range ends in {@link olds}; it starts where the one before ends. */
  private readonly ends: number[] = [];
  /** How many ranges are recorded: the arrays keep their length, so clearing is a store, not a resize. */
  private count = 0;
  private olds = new Uint8Array(256);
  private used = 0;

  /**
   * Keeps the `length` bytes at `position` as they are now, before a write
   * changes them.
   *
   * @param storage - where the bytes are
   * @param position - where the write starts
   * @param length - how many of its bytes lie below the savepoint's end
   */
  record(storage: Storage, position: number, length: number): void {
    const from = this.used;
    if (from + length > this.olds.length) {
      const grown = new Uint8Array(Math.max(this.olds.length * 2, from + length));
      grown.set(this.olds.subarray(0, from));
      this.olds = grown;
    }
    const olds = this.olds;
    if (length <= 64) {
      const offset = storage.locate(position, length);
      const bytes = storage.bytes;
      for (let k = 0; k < length; k++) olds[from + k] = bytes[offset + k] as number;
    } else {
      storage.read(position, olds.subarray(from, from + length));
    }
    this.used = from + length;
    const i = this.count++;
    this.positions[i] = position;
    this.ends[i] = this.used;
  }

  /**
   * Writes every recorded range back, newest first, and forgets them.
   *
   * @param storage - where the bytes are
   */
  undo(storage: Storage): void {
    for (let i = this.count - 1; i >= 0; i--) {
      const start = i === 0 ? 0 : (this.ends[i - 1] as number);
      storage.write(this.positions[i] as number, this.olds.slice(start, this.ends[i] as number));
    }
    this.clear();
  }

  /** Forgets what was recorded (the savepoint's transaction succeeded). */
  clear(): void {
    this.count = 0;
    this.used = 0;
  }
}
