// Chooses the size below which copying bytes with a loop beats
// Uint8Array.prototype.set (which has a fixed call cost): copies of n bytes
// between two large buffers at varying offsets, as storage writes and value
// reads do. Prints ns per copy for each n; the threshold is the largest n where
// the loop still wins (COPY_LOOP_MAX in src/format/bytes.ts).
// Run: node bench/copy-threshold.mjs

import { machineLine } from './common.mjs';

const source = new Uint8Array(1 << 20).map((_, i) => i & 255);
const target = new Uint8Array(1 << 20);
const ROUNDS = 2_000_000;

function loop(n) {
  let offset = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) {
    offset = (offset + 4099) & 0x7ffff;
    for (let i = 0; i < n; i++) target[offset + i] = source[offset + 17 + i];
  }
  return Number(process.hrtime.bigint() - t0) / ROUNDS;
}

function set(n) {
  let offset = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < ROUNDS; r++) {
    offset = (offset + 4099) & 0x7ffff;
    target.set(source.subarray(offset + 17, offset + 17 + n), offset);
  }
  return Number(process.hrtime.bigint() - t0) / ROUNDS;
}

console.log(`# copy threshold\n\n${machineLine()}\n`);
console.log('| bytes | loop ns | set ns | winner |');
console.log('| --- | --- | --- | --- |');
for (const n of [4, 8, 9, 16, 24, 32, 48, 64, 96, 128, 256]) {
  // Best of three, each after a warm-up, so a stray pause does not decide.
  loop(n); set(n);
  const l = Math.min(loop(n), loop(n), loop(n));
  const s = Math.min(set(n), set(n), set(n));
  console.log(`| ${n} | ${l.toFixed(1)} | ${s.toFixed(1)} | ${l <= s ? 'loop' : 'set'} |`);
}
