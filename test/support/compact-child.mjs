// A writer process for the compaction kill test: opens the database file given
// as its first argument (durability sync) and commits in a loop as
// child-writer.mjs does (moment N holds a === b === N and a list of N items),
// printing "committed N" after each commit returns, and every third commit
// compacts to the last three moments, printing "compacting" before and
// "compacted" after, and holding still for 250 ms between its copy and its
// swap. With "auto" as its second argument it compacts in the
// background instead (autoCompact, a worker thread), yielding between commits
// and printing "compacting" once a background compaction has started. A third
// argument, "async" or "batched", commits through transactAsync or
// transactBatched instead, 8 in flight, printing "committed N" once each is
// durable (the catch-up must find its moment under that steady stream).
// Runs until killed.

import fs from 'node:fs';
import { open } from '../../dist/src/node.js';

const path = process.argv[2];
const auto = process.argv[3] === 'auto';
const db = await open(path, { lockTimeoutMs: 10_000, ...(auto ? { autoCompact: { when: { fileSizeOver: 48 * 1024 }, keep: { last: 3 }, checkIntervalMs: 2 } } : {}) });
const inode = () => fs.statSync(path).ino;
const held = new Int32Array(new SharedArrayBuffer(4));
let lastInode = inode();
let n = db.momentCount === 0 ? 0 : Number(db.get(['a']) ?? 0);
process.stdout.write(`started ${n}\n`);
const writes = process.argv[4];
const inflight = [];
for (;;) {
  n++;
  const k = n;
  const write = (tx) => {
    tx.set(['a'], k);
    tx.push(['items'], k);
    tx.set(['blob', `b${k % 40}`], 'x'.repeat(200 + (k % 7) * 300));
    tx.set(['b'], k);
  };
  if (writes === undefined) {
    db.transact(write);
    process.stdout.write(`committed ${k}\n`);
  } else {
    // One kind of asynchronous commit per process: they settle in the order they were issued.
    // A window of 8: some commit always waits for its sync, as under a steady stream.
    const pending = writes === 'async' ? db.transactAsync(write) : db.transactBatched(write);
    inflight.push(pending.then(() => process.stdout.write(`committed ${k}\n`)));
    if (inflight.length >= 8) await inflight.shift();
  }
  if (auto) {
    // Let the timer and the worker's messages run; say when the file was swapped.
    if (writes === undefined) await new Promise((resolve) => setImmediate(resolve));
    if (n % 5 === 0) process.stdout.write('compacting\n');
    if (inode() !== lastInode) {
      lastInode = inode();
      process.stdout.write('compacted\n');
    }
  } else if (n % 3 === 0) {
    process.stdout.write('compacting\n');
    // Held for 250 ms once its copy is written and before the swap (the last
    // progress call), so that a kill aimed just after "compacting" lands
    // inside the compaction however busy the machine: this small database
    // compacts in a few milliseconds, and such kills used to come after it.
    db.compact({ keep: { last: 3 }, onProgress: (done, total) => done === total && Atomics.wait(held, 0, 0, 250) });
    process.stdout.write('compacted\n');
  }
}
