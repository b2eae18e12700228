// One writer, many readers: a writer process commits while readers in worker
// threads and in other processes read the same file. Readers see only whole
// moments (two counters that one transaction sets together are always equal,
// and a list's length equals them), the snapshots they hold never change, and
// refresh() shows new moments.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const writerScript = resolve(here, '..', 'support', 'child-writer.mjs');
const readerScript = resolve(here, '..', 'support', 'reader.mjs');
const COMMITS = Number(process.env.STRATADB_READER_COMMITS ?? 300);

function processOutput(args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.once('error', fail);
    child.once('exit', () => done(out));
  });
}

function workerOutput(path: string, target: number): Promise<string> {
  return new Promise((done, fail) => {
    const worker = new Worker(readerScript, { workerData: [path, target] });
    worker.once('message', (line: string) => {
      void worker.terminate();
      done(line);
    });
    worker.once('error', fail);
  });
}

describe('readers while a writer commits', () => {
  it(`see only whole moments and unchanging snapshots, in worker threads and processes, over ${COMMITS} commits`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-readers-'));
    const path = join(dir, 'db.xit');
    try {
      // The writer waits after its first commit for the 4 readers to open the file:
      // a fast writer finished all its commits before a reader process had loaded
      // (one check each, no overlap to test).
      const writer = processOutput([writerScript, path, String(COMMITS), '4']);
      const readers = [
        workerOutput(path, COMMITS),
        workerOutput(path, COMMITS),
        processOutput([readerScript, path, String(COMMITS)]),
        processOutput([readerScript, path, String(COMMITS)]),
      ];
      const results = await Promise.all(readers);
      const written = await writer;
      expect(written).toContain(`committed ${COMMITS}`);
      for (const result of results) {
        expect(result.trim()).toMatch(/^ok \d+ \d+$/);
        const checks = Number(result.trim().split(' ')[1]);
        expect(checks).toBeGreaterThan(1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a reader refreshing while a writer commits at the worst moments', () => {
  // A commit lands between the reader's two reads of the header, or after each
  // of its size checks: refresh must end at a whole committed moment, never
  // with a false CorruptDatabaseError.
  it('parses the header it checked, in page mode with tiny pages and in whole-file mode', async () => {
    const { open } = await import('../../src/node.js');
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-race-'));
    const path = join(dir, 'race.xit');
    const writer = await open(path, { preallocationSize: 0, durability: 'flush' });
    writer.set(['n'], 0);

    // Page mode, 16-byte pages: commit right after the reader's second header read.
    const paged = await open(path, { readOnly: true, wholeFileSizeMax: 0, pageSize: 16 });
    const pagedStorage = paged.engine.storage as { read(position: number, target: Uint8Array): void };
    const read = pagedStorage.read.bind(pagedStorage);
    let headerReads = 0;
    pagedStorage.read = (position, target) => {
      read(position, target);
      if (position === 12 && target.length === 24 && ++headerReads === 2) writer.set(['n'], 1);
    };
    paged.refresh();
    expect([paged.momentCount, paged.get(['n'])]).toEqual([1, 0]);
    paged.refresh();
    expect([paged.momentCount, paged.get(['n'])]).toEqual([2, 1]);
    paged.close();

    // Whole-file mode: a commit after every size check, 300 times; refresh then stays where it was.
    const whole = await open(path, { readOnly: true });
    const wholeStorage = whole.engine.storage as { refresh(stable?: number): void };
    const refresh = wholeStorage.refresh.bind(wholeStorage);
    let commits = 0;
    wholeStorage.refresh = (stable) => {
      refresh(stable);
      if (commits < 300) writer.set(['n'], 2 + commits++);
    };
    whole.refresh();
    const seen = whole.momentCount;
    expect(whole.get(['n'])).toBe(seen - 1);
    wholeStorage.refresh = refresh;
    whole.refresh();
    expect(whole.momentCount).toBe(writer.momentCount);
    expect(whole.get(['n'])).toBe(writer.get(['n']));
    whole.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
