// Sorted maps (FORMAT.md §Sorted maps) against the peers a user would pick
// for ordered data, in the same run:
//
// - in memory, stratadb's sorted map on a memory database (cursor API) against
//   sorted-btree (a B+tree of JS objects): N random inserts in one
//   transaction, N random gets, and scans of 100 entries from random starts,
//   forwards and backwards;
// - on disk, stratadb's sorted map in a file against lmdb-js over the same N
//   pairs: range scans of 100 entries from random starts, forwards and
//   backwards (lmdb `getRange` with a limit), after a reopen.
//
// Keys are 16-character random hex strings (so string order is byte order; in
// stratadb they are long-bytes keys, 16 bytes of UTF-8), the same keys in the
// same order for every store. In memory the value of key i is the number i
// (stratadb: a uint slot); on disk 100 random bytes, as in disk.mjs. Every
// value read is checksummed against what was written.
//
//   node --expose-gc sorted.mjs            N=..., RUNS=..., SCANS=..., PART=memory|disk|all, WHOLE_FILE_MAX=bytes (disk: the reopen's whole-file budget)
//
// STRATADB_DIST=/path/to/dist runs another build of stratadb (before/after
// comparisons in alternating processes); STORES=stratadb runs stratadb alone
// (on disk, `js` is the JS-value API's db.range on a file of its own);
// ONLY=scans skips the measured inserts and gets in memory (the trees are
// still built once, for the scans).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import BTree from 'sorted-btree';
import { open as openLmdb } from 'lmdb';
import { N, RUNS, check, gc, medianEach, permutation, printTable, randomBytes, rng, sumBytes, sumBytesIn, timed } from './common.mjs';

const dist = process.env.STRATADB_DIST ?? new URL('../dist', import.meta.url).pathname;
const { openEngine, MemoryStorage } = await import(nodePath.join(dist, 'src/engine.js'));
const { openFile, open: openDatabase } = await import(nodePath.join(dist, 'src/node.js'));
const { sortedMap } = await import(nodePath.join(dist, 'src/index.js'));

const runs = RUNS ?? 3;
const SCANS = Number(process.env.SCANS ?? Math.min(N, 20_000));
const SCAN_LENGTH = 100;
const PART = process.env.PART ?? 'all';
const STORES = (process.env.STORES ?? 'stratadb,peer,js').split(',');
const BTreeClass = BTree.default ?? BTree;
const ONLY_SCANS = process.env.ONLY === 'scans';

// 8 random bytes as 16 hex characters per key; duplicates are dropped (none are expected at these sizes).
const keys = (() => {
  const random = rng(7);
  const seen = new Set();
  const out = [];
  while (out.length < N) {
    const hi = Math.floor(random() * 2 ** 32);
    const lo = Math.floor(random() * 2 ** 32);
    const key = hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    if (!seen.has(key)) {
      seen.add(key);
      out.push(key);
    }
  }
  return out;
})();
const sortedKeys = [...keys].sort();
const indexOfKey = new Map(sortedKeys.map((key, i) => [key, i]));
const order = permutation(N, 1);
// Scan starts: existing keys at random ranks.
const starts = Array.from({ length: SCANS }, (_, i) => keys[order[i % N]]);

/** The checksum of a forward and a backward scan from every start, from the sorted model: sum of key indexes (value i of key i in memory). */
function expectedScans(valueOf) {
  let forward = 0;
  let backward = 0;
  for (const start of starts) {
    const at = indexOfKey.get(start);
    for (let r = at; r < Math.min(sortedKeys.length, at + SCAN_LENGTH); r++) forward += valueOf(sortedKeys[r]);
    for (let r = at; r > Math.max(-1, at - SCAN_LENGTH); r--) backward += valueOf(sortedKeys[r]);
  }
  return { forward, backward };
}

const machine = `${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}`;
const load = () => os.loadavg()[0].toFixed(1);

// ---------------------------------------------------------------- in memory
if (PART === 'memory' || PART === 'all') {
  const valueOfKey = new Map(keys.map((key, i) => [key, i]));
  const expected = expectedScans((key) => valueOfKey.get(key));
  let expectedGets = 0;
  for (let j = 0; j < N; j++) expectedGets += order[j];
  const rows = [];
  const use = (name, fn) => (STORES.includes(name) ? { [name]: fn } : {});

  // 1. inserts in one transaction; each run builds and drops its tree.
  const inserts = ONLY_SCANS ? {} : await medianEach(runs, {
    ...use('stratadb', async () => {
      gc();
      const engine = await openEngine(new MemoryStorage(), { durability: 'flush' });
      const ms = timed(() => {
        engine.transact((root) => {
          const map = root.sortedMap();
          for (let i = 0; i < N; i++) map.put(keys[i]).writeUint(i);
        });
      });
      if (engine.moment(-1).asSortedMap().count() !== N) throw new Error('stratadb: lost entries');
      return ms;
    }),
    ...use('peer', () => {
      gc();
      const tree = new BTreeClass();
      const ms = timed(() => {
        for (let i = 0; i < N; i++) tree.set(keys[i], i);
      });
      if (tree.size !== N) throw new Error('sorted-btree: lost entries');
      return ms;
    }),
  });

  // The trees for gets and scans, built once, side by side.
  gc();
  const engine = await openEngine(new MemoryStorage(), { durability: 'flush' });
  engine.transact((root) => {
    const map = root.sortedMap();
    for (let i = 0; i < N; i++) map.put(keys[i]).writeUint(i);
  });
  const view = engine.moment(-1).asSortedMap();
  const tree = new BTreeClass();
  for (let i = 0; i < N; i++) tree.set(keys[i], i);

  const gets = ONLY_SCANS ? {} : await medianEach(runs, {
    ...use('stratadb', () => {
      let sum = 0;
      const ms = timed(() => {
        for (let j = 0; j < N; j++) sum += view.get(keys[order[j]]).readNumber();
      });
      check('stratadb', 'get', sum, expectedGets);
      return ms;
    }),
    ...use('peer', () => {
      let sum = 0;
      const ms = timed(() => {
        for (let j = 0; j < N; j++) sum += tree.get(keys[order[j]]);
      });
      check('sorted-btree', 'get', sum, expectedGets);
      return ms;
    }),
  });

  const scan = (backward) =>
    medianEach(runs, {
      ...use('stratadb', () => {
        let sum = 0;
        let keyChars = 0;
        const ms = timed(() => {
          for (let s = 0; s < SCANS; s++) {
            let taken = 0;
            const entries = backward ? view.entriesBackward({ key: starts[s] }) : view.entries({ key: starts[s] });
            for (const entry of entries) {
              keyChars += entry.key.readString().length;
              sum += entry.value.readNumber();
              if (++taken === SCAN_LENGTH) break;
            }
          }
        });
        check('stratadb', 'scan', sum, backward ? expected.backward : expected.forward);
        if (keyChars % 16 !== 0) throw new Error('stratadb: bad key');
        return ms;
      }),
      ...use('peer', () => {
        let sum = 0;
        let keyChars = 0;
        const pair = [];
        const ms = timed(() => {
          for (let s = 0; s < SCANS; s++) {
            let taken = 0;
            const entries = backward ? tree.entriesReversed(starts[s], pair) : tree.entries(starts[s], pair);
            for (let next = entries.next(); !next.done; next = entries.next()) {
              keyChars += next.value[0].length;
              sum += next.value[1];
              if (++taken === SCAN_LENGTH) break;
            }
          }
        });
        check('sorted-btree', 'scan', sum, backward ? expected.backward : expected.forward);
        if (keyChars % 16 !== 0) throw new Error('sorted-btree: bad key');
        return ms;
      }),
    });
  const forward = await scan(false);
  const backward = await scan(true);

  const add = (workload, medians, n, ops, notes) => {
    if (medians.stratadb !== undefined) rows.push({ workload, store: 'stratadb', n, ops, ms: medians.stratadb, note: notes[0] });
    if (medians.peer !== undefined) rows.push({ workload, store: 'sorted-btree', n, ops, ms: medians.peer, note: notes[1] });
  };
  add('insert, random order, one transaction', inserts, N, N, ["root.sortedMap(); map.put(key).writeUint(i) in one engine.transact", 'tree.set(key, i)']);
  add('get, random order', gets, N, N, ['view.get(key).readNumber() on a committed moment', 'tree.get(key)']);
  add(`scan ${SCAN_LENGTH} from a random key, forwards`, forward, N, SCANS, [
    'view.entries({ key }): key.readString(), value.readNumber(); ops = scans',
    'tree.entries(key, reusedPair); ops = scans',
  ]);
  add(`scan ${SCAN_LENGTH} from a random key, backwards`, backward, N, SCANS, [
    'view.entriesBackward({ key }); ops = scans',
    'tree.entriesReversed(key, reusedPair); ops = scans',
  ]);
  printTable(
    'In memory: sorted maps (stratadb sorted map vs sorted-btree)',
    `Keys: ${N.toLocaleString('en-US')} random 16-character hex strings, values the numbers 0..N-1; ${SCANS.toLocaleString('en-US')} scans of ${SCAN_LENGTH} entries each way; median of ${runs} runs after a warm-up; stratadb: memory database, durability 'flush', cursor API (${machine}).`,
    rows,
  );
}

// ---------------------------------------------------------------- on disk
if (PART === 'disk' || PART === 'all') {
  const keyBytes = keys.map((key) => Buffer.from(key, 'latin1'));
  const values = randomBytes(N, 100, 3);
  const valueSum = new Map(keys.map((key, i) => [key, sumBytes(values[i])]));
  const expected = expectedScans((key) => valueSum.get(key));
  const startBytes = starts.map((key) => Buffer.from(key, 'latin1'));
  const dir = fs.mkdtempSync(nodePath.join(process.env.BENCH_DIR ?? os.tmpdir(), 'stratadb-sorted-'));
  const ourPath = nodePath.join(dir, 'sorted.db');
  const lmdbPath = nodePath.join(dir, 'lmdb');
  const rows = [];
  const loads = {};
  try {
    if (STORES.includes('stratadb')) {
      const engine = await openFile(ourPath, { durability: 'sync' });
      loads.stratadb = timed(() =>
        engine.transact((root) => {
          const map = root.sortedMap();
          for (let i = 0; i < N; i++) map.put(keyBytes[i]).writeBytes(values[i]);
        }),
      );
      engine.close();
    }
    // The JS-value API on its own file: the same pairs, keys as the 16-character strings.
    const jsPath = nodePath.join(dir, 'sorted-js.db');
    if (STORES.includes('js')) {
      const db = await openDatabase(jsPath, { durability: 'sync' });
      loads.js = timed(() => db.transact((tx) => tx.set(['m'], sortedMap(keys.map((key, i) => [key, values[i]])))));
      db.close();
    }
    if (STORES.includes('peer')) {
      const db = openLmdb({ path: lmdbPath, keyEncoding: 'binary', encoding: 'binary', compression: false });
      const start = performance.now();
      db.transactionSync(() => {
        for (let i = 0; i < N; i++) db.put(keyBytes[i], values[i]);
      });
      await db.flushed;
      loads.peer = performance.now() - start;
      await db.close();
    }
    // WHOLE_FILE_MAX=<bytes> reopens with that whole-file budget (0: read through the page cache only).
    const reopenOptions = process.env.WHOLE_FILE_MAX === undefined ? {} : { wholeFileSizeMax: Number(process.env.WHOLE_FILE_MAX) };
    const engine = STORES.includes('stratadb') ? await openFile(ourPath, { durability: 'sync', ...reopenOptions }) : undefined;
    const view = engine?.moment(-1).asSortedMap();
    const db = STORES.includes('peer') ? openLmdb({ path: lmdbPath, keyEncoding: 'binary', encoding: 'binary', compression: false }) : undefined;
    const jsDb = STORES.includes('js') ? await openDatabase(jsPath, { readOnly: true }) : undefined;
    // One measured pass of SCANS scans: `scanFrom(s)` walks SCAN_LENGTH entries
    // from start `s` and returns the sum of their value bytes, which is checked.
    const scanRun = (store, what, backward, scanFrom) => () => {
      let sum = 0;
      const ms = timed(() => {
        for (let s = 0; s < SCANS; s++) sum += scanFrom(s);
      });
      check(store, what, sum, backward ? expected.backward : expected.forward);
      return ms;
    };
    /** The first SCAN_LENGTH entries of a cursor walk, each read by `read` (which returns its value's sum). */
    const take = (entries, read) => {
      let sum = 0;
      let taken = 0;
      for (const entry of entries) {
        sum += read(entry);
        if (++taken === SCAN_LENGTH) break;
      }
      return sum;
    };
    const walkFrom = (backward, s) => (backward ? view.entriesBackward({ key: startBytes[s] }) : view.entries({ key: startBytes[s] }));
    const buffer = new Uint8Array(256);
    const scan = (backward) =>
      medianEach(runs, {
        ...(jsDb === undefined
          ? {}
          : {
              js: scanRun('stratadb', 'db.range', backward, (s) => {
                let sum = 0;
                const range = backward ? { lte: starts[s], reverse: true, limit: SCAN_LENGTH } : { gte: starts[s], limit: SCAN_LENGTH };
                for (const [key, value] of jsDb.range(['m'], range)) {
                  if (key.length !== 16) throw new Error('stratadb db.range: bad key');
                  sum += sumBytes(value);
                }
                return sum;
              }),
            }),
        ...(view === undefined
          ? {}
          : {
              stratadb: scanRun('stratadb', 'range scan', backward, (s) =>
                take(walkFrom(backward, s), (entry) => {
                  if (entry.key.readBytes().length !== 16) throw new Error('stratadb: bad key');
                  return sumBytes(entry.value.readBytes());
                }),
              ),
              into: scanRun('stratadb', 'range scan, readBytesInto', backward, (s) =>
                take(walkFrom(backward, s), (entry) => {
                  if (entry.key.readBytesInto(buffer) !== 16) throw new Error('stratadb: bad key');
                  return sumBytesIn(buffer, entry.value.readBytesInto(buffer));
                }),
              ),
            }),
        ...(db === undefined
          ? {}
          : {
              peer: scanRun('lmdb', 'range scan', backward, (s) => {
                let sum = 0;
                for (const { key, value } of db.getRange({ start: startBytes[s], reverse: backward, limit: SCAN_LENGTH })) {
                  if (key.length !== 16) throw new Error('lmdb: bad key');
                  sum += sumBytes(value);
                }
                return sum;
              }),
            }),
      });
    const forward = await scan(false);
    const backward = await scan(true);
    engine?.close();
    jsDb?.close();
    await db?.close();
    const add = (workload, medians, n, ops, notes) => {
      if (medians.stratadb !== undefined) rows.push({ workload, store: 'stratadb', n, ops, ms: medians.stratadb, note: notes[0] });
      if (medians.into !== undefined) rows.push({ workload, store: 'stratadb, readBytesInto', n, ops, ms: medians.into, note: notes[2] });
      if (medians.js !== undefined) rows.push({ workload, store: 'stratadb, JS values', n, ops, ms: medians.js, note: notes[3] });
      if (medians.peer !== undefined) rows.push({ workload, store: 'lmdb', n, ops, ms: medians.peer, note: notes[1] });
    };
    add('bulk load, one durable transaction (one run)', loads, N, N, ["root.sortedMap(); map.put(key).writeBytes(value); durability 'sync'", 'transactionSync of puts, then db.flushed', '', "db.transact: tx.set(['m'], sortedMap(pairs)); durability 'sync'"]);
    add(`range scan ${SCAN_LENGTH} from a random key, forwards, after reopen`, forward, N, SCANS, [
      'view.entries({ key }): key.readBytes(), value.readBytes(); ops = scans',
      `getRange({ start, limit: ${SCAN_LENGTH} }): key and value Buffers; ops = scans`,
      'the same walk, key and value copied into one reused buffer (no allocation per value); ops = scans',
      `db.range(['m'], { gte, limit: ${SCAN_LENGTH} }): [string, Uint8Array] pairs, each array with a buffer of its own; ops = scans`,
    ]);
    add(`range scan ${SCAN_LENGTH} from a random key, backwards, after reopen`, backward, N, SCANS, [
      'view.entriesBackward({ key }); ops = scans',
      `getRange({ start, reverse: true, limit: ${SCAN_LENGTH} }); ops = scans`,
      'view.entriesBackward({ key }), readBytesInto; ops = scans',
      `db.range(['m'], { lte, reverse: true, limit: ${SCAN_LENGTH} }); ops = scans`,
    ]);
    printTable(
      'On disk: sorted maps (stratadb sorted map in a file vs lmdb getRange)',
      `The same ${N.toLocaleString('en-US')} keys as 16 bytes, 100 random bytes per value; ${SCANS.toLocaleString('en-US')} scans each way from random keys; median of ${runs} runs after a warm-up; the files are in the OS page cache. stratadb: file, durability 'sync'. lmdb: binary keys and values, no compression (${machine}; load ${load()}).`,
      rows,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
