// The natural order of sorted-map keys as FORMAT.md §Ordered keys states it,
// written from the text and not from the encoder, so that tests can hold the
// encoding (format/ordered-key.test.ts) and the sorted maps built on it
// (api/sorted.model.test.ts) to the same reference.

import type { OrderedKey } from '../../src/format/ordered-key.js';

/** Rank of each kind in the cross-kind order: strings (plain UTF-8) first, then null, false, true, numbers, bigints, Dates, byte arrays, tuples. */
function kindRank(key: OrderedKey): number {
  if (typeof key === 'string') return 0;
  if (key === null) return 1;
  if (key === false) return 2;
  if (key === true) return 3;
  if (typeof key === 'number') return 4;
  if (typeof key === 'bigint') return 5;
  if (key instanceof Date) return 6;
  if (key instanceof Uint8Array) return 7;
  return 8;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** NaN after every other number; -0 and 0 equal. */
function compareNumbers(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSequences<T>(a: ArrayLike<T>, b: ArrayLike<T>, compare: (x: T, y: T) => number): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = sign(compare(a[i] as T, b[i] as T));
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

const codePoints = (text: string): number[] => [...text].map((c) => c.codePointAt(0) as number);

/** -1, 0 or 1: by kind, then within the kind (code points, numbers, bigints, times, bytes, tuples element by element). */
export function compareNaturalKeys(a: OrderedKey, b: OrderedKey): number {
  const kinds = kindRank(a) - kindRank(b);
  if (kinds !== 0) return sign(kinds);
  if (typeof a === 'string') return compareSequences(codePoints(a), codePoints(b as string), (x, y) => x - y);
  if (typeof a === 'number') return compareNumbers(a, b as number);
  if (typeof a === 'bigint') return a < (b as bigint) ? -1 : a > (b as bigint) ? 1 : 0;
  if (a instanceof Date) return compareNumbers(a.getTime(), (b as Date).getTime());
  if (a instanceof Uint8Array) return compareSequences(a, b as Uint8Array, (x, y) => x - y);
  if (Array.isArray(a)) return compareSequences(a as readonly OrderedKey[], b as readonly OrderedKey[], compareNaturalKeys);
  return 0;
}

/** -1, 0 or 1: the bytewise order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareSequences(a, b, (x, y) => x - y);
}

/** A key as decoding (and so the database) gives it back: -0 as 0, otherwise the same key. */
export function normalizedKey<K extends OrderedKey>(key: K): K {
  if (Object.is(key, -0)) return 0 as K;
  return (Array.isArray(key) ? key.map((item: OrderedKey) => normalizedKey(item)) : key) as K;
}
