// A writer process for the compaction kill test: opens the database file given
// as its first argument (durability sync) and commits in a loop as
// child-writer.mjs does (moment N holds a === b === N and a list of N items),
// printing "committed N" after each commit returns, and every third commit
// compacts to the last three moments, printing "compacting" before and
// "compacted" after, and holding still for 250 ms between its copy and its
// swap. With "auto" as its second argument it compacts in the
// background instead (autoCompact, a worker thread), yielding between commits
// and printing "compacting" once a background compaction has started.
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
for (;;) {
  n++;
  db.transact((tx) => {
    tx.set(['a'], n);
    tx.push(['items'], n);
    tx.set(['blob', `b${n % 40}`], 'x'.repeat(200 + (n % 7) * 300));
    tx.set(['b'], n);
  });
  process.stdout.write(`committed ${n}\n`);
  if (auto) {
    // Let the timer and the worker's messages run; say when the file was swapped.
    await new Promise((resolve) => setImmediate(resolve));
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
