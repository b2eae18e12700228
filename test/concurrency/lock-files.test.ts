// Lock files that are not what a writer leaves: malformed content, impossible
// pids, symlinks, directories, fifos, a disk that fills while the lock is
// written; and FileLock.assertHeld, which tells a writer that its lock file was
// removed or replaced under it.

import { describe, expect, it, vi } from 'vitest';
import fs, { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLock, IoError, LockedError, breakStaleLock, lockPath, open, readLockHolder } from '../../src/node.js';

const folder = (): string => mkdtempSync(join(tmpdir(), 'stratadb-lock-files-'));
const makeOld = (file: string): void => {
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(file, old, old);
};

/** Lock file contents that name no holder a writer could have written. */
const MALFORMED: [string, string][] = [
  ['empty', ''],
  ['JSON null', 'null'],
  ['an array', '[1234, "host", "2020-01-01T00:00:00.000Z"]'],
  ['a number', '42'],
  ['pid -1', JSON.stringify({ pid: -1, host: hostname(), since: '2020-01-01T00:00:00.000Z' })],
  ['pid 0', JSON.stringify({ pid: 0, host: hostname(), since: '2020-01-01T00:00:00.000Z' })],
  ['pid 1.5', JSON.stringify({ pid: 1.5, host: hostname(), since: '2020-01-01T00:00:00.000Z' })],
  ['pid 2^40', JSON.stringify({ pid: 2 ** 40, host: hostname(), since: '2020-01-01T00:00:00.000Z' })],
  ['pid as text', JSON.stringify({ pid: String(process.ppid), host: hostname(), since: '2020-01-01T00:00:00.000Z' })],
  ['no host', JSON.stringify({ pid: process.ppid, since: '2020-01-01T00:00:00.000Z' })],
  ['a start time that is text', JSON.stringify({ pid: process.ppid, host: hostname(), since: '2020-01-01T00:00:00.000Z', startTime: 'x' })],
  ['torn', '{"pid":12'],
  ['too long to be ours', JSON.stringify({ pid: process.ppid, host: hostname(), since: 'x'.repeat(5000) })],
];

describe('FileLock.acquire on malformed lock files', () => {
  for (const [name, text] of MALFORMED) {
    it(`refuses a fresh lock file holding ${name} with LockedError, and breaks it once it is old`, () => {
      const dir = folder();
      const path = join(dir, 'db.xit');
      writeFileSync(lockPath(path), text);
      expect(readLockHolder(path)).toBeUndefined();
      expect(() => FileLock.acquire(path)).toThrow(LockedError);
      expect(readFileSync(lockPath(path), 'utf8')).toBe(text);
      makeOld(lockPath(path));
      const lock = FileLock.acquire(path);
      expect(readLockHolder(path)?.pid).toBe(process.pid);
      lock.release();
      expect(existsSync(lockPath(path))).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

describe('FileLock.acquire on what is not a lock file', () => {
  const cases: [string, (file: string) => void][] = [
    ['a dangling symlink', (file) => symlinkSync(join(tmpdir(), 'stratadb-no-such-file'), file)],
    ['a symlink to a lock file', (file) => {
      writeFileSync(`${file}.real`, JSON.stringify({ pid: 999_999_999, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
      symlinkSync(`${file}.real`, file);
    }],
    ['a directory', (file) => {
      mkdirSync(file);
      writeFileSync(join(file, 'keep.txt'), 'data');
    }],
    ['a fifo', (file) => execFileSync('mkfifo', [file])],
  ];
  for (const [name, make] of cases) {
    it(`refuses ${name} with LockedError saying what it is, old or not, and leaves it in place (no hang)`, () => {
      const dir = folder();
      const path = join(dir, 'db.xit');
      make(lockPath(path));
      // Old or not, it is never broken: stratadb never creates such a thing.
      const old = new Date(Date.now() - 60_000);
      fs.lutimesSync(lockPath(path), old, old);
      expect(() => FileLock.acquire(path)).toThrow(LockedError);
      expect(() => FileLock.acquire(path)).toThrow(/not a lock file|symbolic link|directory|regular file/);
      expect(breakStaleLock(path)).toBe(false);
      expect(fs.lstatSync(lockPath(path))).toBeDefined();
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

describe('FileLock.acquire on a full disk', () => {
  it('leaves no lock file behind when writing the holder fails, so the next writer gets in at once', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    // node:fs's named exports follow its default export once synced: the lock's fs.writeSync fails like a full disk.
    const write = vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    syncBuiltinESMExports();
    try {
      expect(() => FileLock.acquire(path)).toThrow(IoError);
      expect(() => FileLock.acquire(path)).toThrow(/ENOSPC/);
      expect(write).toHaveBeenCalled();
    } finally {
      write.mockRestore();
      syncBuiltinESMExports();
    }
    expect(existsSync(lockPath(path))).toBe(false);
    const db = await open(path);
    db.set(['k'], 1);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('FileLock.assertHeld', () => {
  it('passes while the lock file is untouched', () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const lock = FileLock.acquire(path);
    for (let i = 0; i < 3; i++) lock.assertHeld();
    lock.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('throws LockedError once the lock file is removed', () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const lock = FileLock.acquire(path);
    rmSync(lockPath(path));
    expect(() => lock.assertHeld()).toThrow(LockedError);
    expect(() => lock.assertHeld()).toThrow(/was removed/);
    lock.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it("throws LockedError naming the new holder once the lock file is replaced by another holder's, and release leaves that one alone", () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const lock = FileLock.acquire(path);
    rmSync(lockPath(path));
    const other = JSON.stringify({ pid: process.ppid, host: hostname(), since: new Date().toISOString() });
    writeFileSync(lockPath(path), other);
    let thrown: unknown;
    try {
      lock.assertHeld();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LockedError);
    expect((thrown as LockedError).holder?.pid).toBe(process.ppid);
    lock.release();
    expect(readFileSync(lockPath(path), 'utf8')).toBe(other);
    rmSync(dir, { recursive: true, force: true });
  });

  it('throws when the lock file is replaced by a copy of its own content: the file, not its text, is the lock', () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const lock = FileLock.acquire(path);
    const text = readFileSync(lockPath(path), 'utf8');
    rmSync(lockPath(path));
    writeFileSync(lockPath(path), text);
    expect(() => lock.assertHeld()).toThrow(LockedError);
    lock.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('throws LockedError after release', () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const lock = FileLock.acquire(path);
    lock.release();
    expect(() => lock.assertHeld()).toThrow(/was released/);
    rmSync(dir, { recursive: true, force: true });
  });
});
