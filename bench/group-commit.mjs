// Group commit (issue 14): COUNT one-key transactions issued at once through
// stratadb's async path (Engine.transactAsync: each its own moment, syncs
// shared and off the main thread), against lmdb-js's async puts of the same
// pairs (db.put batches too; done when db.flushed resolves, i.e. durable).
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

const stratadbRun = (openFile) => async (path) => {
  const engine = await openFile(path, { durability: 'sync' });
  const syncsBefore = engine.storage.stats.syncCalls;
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < COUNT; i++) pending.push(engine.transactAsync((root) => root.hashMap().put(keys[i]).writeBytes(values[i])));
  await Promise.all(pending);
  const ms = performance.now() - start;
  const syncs = engine.storage.stats.syncCalls - syncsBefore;
  if (engine.momentCount !== COUNT) throw new Error(`stratadb: ${engine.momentCount} moments`);
  engine.close();
  return { ms, syncs };
};

async function lmdbRun(path) {
  const db = openLmdb({ path, keyEncoding: 'binary', encoding: 'binary', compression: false });
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < COUNT; i++) pending.push(db.put(keys[i], values[i]));
  await Promise.all(pending);
  await db.flushed;
  const ms = performance.now() - start;
  await db.close();
  return { ms, syncs: undefined };
}

const stores = [['stratadb transactAsync', stratadbRun((await import('../dist/src/node.js')).openFile)], ['lmdb put', lmdbRun]];
if (process.env.BASE !== undefined) stores.push(['stratadb-base transactAsync', stratadbRun((await import(nodePath.join(nodePath.resolve(process.env.BASE), 'src/node.js'))).openFile)]);
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
for (const [name] of stores) {
  const rs = results.get(name);
  const ms = median(rs.map((r) => r.ms));
  const syncs = rs[0].syncs === undefined ? '' : `, fdatasyncs ${median(rs.map((r) => r.syncs))}`;
  console.log(`| ${name} | ${fmt(ms, 1)} ms | ${fmt((COUNT / ms) * 1000, 0)} /s | stratadb ÷ store (speed) ${fmt(ms / base, 2)}${syncs} |`);
}
