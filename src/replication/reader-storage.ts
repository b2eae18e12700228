// A read-only view of a storage that a follower writes: the follower's
// Database reads through it, and closing that Database leaves the storage
// open (the follower goes on appending, or a promotion opens it for writing),
// until the follower hands it over: after a move to a new epoch the old
// storage is the database's to close, once nothing reads it.

import type { Storage } from '../storage/storage.js';
import { ReadOnlyError } from '../errors.js';

/** @internal Reads go to `inner`; writes are refused; close does nothing until {@link handOver}. */
export class ReaderStorage implements Storage {
  private owned = false;

  constructor(private readonly inner: Storage) {}

  /** From now on, closing this closes `inner` too: its follower no longer writes it. */
  handOver(): void {
    this.owned = true;
  }

  get view(): DataView {
    return this.inner.view;
  }

  get bytes(): Uint8Array {
    return this.inner.bytes;
  }

  get readOnly(): boolean {
    return true;
  }

  get durable(): boolean {
    return this.inner.durable ?? false;
  }

  size(): number {
    return this.inner.size();
  }

  locate(position: number, length: number): number {
    return this.inner.locate(position, length);
  }

  read(position: number, target: Uint8Array): void {
    this.inner.read(position, target);
  }

  write(): void {
    throw new ReadOnlyError('a replica is written by its follower only');
  }

  truncate(): void {
    throw new ReadOnlyError('a replica is written by its follower only');
  }

  flush(): void {}

  sync(): void {}

  close(): void {
    if (this.owned) this.inner.close();
  }
}
