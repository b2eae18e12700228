// Dumps a database to the typed JSON of ../shared/fixtures/xitdb/README.md
// (`{"hash_id", "hash_size", "moments": [VALUE...]}`), so any file can be
// inspected and compared by other tools.

import { CorruptDatabaseError, InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import { requireOptions } from '../base/arguments.js';
import { hashIdName } from '../format/file-header.js';
import { Tag, tagName } from '../format/tags.js';
import { structureKind, tagInfo, type StructureKind } from '../kinds/table.js';
import type { Engine } from './engine.js';
import { ReadCursor, ReadHashMap, wrongType } from '../cursor/read-cursor.js';

/** One value in the typed JSON dump (see the fixtures README). */
export type DumpValue =
  | null
  | {
      /** Bytes that are UTF-8 text with no 0x00. */
      bytes: string;
      /** The 2-byte format tag, when there is one. */
      format?: string;
    }
  | {
      /** Any other bytes, as lowercase hex. */
      hex: string;
      /** The 2-byte format tag, when there is one. */
      format?: string;
    }
  | {
      /** An unsigned 64-bit integer in decimal. */
      uint: string;
    }
  | {
      /** A signed 64-bit integer in decimal. */
      int: string;
    }
  | {
      /** A float; NaN, the infinities and -0 as strings. */
      float: number | string;
    }
  | {
      /** Array list items in order. */
      array_list: DumpValue[];
    }
  | {
      /** Linked list items in order. */
      linked_array_list: DumpValue[];
    }
  | {
      /** Entries by key text: see the README's dump keys (`#tag:text` for a key with a format tag, `#x:hex` for bytes that are not text, `##...` for text that starts with `#`, `#hash` in hex when no key bytes are stored). */
      hash_map: Record<string, DumpValue>;
    }
  | {
      /** Entries by key text (as for `hash_map`). */
      counted_hash_map: Record<string, DumpValue>;
      /** The stored count. */
      count: number;
    }
  | {
      /** Member keys, sorted. */
      hash_set: string[];
    }
  | {
      /** Member keys, sorted. */
      counted_hash_set: string[];
      /** The stored count. */
      count: number;
    }
  | {
      /** Entries in key order, as `[key text, value]` (key text as for `hash_map`). */
      sorted_map: Array<[string, DumpValue]>;
    }
  | {
      /** Member keys in key order. */
      sorted_set: string[];
    };

/** A whole database in typed JSON. */
export interface DumpJson {
  /** The header's hash id as text (`sha1`), or hex when it is not four letters. */
  hash_id: string;
  /** Bytes per hash. */
  hash_size: number;
  /** One value per moment, oldest first (one value, the root map, for a database without history). */
  moments: DumpValue[];
}

/** Options for {@link dumpDatabase}, {@link dumpText} and {@link dumpValue}. */
export interface DumpOptions {
  /**
   * The most values one moment may print (every scalar, structure and set
   * member counts one). Default: two per slot the file can hold, and at least
   * a million. A moment without shared structures prints at most one value per
   * slot of the file, so the default never refuses it; a structure stored in
   * several places (a clone, a view stored twice) prints in full at each, and
   * a small file whose structures share each other level after level would
   * print more values than there are atoms: such a moment is refused with
   * OutOfRangeError instead of taking the machine's memory.
   */
  maxValues?: number;
}

/** Values a moment may always print, whatever the file's size. */
const VALUES_FLOOR = 1_000_000;
/** Values per slot of the file a moment may print by default (see {@link DumpOptions.maxValues}). */
const VALUES_PER_SLOT = 2;
/** Keys that are themselves structures (only other writers or damage make them) nest at most this deep. */
const KEY_NESTING_MAX = 16;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Dumps every moment of a database. O(distinct records): a structure shared
 * between moments, or stored in several places of one, is walked once, and the
 * same DumpValue object stands for it at each place (treat the result as
 * read-only). Each moment's printed size is checked against `maxValues`.
 * No depth limit: the walk uses no recursion; but JSON.stringify does, so
 * print very deep data with {@link dumpText}.
 *
 * @param engine - an open database
 * @param options - `maxValues` per moment
 * @throws CorruptDatabaseError when the data is damaged (a structure that contains itself included)
 * @throws IncompatibleDatabaseError for a gen-2 structure (sorted map or set, B-tree list)
 * @throws OutOfRangeError when a moment would print more than `maxValues` values
 */
export function dumpDatabase(engine: Engine, options: DumpOptions = {}): DumpJson {
  requireOptions(options, 'dump');
  const dumper = new Dumper(maxValuesFor(engine.storage.size(), options));
  const moments: DumpValue[] = [];
  if (engine.hasHistory) {
    const count = engine.momentCount();
    for (let i = 0; i < count; i++) moments.push(dumper.dump(engine.moment(i)));
  } else if (engine.header.rootTag === Tag.HASH_MAP) {
    moments.push(dumper.dump(engine.rootMap()));
  }
  return { hash_id: hashIdName(engine.header.hashId), hash_size: engine.header.hashSize, moments };
}

/**
 * The dump as JSON text, indented by two spaces as `JSON.stringify(dump, null,
 * 2)` would print it, followed by a newline; written without recursion, so
 * data nested deeper than JSON.stringify can follow prints too. This is what
 * `stratadb dump` prints.
 *
 * @param engine - an open database
 * @param options - `maxValues` per moment
 * @throws as {@link dumpDatabase}
 */
export function dumpText(engine: Engine, options: DumpOptions = {}): string {
  return `${jsonText(dumpDatabase(engine, options))}\n`;
}

/**
 * Dumps the value a cursor is on, as {@link dumpDatabase} dumps a moment.
 *
 * @param cursor - any read cursor
 * @param options - `maxValues` (default: as for the whole database)
 * @throws as {@link dumpDatabase}
 */
export function dumpValue(cursor: ReadCursor, options: DumpOptions = {}): DumpValue {
  requireOptions(options, 'dump');
  return new Dumper(maxValuesFor(cursor.ctx.io.storage.size(), options)).dump(cursor);
}

function maxValuesFor(size: number, options: DumpOptions): number {
  const given = options.maxValues;
  if (given === undefined) return Math.max(VALUES_FLOOR, VALUES_PER_SLOT * Math.ceil(size / SLOT_SIZE));
  if (typeof given !== 'number' || !(given >= 1)) throw new InvalidArgumentError(`maxValues must be a number of at least 1, got ${String(given)}`);
  return given;
}

/** A dumped structure and how many values it prints (itself and everything below it, shared parts at each place). */
interface Dumped {
  readonly value: DumpValue;
  readonly printed: number;
}

/** A map or list being dumped; children that are structures wait in `keys` and `cursors`. */
interface DumpFrame {
  readonly tag: number;
  readonly position: number;
  readonly slotPosition: number;
  /** A map's entries by key text, a list's items, or a sorted map's `[key, value]` pairs. */
  readonly out: Record<string, DumpValue> | DumpValue[] | Array<[string, DumpValue]>;
  readonly keys: Array<string | number>;
  readonly cursors: ReadCursor[];
  next: number;
  printed: number;
  /** The stored count of a counted map. */
  readonly count: number;
}

/** Marks a structure being dumped: meeting it below itself is a cycle. */
const DUMPING: Dumped = { value: null, printed: 0 };

/**
 * The dump walk: depth first from an explicit stack, each structure (tag and
 * record position) dumped once and its result reused wherever it is met
 * again, so the work is linear in the distinct records however much they are
 * shared; the printed size is added up on the way and checked against the budget.
 */
class Dumper {
  private readonly maxValues: number;
  private readonly done: Array<Map<number, Dumped> | undefined> = [];
  private keyNesting = 0;

  constructor(maxValues: number) {
    this.maxValues = maxValues;
  }

  dump(root: ReadCursor): DumpValue {
    const first = this.enter(root);
    if (first !== undefined) return this.checked(first, root.slotPosition).value;
    const stack: DumpFrame[] = [this.frames.pop() as DumpFrame];
    let result: Dumped = DUMPING;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as DumpFrame;
      if (frame.next < frame.cursors.length) {
        const index = frame.next++;
        const child = this.enter(frame.cursors[index] as ReadCursor);
        if (child === undefined) stack.push(this.frames.pop() as DumpFrame);
        else this.put(frame, frame.keys[index] as string | number, child);
        continue;
      }
      stack.pop();
      const dumped = this.checked({ value: this.close(frame), printed: frame.printed }, frame.slotPosition);
      this.memo(frame.tag).set(frame.position, dumped);
      const parent = stack[stack.length - 1];
      if (parent === undefined) result = dumped;
      else this.put(parent, parent.keys[parent.next - 1] as string | number, dumped);
    }
    return result.value;
  }

  /** The frame `enter` made, handed to `dump` (kept apart so that enter can return one thing). */
  private readonly frames: DumpFrame[] = [];

  private checked(dumped: Dumped, position: number): Dumped {
    if (dumped.printed > this.maxValues) {
      throw new OutOfRangeError(
        `the value at ${position} would print ${dumped.printed > 1e15 ? 'more than 10^15' : dumped.printed} values, more than the ${this.maxValues} allowed (maxValues, --max-values): it stores shared structures many times over`,
      );
    }
    return dumped;
  }

  private memo(tag: number): Map<number, Dumped> {
    let memo = this.done[tag];
    if (memo === undefined) {
      memo = new Map();
      this.done[tag] = memo;
    }
    return memo;
  }

  private put(frame: DumpFrame, key: string | number, child: Dumped): void {
    frame.printed += child.printed;
    if (frame.printed > this.maxValues) this.checked({ value: null, printed: frame.printed }, frame.slotPosition);
    if (typeof key === 'number') {
      if (frame.tag === Tag.SORTED_MAP) ((frame.out as Array<[string, DumpValue]>)[key] as [string, DumpValue])[1] = child.value;
      else (frame.out as DumpValue[])[key] = child.value;
    }
    // defineProperty, not assignment: a key named "__proto__" must stay a key.
    else Object.defineProperty(frame.out, key, { value: child.value, enumerable: true, writable: true, configurable: true });
  }

  private close(frame: DumpFrame): DumpValue {
    return structureJson(structureKind(frame.tag) as StructureKind, frame.out, frame.count);
  }


  /**
   * The dump of a value, or undefined after leaving in `frames` the frame of a
   * map or list whose children are still to walk.
   */
  private enter(cursor: ReadCursor): Dumped | undefined {
    const slot = cursor.slot;
    const tag = slot.tag;
    if (!isDeferred(tag)) return { value: scalarJson(cursor, slot), printed: 1 };
    const memo = this.memo(tag);
    const position = slot.position;
    const known = memo.get(position);
    if (known === DUMPING) throw new CorruptDatabaseError('a value contains itself (a cycle between records)', cursor.slotPosition);
    if (known !== undefined) return known;
    const kind = structureKind(tag);
    switch (kind?.family) {
      case 'set': {
        memo.set(position, DUMPING);
        const set = cursor.asHashSet();
        const keys: string[] = [];
        // A set is a map whose values are empty; its entries carry the hashes that unnamed keys need.
        for (const entry of new ReadHashMap(cursor.ctx, slot, cursor.slotPosition).entries()) keys.push(this.keyText(entry.key, entry.hash));
        keys.sort();
        const value = structureJson(kind as StructureKind, keys, set.count());
        const dumped = this.checked({ value, printed: 1 + keys.length }, cursor.slotPosition);
        memo.set(position, dumped);
        return dumped;
      }
      case 'map': {
        const map = cursor.asHashMap();
        memo.set(position, DUMPING);
        const frame = this.frame(cursor, tag, {}, kind?.counted === true ? map.count() : 0);
        for (const entry of map.entries()) this.child(frame, this.keyText(entry.key, entry.hash), entry.value);
        this.frames.push(frame);
        return undefined;
      }
      case 'sorted-set': {
        memo.set(position, DUMPING);
        const keys: string[] = [];
        const order = new KeyOrder();
        for (const key of cursor.asSortedSet().keys()) {
          order.next(key);
          keys.push(this.keyText(key, NO_HASH));
        }
        const dumped = this.checked({ value: structureJson(kind as StructureKind, keys, 0), printed: 1 + keys.length }, cursor.slotPosition);
        memo.set(position, dumped);
        return dumped;
      }
      case 'sorted-map': {
        memo.set(position, DUMPING);
        const pairs: Array<[string, DumpValue]> = [];
        const frame = this.frame(cursor, tag, pairs, 0);
        const order = new KeyOrder();
        let index = 0;
        for (const entry of cursor.asSortedMap().entries()) {
          order.next(entry.key);
          pairs.push([this.keyText(entry.key, NO_HASH), null]);
          this.child(frame, index++, entry.value);
        }
        this.frames.push(frame);
        return undefined;
      }
      case 'list': {
        const list = tag === Tag.ARRAY_LIST ? cursor.asArrayList() : cursor.asLinkedArrayList();
        memo.set(position, DUMPING);
        const frame = this.frame(cursor, tag, [], 0);
        let index = 0;
        for (const item of list) this.child(frame, index++, item);
        this.frames.push(frame);
        return undefined;
      }
      default:
        // An index block or kv pair where a value belongs.
        throw wrongType('a value', tag, cursor.slotPosition);
    }
  }

  private frame(cursor: ReadCursor, tag: number, out: DumpFrame['out'], count: number): DumpFrame {
    return { tag, position: cursor.slot.position, slotPosition: cursor.slotPosition, out, keys: [], cursors: [], next: 0, printed: 1, count };
  }

  /** Adds a scalar child at once; a structure is stored as null to keep its place and walked later. */
  private child(frame: DumpFrame, key: string | number, cursor: ReadCursor): void {
    if (isDeferred(cursor.tag)) {
      this.put(frame, key, { value: null, printed: 0 });
      frame.keys.push(key);
      frame.cursors.push(cursor);
    } else {
      this.put(frame, key, { value: scalarJson(cursor, cursor.slot), printed: 1 });
    }
  }

  /** A key as dump text (see {@link keyText}); a key that is a structure prints as its dump's JSON. */
  private keyText(key: ReadCursor, hash: Uint8Array): string {
    const text = keyText(key, hash);
    if (text !== undefined) return text;
    // Only other writers or damage put a structure where a key belongs; its own keys may be structures again.
    if (this.keyNesting >= KEY_NESTING_MAX) throw new CorruptDatabaseError(`keys that are structures nest more than ${KEY_NESTING_MAX} deep`, key.slotPosition);
    this.keyNesting++;
    try {
      return jsonText(this.dump(key), false);
    } finally {
      this.keyNesting--;
    }
  }
}

/** Sorted map keys carry no hash (FORMAT.md §Sorted maps): a key slot is never empty there. */
const NO_HASH = new Uint8Array(0);

/** Checks that a sorted map's keys ascend strictly, as its walk meets them. */
class KeyOrder {
  private last: Uint8Array | undefined = undefined;

  next(key: ReadCursor): void {
    if (key.tag !== Tag.BYTES && key.tag !== Tag.SHORT_BYTES) throw new CorruptDatabaseError(`a sorted map key is a ${tagName(key.tag)}, not bytes`, key.slotPosition);
    const bytes = key.readBytes();
    const last = this.last;
    if (last !== undefined) {
      const shared = Math.min(last.length, bytes.length);
      let diff = 0;
      for (let i = 0; i < shared && diff === 0; i++) diff = (last[i] as number) - (bytes[i] as number);
      if (diff === 0) diff = last.length - bytes.length;
      if (diff >= 0) throw new CorruptDatabaseError('a sorted map\'s keys are out of order', key.slotPosition);
    }
    this.last = bytes;
  }
}

/**
 * True for the slots dumped as structures, after their siblings: maps, sets and
 * lists, and the index blocks and kv pairs that damage or another writer put
 * where a value belongs (refused when their turn comes).
 */
function isDeferred(tag: number): boolean {
  const role = tagInfo(tag)?.role;
  return role === 'structure' || role === 'internal';
}

/** A structure's dump: its entries, members or items under its FORMAT.md name, and a counted one's stored count. */
function structureJson(kind: StructureKind, out: DumpFrame['out'] | string[], count: number): DumpValue {
  const value: Record<string, unknown> = { [kind.name]: out };
  if (kind.counted) value.count = count;
  return value as DumpValue;
}

/** The dump of a slot that is no map, set or list. */
function scalarJson(cursor: ReadCursor, slot: ReadCursor['slot']): DumpValue {
  switch (slot.tag) {
    case Tag.NONE:
      return null;
    case Tag.UINT:
      return { uint: cursor.readUint().toString() };
    case Tag.INT:
      return { int: cursor.readInt().toString() };
    case Tag.FLOAT: {
      const value = cursor.readFloat();
      // JSON has no NaN, infinities or -0 (JSON.stringify(-0) is "0"): those as strings.
      if (Object.is(value, -0)) return { float: '-0' };
      return { float: Number.isFinite(value) ? value : String(value) };
    }
    case Tag.BYTES:
    case Tag.SHORT_BYTES: {
      const { bytes, formatTag } = cursor.readTaggedBytes();
      const value = bytesJson(bytes);
      if (formatTag !== undefined) return { ...value, format: textOrHex(formatTag) };
      return value;
    }
    default:
      throw wrongType('a value', slot.tag, cursor.slotPosition);
  }
}

/**
 * JSON text of a dump without recursion: indented by two spaces as
 * `JSON.stringify(value, null, 2)` prints it, or compact.
 */
function jsonText(root: unknown, indented = true): string {
  const parts: string[] = [];
  // Work items: a value to print at a depth, or literal text.
  const work: Array<{ value: unknown; depth: number } | string> = [{ value: root, depth: 0 }];
  const newline = (depth: number): string => (indented ? `\n${'  '.repeat(depth)}` : '');
  const colon = indented ? ': ' : ':';
  while (work.length > 0) {
    const item = work.pop() as { value: unknown; depth: number } | string;
    if (typeof item === 'string') {
      parts.push(item);
      continue;
    }
    const { value, depth } = item;
    if (value === null || typeof value !== 'object') {
      parts.push(JSON.stringify(value));
      continue;
    }
    const isArray = Array.isArray(value);
    const keys = isArray ? undefined : Object.keys(value);
    const length = isArray ? (value as unknown[]).length : (keys as string[]).length;
    if (length === 0) {
      parts.push(isArray ? '[]' : '{}');
      continue;
    }
    parts.push(isArray ? '[' : '{');
    // Pushed in reverse, so that they pop in order.
    work.push(`${newline(depth)}${isArray ? ']' : '}'}`);
    for (let i = length - 1; i >= 0; i--) {
      const child = isArray ? (value as unknown[])[i] : (value as Record<string, unknown>)[(keys as string[])[i] as string];
      work.push({ value: child, depth: depth + 1 });
      work.push(`${i === 0 ? '' : ','}${newline(depth + 1)}${isArray ? '' : `${JSON.stringify((keys as string[])[i])}${colon}`}`);
    }
  }
  return parts.join('');
}

/**
 * A key as dump text, one text per key, so that no two keys of a map merge:
 * - text (UTF-8 without a 0x00 byte) as it is, or with one more `#` in front
 *   when it starts with `#`;
 * - other bytes as `#x:` and their hex;
 * - a key with a format tag as `#tag:text`, or `#tag#x:hex` when its bytes are
 *   not text (the string "1" and the number 1, tag `nu`, stay two keys); a tag
 *   that is not two characters other than `#` and `:` shows as `x` and its hex;
 * - a key slot left empty by another implementation as `#` and the hash in hex.
 * Every form but plain text starts with `#`, and the characters after it tell
 * the forms apart.
 */
function keyText(key: ReadCursor, hash: Uint8Array): string | undefined {
  if (key.isNone) return `#${toHex(hash)}`;
  if (key.tag === Tag.BYTES || key.tag === Tag.SHORT_BYTES) {
    const { bytes, formatTag } = key.readTaggedBytes();
    const text = printable(bytes);
    if (formatTag === undefined) {
      if (text === undefined) return `#x:${toHex(bytes)}`;
      return text.startsWith('#') ? `#${text}` : text;
    }
    const tag = printable(formatTag);
    const tagText = tag !== undefined && tag.length === 2 && !tag.includes('#') && !tag.includes(':') ? tag : `x${toHex(formatTag)}`;
    return text === undefined ? `#${tagText}#x:${toHex(bytes)}` : `#${tagText}:${text}`;
  }
  if (isDeferred(key.tag)) return undefined;
  return jsonText(scalarJson(key, key.slot), false);
}

/** The bytes as text when they are UTF-8 without a 0x00 byte, else undefined. */
function printable(bytes: Uint8Array): string | undefined {
  if (bytes.indexOf(0) !== -1) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function bytesJson(bytes: Uint8Array): { bytes: string } | { hex: string } {
  const text = printable(bytes);
  return text === undefined ? { hex: toHex(bytes) } : { bytes: text };
}

function textOrHex(bytes: Uint8Array): string {
  return printable(bytes) ?? toHex(bytes);
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
