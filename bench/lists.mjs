// Lists benchmark: stratadb's RRB linked list and array list on a memory
// database against immutable.js List, in the same run. Prints a markdown table
// with the machine and Node version. Run: `npm run build` at the top, then
// `cd bench && npm install && node lists.mjs`.

import os from 'node:os';
import { List } from 'immutable';
import { Engine, MemoryStorage, sha1Hasher } from '../dist/src/index.js';

const N = Number(process.env.N ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs `fn` RUNS + 1 times (the first is a warm-up) and returns the median milliseconds. */
function time(fn) {
  const times = [];
  for (let run = 0; run <= RUNS; run++) {
    const setup = fn.setup ? fn.setup() : undefined;
    const start = performance.now();
    fn(setup);
    const elapsed = performance.now() - start;
    if (run > 0) times.push(elapsed);
  }
  return median(times);
}

function freshEngine() {
  return Engine.open(new MemoryStorage({ initialCapacity: 64 * 1024 * 1024 }), { hasher: sha1Hasher, durability: 'flush' });
}

const rows = [];
const add = (workload, ours, peer, unit, note = '') => rows.push({ workload, ours, peer, unit, note });

// Append N items in one transaction.
{
  let checksum = 0;
  const ours = time(() => {
    const engine = freshEngine();
    engine.transact((root) => {
      const list = root.hashMap().put('list').linkedArrayList();
      for (let i = 0; i < N; i++) list.append().writeUint(i);
    });
    checksum += engine.moment(-1).asHashMap().get('list').count();
  });
  const peer = time(() => {
    let list = List().asMutable();
    for (let i = 0; i < N; i++) list.push(i);
    checksum += list.asImmutable().size;
  });
  add(`append ${N} (one transaction / withMutations)`, N / ours / 1000, N / peer / 1000, 'M items/s');
  if (checksum === 0) throw new Error('nothing appended');
}

// One database with two lists of N/2 for concat, and one of N for slice and get.
const engine = freshEngine();
engine.transact((root) => {
  const map = root.hashMap();
  for (const name of ['a', 'b']) {
    const list = map.put(name).linkedArrayList();
    for (let i = 0; i < N / 2; i++) list.append().writeUint(i);
  }
  const big = map.put('big').linkedArrayList();
  for (let i = 0; i < N; i++) big.append().writeUint(i);
});
const peerA = List(Array.from({ length: N / 2 }, (_, i) => i));
const peerB = List(Array.from({ length: N / 2 }, (_, i) => i));
const peerBig = List(Array.from({ length: N }, (_, i) => i));

// Concat of two N/2 lists: the operation alone, inside one transaction.
{
  const samples = [];
  let whole = [];
  for (let run = 0; run <= RUNS; run++) {
    const start = performance.now();
    engine.transact((root) => {
      const map = root.hashMap();
      const a = map.put('a').linkedArrayList();
      const b = map.read().get('b');
      const t0 = performance.now();
      a.concat(b);
      const t1 = performance.now();
      if (a.count() !== N) throw new Error('concat lost items');
      if (run > 0) samples.push(t1 - t0);
    });
    if (run > 0) whole.push(performance.now() - start);
    engine.undo();
  }
  const peer = time(() => peerA.concat(peerB));
  add(`concat 2 x ${N / 2}`, median(samples), peer, 'ms', `whole transaction incl. commit: ${median(whole).toFixed(3)} ms`);
}

// Slice of the middle half.
{
  const samples = [];
  for (let run = 0; run <= RUNS; run++) {
    engine.transact((root) => {
      const list = root.hashMap().put('big').linkedArrayList();
      const t0 = performance.now();
      list.slice(N / 4, N / 2);
      if (run > 0) samples.push(performance.now() - t0);
    });
    engine.undo();
  }
  const peer = time(() => peerBig.slice(N / 4, (3 * N) / 4));
  add(`slice middle half of ${N}`, median(samples), peer, 'ms');
}

// Random get.
{
  const indexes = Array.from({ length: N }, () => Math.floor(Math.random() * N));
  const list = engine.moment(-1).asHashMap().get('big').asLinkedArrayList();
  let sum = 0n;
  const ours = time(() => {
    for (const i of indexes) sum += list.get(i).readUint();
  });
  let peerSum = 0;
  const peer = time(() => {
    for (const i of indexes) peerSum += peerBig.get(i);
  });
  if (sum === 0n || peerSum === 0) throw new Error('nothing read');
  add(`random get (${N} gets)`, N / ours / 1000, N / peer / 1000, 'M gets/s');
}

console.log(`## Lists: stratadb linked list vs immutable.js List\n`);
console.log(`N = ${N}, median of ${RUNS} runs after a warm-up; Node ${process.version}; ${os.cpus()[0]?.model ?? 'unknown cpu'} x ${os.cpus().length}; ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${os.platform()} ${os.release()}\n`);
console.log('| workload | stratadb | immutable.js | unit | stratadb / immutable | note |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  const ratio = row.ours / row.peer;
  console.log(`| ${row.workload} | ${row.ours.toFixed(3)} | ${row.peer.toFixed(3)} | ${row.unit} | ${ratio.toFixed(2)} | ${row.note} |`);
}
