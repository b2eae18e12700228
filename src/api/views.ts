// Lazy read views of stored structures: a map, a set or a list is read only as
// far as it is used; `toJS()` and `toImmutable()` materialize on request.
// Iteration streams: memory does not grow with the collection.

import { List as ImmutableList, Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import type { ReadCursor, ReadHashMap, ReadArrayList, ReadLinkedArrayList } from '../cursor/read-cursor.js';
import { Tag } from '../format/tags.js';
import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { describe } from '../core/arguments.js';
import { LinkedListValue, VIEW_COPY, VIEW_CURSOR, decodeKey, decodeScalar, encodeKey, objectKey } from './values.js';

/** Any value read from a database: a scalar, or a lazy view of a structure. */
export type Value = string | number | bigint | boolean | null | Uint8Array | Date | MapView | ListView | SetView;

/**
 * Checks, on every access, that the data under a view is still there: a view
 * taken inside a transaction that has since ended refuses to read.
 */
export type ViewGuard = () => void;

/** Reads the value a cursor is on: scalars as JS values, structures as views. */
export function readValue(cursor: ReadCursor, guard: ViewGuard): Value {
  switch (cursor.tag) {
    case Tag.HASH_MAP:
    case Tag.COUNTED_HASH_MAP:
      return new MapView<unknown, Value>(cursor, guard);
    case Tag.HASH_SET:
    case Tag.COUNTED_HASH_SET:
      return new SetView(cursor, guard);
    case Tag.ARRAY_LIST:
    case Tag.LINKED_ARRAY_LIST:
      return new ListView<Value>(cursor, guard);
    default:
      return decodeScalar(cursor) as Value;
  }
}

/** Deep plain-JS copy of any value. */
export function toJS(value: Value): unknown {
  return value instanceof MapView || value instanceof SetView || value instanceof ListView ? nested(() => value.toJS()) : value;
}

abstract class View {
  /** @internal */
  protected readonly cursor: ReadCursor;
  /** @internal */
  protected readonly guard: ViewGuard;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    this.cursor = cursor;
    this.guard = guard;
  }

  /** @internal the cursor this view reads, for O(1) pointer copies */
  [VIEW_CURSOR](): ReadCursor {
    this.guard();
    return this.cursor;
  }

  /** @internal a deep copy as writable values, each structure of its own kind, for storing into another database */
  abstract [VIEW_COPY](): unknown;
}

/** A value as something to write into another database: views copied with their kinds, scalars as they are. */
function storable(value: Value): unknown {
  return value instanceof MapView || value instanceof SetView || value instanceof ListView ? nested(() => value[VIEW_COPY]()) : value;
}

/**
 * A stored map, read lazily. `kind` is `'object'` for a map stored from a plain
 * object (toJS gives an object) and `'map'` for one stored from a Map or by
 * another implementation as a counted map (toJS gives a Map; `size` is O(1)).
 */
export class MapView<K = unknown, V = Value> extends View implements Iterable<[K, V]> {
  /** `'object'` (a plain hash map) or `'map'` (a counted hash map). */
  readonly kind: 'object' | 'map';
  private readonly map: ReadHashMap;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    super(cursor, guard);
    this.kind = cursor.tag === Tag.COUNTED_HASH_MAP ? 'map' : 'object';
    this.map = cursor.asHashMap();
  }

  /** The stored key for `key`, or undefined when no key of that kind can be in this map (an object's keys are strings; a number is its text). */
  private key(key: K): Parameters<ReadHashMap['get']>[0] | undefined {
    if (this.kind === 'map') return encodeKey(key, [key]);
    return typeof key === 'string' || typeof key === 'number' ? objectKey(key, [key]) : undefined;
  }

  /**
   * The value under `key`: a scalar, or a view of a structure. O(log n).
   *
   * @returns undefined when the key is absent (a stored null is null)
   */
  get(key: K): V | undefined {
    this.guard();
    const stored = this.key(key);
    const cursor = stored === undefined ? undefined : this.map.get(stored);
    return cursor === undefined ? undefined : (readValue(cursor, this.guard) as V);
  }

  /** True when `key` is present. O(log n). */
  has(key: K): boolean {
    this.guard();
    const stored = this.key(key);
    return stored !== undefined && this.map.has(stored);
  }

  /** Entry count: O(1) for kind `'map'` (counted), O(n) for `'object'`. */
  get size(): number {
    this.guard();
    return this.map.count();
  }

  /** Keys in storage (hash) order, streamed. */
  *keys(): Generator<K, void, undefined> {
    this.guard();
    for (const key of this.map.keys()) yield decodeKey(key) as K;
  }

  /** Values in storage (hash) order, streamed. */
  *values(): Generator<V, void, undefined> {
    this.guard();
    for (const value of this.map.values()) yield readValue(value, this.guard) as V;
  }

  /** Entries in storage (hash) order, streamed. */
  *entries(): Generator<[K, V], void, undefined> {
    this.guard();
    for (const entry of this.map.entries()) yield [decodeKey(entry.key) as K, readValue(entry.value, this.guard) as V];
  }

  /** Same as {@link entries}. */
  [Symbol.iterator](): Iterator<[K, V]> {
    return this.entries();
  }

  /**
   * Calls `fn` with each value and key in storage (hash) order, like
   * `Map.prototype.forEach` (value first). The quickest full pass: no generator
   * and no entry array per item.
   *
   * @example
   * ```ts
   * db.get(['users'])?.forEach((user, name) => console.log(name, user));
   * ```
   */
  forEach(fn: (value: V, key: K, view: this) => void): void {
    this.guard();
    if (typeof fn !== 'function') throw new InvalidArgumentError(`forEach takes a function, got ${describe(fn)}`);
    const guard = this.guard;
    this.map.forEach((value, key) => fn(readValue(value, guard) as V, decodeKey(key) as K, this));
  }

  /** A deep plain-JS copy: an object for kind `'object'`, a Map for `'map'`. O(n). */
  toJS(): unknown {
    return this.copy(toJS);
  }

  /** This map as a Map (kind `'map'`) or an object (kind `'object'`), each value converted by `convert`. */
  private copy(convert: (value: Value) => unknown): unknown {
    if (this.kind === 'map') {
      const out = new Map<unknown, unknown>();
      this.forEach((value, key) => out.set(key, convert(value as Value)));
      return out;
    }
    const out: Record<string, unknown> = {};
    this.forEach((value, key) => {
      const name = String(key);
      const item = convert(value as Value);
      // Assignment is about twice as fast as defineProperty on a big object, but
      // an own "__proto__" key must stay a key instead of replacing the prototype.
      if (name === '__proto__') Object.defineProperty(out, name, { value: item, enumerable: true, writable: true, configurable: true });
      else out[name] = item;
    });
    return out;
  }

  /** A deep immutable.js copy (Map all the way down). O(n). */
  toImmutable(): ImmutableMap<unknown, unknown> {
    return ImmutableMap<unknown, unknown>().withMutations((out) => {
      this.forEach((value, key) => out.set(key, toImmutable(value as Value)));
    });
  }

  /** @internal */
  [VIEW_COPY](): unknown {
    // Keys and values as toJS gives them, with nested structures keeping their kinds.
    return this.copy(storable);
  }
}

/** A stored set, read lazily; `size` is O(1) for counted sets. */
export class SetView<T = unknown> extends View implements Iterable<T> {
  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    super(cursor, guard);
  }

  /** True when `member` is in the set. O(log n). */
  has(member: T): boolean {
    this.guard();
    return this.cursor.asHashSet().has(encodeKey(member, [member]));
  }

  /** Member count: O(1) for a counted set. */
  get size(): number {
    this.guard();
    return this.cursor.asHashSet().count();
  }

  /** Members in storage (hash) order, streamed. */
  *values(): Generator<T, void, undefined> {
    this.guard();
    for (const key of this.cursor.asHashSet().keys()) yield decodeKey(key) as T;
  }

  /** Same as {@link values}. */
  [Symbol.iterator](): Iterator<T> {
    return this.values();
  }

  /** A plain Set copy. O(n). */
  toJS(): Set<T> {
    return new Set(this.values());
  }

  /** An immutable.js Set copy. O(n). */
  toImmutable(): ImmutableSet<T> {
    return ImmutableSet(this.values());
  }

  /** @internal */
  [VIEW_COPY](): unknown {
    return this.toJS();
  }
}

/**
 * A stored list, read lazily: an array list, or a linked (RRB) list (`kind`
 * `'linked'`). Get is O(log n); iteration streams.
 */
export class ListView<T = Value> extends View implements Iterable<T> {
  /** `'array'` for an array list, `'linked'` for a linked (RRB) list. */
  readonly kind: 'array' | 'linked';
  private readonly list: ReadArrayList | ReadLinkedArrayList;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    super(cursor, guard);
    this.kind = cursor.tag === Tag.LINKED_ARRAY_LIST ? 'linked' : 'array';
    this.list = this.kind === 'linked' ? cursor.asLinkedArrayList() : cursor.asArrayList();
  }

  /** Items in the list. O(1). */
  get length(): number {
    this.guard();
    return this.list.count();
  }

  /** Same as {@link length}. */
  get size(): number {
    return this.length;
  }

  /**
   * The item at `index`; negative counts from the end.
   *
   * @returns undefined outside the list
   */
  get(index: number): T | undefined {
    this.guard();
    const count = this.list.count();
    if (!Number.isInteger(index) || index >= count || index < -count) return undefined;
    return readValue(this.list.get(index), this.guard) as T;
  }

  /**
   * The item at `index`, like {@link get}, but throws outside the list.
   *
   * @throws OutOfRangeError when there is no such item
   */
  at(index: number): T {
    if (typeof index !== 'number') throw new InvalidArgumentError(`an index is a number, not a ${describe(index)}`);
    const count = this.length;
    if (!Number.isInteger(index) || index >= count || index < -count) throw new OutOfRangeError(`index ${String(index)} is outside a list of ${count} items`);
    return this.get(index) as T;
  }

  /** Items from `start` (default 0) to the end, streamed. */
  *values(start = 0): Generator<T, void, undefined> {
    this.guard();
    if (start >= this.list.count()) return;
    for (const item of this.list.items(start)) yield readValue(item, this.guard) as T;
  }

  /** Same as {@link values}. */
  [Symbol.iterator](): Iterator<T> {
    return this.values();
  }

  /** A deep plain-JS array copy. O(n). */
  toJS(): unknown[] {
    const out: unknown[] = [];
    for (const item of this.values()) out.push(toJS(item as Value));
    return out;
  }

  /** A deep immutable.js List copy. O(n). */
  toImmutable(): ImmutableList<unknown> {
    return ImmutableList<unknown>().withMutations((out) => {
      for (const item of this.values()) out.push(toImmutable(item as Value));
    });
  }

  /** @internal */
  [VIEW_COPY](): unknown {
    const items: unknown[] = [];
    for (const item of this.values()) items.push(storable(item as Value));
    return this.kind === 'linked' ? new LinkedListValue(items) : items;
  }
}

/** A deep immutable.js copy of any value (scalars stay as they are). */
export function toImmutable(value: Value): unknown {
  return value instanceof MapView || value instanceof SetView || value instanceof ListView ? nested(() => value.toImmutable()) : value;
}

/** How deep toJS and toImmutable follow structures inside structures before they refuse. */
export const MAX_MATERIALIZE_DEPTH = 1000;

/** Structures being materialized right now, outermost first (toJS recurses once per level). */
let materializing = 0;

/**
 * Materializes one nested structure, counting the depth: a structure nested
 * deeper than {@link MAX_MATERIALIZE_DEPTH} (the cursor API can write one, and a
 * hostile file can hold one) gets a typed error instead of exhausting the stack.
 */
function nested<T>(materialize: () => T): T {
  if (materializing >= MAX_MATERIALIZE_DEPTH) {
    throw new OutOfRangeError(`structures nest deeper than ${MAX_MATERIALIZE_DEPTH} levels, more than toJS and toImmutable follow; read them through views or cursors`);
  }
  materializing++;
  try {
    return materialize();
  } finally {
    materializing--;
  }
}
