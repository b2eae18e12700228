// Workloads 3 and 4a: on disk. stratadb in a file against lmdb, better-sqlite3
// (WAL and the default rollback journal, both synchronous=FULL) and
// classic-level, in the same run, every store durable (see stores.mjs). Per run
// and store: a bulk load of N pairs (16-byte random keys, 100-byte random values)
// in one durable transaction; close; reopen; N random point reads; a full scan;
// 2,000 durable one-key transactions; close. The stores take turns within each
// run. Then each store's last file is opened in a fresh process to time the open
// and measure its memory (open-file.mjs).
//
// Run: `node disk.mjs` (N=..., RUNS=... measured runs, default 3; the warm-up
// run loads N/10; BENCH_DIR=... for the files, default the temp dir).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { execFileSync } from 'node:child_process';
import { N, RUNS, check, fmt, machineLine, median, percentile, permutation, printTable, randomBytes, sizeOf, sumBytes } from './common.mjs';
import { removeStore, stores } from './stores.mjs';

const runs = RUNS ?? 3;
const WARMUP_N = Math.max(1000, Math.floor(N / 10));
const COMMITS = Number(process.env.COMMITS ?? 2000);
const KEY_SIZE = 16;
const VALUE_SIZE = 100;
const dir = process.env.BENCH_DIR ?? nodePath.join(os.tmpdir(), 'stratadb-bench');
fs.mkdirSync(dir, { recursive: true });

const keys = randomBytes(N, KEY_SIZE, 11);
const values = randomBytes(N, VALUE_SIZE, 12);
const order = permutation(N, 13);
const commitKeys = randomBytes(COMMITS, KEY_SIZE, 14);
const commitValues = randomBytes(COMMITS, VALUE_SIZE, 15);
let expectedCommits = 0;
for (const value of commitValues) expectedCommits += sumBytes(value);

const slug = (store) => store.name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '');
const pathOf = (store) => nodePath.join(dir, `${slug(store)}.db`);
const bytesOf = (store) => store.files(pathOf(store)).reduce((total, file) => total + sizeOf(file), 0);

/** samples[store][metric] = [one value per measured run] */
const samples = new Map(stores.map((store) => [store.name, { bulk: [], read: [], readNoAlloc: [], scan: [], commits: [], p50: [], p99: [], size: [], sizeAfter: [] }]));

for (let run = 0; run <= runs; run++) {
  const n = run === 0 ? WARMUP_N : N;
  const runKeys = keys.slice(0, n);
  const runValues = values.slice(0, n);
  const runOrder = run === 0 ? permutation(n, 13) : order;
  let expectedAll = 0;
  for (let i = 0; i < n; i++) expectedAll += sumBytes(runValues[i]);
  for (const store of stores) {
    const path = pathOf(store);
    removeStore(store, path);
    const s = samples.get(store.name);

    let db = await store.create(path);
    let start = performance.now();
    await store.bulkLoad(db, runKeys, runValues);
    const bulk = performance.now() - start;
    await store.close(db);
    const size = bytesOf(store);

    db = await store.reopen(path);
    start = performance.now();
    const readSum = store.readAll(db, runKeys, runOrder);
    const read = performance.now() - start;
    check(store.name, 'random reads', readSum, expectedAll);

    // Reads without an allocation per value, where the store has such a read:
    // after a second reopen, so that they start as cold as the reads above.
    let readNoAlloc;
    if (store.readAllNoAlloc !== undefined) {
      await store.close(db);
      db = await store.reopen(path);
      start = performance.now();
      const sum = store.readAllNoAlloc(db, runKeys, runOrder);
      readNoAlloc = performance.now() - start;
      check(store.name, 'random reads without allocation', sum, expectedAll);
    }

    start = performance.now();
    const scanned = await store.scan(db);
    const scan = performance.now() - start;
    check(store.name, 'scan count', scanned.count, n);
    check(store.name, 'scan', scanned.sum, expectedAll);

    const latencies = new Float64Array(COMMITS);
    start = performance.now();
    for (let i = 0; i < COMMITS; i++) {
      const t = performance.now();
      await store.commitOne(db, commitKeys[i], commitValues[i]);
      latencies[i] = performance.now() - t;
    }
    const commits = performance.now() - start;
    const commitOrder = Int32Array.from({ length: COMMITS }, (_, i) => i);
    check(store.name, 'committed pairs', store.readAll(db, commitKeys, commitOrder), expectedCommits);
    await store.close(db);
    const sizeAfter = bytesOf(store);

    if (run > 0) {
      s.bulk.push(bulk);
      s.read.push(read);
      if (readNoAlloc !== undefined) s.readNoAlloc.push(readNoAlloc);
      s.scan.push(scan);
      s.commits.push(commits);
      s.p50.push(percentile(latencies, 50));
      s.p99.push(percentile(latencies, 99));
      s.size.push(size);
      s.sizeAfter.push(sizeAfter);
    }
    process.stderr.write(`run ${run} ${store.name}: bulk ${bulk.toFixed(0)} ms, reads ${read.toFixed(0)} ms, scan ${scan.toFixed(0)} ms, ${COMMITS} commits ${commits.toFixed(0)} ms, ${size} bytes\n`);
    if (run < runs) removeStore(store, path);
  }
}

const rows = [];
const m = (store, metric) => median(samples.get(store.name)[metric]);
for (const store of stores) {
  const sizeAfter = m(store, 'sizeAfter');
  rows.push({ workload: 'bulk load, one durable transaction', store: store.name, n: N, ops: N, ms: m(store, 'bulk'), bytes: m(store, 'size') / N, note: `bytes = files after close / N` });
}
for (const store of stores) rows.push({ workload: 'random point reads after reopen', store: store.name, n: N, ops: N, ms: m(store, 'read') });
for (const store of stores) {
  if (store.readAllNoAlloc !== undefined) rows.push({ workload: 'random point reads after reopen, no allocation per read', store: store.name, n: N, ops: N, ms: m(store, 'readNoAlloc'), note: store.noAllocNote });
}
for (const store of stores) {
  rows.push({
    workload: `durable one-key commits`,
    store: store.name,
    n: COMMITS,
    ops: COMMITS,
    ms: m(store, 'commits'),
    bytes: (m(store, 'sizeAfter') - m(store, 'size')) / COMMITS,
    note: `p50 ${fmt(m(store, 'p50'), 3)} ms, p99 ${fmt(m(store, 'p99'), 3)} ms; bytes = file growth per commit`,
  });
}
for (const store of stores) rows.push({ workload: 'full scan', store: store.name, n: N, ops: N, ms: m(store, 'scan') });

printTable(
  'On disk: stratadb file vs lmdb, better-sqlite3, classic-level',
  `N = ${N.toLocaleString('en-US')} pairs, ${KEY_SIZE}-byte random keys, ${VALUE_SIZE}-byte random values, the same keys in the same order for every store; ` +
    `${COMMITS.toLocaleString('en-US')} one-key commits on top of the loaded database; median of ${runs} runs after a warm-up run at N = ${WARMUP_N.toLocaleString('en-US')}; ` +
    `every read checksummed against what was written. Reads after reopen find the file in the OS page cache (same for every store).\n\n` +
    stores.map((store) => `- ${store.name}: ${store.note}`).join('\n'),
  rows,
);

// 4a. Open time and memory of each store's 1M-entry file, each in a fresh process.
{
  const openRows = [];
  for (let index = 0; index < stores.length; index++) {
    const store = stores[index];
    const results = [];
    for (let run = 0; run <= runs; run++) {
      const out = execFileSync(process.execPath, ['--expose-gc', new URL('./open-file.mjs', import.meta.url).pathname, String(index), pathOf(store), String(N)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (run > 0) results.push(JSON.parse(out));
    }
    const med = (key) => median(results.map((r) => r[key]));
    openRows.push({ store: store.name, ...Object.fromEntries(Object.keys(results[0]).map((key) => [key, med(key)])) });
    removeStore(store, pathOf(store));
  }
  console.log(`### Opening a ${N.toLocaleString('en-US')}-entry file\n`);
  console.log(
    `Each store's file from the last run above, opened in a fresh process (modules already imported), ${runs} processes after a warm-up one, medians. ` +
      `"Open" is until the first point read returned. Memory is the growth over the process before the open: RSS (for lmdb it includes the mapped file pages touched), ` +
      `and JS heap + external memory, array buffers included (after a GC). stratadb's first open in a process also compiles the xxhash WebAssembly module.\n`,
  );
  console.log(`${machineLine()}\n`);
  console.log('| store | first open + 1 read, ms | second open + 1 read, ms | RSS after open, MiB | heap+external after open, MiB | RSS after 100,000 random reads, MiB | heap+external after the reads, MiB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of openRows) {
    console.log(`| ${r.store} | ${fmt(r.openMs, 2)} | ${fmt(r.reopenMs, 2)} | ${fmt(r.rssOpen, 1)} | ${fmt(r.heapOpen, 1)} | ${fmt(r.rssReads, 1)} | ${fmt(r.heapReads, 1)} |`);
  }
  console.log('');
}
