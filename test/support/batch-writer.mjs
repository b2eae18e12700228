// A writer process for the kill test of batched transactions: opens the file
// given as its first argument (durability sync) and, until killed, issues
// bursts of 40 db.transactBatched calls. Transaction `id` writes ['t', id] =
// { a: id, b: id }, appends id to ['log'] and adds 1 to ['count'], so a
// half-applied one would break count === log length === keys of t; every
// fifth one throws after writing, and must leave nothing. Prints "acked ID"
// once a transaction's promise resolved (its moment is durable), and
// "failed ID" once a throwing one was rejected.

import { open } from '../../dist/src/node.js';

const path = process.argv[2];
const db = await open(path, { lockTimeoutMs: 10_000 });
if (db.momentCount === 0) db.set([], { t: {}, log: [], count: 0 });
process.stdout.write('started\n');
let id = process.pid * 1_000_000;
for (;;) {
  const burst = [];
  for (let i = 0; i < 40; i++) {
    const mine = String(++id);
    const fails = id % 5 === 0;
    burst.push(
      db
        .transactBatched((tx) => {
          tx.set(['t', mine], { a: mine, b: mine, blob: 'x'.repeat(100 + (id % 7) * 200) });
          tx.push(['log'], mine);
          tx.update(['count'], (n) => n + 1);
          if (fails) throw new Error('fails');
        })
        .then(
          () => process.stdout.write(`acked ${mine}\n`),
          () => process.stdout.write(`failed ${mine}\n`),
        ),
    );
  }
  await Promise.all(burst);
}
