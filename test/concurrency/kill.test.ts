// Real processes: a child commits in a loop (durability sync) and is killed
// with SIGKILL at random moments. After every kill the file reopens, every
// moment the child reported as committed is there and complete, no moment is
// half-applied, and the next writer carries on.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, toJS, type ListView } from '../../src/node.js';
import { seededRandom } from '../support/processes.js';
import { loopSize } from '../support/sizes.js';

const here = dirname(fileURLToPath(import.meta.url));
const childScript = resolve(here, '..', 'support', 'child-writer.mjs');
const batchScript = resolve(here, '..', 'support', 'batch-writer.mjs');
// Each kill starts a Node process that loads the package (about 0.3 CPU-s):
// 10 in npm test, 20 under STRATADB_LONG=1; STRATADB_KILLS=500 for a long run.
const KILLS = loopSize(process.env.STRATADB_KILLS, 10, 20);

/** Runs the child until it has committed past `after`, waits a random while more, then kills it. */
function runAndKill(path: string, delayMs: number): Promise<number> {
  return new Promise((resolveKill, reject) => {
    const child = spawn(process.execPath, [childScript, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastCommitted = -1;
    let started = false;
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.stdout.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) {
        const committed = /^committed (\d+)$/.exec(line);
        if (committed) lastCommitted = Number(committed[1]);
        const begun = /^started (\d+)$/.exec(line);
        if (begun && !started) {
          started = true;
          lastCommitted = Number(begun[1]);
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the writer exited by itself (${code}): ${stderr}`));
      else resolveKill(lastCommitted);
    });
  });
}

describe('a writer killed with SIGKILL', () => {
  it(`loses no reported commit and leaves no half-applied one, over ${KILLS} kills`, async () => {
    const seed = Number(process.env.STRATADB_SEED ?? 20261121);
    const next = seededRandom(seed);
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-kill-'));
    const path = join(dir, 'db.xit');
    try {
      let reported = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const delay = Math.floor(next() * 40);
        const lastReported = await runAndKill(path, delay);
        reported = Math.max(reported, lastReported);
        const db = await open(path, { readOnly: true });
        const count = db.momentCount;
        // Moment i (0-based) is the (i+1)-th commit: every reported one exists, at most one more.
        expect(count, `seed ${seed}, kill ${kill}`).toBeGreaterThanOrEqual(reported);
        expect(count, `seed ${seed}, kill ${kill}`).toBeLessThanOrEqual(reported + 1);
        if (count > 0) {
          const latest = db.snapshot();
          const a = latest.get(['a']);
          expect(latest.get(['b']), `seed ${seed}, kill ${kill}`).toBe(a);
          expect((latest.get(['items']) as ListView | undefined)?.length ?? 0).toBe(a ?? 0);
        }
        // Spot-check older moments too.
        for (const index of [0, Math.floor(count / 2), count - 1]) {
          if (index < 0 || index >= count) continue;
          const moment = db.snapshot(index);
          expect(moment.get(['a'])).toBe(index + 1);
          expect(moment.get(['b'])).toBe(index + 1);
        }
        db.close();
        reported = count;
      }
      // The next writer carries on.
      const writer = await open(path);
      const before = writer.momentCount;
      writer.set(['a'], before + 1);
      expect(writer.momentCount).toBe(before + 1);
      writer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs the batch writer (support/batch-writer.mjs) for `delayMs` after it started, kills it, and returns the ids it reported. */
function runBatchesAndKill(path: string, delayMs: number): Promise<{ acked: string[]; failed: string[] }> {
  return new Promise((resolveKill, reject) => {
    const child = spawn(process.execPath, [batchScript, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    const failed: string[] = [];
    let stderr = '';
    let rest = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.stdout.on('data', (data: Buffer) => {
      const lines = (rest + data.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const [word, id] = line.split(' ');
        if (word === 'acked') acked.push(id!);
        else if (word === 'failed') failed.push(id!);
        else if (word === 'started') setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the batch writer exited by itself (${code}): ${stderr}`));
      else resolveKill({ acked, failed });
    });
  });
}

describe('a writer of batched transactions killed with SIGKILL', () => {
  const kills = loopSize(process.env.STRATADB_KILLS, 5, 20);
  it(`keeps every acknowledged transaction whole, and no failed one, over ${kills} kills`, async () => {
    const next = seededRandom(Number(process.env.STRATADB_SEED ?? 20261207));
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-kill-batch-'));
    const path = join(dir, 'db.xit');
    try {
      let ackedTotal = 0;
      for (let kill = 0; kill < kills; kill++) {
        const { acked, failed } = await runBatchesAndKill(path, 50 + Math.floor(next() * 200));
        ackedTotal += acked.length;
        const db = await open(path, { readOnly: true });
        const state = toJS(db.get([])!) as { t: Record<string, { a: string; b: string }>; log: string[]; count: number };
        const where = `kill ${kill}`;
        for (const id of acked) expect(state.t[id], `${where}: acknowledged ${id}`).toMatchObject({ a: id, b: id });
        for (const id of failed) expect(state.t[id], `${where}: failed ${id}`).toBeUndefined();
        // Whole transactions only: each kept one wrote its key, its log entry and its count.
        expect(state.log.length, where).toBe(state.count);
        expect(Object.keys(state.t).length, where).toBe(state.count);
        expect(new Set(state.log), where).toEqual(new Set(Object.keys(state.t)));
        db.close();
      }
      console.log(`batched kills: ${ackedTotal} transactions acknowledged over ${kills} kills`);
      expect(ackedTotal).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
