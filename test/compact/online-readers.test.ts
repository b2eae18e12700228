// Readers of a compacted file: a reader in another process keeps its
// snapshot after the writer compacted (its descriptor still reads the old
// file) and moves to the new file on refresh; a reader that subscribes in
// this process hears of the writer's commits after a compaction (its file
// watch follows the new file).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from '../../src/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const readerScript = resolve(here, '..', 'support', 'compact-reader.mjs');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stratadb-compact-readers-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readers of a compacted file', () => {
  it('a reader process keeps its snapshot and moves to the new file on refresh', async () => {
    const path = join(dir, 'db.xit');
    const writer = await open(path);
    for (let i = 0; i < 50; i++) writer.set(['n'], i);
    const child = spawn(process.execPath, [readerScript, path], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (data: Buffer) => {
      lines.push(...data.toString().split('\n').filter((line) => line !== ''));
      for (const wake of waiters.splice(0)) wake();
    });
    const nextLine = async (count: number): Promise<string> => {
      while (lines.length < count) await new Promise<void>((wake) => waiters.push(wake));
      return lines[count - 1] as string;
    };
    expect(await nextLine(1)).toBe('ready 49');
    writer.compact({ keep: { last: 2 } });
    writer.set(['n'], 'after');
    child.stdin.write('refresh\n');
    // The held snapshot reads the old file; the database, the new one (2 kept + 1 new moment).
    expect(await nextLine(2)).toBe('after 49 "after" 3');
    child.stdin.write('close\n');
    await new Promise((done) => child.once('exit', done));
    writer.close();
  });

  it('a subscribed reader hears of commits made after the compaction', async () => {
    const path = join(dir, 'sub.xit');
    const writer = await open(path);
    for (let i = 0; i < 20; i++) writer.set(['n'], i);
    const reader = await open(path, { readOnly: true });
    const heard: unknown[] = [];
    const unsubscribe = reader.subscribe(({ changes }) => heard.push(...changes.map((change) => change.after)));
    writer.compact();
    writer.set(['n'], 'after the compaction');
    const deadline = Date.now() + 5000;
    while (!heard.includes('after the compaction') && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    expect(heard).toContain('after the compaction');
    unsubscribe();
    reader.close();
    writer.close();
  });
});
