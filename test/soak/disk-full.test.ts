// A full disk: a writer on a small tmpfs commits until the file system has no
// room. Every commit that returned survives, every failure is a typed error,
// nothing committed is damaged, and once room is made the database goes on.
// Needs root to mount the tmpfs: a user's clone skips it with a message; under
// CI=true (where CI runs as root) it never skips.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, openFile, StrataError, type Database } from '../../src/node.js';
import { verifyDatabase } from '../../src/engine.js';

function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const probe = mkdtempSync(join(tmpdir(), 'stratadb-mount-probe-'));
const canMount = mountTmpfs(probe, '64k');
if (canMount) execFileSync('umount', [probe]);
rmSync(probe, { recursive: true, force: true });
if (!canMount && process.env.CI !== 'true') console.warn('disk-full.test.ts: skipped, mounting a tmpfs needs root');

/**
 * Runs `fill` on a database file on a 1 MiB tmpfs, which fills it and closes
 * the database; then checks `kept` in a reader, makes room, and checks that
 * the next writer commits (through `write`) and the file verifies clean.
 */
async function onFullDisk(fill: (path: string) => Promise<void>, kept: (reader: Database) => void, write: (db: Database) => Promise<unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stratadb-full-'));
  expect(mountTmpfs(dir, '1m')).toBe(true);
  try {
    const path = join(dir, 'full.xit');
    await fill(path);
    const reader = await open(path, { readOnly: true });
    kept(reader);
    reader.close();
    // Room again: the next writer recovers and commits.
    execFileSync('mount', ['-o', 'remount,size=4m', dir]);
    const again = await open(path);
    await write(again);
    again.close();
    const engine = await openFile(path, { readOnly: true });
    expect(verifyDatabase(engine).problems).toEqual([]);
    engine.close();
  } finally {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Closes a database whose disk is full: the close may fail too, with a typed error. */
function closeFull(db: Database): void {
  try {
    db.close();
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError);
  }
}

describe.runIf(canMount || process.env.CI === 'true')('a writer on a full disk', () => {
  it('keeps every acknowledged commit, fails with typed errors, and goes on once there is room', async () => {
    const acknowledged: number[] = [];
    await onFullDisk(
      async (path) => {
        const db = await open(path);
        const failures: string[] = [];
        for (let i = 0; i < 400 && failures.length < 20; i++) {
          try {
            db.transact((tx) => {
              tx.set(['n'], i);
              tx.set(['blob', String(i)], 'x'.repeat(4000) + i);
            });
            acknowledged.push(i);
          } catch (error) {
            expect(error).toBeInstanceOf(StrataError);
            failures.push((error as StrataError).code);
          }
        }
        expect(failures.length, 'the disk never filled').toBeGreaterThan(0);
        expect(new Set(failures)).toEqual(new Set(['IO']));
        expect(acknowledged.length).toBeGreaterThan(10);
        closeFull(db);
      },
      (reader) => {
        expect(reader.get(['n'])).toBe(acknowledged[acknowledged.length - 1]);
        for (const i of acknowledged) expect(reader.get(['blob', String(i)])).toBe('x'.repeat(4000) + i);
      },
      async (db) => db.set(['after'], true),
    );
  });

  it('keeps every acknowledged batched and async commit when the disk fills under them', async () => {
    const acknowledged: string[] = [];
    await onFullDisk(
      async (path) => {
        const db = await open(path);
        const codes = new Set<string>();
        const settle = (key: string, pending: Promise<unknown>): Promise<void> =>
          pending.then(
            () => void acknowledged.push(key),
            (error: unknown) => {
              expect(error).toBeInstanceOf(StrataError);
              codes.add((error as StrataError).code);
            },
          );
        for (let round = 0; round < 60 && codes.size === 0; round++) {
          const writes: Promise<void>[] = [];
          for (let j = 0; j < 10; j++) {
            const key = `${round}-${j}`;
            const value = 'z'.repeat(3000) + key;
            writes.push(settle(key, j % 2 === 0 ? db.transactBatched((tx) => tx.set(['b', key], value)) : db.transactAsync((tx) => tx.set(['b', key], value))));
          }
          await Promise.all(writes);
        }
        expect(codes.size, 'the disk never filled').toBeGreaterThan(0);
        expect([...codes].every((code) => code === 'IO' || code === 'TRANSACTION')).toBe(true);
        expect(acknowledged.length).toBeGreaterThan(10);
        closeFull(db);
      },
      (reader) => {
        for (const key of acknowledged) expect(reader.get(['b', key])).toBe('z'.repeat(3000) + key);
      },
      (db) => db.transactBatched((tx) => tx.set(['after'], true)),
    );
  });
});
