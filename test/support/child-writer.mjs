// A writer process for concurrency tests: opens the database file given as its
// first argument (durability sync), then commits in a loop, printing
// "committed N" after each commit returns. Each moment N holds counters a and
// b, both N, and a list of N items: a half-applied transaction would break
// a === b === list length. Runs until killed, or for the count in argv[3].
// With a reader count in argv[4], it waits after its first commit until that
// many readers (test/support/reader.mjs) have left their ready marker beside
// the file, so that the readers see it commit, however fast it is.

import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { open } from '../../dist/src/node.js';

const path = process.argv[2];
const limit = Number(process.argv[3] ?? Infinity);
const readers = Number(process.argv[4] ?? 0);
const db = await open(path, { lockTimeoutMs: 10_000 });
let n = db.momentCount === 0 ? 0 : Number(db.get(['a']) ?? 0);
process.stdout.write(`started ${n}\n`);

async function waitForReaders() {
  const deadline = Date.now() + 30_000;
  const prefix = `${basename(path)}.ready-`;
  while (readdirSync(dirname(path)).filter((name) => name.startsWith(prefix)).length < readers && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

while (n < limit) {
  if (n === 1 && readers > 0) await waitForReaders();
  n++;
  db.transact((tx) => {
    tx.set(['a'], n);
    tx.push(['items'], n);
    // Some bulk so a commit takes a few writes and crashes can land mid-transaction.
    tx.set(['blob'], 'x'.repeat(200 + (n % 7) * 300));
    tx.set(['b'], n);
  });
  process.stdout.write(`committed ${n}\n`);
}
db.close();
