// Watching across processes: a read-only handle on a file hears of another
// process's commits through its listeners (fs.watch, with a poll beside it),
// and the poll alone keeps working where fs.watch cannot start.
// Runs dist/ (npm run build first), as the writer child does.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from '../../dist/src/node.js';
import { fileChangeSource } from '../../src/api/watch-file.js';

const here = dirname(fileURLToPath(import.meta.url));
const writerScript = resolve(here, '..', 'support', 'child-writer.mjs');

describe('a read-only file handle with listeners', () => {
  it('reports the moments another process commits, each with its changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-watch-'));
    const path = join(dir, 'db.xit');
    try {
      const creator = await open(path);
      creator.set(['a'], 0);
      creator.close();
      const reader = await open(path, { readOnly: true });
      const seen: Array<{ moment: number; a: unknown }> = [];
      const done = new Promise<void>((resolveDone, reject) => {
        reader.subscribe(
          ({ moment, changes }) => {
            const a = changes.find((change) => change.path.length === 1 && change.path[0] === 'a');
            seen.push({ moment, a: a?.after });
            if (a?.after === 5) resolveDone();
          },
          { onError: reject },
        );
      });
      const child = spawn(process.execPath, [writerScript, path, '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
      await done;
      expect(await exited).toBe(0);
      // Every moment, in order, none twice: the counter went 1 to 5.
      expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => ({ moment: n, a: n })));
      reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('falls back to polling when fs.watch cannot watch the path', async () => {
    const source = fileChangeSource(join(tmpdir(), 'stratadb-no-such-dir', 'missing.xit'), 20);
    let calls = 0;
    const stop = source(() => calls++);
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    stop();
    const after = calls;
    expect(after).toBeGreaterThan(1);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    expect(calls).toBe(after);
  });
});
