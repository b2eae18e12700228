// Read views of sorted maps and sets (FORMAT.md §Sorted maps): lookup, count
// in O(1), rank and select, seek, and walks in key order, forwards or
// backwards from any key or index. Keys are bytes (a string is its UTF-8
// bytes), compared as unsigned bytes, as xitdb compares them.

import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import type { Context } from '../core/context.js';
import { describe } from '../base/arguments.js';
import { readSortedHeader, type SortedHeader } from '../sorted/node.js';
import { SortedWalk, sortedFind, sortedRank, sortedSelect } from '../sorted/read.js';
import { INSPECT, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { resolveKeyTransient, type Key } from './keys.js';
import { cursorAt, type ReadCursor } from './read-cursor.js';

/** A sorted map or set key: bytes, or a string stored as its UTF-8 bytes. */
export type SortedKey = Uint8Array | string;

/** A key and its value in a sorted map, as cursors. */
export interface SortedEntry {
  /** The stored key (bytes). */
  readonly key: ReadCursor;
  /** The value (none in a set). */
  readonly value: ReadCursor;
}

/** Where a walk starts: an index (negative from the end), or the first key at or after `key` (the last at or before it, backwards). */
export type SortedStart =
  | {
      /** The index of the first entry (negative from the end). */
      readonly index: number;
    }
  | {
      /** The first key at or after this one (walking backwards: the last at or before it). */
      readonly key: SortedKey;
    };

/** The bytes of a sorted key; valid until the next key is resolved. */
export function sortedKeyBytes(key: SortedKey): Uint8Array {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) throw new InvalidArgumentError(`a sorted map key must be a string or a Uint8Array, got ${describe(key)}`);
  return resolveKeyTransient(key).bytes;
}

/**
 * A read-only view of a sorted map (or, through {@link ReadSortedSet}, a
 * sorted set). Get, has, rank and select are O(log n); count is O(1); walks
 * cost O(1) amortised node reads per entry.
 */
export class ReadSortedMap {
  /** @internal */
  protected readonly ctx: Context;
  /** @internal */
  protected readonly mapSlot: Slot;
  /** @internal */
  protected readonly from: number;

  /** @internal */
  constructor(ctx: Context, slot: Slot, from: number) {
    this.ctx = ctx;
    this.mapSlot = slot;
    this.from = from;
  }

  /** What `JSON.stringify` gives: `{ kind: 'ReadSortedMap' }`, never the data. O(1). */
  toJSON(): HandleDescriptor {
    return { kind: 'ReadSortedMap' };
  }

  /** What `console.log` and `util.inspect` show in Node. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** @internal the header, or an empty one for an empty slot */
  protected header(): SortedHeader {
    if (this.mapSlot.tag === Tag.NONE) return { count: 0, root: -1 };
    return readSortedHeader(this.ctx.io, this.mapSlot.position, this.from);
  }

  /** Entries in the map. O(1). */
  count(): number {
    return this.header().count;
  }

  /** @internal the kv pair of `key`, or -1 */
  protected find(key: SortedKey): number {
    const header = this.header();
    if (header.count === 0) return -1;
    return sortedFind(this.ctx.io, header, this.from, sortedKeyBytes(key));
  }

  /**
   * The value under `key`. O(log n).
   *
   * @returns a cursor on the value, or undefined when the key is absent
   * @throws CorruptDatabaseError when a node on the way is damaged
   */
  get(key: SortedKey): ReadCursor | undefined {
    const kv = this.find(key);
    return kv < 0 ? undefined : cursorAt(this.ctx, kv + this.ctx.io.hashSize + SLOT_SIZE);
  }

  /** True when `key` is present. O(log n). */
  has(key: SortedKey): boolean {
    return this.find(key) >= 0;
  }

  /** How many keys sort before `key`: its index when present, where it would go when not. O(log n). */
  rank(key: SortedKey): number {
    const header = this.header();
    if (header.count === 0) return 0;
    return sortedRank(this.ctx.io, header, this.from, sortedKeyBytes(key));
  }

  /**
   * The entry at `index` in key order (negative from the end). O(log n).
   *
   * @throws OutOfRangeError when there is no such entry
   */
  at(index: number): SortedEntry {
    const header = this.header();
    const resolved = resolveSortedIndex(index, header.count);
    return this.entry(sortedSelect(this.ctx.io, header, this.from, resolved));
  }

  /** The first entry whose key is at or after `key`, or undefined. O(log n). */
  seek(key: SortedKey): SortedEntry | undefined {
    const header = this.header();
    if (header.count === 0) return undefined;
    const kv = SortedWalk.fromKey(this.ctx.io, header, this.from, sortedKeyBytes(key), false).next();
    return kv < 0 ? undefined : this.entry(kv);
  }

  /**
   * Entries in key order from `start` (default: the first): an index
   * (negative from the end), or `{ key }` for the first key at or after it.
   * Streams; O(1) amortised node reads per entry.
   */
  *entries(start: SortedStart = { index: 0 }): Generator<SortedEntry, void, undefined> {
    const walk = this.walk(start, false);
    if (walk === undefined) return;
    for (let kv = walk.next(); kv >= 0; kv = walk.next()) yield this.entry(kv);
  }

  /**
   * Entries in reverse key order from `start` (default: the last): an index
   * (negative from the end), or `{ key }` for the last key at or before it.
   */
  *entriesBackward(start: SortedStart = { index: -1 }): Generator<SortedEntry, void, undefined> {
    const walk = this.walk(start, true);
    if (walk === undefined) return;
    for (let kv = walk.next(); kv >= 0; kv = walk.next()) yield this.entry(kv);
  }

  /** Same as {@link entries}. */
  [Symbol.iterator](): Iterator<SortedEntry> {
    return this.entries();
  }

  /** @internal the entry of the kv pair at `kv` */
  protected entry(kv: number): SortedEntry {
    const hashSize = this.ctx.io.hashSize;
    return { key: cursorAt(this.ctx, kv + hashSize), value: cursorAt(this.ctx, kv + hashSize + SLOT_SIZE) };
  }

  /** The walk from `start`, or undefined when it yields nothing. */
  private walk(start: SortedStart, backward: boolean): SortedWalk | undefined {
    if (typeof start !== 'object' || start === null) throw new InvalidArgumentError(`a walk starts at { index } or { key }, got ${describe(start)}`);
    const header = this.header();
    if ('key' in start) {
      const key = sortedKeyBytes(start.key);
      // Forwards from the first key at or after `key`; backwards from the last key at or before it.
      return header.count === 0 ? undefined : SortedWalk.fromKey(this.ctx.io, header, this.from, key, backward);
    }
    const index = start.index;
    if (!Number.isInteger(index)) throw new InvalidArgumentError(`a walk's start index must be an integer, got ${describe(index)}`);
    const from = index < 0 ? index + header.count : index;
    if (from < 0 || from >= header.count) return undefined;
    return new SortedWalk(this.ctx.io, header, this.from, from, backward);
  }
}

/** A read-only view of a sorted set: a sorted map whose values are empty. */
export class ReadSortedSet {
  /** @internal */
  protected readonly map: ReadSortedMap;

  /** @internal */
  constructor(ctx: Context, slot: Slot, from: number) {
    this.map = new ReadSortedMap(ctx, slot, from);
  }

  /** What `JSON.stringify` gives: `{ kind: 'ReadSortedSet' }`, never the data. O(1). */
  toJSON(): HandleDescriptor {
    return { kind: 'ReadSortedSet' };
  }

  /** What `console.log` and `util.inspect` show in Node. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** Members. O(1). */
  count(): number {
    return this.map.count();
  }

  /** True when `key` is a member. O(log n). */
  has(key: SortedKey): boolean {
    return this.map.has(key);
  }

  /** How many members sort before `key`. O(log n). */
  rank(key: SortedKey): number {
    return this.map.rank(key);
  }

  /** The member at `index` (negative from the end). O(log n). */
  at(index: number): ReadCursor {
    return this.map.at(index).key;
  }

  /** The first member at or after `key`, or undefined. O(log n). */
  seek(key: SortedKey): ReadCursor | undefined {
    return this.map.seek(key)?.key;
  }

  /** Members in order from `start` (see {@link ReadSortedMap.entries}). */
  *keys(start: SortedStart = { index: 0 }): Generator<ReadCursor, void, undefined> {
    for (const entry of this.map.entries(start)) yield entry.key;
  }

  /** Members in reverse order from `start` (see {@link ReadSortedMap.entriesBackward}). */
  *keysBackward(start: SortedStart = { index: -1 }): Generator<ReadCursor, void, undefined> {
    for (const entry of this.map.entriesBackward(start)) yield entry.key;
  }

  /** Same as {@link keys}. */
  [Symbol.iterator](): Iterator<ReadCursor> {
    return this.keys();
  }
}

/** Resolves an index against a count (negative from the end). */
function resolveSortedIndex(index: number, count: number): number {
  if (!Number.isInteger(index)) throw new InvalidArgumentError(`an index must be an integer, got ${describe(index)}`);
  const resolved = index < 0 ? index + count : index;
  if (resolved < 0 || resolved >= count) throw new OutOfRangeError(`index ${index} is outside a sorted map of ${count} entries`);
  return resolved;
}

/** A path step into a sorted map (ReadCursor.readPath), whose keys are plain bytes. */
export function sortedPathKey(step: Key): Uint8Array | string {
  if (typeof step === 'string' || step instanceof Uint8Array) return step;
  throw new InvalidArgumentError('a sorted map key is a string or bytes; it carries no format tag');
}
