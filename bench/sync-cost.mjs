// What the two fdatasyncs of a durable commit cost on this machine's file
// system, without stratadb: each round appends ROUND_COMMITS records of 1,400
// bytes (a one-key commit's size) to a 1 MiB file, fdatasync, writes 24 bytes at
// position 12 (the history header), fdatasync. "append" grows the file at every
// commit; "reserved" first writes zeros past the data, as FileStorage does
// (FileStorageOptions.preallocationSize), so the commits overwrite them and the
// file's size never changes. "one sync" is what a format with a checksummed
// commit (not xitdb's) would allow: record and header written, then a single
// fdatasync, over reserved zeros. They take turns, ROUNDS times; medians.
//
// Run: `node sync-cost.mjs` (ROUNDS=8, ROUND_COMMITS=300, BENCH_DIR=... for the file).

import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';

const rounds = Number(process.env.ROUNDS ?? 8);
const commits = Number(process.env.ROUND_COMMITS ?? 300);
const dir = process.env.BENCH_DIR ?? os.tmpdir();
const path = nodePath.join(dir, `stratadb-sync-cost-${process.pid}.bin`);
const record = Buffer.alloc(1400, 7);
const header = Buffer.alloc(24, 1);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

function round(reserved, single = false) {
  const fd = fs.openSync(path, 'w+');
  let position = 1 << 20;
  fs.writeSync(fd, Buffer.alloc(position, 3), 0, position, 0);
  if (reserved) {
    const zeros = Buffer.alloc(commits * record.length + 8192);
    fs.writeSync(fd, zeros, 0, zeros.length, position);
  }
  fs.fdatasyncSync(fd);
  const data = [];
  const head = [];
  const start = performance.now();
  for (let i = 0; i < commits; i++) {
    const t0 = performance.now();
    fs.writeSync(fd, record, 0, record.length, position);
    position += record.length;
    if (!single) fs.fdatasyncSync(fd);
    const t1 = performance.now();
    fs.writeSync(fd, header, 0, header.length, 12);
    fs.fdatasyncSync(fd);
    data.push(t1 - t0);
    head.push(performance.now() - t1);
  }
  const total = (performance.now() - start) / commits;
  fs.closeSync(fd);
  fs.rmSync(path);
  return { total, data: median(data), head: median(head) };
}

const results = { append: [], reserved: [], 'one sync': [] };
for (let r = 0; r < rounds; r++) {
  results.append.push(round(false));
  results.reserved.push(round(true));
  results['one sync'].push(round(true, true));
}
console.log(`${rounds} rounds of ${commits} commits, ${os.cpus().length} cores, Node ${process.version}, ${dir}; load average ${os.loadavg()[0].toFixed(1)} at the end\n`);
console.log('| file | commit, ms | record write + fdatasync, ms | header write + fdatasync, ms |');
console.log('| --- | --- | --- | --- |');
for (const [name, list] of Object.entries(results)) {
  console.log(`| ${name} | ${median(list.map((x) => x.total)).toFixed(3)} | ${median(list.map((x) => x.data)).toFixed(3)} | ${median(list.map((x) => x.head)).toFixed(3)} |`);
}
console.log('\n"one sync": the record is written without a sync; its one fdatasync follows the header write.');
