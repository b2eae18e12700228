// The targets (issue 16), as sizes: a 2,000-moment history compacted
// to its latest moment is within 1.05x of a file that wrote the same content
// in one transaction; { last: 10 } keeps exactly the last ten, equal by dump;
// 100 moments that share most of their data compact to about one copy.

import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { compactInto } from '../../src/compact/index.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { dumpMoment, expectSameMoments, newSource, reopen } from './support.js';

const KEYS = 700;
const value = (i: number): string => `value written by commit number ${i}`;

describe('compaction targets', () => {
  it('compacts 2,000 moments to within 1.05x of one transaction writing the same content', () => {
    const { engine, storage } = newSource();
    const latest = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const key = `key-${(i * 13) % KEYS}`;
      engine.transact((root) => root.hashMap().put(key).writeString(value(i)));
      latest.set(key, value(i));
    }
    const { engine: once, storage: onceStorage } = newSource();
    once.transact((root) => {
      const map = root.hashMap();
      for (const [key, text] of latest) map.put(key).writeString(text);
    });
    const target = new MemoryStorage({ durable: true });
    const progress: Array<[number, number]> = [];
    const result = compactInto(engine, target, { onProgress: (done, total) => progress.push([done, total]) });
    const ratio = target.size() / onceStorage.size();
    if (process.env.STRATADB_COMPACT_REPORT !== undefined) console.log(`2,000 moments: source ${storage.size()} B, compacted ${target.size()} B, one transaction ${onceStorage.size()} B, ratio ${ratio.toFixed(4)}`);
    expect(ratio).toBeLessThanOrEqual(1.05);
    expect(ratio).toBeGreaterThan(0.95);
    expect(storage.size() / target.size()).toBeGreaterThan(20);
    expect(result.size).toBe(target.size());
    expectSameMoments(engine, reopen(target), [1999]);
    // The last progress call says done.
    expect(progress.at(-1)).toEqual([engine.committedSize, engine.committedSize]);
  });

  it('keeps exactly the last ten moments with { last: 10 }, each equal by dump', () => {
    const { engine } = newSource();
    for (let i = 0; i < 200; i++) engine.transact((root) => root.hashMap().put(`key-${i % 50}`).writeString(value(i)), { meta: { commit: i } });
    const target = new MemoryStorage({ durable: true });
    const result = compactInto(engine, target, { keep: { last: 10 } });
    expect(result.kept).toEqual([190, 191, 192, 193, 194, 195, 196, 197, 198, 199]);
    expectSameMoments(engine, reopen(target), result.kept);
  });

  it('compacts 100 moments that share most of their data to about one copy', () => {
    const { engine } = newSource();
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = 0; i < 5000; i++) map.put(`key-${i}`).writeString(value(i));
    });
    for (let i = 1; i < 100; i++) engine.transact((root) => root.hashMap().put(`key-${i * 37}`).writeString(value(10000 + i)));
    const one = new MemoryStorage({ durable: true });
    compactInto(engine, one);
    const all = new MemoryStorage({ durable: true });
    compactInto(engine, all, { keep: () => true });
    // Each later moment adds its changed path (about 3 blocks), one value, a history path and a trailer: under 1.5 KB.
    expect(all.size()).toBeLessThan(one.size() + 99 * 1500);
    if (process.env.STRATADB_COMPACT_REPORT !== undefined) console.log(`100 shared moments: source ${engine.committedSize} B, latest only ${one.size()} B, all 100 ${all.size()} B, ratio ${(all.size() / one.size()).toFixed(4)}`);
    expect(all.size() / one.size()).toBeLessThan(1.25);
    const compacted = reopen(all);
    expect(compacted.momentCount).toBe(100);
    // Dumping all 100 both sides takes seconds: the first, a middle one and the last, plus the times of all.
    for (const i of [0, 50, 99]) expect(dumpMoment(compacted, i)).toEqual(dumpMoment(engine, i));
    for (let i = 0; i < 100; i++) expect(compacted.momentInfo(i).time).toBe(engine.momentInfo(i).time);
    expect(verifyDatabase(compacted).problems).toEqual([]);
  });
});
