// Compaction (issue 16), in one process so that the machine's load falls on
// every measurement alike:
// 1. a source file with history: N random 16-byte keys and VALUE_SIZE-byte
//    values loaded in 10 durable transactions of N/10, then UPDATES one-key
//    commits;
// 2. a bulk load of the same final data into a new file in one durable
//    transaction (what a fresh copy costs), against the compaction of the
//    source to its latest moment (db.compact(): copy, sync, rename), both
//    as MB/s of the source file's size;
// 3. full scans (every key and value read): the compacted file, the source
//    before compaction, the bulk-loaded file, and lmdb holding the same data.
//    Each file is reopened first; all of them are in the OS page cache.
//
//   node bench/compact.mjs            N=1000000
//   N=200000 node bench/compact.mjs   quicker
//
// STRATADB_DIST=/path/to/dist runs another build (before/after comparisons in
// alternating processes). The compacted file is scanned twice: with
// `entries()` and with `forEach`, the map's documented quickest walk.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const dist = process.env.STRATADB_DIST ?? new URL('../dist', import.meta.url).pathname;
const { open, openFile } = await import(path.join(dist, 'src/node.js'));
import { open as openLmdb } from 'lmdb';
import { N, randomBytes, sumBytes, check, loadLmdb, scanLmdbAll } from './common.mjs';

const VALUE_SIZE = Number(process.env.VALUE_SIZE ?? 100);
const UPDATES = Number(process.env.UPDATES ?? 200);
const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'stratadb-compact-bench-'));
const keys = randomBytes(N, 16, 11);
const values = randomBytes(N, VALUE_SIZE, 12);
const updateValues = randomBytes(UPDATES, VALUE_SIZE, 13);
const ms = (start) => performance.now() - start;
const mb = (bytes) => bytes / 1e6;

// The final data: the loaded values, with the updates applied.
const finalValues = values.slice();
for (let u = 0; u < UPDATES; u++) finalValues[(u * 7919) % N] = updateValues[u];
let expectedSum = 0;
for (const value of finalValues) expectedSum += sumBytes(value);

function scanEngine(engine, withForEach) {
  let count = 0;
  let sum = 0;
  const map = engine.moment(-1).asHashMap();
  if (withForEach) {
    map.forEach((value, key) => {
      if (key.readBytes().length !== 16) throw new Error('bad key');
      sum += sumBytes(value.readBytes());
      count++;
    });
    return { count, sum };
  }
  for (const entry of map.entries()) {
    if (entry.key.readBytes().length !== 16) throw new Error('bad key');
    sum += sumBytes(entry.value.readBytes());
    count++;
  }
  return { count, sum };
}

async function scanFile(file, withForEach = false) {
  const engine = await openFile(file, { readOnly: true });
  const start = performance.now();
  const { count, sum } = scanEngine(engine, withForEach);
  const time = ms(start);
  engine.close();
  check(file, 'scan count', count, N);
  check(file, 'scan', sum, expectedSum);
  return time;
}

// 1. The source, with history.
const source = path.join(dir, 'source.xit');
{
  const engine = await openFile(source, { durability: 'sync' });
  const batch = Math.ceil(N / 10);
  for (let from = 0; from < N; from += batch) {
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = from; i < Math.min(N, from + batch); i++) map.put(keys[i]).writeBytes(values[i]);
    });
  }
  for (let u = 0; u < UPDATES; u++) engine.transact((root) => root.hashMap().put(keys[(u * 7919) % N]).writeBytes(updateValues[u]));
  engine.close();
}
const sourceSize = fs.statSync(source).size;
const sourceCopy = path.join(dir, 'source-uncompacted.xit');
fs.copyFileSync(source, sourceCopy);

// 2. Bulk load of the same data, then the compaction.
const bulk = path.join(dir, 'bulk.xit');
let start = performance.now();
{
  const engine = await openFile(bulk, { durability: 'sync' });
  engine.transact((root) => {
    const map = root.hashMap();
    for (let i = 0; i < N; i++) map.put(keys[i]).writeBytes(finalValues[i]);
  });
  engine.close();
}
const bulkMs = ms(start);
const bulkSize = fs.statSync(bulk).size;

const db = await open(source);
start = performance.now();
const result = db.compact();
const compactMs = ms(start);
db.close();
const compactedSize = fs.statSync(source).size;

// lmdb with the same data.
const lmdbPath = path.join(dir, 'lmdb');
await loadLmdb(openLmdb, lmdbPath, keys, finalValues);
async function scanLmdb() {
  const lmdb = openLmdb({ path: lmdbPath, keyEncoding: 'binary', encoding: 'binary', compression: false });
  const begin = performance.now();
  const { count, sum } = scanLmdbAll(lmdb);
  const time = ms(begin);
  await lmdb.close();
  check('lmdb', 'scan count', count, N);
  check('lmdb', 'scan', sum, expectedSum);
  return time;
}

// 3. Scans, taking turns, three rounds; the median of each.
const scans = { compacted: [], compactedForEach: [], uncompacted: [], bulk: [], lmdb: [] };
for (let round = 0; round < 3; round++) {
  scans.compacted.push(await scanFile(source));
  scans.compactedForEach.push(await scanFile(source, true));
  scans.uncompacted.push(await scanFile(sourceCopy));
  scans.bulk.push(await scanFile(bulk));
  scans.lmdb.push(await scanLmdb());
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const scan = Object.fromEntries(Object.entries(scans).map(([name, xs]) => [name, median(xs)]));
const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`## Compaction, N = ${N.toLocaleString('en')} (${VALUE_SIZE}-byte values, 10 load commits + ${UPDATES} one-key commits)\n`);
console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${load}\n`);
console.log('| what | ms | MB/s of the source | note |');
console.log('| --- | ---: | ---: | --- |');
console.log(`| compact to latest (db.compact: copy, sync, rename) | ${compactMs.toFixed(0)} | ${(mb(sourceSize) / (compactMs / 1000)).toFixed(1)} | source ${mb(sourceSize).toFixed(1)} MB -> ${mb(compactedSize).toFixed(1)} MB, ${result.momentsBefore} -> ${result.moments} moments |`);
console.log(`| bulk load of the same data (one durable transaction) | ${bulkMs.toFixed(0)} | ${(mb(sourceSize) / (bulkMs / 1000)).toFixed(1)} | file ${mb(bulkSize).toFixed(1)} MB; compaction takes ${(compactMs / bulkMs).toFixed(2)}x the bulk load's time |`);
console.log('\n| full scan | ms | vs lmdb (its time / ours) |');
console.log('| --- | ---: | ---: |');
const scanNames = { compacted: 'compacted file', compactedForEach: 'compacted file, forEach', uncompacted: 'uncompacted file', bulk: 'bulk-loaded file', lmdb: 'lmdb' };
for (const [name, title] of Object.entries(scanNames)) console.log(`| ${title} | ${scan[name].toFixed(0)} | ${(scan.lmdb / scan[name]).toFixed(2)}x |`);
fs.rmSync(dir, { recursive: true, force: true });
