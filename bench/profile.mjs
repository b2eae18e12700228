// One stratadb workload alone, profiled: the same operations as the
// benchmarks, without the peers. The V8 CPU profiler (the one `node --cpu-prof`
// starts) runs only around the measured loop, so the setup stays out of the
// profile; it writes PROF_DIR/WORKLOAD.cpuprofile (default /tmp). Then
// `node top-self.mjs FILE.cpuprofile` lists the functions with the most self time.
//
//   node profile.mjs WORKLOAD
//
// WORKLOAD: map-get, map-iterate, map-set-version, map-set-tx, disk-bulk, disk-read,
// disk-commit, list-set-version. N=... as in the benchmarks; for the disk
// workloads CACHE_MB=..., PAGE_KB=... and WRITE_MB=... set the file storage's page
// cache and write buffer; READ_INTO=1 makes disk-read use readBytesInto.

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { Session } from 'node:inspector/promises';
import { openEngine, MemoryStorage } from '../dist/src/engine.js';
import { openFile } from '../dist/src/node.js';
import { N, permutation, randomBytes, sumBytes, sumBytesIn, sumString, timed } from './common.mjs';

const workload = process.argv[2];
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
const profiles = [];

/** timed(), with the profiler running. */
async function profiled(fn) {
  await session.post('Profiler.start');
  const ms = timed(fn);
  const { profile } = await session.post('Profiler.stop');
  profiles.push(profile);
  return ms;
}

const report = (what, ops, ms) => console.log(`${workload}: ${what}: ${ops} ops in ${ms.toFixed(0)} ms = ${((ops / ms) * 1000).toFixed(0)} ops/s`);

async function memoryMap(n) {
  const keys = Array.from({ length: n }, (_, i) => `key${i}`);
  const values = Array.from({ length: n }, (_, i) => `val${i}`);
  const engine = await openEngine(new MemoryStorage(), { durability: 'flush' });
  return { keys, values, engine };
}

switch (workload) {
  case 'map-get': {
    const { keys, values, engine } = await memoryMap(N);
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = 0; i < N; i++) map.put(keys[i]).writeString(values[i]);
    });
    const order = permutation(N, 1);
    const view = engine.moment(-1).asHashMap();
    let sum = 0;
    for (let r = 0; r < 3; r++) report('get', N, await profiled(() => { for (let j = 0; j < N; j++) sum += sumString(view.get(keys[order[j]]).readString()); }));
    if (sum === 0) throw new Error('nothing read');
    break;
  }
  case 'map-iterate': {
    const { keys, values, engine } = await memoryMap(N);
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = 0; i < N; i++) map.put(keys[i]).writeString(values[i]);
    });
    const view = engine.moment(-1).asHashMap();
    let sum = 0;
    for (let r = 0; r < 3; r++) report('forEach', N, await profiled(() => view.forEach((value, key) => { sum += sumString(value.readString()) + key.readString().length; })));
    if (sum === 0) throw new Error('nothing read');
    break;
  }
  case 'map-set-tx': {
    for (let r = 0; r < 3; r++) {
      const { keys, values, engine } = await memoryMap(N);
      report('set in one transaction', N, await profiled(() => engine.transact((root) => { const map = root.hashMap(); for (let i = 0; i < N; i++) map.put(keys[i]).writeString(values[i]); })));
    }
    break;
  }
  case 'map-set-version': {
    const n = Number(process.env.SET_N ?? 200_000);
    const { keys, values, engine } = await memoryMap(n);
    report('set, new version each', n, await profiled(() => { for (let i = 0; i < n; i++) engine.transact((root) => root.hashMap().put(keys[i]).writeString(values[i])); }));
    break;
  }
  case 'list-set-version': {
    const n = Number(process.env.SET_N ?? 100_000);
    const engine = await openEngine(new MemoryStorage(), { durability: 'flush' });
    engine.transact((root) => { const list = root.hashMap().put('big').arrayList(); for (let i = 0; i < N; i++) list.append().writeUint(i); });
    const order = permutation(N, 2);
    report('array list set, new version each', n, await profiled(() => { for (let j = 0; j < n; j++) engine.transact((root) => root.hashMap().put('big').arrayList().put(order[j]).writeUint(j)); }));
    break;
  }
  case 'disk-bulk':
  case 'disk-read':
  case 'disk-commit': {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'stratadb-prof-'));
    const path = nodePath.join(dir, 'db.xit');
    const keys = randomBytes(N, 16, 11);
    const values = randomBytes(N, 100, 12);
    const options = {};
    if (process.env.CACHE_MB) options.cacheSize = Number(process.env.CACHE_MB) * 2 ** 20;
    if (process.env.PAGE_KB) options.pageSize = Number(process.env.PAGE_KB) * 1024;
    if (process.env.WRITE_MB) options.writeBufferSize = Number(process.env.WRITE_MB) * 2 ** 20;
    let engine = await openFile(path, options);
    const bulk = await (workload === 'disk-bulk' ? profiled : timed)(() => engine.transact((root) => { const map = root.hashMap(); for (let i = 0; i < N; i++) map.put(keys[i]).writeBytes(values[i]); }));
    if (workload === 'disk-bulk') report('bulk load', N, bulk);
    engine.close();
    engine = await openFile(path, options);
    if (workload === 'disk-read') {
      const order = permutation(N, 13);
      const map = engine.moment(-1).asHashMap();
      let sum = 0;
      if (process.env.READ_INTO) {
        // readBytesInto: the value copied into one reused buffer, nothing allocated per read.
        const buffer = new Uint8Array(100);
        report('random reads after reopen, readBytesInto', N, await profiled(() => { for (let j = 0; j < N; j++) sum += sumBytesIn(buffer, map.get(keys[order[j]]).readBytesInto(buffer)); }));
      } else {
        report('random reads after reopen', N, await profiled(() => { for (let j = 0; j < N; j++) sum += sumBytes(map.get(keys[order[j]]).readBytes()); }));
      }
      if (sum === 0) throw new Error('nothing read');
    }
    if (workload === 'disk-commit') {
      const commitKeys = randomBytes(2000, 16, 14);
      const commitValues = randomBytes(2000, 100, 15);
      const stats = { ...engine.storage.stats };
      report('durable one-key commits', 2000, await profiled(() => { for (let i = 0; i < 2000; i++) engine.transact((root) => root.hashMap().put(commitKeys[i]).writeBytes(commitValues[i])); }));
      const after = engine.storage.stats;
      console.log(`per commit: ${(after.writeCalls - stats.writeCalls) / 2000} writes, ${(after.syncCalls - stats.syncCalls) / 2000} syncs, ${(after.readCalls - stats.readCalls) / 2000} reads`);
    }
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
    break;
  }
  default:
    console.error(`unknown workload ${workload}`);
    process.exit(2);
}

// The last measured loop's profile (the earlier ones warmed it up).
const out = nodePath.join(process.env.PROF_DIR ?? os.tmpdir(), `${workload}.cpuprofile`);
fs.writeFileSync(out, JSON.stringify(profiles[profiles.length - 1]));
console.log(`profile: ${out}`);
