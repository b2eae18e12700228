// Group commit (issue 14): COUNT one-key transactions issued at once through
// stratadb's async paths against lmdb-js's async puts of the same pairs
// (db.put batches too; done when db.flushed resolves, i.e. durable):
// - Engine.transactAsync: each its own moment, syncs shared off the main thread;
// - Engine.transactBatch: each its own atomic function, all in one moment;
// - Database.transactBatched (value API): the queue that gathers concurrent
//   calls into such batches; each sets one top-level key (`[key]`, lmdb's flat
//   keyspace), and again one level down (`['pairs', key]`, a map in the root).
// Every store durable, fresh files, the same 16-byte keys and 100-byte values.
// Stores take turns, RUNS times; medians.
//
// BASE=/path/to/dist adds the same stratadb run from another build (before and
// after a change, in the same process and the same rounds).
//
// Run: `node group-commit.mjs` (COUNT=10000, RUNS=5, BENCH_DIR=..., BASE=...).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { open as openLmdb } from 'lmdb';
import { fmt, machineLine, median, randomBytes } from './common.mjs';

const COUNT = Number(process.env.COUNT ?? 10000);
const RUNS = Number(process.env.RUNS ?? 5);
const dir = process.env.BENCH_DIR ?? nodePath.join(os.tmpdir(), 'stratadb-bench-group');
fs.mkdirSync(dir, { recursive: true });
const keys = randomBytes(COUNT, 16, 21);
const values = randomBytes(COUNT, 100, 22);

const put = (i) => (root) => root.hashMap().put(keys[i]).writeBytes(values[i]);

/**
 * One stratadb run: opens `path` durable with `openAt`, times `issue` (which
 * issues the COUNT transactions and resolves once all are durable), checks
 * the moments it made, and counts the syncs.
 */
const stratadbRun = (openAt, moments, issue) => async (path) => {
  const handle = await openAt(path, { durability: 'sync' });
  const storage = (handle.engine ?? handle).storage;
  const syncsBefore = storage.stats.syncCalls;
  const start = performance.now();
  await issue(handle);
  const ms = performance.now() - start;
  const syncs = storage.stats.syncCalls - syncsBefore;
  if (handle.momentCount !== moments) throw new Error(`stratadb: ${handle.momentCount} moments, expected ${moments}`);
  handle.close();
  return { ms, syncs, bytes: fs.statSync(path).size };
};

// Engine.transactAsync: each transaction its own moment, syncs shared.
const transactAsyncRun = (openFile) =>
  stratadbRun(openFile, COUNT, (engine) => Promise.all(Array.from({ length: COUNT }, (_, i) => engine.transactAsync(put(i)))));

// Engine.transactBatch: the same COUNT transactions, each its own atomic
// function, run in one moment with one trailer and one sync.
const transactBatchRun = (openFile) =>
  stratadbRun(openFile, 1, async (engine) => {
    const outcomes = await engine.transactBatch(Array.from({ length: COUNT }, (_, i) => put(i)));
    if (outcomes.some((outcome) => outcome.status !== 'fulfilled')) throw new Error('stratadb: a transaction of the batch failed');
  });

// Engine.transactBatched: COUNT calls issued at once, each with its own
// promise, gathered by the engine's queue into one batch.
const transactBatchedRun = (openFile) =>
  stratadbRun(openFile, 1, (engine) => Promise.all(Array.from({ length: COUNT }, (_, i) => engine.transactBatched(put(i)))));

// The value API's Database.transactBatched: COUNT calls issued at once, gathered
// by its queue into one batch. Keys are the hex of the same 16 bytes (path keys are strings).
const hexKeys = keys.map((key) => Buffer.from(key).toString('hex'));
const valueApiBatchedRun = (openPath) =>
  stratadbRun(openPath, 1, (db) => Promise.all(Array.from({ length: COUNT }, (_, i) => db.transactBatched((tx) => tx.set([hexKeys[i]], values[i])))));
const valueApiNestedRun = (openPath) =>
  stratadbRun(openPath, 1, (db) => Promise.all(Array.from({ length: COUNT }, (_, i) => db.transactBatched((tx) => tx.set(['pairs', hexKeys[i]], values[i])))));

/** A file's size, or the sum of a folder's files (lmdb-js may keep its data in a folder). */
function diskBytes(path) {
  const stat = fs.statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(path).reduce((sum, name) => sum + fs.statSync(nodePath.join(path, name)).size, 0);
}

async function lmdbRun(path) {
  const db = openLmdb({ path, keyEncoding: 'binary', encoding: 'binary', compression: false });
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < COUNT; i++) pending.push(db.put(keys[i], values[i]));
  await Promise.all(pending);
  await db.flushed;
  const ms = performance.now() - start;
  await db.close();
  return { ms, syncs: undefined, bytes: diskBytes(path) };
}

const node = await import('../dist/src/node.js');
const stores = [
  ['stratadb transactAsync', transactAsyncRun(node.openFile)],
  ['stratadb transactBatch', transactBatchRun(node.openFile)],
  ['stratadb transactBatched', transactBatchedRun(node.openFile)],
  ['stratadb db.transactBatched', valueApiBatchedRun(node.open)],
  ['stratadb db.transactBatched, nested', valueApiNestedRun(node.open)],
  ['lmdb put', lmdbRun],
];
if (process.env.BASE !== undefined) stores.push(['stratadb-base transactAsync', transactAsyncRun((await import(nodePath.join(nodePath.resolve(process.env.BASE), 'src/node.js'))).openFile)]);
const results = new Map(stores.map(([name]) => [name, []]));
for (let run = 0; run <= RUNS; run++) {
  for (const [name, fn] of stores) {
    const path = nodePath.join(dir, `${name.split(' ')[0]}-${run}`);
    fs.rmSync(path, { recursive: true, force: true });
    fs.rmSync(`${path}-lock`, { force: true });
    const result = await fn(path);
    fs.rmSync(path, { recursive: true, force: true });
    fs.rmSync(`${path}.lock`, { force: true });
    if (run > 0) results.get(name).push(result);
  }
}
console.log(`${COUNT.toLocaleString('en-US')} one-key transactions issued at once, durable; median of ${RUNS} runs after a warm-up`);
console.log(`${machineLine()}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
const base = median(results.get('stratadb transactAsync').map((r) => r.ms));
const lmdb = median(results.get('lmdb put').map((r) => r.ms));
for (const [name] of stores) {
  const rs = results.get(name);
  const ms = median(rs.map((r) => r.ms));
  const syncs = rs[0].syncs === undefined ? '' : `, fdatasyncs ${median(rs.map((r) => r.syncs))}`;
  const mb = median(rs.map((r) => r.bytes)) / 1e6;
  console.log(`| ${name} | ${fmt(ms, 1)} ms | ${fmt((COUNT / ms) * 1000, 0)} /s | speed ÷ transactAsync's ${fmt(base / ms, 2)} | speed ÷ lmdb's ${fmt(lmdb / ms, 2)}${syncs} | file ${fmt(mb, 2)} MB |`);
}
