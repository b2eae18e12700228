// The writable views of sorted maps and sets (FORMAT.md §Sorted maps): put,
// remove and add, copy-on-write like every structure. Opening the view makes
// the header mutable (copying a committed one), as xitdb-java does, so the
// same operations write the same bytes.

import { SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import type { StructureTag } from '../core/structures.js';
import { readSortedHeader, type SortedHeader } from '../sorted/node.js';
import { sortedPut, sortedRemove } from '../sorted/write.js';
import { INSPECT, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { ReadCursor } from './read-cursor.js';
import { ReadSortedMap, ReadSortedSet, sortedKeyBytes, type SortedEntry, type SortedKey } from './read-sorted.js';
import type { WriteCursor } from './write-cursor.js';

/**
 * A writable sorted map. Reads see the transaction's own writes. Put and
 * remove are O(log n) and write (copy or change in place) one node per level.
 */
export class WriteSortedMap {
  /** @internal */
  protected readonly owner: WriteCursor;
  /** @internal */
  protected readonly tag: StructureTag;

  /** @internal */
  constructor(owner: WriteCursor, tag: StructureTag) {
    this.owner = owner;
    this.tag = tag;
  }

  /** What `JSON.stringify` gives: `{ kind: 'WriteSortedMap' }`, never the data. O(1). */
  toJSON(): HandleDescriptor {
    return { kind: 'WriteSortedMap' };
  }

  /** What `console.log` and `util.inspect` show in Node. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** A read view of the map as it is now. */
  read(): ReadSortedMap {
    return new ReadSortedMap(this.owner.ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /** The value under `key`, read-only, or undefined. O(log n). */
  get(key: SortedKey): ReadCursor | undefined {
    return this.read().get(key);
  }

  /** True when `key` is present. O(log n). */
  has(key: SortedKey): boolean {
    return this.read().has(key);
  }

  /** Entries. O(1). */
  count(): number {
    return this.read().count();
  }

  /** Entries in key order (read-only cursors); see {@link ReadSortedMap.entries}. */
  entries(): Generator<SortedEntry, void, undefined> {
    return this.read().entries();
  }

  /** @internal the header record, mutable, and what it says */
  protected open(): { record: number; header: SortedHeader } {
    const record = this.owner.ensure(this.tag);
    return { record, header: readSortedHeader(this.owner.ctx.io, record, this.owner.slotPosition) };
  }

  /** @internal makes `key` an entry; returns its kv pair and whether it is new */
  upsert(key: SortedKey): { kv: number; created: boolean } {
    const io = this.owner.ctx.io;
    const bytes = sortedKeyBytes(key);
    const { record, header } = this.open();
    const outcome = sortedPut(io, header, this.owner.slotPosition, bytes);
    io.writeU64(record, outcome.header.count);
    io.writeU64(record + 8, outcome.header.root);
    return { kv: outcome.kv, created: outcome.created };
  }

  /**
   * A writable cursor on the value under `key`, creating the entry (value
   * empty) when absent. O(log n).
   *
   * @throws CorruptDatabaseError when a node on the way is damaged
   */
  put(key: SortedKey): WriteCursor {
    const { kv, created } = this.upsert(key);
    const io = this.owner.ctx.io;
    const valuePosition = kv + io.hashSize + SLOT_SIZE;
    return this.owner.child(valuePosition, created ? Slot.EMPTY : io.readSlot(valuePosition));
  }

  /**
   * Removes `key`. Nodes are not merged (FORMAT.md §Sorted maps, remove).
   *
   * @returns true when it was present
   */
  remove(key: SortedKey): boolean {
    const io = this.owner.ctx.io;
    const bytes = sortedKeyBytes(key);
    const { record, header } = this.open();
    if (header.count === 0) return false;
    const removed = sortedRemove(io, header, this.owner.slotPosition, bytes);
    if (removed === undefined) return false;
    io.writeU64(record, removed.count);
    io.writeU64(record + 8, removed.root);
    return true;
  }
}

/** A writable sorted set. */
export class WriteSortedSet {
  private readonly owner: WriteCursor;
  private readonly map: WriteSortedMap;

  /** @internal */
  constructor(owner: WriteCursor, tag: StructureTag) {
    this.owner = owner;
    this.map = new WriteSortedMap(owner, tag);
  }

  /** What `JSON.stringify` gives: `{ kind: 'WriteSortedSet' }`, never the data. O(1). */
  toJSON(): HandleDescriptor {
    return { kind: 'WriteSortedSet' };
  }

  /** What `console.log` and `util.inspect` show in Node. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** A read view of the set as it is now. */
  read(): ReadSortedSet {
    return new ReadSortedSet(this.owner.ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /**
   * Adds `key`. O(log n).
   *
   * @returns true when it was not there before
   */
  add(key: SortedKey): boolean {
    return this.map.upsert(key).created;
  }

  /** True when `key` is a member. O(log n). */
  has(key: SortedKey): boolean {
    return this.map.has(key);
  }

  /**
   * Removes `key`. O(log n).
   *
   * @returns true when it was a member
   */
  remove(key: SortedKey): boolean {
    return this.map.remove(key);
  }

  /** Members. O(1). */
  count(): number {
    return this.map.count();
  }
}
