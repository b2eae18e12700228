// The equality testers every test file runs with (equality-testers.ts) decide
// as vitest's own deep compare does, wherever they decide at all.

import { expect, it } from 'vitest';
import fc from 'fast-check';
import { equals, iterableEquality } from '@vitest/expect';
import { sameBytes, samePrimitiveArrays } from './equality-testers.js';

it('samePrimitiveArrays agrees with vitest on random nested arrays of primitives, objects, holes and undefined, under toEqual and toStrictEqual', () => {
  const leaf = fc.oneof(fc.constantFrom<unknown>(0, -0, NaN, 1, '1', 'a', '', null, undefined, true, false, 1n, {}, { a: 1 }, [], new Uint8Array(1)), fc.integer({ min: 0, max: 2 }));
  const { value } = fc.letrec((tie) => ({ value: fc.oneof({ maxDepth: 3 }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.sparseArray(tie('value'), { maxLength: 3 })) }));
  let decided = 0;
  fc.assert(
    fc.property(value, value, fc.boolean(), (a, b, copy) => {
      const right = copy ? structuredClone(a) : b;
      const mine = samePrimitiveArrays(a, right);
      if (mine === undefined) return;
      decided++;
      for (const strict of [false, true]) expect(mine, String([a, right])).toBe(equals(a, right, [iterableEquality], strict));
    }),
    { numRuns: 5000, seed: 20261207 },
  );
  expect(decided).toBeGreaterThan(1000);
});

it('leave arrays with extra properties, holes and byte arrays of two classes to vitest', () => {
  expect(samePrimitiveArrays('ab'.match(/a/), ['a'])).toBeUndefined();
  // eslint-disable-next-line no-sparse-arrays
  expect(samePrimitiveArrays([1, , 2], [1, undefined, 2])).toBeUndefined();
  expect(samePrimitiveArrays([1, { a: 1 }], [1, { a: 1 }])).toBeUndefined();
  expect(sameBytes(Buffer.from([1]), new Uint8Array([1]))).toBeUndefined();
  expect(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
  expect(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
  expect(sameBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
});

it('are the ones toEqual uses, and a wrong byte or string still fails', () => {
  const a = new Uint8Array(100_000);
  const b = a.slice();
  expect(a).toEqual(b);
  b[77_777] = 1;
  expect(() => expect(a).toEqual(b)).toThrow(/to deeply equal/);
  expect(() => expect([['k', 'v']]).toEqual([['k', 'w']])).toThrow(/to deeply equal/);
  expect(() => expect([['k', 'v']]).toStrictEqual([['k', 'v', 'x']])).toThrow(/to strictly equal/);
});
