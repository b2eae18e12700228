// Views as objects (issue item 13): JSON.stringify(view) gives the data and
// never the storage behind it, console.log shows a bounded preview, and no
// internal state is enumerable.

import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { open, type ListView, type MapView, type SetView } from '../../src/index.js';

describe('JSON.stringify of a view', () => {
  it('serializes the view\'s data only, never another key or the storage bytes', async () => {
    const db = await open();
    db.set(['public'], { name: 'site', tags: ['a', 'b'] });
    db.set(['secret'], 'hunter2-password');
    const view = db.get(['public']) as MapView;
    const text = JSON.stringify(view);
    expect(JSON.parse(text)).toEqual({ name: 'site', tags: ['a', 'b'] });
    expect(text).not.toContain('hunter2');
    expect(JSON.stringify(db.get(['public', 'tags']))).toBe('["a","b"]');
    expect(Object.keys(view)).toEqual(['kind']);
    expect(JSON.stringify({ ...view })).not.toContain('hunter2');
  });
});

describe('inspecting a view', () => {
  it('shows the kind, the size and the first few entries, with Symbol.toStringTag', async () => {
    const db = await open();
    db.set(['m'], { a: 1, b: 'x', c: { d: 2 } });
    db.set(['l'], Array.from({ length: 100_000 }, (_, i) => i));
    db.set(['s'], new Set(['only']));
    const map = db.get(['m']) as MapView;
    expect(Object.prototype.toString.call(map)).toBe('[object MapView]');
    expect(inspect(map)).toMatch(/^MapView\(3\) \{ /);
    expect(inspect(map)).toContain("c: MapView(1)");
    const list = db.get(['l']) as ListView;
    expect(inspect(list)).toBe('ListView(100000) [ 0, 1, 2, 3, 4, ... ]');
    expect(Object.prototype.toString.call(list)).toBe('[object ListView]');
    expect(inspect(db.get(['s']) as SetView)).toBe('SetView(1) { "only" }');
  });

  it('never throws, even for a view of an ended transaction', async () => {
    const db = await open();
    db.set(['m'], { a: 1 });
    let escaped: MapView | undefined;
    db.transact((tx) => {
      escaped = tx.get(['m']) as MapView;
    });
    expect(inspect(escaped)).toMatch(/^MapView <.*transaction/);
  });
});
