// Child process of disk.mjs: opens one store's file, times the open (until the
// first point read returns) and measures the memory it takes. Prints one JSON
// object. Usage: node --expose-gc open-file.mjs STORE_INDEX PATH N

import { gc, permutation, randomBytes } from './common.mjs';
import { stores } from './stores.mjs';

const [index, path, n] = process.argv.slice(2);
const store = stores[Number(index)];
const N = Number(n);
const READS = Math.min(100_000, N);
const keys = randomBytes(N, 16, 11);
const order = permutation(N, 13).subarray(0, READS);
const MiB = 2 ** 20;

function memory() {
  gc();
  const usage = process.memoryUsage();
  // external includes the array buffers.
  return { rss: usage.rss, heap: usage.heapUsed + usage.external };
}

const before = memory();
let start = performance.now();
let db = await store.reopen(path);
store.readAll(db, keys, order.subarray(0, 1));
const openMs = performance.now() - start;
const afterOpen = memory();
store.readAll(db, keys, order);
const afterReads = memory();
await store.close(db);

start = performance.now();
db = await store.reopen(path);
store.readAll(db, keys, order.subarray(0, 1));
const reopenMs = performance.now() - start;
await store.close(db);

console.log(
  JSON.stringify({
    openMs,
    reopenMs,
    rssOpen: (afterOpen.rss - before.rss) / MiB,
    heapOpen: (afterOpen.heap - before.heap) / MiB,
    rssReads: (afterReads.rss - before.rss) / MiB,
    heapReads: (afterReads.heap - before.heap) / MiB,
  }),
);
