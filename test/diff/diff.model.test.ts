// Model-based property of the diff: random histories of nested maps, Maps,
// Sets, array lists and linked lists; for random pairs of moments, the diff
// applied to the older moment's plain JS gives the newer one's, and a moment
// diffed with itself gives nothing. verifyDatabase runs after every commit.

import { describe, expect, it } from 'vitest';
import { open } from '../../src/index.js';
import { verifyDatabase } from '../../src/engine.js';
import { randomCommit } from './histories.js';
import { tinyHasher } from '../../src/hash/test-hashers.js';
import { seededRandom } from '../support/processes.js';
import { applyChanges } from './support.js';

const SEEDS = Number(process.env.STRATADB_PROPERTY_RUNS ?? 12);
const COMMITS = 40;

describe('the diff of random histories', () => {
  // The default 16-byte hash, and a 2-byte one whose tries are deep and whose keys move between levels.
  const cases = Array.from({ length: SEEDS }, (_, i) => [20261207 + i, i % 2 === 0 ? 'xx16' : 'tinyHasher(2)'] as const);
  it.each(cases)('turns the older moment into the newer, for any two moments (seed %i, %s)', async (seed, hash) => {
    const random = seededRandom(seed);
    const db = await open(undefined, hash === 'xx16' ? {} : { hasher: tinyHasher(2) });
    const models: unknown[] = [];
    for (let i = 0; i < COMMITS; i++) {
      randomCommit(db, random);
      if (random() < 0.05 && db.momentCount > 2) db.undo();
      const report = verifyDatabase(db.engine);
      expect(report.problems, `seed ${seed} commit ${i}`).toEqual([]);
    }
    // One model per moment (an undo appends a moment too), read back as plain JS.
    for (const snapshot of db.moments()) models.push(snapshot.toJS());
    for (let pair = 0; pair < 60; pair++) {
      const a = Math.floor(random() * models.length);
      const b = pair < 20 ? Math.min(models.length - 1, a + 1) : Math.floor(random() * models.length);
      const older = structuredClone(models[a]);
      const applied = applyChanges(older, db.diff(a, b));
      expect(applied, `seed ${seed}: diff(${a}, ${b})`).toEqual(models[b]);
      expect([...db.diff(a, a)], `seed ${seed}: diff(${a}, ${a})`).toEqual([]);
    }
  });
});
