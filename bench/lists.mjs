// Workload 2: in-memory lists. stratadb's array list and RRB linked array list
// on a memory database (durability 'flush') against immutable.js List, in the
// same run. Items are the numbers 0..n-1 (uint slots for stratadb, small
// integers for immutable.js); every read is summed and checked.
//
// - append: n appends in one transaction / withMutations
// - random get: n gets at random indexes through a committed list
// - random set: SET_N sets at random indexes, one committed moment (a new
//   version) each / `list = list.set(i, v)`
// - slice of the middle half and concat of two n/2 lists (linked list only: an
//   array list's slice keeps a prefix and it has no concat); the operation alone,
//   inside an open transaction (the whole transaction, commit included, is in the
//   note)
//
// Run: `node --expose-gc lists.mjs` (N=..., RUNS=..., SET_N=...).

import { List } from 'immutable';
import { openEngine, MemoryStorage, uintSlot } from '../dist/src/engine.js';
import { N, RUNS, check, fmt, gc, median, medianEach, printTable, rng, timed } from './common.mjs';

const runs = RUNS ?? 5;
const SLICE_RUNS = Math.max(runs, 30);
const SET_N = Number(process.env.SET_N ?? Math.min(N, 100_000));

const rows = [];
const add = (row) => rows.push(row);
const kinds = [
  { store: 'stratadb ArrayList', open: (cursor) => cursor.arrayList(), read: (cursor) => cursor.asArrayList() },
  { store: 'stratadb LinkedArrayList', open: (cursor) => cursor.linkedArrayList(), read: (cursor) => cursor.asLinkedArrayList() },
];
const newEngine = async () => {
  const storage = new MemoryStorage();
  return { storage, engine: await openEngine(storage, { durability: 'flush' }) };
};

const random = rng(21);
const indexes = Int32Array.from({ length: N }, () => Math.floor(random() * N));
let expectedGet = 0;
for (const i of indexes) expectedGet += i;
const setIndexes = indexes.subarray(0, SET_N);

// Append N in one transaction; the last database of each kind is kept for the rest.
const built = new Map();
{
  const fns = {};
  for (const kind of kinds) {
    fns[kind.store] = async () => {
      const fresh = await newEngine();
      const ms = timed(() => {
        fresh.engine.transact((root) => {
          const list = kind.open(root.hashMap().put('big'));
          for (let i = 0; i < N; i++) list.append().writeUint(i);
        });
      });
      if (kind.read(fresh.engine.moment(-1).asHashMap().get('big')).count() !== N) throw new Error(`${kind.store}: lost items`);
      built.set(kind.store, fresh);
      return ms;
    };
  }
  // The cursor-free append of a value slot (WriteLinkedArrayList.appendSlot).
  fns.appendSlot = async () => {
    const fresh = await newEngine();
    const ms = timed(() => {
      fresh.engine.transact((root) => {
        const list = root.hashMap().put('big').linkedArrayList();
        for (let i = 0; i < N; i++) list.appendSlot(uintSlot(i));
      });
    });
    if (fresh.engine.moment(-1).asHashMap().get('big').asLinkedArrayList().count() !== N) throw new Error('appendSlot: lost items');
    return ms;
  };
  let peerList;
  fns.peer = () =>
    timed(() => {
      const list = List().asMutable();
      for (let i = 0; i < N; i++) list.push(i);
      peerList = list.asImmutable();
    });
  const medians = await medianEach(runs, fns);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const kept = List().withMutations((list) => {
    for (let i = 0; i < N; i++) list.push(i);
  });
  gc();
  const peerBytes = (process.memoryUsage().heapUsed - heapBefore) / N;
  if (kept.size !== N || peerList.size !== N) throw new Error('immutable.js: lost items');
  const workload = 'append, one transaction';
  for (const kind of kinds) add({ workload, store: kind.store, n: N, ops: N, ms: medians[kind.store], bytes: built.get(kind.store).storage.size() / N, note: 'bytes = buffer / items' });
  add({ workload, store: 'stratadb LinkedArrayList, appendSlot', n: N, ops: N, ms: medians.appendSlot, note: 'list.appendSlot(uintSlot(i)): no cursor per item' });
  add({ workload, store: 'immutable.js List', n: N, ops: N, ms: medians.peer, bytes: peerBytes, note: 'withMutations push; bytes = heap growth (--expose-gc)' });
}

const peerBig = List(Array.from({ length: N }, (_, i) => i));

// Random get.
{
  const fns = {};
  for (const kind of kinds) {
    const list = kind.read(built.get(kind.store).engine.moment(-1).asHashMap().get('big'));
    // The sum is a local of the timed loop: a variable captured from the outer
    // function would box a new heap number at every step, for every store.
    fns[kind.store] = () => {
      let sum = 0;
      const ms = timed(() => {
        let local = 0;
        for (let j = 0; j < N; j++) local += list.get(indexes[j]).readNumber();
        sum = local;
      });
      check(kind.store, 'random get', sum, expectedGet);
      return ms;
    };
  }
  fns.peer = () => {
    let sum = 0;
    const ms = timed(() => {
      let local = 0;
      for (let j = 0; j < N; j++) local += peerBig.get(indexes[j]);
      sum = local;
    });
    check('immutable.js', 'random get', sum, expectedGet);
    return ms;
  };
  const medians = await medianEach(runs, fns);
  for (const kind of kinds) add({ workload: 'random get', store: kind.store, n: N, ops: N, ms: medians[kind.store], note: 'list.get(i).readNumber() on a committed moment' });
  add({ workload: 'random get', store: 'immutable.js List', n: N, ops: N, ms: medians.peer });
}

// Random set, one new version each. The value written at step j is N + j, so the
// last write to each index is known.
{
  const last = new Map();
  for (let j = 0; j < SET_N; j++) last.set(setIndexes[j], N + j);
  let expected = 0;
  for (const value of last.values()) expected += value;
  const fns = {};
  const slowRuns = RUNS ?? 3;
  for (const kind of kinds) {
    const { engine } = built.get(kind.store);
    fns[kind.store] = () => {
      const ms = timed(() => {
        for (let j = 0; j < SET_N; j++) engine.transact((root) => kind.open(root.hashMap().put('big')).put(setIndexes[j]).writeUint(N + j));
      });
      const list = kind.read(engine.moment(-1).asHashMap().get('big'));
      let sum = 0n;
      for (const index of last.keys()) sum += list.get(index).readUint();
      check(kind.store, 'random set', Number(sum), expected);
      return ms;
    };
  }
  fns.peer = () => {
    let list = peerBig;
    const ms = timed(() => {
      for (let j = 0; j < SET_N; j++) list = list.set(setIndexes[j], N + j);
    });
    let sum = 0;
    for (const index of last.keys()) sum += list.get(index);
    check('immutable.js', 'random set', sum, expected);
    return ms;
  };
  const medians = await medianEach(slowRuns, fns);
  for (const kind of kinds) add({ workload: 'random set, new version each', store: kind.store, n: SET_N, ops: SET_N, ms: medians[kind.store], note: `one committed moment per set on a ${N.toLocaleString('en-US')}-item list; every version kept` });
  add({ workload: 'random set, new version each', store: 'immutable.js List', n: SET_N, ops: SET_N, ms: medians.peer, note: 'list = list.set(i, v); old versions left to the GC' });
}

// Slice of the middle half and concat of two halves: the linked list.
{
  const { engine } = await newEngine();
  engine.transact((root) => {
    const map = root.hashMap();
    for (const name of ['a', 'b']) {
      const list = map.put(name).linkedArrayList();
      for (let i = 0; i < N / 2; i++) list.append().writeUint(i);
    }
    const big = map.put('big').linkedArrayList();
    for (let i = 0; i < N; i++) big.append().writeUint(i);
  });
  const peerA = List(Array.from({ length: N / 2 }, (_, i) => i));
  const peerB = List(Array.from({ length: N / 2 }, (_, i) => i));
  const store = 'stratadb LinkedArrayList';

  const concatWhole = [];
  const sliceWhole = [];
  let peerConcat;
  let peerSlice;
  // One slice or concat takes microseconds: with 5 runs the code is still cold
  // (the first calls run unoptimized), so these two take the median of more.
  const medians = await medianEach(SLICE_RUNS, {
    concat: () => {
      let ms = 0;
      const start = performance.now();
      engine.transact((root) => {
        const map = root.hashMap();
        const a = map.put('a').linkedArrayList();
        const b = map.read().get('b');
        ms = timed(() => a.concat(b));
      });
      concatWhole.push(performance.now() - start);
      const joined = engine.moment(-1).asHashMap().get('a').asLinkedArrayList();
      check(store, 'concat count', joined.count(), N);
      check(store, 'concat items', Number(joined.get(N / 2 - 1).readUint() + joined.get(N / 2 + 1).readUint()), N / 2 - 1 + 1);
      engine.undo();
      return ms;
    },
    peerConcat: () => {
      let joined;
      const ms = timed(() => {
        joined = peerA.concat(peerB);
      });
      check('immutable.js', 'concat', joined.size + joined.get(N / 2 - 1) + joined.get(N / 2 + 1), N + N / 2 - 1 + 1);
      peerConcat = ms;
      return ms;
    },
    slice: () => {
      let ms = 0;
      const start = performance.now();
      engine.transact((root) => {
        const list = root.hashMap().put('big').linkedArrayList();
        ms = timed(() => list.slice(N / 4, N / 2));
      });
      sliceWhole.push(performance.now() - start);
      const sliced = engine.moment(-1).asHashMap().get('big').asLinkedArrayList();
      check(store, 'slice', sliced.count() + Number(sliced.get(0).readUint()), N / 2 + N / 4);
      engine.undo();
      return ms;
    },
    peerSlice: () => {
      let sliced;
      const ms = timed(() => {
        sliced = peerBig.slice(N / 4, (3 * N) / 4);
      });
      check('immutable.js', 'slice', sliced.size + sliced.get(0), N / 2 + N / 4);
      peerSlice = ms;
      return ms;
    },
  });
  const note = (whole) => `the operation inside an open transaction; whole transaction incl. commit: ${fmt(median(whole.slice(1)), 3)} ms`;
  add({ workload: `concat 2 x ${(N / 2).toLocaleString('en-US')}`, store, n: N, ops: 1, ms: medians.concat, note: note(concatWhole) });
  add({ workload: `concat 2 x ${(N / 2).toLocaleString('en-US')}`, store: 'immutable.js List', n: N, ops: 1, ms: medians.peerConcat, note: 'a.concat(b)' });
  add({ workload: `slice middle half of ${N.toLocaleString('en-US')}`, store, n: N, ops: 1, ms: medians.slice, note: note(sliceWhole) });
  add({ workload: `slice middle half of ${N.toLocaleString('en-US')}`, store: 'immutable.js List', n: N, ops: 1, ms: medians.peerSlice, note: 'list.slice(n/4, 3n/4)' });
  if (peerConcat === undefined || peerSlice === undefined) throw new Error('peer not measured');
}

printTable(
  'In memory: lists (stratadb ArrayList and LinkedArrayList vs immutable.js List)',
  `Items 0..N-1; N = ${N.toLocaleString('en-US')} (random set: ${SET_N.toLocaleString('en-US')} sets, both stores); median of ${runs} runs after a warm-up ` +
    `(${RUNS ?? 3} for random set); stratadb: memory database, durability 'flush'. For slice and concat, ops/s is operations per second on one list ` +
    `(ns/op is the time of one slice or concat; median of ${SLICE_RUNS} runs). The array list has no middle slice (its slice keeps a prefix) and no concat.`,
  rows,
);
