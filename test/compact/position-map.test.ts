// The block copier's memo table (src/compact/position-map.ts) against a Map:
// random positions, small and above 2^32, growth past its first capacity.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PositionMap } from '../../src/compact/position-map.js';
import { propertyParameters } from '../model/model-support.js';

describe('PositionMap', () => {
  it('gets what was set, as a Map does, across growth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.nat(5000), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 })), fc.integer({ min: -1, max: 1 << 30 })), { maxLength: 3000 }), (pairs) => {
        const table = new PositionMap();
        const model = new Map<number, number>();
        for (const [position, value] of pairs) {
          table.set(position, value);
          model.set(position, value);
        }
        expect(table.size).toBe(model.size);
        for (const [position, value] of model) expect(table.get(position)).toBe(value);
        for (const [position] of pairs) expect(table.get(position + 1)).toBe(model.get(position + 1));
      }),
      propertyParameters(100),
    );
  });

  it('holds many entries, positions 0 and just below 2^53 among them', () => {
    const table = new PositionMap();
    for (let i = 0; i < 100000; i++) table.set(i * 144, i);
    table.set(Number.MAX_SAFE_INTEGER - 1, 7);
    expect(table.get(0)).toBe(0);
    expect(table.get(99999 * 144)).toBe(99999);
    expect(table.get(145)).toBeUndefined();
    expect(table.get(Number.MAX_SAFE_INTEGER - 1)).toBe(7);
    expect(table.size).toBe(100001);
  });
});
