// A writer process for the compaction kill test: opens the database file given
// as its first argument (durability sync) and commits in a loop as
// child-writer.mjs does (moment N holds a === b === N and a list of N items),
// printing "committed N" after each commit returns, and every third commit
// compacts to the last three moments, printing "compacting" before and
// "compacted" after. Runs until killed.

import { open } from '../../dist/src/node.js';

const path = process.argv[2];
const db = await open(path, { lockTimeoutMs: 10_000 });
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
  if (n % 3 === 0) {
    process.stdout.write('compacting\n');
    db.compact({ keep: { last: 3 } });
    process.stdout.write('compacted\n');
  }
}
