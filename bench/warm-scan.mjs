// Full scans of a compacted hash map file that is already in memory (issue 16),
// without the page loads of a fresh open: one or more stratadb builds and lmdb
// in one process, each opened once and scanned once to load it, then timed
// scans taking turns (`entries()` and `forEach` per build, lmdb `getRange`),
// median of ROUNDS (5), wall and CPU time. Separates the walk's cost from
// what a cold scan pays to read the file into fresh memory (compact.mjs
// reopens before every scan). The data is compact.mjs's without its updates:
// N random 16-byte keys, VALUE_SIZE-byte values, loaded in 10 transactions,
// then compacted.
//
//   DISTS=/path/a/dist,/path/b/dist node warm-scan.mjs     (default: ../dist)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open as openLmdb } from 'lmdb';
import { N, randomBytes, sumBytes, check, loadLmdb, scanLmdbAll } from './common.mjs';

const VALUE_SIZE = Number(process.env.VALUE_SIZE ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const dists = (process.env.DISTS ?? new URL('../dist', import.meta.url).pathname).split(',');
const builds = [];
for (const dist of dists) builds.push({ dist, ...(await import(path.join(dist, 'src/node.js'))) });
const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'stratadb-warm-scan-'));
const keys = randomBytes(N, 16, 11);
const values = randomBytes(N, VALUE_SIZE, 12);
let expectedSum = 0;
for (const value of values) expectedSum += sumBytes(value);

try {
  const file = path.join(dir, 'compacted.xit');
  {
    const engine = await builds[0].openFile(file, { durability: 'flush' });
    const batch = Math.ceil(N / 10);
    for (let from = 0; from < N; from += batch) {
      engine.transact((root) => {
        const map = root.hashMap();
        for (let i = from; i < Math.min(N, from + batch); i++) map.put(keys[i]).writeBytes(values[i]);
      });
    }
    engine.close();
    const db = await builds[0].open(file);
    db.compact();
    db.close();
  }
  const lmdbPath = path.join(dir, 'lmdb');
  await loadLmdb(openLmdb, lmdbPath, keys, values);

  const scanMap = (map, withForEach) => {
    let count = 0;
    let sum = 0;
    if (withForEach) {
      map.forEach((value, key) => {
        if (key.readBytes().length !== 16) throw new Error('bad key');
        sum += sumBytes(value.readBytes());
        count++;
      });
    } else {
      for (const entry of map.entries()) {
        if (entry.key.readBytes().length !== 16) throw new Error('bad key');
        sum += sumBytes(entry.value.readBytes());
        count++;
      }
    }
    return { count, sum };
  };
  const runs = [];
  const engines = [];
  for (const [i, build] of builds.entries()) {
    const engine = await build.openFile(file, { readOnly: true });
    engines.push(engine);
    const map = engine.moment(-1).asHashMap();
    const name = builds.length > 1 ? `build ${i + 1}` : 'stratadb';
    runs.push([`${name}, entries()`, () => scanMap(map, false)]);
    runs.push([`${name}, forEach`, () => scanMap(map, true)]);
  }
  const lmdb = openLmdb({ path: lmdbPath, keyEncoding: 'binary', encoding: 'binary', compression: false });
  runs.push(['lmdb getRange', () => scanLmdbAll(lmdb)]);
  const times = new Map(runs.map(([name]) => [name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, scan] of runs) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const { count, sum } = scan();
      const wall = performance.now() - start;
      const used = process.cpuUsage(cpu);
      check(name, 'scan count', count, N);
      check(name, 'scan', sum, expectedSum);
      // Round 0 loads each file (and warms the code): not timed.
      if (round > 0) times.get(name).push([wall, (used.user + used.system) / 1000]);
    }
  }
  for (const engine of engines) engine.close();
  await lmdb.close();

  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const lmdbWall = median(times.get('lmdb getRange').map((t) => t[0]));
  const lmdbCpu = median(times.get('lmdb getRange').map((t) => t[1]));
  console.log(`## Warm full scans of a compacted file, N = ${N.toLocaleString('en')} (${VALUE_SIZE}-byte values), median of ${ROUNDS}\n`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  builds.forEach((build, i) => console.log(`build ${i + 1}: ${build.dist}`));
  console.log('\n| scan | wall ms | vs lmdb (its time / ours) | CPU ms | vs lmdb |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, list] of times) {
    const wall = median(list.map((t) => t[0]));
    const cpu = median(list.map((t) => t[1]));
    console.log(`| ${name} | ${wall.toFixed(0)} | ${(lmdbWall / wall).toFixed(2)}x | ${cpu.toFixed(0)} | ${(lmdbCpu / cpu).toFixed(2)}x |`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
