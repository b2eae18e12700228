// Replication (issue 19): commits per second of a file database with
// replication off, with durability `local` (published in the background) and
// with `replicated` (transactAsync resolves once the three-server stream
// stored the tail), side by side in one run; and the lag of a follower (a
// memory replica on the same machine): the time from a commit's local
// acknowledgement to the replica applying it, p50 and p99. Two shapes: one
// transaction at a time (each awaited), and COMMITS issued at once (group
// commit shares syncs, and the writer publishes the tails of many commits per
// round). Starts its own three nats-server processes on loopback ports (or
// uses NATS_URLS); every store durable (fdatasync), fresh files, one-key
// commits of 100 bytes.
//
// Then a compaction's epoch: a database of EPOCH_KEYS keys written in
// EPOCH_COMMITS commits, compacted to its latest moment through the writer
// (compaction, the new epoch's base published, the snapshot uploaded), next
// to the same compaction of the same data without replication, and the time
// until a file follower shows the new epoch.
//
// Run: `node replication.mjs` (COMMITS=1000, RUNS=3, EPOCH_KEYS=100000,
// EPOCH_COMMITS=200, BENCH_DIR=...).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { open } from '../dist/src/node.js';
import { follow, replicate } from '../dist/src/replication.js';
import { fmt, machineLine, median, percentile } from './common.mjs';

const COMMITS = Number(process.env.COMMITS ?? 1000);
const RUNS = Number(process.env.RUNS ?? 3);
const dir = fs.mkdtempSync(nodePath.join(process.env.BENCH_DIR ?? os.tmpdir(), 'stratadb-bench-replication-'));
const value = 'v'.repeat(100);

async function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Three nats-server processes in one JetStream cluster; returns their URLs and a stop function. */
async function startCluster() {
  const slots = [];
  for (let i = 0; i < 3; i++) slots.push({ name: `b${i}`, client: await freePort(), cluster: await freePort(), store: nodePath.join(dir, `nats${i}`) });
  const routes = slots.map((slot) => `"nats://127.0.0.1:${slot.cluster}"`).join(', ');
  const children = slots.map((slot) => {
    const config = nodePath.join(dir, `${slot.name}.conf`);
    fs.writeFileSync(config, `server_name: ${slot.name}\nlisten: "127.0.0.1:${slot.client}"\njetstream { store_dir: "${slot.store}" }\ncluster { name: bench, listen: "127.0.0.1:${slot.cluster}", routes: [${routes}] }\n`);
    return spawn(process.env.NATS_SERVER ?? 'nats-server', ['-c', config], { stdio: 'ignore' });
  });
  const urls = slots.map((slot) => `nats://127.0.0.1:${slot.client}`);
  for (let attempt = 0; ; attempt++) {
    try {
      const nc = await connect({ servers: urls, timeout: 1000 });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'READY', subjects: ['ready'], num_replicas: 3 });
      await jsm.streams.delete('READY');
      await nc.close();
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { urls, stop: () => children.forEach((child) => child.kill('SIGKILL')) };
}

let counter = 0;
const EPOCH_KEYS = Number(process.env.EPOCH_KEYS ?? 100_000);
const EPOCH_COMMITS = Number(process.env.EPOCH_COMMITS ?? 200);

/** Writes the epoch benchmark's data: EPOCH_KEYS keys in EPOCH_COMMITS commits. */
async function fillForEpoch(commit) {
  const perCommit = Math.ceil(EPOCH_KEYS / EPOCH_COMMITS);
  for (let c = 0; c < EPOCH_COMMITS; c++) {
    await commit((tx) => {
      for (let i = c * perCommit; i < Math.min(EPOCH_KEYS, (c + 1) * perCommit); i++) tx.set(['k', String(i)], value);
    });
  }
}

/** One epoch run: ms of the plain compaction, of the replicated one, of the follower's move; sizes before and after. */
async function epochRun(nc) {
  const plain = await open(nodePath.join(dir, `plain${counter++}.xit`));
  await fillForEpoch((fn) => plain.transactAsync(fn));
  let start = performance.now();
  const plainResult = plain.compact();
  const plainMs = performance.now() - start;
  plain.close();
  const name = `epoch${process.pid}x${counter++}`;
  const db = await open(nodePath.join(dir, `${name}.xit`));
  const writer = await replicate(db, { name, connection: nc, lease: { ttlMs: 60_000 } });
  await fillForEpoch((fn) => writer.transactAsync(fn));
  const follower = await follow({ name, connection: nc, path: nodePath.join(dir, `${name}.replica.xit`) });
  await follower.catchUp();
  start = performance.now();
  const result = await writer.compact();
  const writerMs = performance.now() - start;
  await follower.waitFor(db.engine.committedSize, result.epoch);
  const moveMs = performance.now() - start;
  await follower.close();
  await writer.close();
  return { plainMs, writerMs, moveMs, before: plainResult.sizeBefore, after: result.sizeAfter };
}

/** One run: COMMITS commits in `shape` with replication `mode`; commits/s and, with a follower, lags in ms. */
async function run(nc, mode, shape) {
  const name = `bench${process.pid}x${counter++}`;
  const db = await open(nodePath.join(dir, `${name}.xit`));
  const writer = mode === 'off' ? undefined : await replicate(db, { name, connection: nc, durability: mode, lease: { ttlMs: 10_000 } });
  const follower = mode === 'off' ? undefined : await follow({ name, connection: nc });
  if (follower !== undefined) await follower.catchUp();
  const lags = [];
  const commit = async (i) => {
    const fn = (tx) => tx.set(['k', String(i)], value);
    if (writer === undefined) return db.transactAsync(fn);
    await writer.transactAsync(fn);
    const size = db.engine.committedSize;
    const at = performance.now();
    follower.waitFor(size).then(() => lags.push(performance.now() - at));
  };
  const start = performance.now();
  if (shape === 'one at a time') for (let i = 0; i < COMMITS; i++) await commit(i);
  else await Promise.all(Array.from({ length: COMMITS }, (_, i) => commit(i)));
  if (writer !== undefined) await writer.flush();
  const ms = performance.now() - start;
  if (follower !== undefined) {
    await follower.waitFor(db.engine.committedSize);
    await new Promise((resolve) => setImmediate(resolve));
    await follower.close();
  }
  if (writer !== undefined) await writer.close();
  else db.close();
  return { rate: (COMMITS / ms) * 1000, lags };
}

const cluster = process.env.NATS_URLS === undefined ? await startCluster() : { urls: process.env.NATS_URLS.split(','), stop: () => {} };
const nc = await connect({ servers: cluster.urls });
try {
  console.log(`## Replication: ${COMMITS} one-key commits, file database, three-server JetStream cluster on loopback\n`);
  console.log(machineLine());
  console.log('\n| shape | replication | commits/s | vs off | follower lag p50 | p99 |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const shape of ['one at a time', 'all at once']) {
    const modes = ['off', 'local', 'replicated'];
    const rates = new Map(modes.map((mode) => [mode, []]));
    const lags = new Map(modes.map((mode) => [mode, []]));
    for (let r = 0; r <= RUNS; r++) {
      for (const mode of modes) {
        const result = await run(nc, mode, shape);
        if (r === 0) continue; // warm-up
        rates.get(mode).push(result.rate);
        lags.get(mode).push(...result.lags);
      }
    }
    const off = median(rates.get('off'));
    for (const mode of modes) {
      const rate = median(rates.get(mode));
      const lag = lags.get(mode);
      const p = (q) => (lag.length === 0 ? '' : `${fmt(percentile(lag, q), 2)} ms`);
      console.log(`| ${shape} | ${mode} | ${fmt(rate, 0)} | ${fmt(rate / off, 2)}x | ${p(50)} | ${p(99)} |`);
    }
  }
  console.log(`\n### A compaction's epoch: ${EPOCH_KEYS} keys in ${EPOCH_COMMITS} commits, compacted to the latest moment\n`);
  console.log('| run | committed before | after | db.compact (no replication) | writer.compact (compact, publish base, upload snapshot) | until a file follower shows the epoch |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (let r = 1; r <= RUNS; r++) {
    const e = await epochRun(nc);
    console.log(`| ${r} | ${fmt(e.before / 1e6, 1)} MB | ${fmt(e.after / 1e6, 1)} MB | ${fmt(e.plainMs, 0)} ms | ${fmt(e.writerMs, 0)} ms | ${fmt(e.moveMs, 0)} ms |`);
  }
  console.log(`\nload average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  await nc.close();
  cluster.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
