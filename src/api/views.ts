// Lazy read views of stored structures: a map, a set or a list is read only as
// far as it is used; `toJS()` materializes on request (and `toImmutable` from
// 'stratadb/immutable', through the same walk). Iteration streams: memory does
// not grow with the collection. Nothing here imports immutable.js.

import type { ReadCursor, ReadHashMap, ReadArrayList, ReadLinkedArrayList } from '../cursor/read-cursor.js';
import { Tag } from '../format/tags.js';
import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { describe } from '../base/arguments.js';
import { structureKind, type StructureKind } from '../kinds/table.js';
import { ValueWalk, type ValueVisitor } from '../history/value-walk.js';
import { VIEW_CURSOR, decodeKey, encodeKey, objectKey, readScalar } from './values.js';
import { decodeSortedKey } from './sorted-values.js';
import { View, previewText, previewValue, type ViewGuard } from './view-base.js';
import { SortedMapView, SortedSetView } from './sorted-views.js';

export { SortedMapView, SortedSetView, type ViewGuard };

/** Any value read from a database: a scalar, or a lazy view of a structure. */
export type Value = string | number | bigint | boolean | null | Uint8Array | Date | MapView | ListView | SetView | SortedMapView | SortedSetView;

/** Reads the value a cursor is on: scalars as JS values, structures as views (the tag table says which). */
export function readValue(cursor: ReadCursor, guard: ViewGuard): Value {
  const kind = structureKind(cursor.tag);
  if (kind === undefined) return readScalar(cursor) as Value;
  switch (kind.family) {
    case 'map':
      return new MapView<unknown, Value>(cursor, guard);
    case 'set':
      return new SetView(cursor, guard);
    case 'sorted-map':
      return new SortedMapView<unknown, Value>(cursor, guard);
    case 'sorted-set':
      return new SortedSetView(cursor, guard);
    default:
      return new ListView<Value>(cursor, guard);
  }
}

/**
 * Deep plain-JS copy of any value: see {@link MapView.toJS}. Scalars come back
 * as they are.
 */
export function toJS(value: Value): unknown {
  return isStructureView(value) ? materialize(value, JS_BUILDER) : value;
}

/** True for a view of a structure: MapView, ListView, SetView, SortedMapView or SortedSetView. */
export function isStructureView(value: unknown): value is MapView | ListView | SetView | SortedMapView | SortedSetView {
  try {
    return value instanceof View;
  } catch {
    // A revoked Proxy: no view.
    return false;
  }
}

/** @internal toJS of any view (the sorted views' files call it). */
export function materializeJS(view: View): unknown {
  return materialize(view as MapView, JS_BUILDER);
}

/**
 * A stored map, read lazily. `kind` is `'object'` for a map stored from a plain
 * object (toJS gives an object) and `'map'` for one stored from a Map or by
 * another implementation as a counted map (toJS gives a Map; `size` is O(1)).
 *
 * @typeParam K - the keys' type
 * @typeParam V - what reading a value gives (a scalar or a view)
 * @typeParam J - what {@link toJS} gives: with `open<Schema>()`, the schema's type there
 */
export class MapView<K = unknown, V = Value, J = unknown> extends View implements Iterable<[K, V]> {
  /** `'object'` (a plain hash map) or `'map'` (a counted hash map). */
  readonly kind: 'object' | 'map';
  readonly #map: ReadHashMap;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    super(cursor, guard);
    this.kind = cursor.tag === Tag.COUNTED_HASH_MAP ? 'map' : 'object';
    this.#map = cursor.asHashMap();
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
   * @throws IncompatibleDatabaseError when the value is a structure this build cannot read
   */
  get(key: K): V | undefined {
    this.guard();
    const stored = this.key(key);
    const cursor = stored === undefined ? undefined : this.#map.get(stored);
    return cursor === undefined ? undefined : (readValue(cursor, this.guard) as V);
  }

  /** True when `key` is present. O(log n). */
  has(key: K): boolean {
    this.guard();
    const stored = this.key(key);
    return stored !== undefined && this.#map.has(stored);
  }

  /** Entry count: O(1) for kind `'map'` (counted), O(n) for `'object'`. */
  get size(): number {
    this.guard();
    return this.#map.count();
  }

  /** Keys in storage (hash) order, streamed. */
  *keys(): Generator<K, void, undefined> {
    this.guard();
    for (const key of this.#map.keys()) yield decodeKey(key) as K;
  }

  /**
   * Values in storage (hash) order, streamed.
   *
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  *values(): Generator<V, void, undefined> {
    this.guard();
    for (const value of this.#map.values()) yield readValue(value, this.guard) as V;
  }

  /**
   * Entries in storage (hash) order, streamed.
   *
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  *entries(): Generator<[K, V], void, undefined> {
    this.guard();
    for (const entry of this.#map.entries()) yield [decodeKey(entry.key) as K, readValue(entry.value, this.guard) as V];
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
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   * @example
   * ```ts
   * db.get(['users'])?.forEach((user, name) => console.log(name, user));
   * ```
   */
  forEach(fn: (value: V, key: K, view: this) => void): void {
    this.guard();
    if (typeof fn !== 'function') throw new InvalidArgumentError(`forEach takes a function, got ${describe(fn)}`);
    const guard = this.guard;
    this.#map.forEach((value, key) => fn(readValue(value, guard) as V, decodeKey(key) as K, this));
  }

  /**
   * A deep plain-JS copy: an object for kind `'object'`, a Map for `'map'`,
   * and so on down. O(distinct structures + entries): a structure stored in
   * several places (a clone, a view stored twice) is converted once and the
   * same JS object is returned for each place, so the result is a DAG of JS
   * objects that shares what the database shares (changing one place changes
   * the others: copy it first if that matters). No depth limit: the walk uses
   * no recursion.
   *
   * @throws CorruptDatabaseError when a structure contains itself (only damaged or hostile data can)
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  toJS(): J {
    return materialize(this, JS_BUILDER) as J;
  }

  /** `MapView`. */
  get [Symbol.toStringTag](): string {
    return 'MapView';
  }

  /** @internal */
  protected preview(): string {
    this.guard();
    const map = this.#map;
    const kind = this.kind;
    const guard = this.guard;
    function* parts(): Generator<string> {
      for (const entry of map.entries()) {
        const key = decodeKey(entry.key);
        const name = kind === 'object' && typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key) ? key : previewValue(key);
        yield `${kind === 'map' ? `${name} => ` : `${name}: `}${previewValue(readValue(entry.value, guard))}`;
      }
    }
    return previewText('MapView', this.size, parts(), '{', '}');
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
    return materialize(this, JS_BUILDER) as Set<T>;
  }

  /** `SetView`. */
  get [Symbol.toStringTag](): string {
    return 'SetView';
  }

  /** @internal */
  protected preview(): string {
    this.guard();
    const keys = this.cursor.asHashSet().keys();
    function* parts(): Generator<string> {
      for (const key of keys) yield previewValue(decodeKey(key));
    }
    return previewText('SetView', this.size, parts(), '{', '}');
  }
}

/**
 * A stored list, read lazily: an array list, or a linked (RRB) list (`kind`
 * `'linked'`). Get is O(log n); iteration streams.
 *
 * @typeParam T - what reading an item gives (a scalar or a view)
 * @typeParam J - what {@link toJS} gives: with `open<Schema>()`, the schema's type there
 */
export class ListView<T = Value, J = unknown[]> extends View implements Iterable<T> {
  /** `'array'` for an array list, `'linked'` for a linked (RRB) list. */
  readonly kind: 'array' | 'linked';
  readonly #list: ReadArrayList | ReadLinkedArrayList;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    super(cursor, guard);
    this.kind = cursor.tag === Tag.LINKED_ARRAY_LIST ? 'linked' : 'array';
    this.#list = this.kind === 'linked' ? cursor.asLinkedArrayList() : cursor.asArrayList();
  }

  /** Items in the list. O(1). */
  get length(): number {
    this.guard();
    return this.#list.count();
  }

  /** Same as {@link length}. */
  get size(): number {
    return this.length;
  }

  /**
   * The item at `index`; negative counts from the end.
   *
   * @returns undefined outside the list (a fraction included)
   * @throws InvalidArgumentError when `index` is not a number (a list has no key `'0'`)
   * @throws IncompatibleDatabaseError when the item is a structure this build cannot read
   */
  get(index: number): T | undefined {
    this.guard();
    if (typeof index !== 'number') throw new InvalidArgumentError(`an index is a number, not a ${describe(index)}`);
    const count = this.#list.count();
    if (!Number.isInteger(index) || index >= count || index < -count) return undefined;
    return readValue(this.#list.get(index), this.guard) as T;
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

  /**
   * Items from `start` (default 0) to the end, streamed.
   *
   * @throws InvalidArgumentError when `start` is not a number
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  *values(start = 0): Generator<T, void, undefined> {
    this.guard();
    if (typeof start !== 'number') throw new InvalidArgumentError(`a start index is a number, not a ${describe(start)}`);
    if (start >= this.#list.count()) return;
    for (const item of this.#list.items(start)) yield readValue(item, this.guard) as T;
  }

  /** Same as {@link values}. */
  [Symbol.iterator](): Iterator<T> {
    return this.values();
  }

  /**
   * A deep plain-JS array copy. O(distinct structures + items); shared
   * structures come back shared, as for {@link MapView.toJS}.
   *
   * @throws CorruptDatabaseError when a structure contains itself
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  toJS(): J {
    return materialize(this, JS_BUILDER) as J;
  }

  /** `ListView`. */
  get [Symbol.toStringTag](): string {
    return 'ListView';
  }

  /** @internal */
  protected preview(): string {
    this.guard();
    const items = this.#list.items(0);
    const guard = this.guard;
    function* parts(): Generator<string> {
      for (const item of items) yield previewValue(readValue(item, guard));
    }
    return previewText(this.kind === 'linked' ? 'ListView<linked>' : 'ListView', this.length, parts(), '[', ']');
  }
}

// ---------------------------------------------------------------- materializing

/**
 * How one kind of copy is built: a container per map or list, filled in
 * storage order, closed when complete; a set in one step (its members are keys,
 * never structures).
 */
export interface Builder {
  /** A new, empty container for a map or list with this tag. */
  open(tag: number): unknown;
  /**
   * Stores `value` under `key` (a map's decoded key, or a list index). A child
   * that is a structure is stored first as undefined, to keep its place in the
   * container's order, and again once it is built.
   */
  put(container: unknown, tag: number, key: unknown, value: unknown): void;
  /** The finished value of a container. */
  close(container: unknown, tag: number): unknown;
  /** A whole set from its decoded members. */
  set(members: unknown[], tag: number): unknown;
}

/** True for the tag of a map kind (counted or not, hashed or sorted): what a copy builds as a keyed container. */
export function isMapTag(tag: number): boolean {
  const family = structureKind(tag)?.family;
  return family === 'map' || family === 'sorted-map';
}

function putJS(container: unknown, tag: number, key: unknown, value: unknown): void {
  if (tag === Tag.COUNTED_HASH_MAP || tag === Tag.SORTED_MAP) {
    (container as Map<unknown, unknown>).set(key, value);
  } else if (tag === Tag.HASH_MAP) {
    const name = String(key);
    // Assignment is about twice as fast as defineProperty on a big object, but
    // an own "__proto__" key must stay a key instead of replacing the prototype.
    if (name === '__proto__') Object.defineProperty(container, name, { value, enumerable: true, writable: true, configurable: true });
    else (container as Record<string, unknown>)[name] = value;
  } else {
    (container as unknown[])[key as number] = value;
  }
}

/** toJS: objects, Maps, arrays and Sets. */
const JS_BUILDER: Builder = {
  open: (tag) => (tag === Tag.COUNTED_HASH_MAP || tag === Tag.SORTED_MAP ? new Map() : tag === Tag.HASH_MAP ? {} : []),
  put: putJS,
  close: (container) => container,
  set: (members) => new Set(members),
};


/**
 * Copies a view with `builder`, as a visitor of the one value walk
 * (history/value-walk.ts): depth first from an explicit stack, so that no
 * nesting depth can exhaust the JS stack; each stored structure (a tag and the
 * position of its record) is built once and its copy reused wherever it is
 * met again, so the work is linear in the distinct structures and entries,
 * however much the data shares; a structure met again while its own copy is
 * being built contains itself, which only damaged data can do.
 */
export function materialize(view: MapView<unknown, unknown, unknown> | ListView<unknown, unknown> | SetView<unknown> | SortedMapView<unknown, unknown, unknown> | SortedSetView<unknown>, builder: Builder): unknown {
  return new ValueWalk(new Materializer(builder)).walk(view[VIEW_CURSOR](), undefined);
}

function isSetFamily(kind: StructureKind): boolean {
  return kind.family === 'set' || kind.family === 'sorted-set';
}

/** What toJS and toImmutable make of each value: a set's container is the array of its decoded members. */
class Materializer implements ValueVisitor<unknown, unknown, unknown, undefined> {
  private readonly builder: Builder;

  constructor(builder: Builder) {
    this.builder = builder;
  }

  leaf(cursor: ReadCursor): unknown {
    return readScalar(cursor);
  }

  again(): void {}

  open(_cursor: ReadCursor, kind: StructureKind): unknown {
    return isSetFamily(kind) ? [] : this.builder.open(kind.tag);
  }

  key(_container: unknown, key: ReadCursor, kind: StructureKind): unknown {
    return kind.family === 'sorted-map' ? decodeSortedKey(key) : decodeKey(key);
  }

  member(container: unknown, key: ReadCursor, kind: StructureKind): void {
    (container as unknown[]).push(kind.family === 'sorted-set' ? decodeSortedKey(key) : decodeKey(key));
  }

  leafChild(container: unknown, kind: StructureKind, key: unknown, child: ReadCursor): void {
    this.builder.put(container, kind.tag, key, readScalar(child));
  }

  hold(container: unknown, kind: StructureKind, key: unknown): void {
    this.builder.put(container, kind.tag, key, undefined);
  }

  place(): undefined {
    return undefined;
  }

  put(container: unknown, kind: StructureKind, key: unknown, value: unknown): void {
    this.builder.put(container, kind.tag, key, value);
  }

  close(container: unknown, kind: StructureKind): unknown {
    return isSetFamily(kind) ? this.builder.set(container as unknown[], kind.tag) : this.builder.close(container, kind.tag);
  }
}
