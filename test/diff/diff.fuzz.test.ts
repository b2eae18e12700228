// The diff on damaged bytes: every pair of moments of a damaged sample
// database diffs to changes or to one of our typed errors, never a TypeError,
// RangeError, hang or unbounded allocation (the reader fuzz's contract, for
// the diff's own walks). Fixed seed; STRATADB_FUZZ_RUNS scales it.

import { describe, expect, it } from 'vitest';
import { StrataError } from '../../src/errors.js';
import { diffCursors } from '../../src/diff/walk.js';
import type { Engine } from '../../src/history/engine.js';
import { openBytes, sampleDatabases } from '../support/sample-databases.js';
import { seededRandom } from '../support/processes.js';

const RUNS = Number(process.env.STRATADB_FUZZ_RUNS ?? 300);

function diffEveryPair(engine: Engine): number {
  const count = engine.momentCount;
  let changes = 0;
  for (let a = 0; a < count; a++) {
    for (let b = 0; b < count; b++) {
      for (const change of diffCursors(engine.moment(a), engine.moment(b))) {
        changes++;
        // Reading what a change points at must fail typed too.
        change.before?.slot.toString();
        change.after?.slot.toString();
      }
    }
  }
  return changes;
}

describe('the diff on damaged databases', () => {
  for (const sample of sampleDatabases().filter((s) => s.name !== 'no-history')) {
    it(`throws only StrataErrors on ${sample.name} with damaged bytes`, () => {
      const random = seededRandom(20261207);
      const unexpected: string[] = [];
      let diffed = 0;
      let refused = 0;
      for (let run = 0; run < RUNS; run++) {
        const bytes = sample.bytes.slice();
        const flips = 1 + Math.floor(random() * 4);
        // Past the file header and the history header: damage the data the moments reach.
        for (let f = 0; f < flips; f++) bytes[36 + Math.floor(random() * (bytes.length - 36))] = Math.floor(random() * 256);
        let engine: Engine;
        try {
          engine = openBytes(bytes, true, sample.hasher);
        } catch (error) {
          if (!(error instanceof StrataError)) unexpected.push(`open: ${String(error)}`);
          continue;
        }
        try {
          diffEveryPair(engine);
          diffed++;
        } catch (error) {
          if (error instanceof StrataError) refused++;
          else unexpected.push(`run ${run}: ${(error as Error).stack ?? String(error)}`);
        }
      }
      expect(unexpected.slice(0, 3)).toEqual([]);
      // The damage reached the diff's walks: some cases diffed, some were refused by them.
      expect(diffed).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }
});
