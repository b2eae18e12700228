// FileStorage alone, build against build: the workloads a change to the file
// storage's code can slow down, each in a fresh process, the builds taking
// turns so that a change in the machine's load falls on both. Prints ns/op
// (min and median of the runs) per build and workload as a markdown table.
//
// Run: `node bench/file-storage.mjs DIST_A DIST_B ...` (each a built dist/
// folder, e.g. one of a worktree of the old commit, and ./dist); RUNS=5,
// N=200000 keys for the reads, BULK_N=1000000 puts, COMMITS=2000.

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { median, permutation, randomBytes, sumBytes, machineLine } from './common.mjs';

const N = Number(process.env.N ?? 200_000);
const BULK_N = Number(process.env.BULK_N ?? 1_000_000);
const COMMITS = Number(process.env.COMMITS ?? 2000);
const RUNS = Number(process.env.RUNS ?? 5);
const dir = process.env.BENCH_DIR ?? nodePath.join(os.tmpdir(), 'stratadb-bench-file-storage');

// Reads: point reads through the engine after a reopen (first pass loads
// pages, second pass is all cached), and raw locates of random slots.
// Bulk: BULK_N puts of 16-byte keys and 8-byte values in one transaction.
// Commits: one-key commits with durability 'flush' on a small file.
const WORKLOADS = ['reads-whole', 'reads-whole-warm', 'locate-whole', 'reads-page', 'reads-page-warm', 'locate-page', 'bulk', 'commits-flush'];

async function child(dist, workload) {
  const { openFile, FileStorage } = await import(pathToFileURL(nodePath.join(dist, 'src/node.js')).href);
  const keys = randomBytes(N, 16, 21);
  const readPath = nodePath.join(dir, 'reads.db');
  const options = workload.endsWith('page') || workload.endsWith('page-warm') ? { wholeFileSizeMax: 0 } : {};
  if (workload.startsWith('reads')) {
    const engine = await openFile(readPath, { readOnly: true, ...options });
    const map = engine.moment(-1).asHashMap();
    const order = permutation(N, 22);
    const buffer = new Uint8Array(64);
    const pass = () => {
      let sum = 0;
      const start = process.hrtime.bigint();
      for (let j = 0; j < N; j++) sum += map.get(keys[order[j]]).readBytesInto(buffer);
      if (sum !== N * 8) throw new Error(`read ${sum} bytes, expected ${N * 8}`);
      return Number(process.hrtime.bigint() - start) / N;
    };
    const cold = pass();
    const warm = pass();
    engine.close();
    return workload.endsWith('warm') ? warm : cold;
  }
  if (workload.startsWith('locate')) {
    const storage = FileStorage.open(readPath, { readOnly: true, ...options });
    const size = storage.size();
    const count = 2_000_000;
    const positions = new Float64Array(count);
    const order = permutation(count, 23);
    for (let i = 0; i < count; i++) positions[i] = Math.floor((order[i] / count) * (size - 16));
    let sum = 0;
    // Warm every page first (the view is read after locate, which moves it).
    for (let i = 0; i < count; i++) {
      const offset = storage.locate(positions[i], 9);
      sum += storage.view.getUint8(offset);
    }
    const start = process.hrtime.bigint();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < count; i++) {
        const offset = storage.locate(positions[i], 9);
        sum += storage.view.getUint32(offset + 1) + storage.bytes[offset];
      }
    }
    const ns = Number(process.hrtime.bigint() - start) / (3 * count);
    storage.close();
    if (sum < 0) throw new Error('impossible');
    return ns;
  }
  if (workload === 'bulk') {
    const path = nodePath.join(dir, `bulk-${process.pid}.db`);
    const bulkKeys = randomBytes(BULK_N, 16, 24);
    const value = new Uint8Array(8);
    const engine = await openFile(path, { durability: 'flush' });
    const start = process.hrtime.bigint();
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = 0; i < BULK_N; i++) map.put(bulkKeys[i]).writeBytes(value);
    });
    const ns = Number(process.hrtime.bigint() - start) / BULK_N;
    engine.close();
    fs.rmSync(path);
    return ns;
  }
  if (workload === 'commits-flush') {
    const path = nodePath.join(dir, `commits-${process.pid}.db`);
    const commitKeys = randomBytes(COMMITS, 16, 25);
    const values = randomBytes(COMMITS, 100, 26);
    const engine = await openFile(path, { durability: 'flush' });
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = 0; i < 10_000; i++) map.put(keys[i]).writeBytes(values[i % COMMITS]);
    });
    const start = process.hrtime.bigint();
    for (let i = 0; i < COMMITS; i++) engine.transact((root) => root.hashMap().put(commitKeys[i]).writeBytes(values[i]));
    const ns = Number(process.hrtime.bigint() - start) / COMMITS;
    let check = 0;
    const map = engine.moment(-1).asHashMap();
    for (let i = 0; i < COMMITS; i++) check += sumBytes(map.get(commitKeys[i]).readBytes());
    let expected = 0;
    for (const value of values) expected += sumBytes(value);
    if (check !== expected) throw new Error('commits: wrong values read back');
    engine.close();
    fs.rmSync(path);
    return ns;
  }
  throw new Error(`unknown workload ${workload}`);
}

async function setup(dist) {
  const { openFile } = await import(pathToFileURL(nodePath.join(dist, 'src/node.js')).href);
  fs.mkdirSync(dir, { recursive: true });
  const readPath = nodePath.join(dir, 'reads.db');
  fs.rmSync(readPath, { force: true });
  const keys = randomBytes(N, 16, 21);
  const value = new Uint8Array(8);
  const engine = await openFile(readPath, { durability: 'flush' });
  engine.transact((root) => {
    const map = root.hashMap();
    for (let i = 0; i < N; i++) map.put(keys[i]).writeBytes(value);
  });
  engine.close();
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--child') {
  const [dist, workload] = rest;
  process.stdout.write(String(await child(dist, workload)));
} else {
  const dists = [mode, ...rest].filter((d) => d !== undefined).map((d) => nodePath.resolve(d));
  if (dists.length === 0) throw new Error('usage: node bench/file-storage.mjs DIST_A [DIST_B ...]');
  await setup(dists[0]);
  const only = process.env.WORKLOADS?.split(',') ?? WORKLOADS;
  const samples = new Map();
  const self = new URL(import.meta.url).pathname;
  for (let run = 0; run < RUNS; run++) {
    for (const workload of only) {
      // Alternate which build goes first, so neither always runs on a warmer machine.
      const ordered = run % 2 === 0 ? dists : [...dists].reverse();
      for (const dist of ordered) {
        const ns = Number(execFileSync(process.execPath, [self, '--child', dist, workload], { encoding: 'utf8' }));
        const key = `${workload}\t${dist}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(ns);
      }
    }
  }
  console.log(machineLine());
  console.log(`\nN=${N}, BULK_N=${BULK_N}, COMMITS=${COMMITS}, RUNS=${RUNS}, ns/op, min / median\n`);
  console.log(`| workload | ${dists.join(' | ')} |`);
  console.log(`| --- |${dists.map(() => ' --- |').join('')}`);
  for (const workload of only) {
    const cells = dists.map((dist) => {
      const values = samples.get(`${workload}\t${dist}`);
      return `${Math.min(...values).toFixed(0)} / ${median(values).toFixed(0)}`;
    });
    console.log(`| ${workload} | ${cells.join(' | ')} |`);
  }
}
