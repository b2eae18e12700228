// JavaScript values <-> slots (FORMAT.md §Values): which JS value becomes which
// tag and format tag, and back. Structures are written through cursors;
// scalars become slots directly.

import { isImmutable, isList, isMap, isOrderedMap, isOrderedSet, isSet, isStack } from 'immutable';
import { hasLoneSurrogate, type TaggedKey } from '../cursor/keys.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import { Tag } from '../format/tags.js';
import { UnsupportedValueError, formatPath } from './errors.js';
import { HashCollisionError, WrongTypeError } from '../errors.js';
import { TAG_BIGINT, TAG_BOOLEAN, TAG_BYTES, TAG_INSTANT, TAG_NULL, TAG_NUMBER, sameTag } from './format-tags.js';
import { describe } from '../core/arguments.js';
import { readAsciiValue } from '../core/bytes-values.js';

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

  /** @param items - the items, in order */
  constructor(items: Iterable<T>) {
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
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += HEX_BYTES[bytes[i] as number] as string;
  return BigInt.asIntN(bytes.length * 8, BigInt(`0x${text}`));
}

/** The two hex digits of every byte value. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

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
      if (key instanceof Uint8Array) return { bytes: key, formatTag: TAG_BYTES };
      if (key instanceof Date) return { bytes: encoder.encode(dateText(key, path)), formatTag: TAG_INSTANT };
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
 * The string a tagged key's hash input spells: its format tag followed by its
 * bytes, read as UTF-8, or undefined when that is not UTF-8 (then no string key
 * can share its hash). `null` (tag "nl", no bytes) spells "nl"; the number 1
 * (tag "nu", bytes "1") spells "nu1".
 */
export function taggedKeySpelling(key: TaggedKey): string | undefined {
  const input = new Uint8Array(key.formatTag.length + key.bytes.length);
  input.set(key.formatTag, 0);
  input.set(key.bytes, key.formatTag.length);
  try {
    return decoder.decode(input);
  } catch {
    return undefined;
  }
}

/**
 * The keys of one new map or set, checked before anything is written for the
 * one way two of them can share a hash in this format (FORMAT.md §Key
 * identity): a tagged key hashes as its tag followed by its bytes, which may be
 * the UTF-8 of a string key in the same map. Written anyway, the second of the
 * two would fail with HashCollisionError halfway through the write. Keys with
 * different tags, or two strings, never share their hash input.
 */
export class KeySpellings {
  private readonly strings: string[] = [];
  private spelled: Map<string, unknown> | undefined;

  add(key: unknown, encoded: string | TaggedKey): void {
    if (typeof encoded === 'string') {
      this.strings.push(encoded);
      return;
    }
    const spelling = taggedKeySpelling(encoded);
    if (spelling !== undefined) (this.spelled ??= new Map()).set(spelling, key);
  }

  check(path: ReadonlyArray<unknown>): void {
    const spelled = this.spelled;
    if (spelled === undefined) return;
    for (const text of this.strings) {
      if (spelled.has(text)) throw new HashCollisionError(collisionMessage(text, spelled.get(text), path));
    }
  }
}

/** What HashCollisionError says of a string key and the tagged key that spells it. */
export function collisionMessage(text: string, tagged: unknown, path: ReadonlyArray<unknown>): string {
  return `the keys ${JSON.stringify(text)} and ${typeof tagged === 'string' ? tagged : describeKey(tagged)} in ${formatPath(path)} have the same hash in this format (a tagged key hashes as its tag followed by its bytes), so one map or set cannot hold both; nothing was written`;
}

function describeKey(key: unknown): string {
  if (key === null) return 'null';
  if (key instanceof Date) return `the Date ${key.toISOString()}`;
  if (key instanceof Uint8Array) return `a Uint8Array of ${key.length} bytes`;
  if (typeof key === 'bigint') return `${key}n`;
  return `the ${typeof key} ${String(key)}`;
}

/** The structure kind a JS value becomes, or 'scalar'. */
export type ValueKind = 'scalar' | 'object' | 'map' | 'set' | 'array' | 'linked';

/** How deep values may nest: deeper ones are refused before the recursion of a write could exhaust the stack. */
export const MAX_VALUE_DEPTH = 500;

/**
 * Checks a whole value before anything is written: every part must map to the
 * format (see the README's table), with no cycle, no undefined list item (holes
 * of sparse arrays included) and at most {@link MAX_VALUE_DEPTH} levels.
 *
 * @returns true when the value holds a view of some database somewhere (writing it makes a pointer copy)
 * @throws UnsupportedValueError naming the path of the first problem
 */
export function validateValue(value: unknown, path: unknown[], seen: Set<object> = new Set()): boolean {
  switch (typeof value) {
    case 'string':
      checkWellFormed(value, path);
      return false;
    case 'number':
    case 'bigint':
    case 'boolean':
      return false;
    case 'undefined':
      throw new UnsupportedValueError('undefined cannot be stored (use null, or leave the key out)', path);
    case 'function':
    case 'symbol':
      throw new UnsupportedValueError(`a ${typeof value} cannot be stored`, path);
  }
  if (value === null || value instanceof Uint8Array) return false;
  if (value instanceof Date) {
    dateText(value, path);
    return false;
  }
  const object = value as object;
  if (isView(object)) {
    // A view from a transaction that has ended refuses here, before anything is written.
    object[VIEW_CURSOR]();
    return true;
  }
  if (seen.has(object)) throw new UnsupportedValueError('the value contains itself (a cycle)', path);
  if (seen.size >= MAX_VALUE_DEPTH) throw new UnsupportedValueError(`the value nests deeper than ${MAX_VALUE_DEPTH} levels`, path);
  seen.add(object);
  let views = false;
  try {
    if (Array.isArray(object)) {
      // An index loop, not forEach: forEach skips the holes of a sparse array, which read as undefined.
      for (let index = 0; index < object.length; index++) views = validateValue(object[index], [...path, index], seen) || views;
    } else if (object instanceof LinkedListValue) {
      for (let index = 0; index < object.items.length; index++) views = validateValue(object.items[index], [...path, index], seen) || views;
    } else if (object instanceof Map) {
      const spellings = new KeySpellings();
      for (const [key, item] of object) {
        spellings.add(key, encodeKey(key, [...path, key]));
        views = validateValue(item, [...path, key], seen) || views;
      }
      spellings.check(path);
    } else if (object instanceof Set) {
      const spellings = new KeySpellings();
      for (const member of object) spellings.add(member, encodeKey(member, [...path, member]));
      spellings.check(path);
    } else if (isImmutable(object)) {
      views = validateImmutable(object, path, seen);
    } else if (isPlainObject(object)) {
      // Object.keys and an index, not Object.entries: on an object of 1M keys (a dictionary) entries took 3.2 s, this 0.9 s.
      const keys = Object.keys(object);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const item = (object as Record<string, unknown>)[key];
        if (item === undefined) continue;
        checkWellFormed(key, [...path, key]);
        views = validateValue(item, [...path, key], seen) || views;
      }
    } else {
      throw new UnsupportedValueError(`a ${describe(object)} instance has no mapping to the format (store a plain object, array, Map or Set)`, path);
    }
  } finally {
    seen.delete(object);
  }
  return views;
}

function validateImmutable(value: unknown, path: unknown[], seen: Set<object>): boolean {
  let views = false;
  if (isMap(value) || isOrderedMap(value)) {
    const spellings = new KeySpellings();
    for (const [key, item] of value as Iterable<[unknown, unknown]>) {
      spellings.add(key, encodeKey(key, [...path, key]));
      views = validateValue(item, [...path, key], seen) || views;
    }
    spellings.check(path);
  } else if (isSet(value) || isOrderedSet(value)) {
    const spellings = new KeySpellings();
    for (const member of value as Iterable<unknown>) spellings.add(member, encodeKey(member, [...path, member]));
    spellings.check(path);
  } else if (isList(value) || isStack(value)) {
    let index = 0;
    for (const item of value as Iterable<unknown>) views = validateValue(item, [...path, index++], seen) || views;
  } else {
    throw new UnsupportedValueError(`this immutable.js collection has no mapping (use Map, List, Set, OrderedMap, OrderedSet or Stack)`, path);
  }
  return views;
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
 * Writes a validated value into `cursor`. A structure is written as a new one
 * (the slot's previous structure, if any, is not merged). A view of the same
 * database is written as a pointer copy. The caller freezes the transaction's
 * data before the walk when the value holds views (validateValue says so): the
 * copy then shares only blocks that the transaction's later writes copy before
 * changing, so neither place can change the other. Freezing again after each
 * copy would refuse the next write into the structure being built.
 */
export function writeValue(cursor: WriteCursor, value: unknown): void {
  switch (typeof value) {
    case 'string':
      cursor.writeString(value);
      return;
    case 'number':
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) cursor.writeInt(value);
      else cursor.writeFloat(value);
      return;
    case 'bigint':
      cursor.writeBytes(bigintBytes(value), TAG_BIGINT);
      return;
    case 'boolean':
      cursor.writeBytes(value ? TRUE_TEXT : FALSE_TEXT, TAG_BOOLEAN);
      return;
  }
  if (value === null) {
    cursor.writeNone();
    return;
  }
  if (value instanceof Uint8Array) {
    cursor.writeBytes(value, TAG_BYTES);
    return;
  }
  if (value instanceof Date) {
    cursor.writeBytes(encoder.encode(value.toISOString()), TAG_INSTANT);
    return;
  }
  const object = value as object;
  if (isView(object)) {
    const source = object[VIEW_CURSOR]();
    if (source.ctx === cursor.ctx) {
      cursor.writeSlot(source.slot);
      return;
    }
    // A view of another database: copy its contents, keeping each structure's kind (iteratively: any depth).
    object[VIEW_COPY](cursor);
    return;
  }
  // A new structure replaces whatever the slot held.
  cursor.writeNone();
  if (Array.isArray(object)) {
    const list = cursor.arrayList();
    for (const item of object as unknown[]) writeValue(list.append(), item);
  } else if (object instanceof LinkedListValue) {
    const list = cursor.linkedArrayList();
    for (const item of object.items) writeValue(list.append(), item);
  } else if (object instanceof Map || isMap(object) || isOrderedMap(object)) {
    const map = cursor.countedHashMap();
    for (const [key, item] of object as Iterable<[unknown, unknown]>) writeValue(map.put(encodeKey(key, [])), item);
  } else if (object instanceof Set || isSet(object) || isOrderedSet(object)) {
    const set = cursor.countedHashSet();
    for (const member of object as Iterable<unknown>) set.add(encodeKey(member, []));
  } else if (isList(object) || isStack(object)) {
    const list = cursor.arrayList();
    for (const item of object as Iterable<unknown>) writeValue(list.append(), item);
  } else {
    const map = cursor.hashMap();
    const keys = Object.keys(object);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = (object as Record<string, unknown>)[key];
      if (item !== undefined) writeValue(map.put(key), item);
    }
  }
}
