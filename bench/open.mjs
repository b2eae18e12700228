// Workload 4b: opening a memory database handed over as bytes (as a worker or a
// network peer receives it): MemoryStorage.fromBytes + Engine.open + one get,
// for a ~100 MB database and a ~1 KB one. The alternative a user would pick for
// the same hand-over, v8.deserialize of a JS Map with the same entries (what
// postMessage does with a structured clone), is measured beside it.
//
// Run: `node --expose-gc open.mjs` (RUNS=..., OPEN_MB=... for the big database).

import v8 from 'node:v8';
import { Engine, MemoryStorage, builtInHashers, openEngine } from '../dist/src/engine.js';
import { RUNS, check, gc, medianEach, printTable, randomBytes, sumBytes, timed } from './common.mjs';

const runs = RUNS ?? 5;
const TARGET = Number(process.env.OPEN_MB ?? 100) * 1e6;
const VALUE_SIZE = 100;
const [hasher] = await builtInHashers();

/** A memory database of `count` pairs "key"+i -> 100 random bytes. */
async function build(count) {
  const storage = new MemoryStorage();
  const engine = await openEngine(storage, { durability: 'flush', hasher });
  const values = randomBytes(count, VALUE_SIZE, 31);
  engine.transact((root) => {
    const map = root.hashMap();
    for (let i = 0; i < count; i++) map.put(`key${i}`).writeBytes(values[i]);
  });
  return { bytes: storage.toBytes().slice(), values };
}

// Size the big database from a small sample: ~TARGET bytes.
const sample = await build(10_000);
const bigCount = Math.ceil((TARGET / sample.bytes.length) * 10_000);
const big = await build(bigCount);
const small = await build(4);

const rows = [];
const OPENS = 10_000;
for (const [db, count] of [
  [big, bigCount],
  [small, 4],
]) {
  const label = db.bytes.length >= 1e6 ? `${(db.bytes.length / 1e6).toFixed(0)} MB` : `${(db.bytes.length / 1e3).toFixed(1)} KB`;
  const probe = count - 1;
  const expected = sumBytes(db.values[probe]);
  const map = new Map();
  for (let i = 0; i < count; i++) map.set(`key${i}`, db.values[i]);
  const serialized = v8.serialize(map);
  const peerOpens = count > 1000 ? 1 : OPENS;
  let retained = 0;
  const medians = await medianEach(runs, {
    stratadb: () =>
      timed(() => {
        for (let k = 0; k < OPENS; k++) {
          const engine = Engine.open(MemoryStorage.fromBytes(db.bytes), { hasher });
          check('stratadb', 'open + get', sumBytes(engine.moment(-1).asHashMap().get(`key${probe}`).readBytes()), expected);
        }
      }),
    peer: () =>
      timed(() => {
        for (let k = 0; k < peerOpens; k++) {
          const copy = v8.deserialize(serialized);
          check('v8.deserialize', 'open + get', sumBytes(copy.get(`key${probe}`)), expected);
        }
      }),
  });
  // Memory an open database holds: open 1,000 of them and keep them.
  gc();
  const before = process.memoryUsage();
  const kept = [];
  for (let k = 0; k < 1000; k++) kept.push(Engine.open(MemoryStorage.fromBytes(db.bytes), { hasher }));
  gc();
  const after = process.memoryUsage();
  retained = (after.heapUsed + after.external - before.heapUsed - before.external) / 1000; // external includes array buffers
  if (kept.length !== 1000) throw new Error('lost engines');
  const workload = `open ${label} buffer + 1 get`;
  rows.push({ workload, store: 'stratadb', n: count, ops: OPENS, ms: medians.stratadb, note: `${db.bytes.length.toLocaleString('en-US')} bytes; MemoryStorage.fromBytes + Engine.open (hasher ready); each open database holds ~${Math.round(retained).toLocaleString('en-US')} bytes of its own` });
  rows.push({ workload, store: 'v8.deserialize (JS Map)', n: count, ops: peerOpens, ms: medians.peer, note: `${serialized.length.toLocaleString('en-US')} bytes serialized; what a structured clone to a worker costs` });
}

printTable(
  'Opening a memory database from bytes',
  `A memory database of "key"+i -> ${VALUE_SIZE} random bytes, taken out with toBytes() and opened again in place; median of ${runs} runs after a warm-up; ` +
    `ops/s is opens per second (each with one get, checksummed).`,
  rows,
);
