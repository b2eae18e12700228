// Peak memory of the file storage's budget (FileStorageOptions.memoryBudget):
// a value of VALUE_MB written through the streaming writer in 1 MiB chunks and
// committed durably, then a full read of that file in 4 KiB pieces (smaller
// than a page, so through the page cache), each in a fresh process so that its
// peak resident size (maxRSS) is its own. Rows for the default budget, a small
// one, and 1 GiB, which gives the defaults from before the budget (whole-file
// mode up to 1 GiB, 64 MiB page cache).
//
// Run: `node memory.mjs` (VALUE_MB=... default 200; BUDGET_MB=... the small
// budget, default 32; BENCH_DIR=... for the file, default the temp dir).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { execFileSync } from 'node:child_process';
import { fmt, machineLine } from './common.mjs';

const MiB = 2 ** 20;
const VALUE_MB = Number(process.env.VALUE_MB ?? 200);
const BUDGET_MB = Number(process.env.BUDGET_MB ?? 32);
const dir = process.env.BENCH_DIR ?? nodePath.join(os.tmpdir(), 'stratadb-bench');
const path = nodePath.join(dir, 'memory.xit');

if (process.argv[2] === 'child') {
  // One measurement: node memory.mjs child write|read PATH BUDGET_BYTES|default VALUE_MB
  const [, , , mode, file, budget, mb] = process.argv;
  const { openFile } = await import('../dist/src/node.js');
  const peak = () => process.resourceUsage().maxRSS * 1024;
  const options = budget === 'default' ? {} : { memoryBudget: Number(budget) };
  const engine = await openFile(file, { ...options, readOnly: mode === 'read' });
  const chunk = new Uint8Array(MiB);
  const piece = new Uint8Array(4096);
  const before = peak();
  const start = performance.now();
  let checksum = 0;
  if (mode === 'write') {
    engine.transact((root) => {
      const writer = root.hashMap().put('value').bytesWriter();
      for (let i = 0; i < Number(mb); i++) {
        chunk.fill(i & 255);
        writer.write(chunk);
      }
      writer.finish();
    });
  } else {
    const reader = engine.moment(-1).asHashMap().get('value').bytesReader();
    for (let n; (n = reader.read(piece)) > 0; ) checksum += piece[0] + piece[n - 1];
    if (reader.size !== Number(mb) * MiB) throw new Error(`read ${reader.size} bytes, wrote ${Number(mb) * MiB}`);
  }
  const ms = performance.now() - start;
  engine.close();
  console.log(JSON.stringify({ before, after: peak(), ms, checksum }));
  process.exit(0);
}

fs.mkdirSync(dir, { recursive: true });
const here = new URL('.', import.meta.url).pathname;
const budgets = [
  ['default (256 MiB)', 'default'],
  [`${BUDGET_MB} MiB`, String(BUDGET_MB * MiB)],
  ['1 GiB (old defaults)', String(1024 * MiB)],
];
// Every byte of chunk i is i & 255, so a full read sums to this.
let expected = 0;
for (let i = 0; i < VALUE_MB * 256; i++) expected += 2 * ((i >>> 8) & 255);

function measure(mode, budget) {
  const output = execFileSync(process.execPath, [nodePath.join(here, 'memory.mjs'), 'child', mode, path, budget, String(VALUE_MB)], { encoding: 'utf8' });
  return JSON.parse(output);
}

const rows = [];
for (const [label, budget] of budgets) {
  fs.rmSync(path, { force: true });
  fs.rmSync(`${path}.lock`, { force: true });
  const write = measure('write', budget);
  const read = measure('read', budget);
  if (read.checksum !== expected) throw new Error(`${label}: read back checksum ${read.checksum}, expected ${expected}`);
  rows.push([label, 'write', write], [label, 'read', read]);
}
fs.rmSync(path, { force: true });

console.log(`### Peak memory: a ${VALUE_MB} MiB value written and read through the streaming API\n`);
console.log(`Each row is one fresh process; "peak before" is its peak resident size after opening the file, "growth" what the work added to it.\n`);
console.log(`${machineLine()}\n`);
console.log('| memoryBudget | work | peak before (MiB) | peak after (MiB) | growth (MiB) | growth ÷ value | ms |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [label, mode, m] of rows) {
  const growth = (m.after - m.before) / MiB;
  const what = mode === 'write' ? 'write in 1 MiB chunks, durable commit' : 'full read in 4 KiB pieces';
  console.log(`| ${label} | ${what} | ${fmt(m.before / MiB, 1)} | ${fmt(m.after / MiB, 1)} | ${fmt(growth, 1)} | ${fmt(growth / VALUE_MB, 2)} | ${fmt(m.ms)} |`);
}
console.log('');
