// JavaScript values <-> slots (FORMAT.md §Values): which JS value becomes which
// tag and format tag, and back. Structures are written through cursors;
// scalars become slots directly.

import { hasLoneSurrogate, type TaggedKey } from '../cursor/keys.js';
import { ReadCursor } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import { Tag, tagName } from '../format/tags.js';
import { UnsupportedValueError, formatPath, stepText } from './errors.js';
import { CorruptDatabaseError, InvalidArgumentError, StrataError, WrongTypeError } from '../errors.js';
import { KNOWN_TAG_MAX, secondGenerationError } from '../core/block-io.js';
import { TAG_BIGINT, TAG_BOOLEAN, TAG_BYTES, TAG_INSTANT, TAG_NULL, TAG_NUMBER, sameTag } from './format-tags.js';
import { describe, requireIterable } from '../base/arguments.js';
import { hexOf } from '../base/byte-text.js';
import { readAsciiValue } from '../core/bytes-values.js';
import { immutableKind } from './immutable-markers.js';
import { SortedMapValue, SortedSetValue, sortedKeyOf } from './sorted-values.js';
import type { AnyPath } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const TRUE_TEXT = encoder.encode('#t');
const FALSE_TEXT = encoder.encode('#f');

/**
 * A list to store as a linked (RRB) array list instead of an array list: O(log n)
 * insert, remove, slice and concat. Create with {@link linkedList}.
 */
export class LinkedListValue<T = unknown> {
  /** The items, in order. */
  readonly items: readonly T[];

  /**
   * @param items - the items, in order
   * @throws InvalidArgumentError when `items` is not iterable
   */
  constructor(items: Iterable<T>) {
    requireIterable(items, 'linkedList');
    this.items = [...items];
  }
}

/**
 * Marks an array to be stored as a linked (RRB) array list.
 *
 * @example
 * ```ts
 * db.set(['queue'], linkedList(['a', 'b']));
 * ```
 */
export function linkedList<T>(items: Iterable<T>): LinkedListValue<T> {
  return new LinkedListValue(items);
}

/** Encodes a bigint as big-endian two's complement, as few bytes as keep its sign. */
export function bigintBytes(value: bigint): Uint8Array {
  // Through hex text, linear in the size: a shift per byte copies the whole
  // bigint each time (a 300 kB value took minutes).
  // A negative value is stored as 2^(8n) + value, where n is the fewest bytes
  // whose top bit can carry the sign: those of |value| - 1, plus one if its top bit is set.
  const magnitude = value < 0n ? -value - 1n : value;
  let digits = magnitude.toString(16);
  if (digits.length % 2 === 1) digits = `0${digits}`;
  const length = digits.length / 2 + (Number.parseInt(digits.slice(0, 2), 16) >= 0x80 ? 1 : 0);
  const text = (value < 0n ? (1n << BigInt(8 * length)) + value : value).toString(16).padStart(2 * length, '0');
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Decodes big-endian two's complement bytes into a bigint. */
export function bytesBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  // Through hex text, linear in the size (see bigintBytes).
  return BigInt.asIntN(bytes.length * 8, BigInt(`0x${hexOf(bytes)}`));
}

/** The kinds of plain values the API stores; anything else is rejected before a write. */
export type Plain = string | number | bigint | boolean | null | Uint8Array | Date;

/** Whether `value` is a plain object (literal or null-prototype), not a class instance. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The tagged key for a Map key or Set member; strings stay untagged so that
 * other xitdb implementations find them.
 *
 * @throws UnsupportedValueError for a key type with no mapping
 */
export function encodeKey(key: unknown, path: ReadonlyArray<unknown>): string | TaggedKey {
  switch (typeof key) {
    case 'string':
      checkWellFormed(key, path);
      return key;
    case 'number':
      return { bytes: encoder.encode(String(key)), formatTag: TAG_NUMBER };
    case 'bigint':
      return { bytes: bigintBytes(key), formatTag: TAG_BIGINT };
    case 'boolean':
      return { bytes: key ? TRUE_TEXT : FALSE_TEXT, formatTag: TAG_BOOLEAN };
    case 'object':
      if (key === null) return { bytes: new Uint8Array(0), formatTag: TAG_NULL };
      try {
        if (key instanceof Uint8Array) return { bytes: key, formatTag: TAG_BYTES };
        if (key instanceof Date) return { bytes: encoder.encode(dateText(key, path)), formatTag: TAG_INSTANT };
      } catch (error) {
        // A revoked Proxy, or a Date whose methods throw.
        throw readFailure(error, path);
      }
  }
  throw new UnsupportedValueError(`a ${describe(key)} cannot be a map key or set member (use a string, number, bigint, boolean, null, Date or Uint8Array)`, path);
}

/**
 * The key for a step into a plain-object map, as JavaScript objects take
 * property names: a string as it is, a number as its text (`o[1]` is `o["1"]`),
 * so an object's keys stay strings and read back as they were written.
 *
 * @throws WrongTypeError for any other kind of step
 */
export function objectKey(step: unknown, path: ReadonlyArray<unknown>): string {
  if (typeof step === 'string') {
    checkWellFormed(step, path);
    return step;
  }
  if (typeof step === 'number') return String(step);
  throw new WrongTypeError(`${formatPath(path.slice(0, -1))} is an object, whose keys are strings (a number step is its text), not ${describe(step)}: store a Map for keys of other kinds`);
}

/** The key of `step` in a map with `tag`: an object's property name, or a Map's tagged key. */
export function mapStepKey(tag: number, step: unknown, path: ReadonlyArray<unknown>): string | TaggedKey {
  return tag === Tag.HASH_MAP ? objectKey(step, path) : encodeKey(step, path);
}

/** Decodes a stored key (its cursor) back into the JS key. */
export function decodeKey(cursor: ReadCursor): unknown {
  if (cursor.isNone) return null;
  const ascii = readAsciiValue(cursor.ctx.io, cursor.slot, cursor.slotPosition);
  if (ascii !== undefined) return ascii;
  const { bytes, formatTag } = cursor.readTaggedBytes();
  if (formatTag === undefined) return text(bytes);
  const decoded = decodeTagged(bytes, formatTag);
  return decoded === undefined ? text(bytes) : decoded;
}

function text(bytes: Uint8Array): string | Uint8Array {
  try {
    return decoder.decode(bytes);
  } catch {
    // Bytes written by another implementation that are not UTF-8: keep them as bytes.
    return bytes;
  }
}

function decodeTagged(bytes: Uint8Array, tag: Uint8Array): unknown {
  if (sameTag(tag, TAG_BOOLEAN)) return bytes.length === 2 && bytes[0] === 0x23 && bytes[1] === 0x74;
  if (sameTag(tag, TAG_BIGINT)) return bytesBigint(bytes);
  if (sameTag(tag, TAG_BYTES)) return bytes;
  if (sameTag(tag, TAG_NULL)) return null;
  if (sameTag(tag, TAG_INSTANT) || sameTag(tag, TAG_NUMBER)) {
    // Text that is not UTF-8 (damage, or another writer's idea of the tag): the caller keeps the raw bytes.
    const text = decodeText(bytes);
    if (text === undefined) return undefined;
    return sameTag(tag, TAG_INSTANT) ? new Date(text) : Number(text);
  }
  return undefined;
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function dateText(date: Date, path: ReadonlyArray<unknown>): string {
  if (Number.isNaN(date.getTime())) throw new UnsupportedValueError('an invalid Date cannot be stored', path);
  return date.toISOString();
}

/**
 * Reads a scalar slot as its JS value. Returns undefined for structures (the
 * caller makes a view).
 */
export function decodeScalar(cursor: ReadCursor): unknown {
  switch (cursor.tag) {
    case Tag.NONE:
      return null;
    case Tag.INT: {
      const value = cursor.readInt();
      return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
    }
    case Tag.UINT: {
      const value = cursor.readUint();
      return value <= 9007199254740991n ? Number(value) : value;
    }
    case Tag.FLOAT:
      return cursor.readFloat();
    case Tag.BYTES:
    case Tag.SHORT_BYTES: {
      // Most stored strings are short ASCII: read them in place, no copy, no TextDecoder.
      const ascii = readAsciiValue(cursor.ctx.io, cursor.slot, cursor.slotPosition);
      if (ascii !== undefined) return ascii;
      const { bytes, formatTag } = cursor.readTaggedBytes();
      if (formatTag === undefined) return text(bytes);
      const decoded = decodeTagged(bytes, formatTag);
      // An unknown tag from another writer: keep the raw bytes rather than guess.
      return decoded === undefined ? bytes : decoded;
    }
    default:
      return undefined;
  }
}

/**
 * A scalar slot as its JS value. A tag that is no value (an index block or kv
 * pair where a value belongs) is damage; a gen-2 tag (sorted map or set) is
 * refused as incompatible rather than read as `undefined`, which would hide
 * the structure (a missing key and a structure this build cannot read must
 * never look alike).
 */
export function readScalar(cursor: ReadCursor): unknown {
  const tag = cursor.tag;
  if (tag > KNOWN_TAG_MAX) throw secondGenerationError(tag, cursor.slotPosition);
  if (tag === Tag.INDEX || tag === Tag.KV_PAIR) throw new CorruptDatabaseError(`a ${tagName(tag)} slot stands where a value belongs`, cursor.slotPosition);
  return decodeScalar(cursor);
}

/** The structure kind a JS value becomes, or 'scalar'. */
export type ValueKind = 'scalar' | 'object' | 'map' | 'set' | 'array' | 'linked' | 'sorted-map' | 'sorted-set';

/** How deep values may nest: deeper ones are refused before the recursion of a write could exhaust the stack. */
export const VALUE_DEPTH_MAX = 500;

/**
 * What {@link prepareValue} makes of a structure: the parts it read, checked,
 * for {@link writeValue} to write without reading the original again. `keys`
 * holds an object's property names or a Map's or Set's encoded keys; `items`
 * the prepared values, in the same order (undefined in an object: a property
 * left out). Internal: never a user value, so the writer can tell them apart.
 */
class Snapshot {
  constructor(
    readonly kind: SnapshotKind,
    readonly keys: ReadonlyArray<string | TaggedKey | Uint8Array> | undefined,
    readonly items: readonly unknown[],
    /** True when a view of some database sits somewhere inside. */
    readonly views: boolean,
  ) {}
}

/** What a {@link Snapshot} becomes: a hash map (plain object), counted map (Map), counted set (Set), array list, linked list, sorted map or sorted set. */
const enum SnapshotKind {
  OBJECT,
  MAP,
  SET,
  ARRAY,
  LINKED,
  SORTED_MAP,
  SORTED_SET,
}

/** A Date, as the text it is stored as (read once: a subclass may answer differently the second time). */
class DateSnapshot {
  constructor(readonly text: string) {}
}

/** A view of some database, with the cursor it gave when it was checked. */
class ViewSnapshot {
  constructor(
    readonly source: ReadCursor,
    readonly view: { [VIEW_COPY]: (target: WriteCursor) => void },
  ) {}
}

/** The step that says "the path already names this value" (the root of a prepare). */
const HERE = Symbol('here');

/**
 * Checks a whole value before anything is written, and returns what to write:
 * every part must map to the format (see the README's table), with no cycle, no
 * undefined list item (holes of sparse arrays included) and at most
 * {@link VALUE_DEPTH_MAX} levels.
 *
 * Each part of the value is read exactly once (each own enumerable key and
 * its value, each index, each iteration of a Map or Set), and the result holds
 * what was read: {@link writeValue} writes that, never the original again. A
 * getter or Proxy that answers differently the second time therefore cannot
 * get unchecked data written (a getter that gave a string here and a function
 * later once had the function stored as an empty map).
 *
 * @param value - what the caller wants to store
 * @param path - where it goes, for error messages
 * @returns the prepared value: scalars as they are, structures as snapshots
 * @throws UnsupportedValueError naming the path of the first problem
 * @throws HashCollisionError when two keys of one new map or set share a hash
 *
 * Cost: O(size of the value); one array of items per structure (the keys of a
 * plain object are the array Object.keys made, not a copy).
 */
export function prepareValue(value: unknown, path: ReadonlyArray<unknown>): unknown {
  // Scalars need no walk and no state: the common case of tx.set(path, 'text').
  switch (typeof value) {
    case 'string':
      checkWellFormed(value, path);
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return value;
  }
  if (value === null) return value;
  // Nor do plain bytes (values read from files or the network). isView first:
  // it is false for a Proxy without calling a trap, so the prototype read
  // below cannot run the caller's code.
  if (ArrayBuffer.isView(value) && Object.getPrototypeOf(value) === Uint8Array.prototype) return value;
  return new Preparer().prepare(value, path, HERE);
}

/**
 * What reading a caller's structure threw (a getter, a Proxy trap, a revoked
 * Proxy, an iterator), as an error that says where: our own errors pass as
 * they are, anything else becomes an UnsupportedValueError with the original
 * as its `cause`.
 */
export function readFailure(error: unknown, path: ReadonlyArray<unknown>): unknown {
  if (error instanceof StrataError) return error;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new UnsupportedValueError(`reading the value threw (${what}), so it cannot be stored`, path, { cause: error });
}

/** True when writing `prepared` makes a pointer copy of a view somewhere (the caller freezes first). */
export function holdsViews(prepared: unknown): boolean {
  return prepared instanceof Snapshot ? prepared.views : prepared instanceof ViewSnapshot;
}

/** One walk of {@link prepareValue}: the structures on the way down (for cycles and depth) and whether a view was met. */
class Preparer {
  private readonly onPath = new Set<object>();
  views = false;

  /**
   * Prepares `value`, the `step` of the value at `parent` (or the value at
   * `parent` itself when `step` is {@link HERE}). The path is built only for
   * a structure or an error, so a million scalar items allocate no paths.
   */
  prepare(value: unknown, parent: ReadonlyArray<unknown>, step: unknown): unknown {
    switch (typeof value) {
      case 'string':
        if (hasLoneSurrogate(value)) checkWellFormed(value, at(parent, step));
        return value;
      case 'number':
      case 'bigint':
      case 'boolean':
        return value;
      case 'undefined':
        throw new UnsupportedValueError('undefined cannot be stored (use null, or leave the key out)', at(parent, step));
      case 'function':
      case 'symbol':
        throw new UnsupportedValueError(`a ${typeof value} cannot be stored`, at(parent, step));
    }
    if (value === null) return value;
    try {
      return this.object(value as object, parent, step);
    } catch (error) {
      // Our own errors carry their path; what the caller's getters, traps or iterators threw gets this one.
      throw readFailure(error, at(parent, step));
    }
  }

  /** {@link prepare} for an object: bytes, a Date, a view, or a structure to walk. */
  private object(value: object, parent: ReadonlyArray<unknown>, step: unknown): unknown {
    if (value instanceof Uint8Array) return value;
    const path = at(parent, step);
    if (value instanceof Date) return new DateSnapshot(dateText(value, path));
    const object = value as object;
    if (isView(object)) {
      // A view from a transaction that has ended refuses here, before anything is written.
      const source = object[VIEW_CURSOR]();
      if (!(source instanceof ReadCursor)) throw new UnsupportedValueError(`a ${describe(object)} claims to be a view of a database but gave no cursor`, path);
      this.views = true;
      return new ViewSnapshot(source, object);
    }
    const onPath = this.onPath;
    if (onPath.has(object)) throw new UnsupportedValueError('the value contains itself (a cycle)', path);
    if (onPath.size >= VALUE_DEPTH_MAX) throw new UnsupportedValueError(`the value nests deeper than ${VALUE_DEPTH_MAX} levels`, path);
    onPath.add(object);
    const viewsBefore = this.views;
    this.views = false;
    try {
      const snapshot = this.structure(object, path);
      return snapshot;
    } finally {
      this.views ||= viewsBefore;
      onPath.delete(object);
    }
  }

  /** The snapshot of one structure; {@link prepare} has checked it is not on the path. */
  private structure(object: object, path: ReadonlyArray<unknown>): Snapshot {
    if (Array.isArray(object)) return new Snapshot(SnapshotKind.ARRAY, undefined, this.listItems(object, path), this.views);
    if (object instanceof LinkedListValue) {
      const items: unknown = object.items;
      if (!Array.isArray(items)) throw new UnsupportedValueError('a linkedList() whose items are not an array cannot be stored', path);
      return new Snapshot(SnapshotKind.LINKED, undefined, this.listItems(items, path), this.views);
    }
    if (object instanceof SortedMapValue) return this.sortedMap(object, path);
    if (object instanceof SortedSetValue) return this.sortedSet(object, path);
    if (object instanceof Map) return this.map(object, path);
    if (object instanceof Set) return this.set(object, path);
    if (isPlainObject(object)) return this.plainObject(object, path);
    switch (immutableKind(object)) {
      case 'map':
        return this.map(object as Iterable<unknown>, path);
      case 'set':
        return this.set(object as Iterable<unknown>, path);
      case 'list':
        // Iterated once into an array, then prepared like one.
        return new Snapshot(SnapshotKind.ARRAY, undefined, this.listItems(Array.from(object as Iterable<unknown>), path), this.views);
      case 'other':
        throw new UnsupportedValueError(`this immutable.js collection has no mapping (use Map, List, Set, OrderedMap, OrderedSet or Stack)`, path);
    }
    throw new UnsupportedValueError(`a ${describe(object)} instance has no mapping to the format (store a plain object, array, Map or Set)`, path);
  }

  /** Each index read once; `length` read once (a Proxy may change it while we read). */
  private listItems(list: readonly unknown[], path: ReadonlyArray<unknown>): unknown[] {
    const length = list.length;
    if (!Number.isSafeInteger(length) || length < 0 || length > ARRAY_LENGTH_MAX) throw new UnsupportedValueError(`an array whose length is ${String(length)} cannot be stored`, path);
    const items = new Array<unknown>(length);
    // An index loop, not forEach: forEach skips the holes of a sparse array, which read as undefined.
    for (let index = 0; index < length; index++) items[index] = this.prepare(list[index], path, index);
    return items;
  }

  private map(entries: Iterable<unknown>, path: ReadonlyArray<unknown>): Snapshot {
    const keys: Array<string | TaggedKey> = [];
    const items: unknown[] = [];
    // The stored forms of the Date and Uint8Array keys met so far: two such keys are
    // two keys to a Map, but one stored key, and the second would replace the first's value.
    let objectKeys: Map<string, unknown> | undefined;
    for (const entry of entries) {
      // What the iterator yields, read once: a Map subclass may yield anything.
      if (!Array.isArray(entry)) throw new UnsupportedValueError(`a Map's iterator gave ${describe(entry)}, not a [key, value] pair`, path);
      const key: unknown = entry[0];
      const item: unknown = entry[1];
      const encoded = encodeKey(key, [...path, key]);
      if (typeof encoded !== 'string' && typeof key === 'object' && key !== null) {
        objectKeys ??= new Map();
        const stored = storedKeyText(encoded);
        if (objectKeys.has(stored)) throw new UnsupportedValueError(`this Map has two keys that are different objects but equal values (${stepText(objectKeys.get(stored))} and ${stepText(key)}), which are one stored key: the second would replace the first`, [...path, key]);
        objectKeys.set(stored, key);
      }
      keys.push(encoded);
      items.push(this.prepare(item, path, key));
    }
    return new Snapshot(SnapshotKind.MAP, keys, items, this.views);
  }

  /** A sortedMap(): each key encoded by the ordered encoding (FORMAT.md §Ordered keys), each value prepared. */
  private sortedMap(value: SortedMapValue, path: ReadonlyArray<unknown>): Snapshot {
    const entries: unknown = value.entries;
    if (!Array.isArray(entries)) throw new UnsupportedValueError('a sortedMap() whose entries are not an array cannot be stored', path);
    const keys: Uint8Array[] = [];
    const items: unknown[] = [];
    for (const entry of entries as unknown[]) {
      if (!Array.isArray(entry)) throw new UnsupportedValueError(`a sortedMap() entry is ${describe(entry)}, not a [key, value] pair`, path);
      const key: unknown = entry[0];
      const item: unknown = entry[1];
      keys.push(sortedKeyOf(key, [...path, key]));
      items.push(this.prepare(item, path, key));
    }
    return new Snapshot(SnapshotKind.SORTED_MAP, keys, items, this.views);
  }

  private sortedSet(value: SortedSetValue, path: ReadonlyArray<unknown>): Snapshot {
    const members: unknown = value.members;
    if (!Array.isArray(members)) throw new UnsupportedValueError('a sortedSet() whose members are not an array cannot be stored', path);
    const keys = (members as unknown[]).map((member) => sortedKeyOf(member, [...path, member]));
    return new Snapshot(SnapshotKind.SORTED_SET, keys, EMPTY_ITEMS, false);
  }

  private set(members: Iterable<unknown>, path: ReadonlyArray<unknown>): Snapshot {
    const keys: Array<string | TaggedKey> = [];
    for (const member of members) {
      const encoded = encodeKey(member, [...path, member]);
      keys.push(encoded);
    }
    return new Snapshot(SnapshotKind.SET, keys, EMPTY_ITEMS, false);
  }

  private plainObject(object: object, path: ReadonlyArray<unknown>): Snapshot {
    // Object.keys and an index, not Object.entries: on an object of 1M keys (a dictionary) entries took 3.2 s, this 0.9 s.
    // Object.keys makes a fresh array of strings, so it serves as the snapshot's keys.
    const keys = Object.keys(object);
    const items = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = (object as Record<string, unknown>)[key];
      // Left undefined in items: the writer leaves the key out, as JSON does.
      if (item === undefined) continue;
      if (hasLoneSurrogate(key)) checkWellFormed(key, [...path, key]);
      items[i] = this.prepare(item, path, key);
    }
    return new Snapshot(SnapshotKind.OBJECT, keys, items, this.views);
  }
}

/** A tagged key as text, to compare stored keys: its format tag and its bytes in hex. */
function storedKeyText(key: TaggedKey): string {
  return String.fromCharCode(...key.formatTag) + hexOf(key.bytes);
}

/** The largest length a JavaScript array can have. */
const ARRAY_LENGTH_MAX = 2 ** 32 - 1;

const EMPTY_ITEMS: readonly unknown[] = [];

/** The path of `step` inside `parent` (or `parent` itself for {@link HERE}). */
function at(parent: ReadonlyArray<unknown>, step: unknown): ReadonlyArray<unknown> {
  return step === HERE ? parent : [...parent, step];
}

/** Strings are stored as UTF-8, which has no form for a lone surrogate: refuse one rather than store U+FFFD. */
function checkWellFormed(text: string, path: ReadonlyArray<unknown>): void {
  if (hasLoneSurrogate(text)) throw new UnsupportedValueError('a string with a lone surrogate (half of a UTF-16 pair) has no UTF-8 form', path);
}

/** Structures read from a database carry this symbol: writing one is an O(1) pointer copy. */
export const VIEW_CURSOR = Symbol('stratadb.viewCursor');

/**
 * Views carry this too: writes a deep copy into a cursor of another database,
 * each structure of the same kind (a linked list stays linked, a counted map a Map).
 */
export const VIEW_COPY = Symbol('stratadb.viewCopy');

/** True for a view (MapView, ListView, SetView) of some database. */
export function isView(value: object): value is { [VIEW_CURSOR]: () => ReadCursor; [VIEW_COPY]: (target: WriteCursor) => void } {
  return VIEW_CURSOR in value;
}

/**
 * Writes a value that {@link prepareValue} returned into `cursor`, without
 * reading the original value again. A structure is written as a new one (the
 * slot's previous structure, if any, is not merged). A view of the same
 * database is written as a pointer copy; a view of another database as a copy
 * of its contents, each structure keeping its kind. The caller freezes the
 * transaction's data before the walk when the value holds views
 * ({@link holdsViews}): the copy then shares only blocks that the transaction's
 * later writes copy before changing, so neither place can change the other.
 * Freezing again after each copy would refuse the next write into the
 * structure being built.
 *
 * @param cursor - where to write
 * @param prepared - what {@link prepareValue} returned
 * @throws InvalidArgumentError when `prepared` did not come from {@link prepareValue}
 */
export function writeValue(cursor: WriteCursor, prepared: unknown): void {
  switch (typeof prepared) {
    case 'string':
      cursor.writeString(prepared);
      return;
    case 'number':
      if (Number.isSafeInteger(prepared) && !Object.is(prepared, -0)) cursor.writeInt(prepared);
      else cursor.writeFloat(prepared);
      return;
    case 'bigint':
      cursor.writeBytes(bigintBytes(prepared), TAG_BIGINT);
      return;
    case 'boolean':
      cursor.writeBytes(prepared ? TRUE_TEXT : FALSE_TEXT, TAG_BOOLEAN);
      return;
  }
  if (prepared === null) {
    cursor.writeNone();
    return;
  }
  if (prepared instanceof Uint8Array) {
    cursor.writeBytes(prepared, TAG_BYTES);
    return;
  }
  if (prepared instanceof Snapshot) {
    writeSnapshot(cursor, prepared);
    return;
  }
  if (prepared instanceof DateSnapshot) {
    cursor.writeBytes(encoder.encode(prepared.text), TAG_INSTANT);
    return;
  }
  if (prepared instanceof ViewSnapshot) {
    const source = prepared.source;
    if (source.ctx === cursor.ctx) {
      cursor.writeSlot(source);
      return;
    }
    // A view of another database: copy its contents, keeping each structure's kind (iteratively: any depth).
    try {
      prepared.view[VIEW_COPY](cursor);
    } catch (error) {
      // Part of the copy may be written by now, whatever the error's class (a walk over a list
      // that shares its blocks refuses with OutOfRangeError after a million items).
      if (typeof error === 'object' && error !== null) PART_WRITTEN.add(error);
      throw error;
    }
    return;
  }
  throw new InvalidArgumentError(`writeValue writes what prepareValue returned, got ${describe(prepared)}`);
}

/** Errors {@link writeValue} let through after part of its value was written (see {@link failedPartWay}). */
const PART_WRITTEN = new WeakSet<object>();

/**
 * True when `error` came out of {@link writeValue} after part of the value
 * was written, even when its class is one a write raises before writing
 * (Transaction.#write then breaks the transaction all the same).
 */
export function failedPartWay(error: unknown): boolean {
  return typeof error === 'object' && error !== null && PART_WRITTEN.has(error);
}

function writeSnapshot(cursor: WriteCursor, snapshot: Snapshot): void {
  // A new structure replaces whatever the slot held.
  cursor.writeNone();
  const items = snapshot.items;
  switch (snapshot.kind) {
    case SnapshotKind.ARRAY: {
      const list = cursor.arrayList();
      for (let i = 0; i < items.length; i++) writeValue(list.append(), items[i]);
      return;
    }
    case SnapshotKind.LINKED: {
      const list = cursor.linkedArrayList();
      for (let i = 0; i < items.length; i++) writeValue(list.append(), items[i]);
      return;
    }
    case SnapshotKind.MAP: {
      const keys = snapshot.keys as ReadonlyArray<string | TaggedKey>;
      const map = cursor.countedHashMap();
      for (let i = 0; i < keys.length; i++) writeValue(map.put(keys[i] as string | TaggedKey), items[i]);
      return;
    }
    case SnapshotKind.SET: {
      const keys = snapshot.keys as ReadonlyArray<string | TaggedKey>;
      const set = cursor.countedHashSet();
      for (let i = 0; i < keys.length; i++) set.add(keys[i] as string | TaggedKey);
      return;
    }
    case SnapshotKind.SORTED_MAP: {
      const keys = snapshot.keys as readonly Uint8Array[];
      const map = cursor.sortedMap();
      for (let i = 0; i < keys.length; i++) writeValue(map.put(keys[i] as Uint8Array), items[i]);
      return;
    }
    case SnapshotKind.SORTED_SET: {
      const keys = snapshot.keys as readonly Uint8Array[];
      const set = cursor.sortedSet();
      for (let i = 0; i < keys.length; i++) set.add(keys[i] as Uint8Array);
      return;
    }
    case SnapshotKind.OBJECT: {
      const keys = snapshot.keys as readonly string[];
      const map = cursor.hashMap();
      for (let i = 0; i < keys.length; i++) {
        const item = items[i];
        if (item !== undefined) writeValue(map.put(keys[i] as string), item);
      }
      return;
    }
  }
}

/**
 * A Map's entries, read once, each checked to be a [key, value] pair: a Map
 * subclass may iterate anything.
 *
 * @throws UnsupportedValueError naming the path when an entry is not a pair
 */
export function mapEntries(map: Map<unknown, unknown>, path: AnyPath): Array<[unknown, unknown]> {
  const pairs: Array<[unknown, unknown]> = [];
  for (const entry of map as Iterable<unknown>) {
    if (!Array.isArray(entry) || entry.length < 2) throw new UnsupportedValueError(`a Map whose iterator gave ${describe(entry)} instead of a [key, value] pair`, path);
    pairs.push([entry[0], entry[1]]);
  }
  return pairs;
}
