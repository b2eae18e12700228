// db.revertChanges(i): one past moment's changes undone on top of the latest,
// or refused with ConflictError naming the paths later moments changed again.

import { describe, expect, it } from 'vitest';
import { open, linkedList, ConflictError } from '../../src/index.js';
import { verifyDatabase } from '../../src/engine.js';
import { seededRandom } from '../support/processes.js';
import { randomCommit } from './histories.js';
import { applyChanges } from './support.js';

describe('Database.revertChanges', () => {
  it('undoes one past moment and keeps the moments after it', async () => {
    const db = await open();
    db.set(['settings'], { theme: 'light', size: 12 });
    db.transact((tx) => {
      tx.set(['settings', 'theme'], 'dark');
      tx.set(['settings', 'lang'], 'fr');
      tx.delete(['settings', 'size']);
    });
    db.set(['todos'], ['a']);
    expect(db.revertChanges(1)).toBe(3);
    expect(db.snapshot().toJS()).toEqual({ settings: { theme: 'light', size: 12 }, todos: ['a'] });
    expect(verifyDatabase(db.engine).ok).toBe(true);
  });

  it('refuses with the conflicting paths when a later moment changed the same values, and writes nothing', async () => {
    const db = await open();
    db.set(['a'], { x: 1, y: 1 });
    db.transact((tx) => {
      tx.set(['a', 'x'], 2);
      tx.set(['a', 'y'], 2);
    });
    db.set(['a', 'x'], 3);
    const count = db.momentCount;
    let error: unknown;
    try {
      db.revertChanges(1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe('CONFLICT');
    expect((error as ConflictError).paths).toEqual([['a', 'x']]);
    expect((error as ConflictError).message).toContain('a.x');
    expect(db.momentCount).toBe(count);
  });

  it('is no conflict when a later moment wrote the same value again', async () => {
    const db = await open();
    db.set(['a'], 1);
    db.set(['a'], 2);
    db.set(['a'], 2);
    db.revertChanges(1);
    expect(db.get(['a'])).toBe(1);
  });

  it('puts back set members, and refuses a removed key whose map is gone', async () => {
    const db = await open();
    db.set(['tags'], new Set(['a', 'b']));
    db.transact((tx) => {
      tx.delete(['tags', 'a']);
      tx.set(['m'], { k: 1 });
    });
    db.set(['m', 'k'], 1);
    db.revertChanges(1);
    expect(db.snapshot().toJS()).toEqual({ tags: new Set(['a', 'b']) });

    db.set(['obj'], { gone: 1, keep: 2 });
    db.delete(['obj', 'gone']);
    db.delete(['obj']);
    expect(() => db.revertChanges(-2)).toThrow(ConflictError);
  });

  it('restores a list whose items the moment added or removed as a whole, when it is unchanged since', async () => {
    const db = await open();
    db.set(['ll'], linkedList([1, 2, 3, 4]));
    db.transact((tx) => tx.cursor().writePath(['ll']).linkedArrayList().remove(1));
    db.set(['other'], true);
    db.revertChanges(1);
    expect(db.snapshot().toJS()).toEqual({ ll: [1, 2, 3, 4], other: true });
    db.push(['ll'], 5);
    db.push(['ll'], 6);
    expect(() => db.revertChanges(-2)).toThrow(ConflictError);
  });

  it('undoes the first moment', async () => {
    const db = await open();
    db.set(['a'], 1);
    db.set(['b'], 2);
    db.revertChanges(0);
    expect(db.snapshot().toJS()).toEqual({ b: 2 });
  });

  it('on random histories: reverting the latest moment gives the moment before it', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const random = seededRandom(seed);
      const db = await open();
      for (let i = 0; i < 25; i++) {
        randomCommit(db, random);
        const before = db.snapshot(-2 < -db.momentCount ? 0 : -2).toJS();
        if (db.momentCount < 2) continue;
        const latest = db.momentCount - 1;
        db.revertChanges(latest);
        expect(db.snapshot().toJS(), `seed ${seed} step ${i}`).toEqual(before);
        expect(verifyDatabase(db.engine).problems).toEqual([]);
        // And the revert's own changes are the inverse: applied to the reverted moment's model they give the one before.
        expect(applyChanges(db.snapshot(-2).toJS(), db.diff(-2, -1))).toEqual(before);
      }
    }
  });
});
