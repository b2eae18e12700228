// tx.set walks its path once (Transaction.cursorFor): steps through values
// that are there copy blocks, and a step that adds (a missing key, an append, a
// map made in an empty slot) is taken only when the rest of the path can follow
// it. Property: for random paths over every kind of structure, tx.set fails
// exactly when checkPath (the read-only check that used to run before every
// write) refuses the path, with the same error, and then leaves the
// transaction's data as it was; when it succeeds, the value reads back at the
// path. The database is verified after each transaction.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { open, linkedList, sortedMap, sortedSet, type Database, type MapView } from '../../src/index.js';
import { checkPath } from '../../src/api/paths.js';
import type { AnyPath } from '../../src/api/types.js';
import { loopSize } from '../support/sizes.js';
import { expectVerified } from '../model/model-support.js';

const RUNS = loopSize(process.env.STRATADB_PATH_WRITE_RUNS, 150, 1000);

const STEPS = ['a', 'b', 'c', 'd', 'e', 'l', 's', 'k', 'm', 'set', 'x', 'new', 'n', '\ud800', 'ok\udc00', 0, 1, 2, 3, -1, -4, 1.5] as const;

/** A database holding every kind a path can go through: maps, array and linked lists, sorted maps and sets, a Map, a Set, scalars. */
async function seeded(): Promise<Database> {
  const db = await open();
  db.transact((tx) => {
    tx.set(['a'], { b: [1, { c: 2 }], d: 'x', e: null });
    tx.set(['l'], linkedList([{ x: 1 }, 5]));
    tx.set(['s'], sortedMap<string, unknown>([['k', { x: 1 }], ['m', 3]]));
    tx.set(['sset'], sortedSet(['k']));
    tx.set(['set'], new Set(['k']));
    tx.set(['m'], new Map<unknown, unknown>([[1, { x: 2 }], ['k', []]]));
    tx.set(['n'], 7);
  });
  return db;
}

/** Paths into what the database holds (null is stored as an empty slot), then random steps. */
const PREFIXES: (string | number)[][] = [[], ['a'], ['a', 'e'], ['a', 'b'], ['a', 'b', 1], ['l'], ['l', 0], ['s'], ['s', 'k'], ['sset'], ['set'], ['m'], ['m', 'k'], ['n']];
const paths = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.array(fc.constantFrom(...STEPS), { maxLength: 3 }))
  .map(([prefix, tail]) => [...prefix, ...tail])
  .filter((path) => path.length > 0);
const writes = fc.array(fc.tuple(paths, fc.constantFrom<unknown>(9, 'v', { x: 3 }, [4])), { minLength: 1, maxLength: 8 });

describe('tx.set walks its path once', () => {
  it('fails exactly where the read-only check refuses, with its error, and leaves the transaction untouched', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(writes, { minLength: 1, maxLength: 4 }), async (transactions) => {
        const db = await seeded();
        for (const batch of transactions) {
          db.transact((tx) => {
            for (const [path, value] of batch) {
              let verdict: unknown;
              try {
                checkPath(tx.cursor().refresh(), path as AnyPath, true);
              } catch (error) {
                verdict = error;
              }
              const before = (tx.get([]) as MapView).toJS();
              let outcome: unknown;
              try {
                tx.set(path as never, value as never);
              } catch (error) {
                outcome = error;
              }
              if (verdict === undefined) {
                expect(outcome, `set ${String(path)}`).toBeUndefined();
                const read = tx.get(path as never) as unknown;
                expect(typeof read === 'object' && read !== null && 'toJS' in read ? (read as MapView).toJS() : read).toEqual(value);
              } else {
                expect(outcome, `set ${String(path)}`).toBeInstanceOf((verdict as Error).constructor);
                expect((outcome as Error).message).toBe((verdict as Error).message);
                expect((tx.get([]) as MapView).toJS()).toEqual(before);
              }
            }
          });
          expectVerified(db.engine, 'after a transaction of random sets');
        }
        db.close();
      }),
      { numRuns: RUNS },
    );
  });
});
