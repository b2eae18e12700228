// A worker thread for the writer-lock tests: opens the database file in
// workerData.path read-write (through the built dist/src/node.js), and posts
// { opened: true } or { error, code }. Told 'close' by its parent, it closes
// the database and posts { closed: true }; while open it holds the lock.

import { parentPort, workerData } from 'node:worker_threads';
import { open } from '../../dist/src/node.js';

let db;
try {
  db = await open(workerData.path);
  db.set(['writer'], workerData.name);
  parentPort.postMessage({ opened: true });
} catch (error) {
  parentPort.postMessage({ opened: false, error: error.name, code: error.code, message: error.message });
}
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  db?.close();
  parentPort.postMessage({ closed: true });
  parentPort.close();
});
