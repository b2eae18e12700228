// Writes a memory database, transfers its buffer to a module Web Worker (the
// transfer list moves the ArrayBuffer; nothing is copied) and reports what the
// worker read from it and whether this thread's buffer was detached.

import * as stratadb from '/stratadb.js';
import { report } from './report.js';

report(async () => {
  const db = await stratadb.open();
  const users = {};
  for (let i = 0; i < 1000; i++) users[`user${i}`] = { index: i, name: `User ${i}` };
  db.set(['users'], users);
  db.set(['tags'], ['a', 'b', 'c']);

  const bytes = db.bytes();
  const buffer = bytes.buffer;
  const sizeBefore = buffer.byteLength;
  const worker = new Worker('./worker.js', { type: 'module' });
  const reply = new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
  });
  // The view's offset and length travel with the buffer: db.bytes() is a view of
  // the storage's buffer, which may be larger than the database.
  worker.postMessage({ buffer, byteOffset: bytes.byteOffset, byteLength: bytes.byteLength }, [buffer]);
  const detached = buffer.byteLength === 0;
  const fromWorker = await reply;
  worker.terminate();
  return { sizeBefore, detachedInMainThread: detached, ...fromWorker };
});
