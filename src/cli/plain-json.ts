// Plain JSON for people (`stratadb export`, `get`) and back (`import`): what
// toJS gives, with the JS values JSON has no form for written as one-key
// objects that import reads back. The mapping (the README's Command line section):
//   object, Map        -> object (a Map's keys as text: see keyText)
//   array, linked list -> array;  Set -> array of its members
//   number             -> number; NaN, Infinity, -Infinity -> {"$float": "NaN"}...
//   bigint             -> number when a safe integer, else {"$bigint": "digits"}
//   Uint8Array         -> {"$bytes": "lowercase hex"}
//   Date               -> its ISO text (as JSON.stringify writes it)
// Export is for people, not a backup: dump and backup keep every type.

import { OutOfRangeError, WrongTypeError } from '../errors.js';
import { hexOf } from '../base/byte-text.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };


/** A scalar as JSON (see the mapping above). */
export function scalarJson(value: unknown): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : { $float: String(value) };
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : { $bigint: value.toString() };
  if (value instanceof Uint8Array) return { $bytes: hexOf(value) };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  throw new WrongTypeError(`cannot write ${typeof value} as JSON`);
}

/** A Map key or set member as JSON: a scalar as {@link scalarJson} writes it, a sorted map's tuple key as an array of those. */
export function keyJson(key: unknown): Json {
  return Array.isArray(key) ? key.map(keyJson) : scalarJson(key);
}

/** A Map key as an object key: text as it is, any other key as the JSON text of its value (`1`, `true`, `null`, `{"$bytes":"ff"}`, `[41,"ann"]`). */
export function keyText(key: unknown): string {
  if (typeof key === 'string') return key;
  const json = keyJson(key);
  return typeof json === 'string' ? json : JSON.stringify(json);
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date);
}

/** The children of a toJS container as [key, value] pairs, and the empty JSON value that will hold them. */
function open(value: object): { target: Json[] | { [key: string]: Json }; entries: Array<[string | number, unknown]> } {
  if (Array.isArray(value)) return { target: [], entries: value.map((item, i) => [i, item]) };
  if (value instanceof Set) return { target: [], entries: [...value].map((member, i) => [i, member]) };
  // Objects made without a prototype: a "__proto__" key is a key like any other.
  const target = Object.create(null) as { [key: string]: Json };
  if (value instanceof Map) {
    const entries: Array<[string, unknown]> = [];
    const seen = new Map<string, unknown>();
    for (const [key, item] of value) {
      const text = keyText(key);
      if (seen.has(text)) throw new WrongTypeError(`a Map has two keys that both print as ${JSON.stringify(text)} (${describeKey(seen.get(text))} and ${describeKey(key)}); plain JSON cannot tell them apart: use dump`);
      seen.set(text, key);
      entries.push([text, item]);
    }
    return { target, entries };
  }
  return { target, entries: Object.entries(value) };
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? `the string ${JSON.stringify(key)}` : `the ${key instanceof Uint8Array ? 'bytes' : typeof key} ${keyText(key)}`;
}

/**
 * Converts a toJS result to plain JSON data, without recursion. A structure
 * shared in several places (toJS returns one JS object for it) converts once
 * and is shared in the result too, so JSON text of it may be far larger than
 * the data: the values it would print are counted first, and more than
 * `maxValues` is refused.
 *
 * @throws OutOfRangeError when the JSON text would hold more than `maxValues` values
 * @throws WrongTypeError when two keys of one Map print as one text
 */
export function toPlainJson(root: unknown, maxValues: number): Json {
  const converted = new Map<object, Json>();
  const printed = new Map<object, number>();
  let rootJson: Json | undefined;
  if (!isContainer(root)) return scalarJson(root);
  interface Frame { source: object; target: Json[] | { [key: string]: Json }; entries: Array<[string | number, unknown]>; next: number; count: number }
  const frames: Frame[] = [];
  const enter = (source: object): Frame => {
    const opened = open(source);
    converted.set(source, opened.target);
    return { source, target: opened.target, entries: opened.entries, next: 0, count: 1 };
  };
  frames.push(enter(root));
  while (frames.length > 0) {
    const frame = frames[frames.length - 1] as Frame;
    if (frame.next < frame.entries.length) {
      const [key, child] = frame.entries[frame.next++] as [string | number, unknown];
      let json: Json;
      let count = 1;
      if (!isContainer(child)) {
        json = scalarJson(child);
      } else {
        const done = converted.get(child);
        if (done === undefined) {
          frames.push(enter(child));
          continue;
        }
        json = done;
        count = printed.get(child) ?? 1;
      }
      put(frame, key, json, count, maxValues);
      continue;
    }
    frames.pop();
    printed.set(frame.source, frame.count);
    const parent = frames[frames.length - 1];
    if (parent === undefined) {
      rootJson = frame.target;
    } else {
      put(parent, (parent.entries[parent.next - 1] as [string | number, unknown])[0], frame.target, frame.count, maxValues);
    }
  }
  return rootJson as Json;

  function put(frame: Frame, key: string | number, json: Json, count: number, limit: number): void {
    if (Array.isArray(frame.target)) frame.target.push(json);
    else frame.target[key as string] = json;
    frame.count += count;
    if (frame.count > limit) throw new OutOfRangeError(`the JSON would hold more than ${limit} values (structures stored in several places print at each place); use dump, or --max-values to allow more`);
  }
}

/** The one-key objects of the mapping, read back by import. */
function revive(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const inner = (value as Record<string, unknown>)[keys[0] as string];
  if (typeof inner !== 'string') return value;
  if (keys[0] === '$bytes' && /^([0-9a-f]{2})*$/i.test(inner)) return Uint8Array.from(inner.match(/../g) ?? [], (pair) => parseInt(pair, 16));
  if (keys[0] === '$bigint' && /^-?[0-9]+$/.test(inner)) return BigInt(inner);
  if (keys[0] === '$float' && (inner === 'NaN' || inner === 'Infinity' || inner === '-Infinity')) return Number(inner);
  return value;
}

/**
 * Parses JSON text for import, turning the mapping's one-key objects back into
 * bytes, bigints and floats. A byte order mark in front is skipped (editors on
 * Windows write one). The text is checked first (see {@link checkJsonText}):
 * nesting a stored value cannot hold is refused by its depth, not by the
 * stack overflow of JSON.parse's reviver, and a number JSON.parse would round
 * away is refused rather than stored as another one.
 *
 * @param maxDepth - the deepest nesting accepted (the value API's limit)
 * @throws SyntaxError from JSON.parse (the caller names the source)
 * @throws OutOfRangeError for nesting deeper than `maxDepth`, or a number a float cannot hold
 */
export function parsePlainJson(text: string, maxDepth: number): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  checkJsonText(json, maxDepth);
  return JSON.parse(json, revive);
}

/** A JSON number token: its sign and digits, fraction, exponent. */
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/**
 * One pass over JSON text, outside its strings: the nesting depth, and each
 * number token against what JSON.parse makes of it. Text that is not JSON is
 * left to JSON.parse, which says where. O(length), no allocation but the
 * number tokens.
 *
 * @throws OutOfRangeError for nesting deeper than `maxDepth`, an integer JSON.parse would round
 *   (past 2^53, neither the float's value nor its text: `{"$bigint": "digits"}` keeps it), or a
 *   number that becomes an infinity or 0
 */
export function checkJsonText(text: string, maxDepth: number): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, past escapes.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new OutOfRangeError(`the JSON nests deeper than ${maxDepth} levels (at character ${i}), deeper than a stored value may`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null) continue;
      checkNumber(match[0], match[1] === undefined && match[2] === undefined);
      i += match[0].length - 1;
    }
  }
}

/** Refuses a number token whose value JSON.parse would change beyond a float's rounding. */
function checkNumber(token: string, integer: boolean): void {
  const value = Number(token);
  if (!Number.isFinite(value)) throw new OutOfRangeError(`the number ${token} is beyond what a float holds and would be stored as ${value}; write {"$float": "${value}"} for that`);
  if (value === 0 && /[1-9]/.test(token.replace(/[eE].*$/, ''))) throw new OutOfRangeError(`the number ${token} is too small for a float and would be stored as 0`);
  // Past 2^53 an integer survives when the float holds it exactly, or when it is the float's own
  // shortest text (what JSON.stringify, and so export, writes for it).
  if (integer && !Number.isSafeInteger(value) && String(value) !== token && BigInt(token) !== BigInt(value)) {
    throw new OutOfRangeError(`the integer ${token} is past 2^53, where a float would store it as ${BigInt(value)}; write {"$bigint": "${token}"} to keep every digit`);
  }
}
