// Diff and change-feed benchmark (issue 17): the diff of two moments of a
// 1,000,000-key map that differ in 10 keys (blocks read and time), against a
// diff by hand of two immutable.js Maps (what immutable.js users do); and how
// soon a subscriber hears of a commit, in the same process and in another.
//
//   npm run build && node bench/diff.mjs        (N=100000 for a quicker run)

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Map as ImmutableMap } from 'immutable';
import { open } from '../dist/src/node.js';
import { diffCursors } from '../dist/src/diff/walk.js';
import { N, machineLine, median, percentile } from './common.mjs';

const CHANGED = 10;
const DIFF_RUNS = Number(process.env.RUNS ?? 200);
const COMMITS = Number(process.env.COMMITS ?? 2000);
const REMOTE_COMMITS = Number(process.env.REMOTE_COMMITS ?? 200);
const REMOTE_GAP_MS = 10;

function us(ms) {
  return `${(ms * 1000).toFixed(1)} µs`;
}

function changedKeys() {
  return Array.from({ length: CHANGED }, (_, i) => Math.floor((i * N) / CHANGED) + 7);
}

async function diffOfBigMap() {
  const db = await open();
  db.transact((tx) => {
    const map = tx.cursor().hashMap().put('m').hashMap();
    for (let i = 0; i < N; i++) map.put(`key${i}`).writeUint(i);
  });
  db.transact((tx) => {
    const map = tx.cursor().hashMap().put('m').hashMap();
    for (const i of changedKeys()) map.put(`key${i}`).writeUint(i + 1);
  });
  const stats = { blocks: 0 };
  const found = [...db.diff(0, 1, { stats })];
  if (found.length !== CHANGED) throw new Error(`expected ${CHANGED} changes, found ${found.length}`);
  const api = [];
  const cursor = [];
  const a = db.engine.moment(0);
  const b = db.engine.moment(1);
  for (let run = 0; run <= DIFF_RUNS; run++) {
    let start = performance.now();
    let count = 0;
    for (const change of db.diff(0, 1)) count += change.path.length;
    const apiTime = performance.now() - start;
    start = performance.now();
    for (const change of diffCursors(a, b)) count += change.path.length;
    const cursorTime = performance.now() - start;
    if (count !== 4 * CHANGED) throw new Error('wrong changes');
    if (run > 0) {
      api.push(apiTime);
      cursor.push(cursorTime);
    }
  }
  db.close();
  return { blocks: stats.blocks, api, cursor };
}

function immutableByHand() {
  let before = ImmutableMap().asMutable();
  for (let i = 0; i < N; i++) before.set(`key${i}`, i);
  before = before.asImmutable();
  let after = before.asMutable();
  for (const i of changedKeys()) after.set(`key${i}`, i + 1);
  after = after.asImmutable();
  const times = [];
  for (let run = 0; run <= 5; run++) {
    const start = performance.now();
    let changed = 0;
    // By hand: every key of the newer map looked up in the older (plus the older's keys for removals).
    after.forEach((value, key) => {
      if (before.get(key) !== value) changed++;
    });
    before.forEach((_, key) => {
      if (!after.has(key)) changed++;
    });
    if (changed !== CHANGED) throw new Error('immutable diff by hand is wrong');
    if (run > 0) times.push(performance.now() - start);
  }
  return times;
}

/** From the commit's return inside the engine to the listener's call, per commit. */
async function inProcess(path, durability) {
  const db = path === undefined ? await open() : await open(path, { durability });
  db.set(['tick'], -1);
  let committed = 0;
  const transact = db.engine.transact.bind(db.engine);
  db.engine.transact = (fn) => {
    const result = transact(fn);
    committed = performance.now();
    return result;
  };
  const latencies = [];
  db.subscribe(() => latencies.push(performance.now() - committed), { path: ['tick'] });
  for (let i = 0; i < COMMITS; i++) db.set(['tick'], i);
  db.close();
  return latencies.slice(10);
}

/** A writer process commits; this process's read-only handle hears of it through its file watch. */
async function crossProcess(dir, durability) {
  const path = join(dir, `remote-${durability}.xit`);
  const setup = await open(path);
  setup.set(['tick'], -1);
  setup.close();
  const reader = await open(path, { readOnly: true });
  const heard = new Map();
  reader.subscribe(({ moment }) => heard.set(moment, performance.timeOrigin + performance.now()), { path: ['tick'] });
  const sent = new Map();
  const child = fork(fileURLToPath(new URL('./diff-writer.mjs', import.meta.url)), [path, String(REMOTE_COMMITS), String(REMOTE_GAP_MS), durability]);
  await new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.done) resolve();
      else sent.set(message.moment, message);
    });
    child.on('error', reject);
  });
  // The last commits' events may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, 200));
  reader.close();
  const latencies = [];
  const fromStart = [];
  let missed = 0;
  for (const [moment, { start, at }] of sent) {
    const when = heard.get(moment);
    if (when === undefined) missed++;
    else {
      latencies.push(when - at);
      fromStart.push(when - start);
    }
  }
  return { latencies, fromStart, missed };
}

const big = await diffOfBigMap();
const peer = immutableByHand();
const memory = await inProcess(undefined);
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'stratadb-diff-bench-'));
let fileFlush;
let remoteFlush;
let remoteSync;
try {
  fileFlush = await inProcess(join(dir, 'local.xit'), 'flush');
  remoteFlush = await crossProcess(dir, 'flush');
  remoteSync = await crossProcess(dir, 'sync');
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\n### Diff of two moments of a ${N.toLocaleString('en')}-key map differing in ${CHANGED} keys\n`);
console.log('| what | blocks read | median | p90 |');
console.log('| --- | ---: | ---: | ---: |');
console.log(`| stratadb db.diff (JS values) | ${big.blocks} | ${us(median(big.api))} | ${us(percentile(big.api, 90))} |`);
console.log(`| stratadb diffCursors (cursors) | ${big.blocks} | ${us(median(big.cursor))} | ${us(percentile(big.cursor, 90))} |`);
console.log(`| immutable.js Maps, diff by hand (every key looked up) | - | ${median(peer).toFixed(1)} ms | ${percentile(peer, 90).toFixed(1)} ms |`);
console.log(`\nratio: immutable.js by hand / stratadb db.diff = ${(median(peer) / median(big.api)).toFixed(0)}x\n`);
console.log('### Subscriber latency: from the commit to the listener\n');
console.log('| where | commits | p50 after the commit returned | p90 | p50 after the commit began | missed |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
console.log(`| same process, memory | ${memory.length} | ${us(median(memory))} | ${us(percentile(memory, 90))} | - | 0 |`);
console.log(`| same process, file (flush) | ${fileFlush.length} | ${us(median(fileFlush))} | ${us(percentile(fileFlush, 90))} | - | 0 |`);
for (const [name, remote] of [['flush', remoteFlush], ['sync', remoteSync]]) {
  console.log(`| another process, file (${name}), fs.watch | ${remote.latencies.length} | ${median(remote.latencies).toFixed(2)} ms | ${percentile(remote.latencies, 90).toFixed(2)} ms | ${median(remote.fromStart).toFixed(2)} ms | ${remote.missed} |`);
}
console.log(`\n${machineLine()}`);
