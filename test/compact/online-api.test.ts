// Database.compact through the value API (src/api/compact.ts): memory and
// file databases, the keep policies as the API takes them, excision by JS
// paths (object keys and Map keys), snapshots taken before a compaction, and
// verifyDatabase after each.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open as openMemory, sortedMap, sortedSet, type Database, type OrderedKey, type SortedMapView, type SortedSetView } from '../../src/index.js';
import { open } from '../../src/node.js';
import { dumpValue } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { InvalidArgumentError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stratadb-compact-api-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

let clockNow = Date.UTC(2026, 0, 1);
const clock = (): number => (clockNow += 60_000);

function fill(db: Database, commits: number): void {
  for (let i = 0; i < commits; i++) {
    db.transact((tx) => {
      tx.set(['users', `u${i % 13}`], { visits: i, secret: `s${i}` });
      tx.set(['log', `l${i % 3}`], `entry ${i}`);
    }, { meta: { i } });
  }
}

function momentDumps(db: Database): unknown[] {
  return Array.from({ length: db.momentCount }, (_, i) => dumpValue(db.engine.moment(i)));
}

describe('Database.compact', () => {
  for (const where of ['memory', 'file'] as const) {
    it(`${where}: keeps the last ten moments exactly, with times and metadata, and shrinks`, async () => {
      const db = where === 'memory' ? await openMemory(undefined, { clock }) : await open(join(dir, 'a.xit'), { clock });
      fill(db, 200);
      const before = momentDumps(db).slice(-10);
      const infos = Array.from({ length: 10 }, (_, k) => db.engine.momentInfo(190 + k));
      const held = db.snapshot(-1);
      const heldMeta = held.meta;
      const result = db.compact({ keep: { last: 10 } });
      expect(result).toMatchObject({ momentsBefore: 200, moments: 10 });
      expect(result.sizeAfter).toBeLessThan(result.sizeBefore / 5);
      expect(momentDumps(db)).toEqual(before);
      for (let k = 0; k < 10; k++) {
        const info = db.engine.momentInfo(k);
        expect([info.time, info.meta]).toEqual([infos[k]?.time, infos[k]?.meta]);
      }
      expect(verifyDatabase(db.engine).ok).toBe(true);
      // Snapshots from before still read (the old storage stays open) and undo works across kept moments.
      expect(held.get(['users', 'u3', 'visits'])).toBe(198 - ((198 - 3) % 13));
      expect([held.index, held.meta]).toEqual([199, heldMeta]);
      db.undo();
      expect(dumpValue(db.engine.moment(-1))).toEqual(before[8]);
      expect(verifyDatabase(db.engine).ok).toBe(true);
      db.close();
    });
  }

  it('drops paths from every kept moment, by object key and by Map key', async () => {
    const db = await open(join(dir, 'b.xit'));
    db.set(['people'], new Map<unknown, unknown>([[7, 'seven'], ['x', 'ex']]));
    fill(db, 20);
    db.compact({ keep: { last: 5 }, drop: [['users', 'u4', 'secret'], ['people', 7]] });
    for (const snapshot of db.moments()) {
      expect(snapshot.has(['users', 'u4', 'secret'])).toBe(false);
      expect(snapshot.has(['users', 'u4', 'visits'])).toBe(true);
      expect(snapshot.has(['people', 7])).toBe(false);
      expect(snapshot.get(['people', 'x'])).toBe('ex');
    }
    expect(verifyDatabase(db.engine).ok).toBe(true);
    db.close();
  });

  it('drops keys of every kind from sorted maps and sorted sets, not only text keys', async () => {
    const db = await openMemory(undefined, { clock });
    db.set(['scores'], sortedMap<OrderedKey, unknown>([[7, { token: 't7' }], [[41, 'ann'], 'tuple'], [new Date(0), 'epoch'], ['text', 'kept'], [8, 'kept']]));
    db.set(['tags'], sortedSet<OrderedKey>([1n, true, 'kept']));
    fill(db, 3);
    db.compact({ keep: { last: 4 }, drop: [['scores', 7], ['scores', [41, 'ann']], ['scores', new Date(0)], ['tags', 1n], ['tags', true]] as never });
    expect(db.momentCount).toBe(4);
    for (const snapshot of db.moments()) {
      expect((snapshot.get(['scores']) as SortedMapView).toJS()).toEqual(new Map<unknown, unknown>([['text', 'kept'], [8, 'kept']]));
      expect((snapshot.get(['tags']) as SortedSetView).toJS()).toEqual(new Set(['kept']));
    }
    expect(verifyDatabase(db.engine).ok).toBe(true);
  });

  it('refuses a dropped path longer than excision takes before walking it (100,000 steps took hours)', async () => {
    const db = await openMemory(undefined, { clock });
    const path = Array.from({ length: 100_000 }, () => 'a');
    db.set(path.slice(0, 400), 1);
    expect(() => db.compact({ drop: [path] })).toThrow(/^a dropped path takes at most 64 steps, got 100000$/);
    expect(db.compact({ drop: [path.slice(0, 64)] }).moments).toBe(1);
  });

  it('takes since as a date string and thin: true, and refuses malformed policies', async () => {
    const db = await openMemory(undefined, { clock });
    fill(db, 30);
    const cut = db.engine.momentInfo(20).time as number;
    expect(db.compact({ keep: { since: new Date(cut).toISOString() } }).moments).toBe(10);
    expect(db.compact({ keep: { thin: true }, now: cut + 86_400_000 * 30 }).moments).toBeGreaterThanOrEqual(1);
    expect(() => db.compact({ keep: { since: 'not a date' } })).toThrow(InvalidArgumentError);
    expect(() => db.compact({ keep: { last: 0 } })).toThrow(InvalidArgumentError);
    expect(() => db.compact({ drop: [[]] })).toThrow(InvalidArgumentError);
    db.set(['todos'], ['a', 'b']);
    expect(() => db.compact({ drop: [['todos', 0]] })).toThrow(/steps into a list/);
    db.close();
  });

  it('a predicate over { index, time, meta } chooses the moments', async () => {
    const db = await openMemory(undefined, { clock });
    fill(db, 12);
    const result = db.compact({ keep: ({ meta }) => (meta as { i: number }).i % 4 === 0 });
    expect(result.moments).toBe(4); // 0, 4, 8 and the latest (11)
    expect([...db.moments()].map((s) => (s.meta as { i: number }).i)).toEqual([0, 4, 8, 11]);
    db.close();
  });

  it('a predicate that returns no boolean is refused before anything is copied, not read as false', async () => {
    const db = await openMemory(undefined, { clock });
    fill(db, 6);
    const important = ({ meta }: { meta: unknown }): boolean => ((meta as { i: number }).i % 2) as unknown as boolean;
    expect(() => db.compact({ keep: important })).toThrow(/^keep's function returned number for moment 0; it returns true \(keep\) or false \(drop\)$/);
    expect(() => db.compact({ keep: () => 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
    expect(db.momentCount).toBe(6);
    db.close();
  });

  it('a subscriber hears of commits after a compaction, and nothing for the compaction itself', async () => {
    const db = await openMemory();
    fill(db, 5);
    const events: number[] = [];
    db.subscribe((event) => events.push(event.moment));
    db.compact();
    expect(events).toEqual([]);
    db.set(['after'], 1);
    expect(events).toEqual([1]);
    db.close();
  });
});
