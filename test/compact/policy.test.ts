// Keep policies (issue 16): latest, last N, since a time, backup-style
// thinning and predicates; the latest moment always kept; malformed policies
// refused with InvalidArgumentError.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { DAY_MS, HOUR_MS, compactInto, selectMoments, type KeepPolicy } from '../../src/compact/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { newSource } from './support.js';

/** A database whose moments were committed at `times`. */
function timed(times: readonly number[]): Engine {
  let next = 0;
  const engine = Engine.open(new MemoryStorage({ durable: true }), { hasher: sha1Hasher, clock: () => times[next] as number });
  times.forEach((_, i) => {
    engine.transact((root) => root.hashMap().put('i').writeUint(i), { meta: { i } });
    next++;
  });
  return engine;
}

describe('selectMoments', () => {
  it('keeps the latest by default, and nothing of an empty history', () => {
    const { engine } = newSource();
    expect(selectMoments(engine)).toEqual([]);
    for (let i = 0; i < 5; i++) engine.transact((root) => root.hashMap().put('i').writeUint(i));
    expect(selectMoments(engine)).toEqual([4]);
    expect(selectMoments(engine, 'latest')).toEqual([4]);
  });

  it('keeps the last n, or all when there are fewer', () => {
    const { engine } = newSource();
    for (let i = 0; i < 30; i++) engine.transact((root) => root.hashMap().put('i').writeUint(i));
    expect(selectMoments(engine, { last: 10 })).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(selectMoments(engine, { last: 100 })).toHaveLength(30);
    expect(selectMoments(engine, { last: 1 })).toEqual([29]);
  });

  it('keeps the moments at or after a time, and the latest even when it is older', () => {
    const t = Date.UTC(2026, 0, 1);
    const engine = timed([t, t + 1000, t + 2000, t + 3000]);
    expect(selectMoments(engine, { since: t + 1000 })).toEqual([1, 2, 3]);
    expect(selectMoments(engine, { since: new Date(t + 2500) })).toEqual([3]);
    expect(selectMoments(engine, { since: t + 9999 })).toEqual([3]);
  });

  it('thins like a backup: all of the last day, the newest of each hour for a week, of each day before', () => {
    const at = (day: number, hour: number, minute = 0): number => Date.UTC(2026, 0, day, hour, minute);
    const times = [at(1, 10), at(1, 11), at(2, 9), at(5, 10, 10), at(5, 10, 50), at(5, 11, 5), at(10, 1), at(10, 1, 1), at(10, 12)];
    const engine = timed(times);
    const now = at(10, 12);
    expect(selectMoments(engine, { thin: {} }, now)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    // Spans are configurable: keep everything of the last week, one per day before.
    expect(selectMoments(engine, { thin: { all: 7 * DAY_MS } }, now)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Two-hour buckets over the hourly span.
    expect(selectMoments(engine, { thin: { hour: 2 * HOUR_MS } }, now)).toEqual([1, 2, 5, 6, 7, 8]);
  });

  it('asks a predicate about each moment with its index, time and metadata', () => {
    const t = Date.UTC(2026, 0, 1);
    const engine = timed([t, t + 1000, t + 2000, t + 3000, t + 4000]);
    const seen: unknown[] = [];
    const kept = selectMoments(engine, (moment) => {
      seen.push(moment);
      return moment.index % 2 === 1;
    });
    expect(kept).toEqual([1, 3, 4]);
    expect(seen[2]).toEqual({ index: 2, time: t + 2000, meta: { i: 2 } });
  });

  it('refuses malformed policies', () => {
    const { engine } = newSource();
    engine.transact((root) => root.hashMap().put('i').writeUint(1));
    const bad: unknown[] = ['all', 3, null, [], {}, { last: 0 }, { last: 1.5 }, { last: '3' }, { since: 'yesterday' }, { since: new Date(Number.NaN) }, { last: 1, since: 0 }, { thin: { all: -1 } }, { thin: { hour: 0 } }, { thin: { weekly: 1 } }, { thin: 'daily' }, { keep: 1 }];
    for (const policy of bad) expect(() => selectMoments(engine, policy as KeepPolicy), JSON.stringify(policy)).toThrow(InvalidArgumentError);
    expect(() => selectMoments(engine, 'latest', Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => compactInto(engine, new MemoryStorage(), { keep: { last: -2 } })).toThrow(InvalidArgumentError);
    expect(() => compactInto(engine, new MemoryStorage(), { onProgress: 5 as unknown as () => void })).toThrow(InvalidArgumentError);
  });
});
