// Random histories for the diff tests: commits that set, delete, push, put,
// insert, remove and slice at random places of nested maps, Maps, Sets, array
// lists, linked lists, sorted maps and sorted sets.

import { linkedList, sortedMap, sortedSet, type Database } from '../../src/index.js';

/** A source of numbers in [0, 1). */
export type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function scalar(random: Random): unknown {
  return pick(random, [() => Math.floor(random() * 50), () => `s${Math.floor(random() * 20)}`, () => 'long '.repeat(3 + Math.floor(random() * 5)), () => null, () => random() < 0.5, () => BigInt(Math.floor(random() * 9)) * 10n ** 20n])();
}

function value(random: Random, depth: number): unknown {
  const roll = random();
  if (depth > 2 || roll < 0.45) return scalar(random);
  const size = Math.floor(random() * 6);
  if (roll < 0.58) return Object.fromEntries(Array.from({ length: size }, () => [`k${Math.floor(random() * 8)}`, value(random, depth + 1)]));
  if (roll < 0.65) return new Map(Array.from({ length: size }, () => [pick(random, [Math.floor(random() * 8), `m${Math.floor(random() * 8)}`]), value(random, depth + 1)]));
  if (roll < 0.72) return new Set(Array.from({ length: size }, () => Math.floor(random() * 10)));
  // Sorted maps and sets of up to 60 keys: several leaves, so that edits share most of the tree.
  if (roll < 0.8) return sortedMap(Array.from({ length: size * 12 }, () => [sortedKey(random), value(random, depth + 2)] as const));
  if (roll < 0.85) return sortedSet(Array.from({ length: size * 12 }, () => sortedKey(random)));
  if (roll < 0.92) return Array.from({ length: size * 5 }, () => value(random, depth + 2));
  return linkedList(Array.from({ length: size * 8 }, () => value(random, depth + 2)));
}

/** A key of a sorted map or set in the histories: numbers (fractions, negatives), texts and bigints, so that kinds mix. */
export function sortedKey(random: Random): number | string | bigint {
  const n = Math.floor(random() * 80);
  return pick(random, [() => n - 20, () => n / 4, () => `s${n}`, () => BigInt(n) * 10n ** 18n])();
}

/** One random change in one transaction, reaching into whatever the latest moment holds. */
export function randomCommit(db: Database, random: Random): void {
  db.transact((tx) => {
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const top = `t${Math.floor(random() * 6)}`;
      const current = tx.get([top]);
      const roll = random();
      if (current === undefined || current === null || roll < 0.2) {
        tx.set([top], value(random, 0) as never);
        continue;
      }
      if (roll < 0.3) {
        tx.delete([top]);
        continue;
      }
      const name = (current as { constructor: { name: string } }).constructor.name;
      const root = tx.cursor();
      if (name === 'MapView') {
        const kind = (current as { kind: string }).kind;
        const key = kind === 'object' ? `k${Math.floor(random() * 8)}` : Math.floor(random() * 8);
        if (random() < 0.3) tx.delete([top, key]);
        else tx.set([top, key], value(random, 1) as never);
      } else if (name === 'SortedMapView') {
        const key = sortedKey(random);
        if (random() < 0.3) tx.delete([top, key] as never);
        else tx.set([top, key] as never, value(random, 2) as never);
      } else if (name === 'SortedSetView') {
        const member = sortedKey(random);
        if (random() < 0.4) tx.delete([top, member] as never);
        else tx.add([top], member, sortedKey(random));
      } else if (name === 'SetView') {
        const set = root.writePath([top]);
        const member = Math.floor(random() * 10);
        if (random() < 0.5) tx.delete([top, member]);
        else set.refresh().tag === 13 ? set.countedHashSet().add({ bytes: new TextEncoder().encode(String(member)), formatTag: new TextEncoder().encode('nu') }) : undefined;
      } else if (name === 'ListView') {
        const tag = root.writePath([top]).refresh().tag;
        const count = root.writePath([top]).refresh().count();
        const r = random();
        if (tag === 3) {
          const list = root.writePath([top]).linkedArrayList();
          if (r < 0.3 && count > 0) list.remove(Math.floor(random() * count));
          else if (r < 0.6) list.insert(Math.floor(random() * (count + 1))).writeUint(Math.floor(random() * 1000));
          else if (r < 0.7 && count > 2) list.slice(1, count - 2);
          else if (count > 0) tx.set([top, Math.floor(random() * count)], value(random, 2) as never);
          else tx.push([top], scalar(random));
        } else {
          if (r < 0.3 && count > 0) root.writePath([top]).arrayList().slice(Math.floor(random() * count));
          else if (r < 0.6 || count === 0) tx.push([top], ...Array.from({ length: 1 + Math.floor(random() * 20) }, () => scalar(random)));
          else tx.set([top, Math.floor(random() * count)], value(random, 2) as never);
        }
      } else {
        tx.set([top], scalar(random) as never);
      }
    }
  });
}

