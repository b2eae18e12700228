// Fencing and failover under load, on a three-server JetStream cluster:
// - a zombie writer (its lease lapsed while it still believes it holds it)
//   has its publish refused by the stream, and stops with FencedError;
// - a writer process paused (SIGSTOP) past its lease: a standby takes over,
//   and the writer, resumed, stops with FencedError without publishing;
// - a writer process killed (SIGKILL) in the middle of publishing: a standby
//   takes over from the stream's last whole tail;
// - a server killed while a writer commits: no acknowledged commit is lost.
// Invariants checked after each: every commit acknowledged as replicated is
// on every caught-up replica; replicas are byte-identical to each other and to
// the writer's prefix; the stream's terms never go back (no two writers both
// commit); readers of a replica see whole moments (a === b in every moment).
// STRATADB_FAILOVER_ROUNDS (default 1) repeats the process kill.

import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { open } from '../../src/node.js';
import { follow, type Follower, type ReplicatedWriter } from '../../src/replication.js';
import { replicateWith } from '../../src/replication/writer.js';
import type { Lease } from '../../src/replication/lease.js';
import { StreamLog } from '../../src/replication/stream-log.js';
import { FencedError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { Database } from '../../src/api/database.js';
import { NatsCluster, clusterForSuite, haveNats } from '../support/nats-cluster.js';
import { firstDifference } from '../support/same-bytes.js';
import { seededRandom } from '../support/processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const WRITER = resolve(here, '..', 'support', 'replication-writer.mjs');
const ROUNDS = Number(process.env.STRATADB_FAILOVER_ROUNDS ?? 1);
const TTL = 1000;

const dir = mkdtempSync(join(tmpdir(), 'strata-failover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (prefix: string) => `${prefix}${counter++}`;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A writer process (support/replication-writer.mjs) and what it printed. */
interface ChildWriter {
  readonly child: ChildProcess;
  /** Step -> committed size, for every step acknowledged as replicated. */
  readonly acked: Map<number, number>;
  readonly lines: string[];
  until(test: () => boolean, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

function spawnWriter(cluster: NatsCluster, path: string, name: string, blob: number, compactEvery = 0): ChildWriter {
  const child = spawn(process.execPath, [WRITER, path, name, cluster.servers.join(','), String(TTL), String(blob), String(compactEvery)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<number, number>();
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      const match = /^acked (\d+) (\d+)$/.exec(line);
      if (match !== null) acked.set(Number(match[1]), Number(match[2]));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    child,
    acked,
    lines,
    exited,
    async until(test, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`the writer process did not get there in ${timeoutMs} ms; it printed:\n${lines.slice(-5).join('\n')}\n${stderr}`);
        await sleep(20);
      }
    },
  };
}

/** The values of `a` over every moment of a replica; checks every moment is whole (a === b). */
function stepsIn(db: Database): Set<number> {
  const steps = new Set<number>();
  for (let moment = 0; moment < db.momentCount; moment++) {
    const snapshot = db.snapshot(moment);
    expect(snapshot.get(['a'])).toBe(snapshot.get(['b']));
    const a = snapshot.get(['a']);
    if (typeof a === 'number') steps.add(a);
  }
  return steps;
}

/** The stream's terms never go back: once a writer fenced, no message of an earlier writer follows. */
async function expectTermsOrdered(nc: NatsConnection, name: string): Promise<number[]> {
  const log = await StreamLog.open(nc, name, 3);
  const last = await log.lastSeq();
  const terms: number[] = [];
  let highest = 0;
  let epoch = 0;
  // Units whose chunks stop before their end (their writer died mid-publish), for the log.
  let open: { term: number; unitStart: number } | undefined;
  let unfinished = 0;
  for (let seq = 1; seq <= last; seq++) {
    const message = await log.get(seq);
    expect(message, `message ${seq}`).toBeDefined();
    const h = message!.header;
    if (open !== undefined && (h.term !== open.term || h.unitStart !== open.unitStart)) unfinished++;
    open = h.kind !== 'fence' && h.to !== h.unitEnd ? { term: h.term, unitStart: h.unitStart } : undefined;
    expect(message!.header.term, `message ${seq} (${message!.header.kind})`).toBeGreaterThanOrEqual(highest);
    // Epochs never go back either: positions count in the newest epoch's file from its first message on.
    expect(h.epoch, `message ${seq} (${h.kind})`).toBeGreaterThanOrEqual(epoch);
    epoch = h.epoch;
    if (message!.header.term > highest) {
      // A new term starts with its writer's fence.
      expect(message!.header.kind, `message ${seq}`).toBe('fence');
      highest = message!.header.term;
      terms.push(highest);
    }
  }
  if (unfinished > 0) console.log(`${name}: ${unfinished} unit(s) left unfinished by a writer that died mid-publish, skipped by every replica`);
  return terms;
}

/**
 * The standby takes over from a killed writer process: it promotes, commits
 * once, and a fresh memory replica catches up; every step the dead writer
 * had acknowledged must be in the replica's history, and the standby's file
 * byte-identical to the replica.
 */
async function takeOver(nc: NatsConnection, name: string, standby: Follower, dead: ChildWriter): Promise<{ writer: ReplicatedWriter; replica: Follower; standbyBytes: Uint8Array }> {
  const writer = await standby.promote({ lease: { ttlMs: TTL, waitMs: 10_000 } });
  await writer.transactAsync((tx) => {
    tx.set(['a'], -1);
    tx.set(['b'], -1);
  });
  const memory = new MemoryStorage();
  const replica = await follow({ name, connection: nc, storage: memory });
  await replica.catchUp();
  const steps = stepsIn(replica.database!);
  for (const step of dead.acked.keys()) expect(steps.has(step), `acknowledged step ${step}`).toBe(true);
  const size = writer.database.engine.committedSize;
  const standbyBytes = readFileSync(join(dir, `${name}.b.xit`)).subarray(0, size);
  expect(firstDifference(standbyBytes, memory.toBytes().subarray(0, size))).toBe(-1);
  return { writer, replica, standbyBytes };
}

describe.skipIf(!haveNats)('fencing and failover', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  clusterForSuite((started, connection) => {
    cluster = started;
    nc = connection;
  });

  it('refuses the publish of a zombie writer that still believes it holds the lease, and stops it with FencedError', async () => {
    const name = fresh('zombie');
    const zombieDb = await open(join(dir, `${name}.a.xit`));
    // The zombie's clock stands still, so it never notices that its lease lapsed;
    // and its renewals stop, as a paused process's do.
    let now = Date.now();
    const zombie = await replicateWith(zombieDb, { name, connection: nc, lease: { ttlMs: TTL } }, { clock: { now: () => now } });
    await zombie.transactAsync((tx) => {
      tx.set(['a'], 1);
      tx.set(['b'], 1);
    });
    await (zombie as unknown as { lease: Lease }).lease.close(false);
    const standby = await follow({ name, connection: nc, path: join(dir, `${name}.b.xit`) });
    await standby.catchUp();
    const writer = await standby.promote({ lease: { ttlMs: TTL, waitMs: 10_000 } });
    await writer.transactAsync((tx) => {
      tx.set(['a'], 2);
      tx.set(['b'], 2);
    });
    // The zombie commits locally, then the stream refuses its tail: it expected the last sequence before the fence.
    now = now + 1;
    await expect(zombie.transactAsync((tx) => tx.set(['a'], 99))).rejects.toThrow(FencedError);
    expect(zombie.failed).toBeInstanceOf(FencedError);
    expect(() => zombie.transact((tx) => tx.set(['a'], 100))).toThrow(FencedError);
    const memory = new MemoryStorage();
    const replica = await follow({ name, connection: nc, storage: memory });
    await replica.catchUp();
    expect(stepsIn(replica.database!)).toEqual(new Set([1, 2]));
    expect(firstDifference(readFileSync(join(dir, `${name}.b.xit`)).subarray(0, replica.position), memory.toBytes())).toBe(-1);
    expect((await expectTermsOrdered(nc, name)).length).toBe(2);
    // The zombie's file holds a commit the stream refused: it cannot become a replica.
    zombieDb.close();
    await expect(follow({ name, connection: nc, path: join(dir, `${name}.a.xit`) })).rejects.toThrow(/not a prefix of the stream/);
    await replica.close();
    await writer.close();
  });

  it('stops a writer process paused past its lease, after a standby took over, without it publishing again', async () => {
    const name = fresh('paused');
    const first = spawnWriter(cluster, join(dir, `${name}.a.xit`), name, 2000);
    await first.until(() => first.acked.size >= 5);
    const standby = await follow({ name, connection: nc, path: join(dir, `${name}.b.xit`) });
    first.child.kill('SIGSTOP');
    let writer: ReplicatedWriter | undefined;
    try {
      writer = await standby.promote({ lease: { ttlMs: TTL, waitMs: 10_000 } });
      for (let i = 0; i < 5; i++) {
        await writer.transactAsync((tx) => {
          tx.set(['a'], 1000 + i);
          tx.set(['b'], 1000 + i);
        });
      }
    } finally {
      first.child.kill('SIGCONT');
    }
    expect(await first.exited).toBe(3);
    expect(first.lines.at(-1)).toMatch(/^stopped FencedError/);
    // (An acknowledgement printed before the pause may be read after it: what
    // matters is that every acknowledged step is on the replica, below.)
    const memory = new MemoryStorage();
    const replica = await follow({ name, connection: nc, storage: memory });
    await replica.catchUp();
    const steps = stepsIn(replica.database!);
    for (const step of first.acked.keys()) expect(steps.has(step), `acknowledged step ${step}`).toBe(true);
    expect(replica.database!.get(['a'])).toBe(1004);
    expect((await expectTermsOrdered(nc, name)).length).toBe(2);
    await replica.close();
    await writer!.close();
  });

  it.each(Array.from({ length: ROUNDS }, (_, round) => round))('lets a standby take over from a writer process killed while publishing (round %i)', async (round) => {
    const random = seededRandom(1900 + round);
    const name = fresh('killed');
    const primaryPath = join(dir, `${name}.a.xit`);
    // Blobs of 1.2 MB: their tails take three messages, so a kill can land between them.
    const first = spawnWriter(cluster, primaryPath, name, 1_200_000);
    const standby: Follower = await follow({ name, connection: nc, path: join(dir, `${name}.b.xit`) });
    await first.until(() => first.acked.size >= 3 + Math.floor(random() * 4));
    await sleep(Math.floor(random() * 40));
    first.child.kill('SIGKILL');
    await first.exited;
    const { writer, replica, standbyBytes } = await takeOver(nc, name, standby, first);
    // The dead writer's file agrees with them on the bytes they share up to the last acknowledged commit.
    const lastAcked = Math.max(...first.acked.values());
    const deadBytes = readFileSync(primaryPath);
    // The history header (bytes 12 to 36) names each file's own last commit; every other byte of the prefix is the same.
    expect(firstDifference(deadBytes.subarray(36, lastAcked), standbyBytes.subarray(36, lastAcked))).toBe(-1);
    expect((await expectTermsOrdered(nc, name)).length).toBe(2);
    await replica.close();
    await writer.close();
  });

  it.each(Array.from({ length: ROUNDS }, (_, round) => round))('lets a standby take over from a writer process killed while compacting into a new epoch (round %i)', async (round) => {
    const random = seededRandom(2900 + round);
    const name = fresh('epoch');
    // Blobs of 600 KB every third step: each epoch's base takes several messages, so a kill can land inside one.
    const first = spawnWriter(cluster, join(dir, `${name}.a.xit`), name, 600_000, 2);
    const standby: Follower = await follow({ name, connection: nc, path: join(dir, `${name}.b.xit`) });
    await first.until(() => first.lines.some((line) => line.startsWith('compacted ')));
    // Then up to the start of another compaction (an even step), and a little into it.
    const target = Math.max(...first.acked.keys()) + 1 + Math.floor(random() * 3);
    await first.until(() => first.acked.has(target));
    await sleep(Math.floor(random() * 30));
    first.child.kill('SIGKILL');
    await first.exited;
    // Compactions kept every moment: every acknowledged step is still in the history (takeOver checks).
    const { writer, replica } = await takeOver(nc, name, standby, first);
    // At least one compaction's epoch was whole before the kill; the standby writes in it or a later one.
    expect(writer.epoch).toBeGreaterThanOrEqual(1);
    expect(replica.epoch).toBe(writer.epoch);
    expect((await expectTermsOrdered(nc, name)).length).toBe(2);
    await replica.close();
    await writer.close();
  });

  it('loses no acknowledged commit when a server is killed while the writer commits', async () => {
    const name = fresh('server');
    const db = await open(join(dir, `${name}.a.xit`));
    // The lease outlasts the leader elections that follow the kill (a few seconds on a loaded machine).
    const writer = await replicateWith(db, { name, connection: nc, lease: { ttlMs: 15_000 } }, {});
    const acked = new Set<number>();
    for (let i = 1; i <= 60; i++) {
      if (i === 20) await cluster.kill(1);
      if (i === 45) cluster.startServer(1);
      await writer.transactAsync((tx) => {
        tx.set(['a'], i);
        tx.set(['b'], i);
      });
      acked.add(i);
    }
    await cluster.waitReady();
    const memory = new MemoryStorage();
    const replica = await follow({ name, connection: nc, storage: memory });
    await replica.catchUp();
    const steps = stepsIn(replica.database!);
    const own = stepsIn(db);
    const missing = [...acked].filter((step) => !steps.has(step));
    if (missing.length > 0) {
      console.log(`missing ${missing.join(',')}; in the writer's own history: ${missing.map((step) => own.has(step)).join(',')}; replica ${replica.position}/${replica.moments}, writer ${db.engine.committedSize}/${db.momentCount}`);
    }
    for (const step of acked) expect(steps.has(step), `acknowledged step ${step}`).toBe(true);
    expect(firstDifference(readFileSync(join(dir, `${name}.a.xit`)).subarray(0, db.engine.committedSize), memory.toBytes())).toBe(-1);
    await replica.close();
    await writer.close();
  });
});
