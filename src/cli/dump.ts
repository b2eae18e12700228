// Dumps a database to the typed JSON of ../shared/fixtures/xitdb/README.md
// (`{"hash_id", "hash_size", "moments": [VALUE...]}`), so any file can be
// inspected and compared by other tools.

import { CorruptDatabaseError } from '../errors.js';
import { hashIdName } from '../format/file-header.js';
import { Tag, isPointerTag } from '../format/tags.js';
import type { Engine } from '../history/engine.js';
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

/** Nesting deeper than this is refused as damage (FORMAT.md §Limits; each level costs several stack frames). */
const MAX_NESTING = 1000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Dumps every moment of a database. O(size of all moments).
 *
 * @param engine - an open database
 * @throws CorruptDatabaseError when the data is damaged
 */
export function dumpDatabase(engine: Engine): DumpJson {
  const moments: DumpValue[] = [];
  if (engine.hasHistory) {
    const count = engine.momentCount();
    for (let i = 0; i < count; i++) moments.push(dumpValue(engine.moment(i)));
  } else if (engine.header.rootTag === Tag.HASH_MAP) {
    moments.push(dumpValue(engine.rootMap()));
  }
  return { hash_id: hashIdName(engine.header.hashId), hash_size: engine.header.hashSize, moments };
}

/**
 * Dumps the value a cursor is on, recursively.
 *
 * @param cursor - any read cursor
 */
export function dumpValue(cursor: ReadCursor, depth = 0, ancestors: Set<number> = new Set()): DumpValue {
  if (depth > MAX_NESTING) throw new CorruptDatabaseError(`values nest more than ${MAX_NESTING} deep (a cycle?)`, cursor.slotPosition);
  const slot = cursor.slot;
  // A structure that contains itself (only damaged data can) would recurse for ever.
  const structure = slot.tag !== Tag.NONE && slot.tag !== Tag.BYTES && isPointerTag(slot.tag);
  if (structure && ancestors.has(slot.position)) throw new CorruptDatabaseError('a value contains itself (a cycle between records)', cursor.slotPosition);
  if (structure) ancestors.add(slot.position);
  try {
    return dumpInner(cursor, slot, depth, ancestors);
  } finally {
    if (structure) ancestors.delete(slot.position);
  }
}

function dumpInner(cursor: ReadCursor, slot: ReadCursor['slot'], depth: number, ancestors: Set<number>): DumpValue {
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
    case Tag.ARRAY_LIST: {
      const items: DumpValue[] = [];
      for (const item of cursor.asArrayList()) items.push(dumpValue(item, depth + 1, ancestors));
      return { array_list: items };
    }
    case Tag.LINKED_ARRAY_LIST: {
      const items: DumpValue[] = [];
      for (const item of cursor.asLinkedArrayList()) items.push(dumpValue(item, depth + 1, ancestors));
      return { linked_array_list: items };
    }
    case Tag.HASH_MAP:
    case Tag.COUNTED_HASH_MAP: {
      const map = cursor.asHashMap();
      const entries: Record<string, DumpValue> = {};
      for (const entry of map.entries()) {
        // defineProperty, not assignment: a key named "__proto__" must stay a key.
        Object.defineProperty(entries, keyText(entry.key, entry.hash, depth, ancestors), { value: dumpValue(entry.value, depth + 1, ancestors), enumerable: true, writable: true, configurable: true });
      }
      if (slot.tag === Tag.COUNTED_HASH_MAP) return { counted_hash_map: entries, count: map.count() };
      return { hash_map: entries };
    }
    case Tag.HASH_SET:
    case Tag.COUNTED_HASH_SET: {
      const set = cursor.asHashSet();
      const keys: string[] = [];
      // A set is a map whose values are empty; its entries carry the hashes that unnamed keys need.
      for (const entry of new ReadHashMap(cursor.ctx, slot, cursor.slotPosition).entries()) keys.push(keyText(entry.key, entry.hash, depth, ancestors));
      keys.sort();
      if (slot.tag === Tag.COUNTED_HASH_SET) return { counted_hash_set: keys, count: set.count() };
      return { hash_set: keys };
    }
    default:
      throw wrongType('a value', slot.tag, cursor.slotPosition);
  }
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
function keyText(key: ReadCursor, hash: Uint8Array, depth: number, ancestors: Set<number>): string {
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
  return JSON.stringify(dumpValue(key, depth + 1, ancestors));
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
