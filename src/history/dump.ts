// Dumps a database to the typed JSON of ../shared/fixtures/xitdb/README.md
// (`{"hash_id", "hash_size", "moments": [VALUE...]}`), so any file can be
// inspected and compared by other tools.

import { CorruptDatabaseError, InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { unfoldBudget } from '../core/unfold-budget.js';
import { requireOptions } from '../base/arguments.js';
import { hashIdName } from '../format/file-header.js';
import { Tag, tagName } from '../format/tags.js';
import { tagInfo, type StructureKind } from '../kinds/table.js';
import type { Engine } from './engine.js';
import { ReadCursor, wrongType } from '../cursor/read-cursor.js';
import { ValueWalk, type ValueVisitor } from './value-walk.js';
import { resolveMoment } from './moment-index.js';
import type { ProgressCallback } from './progress.js';
import { hexOf, printableText } from '../base/byte-text.js';

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
  /**
   * {@link dumpDatabase} and {@link dumpText}: dump only this moment (negative
   * from the end); `moments` then holds that one value. Ignored by a database
   * without history, which has one root.
   */
  moment?: number;
  /** Called after each moment dumped, with moments done and moments to dump. */
  onProgress?: ProgressCallback;
}

/**
 * Dumps every moment of a database. O(distinct records): a structure shared
 * between moments, or stored in several places of one, is walked once, and the
 * same DumpValue object stands for it at each place (treat the result as
 * read-only). Each moment's printed size is checked against `maxValues`.
 * No depth limit: the walk uses no recursion; but JSON.stringify does, so
 * print very deep data with {@link dumpText}.
 *
 * @param engine - an open database
 * @param options - `maxValues` per moment, one `moment` only, `onProgress`
 * @throws CorruptDatabaseError when the data is damaged (a structure that contains itself, or a sorted map's keys out of order, included)
 * @throws OutOfRangeError when a moment would print more than `maxValues` values, or `moment` is not in the history
 */
export function dumpDatabase(engine: Engine, options: DumpOptions = {}): DumpJson {
  requireOptions(options, 'dump');
  const dumper = new Dumper(maxValuesFor(engine.storage.size(), options));
  const moments: DumpValue[] = [];
  const onProgress = options.onProgress;
  if (engine.hasHistory) {
    const count = engine.momentCount;
    // resolveMoment refuses a moment that does not exist with OutOfRangeError.
    const first = options.moment === undefined ? 0 : resolveMoment(options.moment, count);
    const end = options.moment === undefined ? count : first + 1;
    for (let i = first; i < end; i++) {
      moments.push(dumper.dump(engine.moment(i)));
      onProgress?.(i + 1 - first, end - first);
    }
  } else if (engine.header.rootTag === Tag.HASH_MAP) {
    moments.push(dumper.dump(engine.rootMap()));
  }
  return { hash_id: hashIdName(engine.header.hashId), hash_size: engine.header.hashSize, moments };
}

/**
 * The dump as JSON text, indented by two spaces as `JSON.stringify(dump, null,
 * 2)` would print it, followed by a newline; written without recursion, so
 * data nested deeper than JSON.stringify can follow prints too (lines nested
 * deeper than 100 levels are indented as at that depth, so that the text stays
 * linear in the data). This is what `stratadb dump`
 * prints.
 *
 * @param engine - an open database
 * @param options - `maxValues` per moment
 * @throws as {@link dumpDatabase}; OutOfRangeError when the text would be longer than a string can hold
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
  if (given === undefined) return unfoldBudget(size);
  if (typeof given !== 'number' || !(given >= 1)) throw new InvalidArgumentError(`maxValues must be a number of at least 1, got ${String(given)}`);
  return given;
}

/**
 * A map, set or list being dumped: a map's entries by key text, a list's
 * items, a set's member keys or a sorted map's `[key text, value]` pairs, and
 * a counted one's stored count.
 */
interface DumpContainer {
  readonly out: Record<string, DumpValue> | DumpValue[] | string[] | Array<[string, DumpValue]>;
  /** The key order check of a sorted map or set; undefined for the other kinds. */
  readonly order: KeyOrder | undefined;
  readonly count: number;
}

/**
 * The dump as a visitor of the one value walk (value-walk.ts): the walk
 * dumps each structure (tag and record position) once and reuses its result
 * wherever it is met again, so the work is linear in the distinct records
 * however much they are shared, and counts the values each moment prints
 * against the budget.
 */
class Dumper implements ValueVisitor<DumpValue, DumpContainer, string | number, undefined> {
  private readonly walk: ValueWalk<DumpValue, DumpContainer, string | number, undefined>;

  constructor(maxValues: number) {
    this.walk = new ValueWalk(this, {
      maxValues,
      tooMany: (printed, position) =>
        new OutOfRangeError(
          `the value at ${position} would print ${printed > 1e15 ? 'more than 10^15' : printed} values, more than the ${maxValues} allowed (maxValues, --max-values): it stores shared structures many times over`,
        ),
    });
  }

  dump(root: ReadCursor): DumpValue {
    return this.walk.walk(root, undefined);
  }

  leaf(cursor: ReadCursor): DumpValue {
    return scalarJson(cursor, cursor.slot);
  }

  again(): void {}

  open(cursor: ReadCursor, kind: StructureKind): DumpContainer {
    const sorted = kind.family === 'sorted-map' || kind.family === 'sorted-set';
    return { out: kind.family === 'map' ? {} : [], order: sorted ? new KeyOrder() : undefined, count: kind.counted ? cursor.count() : 0 };
  }

  key(container: DumpContainer, key: ReadCursor): string | number {
    const order = container.order;
    if (order === undefined) return this.keyText(key);
    // A sorted map's entry: its pair, whose value comes with its child, filed by index (pairs keep key order).
    order.next(key);
    const pairs = container.out as Array<[string, DumpValue]>;
    pairs.push([this.keyText(key), null]);
    return pairs.length - 1;
  }

  member(container: DumpContainer, key: ReadCursor): void {
    container.order?.next(key);
    (container.out as string[]).push(this.keyText(key));
  }

  leafChild(container: DumpContainer, kind: StructureKind, key: string | number, child: ReadCursor): void {
    store(container.out, kind, key, scalarJson(child, child.slot));
  }

  hold(container: DumpContainer, kind: StructureKind, key: string | number): void {
    store(container.out, kind, key, null);
  }

  place(): undefined {
    return undefined;
  }

  put(container: DumpContainer, kind: StructureKind, key: string | number, value: DumpValue): void {
    store(container.out, kind, key, value);
  }

  close(container: DumpContainer, kind: StructureKind): DumpValue {
    // A hash set's members print sorted (a sorted set's print in key order, as stored).
    if (kind.family === 'set') (container.out as string[]).sort();
    return structureJson(kind, container.out, container.count);
  }

  /** A key as dump text (see {@link keyText}); a key that is a structure prints as its dump's JSON. */
  private keyText(key: ReadCursor): string {
    const text = keyText(key);
    if (text !== undefined) return text;
    // Only other writers or damage put a structure where a key belongs; its own keys may be structures again.
    return jsonText(this.walk.nested(key, undefined), false);
  }
}

/** Stores a map entry (by key text), a list item (by index) or a sorted map entry's value (by its pair's index). */
function store(out: DumpContainer['out'], kind: StructureKind, key: string | number, value: DumpValue): void {
  if (typeof key === 'number') {
    if (kind.family === 'sorted-map') ((out as Array<[string, DumpValue]>)[key] as [string, DumpValue])[1] = value;
    else (out as DumpValue[])[key] = value;
  }
  // defineProperty, not assignment: a key named "__proto__" must stay a key.
  else Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Checks that a sorted map's (or set's) keys ascend strictly, as its walk meets them. */
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
 * True for the key slots dumped by a nested walk: maps, sets and lists, and
 * the index blocks and kv pairs that damage or another writer put where a key
 * belongs (which the walk refuses).
 */
function isDeferred(tag: number): boolean {
  const role = tagInfo(tag)?.role;
  return role === 'structure' || role === 'internal';
}

/** A structure's dump: its entries, members or items under its FORMAT.md name, and a counted one's stored count. */
function structureJson(kind: StructureKind, out: DumpContainer['out'], count: number): DumpValue {
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
/**
 * Indentation stops growing at this depth: lines nested deeper are indented as
 * at this depth, so that the text of data nested n deep is O(n), not O(n²)
 * (a valid file of 100,000 nested maps printed 10^10 spaces, and failed with
 * a RangeError after seconds).
 */
export const INDENT_DEPTH_MAX = 100;

/**
 * The longest text a JavaScript string holds in V8 (2^29 − 24 UTF-16 units on
 * 64-bit); other engines may hold less, and their RangeError is caught too.
 */
const TEXT_LENGTH_MAX = 2 ** 29 - 24;

/**
 * JSON text of plain data (objects, arrays, strings, finite numbers, booleans,
 * null) as `JSON.stringify(root, null, 2)` prints it, written without
 * recursion, so that data nested deeper than JSON.stringify can follow prints
 * too; lines nested deeper than {@link INDENT_DEPTH_MAX} levels are indented as
 * at that depth. O(printed size).
 *
 * @throws OutOfRangeError when the text would be longer than a string can hold
 * @internal for the command line
 */
export function jsonText(root: unknown, indented = true): string {
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string): void => {
    length += text.length;
    if (length > TEXT_LENGTH_MAX) throw tooLong();
    parts.push(text);
  };
  // Work items: a value to print at a depth, or literal text.
  const work: Array<{ value: unknown; depth: number } | string> = [{ value: root, depth: 0 }];
  const newline = (depth: number): string => (indented ? `\n${'  '.repeat(Math.min(depth, INDENT_DEPTH_MAX))}` : '');
  const colon = indented ? ': ' : ':';
  while (work.length > 0) {
    const item = work.pop() as { value: unknown; depth: number } | string;
    if (typeof item === 'string') {
      emit(item);
      continue;
    }
    const { value, depth } = item;
    if (value === null || typeof value !== 'object') {
      emit(JSON.stringify(value));
      continue;
    }
    const isArray = Array.isArray(value);
    const keys = isArray ? undefined : Object.keys(value);
    const size = isArray ? (value as unknown[]).length : (keys as string[]).length;
    if (size === 0) {
      emit(isArray ? '[]' : '{}');
      continue;
    }
    emit(isArray ? '[' : '{');
    // Pushed in reverse, so that they pop in order.
    work.push(`${newline(depth)}${isArray ? ']' : '}'}`);
    for (let i = size - 1; i >= 0; i--) {
      const child = isArray ? (value as unknown[])[i] : (value as Record<string, unknown>)[(keys as string[])[i] as string];
      work.push({ value: child, depth: depth + 1 });
      work.push(`${i === 0 ? '' : ','}${newline(depth + 1)}${isArray ? '' : `${JSON.stringify((keys as string[])[i])}${colon}`}`);
    }
  }
  try {
    return parts.join('');
  } catch (error) {
    if (error instanceof RangeError) throw tooLong();
    throw error;
  }
}

function tooLong(): OutOfRangeError {
  return new OutOfRangeError('the JSON text would be longer than a JavaScript string can hold; print a smaller part');
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
function keyText(key: ReadCursor): string | undefined {
  // A kv pair holds the hash, then the key slot.
  if (key.isNone) return `#${hexOf(key.ctx.io.readBytes(key.slotPosition - key.ctx.io.hashSize, key.ctx.io.hashSize))}`;
  if (key.tag === Tag.BYTES || key.tag === Tag.SHORT_BYTES) {
    const { bytes, formatTag } = key.readTaggedBytes();
    const text = printableText(bytes);
    if (formatTag === undefined) {
      if (text === undefined) return `#x:${hexOf(bytes)}`;
      return text.startsWith('#') ? `#${text}` : text;
    }
    const tag = printableText(formatTag);
    const tagText = tag !== undefined && tag.length === 2 && !tag.includes('#') && !tag.includes(':') ? tag : `x${hexOf(formatTag)}`;
    return text === undefined ? `#${tagText}#x:${hexOf(bytes)}` : `#${tagText}:${text}`;
  }
  if (isDeferred(key.tag)) return undefined;
  return jsonText(scalarJson(key, key.slot), false);
}

/**
 * A map key or set member as the dump prints it (see the forms above), for
 * tools that name keys the way the dump does (`stratadb diff --json`).
 *
 * @param key - the key slot's cursor
 * @param hash - the key's full hash, printed when no key bytes are stored
 * @returns the key's text; a key that is itself a structure (only damage or another writer makes one) as `#` and its tag name
 */
export function dumpKeyText(key: ReadCursor, hash: Uint8Array): string {
  if (key.isNone) return `#${hexOf(hash)}`;
  return keyText(key) ?? `#${tagInfo(key.tag)?.name ?? key.tag}`;
}

/** The bytes as text when they are UTF-8 without a 0x00 byte, else undefined. */
function bytesJson(bytes: Uint8Array): { bytes: string } | { hex: string } {
  const text = printableText(bytes);
  return text === undefined ? { hex: hexOf(bytes) } : { bytes: text };
}

function textOrHex(bytes: Uint8Array): string {
  return printableText(bytes) ?? hexOf(bytes);
}
