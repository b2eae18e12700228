// The automatic compaction (src/compact/auto-compact.ts, compact-worker.ts),
// through the built package: the worker thread runs from dist/. The writer
// keeps committing while the worker copies; the catch-up keeps every commit;
// errors reach onError; close cancels a running compaction and leaves no
// sibling.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { open, autoCompaction } from '../../dist/src/node.js';
import { verifyDatabase as verifyEngine } from '../../dist/src/engine.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stratadb-auto-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pad = 'x'.repeat(200);

describe('autoCompact', () => {
  it('compacts in the background while the writer commits, and keeps every commit', async () => {
    const path = join(dir, 'auto.xit');
    const errors: unknown[] = [];
    const db = await open(path, { autoCompact: { when: { fileSizeOver: 64 * 1024 }, keep: { last: 5 }, checkIntervalMs: 5, onError: (error) => errors.push(error) } });
    const inode = statSync(path).ino;
    let i = 0;
    // Commit until a compaction finished, yielding so that the timer and the worker's messages run.
    for (; i < 5000; i++) {
      db.set(['k', `key${i % 50}`], { i, pad });
      if (i % 10 === 0) await sleep(1);
      if (statSync(path).ino !== inode && i > 400) break;
    }
    const status = await autoCompaction(db);
    expect(errors).toEqual([]);
    expect(status?.completed).toBeGreaterThanOrEqual(1);
    // Every commit is there: the latest values of every key.
    for (let k = 0; k < 50; k++) {
      const last = Math.max(...Array.from({ length: i + 1 }, (_, n) => n).filter((n) => n % 50 === k));
      expect((db.get(['k', `key${k}`]) as { get(key: string): unknown }).get('i')).toBe(last);
    }
    expect(verifyEngine(db.engine).ok).toBe(true);
    db.close();
    const again = await open(path, { readOnly: true });
    expect((again.get(['k', `key${i % 50}`]) as { get(key: string): unknown }).get('i')).toBe(i);
    again.close();
    expect(readdirSync(dir).filter((name) => name.includes('.compacting-'))).toEqual([]);
  });

  it('completes under a steady stream of asynchronous and batched commits, keeping every acknowledged one', async () => {
    // Some commit always waits for its shared sync here, so a catch-up that waited for none pending never ran (the file grew without end).
    const path = join(dir, 'stream.xit');
    const errors: unknown[] = [];
    const db = await open(path, { autoCompact: { when: { fileSizeOver: 64 * 1024 }, keep: { last: 3 }, checkIntervalMs: 5, onError: (error) => errors.push(error) } });
    const inode = statSync(path).ino;
    const acknowledged: number[] = [];
    const deadline = Date.now() + 30_000;
    let next = 0;
    while (statSync(path).ino === inode && Date.now() < deadline) {
      const round: Promise<void>[] = [];
      for (let j = 0; j < 20; j++) {
        const n = next++;
        const write = (tx: { set(path: string[], value: unknown): void }): void => tx.set(['k', `key${n % 100}`], { n, pad });
        round.push((j % 2 === 0 ? db.transactAsync(write) : db.transactBatched(write)).then(() => void acknowledged.push(n)));
      }
      await Promise.all(round);
    }
    expect(statSync(path).ino, 'the background compaction swapped the file while the commits went on').not.toBe(inode);
    const status = await autoCompaction(db);
    expect(errors).toEqual([]);
    expect(status?.completed).toBeGreaterThanOrEqual(1);
    expect(acknowledged.length).toBe(next);
    for (let k = 0; k < 100; k++) {
      const last = acknowledged.filter((n) => n % 100 === k).reduce((a, b) => Math.max(a, b), -1);
      if (last >= 0) expect((db.get(['k', `key${k}`]) as { get(key: string): unknown }).get('n')).toBe(last);
    }
    expect(verifyEngine(db.engine).ok).toBe(true);
    db.close();
  });

  it('tells onError of a failed compaction and goes on with the old file', async () => {
    const path = join(dir, 'fail.xit');
    const errors: unknown[] = [];
    const db = await open(path, {
      autoCompact: {
        when: { fileSizeOver: 4096 },
        keep: () => {
          throw new Error('the policy failed');
        },
        checkIntervalMs: 5,
        onError: (error) => errors.push(error),
      },
    });
    for (let i = 0; i < 100 && errors.length === 0; i++) {
      db.set(['k'], { i, pad });
      await sleep(2);
    }
    expect(String(errors[0])).toMatch(/the policy failed/);
    db.set(['after'], 1);
    expect(db.get(['after'])).toBe(1);
    db.close();
  });

  it('close cancels a running compaction and leaves no sibling', async () => {
    const path = join(dir, 'cancel.xit');
    const db = await open(path, { autoCompact: { when: { fileSizeOver: 16 * 1024 }, checkIntervalMs: 1 } });
    for (let i = 0; i < 300; i++) db.set(['k', `key${i}`], { i, pad });
    await sleep(5);
    db.close();
    await sleep(200);
    expect(readdirSync(dir).filter((name) => name.includes('.compacting-'))).toEqual([]);
    const again = await open(path, { readOnly: true });
    expect(verifyEngine(again.engine).ok).toBe(true);
    expect((again.get(['k', 'key299']) as { get(key: string): unknown }).get('i')).toBe(299);
    again.close();
  });

  it('abandons a compaction whose copied moments a history slice dropped meanwhile', async () => {
    const path = join(dir, 'slice.xit');
    const errors: unknown[] = [];
    const db = await open(path, { autoCompact: { when: { fileSizeOver: 1 }, keep: { last: 50 }, checkIntervalMs: 60_000, onError: (error) => errors.push(error) } });
    for (let i = 0; i < 40; i++) db.set(['n'], i);
    // autoCompaction starts the compaction now (the worker copies in the background), then waits for it.
    const settled = autoCompaction(db);
    db.sliceHistory(10);
    db.set(['n'], 'after the slice');
    const status = await settled;
    expect(status?.completed).toBe(0);
    expect(String(errors[0])).toMatch(/the history was sliced while it copied/);
    expect(db.momentCount).toBe(11);
    expect(db.get(['n'])).toBe('after the slice');
    expect(verifyEngine(db.engine).ok).toBe(true);
    db.close();
    expect(readdirSync(dir).filter((name) => name.includes('.compacting-'))).toEqual([]);
  });

  it('refuses autoCompact on a reader or a memory database', async () => {
    await expect(open(undefined, { autoCompact: { when: { fileSizeOver: 1 } } })).rejects.toThrow(/needs a database file opened for writing/);
    await expect(open(join(dir, 'x.xit'), { autoCompact: { when: {} } })).rejects.toThrow(/fileSizeOver or growthRatio/);
  });
});
