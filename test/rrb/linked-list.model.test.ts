// Model-based tests of linked (RRB) array lists: random sequences of append,
// insert, remove, put, slice and concat (with itself and with other lists),
// spread over transactions and within single ones, with clones (and the freeze
// they need) and aborted transactions, against plain arrays. Every moment is
// compared with its model after every commit, and every older moment again, on
// every backend; the invariant checker runs on every list of every moment, and
// verifyDatabase on the whole file after every commit and every abort.
// Replay a failure with the seed fast-check prints; raise the run count with
// STRATADB_PROPERTY_RUNS.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine } from '../../src/history/engine.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { backends } from '../support/backends.js';
import { expectVerified } from '../model/model-support.js';
import { expectValidList, listValues } from './support.js';
import { loopSize } from '../support/sizes.js';

const KEYS = ['a', 'b', 'c'] as const;
type ListKey = (typeof KEYS)[number];
type Model = Record<ListKey, number[]>;
const MAX_LENGTH = 3000;

type Op =
  | { kind: 'append'; key: ListKey; value: number; times: number }
  | { kind: 'insert'; key: ListKey; at: number; value: number }
  | { kind: 'remove'; key: ListKey; at: number }
  | { kind: 'put'; key: ListKey; at: number; value: number }
  | { kind: 'slice'; key: ListKey; from: number; to: number }
  | { kind: 'concat'; key: ListKey; other: ListKey }
  | { kind: 'clone'; key: ListKey; other: ListKey }
  | { kind: 'commit' }
  | { kind: 'abort' };

const key = fc.constantFrom(...KEYS);
// Unbiased: fast-check's doubles favour 0, 1 and the tiniest values, whose cuts
// land at the ends and miss the middle of blocks.
const fraction = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((n) => n / 1_000_000);
const value = fc.nat(1_000_000);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), key, value, times: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), key, at: fraction, value }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), key, at: fraction }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), key, at: fraction, value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('slice' as const), key, from: fraction, to: fraction }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('concat' as const), key, other: key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clone' as const), key, other: key }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'abort' as const }) },
);

const index = (fractionValue: number, length: number): number => Math.min(length - 1, Math.floor(fractionValue * length));

/** Applies one op to the database inside a transaction and to the model; returns false when skipped. */
function apply(engine: Engine, root: WriteCursor, model: Model, step: Op): void {
  if (step.kind === 'commit' || step.kind === 'abort') return;
  const map = root.hashMap();
  const list = map.put(step.key).linkedArrayList();
  const items = model[step.key];
  switch (step.kind) {
    case 'append':
      for (let i = 0; i < step.times && items.length < MAX_LENGTH; i++) {
        list.append().writeUint(step.value + i);
        items.push(step.value + i);
      }
      return;
    case 'insert': {
      const at = Math.min(items.length, Math.floor(step.at * (items.length + 1)));
      list.insert(at).writeUint(step.value);
      items.splice(at, 0, step.value);
      return;
    }
    case 'remove':
      if (items.length === 0) return;
      list.remove(index(step.at, items.length));
      items.splice(index(step.at, items.length), 1);
      return;
    case 'put':
      if (items.length === 0) return;
      list.put(index(step.at, items.length)).writeUint(step.value);
      items[index(step.at, items.length)] = step.value;
      return;
    case 'slice': {
      const from = Math.floor(Math.min(step.from, step.to) * items.length);
      const to = Math.floor(Math.max(step.from, step.to) * items.length);
      list.slice(from, to - from);
      model[step.key] = items.slice(from, to);
      return;
    }
    case 'concat': {
      const other = model[step.other];
      if (items.length + other.length > MAX_LENGTH) return;
      const otherCursor = map.read().get(step.other);
      if (otherCursor === undefined || otherCursor.isNone) return;
      list.concat(otherCursor);
      model[step.key] = [...items, ...other];
      return;
    }
    case 'clone': {
      if (step.key === step.other) return;
      const source = map.read().get(step.other);
      if (source === undefined || source.isNone) return;
      map.put(step.key).writeSlot(source.slot);
      // Two slots now share one list header: freeze so that changing one copies it.
      engine.freeze();
      model[step.key] = [...model[step.other]];
      return;
    }
  }
}

function checkMoment(engine: Engine, moment: number, expected: Model): void {
  const map = engine.moment(moment).asHashMap();
  for (const name of KEYS) {
    const cursor = map.get(name);
    const actual = cursor === undefined ? [] : listValues(cursor);
    expect(actual, `moment ${moment}, list ${name}`).toEqual(expected[name]);
    if (cursor !== undefined) expectValidList(engine, cursor);
  }
}

const copy = (model: Model): Model => ({ a: [...model.a], b: [...model.b], c: [...model.c] });
// Runs per backend: memory 600, the others 150; 1500 and 300 under STRATADB_LONG=1.
const DEFAULT_RUNS: Record<string, number> = { memory: 600, file: 150, 'file-tiny-buffer': 150 };
const LONG_RUNS: Record<string, number> = { memory: 1500, file: 300, 'file-tiny-buffer': 300 };

describe.each(backends)('linked array list model on $name', (backend) => {
  it('matches plain arrays in every moment through random operations, commits and aborts', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const slot = backend.slot();
        let engine = Engine.open(slot.open(), { hasher: sha1Hasher, durability: 'flush' });
        const moments: Model[] = [];
        let committed: Model = { a: [], b: [], c: [] };
        // Group the ops into transactions at each commit or abort.
        let batch: Op[] = [];
        const run = (ending: 'commit' | 'abort'): void => {
          if (batch.length === 0) return;
          const working = copy(committed);
          const ops = batch;
          batch = [];
          if (ending === 'abort') {
            expect(() =>
              engine.transact((root) => {
                for (const step of ops) apply(engine, root, working, step);
                throw new Error('abort');
              }),
            ).toThrow('abort');
            expectVerified(engine, `after an abort, ${moments.length} moments`);
            return;
          }
          engine.transact((root) => {
            for (const step of ops) {
              apply(engine, root, working, step);
              expect(engine.io.tx.check(), `after ${step.kind}`).toEqual([]);
            }
          });
          committed = working;
          moments.push(copy(committed));
          expectVerified(engine, `after commit ${moments.length - 1}`);
          checkMoment(engine, -1, committed);
        };
        for (const step of ops) {
          if (step.kind === 'commit' || step.kind === 'abort') run(step.kind);
          else batch.push(step);
        }
        run('commit');
        engine.close();
        engine = Engine.open(slot.open(), { hasher: sha1Hasher });
        expect(engine.momentCount).toBe(moments.length);
        expectVerified(engine, 'reopened');
        moments.forEach((model, i) => checkMoment(engine, i, model));
        engine.close();
      }),
      { numRuns: loopSize(process.env.STRATADB_PROPERTY_RUNS, DEFAULT_RUNS[backend.name] ?? 150, LONG_RUNS[backend.name] ?? 300) },
    );
  });
});
