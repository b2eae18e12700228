// The walkers of the JS-value API, the dump and the operational tools over
// shared, deep, cyclic and unreadable structures: a structure stored in many
// places is walked once; any depth the writers accept is read without a
// RangeError; a structure that contains itself (hostile bytes) gets
// CorruptDatabaseError everywhere; a gen-2 structure is refused, never hidden.

import { describe, expect, it } from 'vitest';
import { List as IList, Map as IMap } from 'immutable';
import { CorruptDatabaseError, MapView, ListView, SortedMapView, SortedSetView, WrongTypeError, open, type Database } from '../../src/index.js';
import { verifyDatabase } from '../../src/engine.js';
import { dumpDatabase, dumpText } from '../../src/history/dump.js';
import { databaseStats } from '../../src/history/stats.js';
import { Tag } from '../../src/format/tags.js';
import { fixtureBytes, haveFixtures, announceFixtures } from '../support/fixtures.js';
import { writeSlot } from '../support/sample-databases.js';
import { toImmutable } from '../../src/immutable.js';

announceFixtures();

const fresh = async (): Promise<Database> => open(undefined, { durability: 'flush' });

/** `levels` levels of `{ a: v, b: v }` over a small map, each level a stored view: 2^levels paths, `levels` structures. */
async function sharedDag(levels: number): Promise<Database> {
  const db = await fresh();
  db.set(['x'], { leaf: 1 });
  for (let i = 0; i < levels; i++) {
    db.transact((tx) => {
      const view = tx.get(['x']);
      tx.set(['x'], { a: view, b: view });
    });
  }
  return db;
}

/** A map nested `depth` levels deep under ['d'] (maps and lists alternating), written through the cursor API. */
async function deepValue(depth: number): Promise<Database> {
  const db = await fresh();
  db.transact((tx) => {
    let cursor = tx.cursor().hashMap().put('d');
    for (let i = 0; i < depth; i++) cursor = i % 2 === 0 ? cursor.hashMap().put('n') : cursor.arrayList().append();
    cursor.writeUint(1);
  });
  return db;
}

/** The kinds along the first path of a nested value (`o` object, `a` array) and its leaf, without recursion. */
function chain(value: unknown): unknown[] {
  const out: unknown[] = [];
  let node = value;
  while (typeof node === 'object' && node !== null) {
    out.push(Array.isArray(node) ? 'a' : 'o');
    node = Array.isArray(node) ? node[0] : (node as Record<string, unknown>).n;
  }
  out.push(node);
  return out;
}

describe('MapView.toJS on shared structures', () => {
  it('walks a view stored twice, forty levels deep, once: the same JS object for the same stored structure', async () => {
    const db = await sharedDag(40);
    const view = db.get(['x']) as MapView;
    const out = view.toJS() as { a: unknown; b: unknown };
    expect(out.a).toBe(out.b);
    let node: unknown = out;
    for (let i = 0; i < 40; i++) node = (node as { a: unknown }).a;
    expect(node).toEqual({ leaf: 1 });
    const immutable = toImmutable(view);
    expect(immutable.get('a')).toBe(immutable.get('b'));
    // (toEqual would walk all 2^40 paths of the result: compare by identity.)
    const moment = db.snapshot().toJS() as { x: { a: unknown; b: unknown } };
    expect(moment.x.a).toBe(moment.x.b);
  });

  it('keeps the order of an object with structures and scalars mixed', async () => {
    const db = await fresh();
    db.set(['o'], { first: 1, second: { n: 2 }, third: 3, fourth: [4] });
    const view = db.get(['o']) as MapView;
    const plain = view.toJS() as object;
    // Structures are filled in after the scalars, but each keeps its place in storage order.
    expect(Object.keys(plain)).toEqual([...view.keys()]);
    expect(plain).toEqual({ first: 1, second: { n: 2 }, third: 3, fourth: [4] });
    expect(toImmutable(db.get(['o']) as MapView)).toEqual(IMap({ first: 1, second: IMap({ n: 2 }), third: 3, fourth: IList([4]) }));
  });
});

describe('dump on shared structures', () => {
  it('refuses a moment whose printed form would pass the value budget, with a typed error that names the option', async () => {
    const db = await sharedDag(40);
    let thrown: unknown;
    try {
      dumpDatabase(db.engine);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe('OutOfRangeError');
    expect((thrown as Error).message).toMatch(/maxValues/);
  });

  it('prints shared structures in full within the budget, walking each once', async () => {
    const db = await sharedDag(10);
    const dumped = dumpDatabase(db.engine, { maxValues: 5000 });
    const last = dumped.moments[dumped.moments.length - 1] as { hash_map: { x: { hash_map: { a: unknown; b: unknown } } } };
    expect(JSON.parse(JSON.stringify(last.hash_map.x.hash_map.a))).toEqual(JSON.parse(JSON.stringify(last.hash_map.x.hash_map.b)));
    expect(() => dumpDatabase(db.engine, { maxValues: 1000 })).toThrow(/maxValues/);
  });
});

describe('walkers on structures nested deeper than the stack', () => {
  it('materialize, dump, verify and count 5,000 levels without a RangeError', async () => {
    const db = await deepValue(5000);
    const view = db.get(['d']) as MapView;
    let node = view.toJS() as Record<string, unknown> | unknown[];
    let depth = 0;
    while (typeof node === 'object' && node !== null) {
      node = (Array.isArray(node) ? node[0] : node.n) as Record<string, unknown> | unknown[];
      depth++;
    }
    expect(depth).toBe(5000);
    expect(node).toBe(1);
    expect(() => void toImmutable(view)).not.toThrow();
    expect(() => db.snapshot().toJS()).not.toThrow();
    const text = dumpText(db.engine);
    expect(text.length).toBeGreaterThan(5000);
    expect(verifyDatabase(db.engine).ok).toBe(true);
    expect(databaseStats(db.engine, { reachable: true }).reachableBytes).toBeGreaterThan(0);
  });

  it('copies a view 5,000 levels deep into another database', async () => {
    const db = await deepValue(5000);
    const other = await fresh();
    other.set(['copy'], db.get(['d']) as MapView);
    // (toEqual recurses: compare the shape level by level.)
    expect(chain((other.get(['copy']) as MapView).toJS())).toEqual(chain((db.get(['d']) as MapView).toJS()));
    expect(chain((other.get(['copy']) as MapView).toJS()).length).toBe(5001);
  });
});

describe('copying a view with shared structures into another database', () => {
  it('copies each shared structure once and keeps the copies independent', async () => {
    const db = await sharedDag(40);
    const other = await fresh();
    other.set(['copy'], db.get(['x']) as MapView);
    const out = (other.get(['copy']) as MapView).toJS() as { a: unknown; b: unknown };
    expect(out.a).toBe(out.b);
    // The two places share blocks in the target, but a write to one never reaches the other.
    other.transact((tx) => {
      tx.set(['copy', 'a', 'a', 'leaf'], 2);
      tx.set(['copy', 'b', 'extra'], 3);
    });
    expect(other.get(['copy', 'b', 'a', 'leaf'])).toBeUndefined();
    expect(other.get(['copy', 'a', 'extra'])).toBeUndefined();
    expect(other.get(['copy', 'a', 'a', 'leaf'])).toBe(2);
    expect(verifyDatabase(other.engine).ok).toBe(true);
  });
});

/** A database whose map under 'm' holds, at key 'self', a slot pointing at the map itself (or at `target`). */
async function selfContaining(target: 'self' | 'ancestor'): Promise<Database> {
  const db = await fresh();
  db.set(['m'], { child: { inner: 1 }, placeholder: 0 });
  const bytes = db.bytes().slice();
  const engine = db.engine;
  const mapSlot = engine.moment(-1).readPath(['m'])!;
  const childSlot = engine.moment(-1).readPath(['m', 'child'])!;
  const placeholder = engine.moment(-1).readPath(['m', 'placeholder'])!;
  const inner = engine.moment(-1).readPath(['m', 'child', 'inner'])!;
  if (target === 'self') {
    // m.placeholder points at m's own block.
    writeSlot(bytes, placeholder.slotPosition, Tag.HASH_MAP, mapSlot.slot.position);
  } else {
    // m.child.inner points back at m, an ancestor two levels up.
    writeSlot(bytes, inner.slotPosition, Tag.HASH_MAP, mapSlot.slot.position);
  }
  expect(childSlot.tag).toBe(Tag.HASH_MAP);
  return open(bytes);
}

describe('walkers on a structure that contains itself', () => {
  for (const target of ['self', 'ancestor'] as const) {
    it(`give CorruptDatabaseError, never a RangeError, when a map's slot points at ${target === 'self' ? 'its own block' : 'an ancestor'}`, async () => {
      const db = await selfContaining(target);
      const view = db.get(['m']) as MapView;
      expect(() => view.toJS()).toThrow(CorruptDatabaseError);
      expect(() => void toImmutable(view)).toThrow(CorruptDatabaseError);
      expect(() => db.snapshot().toJS()).toThrow(CorruptDatabaseError);
      expect(() => dumpDatabase(db.engine)).toThrow(CorruptDatabaseError);
      expect(() => dumpText(db.engine)).toThrow(CorruptDatabaseError);
      const report = verifyDatabase(db.engine);
      expect(report.problems.map((p) => p.message)).toEqual([expect.stringMatching(/contains itself/)]);
      expect(databaseStats(db.engine, { reachable: true }).reachableBytes).toBeGreaterThan(0);
      const other = await fresh();
      expect(() => other.set(['copy'], view)).toThrow(CorruptDatabaseError);
      expect(other.momentCount).toBe(0);
    });
  }
});

describe.runIf(haveFixtures)('the JS API on sorted maps written by xitdb-java 0.30+', () => {
  it('reads them as sorted views on every read path, copies them, and writes into them', async () => {
    const db = (await open(fixtureBytes('sorted.db'))).snapshot(0);
    const sorted = db.get(['sorted']) as SortedMapView;
    expect(sorted).toBeInstanceOf(SortedMapView);
    expect(sorted.size).toBe(60);
    expect(db.get(['sorted', 'k0042'])).toBe(42);
    expect(sorted.rank('k0010')).toBe(10);
    expect(sorted.at(-1)).toEqual(['k0059', 59]);
    expect([...db.range(['sorted'], { gt: 'k0003x', limit: 2 })]).toEqual([['k0004', 4], ['k0005', 5]]);
    expect(db.get(['users', 'bob', 'name'])).toBe('bob');
    expect((db.get(['names']) as SortedSetView).toJS()).toEqual(new Set(['', 'Zed', 'a-much-longer-key-than-eight-bytes', 'mid', 'short']));
    // toJS and toImmutable give the maps in key order, as the dump does.
    const js = db.toJS() as Record<string, unknown>;
    expect([...(js['sorted'] as Map<string, number>).keys()].slice(0, 3)).toEqual(['k0000', 'k0001', 'k0002']);
    expect((toImmutable(db.get(['users'])) as IMap<string, unknown>).keySeq().first()).toBe('alice');
    // Copying the root into another database keeps each sorted map's kind and keys.
    const other = await fresh();
    other.set(['copy'], db.get([]) as MapView);
    expect(other.snapshot().cursor().readPath(['copy', 'big'])?.tag).toBe(Tag.SORTED_MAP);
    expect((other.get(['copy', 'big']) as SortedMapView).size).toBe((db.get(['big']) as SortedMapView).size);
    expect(verifyDatabase(other.engine).problems).toEqual([]);
    const writable = await open(fixtureBytes('sorted.db'), { readOnly: false });
    writable.set(['sorted', 'k0060'], 60);
    const first = (writable.get(['sorted']) as SortedMapView).first()!;
    expect(writable.delete(['sorted', first[0]] as never)).toBe(true);
    expect((writable.get(['sorted']) as SortedMapView).first()?.[0]).not.toEqual(first[0]);
    expect((writable.get(['sorted']) as SortedMapView).last()).toEqual(['k0060', 60]);
    writable.merge(['big'], { a: 1 });
    expect(writable.get(['big', 'a'])).toBe(1);
    expect(() => writable.push(['big'], 1)).toThrow(WrongTypeError);
    expect(verifyDatabase(writable.engine).problems).toEqual([]);
  });

  it('reads a slot retagged as a sorted map as damage, never as the kind it was', async () => {
    // A list item whose tag is rewritten to 14: a hash map's record read as a sorted map's header.
    const db = await fresh();
    db.set(['l'], [{ a: 1 }]);
    const bytes = db.bytes().slice();
    const item = db.engine.moment(-1).readPath(['l', 0])!;
    bytes[item.slotPosition] = 14;
    const damaged = await open(bytes);
    const list = damaged.get(['l']) as ListView;
    expect(list.get(0)).toBeInstanceOf(SortedMapView);
    expect(() => [...(list.get(0) as SortedMapView)]).toThrow(CorruptDatabaseError);
    expect(() => list.toJS()).toThrow(CorruptDatabaseError);
  });
});
