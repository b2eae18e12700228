// Lazy read views of sorted maps and sets (FORMAT.md §Sorted maps): lookups by
// JS key through the ordered key encoding, iteration in key order, range
// queries, rank and select in O(log n), first and last, and toJS as a Map or
// Set in key order.

import type { ReadCursor } from '../cursor/read-cursor.js';
import { ReadSortedMap, type SortedEntry } from '../cursor/read-sorted.js';
import { InvalidArgumentError, OutOfRangeError, WrongTypeError } from '../errors.js';
import { describe, requireOptions } from '../base/arguments.js';
import { structureKind } from '../kinds/table.js';
import { describeTag, formatPath } from './errors.js';
import { View, previewText, previewValue, type ViewGuard } from './view-base.js';
import { decodeSortedKey, sortedKeyOf } from './sorted-values.js';
import { rangeRun, runEntries, type RangeOptions } from './sorted-range.js';
import { materializeJS, readValue, type Value } from './views.js';

/** The entry at `index` (negative from the end) of a sorted map, or an OutOfRangeError. */
function entryAt(map: ReadSortedMap, index: number): SortedEntry {
  if (typeof index !== 'number' || !Number.isInteger(index)) throw new InvalidArgumentError(`an index is a whole number, got ${describe(index)}`);
  const count = map.count();
  if (index >= count || index < -count) throw new OutOfRangeError(`index ${index} is outside a sorted map of ${count} entries`);
  return map.at(index);
}

/**
 * A stored sorted map, read lazily: keys in their natural order (see
 * `sortedMap`), lookups, `range`, `rank` and `at` in O(log n), `size` in O(1).
 *
 * @typeParam K - the keys' type
 * @typeParam V - what reading a value gives (a scalar or a view)
 * @typeParam J - what {@link toJS} gives: with `open<Schema>()`, the schema's type there
 */
export class SortedMapView<K = unknown, V = Value, J = Map<K, unknown>> extends View implements Iterable<[K, V]> {
  /** `'sorted'`: keys in order. */
  readonly kind = 'sorted' as const;
  readonly #map: ReadSortedMap;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    super(cursor, guard);
    this.#map = cursor.asSortedMap();
  }

  #pair(entry: SortedEntry): [K, V] {
    return [decodeSortedKey(entry.key) as K, readValue(entry.value, this.guard) as V];
  }

  /**
   * The value under `key`: a scalar, or a view of a structure. O(log n).
   *
   * @returns undefined when the key is absent
   * @throws InvalidArgumentError for a key with no ordered form (an object, undefined, a symbol...)
   */
  get(key: K): V | undefined {
    this.guard();
    const cursor = this.#map.get(sortedKeyOf(key, [key]));
    return cursor === undefined ? undefined : (readValue(cursor, this.guard) as V);
  }

  /** True when `key` is present. O(log n). */
  has(key: K): boolean {
    this.guard();
    return this.#map.has(sortedKeyOf(key, [key]));
  }

  /** Entries. O(1). */
  get size(): number {
    this.guard();
    return this.#map.count();
  }

  /** How many keys sort before `key`: its index when present, where it would go when not. O(log n). */
  rank(key: K): number {
    this.guard();
    return this.#map.rank(sortedKeyOf(key, [key]));
  }

  /**
   * The entry at `index` in key order (negative from the end). O(log n).
   *
   * @throws OutOfRangeError when there is no such entry
   */
  at(index: number): [K, V] {
    this.guard();
    return this.#pair(entryAt(this.#map, index));
  }

  /** The entry with the lowest key, or undefined when empty. O(log n). */
  first(): [K, V] | undefined {
    this.guard();
    return this.#map.count() === 0 ? undefined : this.#pair(this.#map.at(0));
  }

  /** The entry with the highest key, or undefined when empty. O(log n). */
  last(): [K, V] | undefined {
    this.guard();
    return this.#map.count() === 0 ? undefined : this.#pair(this.#map.at(-1));
  }

  /** Keys in order, streamed. */
  *keys(): Generator<K, void, undefined> {
    this.guard();
    for (const entry of this.#map.entries()) yield decodeSortedKey(entry.key) as K;
  }

  /** Values in key order, streamed. */
  *values(): Generator<V, void, undefined> {
    this.guard();
    for (const entry of this.#map.entries()) yield readValue(entry.value, this.guard) as V;
  }

  /** Entries in key order, streamed. */
  *entries(): Generator<[K, V], void, undefined> {
    this.guard();
    for (const entry of this.#map.entries()) yield this.#pair(entry);
  }

  /** Same as {@link entries}. */
  [Symbol.iterator](): Iterator<[K, V]> {
    return this.entries();
  }

  /** Calls `fn` with each value and key in key order, like `Map.prototype.forEach`. */
  forEach(fn: (value: V, key: K, view: this) => void): void {
    this.guard();
    if (typeof fn !== 'function') throw new InvalidArgumentError(`forEach takes a function, got ${describe(fn)}`);
    for (const entry of this.#map.entries()) {
      const [key, value] = this.#pair(entry);
      fn(value, key, this);
    }
  }

  /**
   * The entries whose keys meet `options` (see {@link RangeOptions}), in key
   * order (or reversed), lazily. The options are checked now; the walk costs
   * O(log n) to its first entry, then O(1) amortised node reads per entry.
   *
   * @throws InvalidArgumentError for a bad option or a key with no ordered form
   * @example
   * ```ts
   * [...view.range({ gte: 10, lt: 20, limit: 5 })];
   * ```
   */
  range(options: RangeOptions<K> = {}): IterableIterator<[K, V]> {
    this.guard();
    const map = this.#map;
    const run = rangeRun(map, options, []);
    const guard = this.guard;
    const pair = (entry: SortedEntry): [K, V] => this.#pair(entry);
    return (function* () {
      for (const entry of runEntries(map, run)) {
        guard();
        yield pair(entry);
      }
    })();
  }

  /**
   * A deep plain-JS copy: a Map in key order with decoded keys (tuple keys as
   * arrays), values converted all the way down. O(distinct structures + entries).
   */
  toJS(): J {
    return materializeJS(this) as J;
  }

  /** `SortedMapView`. */
  get [Symbol.toStringTag](): string {
    return 'SortedMapView';
  }

  /** @internal */
  protected preview(): string {
    this.guard();
    const map = this.#map;
    const guard = this.guard;
    function* parts(): Generator<string> {
      for (const entry of map.entries()) yield `${previewValue(decodeSortedKey(entry.key))} => ${previewValue(readValue(entry.value, guard))}`;
    }
    return previewText('SortedMapView', this.size, parts(), '{', '}');
  }
}

/**
 * A stored sorted set, read lazily: members in their natural order, `range`,
 * `rank` and `at` in O(log n), `size` in O(1).
 *
 * @typeParam T - the members' type
 */
export class SortedSetView<T = unknown> extends View implements Iterable<T> {
  /** `'sorted'`: members in order. */
  readonly kind = 'sorted' as const;
  readonly #map: ReadSortedMap;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    super(cursor, guard);
    // A sorted set is a sorted map whose values are empty (FORMAT.md §Sorted maps): one reader for both.
    cursor.asSortedSet();
    this.#map = new ReadSortedMap(cursor.ctx, cursor.slot, cursor.slotPosition);
  }

  /** True when `member` is in the set. O(log n). */
  has(member: T): boolean {
    this.guard();
    return this.#map.has(sortedKeyOf(member, [member]));
  }

  /** Members. O(1). */
  get size(): number {
    this.guard();
    return this.#map.count();
  }

  /** How many members sort before `member`. O(log n). */
  rank(member: T): number {
    this.guard();
    return this.#map.rank(sortedKeyOf(member, [member]));
  }

  /**
   * The member at `index` in order (negative from the end). O(log n).
   *
   * @throws OutOfRangeError when there is no such member
   */
  at(index: number): T {
    this.guard();
    return decodeSortedKey(entryAt(this.#map, index).key) as T;
  }

  /** The lowest member, or undefined when empty. O(log n). */
  first(): T | undefined {
    this.guard();
    return this.#map.count() === 0 ? undefined : (decodeSortedKey(this.#map.at(0).key) as T);
  }

  /** The highest member, or undefined when empty. O(log n). */
  last(): T | undefined {
    this.guard();
    return this.#map.count() === 0 ? undefined : (decodeSortedKey(this.#map.at(-1).key) as T);
  }

  /** Members in order, streamed. */
  *values(): Generator<T, void, undefined> {
    this.guard();
    for (const entry of this.#map.entries()) yield decodeSortedKey(entry.key) as T;
  }

  /** Same as {@link values}. */
  keys(): Generator<T, void, undefined> {
    return this.values();
  }

  /** Same as {@link values}. */
  [Symbol.iterator](): Iterator<T> {
    return this.values();
  }

  /**
   * The members that meet `options` (see {@link RangeOptions}), in order (or
   * reversed), lazily; the options are checked now.
   *
   * @throws InvalidArgumentError for a bad option or a key with no ordered form
   */
  range(options: RangeOptions<T> = {}): IterableIterator<T> {
    this.guard();
    const map = this.#map;
    const run = rangeRun(map, options, []);
    const guard = this.guard;
    return (function* () {
      for (const entry of runEntries(map, run)) {
        guard();
        yield decodeSortedKey(entry.key) as T;
      }
    })();
  }

  /** A plain Set copy, in order. O(n). */
  toJS(): Set<T> {
    return materializeJS(this) as Set<T>;
  }

  /** `SortedSetView`. */
  get [Symbol.toStringTag](): string {
    return 'SortedSetView';
  }

  /** @internal */
  protected preview(): string {
    this.guard();
    const map = this.#map;
    function* parts(): Generator<string> {
      for (const entry of map.entries()) yield previewValue(decodeSortedKey(entry.key));
    }
    return previewText('SortedSetView', this.size, parts(), '{', '}');
  }
}

/**
 * `range` at a path: the entries (or members) of the sorted map (or set) at
 * `cursor` that meet `options`, lazily; nothing when nothing is stored there.
 * The options are checked at the call.
 *
 * @param cursor - the value at `path`, or undefined when absent
 * @param path - the path, for messages
 * @throws WrongTypeError when the value is not a sorted map or set
 * @throws InvalidArgumentError for a bad option
 */
export function rangeAt(cursor: ReadCursor | undefined, path: ReadonlyArray<unknown>, options: RangeOptions, guard: ViewGuard): IterableIterator<unknown> {
  if (cursor === undefined || cursor.isNone) {
    requireOptions(options, 'range');
    return [][Symbol.iterator]();
  }
  const family = structureKind(cursor.tag)?.family;
  if (family === 'sorted-map') return new SortedMapView(cursor, guard).range(options);
  if (family === 'sorted-set') return new SortedSetView(cursor, guard).range(options);
  throw new WrongTypeError(`${formatPath(path)} holds ${describeTag(cursor.tag)}, not a sorted map or set: range reads sorted ones (store a sortedMap() or sortedSet())`);
}
