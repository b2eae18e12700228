// Range queries over a sorted map or set (`view.range`, `db.range`): the
// options turned into a run of indexes by rank (O(log n) each), then one walk
// from the run's first entry, forwards or backwards. Bounds are JS keys in the
// ordered encoding (FORMAT.md §Ordered keys); a prefix is a string, byte array
// or tuple whose encoded form the keys must start with.

import { InvalidArgumentError } from '../errors.js';
import { KEY_PREFIX, ELEMENT_TYPE, encodeOrderedKey } from '../format/ordered-key.js';
import type { ReadSortedMap, SortedEntry } from '../cursor/read-sorted.js';
import { describe, requireOptions } from '../base/arguments.js';
import { sortedKeyOf } from './sorted-values.js';

/**
 * A bound of a range over keys of type `K`: a `K`, or for tuple keys any
 * tuple (a shorter one bounds every tuple it starts: `{ gte: [30], lt: [40] }`).
 */
export type RangeBound<K> = K extends readonly unknown[] ? readonly unknown[] : K;

/**
 * What a range query over a sorted map or set takes. Bounds combine (a key
 * must meet all of them); `reverse` walks from the high end; `offset` skips
 * that many matching entries (from the end the walk starts at) and `limit`
 * stops after that many.
 *
 * @typeParam K - the keys' type
 */
export interface RangeOptions<K = unknown> {
  /** Keys at or after this one. */
  gte?: RangeBound<K>;
  /** Keys after this one. */
  gt?: RangeBound<K>;
  /** Keys at or before this one. */
  lte?: RangeBound<K>;
  /** Keys before this one. */
  lt?: RangeBound<K>;
  /**
   * Keys that start with this: a string (string keys with this text in
   * front), a Uint8Array (byte-array keys), or an array (tuple keys whose
   * first elements are these, as `[30]` matches `[30, 'bob']`).
   */
  prefix?: string | Uint8Array | readonly unknown[];
  /** Highest key first (default false). */
  reverse?: boolean;
  /** At most this many entries (default all). */
  limit?: number;
  /** Skip this many matching entries first (default 0). */
  offset?: number;
}

/** The indexes a range covers, [low, high), and how to walk them. */
export interface RangeRun {
  /** The first index to yield (the last, walking backwards). */
  readonly start: number;
  /** How many entries to yield. */
  readonly count: number;
  /** True to walk from high to low. */
  readonly reverse: boolean;
}

const KNOWN_OPTIONS = new Set(['gte', 'gt', 'lte', 'lt', 'prefix', 'reverse', 'limit', 'offset']);

/** The smallest byte string after every string that starts with `prefix`, or undefined when none is (all 0xFF). */
function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if ((prefix[i] as number) < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = (end[i] as number) + 1;
      return end;
    }
  }
  return undefined;
}

/**
 * The encoded bytes every key matching `prefix` starts with, and the first
 * byte string past them (undefined: no end).
 */
function prefixBounds(prefix: unknown, path: ReadonlyArray<unknown>): { low: Uint8Array; high: Uint8Array | undefined } {
  if (typeof prefix === 'string') {
    // The empty text matches every string key: those before the first prefix byte of the other kinds.
    if (prefix === '') return { low: new Uint8Array(0), high: Uint8Array.of(KEY_PREFIX.NULL) };
    const low = sortedKeyOf(prefix, path);
    return { low, high: prefixEnd(low) };
  }
  if (prefix instanceof Uint8Array) {
    const low = encodeOrderedKey(prefix);
    return { low, high: prefixEnd(low) };
  }
  if (Array.isArray(prefix)) {
    const encoded = sortedKeyOf(prefix, path);
    // The tuple without its end byte: every tuple whose first elements are these.
    const low = encoded.subarray(0, encoded.length - 1);
    if (encoded[encoded.length - 1] !== ELEMENT_TYPE.END) throw new InvalidArgumentError('a tuple prefix did not encode as a tuple');
    return { low, high: prefixEnd(low) };
  }
  throw new InvalidArgumentError(`a range prefix is a string, a Uint8Array or an array (a tuple), got ${describe(prefix)}`);
}

function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(Number.isInteger(value) || value === Infinity) || value < 0) {
    throw new InvalidArgumentError(`range option ${name} must be a whole number at least 0, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks range options and turns them into indexes of `map`. O(log n) per
 * bound. Called before any entry is read, so a bad option throws at the call,
 * not on the first iteration.
 *
 * @throws InvalidArgumentError for an unknown option, a key with no ordered form, a prefix of another kind, a bad limit or offset
 */
export function rangeRun(map: ReadSortedMap, options: RangeOptions, path: ReadonlyArray<unknown>): RangeRun {
  requireOptions(options, 'range');
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) throw new InvalidArgumentError(`range has no option ${JSON.stringify(name)} (it takes gte, gt, lte, lt, prefix, reverse, limit, offset)`);
  }
  const { gte, gt, lte, lt, prefix, reverse } = options;
  if (reverse !== undefined && typeof reverse !== 'boolean') throw new InvalidArgumentError(`range option reverse must be a boolean, got ${describe(reverse)}`);
  const limit = count(options.limit, 'limit', Infinity);
  const offset = count(options.offset, 'offset', 0);
  const total = map.count();
  // Index of the first key at or after `bytes` (inclusive) or after it.
  const after = (bytes: Uint8Array, inclusive: boolean): number => map.rank(bytes) + (inclusive || !map.has(bytes) ? 0 : 1);
  let low = 0;
  let high = total;
  if (gte !== undefined) low = Math.max(low, after(sortedKeyOf(gte, [...path, gte]), true));
  if (gt !== undefined) low = Math.max(low, after(sortedKeyOf(gt, [...path, gt]), false));
  if (lte !== undefined) high = Math.min(high, after(sortedKeyOf(lte, [...path, lte]), false));
  if (lt !== undefined) high = Math.min(high, after(sortedKeyOf(lt, [...path, lt]), true));
  if (prefix !== undefined) {
    const bounds = prefixBounds(prefix, [...path, prefix]);
    low = Math.max(low, map.rank(bounds.low));
    if (bounds.high !== undefined) high = Math.min(high, map.rank(bounds.high));
  }
  const available = Math.max(0, high - low - offset);
  const taken = Math.min(available, limit);
  if (taken === 0) return { start: 0, count: 0, reverse: reverse === true };
  return reverse === true ? { start: high - 1 - offset, count: taken, reverse: true } : { start: low + offset, count: taken, reverse: false };
}

/** The entries of a run, lazily: one O(log n) descent, then O(1) amortised node reads per entry. */
export function* runEntries(map: ReadSortedMap, run: RangeRun): Generator<SortedEntry, void, undefined> {
  if (run.count === 0) return;
  const walk = run.reverse ? map.entriesBackward({ index: run.start }) : map.entries({ index: run.start });
  let left = run.count;
  for (const entry of walk) {
    yield entry;
    if (--left === 0) return;
  }
}
