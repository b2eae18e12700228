// The diff of sorted maps and sets (src/diff/sorted-diff.ts): changes by key,
// in key order, keys decoded as the JS keys they were written as, and the
// blocks both moments share skipped (blocks read follow the change).

import { describe, expect, it } from 'vitest';
import { open, sortedMap, sortedSet, diff, type DiffStats, type OrderedKey, type SortedMapView } from '../../src/index.js';
import { diffCursors, verifyDatabase } from '../../src/engine.js';
import { applyChanges, plainChange } from './support.js';

describe('the diff of sorted maps and sets', () => {
  it('reports adds, removes and changes by key, in key order, with keys of every kind decoded', async () => {
    const db = await open();
    db.set(['m'], sortedMap<OrderedKey, unknown>([[1, 'one'], ['b', { deep: 1 }], [[2, 'x'], 'tuple'], [5n, 'big'], [new Date(7), 'date']]));
    db.transact((tx) => {
      tx.delete(['m', 1] as never);
      tx.set(['m', 'b', 'deep'] as never, 2);
      tx.set(['m', [2, 'y']] as never, 'other tuple');
      tx.set(['m', 5n] as never, 'bigger');
      tx.set(['m', 0.5] as never, 'half');
    });
    expect([...db.diff(-2, -1)].map(plainChange)).toEqual([
      { path: ['m', 'b', 'deep'], type: 'change', before: 1, after: 2 },
      { path: ['m', 0.5], type: 'add', before: undefined, after: 'half' },
      { path: ['m', 1], type: 'remove', before: 'one', after: undefined },
      { path: ['m', 5n], type: 'change', before: 'big', after: 'bigger' },
      { path: ['m', [2, 'y']], type: 'add', before: undefined, after: 'other tuple' },
    ]);
    db.set(['s'], sortedSet([3, 1, 2]));
    db.transact((tx) => {
      tx.delete(['s', 2] as never);
      tx.add(['s'], -1, 10n);
    });
    expect([...db.diff(-2, -1)].map(plainChange)).toEqual([
      { path: ['s', -1], type: 'add', before: undefined, after: -1 },
      { path: ['s', 2], type: 'remove', before: 2, after: undefined },
      { path: ['s', 10n], type: 'add', before: undefined, after: 10n },
    ]);
    // A whole new sorted map beside an absent one, and views diffed directly.
    expect([...db.diff(1, 2)].map((change) => [change.path, change.type])).toEqual([[['s'], 'add']]);
    const before = db.snapshot(0).get(['m']) as SortedMapView;
    const after = db.snapshot(1).get(['m']) as SortedMapView;
    expect([...diff(before, after)].map((change) => change.path)).toEqual([['b', 'deep'], [0.5], [1], [5n], [[2, 'y']]]);
    expect([...diff(after, after)]).toEqual([]);
  });

  it('reads the paths to the changed keys only: few blocks for 3 keys changed among 20,000', async () => {
    const db = await open();
    db.set(['m'], sortedMap(Array.from({ length: 20_000 }, (_, i) => [i, `v${i}`] as const)));
    db.transact((tx) => {
      tx.set(['m', 777], 'changed');
      tx.set(['m', 12_345.5], 'added');
      tx.delete(['m', 19_000]);
    });
    const stats: DiffStats = { blocks: 0 };
    const changes = [...db.diff(-2, -1, { stats })].map(plainChange);
    expect(changes).toEqual([
      { path: ['m', 777], type: 'change', before: 'v777', after: 'changed' },
      { path: ['m', 12_345.5], type: 'add', before: undefined, after: 'added' },
      { path: ['m', 19_000], type: 'remove', before: 'v19000', after: undefined },
    ]);
    // 20,000 entries are some 1,800 nodes (4 levels); the diff opens the three paths and the
    // siblings it must align, 36 blocks when measured.
    console.log(`blocks read: ${stats.blocks}`);
    expect(stats.blocks).toBeLessThan(60);
    // A split moves the entries after the new key into a new leaf: still a few paths.
    db.transact((tx) => {
      for (let i = 0; i < 40; i++) tx.set(['m', 500 + (i + 1) / 100], i);
    });
    const split: DiffStats = { blocks: 0 };
    const added = [...db.diff(-2, -1, { stats: split })];
    expect(added).toHaveLength(40);
    expect(added.every((change) => change.type === 'add')).toBe(true);
    console.log(`blocks read after 40 inserts: ${split.blocks}`);
    expect(split.blocks).toBeLessThan(150);
    expect(verifyDatabase(db.engine).problems).toEqual([]);
  });

  it('applied to the older moment gives the newer one, over random edits of a sorted map in many transactions', async () => {
    const db = await open();
    let state = 20261207;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    db.set(['m'], sortedMap(Array.from({ length: 300 }, (_, i) => [i * 3, i] as const)));
    for (let t = 0; t < 30; t++) {
      db.transact((tx) => {
        for (let e = 0; e < 1 + Math.floor(random() * 20); e++) {
          const key = Math.floor(random() * 1000);
          if (random() < 0.4) tx.delete(['m', key]);
          else tx.set(['m', key], Math.floor(random() * 100));
        }
      });
    }
    const models = [...db.moments()].map((moment) => moment.toJS());
    for (let a = 0; a < models.length; a++) {
      for (const b of [a + 1, Math.floor(random() * models.length)]) {
        if (b >= models.length) continue;
        const changes = [...db.diff(a, b)];
        expect(applyChanges(structuredClone(models[a]), changes), `diff(${a}, ${b})`).toEqual(models[b]);
        // Keys come in ascending order within the map.
        const keys = changes.map((change) => change.path[1] as number);
        expect(keys).toEqual([...keys].sort((x, y) => x - y));
      }
    }
    // The cursor-level diff gives the same number of changes.
    expect([...diffCursors(db.engine.moment(0), db.engine.moment(-1))].length).toBe([...db.diff(0, -1)].length);
  });
});
