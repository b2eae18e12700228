// Model-based test of sorted maps and sets through the JS-value API: random
// puts, deletes, adds, nested writes, whole replacements and aborted
// transactions across many transactions on the memory and file backends,
// against a plain JS array kept sorted by a comparator written here from
// FORMAT.md §Ordered keys' order (not from the encoder, so that the encoding's
// order is checked too). After every transaction: verifyDatabase, every
// entry, get/has/rank/at/first/last, and range queries with random bounds,
// prefixes, directions, offsets and limits against the model.

import { describe, expect, it } from 'vitest';
import { open, sortedMap, sortedSet, type Database, type SortedMapView, type SortedSetView } from '../../src/index.js';
import { verifyDatabase } from '../../src/engine.js';
import { backends } from '../support/backends.js';
import { seededRandom } from '../support/processes.js';
import { compareNaturalKeys as compareKeys, normalizedKey as normal } from '../support/key-order.js';

const SEEDS = Number(process.env.STRATADB_PROPERTY_RUNS ?? 2);
const TRANSACTIONS = 40;

type Random = () => number;
type Key = string | number | bigint | boolean | null | Date | Uint8Array | Key[];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Small pools of every kind, so that keys repeat and deletes hit. */
function randomKey(random: Random, depth = 0): Key {
  const roll = random();
  if (roll < 0.3) return pick(random, ['', 'a', 'ab', 'b', 'é', 'a\u0000', 'zz', '日本', '\u{1F600}']);
  if (roll < 0.55) return pick(random, [-3, -1.5, -0, 0, 0.25, 1, 2, 1e300, -Infinity, Infinity, Number.NaN, -Number.MIN_VALUE]);
  if (roll < 0.65) return pick(random, [-(2n ** 70n), -256n, -255n, -1n, 0n, 1n, 255n, 256n, 2n ** 64n]);
  if (roll < 0.7) return pick(random, [true, false, null]);
  if (roll < 0.75) return new Date(pick(random, [-1, 0, 1, 86_400_000, -8.64e15]));
  if (roll < 0.82) return Uint8Array.from(pick(random, [[], [0], [0, 0], [1], [1, 0], [255], [255, 255]]));
  if (depth > 1) return 'x';
  return Array.from({ length: Math.floor(random() * 3) }, () => randomKey(random, depth + 1));
}

/** A sorted map or set model: entries sorted by compareKeys, one per key. */
class Model {
  entries: Array<[Key, unknown]> = [];

  clone(): Model {
    const copy = new Model();
    copy.entries = this.entries.map(([k, v]) => [k, structuredClone(v)]);
    return copy;
  }

  private find(key: Key): { index: number; found: boolean } {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareKeys((this.entries[mid] as [Key, unknown])[0], key) < 0) low = mid + 1;
      else high = mid;
    }
    return { index: low, found: low < this.entries.length && compareKeys((this.entries[low] as [Key, unknown])[0], key) === 0 };
  }

  put(key: Key, value: unknown): void {
    const { index, found } = this.find(key);
    if (found) (this.entries[index] as [Key, unknown])[1] = value;
    else this.entries.splice(index, 0, [normal(key), value]);
  }

  remove(key: Key): boolean {
    const { index, found } = this.find(key);
    if (found) this.entries.splice(index, 1);
    return found;
  }

  get(key: Key): [Key, unknown] | undefined {
    const { index, found } = this.find(key);
    return found ? this.entries[index] : undefined;
  }

  rank(key: Key): number {
    return this.find(key).index;
  }
}

function startsWith(key: Key, prefix: unknown): boolean {
  if (typeof prefix === 'string') return typeof key === 'string' && key.startsWith(prefix);
  if (prefix instanceof Uint8Array) return key instanceof Uint8Array && key.length >= prefix.length && prefix.every((b, i) => key[i] === b);
  const items = prefix as Key[];
  return Array.isArray(key) && key.length >= items.length && items.every((item, i) => compareKeys(item, key[i] as Key) === 0);
}

interface RangeQuery {
  gte?: Key;
  gt?: Key;
  lte?: Key;
  lt?: Key;
  prefix?: string | Uint8Array | Key[];
  reverse?: boolean;
  limit?: number;
  offset?: number;
}

function randomQuery(random: Random): RangeQuery {
  const query: RangeQuery = {};
  if (random() < 0.4) query[random() < 0.5 ? 'gte' : 'gt'] = randomKey(random);
  if (random() < 0.4) query[random() < 0.5 ? 'lte' : 'lt'] = randomKey(random);
  if (random() < 0.25) query.prefix = pick(random, ['', 'a', 'é', new Uint8Array(0), Uint8Array.of(255), Uint8Array.of(0), [], [1], [''], ['a', 'x'], [Number.NaN]] as Array<string | Uint8Array | Key[]>);
  if (random() < 0.5) query.reverse = random() < 0.5;
  if (random() < 0.3) query.limit = Math.floor(random() * 6);
  if (random() < 0.3) query.offset = Math.floor(random() * 6);
  return query;
}

function modelRange(model: Model, query: RangeQuery): Array<[Key, unknown]> {
  let rows = model.entries.filter(([key]) => {
    if (query.gte !== undefined && compareKeys(key, query.gte) < 0) return false;
    if (query.gt !== undefined && compareKeys(key, query.gt) <= 0) return false;
    if (query.lte !== undefined && compareKeys(key, query.lte) > 0) return false;
    if (query.lt !== undefined && compareKeys(key, query.lt) >= 0) return false;
    return query.prefix === undefined || startsWith(key, query.prefix);
  });
  if (query.reverse === true) rows = rows.reverse();
  rows = rows.slice(query.offset ?? 0);
  return query.limit === undefined ? rows : rows.slice(0, query.limit);
}

/** Checks the map (or set) at `path` of `db` against `model`, every way the API reads it. */
function check(db: Database, path: string, model: Model, isSet: boolean, random: Random, label: string): void {
  const view = db.get([path]) as SortedMapView<Key, unknown> | SortedSetView<Key>;
  const expected = model.entries.map(([key, value]) => (isSet ? key : [key, value]));
  expect(view.size, label).toBe(model.entries.length);
  const plain = (entry: unknown): unknown => {
    if (isSet || entry === undefined) return entry;
    const [key, value] = entry as [Key, unknown];
    return [key, typeof value === 'object' && value !== null && 'toJS' in value ? (value as { toJS(): unknown }).toJS() : value];
  };
  const read = isSet ? [...(view as SortedSetView<Key>)] : [...(view as SortedMapView<Key, unknown>)].map(plain);
  expect(read, label).toEqual(expected);
  expect(plain(view.first()), label).toEqual(expected[0]);
  expect(plain(view.last()), label).toEqual(expected[expected.length - 1]);
  for (let i = 0; i < 5; i++) {
    const key = randomKey(random);
    const found = model.get(key);
    expect(view.rank(key), `${label} rank`).toBe(model.rank(key));
    expect(view.has(key), `${label} has`).toBe(found !== undefined);
    if (!isSet && found !== undefined && (typeof found[1] !== 'object' || found[1] === null)) expect((view as SortedMapView<Key, unknown>).get(key), label).toEqual(found[1]);
    if (model.entries.length > 0) {
      const index = Math.floor(random() * model.entries.length);
      const at = view.at(index);
      expect(isSet ? at : (at as [Key, unknown])[0], `${label} at`).toEqual(model.entries[index]?.[0]);
    }
  }
  for (let i = 0; i < 8; i++) {
    const query = randomQuery(random);
    const rows = [...db.range([path], query as never)].map((row) => (isSet ? row : (row as [Key, unknown])[0]));
    expect(rows, `${label} range ${JSON.stringify(query, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`).toEqual(modelRange(model, query).map(([key]) => key));
  }
}

describe('sorted maps and sets through the JS API, against a sorted array', () => {
  for (const backend of backends.slice(0, 3)) {
    it.each(Array.from({ length: SEEDS }, (_, i) => 20261207 + i))(`match the model over random transactions (${backend.name}, seed %i)`, async (seed) => {
      const random = seededRandom(seed);
      const slot = backend.slot();
      let db = await open(slot.open());
      let map = new Model();
      let set = new Model();
      db.transact((tx) => {
        tx.set(['map'], sortedMap());
        tx.set(['set'], sortedSet());
      });
      for (let t = 0; t < TRANSACTIONS; t++) {
        const nextMap = map.clone();
        const nextSet = set.clone();
        const abort = random() < 0.1;
        try {
          db.transact((tx) => {
            const edits = 1 + Math.floor(random() * 12);
            for (let e = 0; e < edits; e++) {
              const roll = random();
              const key = randomKey(random);
              if (roll < 0.35) {
                const value = random() < 0.8 ? Math.floor(random() * 100) : { n: Math.floor(random() * 10) };
                tx.set(['map', key] as never, value as never);
                nextMap.put(key, value);
              } else if (roll < 0.5) {
                expect(tx.delete(['map', key] as never)).toBe(nextMap.remove(key));
              } else if (roll < 0.55 && nextMap.get(key)?.[1] instanceof Object) {
                tx.set(['map', key, 'n'] as never, 99 as never);
                nextMap.put(key, { n: 99 });
              } else if (roll < 0.8) {
                const other = randomKey(random);
                tx.add(['set'], key, other);
                nextSet.put(key, undefined);
                nextSet.put(other, undefined);
              } else if (roll < 0.95) {
                expect(tx.delete(['set', key] as never)).toBe(nextSet.remove(key));
              } else {
                // Replace the whole set: a new sorted set of fresh members.
                const members = Array.from({ length: Math.floor(random() * 40) }, () => randomKey(random));
                tx.set(['set'], sortedSet(members as never[]));
                nextSet.entries = [];
                for (const member of members) nextSet.put(member, undefined);
              }
            }
            if (abort) throw new Error('abort');
          });
        } catch (error) {
          if (!abort || (error as Error).message !== 'abort') throw error;
        }
        if (!abort) {
          map = nextMap;
          set = nextSet;
        }
        const label = `${backend.name} seed ${seed} transaction ${t}`;
        expect(verifyDatabase(db.engine).problems, label).toEqual([]);
        check(db, 'map', map, false, random, `${label} map`);
        check(db, 'set', set, true, random, `${label} set`);
        if (random() < 0.1) {
          db.close();
          db = await open(slot.open());
        }
      }
      db.close();
    });
  }
});
