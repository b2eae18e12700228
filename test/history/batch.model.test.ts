// Model-based test of batched transactions (Database.transactBatched on
// Engine.transactBatch, core/tx-state.ts rule 7): random batches of random
// transactions over every structure kind (hash maps, array lists, linked
// lists, sorted maps, clones that share blocks, long byte values), some of
// which throw or return a promise part-way, on every backend, against plain JS
// values where a failed transaction changes nothing. After every batch: the
// contents equal the model, the batch added one moment exactly when one of its
// transactions was kept, verifyDatabase finds nothing, the transaction state
// checks. Now and then a synchronous transaction runs between batches, and the
// database is closed and opened again (the batches must be durable).

import { describe, expect, it } from 'vitest';
import { open, linkedList, sortedMap, toJS, type Database } from '../../src/index.js';
import { TransactionError } from '../../src/errors.js';
import { backends } from '../support/backends.js';
import { seededRandom } from '../support/processes.js';
import { loopSize } from '../support/sizes.js';
import { expectSoundTxState, expectVerified } from '../model/model-support.js';

const SEEDS = loopSize(process.env.STRATADB_BATCH_SEEDS, 2, 8);
const BATCHES = 30;

type Random = () => number;

interface Model {
  m: Map<string, unknown>;
  m2: Map<string, unknown> | undefined;
  list: unknown[];
  ll: unknown[];
  s: Map<string, unknown>;
  big: Map<string, string>;
  counter: number;
}

function copyModel(model: Model): Model {
  return {
    m: new Map(model.m),
    m2: model.m2 === undefined ? undefined : new Map(model.m2),
    list: [...model.list],
    ll: [...model.ll],
    s: new Map(model.s),
    big: new Map(model.big),
    counter: model.counter,
  };
}

const pick = <T,>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'long key that is not inline', 'é', ''];
const randomValue = (random: Random): unknown => pick(random, [0, 1, -7, 2 ** 40, 1.5, 'x', 'a string longer than eight bytes', true, null, [1, 2], { n: 1 }]);

/** One step of a transaction: applied to the transaction and to the model draft alike. */
type Step = (tx: Parameters<Parameters<Database['transact']>[0]>[0], model: Model) => void;

function randomStep(random: Random): Step {
  const key = pick(random, KEYS);
  const value = randomValue(random);
  switch (Math.floor(random() * 10)) {
    case 0:
    case 1:
      return (tx, model) => {
        tx.set(['m', key], value);
        model.m.set(key, value);
      };
    case 2:
      return (tx, model) => {
        expect(tx.delete(['m', key])).toBe(model.m.delete(key));
      };
    case 3:
      return (tx, model) => {
        tx.push(['list'], value);
        model.list.push(value);
      };
    case 4:
      return (tx, model) => {
        tx.push(['ll'], value);
        model.ll.push(value);
      };
    case 5:
      return (tx, model) => {
        tx.set(['s', key], value);
        model.s.set(key, value);
      };
    case 6:
      return (tx, model) => {
        expect(tx.delete(['s', key])).toBe(model.s.delete(key));
      };
    case 7:
      // A clone shares the map's blocks (a freeze): changing either copy afterwards must not reach the other.
      return (tx, model) => {
        tx.clone(['m'], ['m2']);
        model.m2 = new Map(model.m);
        tx.set(['m2', key], value);
        model.m2.set(key, value);
      };
    case 8:
      return (tx, model) => {
        tx.update(['counter'], (n) => (n as number) + 1);
        model.counter++;
      };
    default: {
      const text = `${key}:`.padEnd(300 + Math.floor(random() * 5000), String.fromCharCode(97 + Math.floor(random() * 26)));
      return (tx, model) => {
        tx.set(['big', key], text);
        model.big.set(key, text);
      };
    }
  }
}

/** How a transaction of a batch ends. */
type Ending = 'return' | 'throw' | 'promise';

function expectModel(db: Database, model: Model, where: string): void {
  const js = toJS(db.get([])!) as Record<string, unknown>;
  expect(js.m, `${where}: m`).toEqual(Object.fromEntries(model.m));
  expect(js.m2, `${where}: m2`).toEqual(model.m2 === undefined ? undefined : Object.fromEntries(model.m2));
  expect(js.list, `${where}: list`).toEqual(model.list);
  expect(js.ll, `${where}: ll`).toEqual(model.ll);
  expect(([...db.range(['s'])] as Array<[string, unknown]>).map(([key, value]) => [key, toJS(value as never)]), `${where}: s`).toEqual([...model.s].sort(([a], [b]) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
  expect(js.big, `${where}: big`).toEqual(Object.fromEntries(model.big));
  expect(js.counter, `${where}: counter`).toBe(model.counter);
}

describe('batched transactions against a model', () => {
  for (const backend of backends) {
    it(`keeps every transaction that returned and none of one that failed (${backend.name})`, async () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const random = seededRandom(seed * 7919);
        const slot = backend.slot();
        let db = await open(slot.open());
        db.set([], { m: {}, list: [], ll: linkedList([]), s: sortedMap(), big: {}, counter: 0 });
        let model: Model = { m: new Map(), m2: undefined, list: [], ll: [], s: new Map(), big: new Map(), counter: 0 };
        for (let batch = 0; batch < BATCHES; batch++) {
          const where = `${backend.name}, seed ${seed}, batch ${batch}`;
          const size = 1 + Math.floor(random() * 8);
          const draft = copyModel(model);
          const promises: Promise<unknown>[] = [];
          const expected: Array<{ ending: Ending; result: number }> = [];
          for (let t = 0; t < size; t++) {
            const steps = Array.from({ length: 1 + Math.floor(random() * 6) }, () => randomStep(random));
            const roll = random();
            const ending: Ending = roll < 0.25 ? 'throw' : roll < 0.3 ? 'promise' : 'return';
            const failAt = Math.floor(random() * steps.length);
            expected.push({ ending, result: t });
            promises.push(
              db.transactBatched((tx) => {
                // A failing transaction's own changes, against a copy that is thrown away with it.
                const own = ending === 'return' ? draft : copyModel(draft);
                steps.forEach((step, i) => {
                  step(tx, own);
                  if (ending === 'throw' && i === failAt) throw new Error(`transaction ${t} fails`);
                });
                return ending === 'promise' ? Promise.resolve(t) : t;
              }),
            );
          }
          const momentsBefore = db.momentCount;
          const outcomes = await Promise.allSettled(promises);
          outcomes.forEach((outcome, t) => {
            const { ending } = expected[t]!;
            if (ending === 'return') expect(outcome, `${where}: transaction ${t}`).toEqual({ status: 'fulfilled', value: t });
            else if (ending === 'throw') expect((outcome as PromiseRejectedResult).reason?.message, `${where}: transaction ${t}`).toBe(`transaction ${t} fails`);
            else expect((outcome as PromiseRejectedResult).reason, `${where}: transaction ${t}`).toBeInstanceOf(TransactionError);
          });
          const kept = expected.some(({ ending }) => ending === 'return');
          expect(db.momentCount, `${where}: moments`).toBe(momentsBefore + (kept ? 1 : 0));
          model = draft;
          expectModel(db, model, where);
          expectSoundTxState(db.engine, where);
          expectVerified(db.engine, where);
          const next = random();
          if (next < 0.15) {
            // A synchronous transaction between batches.
            const step = randomStep(random);
            db.transact((tx) => step(tx, model));
            expectModel(db, model, `${where}, then transact`);
          } else if (next < 0.25) {
            db.close();
            db = await open(slot.open());
            expectModel(db, model, `${where}, reopened`);
          }
        }
        db.close();
      }
    });
  }
});
