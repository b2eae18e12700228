// The one value walk (src/history/value-walk.ts) that dump, toJS/toImmutable
// and copy are visitors of: each distinct structure opened once however often
// it is stored, held children put back in storage order, the unfolded count
// against a budget, and nested walks (keys that are structures) bounded.

import { describe, expect, it } from 'vitest';
import { CorruptDatabaseError, open, type Database } from '../../src/index.js';
import { dumpValue } from '../../src/history/dump.js';
import { KEY_NESTING_MAX, ValueWalk, type ValueVisitor } from '../../src/history/value-walk.js';
import type { ReadCursor } from '../../src/cursor/read-cursor.js';
import type { StructureKind } from '../../src/kinds/table.js';
import { Tag } from '../../src/format/tags.js';
import { writeSlot } from '../support/sample-databases.js';

const fresh = async (): Promise<Database> => open(undefined, { durability: 'flush' });

type Box = { kind: StructureKind; items: Array<[unknown, unknown]> };

/** A visitor that records the structures it opens and the places a finished one is met again, and builds entry lists. */
class Recorder implements ValueVisitor<unknown, Box, string, string> {
  readonly opened: string[] = [];
  readonly againAt: string[] = [];

  leaf(cursor: ReadCursor): unknown {
    return cursor.tag === Tag.NONE ? null : cursor.readNumber();
  }
  again(_done: unknown, place: string): void {
    this.againAt.push(place);
  }
  open(cursor: ReadCursor, kind: StructureKind): Box {
    this.opened.push(`${kind.name}@${cursor.slot.position}`);
    return { kind, items: [] };
  }
  key(_container: Box, key: ReadCursor): string {
    return key.readString();
  }
  member(container: Box, key: ReadCursor): void {
    container.items.push([key.readString(), true]);
  }
  leafChild(container: Box, _kind: StructureKind, key: string | number, child: ReadCursor): void {
    container.items.push([key, this.leaf(child)]);
  }
  hold(container: Box, _kind: StructureKind, key: string | number): void {
    container.items.push([key, 'held']);
  }
  place(_container: Box, _kind: StructureKind, key: string | number): string {
    return String(key);
  }
  put(container: Box, _kind: StructureKind, key: string | number, value: unknown): void {
    const at = container.items.findIndex(([k, v]) => k === key && v === 'held');
    container.items[at] = [key, value];
  }
  close(container: Box): unknown {
    return { [container.kind.name]: container.items };
  }
}

describe('the value walk', () => {
  it('opens each distinct structure once, puts held children back in their places, and hands a finished one to every other place', async () => {
    const db = await fresh();
    db.set(['x'], { leaf: 1 });
    db.transact((tx) => {
      const view = tx.get(['x']);
      tx.set(['x'], { a: view, b: view, n: 2, l: [view, 3] });
    });
    const visitor = new Recorder();
    const walker = new ValueWalk(visitor);
    const result = walker.walk(db.engine.moment(-1).readPath(['x'])!, 'root') as { hash_map: Array<[string, unknown]> };
    // The top map, the shared {leaf: 1} once, and the list: three structures for four places.
    expect(visitor.opened).toHaveLength(3);
    expect(new Set(visitor.opened).size).toBe(3);
    // The shared map is opened at the first place the walk reaches (a, first in storage order here) and met again at the others.
    expect(visitor.againAt.sort()).toEqual(['0', 'b'].sort());
    const entries = new Map(result.hash_map);
    expect(entries.get('n')).toBe(2);
    expect(entries.get('a')).toBe(entries.get('b'));
    expect(entries.get('a')).toEqual({ hash_map: [['leaf', 1]] });
    expect(entries.get('l')).toEqual({ array_list: [[0, entries.get('a')], [1, 3]] });
    expect([...entries.values()]).not.toContain('held');
  });

  it('counts what a result unfolds to, shared structures at each place, against the budget', async () => {
    const db = await fresh();
    db.set(['x'], { leaf: 1 });
    for (let i = 0; i < 5; i++) {
      db.transact((tx) => {
        const view = tx.get(['x']);
        tx.set(['x'], { a: view, b: view });
      });
    }
    const root = db.engine.moment(-1).readPath(['x'])!;
    // {leaf: 1} unfolds to 2 values; each level to 1 + twice the level below: 2, 5, 11, 23, 47, 95.
    expect(JSON.stringify(dumpValue(root, { maxValues: 95 }))).toContain('"leaf"');
    const counts: number[] = [];
    expect(() =>
      new ValueWalk(new Recorder(), {
        maxValues: 94,
        tooMany: (count) => {
          counts.push(count);
          return new RangeError(`unfolds to ${count}`);
        },
      }).walk(root, 'root'),
    ).toThrow(/unfolds to 95/);
    expect(counts).toEqual([95]);
    expect(() => dumpValue(root, { maxValues: 94 })).toThrow(/would print 95 values/);
  });

  it(`walks keys that are structures (only damage or another writer makes them), ${KEY_NESTING_MAX} deep and no deeper`, async () => {
    /** A chain of `depth + 1` one-entry maps in which each map's key slot is rewritten to point at the next map. */
    async function keyChain(depth: number): Promise<ReadCursor> {
      const db = await fresh();
      db.set(['c'], Object.fromEntries(Array.from({ length: depth + 1 }, (_, i) => [`m${i}`, { k: i }])));
      const bytes = db.bytes().slice();
      const root = db.engine.moment(-1);
      for (let i = 0; i < depth; i++) {
        const map = root.readPath(['c', `m${i}`])!;
        const next = root.readPath(['c', `m${i + 1}`])!;
        const entry = [...map.asHashMap().entries()][0]!;
        writeSlot(bytes, entry.key.slotPosition, Tag.HASH_MAP, next.slot.position);
      }
      const damaged = await open(bytes);
      return damaged.engine.moment(-1).readPath(['c', 'm0'])!;
    }
    // Within the bound: the key prints as the JSON of its structure's dump, itself keyed by a structure, down to {"k": ...}.
    const within = dumpValue(await keyChain(KEY_NESTING_MAX)) as { hash_map: Record<string, unknown> };
    let entries = within.hash_map;
    for (let level = 0; level < KEY_NESTING_MAX; level++) {
      const [key] = Object.keys(entries);
      expect(entries[key!]).toEqual({ int: String(level) });
      expect(key!.startsWith('{"hash_map":')).toBe(true);
      entries = (JSON.parse(key!) as { hash_map: Record<string, unknown> }).hash_map;
    }
    expect(entries).toEqual({ k: { int: String(KEY_NESTING_MAX) } });
    // One level deeper: a typed error, not a RangeError.
    await expect(keyChain(KEY_NESTING_MAX + 1).then((cursor) => dumpValue(cursor))).rejects.toThrow(CorruptDatabaseError);
    await expect(keyChain(KEY_NESTING_MAX + 1).then((cursor) => dumpValue(cursor))).rejects.toThrow(/nest more than 16 deep/);
  });
});
