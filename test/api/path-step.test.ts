// The path walkers of api/database.ts (get/has, the write check, the write
// itself) take each step through one resolver: at every kind of value they
// agree on what a step means and refuse it in the same words.

import { describe, expect, it } from 'vitest';
import { OutOfRangeError, WrongTypeError, open } from '../../src/index.js';

async function sample() {
  const db = await open();
  db.set(['o'], { a: 1 });
  db.set(['m'], new Map<unknown, unknown>([[1, 'one']]));
  db.set(['s'], new Set(['x']));
  db.set(['l'], [10, 20]);
  db.set(['n'], 5);
  return db;
}

describe('resolveStep', () => {
  it('reads and writes a map by key, an object by its string (or number text) key, a list by index', async () => {
    const db = await sample();
    db.set(['o', 'b'], 2);
    db.set(['m', 2], 'two');
    db.set(['l', 2], 30);
    db.set(['l', -1], 31);
    expect([db.get(['o', 'b']), db.get(['m', 1]), db.get(['m', 2]), db.get(['l', 1]), db.get(['l', -1]), db.get(['l', 1.5])]).toEqual([2, 'one', 'two', 20, 31, undefined]);
  });

  it('refuses a step into a set or a scalar when reading and when writing, naming the path and the value', async () => {
    const db = await sample();
    expect(() => db.get(['s', 'x'])).toThrow(new WrongTypeError('s holds a set, so it has no "x" inside'));
    expect(() => db.set(['s', 'x'], 1)).toThrow(new WrongTypeError('s holds a set, so nothing can be stored inside it'));
    expect(() => db.get(['n', 0])).toThrow(new WrongTypeError('n holds a number, so it has no 0 inside'));
    expect(() => db.set(['n', 0], 1)).toThrow(new WrongTypeError('n holds a number, so nothing can be stored inside it'));
  });

  it('refuses a key step into a list the same way when reading and when writing', async () => {
    const db = await sample();
    const words = 'l is a list, so the next step must be an index, not "a"';
    expect(() => db.get(['l', 'a'])).toThrow(new WrongTypeError(words));
    expect(() => db.set(['l', 'a'], 1)).toThrow(new WrongTypeError(words));
    expect(() => db.set(['l', 1.5], 1)).toThrow(WrongTypeError);
    expect(() => db.set(['l', 5], 1)).toThrow(new OutOfRangeError('index 5 is outside the list of 2 items at l'));
  });
});
