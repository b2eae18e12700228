// The soak: one writer process killed with SIGKILL at random moments and
// restarted; would-be writers in a thread and in a process trying to get in;
// readers in threads and in a process checking every moment they see; the
// lock file removed or overwritten now and then. Invariants: every
// acknowledged commit survives, no reader sees a half moment, no two writers
// both succeed (no two acknowledgements of one moment), and the file verifies.
// STRATADB_SOAK_SECONDS sets the length: 8 s by default, CI too, 30 s under
// STRATADB_LONG=1 (with the writer, readers and would-be writers busy on the
// 2-core machine the other files share, each soak second costs the suite about
// one; 8 s still makes several kills, restarts and lock tamperings, and the
// kill loops of test/concurrency and test/compact cover the rest). Run it
// longer by hand, e.g. STRATADB_SOAK_SECONDS=300.

import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { lockPath, open, openFile } from '../../src/node.js';
import { verifyDatabase } from '../../src/engine.js';
import { deadPid, seededRandom } from '../support/processes.js';
import { loopSize } from '../support/sizes.js';

const here = dirname(fileURLToPath(import.meta.url));
const actorScript = resolve(here, '..', 'support', 'soak-actor.mjs');
const SECONDS = loopSize(process.env.STRATADB_SOAK_SECONDS, 8, 30);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Log {
  acks: Map<number, string[]>;
  problems: string[];
  lost: number;
  refused: number;
  reads: number;
  racedOpens: number;
}

/** As the actors print an error: its code and message. */
function describeError(error: unknown): string {
  const { code, name, message } = error as { code?: string; name?: string; message?: string };
  return `${code ?? name}: ${message}`;
}

function listen(log: Log, line: string): void {
  const ack = /^ack (\S+) (\d+)$/.exec(line);
  if (ack) {
    const n = Number(ack[2]);
    log.acks.set(n, [...(log.acks.get(n) ?? []), ack[1] as string]);
  } else if (line.startsWith('lost ')) log.lost++;
  else if (line === 'refused') log.refused++;
  else if (line.startsWith('reads ')) log.reads += Number(line.slice(6));
  // A writer let in by a removed lock file while the old writer's last commit
  // was landing sees a header past the size it learned at open: a refusal, with
  // nothing written, that the message explains.
  else if (/^error open CORRUPT: .* or another writer was committing/.test(line)) log.racedOpens++;
  else if (line.startsWith('half ') || line.startsWith('error ')) log.problems.push(line);
}

function spawnActor(log: Log, role: string, path: string, id: string, seconds: number): ChildProcess {
  const child = spawn(process.execPath, [actorScript, role, path, id, String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  child.stdout!.on('data', (data: Buffer) => {
    pending += data.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) listen(log, line);
  });
  child.stderr!.on('data', (data: Buffer) => log.problems.push(`stderr ${id}: ${data.toString()}`));
  return child;
}

function startThread(log: Log, role: string, path: string, id: string, seconds: number): Promise<void> {
  const worker = new Worker(actorScript, { workerData: { role, path, id, seconds } });
  worker.on('message', (line: string) => listen(log, line));
  return new Promise((done, fail) => {
    worker.on('error', fail);
    worker.on('exit', () => done());
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((done) => child.once('exit', () => done()));
}

describe('the soak', () => {
  it(`keeps every acknowledged commit through ${SECONDS} s of kills, intruders and lock tampering`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-soak-'));
    const path = join(dir, 'soak.xit');
    const log: Log = { acks: new Map(), problems: [], lost: 0, refused: 0, reads: 0, racedOpens: 0 };
    const seed = Date.now() % 1_000_000;
    const random = seededRandom(seed);
    const end = Date.now() + SECONDS * 1000;
    const remaining = () => Math.max(1, Math.ceil((end - Date.now()) / 1000));

    let writer = spawnActor(log, 'writer', path, 'w0', SECONDS + 5);
    const others: Promise<void>[] = [
      startThread(log, 'wouldbe', path, 'thread', SECONDS),
      startThread(log, 'reader', path, 'reader-thread-1', SECONDS),
      startThread(log, 'reader', path, 'reader-thread-2', SECONDS),
      exited(spawnActor(log, 'wouldbe', path, 'process', SECONDS)),
      exited(spawnActor(log, 'reader', path, 'reader-process', SECONDS)),
    ];
    let kills = 0;
    let tampers = 0;
    let generation = 0;
    while (Date.now() < end - 1000) {
      await sleep(50 + random() * 350);
      const action = random();
      if (action < 0.6) {
        writer.kill('SIGKILL');
        await exited(writer);
        kills++;
        writer = spawnActor(log, 'writer', path, `w${++generation}`, remaining());
      } else if (action < 0.7) {
        // A would-be writer on the test's own main thread, beside its would-be thread.
        try {
          const db = await open(path, { durability: 'flush' });
          try {
            const n = db.transact((tx) => {
              const next = ((tx.get(['n']) as number | undefined) ?? 0) + 1;
              tx.set(['n'], next);
              tx.set(['by'], 'main');
              tx.set(['check'], { a: next, b: -next, t: `v${next}` });
              return next;
            });
            listen(log, `ack main ${n}`);
          } catch (error) {
            listen(log, (error as { code?: string }).code === 'LOCKED' ? 'lost main' : `error commit ${describeError(error)}`);
          } finally {
            db.close();
          }
        } catch (error) {
          listen(log, (error as { code?: string }).code === 'LOCKED' ? 'refused' : `error open ${describeError(error)}`);
        }
      } else if (action < 0.85) {
        rmSync(lockPath(path), { force: true });
        tampers++;
      } else {
        // A lock naming a process that is gone: stale, so the next writer breaks it.
        writeFileSync(lockPath(path), JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }));
        tampers++;
      }
    }
    writer.kill('SIGKILL');
    await exited(writer);
    await Promise.all(others);

    const context = `soak: seed ${seed}, ${kills} kills, ${tampers} tamperings, ${log.acks.size} acknowledged, ${log.lost} lost-exclusivity stops, ${log.refused} refusals, ${log.racedOpens} opens refused during a landing commit, ${log.reads} reads`;
    console.log(context);
    expect(log.problems, context).toEqual([]);
    const twice = [...log.acks].filter(([, ids]) => ids.length > 1);
    expect(twice, `moments acknowledged by two writers (${context})`).toEqual([]);
    expect(kills, context).toBeGreaterThan(0);
    expect(log.acks.size, context).toBeGreaterThan(kills);
    expect(log.reads, context).toBeGreaterThan(0);

    const db = await open(path, { readOnly: true });
    for (const [n, [id]] of log.acks) {
      const moment = db.snapshot(n - 1);
      expect({ n: moment.get(['n']), by: moment.get(['by']) }, `acknowledged moment ${n} (${context})`).toEqual({ n, by: id });
    }
    for (let i = 0; i < db.momentCount; i++) {
      const moment = db.snapshot(i);
      expect(moment.get(['n']), `moment ${i} (${context})`).toBe(i + 1);
    }
    db.close();
    const engine = await openFile(path, { readOnly: true });
    expect(verifyDatabase(engine).problems, context).toEqual([]);
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
