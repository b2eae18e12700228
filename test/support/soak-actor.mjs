// One actor of the soak test (test/soak/soak.test.ts), as a child process
// (argv) or a worker thread (workerData): { role, path, id, seconds }.
//  - writer: commits for ever, waiting for the lock; after each acknowledged
//    commit prints "ack ID N". Moment N holds n = N and check = { a: N, b: -N,
//    t: 'vN' }, so a half-applied moment breaks a === n === -b.
//  - wouldbe: tries to open for writing without waiting; "refused" when locked,
//    else commits one to three moments as a writer does and closes.
//  - reader: opens read-only, refreshes and checks the latest moment whole.
// Reports go to stdout (process) or the parent port (thread), one line each.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import { open } from '../../dist/src/node.js';

const args = isMainThread ? { role: process.argv[2], path: process.argv[3], id: process.argv[4], seconds: Number(process.argv[5]) } : workerData;
const say = (line) => (isMainThread ? writeSync(1, `${line}\n`) : parentPort.postMessage(line));
const deadline = Date.now() + args.seconds * 1000;
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function commitOne(db) {
  const n = db.transact((tx) => {
    const next = (tx.get(['n']) ?? 0) + 1;
    tx.set(['n'], next);
    tx.set(['by'], args.id);
    tx.set(['check'], { a: next, b: -next, t: `v${next}` });
    return next;
  });
  say(`ack ${args.id} ${n}`);
}

/** Commits while `more()` says so, reporting a lost lock as "lost", then closes. */
function commitThenClose(db, more) {
  try {
    while (more()) commitOne(db);
  } catch (error) {
    say(error?.code === 'LOCKED' ? `lost ${args.id}` : `error commit ${problem(error)}`);
  }
  try {
    db.close();
  } catch (error) {
    say(`error close ${problem(error)}`);
  }
}

function problem(error) {
  return `${error?.code ?? error?.name}: ${error?.message}`;
}

async function writer() {
  while (Date.now() < deadline) {
    let db;
    try {
      db = await open(args.path, { lockTimeoutMs: 2000, durability: 'flush' });
    } catch (error) {
      if (error?.code !== 'LOCKED') say(`error open ${problem(error)}`);
      continue;
    }
    commitThenClose(db, () => Date.now() < deadline);
  }
}

async function wouldbe() {
  let attempt = 0;
  while (Date.now() < deadline) {
    attempt++;
    let db;
    try {
      db = await open(args.path, { durability: 'flush' });
    } catch (error) {
      say(error?.code === 'LOCKED' ? 'refused' : `error open ${problem(error)}`);
      sleep(5);
      continue;
    }
    let left = 1 + (attempt % 3);
    commitThenClose(db, () => left-- > 0);
    sleep(5);
  }
}

async function reader() {
  let db;
  while (db === undefined && Date.now() < deadline) {
    try {
      db = await open(args.path, { readOnly: true });
    } catch (error) {
      // The file may not exist yet, or be mid-creation.
      sleep(10);
    }
  }
  let reads = 0;
  while (db !== undefined && Date.now() < deadline) {
    try {
      db.refresh();
      const count = db.momentCount;
      if (count === 0) continue;
      const moment = db.snapshot(-1);
      const n = moment.get(['n']);
      const check = moment.get(['check'])?.toJS();
      if (check === undefined || check.a !== n || check.b !== -n || check.t !== `v${n}`) say(`half ${count} ${JSON.stringify({ n, check })}`);
      reads++;
    } catch (error) {
      say(`error read ${problem(error)}`);
    }
  }
  say(`reads ${reads}`);
  db?.close();
}

await { writer, wouldbe, reader }[args.role]();
say('done');
