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
import { open, type ListView } from '../../src/node.js';
import { seededRandom } from '../support/processes.js';
import { loopSize } from '../support/sizes.js';

const here = dirname(fileURLToPath(import.meta.url));
const childScript = resolve(here, '..', 'support', 'child-writer.mjs');
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
