// Hostile and adversarially valid shapes, each at the entry points that
// misbehaved on it: valid data nested very deep (every reader must work
// without recursion and in time linear in the data), valid data shared as a
// DAG (2^n paths over n levels: walkers bound their work or refuse with a
// typed error), and hostile fields that decode to values the readers' callers
// cannot handle. Each block says what happened before its fix. The reader
// fuzz (reader.fuzz.test.ts) covers damage in general; this file holds the
// shapes it does not generate.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { Database } from '../../src/api/database.js';
import { readAt } from '../../src/api/paths.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';

/** A database whose latest moment holds, under `a`, `depth` structures of one kind, each inside the last, then uint 7. */
function nested(depth: number, step: (cursor: WriteCursor) => WriteCursor): Engine {
  const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
  engine.transact((root) => {
    let cursor = root.hashMap().put('a');
    for (let i = 0; i < depth; i++) cursor = step(cursor);
    cursor.writeUint(7);
  });
  return engine;
}

/** An array that counts how many of its elements are read: a walk that copies a prefix of the path at each step reads O(n²). */
function countingPath(steps: unknown[]): { path: unknown[]; reads: () => number } {
  let reads = 0;
  const path = new Proxy(steps, {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads++;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { path, reads: () => reads };
}

describe('hostile shapes: long paths', () => {
  // paths.ts resolveStep() passed path.slice(0, i + 1) to the key encoder of every
  // sorted map and Map step (only for its error message), so a path of n steps
  // copied O(n²) elements: db.get through 100,000 nested sorted maps took 266 s
  // (20,000: 3.5 s). The encoders now get the whole path and the prefix is cut
  // only when one refuses the step.
  const DEPTH = 3000;
  for (const [name, step, key] of [
    ['sorted maps', (c: WriteCursor) => c.sortedMap().put('a'), 'a'],
    ['Maps (counted hash maps) with number keys', (c: WriteCursor) => c.countedHashMap().put({ bytes: new TextEncoder().encode('1'), formatTag: new TextEncoder().encode('nu') }), 1],
    ['objects with number steps', (c: WriteCursor) => c.hashMap().put('1'), 1],
  ] as const) {
    it(`reads a path through ${DEPTH} nested ${name} reading each step O(1) times`, () => {
      const engine = nested(DEPTH, step);
      const { path, reads } = countingPath(['a', ...new Array<unknown>(DEPTH).fill(key)]);
      expect(readAt(engine.moment(-1), path as never)?.readUint()).toBe(7n);
      expect(reads()).toBeLessThan(4 * (DEPTH + 1));
      // And through the API, on a deeper chain (before: minutes).
      expect(new Database(engine).get(['a', ...new Array<unknown>(DEPTH).fill(key)] as never)).toBe(7);
    });
  }

  it('still names the path up to a step it refuses', () => {
    const engine = nested(3, (c) => c.sortedMap().put('a'));
    const db = new Database(engine);
    expect(() => db.get(['a', 'a', Symbol('x'), 'a'] as never)).toThrow(/\["a","a",Symbol\(x\)\]|a\.a/);
  });
});
