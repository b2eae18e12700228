// db.diff, snapshot.diff and diff(views): what each kind of structure reports,
// and that shared subtrees are skipped (blocks read follow the change).

import { describe, expect, it } from 'vitest';
import { open, linkedList, diff, type DiffStats, InvalidArgumentError } from '../../src/index.js';
import { verifyDatabase } from '../../src/engine.js';
import { applyChanges, plainChange } from './support.js';

async function changesBetween(setup: (db: Awaited<ReturnType<typeof open>>) => void, change: (db: Awaited<ReturnType<typeof open>>) => void) {
  const db = await open();
  setup(db);
  change(db);
  expect(verifyDatabase(db.engine).ok).toBe(true);
  const changes = [...db.diff(-2, -1)].map(plainChange);
  // The diff applied to the older moment gives the newer one.
  expect(applyChanges(db.snapshot(-2).toJS(), db.diff(-2, -1))).toEqual(db.snapshot(-1).toJS());
  return changes;
}

describe('Database.diff', () => {
  it('reports an added, a removed and a changed key of an object, at their full paths', async () => {
    const changes = await changesBetween(
      (db) => db.set(['users'], { alice: { visits: 1 }, bob: { visits: 2 } }),
      (db) =>
        db.transact((tx) => {
          tx.set(['users', 'alice', 'visits'], 5);
          tx.delete(['users', 'bob']);
          tx.set(['users', 'carol'], { visits: 0 });
        }),
    );
    expect(changes).toHaveLength(3);
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: ['users', 'alice', 'visits'], type: 'change', before: 1, after: 5 },
        { path: ['users', 'bob'], type: 'remove', before: { visits: 2 }, after: undefined },
        { path: ['users', 'carol'], type: 'add', before: undefined, after: { visits: 0 } },
      ]),
    );
  });

  it('decodes the keys of a Map and the members of a Set as get takes them', async () => {
    const changes = await changesBetween(
      (db) => db.set(['m'], new Map<unknown, unknown>([[1, 'one'], ['1', 'text one'], [2n, 'big']])) ,
      (db) =>
        db.transact((tx) => {
          tx.set(['m', 1], 'uno');
          tx.delete(['m', 2n as never]);
          tx.set(['s'], new Set([1, 'a']));
        }),
    );
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: ['m', 1], type: 'change', before: 'one', after: 'uno' },
        { path: ['m', 2n], type: 'remove', before: 'big', after: undefined },
        { path: ['s'], type: 'add', before: undefined, after: new Set([1, 'a']) },
      ]),
    );
    expect(changes).toHaveLength(3);
  });

  it('reports set members added and removed, with the member as the last step', async () => {
    const changes = await changesBetween(
      (db) => db.set(['tags'], new Set(['a', 'b', 'c'])),
      (db) => db.set(['tags'], new Set(['a', 'c', 'd'])),
    );
    // set() writes a new set: still compared member by member.
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: ['tags', 'b'], type: 'remove', before: 'b', after: undefined },
        { path: ['tags', 'd'], type: 'add', before: undefined, after: 'd' },
      ]),
    );
    expect(changes).toHaveLength(2);
  });

  it('reports an array list by index: changed items, then adds at the end', async () => {
    const changes = await changesBetween(
      (db) => db.set(['l'], [1, 2, 3]),
      (db) =>
        db.transact((tx) => {
          tx.set(['l', 1], 20);
          tx.push(['l'], 4, 5);
        }),
    );
    expect(changes).toEqual([
      { path: ['l', 1], type: 'change', before: 2, after: 20 },
      { path: ['l', 3], type: 'add', before: undefined, after: 4 },
      { path: ['l', 4], type: 'add', before: undefined, after: 5 },
    ]);
  });

  it('reports items dropped from an array list last first, at their own indexes', async () => {
    const changes = await changesBetween(
      (db) => db.set(['l'], Array.from({ length: 40 }, (_, i) => i)),
      (db) => db.transact((tx) => tx.cursor().writePath(['l']).arrayList().slice(37)),
    );
    expect(changes).toEqual([
      { path: ['l', 39], type: 'remove', before: 39, after: undefined },
      { path: ['l', 38], type: 'remove', before: 38, after: undefined },
      { path: ['l', 37], type: 'remove', before: 37, after: undefined },
    ]);
  });

  it('compares array lists of different depths (one grew past 16 items)', async () => {
    const changes = await changesBetween(
      (db) => db.set(['l'], Array.from({ length: 16 }, (_, i) => i)),
      (db) =>
        db.transact((tx) => {
          tx.set(['l', 3], 'three');
          tx.push(['l'], 16, 17);
        }),
    );
    expect(changes).toEqual([
      { path: ['l', 3], type: 'change', before: 3, after: 'three' },
      { path: ['l', 16], type: 'add', before: undefined, after: 16 },
      { path: ['l', 17], type: 'add', before: undefined, after: 17 },
    ]);
  });

  it('reports an item inserted into the middle of a linked list as one add, not a change of every item after it', async () => {
    const stats: DiffStats = { blocks: 0 };
    const db = await open();
    db.set(['ll'], linkedList(Array.from({ length: 5000 }, (_, i) => i)));
    db.transact((tx) => tx.cursor().writePath(['ll']).linkedArrayList().insert(2500).writeUint(99999));
    const changes = [...db.diff(-2, -1, { stats })].map(plainChange);
    expect(changes).toEqual([{ path: ['ll', 2500], type: 'add', before: undefined, after: 99999 }]);
    // The shared blocks were skipped: a few paths through a 4-level tree, not its 300-odd blocks.
    expect(stats.blocks).toBeLessThan(100);
    expect(applyChanges(db.snapshot(-2).toJS(), db.diff(-2, -1))).toEqual(db.snapshot(-1).toJS());
  });

  it('reports items removed from the middle of a linked list as removes, last first', async () => {
    const db = await open();
    db.set(['ll'], linkedList(Array.from({ length: 300 }, (_, i) => i)));
    db.transact((tx) => {
      const list = tx.cursor().writePath(['ll']).linkedArrayList();
      list.remove(101);
      list.remove(100);
    });
    const changes = [...db.diff(-2, -1)].map(plainChange);
    expect(changes).toEqual([
      { path: ['ll', 101], type: 'remove', before: 101, after: undefined },
      { path: ['ll', 100], type: 'remove', before: 100, after: undefined },
    ]);
    expect(applyChanges(db.snapshot(-2).toJS(), db.diff(-2, -1))).toEqual(db.snapshot(-1).toJS());
  });

  it('reports a put into a linked list as a change', async () => {
    const changes = await changesBetween(
      (db) => db.set(['ll'], linkedList(Array.from({ length: 100 }, (_, i) => i))),
      (db) => db.set(['ll', 50], 'fifty'),
    );
    expect(changes).toEqual([{ path: ['ll', 50], type: 'change', before: 50, after: 'fifty' }]);
  });

  it('is empty between a moment and itself, and between a moment and its copy', async () => {
    const db = await open();
    db.set(['a'], { b: [1, 2, { c: new Map([[1, 2]]) }] });
    db.revert(0);
    expect([...db.diff(0, 0)]).toEqual([]);
    expect([...db.diff(0, 1)]).toEqual([]);
  });

  it('finds no change where equal content was written again, and recurses into rewritten structures', async () => {
    const long = 'x'.repeat(100);
    const changes = await changesBetween(
      (db) => db.set(['doc'], { text: long, n: 1, inner: { a: 1, b: 2 } }),
      (db) => db.set(['doc'], { text: long, n: 1, inner: { a: 1, b: 3 } }),
    );
    expect(changes).toEqual([{ path: ['doc', 'inner', 'b'], type: 'change', before: 2, after: 3 }]);
  });

  it('reports a value that changed kind as one change', async () => {
    const changes = await changesBetween(
      (db) => db.set(['v'], { a: 1 }),
      (db) => db.set(['v'], [1]),
    );
    expect(changes).toEqual([{ path: ['v'], type: 'change', before: { a: 1 }, after: [1] }]);
  });

  it('works backwards: from a newer moment to an older one', async () => {
    const db = await open();
    db.set(['a'], 1);
    db.set(['b'], 2);
    expect([...db.diff(1, 0)].map(plainChange)).toEqual([{ path: ['b'], type: 'remove', before: 2, after: undefined }]);
    expect(applyChanges(db.snapshot(1).toJS(), db.diff(1, 0))).toEqual(db.snapshot(0).toJS());
  });

  it('compares only under a path, and keeps the full paths', async () => {
    const db = await open();
    db.set(['a'], { x: 1 });
    db.transact((tx) => {
      tx.set(['a', 'x'], 2);
      tx.set(['b'], 1);
    });
    expect([...db.diff(0, 1, { path: ['a'] })].map(plainChange)).toEqual([{ path: ['a', 'x'], type: 'change', before: 1, after: 2 }]);
    expect([...db.diff(0, 1, { path: ['b'] })].map(plainChange)).toEqual([{ path: ['b'], type: 'add', before: undefined, after: 1 }]);
    expect([...db.diff(0, 1, { path: ['nothing'] })]).toEqual([]);
  });

  it('gives structures as views, as get does', async () => {
    const db = await open();
    db.set(['a'], 1);
    db.set(['m'], { deep: [1, 2] });
    const [change] = [...db.diff(0, 1)];
    expect(change?.after?.constructor.name).toBe('MapView');
    expect(change?.after).toEqual(db.get(['m']));
  });
});

describe('diff', () => {
  it('compares two views of one database, with paths from the views', async () => {
    const db = await open();
    db.set(['users'], { alice: 1 });
    const before = db.get(['users']);
    db.set(['users', 'bob'], 2);
    const after = db.get(['users']);
    expect([...diff(before as never, after as never)].map(plainChange)).toEqual([{ path: ['bob'], type: 'add', before: undefined, after: 2 }]);
    expect([...db.snapshot(0).diff(db.snapshot(1))].map(plainChange)).toEqual([{ path: ['users', 'bob'], type: 'add', before: undefined, after: 2 }]);
  });

  it('refuses views of two databases and values that are not views', async () => {
    const one = await open();
    const two = await open();
    one.set(['m'], { a: 1 });
    two.set(['m'], { a: 1 });
    expect(() => diff(one.get(['m']) as never, two.get(['m']) as never)).toThrow(InvalidArgumentError);
    expect(() => diff(1 as never, one.get(['m']) as never)).toThrow(InvalidArgumentError);
    expect(() => one.snapshot().diff(two.snapshot())).toThrow(InvalidArgumentError);
  });
});

describe('the diff of a large map', () => {
  it('reads the paths to the changed keys only: under 200 blocks for 10 keys changed among 100,000', async () => {
    const db = await open();
    db.transact((tx) => {
      const map = tx.cursor().hashMap().put('m').hashMap();
      for (let i = 0; i < 100_000; i++) map.put(`key${i}`).writeUint(i);
    });
    db.transact((tx) => {
      const map = tx.cursor().hashMap().put('m').hashMap();
      for (let i = 0; i < 10; i++) map.put(`key${i * 7919}`).writeUint(i + 1_000_000);
    });
    const stats: DiffStats = { blocks: 0 };
    const changes = [...db.diff(0, 1, { stats })];
    expect(changes).toHaveLength(10);
    expect(stats.blocks).toBeLessThan(200);
  });
});

describe('the diff of structures nested deep', () => {
  it('follows them at any depth, on a stack of its own, instead of a RangeError', async () => {
    // 950 levels overflowed the JS stack when each level was a generator frame.
    for (const depth of [499, 950, 5000]) {
      const db = await open();
      // A path writes one map per step: nesting as deep as the path is long.
      const path = Array.from({ length: depth }, () => 'n');
      db.set(path, 1);
      db.set(path, 2);
      expect([...db.diff(-2, -1)].map(plainChange)).toEqual([{ path, type: 'change', before: 1, after: 2 }]);
    }
  });
});
