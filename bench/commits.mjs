// The commit path (issue 14): one-key transactions committed one after the
// other, each its own moment, on a database preloaded with PRELOAD pairs.
//
// Durable (each commit returns only once it would survive a power loss):
// - stratadb: Engine.transact on a file, durability 'sync' (one fdatasync per
//   commit, after its trailer; the header is written after it, unsynced)
// - lmdb: await put, then db.flushed (lmdb-js defaults)
// - better-sqlite3: WAL, synchronous=FULL, a prepared INSERT OR REPLACE
// - "one fdatasync": no database, the limit of stratadb's protocol: the bytes
//   a stratadb commit appends (measured in the warm-up round) written over
//   reserved zeros, one fdatasync, then a 24-byte header write, unsynced
// Not durable, stratadb only (they must not get slower): a memory database,
// and a file with durability 'flush'.
//
// BASE=/path/to/dist runs the stratadb workloads a second time from another
// build (e.g. the previous commit's dist/), in the same process and the same
// rounds, so that before/after ratios hold on a loaded machine. Within each
// round all stores of a kind are open at once and take turns every BLOCK
// (durable) or QUICK_BLOCK commits; the first round is a warm-up; medians.
//
// Run: `node commits.mjs` (PRELOAD=10000, COMMITS=1000, MEMORY_COMMITS=10000,
// ROUNDS=5, BENCH_DIR=..., BASE=..., ONLY=comma-separated store names).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { open as openLmdb } from 'lmdb';
import { fmt, machineLine, median, percentile, randomBytes } from './common.mjs';

const PRELOAD = Number(process.env.PRELOAD ?? 10000);
const COMMITS = Number(process.env.COMMITS ?? 1000);
const MEMORY_COMMITS = Number(process.env.MEMORY_COMMITS ?? 10000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BLOCK = Number(process.env.BLOCK ?? 50);
const QUICK_BLOCK = Number(process.env.QUICK_BLOCK ?? 250);
const ONLY = process.env.ONLY?.split(',');
const dir = process.env.BENCH_DIR ?? nodePath.join(os.tmpdir(), 'stratadb-bench-commits');
fs.mkdirSync(dir, { recursive: true });

const preKeys = randomBytes(PRELOAD, 16, 31);
const preValues = randomBytes(PRELOAD, 100, 32);
const keys = randomBytes(Math.max(COMMITS, MEMORY_COMMITS), 16, 33);
const values = randomBytes(Math.max(COMMITS, MEMORY_COMMITS), 100, 34);

const current = await import('../dist/src/node.js');
const currentEngine = await import('../dist/src/engine.js');
const builds = [['stratadb', current, currentEngine]];
if (process.env.BASE !== undefined) {
  const base = nodePath.resolve(process.env.BASE);
  builds.push(['stratadb (base)', await import(nodePath.join(base, 'src/node.js')), await import(nodePath.join(base, 'src/engine.js'))]);
}

/** Bytes a stratadb commit appends, measured in the warm-up round; the one-fdatasync limit writes as many. */
let commitBytes = 1400;

const pathOf = (name) => nodePath.join(dir, name.replace(/[^a-z0-9]+/gi, '-'));

function fresh(path) {
  fs.rmSync(path, { recursive: true, force: true });
  for (const suffix of ['-lock', '.lock', '-wal', '-shm', '-journal']) fs.rmSync(`${path}${suffix}`, { force: true });
}

// Each durable store: open(path) -> handle (preloaded), commit(handle, i) (resolves once durable), close(handle).

function stratadbDurable(api) {
  return {
    async open(path) {
      const engine = await api.openFile(path, { durability: 'sync' });
      engine.transact((root) => {
        const map = root.hashMap();
        for (let i = 0; i < PRELOAD; i++) map.put(preKeys[i]).writeBytes(preValues[i]);
      });
      return { engine, before: engine.storage.size() };
    },
    commit(h, i) {
      h.engine.transact((root) => root.hashMap().put(keys[i]).writeBytes(values[i]));
    },
    close(h) {
      const bytes = (h.engine.storage.size() - h.before) / COMMITS;
      if (h.engine.momentCount !== COMMITS + 1) throw new Error(`stratadb: ${h.engine.momentCount} moments`);
      h.engine.close();
      return bytes;
    },
  };
}

const lmdbDurable = {
  async open(path) {
    const db = openLmdb({ path, keyEncoding: 'binary', encoding: 'binary', compression: false });
    db.transactionSync(() => {
      for (let i = 0; i < PRELOAD; i++) db.put(preKeys[i], preValues[i]);
    });
    await db.flushed;
    return db;
  },
  async commit(db, i) {
    await db.put(keys[i], values[i]);
    await db.flushed;
  },
  async close(db) {
    await db.close();
  },
};

const sqliteDurable = {
  open(path) {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID');
    const put = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < PRELOAD; i++) put.run(preKeys[i], preValues[i]);
    })();
    return { db, put };
  },
  commit(s, i) {
    s.put.run(keys[i], values[i]);
  },
  close(s) {
    s.db.close();
  },
};

/** stratadb's protocol without a database: record over reserved zeros, fdatasync, header write (unsynced). */
const oneSyncLimit = {
  open(path) {
    const fd = fs.openSync(path, 'w+');
    const record = Buffer.alloc(Math.round(commitBytes), 7);
    const position = 1 << 20;
    fs.writeSync(fd, Buffer.alloc(position, 3), 0, position, 0);
    const zeros = Buffer.alloc(COMMITS * record.length + 65536);
    fs.writeSync(fd, zeros, 0, zeros.length, position);
    fs.fdatasyncSync(fd);
    return { fd, record, position, header: Buffer.alloc(24, 1) };
  },
  commit(h) {
    fs.writeSync(h.fd, h.record, 0, h.record.length, h.position);
    h.position += h.record.length;
    fs.fdatasyncSync(h.fd);
    fs.writeSync(h.fd, h.header, 0, h.header.length, 12);
  },
  close(h) {
    fs.closeSync(h.fd);
  },
};

/** Not durable: a memory database, or a file with durability 'flush'. */
function stratadbQuick(api, engineApi, where) {
  return {
    async open(path) {
      const engine = where === 'memory' ? await engineApi.openEngine(new engineApi.MemoryStorage()) : await api.openFile(path, { durability: 'flush' });
      engine.transact((root) => {
        const map = root.hashMap();
        for (let i = 0; i < PRELOAD; i++) map.put(preKeys[i]).writeBytes(preValues[i]);
      });
      return engine;
    },
    commit(engine, i) {
      engine.transact((root) => root.hashMap().put(keys[i]).writeBytes(values[i]));
    },
    close(engine) {
      engine.close();
    },
  };
}

/**
 * Opens every store of `chosen` (fresh files), then runs `count` commits on
 * each, the stores taking turns every `block` commits so that the machine's
 * changing load falls on each alike; returns per store its total ms and the
 * latency of each commit.
 */
async function takingTurns(chosen, count, block) {
  const open = [];
  for (const [name, store] of chosen) {
    fresh(pathOf(name));
    open.push({ name, store, handle: await store.open(pathOf(name)), latencies: new Float64Array(count), ms: 0 });
  }
  for (let from = 0; from < count; from += block) {
    for (const o of open) {
      const start = performance.now();
      for (let i = from; i < Math.min(count, from + block); i++) {
        const t = performance.now();
        await o.store.commit(o.handle, i);
        o.latencies[i] = performance.now() - t;
      }
      o.ms += performance.now() - start;
    }
  }
  for (const o of open) {
    o.bytes = await o.store.close(o.handle);
    fresh(pathOf(o.name));
  }
  return open;
}

const durable = [];
for (const [name, api] of builds) durable.push([`${name} durable`, stratadbDurable(api)]);
durable.push(['lmdb durable', lmdbDurable], ['better-sqlite3 WAL durable', sqliteDurable], ['one fdatasync (limit)', oneSyncLimit]);
const quick = [];
for (const [name, api, engineApi] of builds) quick.push([`${name} memory`, stratadbQuick(api, engineApi, 'memory')], [`${name} flush`, stratadbQuick(api, engineApi, 'flush')]);
const pick = (list) => list.filter(([name]) => ONLY === undefined || ONLY.some((only) => name.includes(only)));
const durableChosen = pick(durable);
const quickChosen = pick(quick);

/** samples.get(name) = per round { rate, p50, p99, bytes } */
const samples = new Map([...durableChosen, ...quickChosen].map(([name]) => [name, []]));
const loads = [];
for (let round = 0; round <= ROUNDS; round++) {
  loads.push(os.loadavg()[0]);
  for (const o of await takingTurns(durableChosen, COMMITS, BLOCK)) {
    if (round === 0 && o.name === 'stratadb durable') commitBytes = o.bytes;
    if (round > 0) samples.get(o.name).push({ rate: (COMMITS / o.ms) * 1000, p50: percentile(o.latencies, 50), p99: percentile(o.latencies, 99), bytes: o.bytes });
  }
  for (const o of await takingTurns(quickChosen, MEMORY_COMMITS, QUICK_BLOCK)) {
    if (round > 0) samples.get(o.name).push({ rate: (MEMORY_COMMITS / o.ms) * 1000 });
  }
}

console.log(`One-key commits on ${PRELOAD.toLocaleString('en-US')} preloaded pairs (16-byte keys, 100-byte values): durable ${COMMITS.toLocaleString('en-US')} (stores taking turns every ${BLOCK}), not durable ${MEMORY_COMMITS.toLocaleString('en-US')} (turns every ${QUICK_BLOCK}); median of ${ROUNDS} rounds after a warm-up`);
console.log(`${machineLine()}; load average ${loads.map((l) => l.toFixed(1)).join(' ')} at the rounds' starts\n`);
console.log('| store | commits/s | p50 ms | p99 ms | bytes/commit | speed ÷ stratadb |');
console.log('| --- | --- | --- | --- | --- | --- |');
const med = (name, key) => median(samples.get(name).map((r) => r[key]));
for (const [name] of [...durableChosen, ...quickChosen]) {
  const kind = name.split(' ').at(-1);
  const reference = kind === 'memory' || kind === 'flush' ? `stratadb ${kind}` : 'stratadb durable';
  const ratio = samples.has(reference) ? fmt(med(name, 'rate') / med(reference, 'rate'), 2) : '';
  const has = (key) => samples.get(name)[0]?.[key] !== undefined;
  const cell = (key, digits) => (has(key) ? fmt(med(name, key), digits) : '');
  console.log(`| ${name} | ${fmt(med(name, 'rate'), 0)} | ${cell('p50', 3)} | ${cell('p99', 3)} | ${cell('bytes', 0)} | ${ratio} |`);
}
