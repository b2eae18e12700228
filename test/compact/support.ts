// Helpers of the compaction tests: sources, reopening a compacted file, and
// comparing kept moments with the source's by dump, time and metadata.

import { expect } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase, type DumpValue } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { steppingClock } from '../support/sample-databases.js';

/** A durable memory database, clock one second a commit. */
export function newSource(): { storage: MemoryStorage; engine: Engine } {
  const storage = new MemoryStorage({ durable: true });
  const engine = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  return { storage, engine };
}

/** Opens a compacted target as a fresh database (read-write: recovery runs). */
export function reopen(target: MemoryStorage): Engine {
  return Engine.open(MemoryStorage.fromBytes(target.toBytes().slice(), { durable: true, readOnly: false }), { hasher: sha1Hasher });
}

/** Moment i of the source, dumped. */
export function dumpMoment(engine: Engine, index: number): DumpValue {
  return dumpDatabase(engine, { moment: index }).moments[0] as DumpValue;
}

/** Checks that `compacted` holds exactly the source moments `kept`, equal by dump, with their times and metadata. */
export function expectSameMoments(source: Engine, compacted: Engine, kept: readonly number[]): void {
  expect(compacted.momentCount).toBe(kept.length);
  const report = verifyDatabase(compacted);
  expect(report.problems).toEqual([]);
  kept.forEach((index, i) => {
    expect(dumpMoment(compacted, i)).toEqual(dumpMoment(source, index));
    const before = source.momentInfo(index);
    const after = compacted.momentInfo(i);
    expect(after.time).toBe(before.time);
    expect(after.meta).toEqual(before.meta);
    const restored = before.restoredFrom === undefined ? undefined : kept.indexOf(before.restoredFrom);
    expect(after.restoredFrom).toBe(restored === undefined || restored < 0 ? undefined : restored);
  });
}

