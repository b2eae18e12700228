// One writer per file across worker threads and processes: a lock naming this
// process (its pid and start time) is never judged stale while the process
// lives, whichever thread took it; the second writer gets LockedError.
// The workers and the child import the built dist/src/node.js: run `npm run build` first.

import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { open, readLockHolder, breakStaleLock, isStale, lockPath, FileLock, LockedError } from '../../src/node.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workerScript = join(root, 'test', 'support', 'lock-worker.mjs');
const folder = (): string => mkdtempSync(join(tmpdir(), 'stratadb-lock-threads-'));

interface Reply {
  opened?: boolean;
  closed?: boolean;
  error?: string;
  code?: string;
  message?: string;
}

/** A worker that opens `path` read-write; resolves with its first reply, and gives a way to ask it to close. */
function startWriter(path: string, name: string): { worker: Worker; first: Promise<Reply>; close: () => Promise<void> } {
  const worker = new Worker(workerScript, { workerData: { path, name } });
  const replies: Reply[] = [];
  const waiting: ((reply: Reply) => void)[] = [];
  worker.on('message', (reply: Reply) => {
    const next = waiting.shift();
    if (next !== undefined) next(reply);
    else replies.push(reply);
  });
  const nextReply = (): Promise<Reply> => (replies.length > 0 ? Promise.resolve(replies.shift()!) : new Promise((done) => waiting.push(done)));
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  return {
    worker,
    first: nextReply(),
    close: async () => {
      worker.postMessage('close');
      expect(await nextReply()).toEqual({ closed: true });
      await exited;
    },
  };
}

describe('the writer lock across worker threads', () => {
  it('refuses a worker thread that opens a file the main thread holds, with LockedError', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const db = await open(path);
    db.set(['writer'], 'main');
    const second = startWriter(path, 'worker');
    const reply = await second.first;
    expect(reply).toMatchObject({ opened: false, error: 'LockedError', code: 'LOCKED' });
    await second.close();
    // The main thread's lock is untouched and its writes go on.
    expect(readLockHolder(path)?.pid).toBe(process.pid);
    db.set(['after'], 1);
    db.close();
    const reader = await open(path, { readOnly: true });
    expect([reader.get(['writer']), reader.get(['after'])]).toEqual(['main', 1]);
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second worker and the main thread while a first worker holds the file, and lets the next writer in once it closes', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const first = startWriter(path, 'first');
    expect(await first.first).toEqual({ opened: true });
    const second = startWriter(path, 'second');
    expect(await second.first).toMatchObject({ opened: false, error: 'LockedError', code: 'LOCKED' });
    await second.close();
    await expect(open(path)).rejects.toThrow(LockedError);
    await first.close();
    const db = await open(path);
    expect(db.get(['writer'])).toBe('first');
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a child process that opens a file this process holds', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const db = await open(path);
    db.set(['writer'], 'parent');
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { open } from ${JSON.stringify(join(root, 'dist/src/node.js'))};
         try { await open(${JSON.stringify(path)}); process.stdout.write('opened'); }
         catch (error) { process.stdout.write(error.code); }`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.stdout).toBe('LOCKED');
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

/** Field 22 of /proc/PID/stat: a process's start time in clock ticks since boot. */
function startTimeOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}
const bootId = (): string => readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();

describe('isStale', () => {
  const since = new Date().toISOString();

  it('records the start time and boot of the holder in the lock file', () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const lock = FileLock.acquire(path);
    expect(readLockHolder(path)).toEqual({ pid: process.pid, host: hostname(), since: lock.holder.since, startTime: startTimeOf(process.pid), bootId: bootId() });
    lock.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never judges stale a lock naming this process by pid and start time, held or not, and so open refuses it', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const ours = { pid: process.pid, host: hostname(), since: '2020-01-01T00:00:00.000Z', startTime: startTimeOf(process.pid), bootId: bootId() };
    expect(isStale(ours)).toBe(false);
    writeFileSync(lockPath(path), JSON.stringify(ours));
    await expect(open(path)).rejects.toThrow(LockedError);
    expect(breakStaleLock(path)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('judges stale a lock naming this pid with another start time (an earlier process had the pid), or another boot', () => {
    const ours = { pid: process.pid, host: hostname(), since, startTime: startTimeOf(process.pid), bootId: bootId() };
    expect(isStale({ ...ours, startTime: ours.startTime - 1 })).toBe(true);
    expect(isStale({ ...ours, bootId: '00000000-0000-0000-0000-000000000000' })).toBe(true);
  });

  it('judges stale a live pid whose start time differs from the recorded one (the pid was handed out again), and not the true one', () => {
    const parent = { pid: process.ppid, host: hostname(), since, startTime: startTimeOf(process.ppid), bootId: bootId() };
    expect(isStale(parent)).toBe(false);
    expect(isStale({ ...parent, startTime: parent.startTime + 1 })).toBe(true);
  });

  it('never breaks a lock naming this pid whose holder could not record its start time', () => {
    expect(isStale({ pid: process.pid, host: hostname(), since: '2020-01-01T00:00:00.000Z', startTime: null, bootId: null })).toBe(false);
  });

  it('probes no impossible pid: -1, 0, 1.5 or 2^40 are never stale and never reach process.kill', () => {
    const kill = vi.spyOn(process, 'kill');
    try {
      for (const pid of [-1, 0, 1.5, 2 ** 40, Number.NaN]) expect(isStale({ pid, host: hostname(), since })).toBe(false);
      expect(kill).not.toHaveBeenCalled();
    } finally {
      kill.mockRestore();
    }
  });
});
