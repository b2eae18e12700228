// A reader process for the compaction tests: opens the database file given as
// its first argument read-only, holds a snapshot of its latest moment and
// prints `ready VALUE` (the value at key 'n'). Each line "refresh" on its
// standard input makes it refresh and print `after OLD NEW`: what the held
// snapshot still reads, and what the database reads now. "close" ends it.

import { createInterface } from 'node:readline';
import { open } from '../../dist/src/node.js';

const db = await open(process.argv[2], { readOnly: true });
const held = db.snapshot();
process.stdout.write(`ready ${JSON.stringify(held.get(['n']))}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'refresh') {
    db.refresh();
    process.stdout.write(`after ${JSON.stringify(held.get(['n']))} ${JSON.stringify(db.get(['n']))} ${db.momentCount}\n`);
  } else if (line === 'close') {
    db.close();
    process.exit(0);
  }
}
