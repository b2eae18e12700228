// Workload 1: in-memory maps. stratadb's hash map on a memory database (xx16
// hasher, durability 'flush': no syncs, as memory has nothing to sync) against
// immutable.js Map, in the same run. Keys "key"+i, values "val"+i, inserted in
// order i = 0..n-1 by both; reads go through the same random permutation and
// checksum every value read.
//
// The set workloads keep nothing alive between runs (each run builds, checks and
// drops its map), so neither store's garbage collections pay for the other's
// heap: with a 1M-entry immutable.js map alive, stratadb's one-transaction load
// runs ~25% slower (its buffer growth triggers full collections of that heap).
// The maps for get and iteration are built afterwards and live side by side.
//
// stratadb appears twice: its cursor API (the fast path) and its JS-value API
// (`db.transact`, `tx.set(path, value)`, `db.get(path)`, views), which is what a
// user reaches for first.
//
// Run: `node --expose-gc maps.mjs` (N=..., RUNS=..., SET_N=... for the
// one-version-per-set workload).

import { Map as IMap } from 'immutable';
import { open } from '../dist/src/index.js';
import { openEngine, MemoryStorage } from '../dist/src/engine.js';
import { N, RUNS, check, gc, medianEach, permutation, printTable, sumString, timed } from './common.mjs';

const runs = RUNS ?? 5;
// One committed moment per set keeps every version: stratadb's buffer holds all
// of them. Measured at a smaller N than the rest (see the note in the table).
const SET_N = Number(process.env.SET_N ?? Math.min(N, 200_000));
const slowRuns = RUNS ?? 3;

const keys = Array.from({ length: N }, (_, i) => `key${i}`);
const values = Array.from({ length: N }, (_, i) => `val${i}`);
const order = permutation(N, 1);
let expectedAll = 0;
for (let i = 0; i < N; i++) expectedAll += sumString(values[i]);

const rows = [];
const add = (row) => rows.push(row);
const newEngine = async () => {
  const storage = new MemoryStorage();
  return { storage, engine: await openEngine(storage, { durability: 'flush' }) };
};

/** Times `map.forEach` over string values and keys, checksummed (for maps whose forEach gives JS strings). */
function forEachStrings(store, map) {
  return () => {
    let sum = 0;
    let count = 0;
    const ms = timed(() => {
      map.forEach((value, key) => {
        sum += sumString(value);
        count += key.length > 0 ? 1 : 0;
      });
    });
    check(store, 'iteration', sum + count, expectedAll + N);
    return ms;
  };
}

/** Checks every 97th of the first `n` keys through `get` (a function from key to value string). */
function checkSample(store, what, n, get) {
  let sum = 0;
  let expected = 0;
  for (let i = 0; i < n; i += 97) {
    sum += sumString(get(keys[i]));
    expected += sumString(values[i]);
  }
  check(store, what, sum, expected);
}

// 1. set, one new version each. immutable.js twice: dropping old versions (what
// `map = map.set()` does) and keeping every version, as stratadb does.
{
  let oursBytes = 0;
  let keptBytes = 0;
  const medians = await medianEach(slowRuns, {
    stratadb: async () => {
      const { storage, engine } = await newEngine();
      const ms = timed(() => {
        for (let i = 0; i < SET_N; i++) engine.transact((root) => root.hashMap().put(keys[i]).writeString(values[i]));
      });
      if (engine.momentCount !== SET_N) throw new Error('stratadb: missing moments');
      const map = engine.moment(-1).asHashMap();
      checkSample('stratadb', 'set, new version each', SET_N, (key) => map.get(key).readString());
      if (engine.moment(Math.floor(SET_N / 2) - 1).asHashMap().count() !== Math.floor(SET_N / 2)) throw new Error('stratadb: an old version changed');
      oursBytes = storage.size() / SET_N;
      return ms;
    },
    api: async () => {
      const db = await open();
      const ms = timed(() => {
        for (let i = 0; i < SET_N; i++) db.set(['m', keys[i]], values[i]);
      });
      if (db.momentCount !== SET_N) throw new Error('stratadb JS API: missing moments');
      checkSample('stratadb JS API', 'set, new version each', SET_N, (key) => db.get(['m', key]));
      return ms;
    },
    peer: () => {
      let map = IMap();
      const ms = timed(() => {
        for (let i = 0; i < SET_N; i++) map = map.set(keys[i], values[i]);
      });
      checkSample('immutable.js', 'set, new version each', SET_N, (key) => map.get(key));
      return ms;
    },
    peerKept: () => {
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const versions = new Array(SET_N);
      let map = IMap();
      const ms = timed(() => {
        for (let i = 0; i < SET_N; i++) {
          map = map.set(keys[i], values[i]);
          versions[i] = map;
        }
      });
      gc();
      keptBytes = (process.memoryUsage().heapUsed - heapBefore) / SET_N;
      checkSample('immutable.js', 'set, every version kept', SET_N, (key) => map.get(key));
      if (versions[Math.floor(SET_N / 2) - 1].size !== Math.floor(SET_N / 2)) throw new Error('immutable.js: an old version changed');
      return ms;
    },
  });
  const workload = 'set, new version each';
  add({ workload, store: 'stratadb', n: SET_N, ops: SET_N, ms: medians.stratadb, bytes: oursBytes, note: 'one committed moment per set; every version kept in the buffer (bytes = buffer / sets)' });
  add({ workload, store: 'stratadb JS API', n: SET_N, ops: SET_N, ms: medians.api, note: "db.set(['m', k], v): one transaction each" });
  add({ workload, store: 'immutable.js', n: SET_N, ops: SET_N, ms: medians.peer, note: 'map = map.set(k, v); old versions left to the GC' });
  add({ workload, store: 'immutable.js, every version kept', n: SET_N, ops: SET_N, ms: medians.peerKept, bytes: keptBytes, note: 'versions[i] = map = map.set(k, v); bytes = heap growth / sets (--expose-gc)' });
}

// 2. many sets in one transaction / withMutations.
{
  let oursBytes = 0;
  let capacity = 0;
  const medians = await medianEach(slowRuns, {
    stratadb: async () => {
      const { storage, engine } = await newEngine();
      const ms = timed(() => {
        engine.transact((root) => {
          const map = root.hashMap();
          for (let i = 0; i < N; i++) map.put(keys[i]).writeString(values[i]);
        });
      });
      checkSample('stratadb', 'set, one transaction', N, (key) => engine.moment(-1).asHashMap().get(key).readString());
      oursBytes = storage.size() / N;
      capacity = storage.bytes.length;
      return ms;
    },
    api: async () => {
      const db = await open();
      const ms = timed(() => {
        db.transact((tx) => {
          for (let i = 0; i < N; i++) tx.set(['m', keys[i]], values[i]);
        });
      });
      checkSample('stratadb JS API', 'set, one transaction', N, (key) => db.get(['m', key]));
      return ms;
    },
    peer: () => {
      let built;
      const ms = timed(() => {
        built = IMap().withMutations((map) => {
          for (let i = 0; i < N; i++) map.set(keys[i], values[i]);
        });
      });
      checkSample('immutable.js', 'withMutations', N, (key) => built.get(key));
      return ms;
    },
  });
  // Heap bytes per entry of immutable.js: a map built from fresh strings, so its
  // keys and values count as they would in an application.
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const fresh = IMap().withMutations((map) => {
    for (let i = 0; i < N; i++) map.set(`key${i}`, `val${i}`);
  });
  gc();
  const peerBytes = (process.memoryUsage().heapUsed - heapBefore) / N;
  if (fresh.size !== N) throw new Error('immutable.js: lost entries');
  const workload = 'set, one transaction';
  add({ workload, store: 'stratadb', n: N, ops: N, ms: medians.stratadb, bytes: oursBytes, note: `bytes = buffer / entries (capacity ${(capacity / 2 ** 20).toFixed(0)} MiB)` });
  add({ workload, store: 'stratadb JS API', n: N, ops: N, ms: medians.api, note: "tx.set(['m', k], v) in one db.transact" });
  add({ workload, store: 'immutable.js', n: N, ops: N, ms: medians.peer, bytes: peerBytes, note: 'withMutations; bytes = heap growth incl. key and value strings (--expose-gc)' });
}

// 3 and 4: get and iteration, on one map of each kind built now.
{
  const { engine } = await newEngine();
  engine.transact((root) => {
    const map = root.hashMap();
    for (let i = 0; i < N; i++) map.put(keys[i]).writeString(values[i]);
  });
  const peerMap = IMap().withMutations((map) => {
    for (let i = 0; i < N; i++) map.set(keys[i], values[i]);
  });
  const db = await open();
  db.transact((tx) => {
    for (let i = 0; i < N; i++) tx.set(['m', keys[i]], values[i]);
  });
  const mapView = db.get(['m']);

  // 3. get of every key in random order.
  const view = engine.moment(-1).asHashMap();
  const gets = await medianEach(runs, {
    stratadb: () => {
      let sum = 0;
      const ms = timed(() => {
        for (let j = 0; j < N; j++) sum += sumString(view.get(keys[order[j]]).readString());
      });
      check('stratadb', 'random get', sum, expectedAll);
      return ms;
    },
    api: () => {
      let sum = 0;
      const ms = timed(() => {
        for (let j = 0; j < N; j++) sum += sumString(db.get(['m', keys[order[j]]]));
      });
      check('stratadb JS API', 'random get', sum, expectedAll);
      return ms;
    },
    view: () => {
      let sum = 0;
      const ms = timed(() => {
        for (let j = 0; j < N; j++) sum += sumString(mapView.get(keys[order[j]]));
      });
      check('stratadb JS API, view', 'random get', sum, expectedAll);
      return ms;
    },
    peer: () => {
      let sum = 0;
      const ms = timed(() => {
        for (let j = 0; j < N; j++) sum += sumString(peerMap.get(keys[order[j]]));
      });
      check('immutable.js', 'random get', sum, expectedAll);
      return ms;
    },
  });
  add({ workload: 'get, random order', store: 'stratadb', n: N, ops: N, ms: gets.stratadb, note: 'map.get(k).readString() on a committed moment' });
  add({ workload: 'get, random order', store: 'stratadb JS API', n: N, ops: N, ms: gets.api, note: "db.get(['m', k]): the path from the latest moment each time" });
  add({ workload: 'get, random order', store: 'stratadb JS API, view', n: N, ops: N, ms: gets.view, note: "view.get(k) on view = db.get(['m'])" });
  add({ workload: 'get, random order', store: 'immutable.js', n: N, ops: N, ms: gets.peer });

  // 4. full iteration, keys and values.
  const iterations = await medianEach(runs, {
    stratadb: () => {
      let sum = 0;
      let count = 0;
      const ms = timed(() => {
        view.forEach((value, key) => {
          sum += sumString(value.readString());
          count += key.readString().length > 0 ? 1 : 0;
        });
      });
      check('stratadb', 'iteration', sum + count, expectedAll + N);
      return ms;
    },
    // A view of the JS API and an immutable.js Map have the same forEach: values and keys as strings.
    api: forEachStrings('stratadb JS API', mapView),
    peer: forEachStrings('immutable.js', peerMap),
  });
  add({ workload: 'full iteration', store: 'stratadb', n: N, ops: N, ms: iterations.stratadb, note: 'forEach, key and value read as strings' });
  add({ workload: 'full iteration', store: 'stratadb JS API', n: N, ops: N, ms: iterations.api, note: 'view.forEach((v, k) => ...): keys and values as JS strings' });
  add({ workload: 'full iteration', store: 'immutable.js', n: N, ops: N, ms: iterations.peer, note: 'forEach' });
}

printTable(
  'In memory: maps (stratadb hash map vs immutable.js Map)',
  `Keys "key"+i, values "val"+i (4 to 9 bytes); N = ${N.toLocaleString('en-US')} (set, new version each: ${SET_N.toLocaleString('en-US')}, every store); ` +
    `median of ${runs} runs after a warm-up (${slowRuns} for the two set workloads); stratadb: memory database, xx16 hasher, durability 'flush'.`,
  rows,
);
