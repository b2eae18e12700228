// A writer process for concurrency tests: opens the database file given as its
// first argument (durability sync), then commits in a loop, printing
// "committed N" after each commit returns. Each moment N holds counters a and
// b, both N, and a list of N items: a half-applied transaction would break
// a === b === list length. Runs until killed, or for the count in argv[3].

import { open } from '../../dist/src/node.js';

const path = process.argv[2];
const limit = Number(process.argv[3] ?? Infinity);
const db = await open(path, { lockTimeoutMs: 10_000 });
let n = db.momentCount === 0 ? 0 : Number(db.get(['a']) ?? 0);
process.stdout.write(`started ${n}\n`);
while (n < limit) {
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
