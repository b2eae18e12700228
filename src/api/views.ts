// Lazy read views of stored structures: a map, a set or a list is read only as
// far as it is used; `toJS()` and `toImmutable()` materialize on request.
// Iteration streams: memory does not grow with the collection.

import { List as ImmutableList, Map as ImmutableMap, Set as ImmutableSet } from 'immutable';
import type { ReadCursor, ReadHashMap, ReadArrayList, ReadLinkedArrayList } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import { Tag } from '../format/tags.js';
import { CorruptDatabaseError, InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { describe } from '../base/arguments.js';
import { isStructureTag, structureKind } from '../kinds/table.js';
import { VIEW_COPY, VIEW_CURSOR, decodeKey, encodeKey, objectKey, readScalar, refuseSorted } from './values.js';
import { copyInto } from './copy.js';

/** Any value read from a database: a scalar, or a lazy view of a structure. */
export type Value = string | number | bigint | boolean | null | Uint8Array | Date | MapView | ListView | SetView;

/**
 * Checks, on every access, that the data under a view is still there: a view
 * taken inside a transaction that has since ended refuses to read.
 */
export type ViewGuard = () => void;

/** Reads the value a cursor is on: scalars as JS values, structures as views (the tag table says which). */
export function readValue(cursor: ReadCursor, guard: ViewGuard): Value {
  const kind = structureKind(cursor.tag);
  if (kind === undefined) return readScalar(cursor) as Value;
  refuseSorted(cursor);
  switch (kind.family) {
    case 'map':
      return new MapView<unknown, Value>(cursor, guard);
    case 'set':
      return new SetView(cursor, guard);
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

function isStructureView(value: unknown): value is MapView | ListView | SetView {
  return value instanceof MapView || value instanceof SetView || value instanceof ListView;
}

/** Node's util.inspect hook, by its registered symbol (no `node:util` import: the module stays browser-safe). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

abstract class View {
  // ES private fields, not enumerable properties: JSON.stringify, Object.keys
  // and spreading must never reach the cursor, whose context holds the whole
  // storage (every other key of the database, and its bytes). toJSON gives the
  // data instead. (Per-instance defineProperty did the same at about 1.6x the
  // cost of a view's creation; private fields cost nothing measurable.)
  readonly #cursor: ReadCursor;
  readonly #guard: ViewGuard;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    this.#cursor = cursor;
    this.#guard = guard;
  }

  /** @internal */
  protected get cursor(): ReadCursor {
    return this.#cursor;
  }

  /** @internal */
  protected get guard(): ViewGuard {
    return this.#guard;
  }

  /** @internal the cursor this view reads, for O(1) pointer copies */
  [VIEW_CURSOR](): ReadCursor {
    this.guard();
    return this.cursor;
  }

  /**
   * @internal Writes a deep copy of this view into `target`, a cursor of
   * another database: each structure of its own kind, each shared structure
   * copied once (see {@link copyInto}).
   */
  [VIEW_COPY](target: WriteCursor): void {
    copyInto(this[VIEW_CURSOR](), target);
  }

  /** A deep plain-JS copy; see the subclasses. */
  abstract toJS(): unknown;

  /** Entries (or members, or items) in the view, for the inspect preview. */
  abstract get size(): number;

  /**
   * The data, as {@link toJS} gives it, so that `JSON.stringify(view)` (and
   * `res.json(view)` in a web server) serializes what the view shows and
   * nothing else. A Map or Set inside serializes as JSON.stringify serializes
   * one (`{}`): call toJS and convert them yourself when that matters. O(n).
   */
  toJSON(): unknown {
    const data = this.toJS();
    // toJS is linear in distinct structures and shares the copy of a shared
    // one, but JSON.stringify writes it at every place: a DAG of 25 maps, each
    // holding the one below three times, is 3^24 values of text (found by the
    // reader fuzz: seconds of work, then a bare RangeError). Count first.
    const count = jsonValueCount(data, JSON_VALUES_MAX);
    if (count > JSON_VALUES_MAX) {
      throw new OutOfRangeError(`${this[Symbol.toStringTag]} would serialize to more than ${JSON_VALUES_MAX} JSON values: it stores shared structures many times over; walk it with toJS instead`);
    }
    return data;
  }

  /** `MapView`, `ListView` or `SetView`, for `Object.prototype.toString`. */
  abstract get [Symbol.toStringTag](): string;

  /**
   * What `console.log` and `util.inspect` show in Node: the kind, the size and
   * the first few entries (`MapView(3) { a: 1, b: 'x', ... }`), never a walk of
   * the whole structure, nested structures as their kind and size. Keyed by
   * `Symbol.for` so that no Node module is imported.
   */
  [INSPECT](): string {
    try {
      return this.preview();
    } catch (error) {
      // A preview must never throw inside console.log: an ended transaction or damage shows as such.
      return `${this[Symbol.toStringTag]} <${error instanceof Error ? error.message : String(error)}>`;
    }
  }

  /** @internal the inspect text */
  protected abstract preview(): string;
}

/** Values a view's toJSON may hand to JSON.stringify: dump's default floor (maxValues), tens of megabytes of text. */
const JSON_VALUES_MAX = 1_000_000;

/**
 * How many values JSON.stringify writes for `root`, a toJS result, stopping
 * once past `limit`. Linear in distinct objects: a shared object's count is
 * remembered. No recursion. Maps, Sets and Dates serialize flat (`{}`, text).
 */
function jsonValueCount(root: unknown, limit: number): number {
  const counts = new Map<object, number>();
  const frames: Array<{ object: object; children: unknown[]; next: number; total: number }> = [];
  const enter = (value: unknown): number | undefined => {
    if (typeof value !== 'object' || value === null) return 1;
    if (value instanceof Uint8Array) return 1 + value.length;
    const prototype: unknown = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return 1;
    const known = counts.get(value);
    if (known !== undefined) return known;
    frames.push({ object: value, children: Array.isArray(value) ? value : Object.values(value), next: 0, total: 1 });
    return undefined;
  };
  let result = enter(root) ?? 0;
  while (frames.length > 0) {
    const frame = frames[frames.length - 1] as (typeof frames)[number];
    if (frame.next < frame.children.length) {
      const count = enter(frame.children[frame.next++]);
      if (count !== undefined && (frame.total += count) > limit) return frame.total;
      continue;
    }
    frames.pop();
    counts.set(frame.object, frame.total);
    const parent = frames[frames.length - 1];
    if (parent === undefined) result = frame.total;
    else if ((parent.total += frame.total) > limit) return parent.total;
  }
  return result;
}

/** Entries the inspect preview shows before `...`. */
const PREVIEW_ENTRIES = 5;

/** A value in an inspect preview: scalars as literals, structures as their kind and size. */
function previewValue(value: unknown): string {
  if (isStructureView(value)) {
    let size = '?';
    try {
      size = String(value.size);
    } catch {
      // damage below: the preview still shows the kind
    }
    return `${value[Symbol.toStringTag]}(${size})`;
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  return String(value);
}

/** The inspect text of a view: its tag, size and the first entries given by `parts`. */
function previewText(tag: string, size: number, parts: Iterable<string>, open: string, close: string): string {
  const shown: string[] = [];
  for (const part of parts) {
    if (shown.length === PREVIEW_ENTRIES) {
      shown.push('...');
      break;
    }
    shown.push(part);
  }
  return shown.length === 0 ? `${tag}(${size}) ${open}${close}` : `${tag}(${size}) ${open} ${shown.join(', ')} ${close}`;
}

/**
 * A stored map, read lazily. `kind` is `'object'` for a map stored from a plain
 * object (toJS gives an object) and `'map'` for one stored from a Map or by
 * another implementation as a counted map (toJS gives a Map; `size` is O(1)).
 */
export class MapView<K = unknown, V = Value> extends View implements Iterable<[K, V]> {
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
   * @throws IncompatibleDatabaseError when the value is a structure this build cannot read (a gen-2 sorted map or set)
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
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read (a gen-2 sorted map or set)
   */
  toJS(): unknown {
    return materialize(this, JS_BUILDER);
  }

  /**
   * A deep immutable.js copy (Map all the way down). O(distinct structures +
   * entries); shared structures come back as one immutable.js value, as for
   * {@link toJS}.
   *
   * @throws CorruptDatabaseError when a structure contains itself
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  toImmutable(): ImmutableMap<unknown, unknown> {
    return materialize(this, IMMUTABLE_BUILDER) as ImmutableMap<unknown, unknown>;
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

  /** An immutable.js Set copy. O(n). */
  toImmutable(): ImmutableSet<T> {
    return materialize(this, IMMUTABLE_BUILDER) as ImmutableSet<T>;
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
 */
export class ListView<T = Value> extends View implements Iterable<T> {
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
   * @returns undefined outside the list
   * @throws IncompatibleDatabaseError when the item is a structure this build cannot read
   */
  get(index: number): T | undefined {
    this.guard();
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
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  *values(start = 0): Generator<T, void, undefined> {
    this.guard();
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
  toJS(): unknown[] {
    return materialize(this, JS_BUILDER) as unknown[];
  }

  /**
   * A deep immutable.js List copy. O(distinct structures + items).
   *
   * @throws CorruptDatabaseError when a structure contains itself
   * @throws IncompatibleDatabaseError on reaching a structure this build cannot read
   */
  toImmutable(): ImmutableList<unknown> {
    return materialize(this, IMMUTABLE_BUILDER) as ImmutableList<unknown>;
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

/**
 * A deep immutable.js copy of any value (scalars stay as they are); see
 * {@link MapView.toImmutable}.
 */
export function toImmutable(value: Value): unknown {
  return isStructureView(value) ? materialize(value, IMMUTABLE_BUILDER) : value;
}

// ---------------------------------------------------------------- materializing

/**
 * How one kind of copy is built: a container per map or list, filled in
 * storage order, closed when complete; a set in one step (its members are keys,
 * never structures).
 */
interface Builder {
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

function isMapTag(tag: number): boolean {
  return structureKind(tag)?.family === 'map';
}

function putJS(container: unknown, tag: number, key: unknown, value: unknown): void {
  if (tag === Tag.COUNTED_HASH_MAP) {
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
  open: (tag) => (tag === Tag.COUNTED_HASH_MAP ? new Map() : tag === Tag.HASH_MAP ? {} : []),
  put: putJS,
  close: (container) => container,
  set: (members) => new Set(members),
};

/** toImmutable: immutable.js Map, List and Set, built through their mutable forms. */
const IMMUTABLE_BUILDER: Builder = {
  open: (tag) => (isMapTag(tag) ? ImmutableMap<unknown, unknown>().asMutable() : ImmutableList<unknown>().asMutable()),
  put: (container, tag, key, value) => {
    if (isMapTag(tag)) (container as ImmutableMap<unknown, unknown>).set(key, value);
    else (container as ImmutableList<unknown>).set(key as number, value);
  },
  close: (container) => (container as ImmutableMap<unknown, unknown> | ImmutableList<unknown>).asImmutable(),
  set: (members) => ImmutableSet(members),
};

/** A map or list being built: the children that are structures wait in `keys` and `cursors`. */
interface Frame {
  readonly tag: number;
  readonly position: number;
  readonly container: unknown;
  readonly keys: unknown[];
  readonly cursors: ReadCursor[];
  next: number;
}

/** Marks a structure whose copy is being built: meeting it again below itself is a cycle. */
const BUILDING = Symbol('building');
/** What {@link Materializer.enter} returns when it pushed a frame instead of giving a value. */
const PENDING = Symbol('pending');

/**
 * Copies a view with `builder`, depth first from an explicit stack, so that
 * no nesting depth can exhaust the JS stack. Each stored structure (a tag and
 * the position of its record) is built once and its copy reused wherever it
 * is met again, so the work is linear in the distinct structures and entries,
 * however much the data shares; a structure met again while its own copy is
 * being built contains itself, which only damaged data can do.
 */
function materialize(view: View, builder: Builder): unknown {
  return new Materializer(builder).run(view[VIEW_CURSOR]());
}

class Materializer {
  private readonly builder: Builder;
  /** Finished copies (or BUILDING), by tag, then by record position. */
  private readonly built: Array<Map<number, unknown> | undefined> = [];
  private readonly stack: Frame[] = [];

  constructor(builder: Builder) {
    this.builder = builder;
  }

  run(root: ReadCursor): unknown {
    const builder = this.builder;
    const stack = this.stack;
    let result = this.enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      if (frame.next < frame.cursors.length) {
        const index = frame.next++;
        const child = this.enter(frame.cursors[index] as ReadCursor);
        if (child !== PENDING) builder.put(frame.container, frame.tag, frame.keys[index], child);
        continue;
      }
      stack.pop();
      const value = builder.close(frame.container, frame.tag);
      this.memo(frame.tag).set(frame.position, value);
      const parent = stack[stack.length - 1];
      if (parent === undefined) result = value;
      else builder.put(parent.container, parent.tag, parent.keys[parent.next - 1], value);
    }
    return result;
  }

  private memo(tag: number): Map<number, unknown> {
    let memo = this.built[tag];
    if (memo === undefined) {
      memo = new Map();
      this.built[tag] = memo;
    }
    return memo;
  }

  /** The copy of a value, or PENDING after pushing the frame that will build it. */
  private enter(cursor: ReadCursor): unknown {
    const tag = cursor.tag;
    const kind = structureKind(tag);
    if (kind === undefined) return readScalar(cursor);
    refuseSorted(cursor);
    const position = cursor.slot.position;
    const memo = this.memo(tag);
    const known = memo.get(position);
    if (known === BUILDING) throw new CorruptDatabaseError('a structure contains itself (a cycle between records)', cursor.slotPosition);
    if (known !== undefined) return known;
    const builder = this.builder;
    if (kind.family === 'set') {
      const members: unknown[] = [];
      for (const key of cursor.asHashSet().keys()) members.push(decodeKey(key));
      const value = builder.set(members, tag);
      memo.set(position, value);
      return value;
    }
    memo.set(position, BUILDING);
    const container = builder.open(tag);
    const keys: unknown[] = [];
    const cursors: ReadCursor[] = [];
    const add = (key: unknown, child: ReadCursor): void => {
      if (isStructureTag(child.tag)) {
        builder.put(container, tag, key, undefined);
        keys.push(key);
        cursors.push(child);
      } else {
        builder.put(container, tag, key, readScalar(child));
      }
    };
    if (kind.family === 'map') {
      cursor.asHashMap().forEach((child, key) => add(decodeKey(key), child));
    } else {
      let index = 0;
      const list = tag === Tag.ARRAY_LIST ? cursor.asArrayList() : cursor.asLinkedArrayList();
      for (const child of list.items(0)) add(index++, child);
    }
    this.stack.push({ tag, position, container, keys, cursors, next: 0 });
    return PENDING;
  }
}
