// Zero-decode buffers: a memory database's bytes are the database. Send them to
// a worker thread, which opens them in place, read-only, with no parsing.

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { open } from '../src/index.js';

if (isMainThread) {
  const db = await open();
  db.transact((tx) => {
    for (let i = 0; i < 10_000; i++) tx.set(['users', `user${i}`], { id: i, name: `User ${i}` });
  });
  // Copy the live bytes into a buffer we can transfer (or use a SharedArrayBuffer).
  const bytes = db.bytes().slice();
  console.log(`main: built a database of ${bytes.length} bytes`);
  const worker = new Worker(new URL(import.meta.url), { workerData: bytes.buffer, transferList: [bytes.buffer] });
  const reply = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  console.log(`main: the worker says: ${reply}`);
  await worker.terminate();
} else {
  const buffer = workerData as ArrayBuffer;
  const first = performance.now();
  await open(buffer); // the first open in a thread also starts the WebAssembly hasher, once
  const warm = performance.now();
  const db = await open(buffer); // read-only, in place: O(1), no copy, no decoding
  const opened = performance.now() - warm;
  const name = db.get(['users', 'user9999', 'name']);
  parentPort!.postMessage(
    `opened ${buffer.byteLength} bytes in ${opened.toFixed(3)} ms (first open in this thread, with the hasher start: ${(warm - first).toFixed(1)} ms); user9999 is ${JSON.stringify(name)}`,
  );
}
