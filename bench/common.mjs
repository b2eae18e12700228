// Shared harness for the benchmarks: sizes from the environment, a seeded
// random generator (so every store gets the same keys in the same order),
// medians after a warm-up, checksums of what was read, and markdown tables that
// carry the machine and Node version.

import os from 'node:os';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Entries for the big workloads (default 1,000,000). */
export const N = Number(process.env.N ?? 1_000_000);
/** Measured runs after the warm-up (default 5; the disk workloads default to 3). */
export const RUNS = process.env.RUNS === undefined ? undefined : Number(process.env.RUNS);

/** A small seeded generator (mulberry32): the same sequence on every run. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1 (Fisher-Yates with a seeded generator), as an Int32Array. */
export function permutation(n, seed) {
  const random = rng(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** `count` random byte strings of `size` bytes each, views into one buffer. */
export function randomBytes(count, size, seed) {
  const random = rng(seed);
  const all = Buffer.allocUnsafe(count * size);
  for (let i = 0; i < all.length; i += 4) {
    const word = (random() * 4294967296) >>> 0;
    all[i] = word & 255;
    if (i + 1 < all.length) all[i + 1] = (word >>> 8) & 255;
    if (i + 2 < all.length) all[i + 2] = (word >>> 16) & 255;
    if (i + 3 < all.length) all[i + 3] = word >>> 24;
  }
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = all.subarray(i * size, (i + 1) * size);
  return out;
}

/** Checksum of one byte value: cheap, but catches a wrong, missing or cut value. */
export function sumBytes(value) {
  return value.length + value[0] * 3 + value[value.length - 1] * 7 + value[value.length >> 1] * 13;
}

/** {@link sumBytes} of the first `length` bytes of `buffer`, for values read into a reused buffer. */
export function sumBytesIn(buffer, length) {
  return length + buffer[0] * 3 + buffer[length - 1] * 7 + buffer[length >> 1] * 13;
}

/** Checksum of one string value. */
export function sumString(value) {
  return value.length + value.charCodeAt(value.length - 1) * 7 + value.charCodeAt(value.length >> 1) * 13;
}

/** Throws unless the checksum of what a store read equals the checksum of what it wrote. */
export function check(store, what, got, expected) {
  if (got !== expected) throw new Error(`${store}: ${what} read back checksum ${got}, expected ${expected}`);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs `fn(run)` once as a warm-up and `runs` more times, and returns the
 * median of the measured runs' results. `fn` returns milliseconds (or any
 * number to take the median of), synchronously or as a promise.
 */
export async function medianOf(runs, fn) {
  const samples = [];
  for (let run = 0; run <= runs; run++) {
    const value = await fn(run);
    if (run > 0) samples.push(value);
  }
  return median(samples);
}

/**
 * Like {@link medianOf} for several stores at once, taking turns (run 0 of
 * each, then run 1 of each, ...) so that a change in the machine's load falls
 * on every store alike. `fns` maps a store name to its `fn(run)`; returns the
 * same keys with the medians.
 */
export async function medianEach(runs, fns) {
  const samples = Object.fromEntries(Object.keys(fns).map((name) => [name, []]));
  for (let run = 0; run <= runs; run++) {
    for (const [name, fn] of Object.entries(fns)) {
      const value = await fn(run);
      if (run > 0) samples[name].push(value);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** Times a synchronous function, milliseconds. */
export function timed(fn) {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

export function gc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

/** Bytes in a file or, recursively, a directory; 0 when absent. */
export function sizeOf(path) {
  let stat;
  try {
    stat = fs.statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of fs.readdirSync(path)) total += sizeOf(`${path}/${name}`);
  return total;
}

/** The checkout's commit, and whether src/ has uncommitted changes; '' outside a checkout. */
function gitCommit() {
  try {
    const top = new URL('..', import.meta.url).pathname;
    const commit = execFileSync('git', ['-C', top, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', top, 'status', '--porcelain', 'src'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} with uncommitted changes in src/` : commit;
  } catch {
    return '';
  }
}

/** One line naming the machine, Node version and sizes; goes above every table. */
export function machineLine() {
  const cpus = os.cpus();
  let disk = '';
  try {
    disk = execFileSync('sh', ['-c', `df -T ${os.tmpdir()} | tail -1 | awk '{print $2}'`], { encoding: 'utf8' }).trim();
  } catch {
    // no df: leave it out
  }
  // STRATADB_COMMIT names the build when the benchmarks run outside a checkout.
  const commit = process.env.STRATADB_COMMIT ?? gitCommit();
  return (
    `Node ${process.version}; ${cpus[0]?.model ?? 'unknown cpu'} x ${cpus.length}; ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${os.platform()} ${os.release()}; load average ${os.loadavg()[0].toFixed(1)} at the end` +
    (disk ? `; temp dir on ${disk}` : '') +
    (commit ? `; stratadb ${commit}` : '')
  );
}

export function fmt(value, digits) {
  if (value === undefined || value === null || Number.isNaN(value)) return 'n/a';
  if (digits !== undefined) return value.toFixed(digits);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** Ops per second as "1.23 M" / "456 k". */
export function rate(opsPerSecond) {
  if (opsPerSecond >= 1e6) return `${(opsPerSecond / 1e6).toFixed(2)} M`;
  if (opsPerSecond >= 1e3) return `${(opsPerSecond / 1e3).toFixed(1)} k`;
  return opsPerSecond.toFixed(0);
}

/**
 * Prints one markdown table of measurements. `rows` are
 * `{ workload, store, n, ops, ms, bytes, note }`: `ops` operations took `ms`
 * milliseconds (the median); `bytes` is an optional size per entry. The ratio
 * column is stratadb's ops/s over this row's (for the rows sharing a
 * workload): above 1, stratadb is faster.
 */
export function printTable(title, meta, rows) {
  console.log(`### ${title}\n`);
  console.log(`${meta}\n`);
  console.log(`${machineLine()}\n`);
  console.log('| workload | store | N | ops/s | ns/op | bytes/entry | stratadb ÷ store (speed) | note |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    const ours = rows.filter((r) => r.workload === row.workload && r.store.startsWith('stratadb') && r.ms > 0);
    const opsPerSecond = row.ms > 0 ? (row.ops / row.ms) * 1000 : undefined;
    const nsPerOp = row.ms > 0 ? (row.ms * 1e6) / row.ops : undefined;
    let ratio = '';
    if (row.store.startsWith('stratadb')) ratio = '1';
    else if (row.ms > 0) {
      const speed = (r) => r.ops / r.ms;
      ratio = ours.map((r) => (ours.length > 1 ? `${r.store.replace('stratadb ', '')} ` : '') + fmt(speed(r) / speed(row))).join(', ');
    }
    console.log(
      `| ${row.workload} | ${row.store} | ${row.n.toLocaleString('en-US')} | ${opsPerSecond === undefined ? 'n/a' : rate(opsPerSecond)} | ` +
        `${nsPerOp === undefined ? 'n/a' : fmt(nsPerOp)} | ${row.bytes === undefined ? '' : fmt(row.bytes)} | ${ratio} | ${row.note ?? ''} |`,
    );
  }
  console.log('');
}

/**
 * Writes `keys[i]` -> `values[i]` (binary, uncompressed) into a new lmdb
 * database at `path` in one synchronous transaction, and closes it.
 *
 * @param openLmdb - lmdb's `open` (the caller's import)
 */
export async function loadLmdb(openLmdb, path, keys, values) {
  const lmdb = openLmdb({ path, keyEncoding: 'binary', encoding: 'binary', compression: false });
  lmdb.transactionSync(() => {
    for (let i = 0; i < keys.length; i++) lmdb.put(keys[i], values[i]);
  });
  await lmdb.flushed;
  await lmdb.close();
}

/**
 * A full scan of an open lmdb database of 16-byte keys: every key checked,
 * every value summed (sumBytes).
 *
 * @returns how many pairs, and the sum of their values
 */
export function scanLmdbAll(lmdb) {
  let count = 0;
  let sum = 0;
  for (const { key, value } of lmdb.getRange()) {
    if (key.length !== 16) throw new Error('lmdb: bad key');
    sum += sumBytes(value);
    count++;
  }
  return { count, sum };
}
