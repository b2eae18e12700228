// The writer lock: one writer per file across processes, a clear LockedError
// for the second, waiting with a timeout, stale locks of dead processes broken
// safely, readers never blocked, and no read-write open truncating a live
// writer's transaction.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, readLockHolder, breakStaleLock, lockPath, LockedError, FileLock, InvalidArgumentError } from '../../src/node.js';
import { deadPid } from '../support/processes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const folder = (): string => mkdtempSync(join(tmpdir(), 'stratadb-lock-'));

describe('the writer lock', () => {
  it('refuses a second writer at once with LockedError naming the holder, and lets readers in', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const writer = await open(path);
    writer.set(['k'], 1);
    const holder = readLockHolder(path)!;
    expect(holder.pid).toBe(process.pid);
    expect(holder.host).toBe(hostname());
    expect(Date.now() - Date.parse(holder.since)).toBeLessThan(60_000);
    await expect(open(path)).rejects.toThrow(LockedError);
    await expect(open(path)).rejects.toThrow(new RegExp(`process ${process.pid} on `));
    const reader = await open(path, { readOnly: true });
    expect(reader.get(['k'])).toBe(1);
    reader.close();
    writer.close();
    expect(existsSync(lockPath(path))).toBe(false);
    const next = await open(path);
    next.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits up to the timeout the caller asked for', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const lock = FileLock.acquire(path);
    const start = Date.now();
    expect(() => FileLock.acquire(path, 150)).toThrow(LockedError);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    lock.release();
    const again = FileLock.acquire(path, 150);
    again.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('breaks the stale lock of a dead process on this host, and never a live one', () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    writeFileSync(lockPath(path), JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }));
    expect(breakStaleLock(path)).toBe(true);
    expect(existsSync(lockPath(path))).toBe(false);
    // A live holder (this process) and a holder on another host are never stale.
    writeFileSync(lockPath(path), JSON.stringify({ pid: process.ppid, host: hostname(), since: new Date().toISOString() }));
    expect(breakStaleLock(path)).toBe(false);
    writeFileSync(lockPath(path), JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', since: new Date().toISOString() }));
    expect(breakStaleLock(path)).toBe(false);
    expect(() => FileLock.acquire(path)).toThrow(/elsewhere\.example/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes over a lock left by a writer that died, on open', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    writeFileSync(lockPath(path), JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }));
    const db = await open(path);
    db.set(['k'], 'after takeover');
    expect(readLockHolder(path)?.pid).toBe(process.pid);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the lock through a symlink to the file, so a second writer by another name is refused', async () => {
    const dir = folder();
    const path = join(dir, 'a.xit');
    const writer = await open(path);
    writer.set(['x'], 1);
    symlinkSync(path, join(dir, 'link.xit'));
    await expect(open(join(dir, 'link.xit'))).rejects.toThrow(LockedError);
    writer.set(['y'], 2);
    writer.close();
    const reader = await open(join(dir, 'link.xit'), { readOnly: true });
    expect([reader.get(['x']), reader.get(['y']), reader.momentCount]).toEqual([1, 2, 2]);
    reader.close();
  });

  it('refuses a lock timeout that is not a number of milliseconds, instead of waiting for ever', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const writer = await open(path);
    for (const lockTimeoutMs of [Number.NaN, '50', -1]) {
      await expect(open(path, { lockTimeoutMs: lockTimeoutMs as number })).rejects.toThrow(InvalidArgumentError);
    }
    writer.close();
  });

  it('takes over a lock naming this process that this process does not hold (an earlier process had its pid)', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    writeFileSync(lockPath(path), JSON.stringify({ pid: process.pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
    const writer = await open(path);
    writer.set(['k'], 1);
    // A lock this process does hold stays ours: a second open in this process is refused.
    await expect(open(path)).rejects.toThrow(LockedError);
    writer.close();
  });

  it('takes over a lock file left empty by a writer that died writing it, once it is old, and not before', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    writeFileSync(lockPath(path), '');
    await expect(open(path)).rejects.toThrow(LockedError);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lockPath(path), old, old);
    const writer = await open(path);
    writer.set(['k'], 1);
    writer.close();
  });

  it('never truncates the uncommitted tail of a live writer in another process', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const seed = await open(path);
    seed.set(['k'], 0);
    seed.close();
    // A child that holds the lock and appends junk past the committed size, like a transaction in progress.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { FileLock } from ${JSON.stringify(join(root, 'dist/src/node.js'))};
         import { appendFileSync } from 'node:fs';
         FileLock.acquire(${JSON.stringify(path)});
         appendFileSync(${JSON.stringify(path)}, Buffer.alloc(4096, 7));
         process.stdout.write('ready\\n');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolveReady) => child.stdout.on('data', (data: Buffer) => data.toString().includes('ready') && resolveReady()));
    const size = statSync(path).size;
    await expect(open(path)).rejects.toThrow(LockedError);
    expect(statSync(path).size).toBe(size);
    const reader = await open(path, { readOnly: true });
    expect(reader.get(['k'])).toBe(0);
    reader.close();
    child.kill('SIGKILL');
    await new Promise((done) => child.once('exit', done));
    // The holder is dead now: the next writer takes over and cuts the junk.
    const next = await open(path);
    expect(statSync(path).size).toBe(next.engine.committedSize);
    next.close();
    expect(readFileSync(path).length).toBeLessThan(size);
    rmSync(dir, { recursive: true, force: true });
  });
});
