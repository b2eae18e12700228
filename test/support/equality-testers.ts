// Setup file of every test project (vitest.config.ts): toEqual and
// toStrictEqual compare two byte arrays of the same class with Buffer.compare,
// and two plain arrays of primitives (or of such arrays, as the models' entry
// lists are) element by element with Object.is, instead of vitest's generic
// deep compare, which walks every index as an object key (a 100 KB database
// took about 100 ms per comparison; one header repair test spent 18 s in it).
// The verdict is vitest's: anything else (objects, undefined elements, holes,
// arrays with extra properties, asymmetric matchers) is left to vitest. A
// failure still prints vitest's diff, which is made apart from this check.

import { expect } from 'vitest';

/** Same class, same bytes; `undefined` (vitest's own compare) for anything else. */
export function sameBytes(a: unknown, b: unknown): boolean | undefined {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return undefined;
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** A plain array: Array.prototype, no own property but its indexes (and length). */
function isPlainArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype && Object.keys(value).length === value.length && Object.getOwnPropertySymbols(value).length === 0;
}

/**
 * Two plain arrays whose elements are primitives other than undefined (null
 * included), or plain
 * arrays of the same kind: vitest's verdict (same length, Object.is-equal
 * elements, pair by pair); `undefined` (vitest's own compare) as soon as a pair
 * holds anything else.
 */
export function samePrimitiveArrays(a: unknown, b: unknown): boolean | undefined {
  if (!isPlainArray(a) || !isPlainArray(b)) return undefined;
  // vitest compares the lengths of two arrays before their elements.
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Array.isArray(x) && Array.isArray(y)) {
      const nested = samePrimitiveArrays(x, y);
      if (nested !== true) return nested;
    } else if (x === undefined || y === undefined || (typeof x === 'object' && x !== null) || (typeof y === 'object' && y !== null) || typeof x === 'function' || typeof y === 'function') {
      return undefined;
    } else if (!Object.is(x, y)) {
      return false;
    }
  }
  return true;
}

// The shared project runs this file before each test file in one worker:
// register the testers once per worker, not once per file.
const REGISTERED = Symbol.for('stratadb.test.sameBytes');
const state = globalThis as { [REGISTERED]?: true };
if (state[REGISTERED] === undefined) {
  state[REGISTERED] = true;
  expect.addEqualityTesters([sameBytes, samePrimitiveArrays]);
}
