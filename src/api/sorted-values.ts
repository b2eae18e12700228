// Sorted maps and sets in the JS-value API: the values that ask for one
// (`sortedMap`, `sortedSet`) and the mapping of JS keys to the bytes a sorted
// map compares, by the ordered key encoding (FORMAT.md §Ordered keys), and back.

import { CorruptDatabaseError, IncompatibleDatabaseError, InvalidArgumentError, StrataError } from '../errors.js';
import { decodeOrderedKey, encodeOrderedKey, type OrderedKey } from '../format/ordered-key.js';
import { readAsciiValue } from '../core/bytes-values.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import { formatPath } from './errors.js';
import { requireIterable } from '../base/arguments.js';

export type { OrderedKey };

/**
 * A map to store as a sorted map: keys kept in their natural order (see
 * {@link sortedMap}), with range queries, rank and select. Create with
 * {@link sortedMap}.
 */
export class SortedMapValue<K extends OrderedKey = OrderedKey, V = unknown> {
  /** The entries, in the order given (stored in key order; a repeated key keeps its last value). */
  readonly entries: ReadonlyArray<readonly [K, V]>;

  /**
   * @param entries - the [key, value] pairs
   * @throws InvalidArgumentError when `entries` is not iterable
   */
  constructor(entries: Iterable<readonly [K, V]>) {
    requireIterable(entries, 'sortedMap');
    this.entries = [...entries];
  }
}

/** A set to store as a sorted set: members in their natural order. Create with {@link sortedSet}. */
export class SortedSetValue<K extends OrderedKey = OrderedKey> {
  /** The members, in the order given (stored in order; a repeated member is stored once). */
  readonly members: readonly K[];

  /**
   * @param members - the members
   * @throws InvalidArgumentError when `members` is not iterable
   */
  constructor(members: Iterable<K>) {
    requireIterable(members, 'sortedSet');
    this.members = [...members];
  }
}

/**
 * Marks entries to be stored as a sorted map (FORMAT.md §Sorted maps): its
 * keys are kept in order, so it answers `range`, `rank`, `at`, `first` and
 * `last` in O(log n). Keys are strings, numbers, bigints, Dates, Uint8Arrays,
 * booleans, null, or arrays of these (tuples, compared element by element):
 * strings sort by code point, numbers numerically, and kinds in the order
 * strings, null, false, true, numbers, bigints, Dates, byte arrays, tuples.
 *
 * @param entries - [key, value] pairs, or a Map (default none)
 * @example
 * ```ts
 * db.set(['scores'], sortedMap([[30, 'carol'], [10, 'alice'], [20, 'bob']]));
 * ```
 */
export function sortedMap<K extends OrderedKey, V>(entries: Iterable<readonly [K, V]> = []): SortedMapValue<K, V> {
  return new SortedMapValue(entries);
}

/**
 * Marks members to be stored as a sorted set: a sorted map without values
 * (see {@link sortedMap} for the keys it takes and their order).
 *
 * @param items - the members (default none)
 * @example
 * ```ts
 * db.set(['tags'], sortedSet(['b', 'a', 'c']));
 * ```
 */
export function sortedSet<K extends OrderedKey>(items: Iterable<K> = []): SortedSetValue<K> {
  return new SortedSetValue(items);
}

/**
 * The bytes a sorted map stores for the JS key `key` (FORMAT.md §Ordered keys).
 *
 * @param key - the key
 * @param path - where it is used, for the message
 * @throws InvalidArgumentError for a key with no ordered form (undefined, an object, a symbol, a function, an invalid Date, a lone surrogate, tuples nested too deep)
 */
export function sortedKeyOf(key: unknown, path: ReadonlyArray<unknown>): Uint8Array {
  try {
    return encodeOrderedKey(key as OrderedKey);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`${error.message}, as a sorted map key at ${formatPath(path)}`);
    if (error instanceof StrataError) throw error;
    // What reading the caller's key threw: a revoked Proxy, a getter or Proxy trap of a tuple.
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new InvalidArgumentError(`reading the key threw (${what}), as a sorted map key at ${formatPath(path)}`, { cause: error });
  }
}

/**
 * The JS key of a sorted map's stored key: ASCII text read in place, any
 * other bytes through the ordered decoding. Bytes that are no encoded key
 * (binary keys another xitdb writer stored, or damage) are refused rather
 * than shown as some other key.
 *
 * @throws IncompatibleDatabaseError when the bytes are not in the ordered key encoding
 * @throws CorruptDatabaseError when the key's slot or record is damaged
 */
export function decodeSortedKey(cursor: ReadCursor): OrderedKey {
  const ascii = readAsciiValue(cursor.ctx.io, cursor.slot, cursor.slotPosition);
  if (ascii !== undefined) return ascii;
  const bytes = cursor.readTaggedBytes().bytes;
  try {
    return decodeOrderedKey(bytes);
  } catch (error) {
    if (!(error instanceof CorruptDatabaseError)) throw error;
    throw new IncompatibleDatabaseError(`the sorted map key at ${cursor.slotPosition} is not in the ordered key encoding (${error.message}); another writer may have stored binary keys: read them with the cursor API (ReadCursor.asSortedMap)`);
  }
}
