// The undo journal of a savepoint (core/tx-state.ts, rule 7): while a batch
// runs several transactions in one moment, each of them may change in place
// blocks that an earlier transaction of the batch wrote. If it fails, those
// blocks must read as they did before it began. The journal keeps the old
// bytes of every in-place write below the savepoint's end (bytes past the end
// are the failed transaction's own, and are cut); undoing writes them back,
// newest first, so that a position written twice ends with its oldest bytes.

import type { Storage } from '../storage/storage.js';

/** Old bytes of in-place writes, to be written back if the savepoint rolls back. */
export class UndoJournal {
  private readonly positions: number[] = [];
  private readonly olds: Uint8Array[] = [];

  /** True when nothing was recorded since the last {@link clear}. */
  get empty(): boolean {
    return this.positions.length === 0;
  }

  /**
   * Keeps the `length` bytes at `position` as they are now, before a write
   * changes them.
   *
   * @param storage - where the bytes are
   * @param position - where the write starts
   * @param length - how many of its bytes lie below the savepoint's end
   */
  record(storage: Storage, position: number, length: number): void {
    const old = new Uint8Array(length);
    storage.read(position, old);
    this.positions.push(position);
    this.olds.push(old);
  }

  /**
   * Writes every recorded range back, newest first, and forgets them.
   *
   * @param storage - where the bytes are
   */
  undo(storage: Storage): void {
    for (let i = this.positions.length - 1; i >= 0; i--) storage.write(this.positions[i] as number, this.olds[i] as Uint8Array);
    this.clear();
  }

  /** Forgets what was recorded (the savepoint's transaction succeeded). */
  clear(): void {
    this.positions.length = 0;
    this.olds.length = 0;
  }
}
