// The value walkers, build against build: toJS and toImmutable of a big map,
// copying it into another database (a view stored with set), and the dump of a
// large file with history. Each workload runs in a fresh process, the builds
// taking turns (and which goes first alternating) so that a change in the
// machine's load falls on both. Prints ms per walk (min and median of the
// runs) per build and workload as a markdown table: CPU time by default
// (CLOCK=wall for wall time). Written to check that
// driving dump, toJS/toImmutable and copy from one walker cost nothing.
//
// Run: `node bench/walkers.mjs DIST_A DIST_B ...` (each a built dist/ folder,
// e.g. a copy of the old commit's, and ./dist); RUNS=5 processes per build and
// workload, N=300000 keys in the map, DUMP_N=50000 records in the dumped file,
// REPEAT=3 walks per process (the best counts: the first warms the code).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median, machineLine } from './common.mjs';

const N = Number(process.env.N ?? 300_000);
const DUMP_N = Number(process.env.DUMP_N ?? 50_000);
const RUNS = Number(process.env.RUNS ?? 5);
const REPEAT = Number(process.env.REPEAT ?? 3);
const dir = process.env.BENCH_DIR ?? nodePath.join(os.tmpdir(), 'stratadb-bench-walkers');
const dumpPath = nodePath.join(dir, 'dump.db');

const WORKLOADS = ['tojs-map', 'toimmutable-map', 'tojs-nested', 'copy-map', 'dump-walk', 'dump-text'];

/** A map of N keys to numbers and short strings (what toJS of a big map reads). */
function flatObject() {
  const object = {};
  for (let i = 0; i < N; i++) object[`key${i}`] = i % 2 === 0 ? i : `v${i}`;
  return object;
}

/** N/10 records, each a small map holding a list: many small structures. */
function nestedObject() {
  const object = {};
  for (let i = 0; i < N / 10; i++) object[`user${i}`] = { name: `name${i}`, age: i % 90, tags: ['a', `t${i % 7}`] };
  return object;
}

/**
 * The best of REPEAT walks, in ms of this process's CPU time (user + system),
 * or of wall time with CLOCK=wall: on a machine shared with other work, CPU
 * time does not count the time the walk waited for a core.
 */
function best(walk) {
  let min = Infinity;
  for (let r = 0; r < REPEAT; r++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const out = walk();
    const used = process.cpuUsage(cpu);
    const ms = process.env.CLOCK === 'wall' ? Number(process.hrtime.bigint() - start) / 1e6 : (used.user + used.system) / 1000;
    if (out === undefined) throw new Error('a walk returned nothing');
    min = Math.min(min, ms);
  }
  return min;
}

async function child(dist, workload) {
  const { open, dumpDatabase, dumpText } = await import(pathToFileURL(nodePath.join(dist, 'src/node.js')).href);
  if (workload.startsWith('dump')) {
    // dump-walk: the walk alone (dumpDatabase); dump-text: the walk and the JSON text (what `stratadb dump` prints).
    const db = await open(dumpPath, { readOnly: true });
    let users = 0;
    const ms = best(() => {
      if (workload === 'dump-text') return dumpText(db.engine).length;
      const json = dumpDatabase(db.engine);
      users = Object.keys(json.moments[json.moments.length - 1].hash_map.users.hash_map).length;
      return json;
    });
    if (workload === 'dump-walk' && users !== DUMP_N) throw new Error(`the dump holds ${users} users, not ${DUMP_N}`);
    db.close();
    return ms;
  }
  const db = await open(undefined, { durability: 'flush' });
  db.set(['m'], workload === 'tojs-nested' ? nestedObject() : flatObject());
  const view = db.get(['m']);
  const expected = workload === 'tojs-nested' ? N / 10 : N;
  if (workload === 'tojs-map' || workload === 'tojs-nested') {
    return best(() => {
      const out = view.toJS();
      if (Object.keys(out).length !== expected) throw new Error('toJS: wrong size');
      return out;
    });
  }
  if (workload === 'toimmutable-map') {
    return best(() => {
      const out = view.toImmutable();
      if (out.size !== expected) throw new Error('toImmutable: wrong size');
      return out;
    });
  }
  if (workload === 'copy-map') return copyBest(open, view, expected);
  throw new Error(`unknown workload ${workload}`);
}

/** Copies the view into a fresh memory database REPEAT times; the best time counts. */
async function copyBest(open, view, expected) {
  let min = Infinity;
  for (let r = 0; r < REPEAT; r++) {
    const other = await open(undefined, { durability: 'flush' });
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    other.set(['c'], view);
    const used = process.cpuUsage(cpu);
    min = Math.min(min, process.env.CLOCK === 'wall' ? Number(process.hrtime.bigint() - start) / 1e6 : (used.user + used.system) / 1000);
    if (other.get(['c']).size !== expected) throw new Error('copy: wrong size');
    other.close();
  }
  return min;
}

/**
 * The dumped file: DUMP_N records (maps holding a list and a set) written over
 * three moments (80%, then 10% and 10% more), and a list replaced each
 * moment. Later moments share the earlier records, which the dump walks once
 * and prints at each moment.
 */
async function setup(dist) {
  const { open } = await import(pathToFileURL(nodePath.join(dist, 'src/node.js')).href);
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(dumpPath, { force: true });
  const db = await open(dumpPath, { durability: 'flush' });
  const ends = [0.8, 0.9, 1].map((share) => Math.round(share * DUMP_N));
  let next = 0;
  for (const [m, end] of ends.entries()) {
    db.transact((tx) => {
      for (; next < end; next++) {
        const i = next;
        tx.set(['users', `user${i}`], { name: `name ${i}`, age: i % 90, score: i / 7, tags: ['a', `t${i % 7}`], seen: new Set([i % 3, 'x']) });
      }
      tx.set(['log'], [...Array(100).keys()].map((k) => m * 100 + k));
    });
  }
  db.close();
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--child') {
  const [dist, workload] = rest;
  process.stdout.write(String(await child(dist, workload)));
} else {
  const dists = [mode, ...rest].filter((d) => d !== undefined).map((d) => nodePath.resolve(d));
  if (dists.length === 0) throw new Error('usage: node bench/walkers.mjs DIST_A [DIST_B ...]');
  await setup(dists[0]);
  const only = process.env.WORKLOADS?.split(',') ?? WORKLOADS;
  const samples = new Map();
  const self = new URL(import.meta.url).pathname;
  for (let run = 0; run < RUNS; run++) {
    for (const workload of only) {
      // Alternate which build goes first, so neither always runs on a warmer machine.
      const ordered = run % 2 === 0 ? dists : [...dists].reverse();
      for (const dist of ordered) {
        const ms = Number(execFileSync(process.execPath, [self, '--child', dist, workload], { encoding: 'utf8' }));
        const key = `${workload}\t${dist}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(ms);
        // Each sample as it comes, so that a long run shows where it is.
        process.stderr.write(`run ${run + 1} ${workload} ${dist}: ${ms.toFixed(1)} ms\n`);
      }
    }
  }
  console.log(machineLine());
  console.log(`\nN=${N}, DUMP_N=${DUMP_N}, RUNS=${RUNS} processes, best of REPEAT=${REPEAT} walks each; ms of ${process.env.CLOCK === 'wall' ? 'wall' : 'CPU'} time per walk, min / median over processes\n`);
  console.log(`| workload | ${dists.join(' | ')} |`);
  console.log(`| --- |${dists.map(() => ' --- |').join('')}`);
  for (const workload of only) {
    const cells = dists.map((dist) => {
      const values = samples.get(`${workload}\t${dist}`);
      return `${Math.min(...values).toFixed(1)} / ${median(values).toFixed(1)}`;
    });
    console.log(`| ${workload} | ${cells.join(' | ')} |`);
  }
}
