// The writer lock of a database file (Node): a lock file beside the database,
// created exclusively, recording who holds it. One writer per file across
// processes; a lock whose holder died on this host is stale and is broken
// safely. Readers take no lock.

import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, IoError, LockedError, type LockHolder } from '../errors.js';

/** The lock file for a database path. */
export function lockPath(databasePath: string): string {
  return `${canonicalPath(databasePath)}.lock`;
}

/**
 * The database file's own path, symlinks resolved, so that every name that
 * reaches the file through a symlink finds the same lock. (Two hard links to
 * one file still have two names, and two locks: open a database through one.)
 */
function canonicalPath(databasePath: string): string {
  try {
    return fs.realpathSync(databasePath);
  } catch {
    // Not created yet: its folder resolved, its name as given.
    try {
      return path.join(fs.realpathSync(path.dirname(databasePath)), path.basename(databasePath));
    } catch {
      return databasePath;
    }
  }
}

/** Lock files this process holds right now: a lock naming this process's pid that is not here was left by an earlier process with the same pid. */
const heldByThisProcess = new Set<string>();

/** Reads the holder recorded in a lock file; undefined when there is no lock or it cannot be parsed. */
export function readLockHolder(databasePath: string): LockHolder | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath(databasePath), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'string') {
      return { pid: parsed.pid, host: parsed.host, since: parsed.since };
    }
  } catch {
    // A lock file being written right now, or damaged: no holder to report.
  }
  return undefined;
}

/** True when the holder runs on this host and its process is gone. A holder elsewhere is never stale to us. */
export function isStale(holder: LockHolder, databasePath?: string): boolean {
  if (holder.host !== hostname()) return false;
  // Our own pid: ours if we hold it, else left by a process that had our pid before (a container restart).
  if (holder.pid === process.pid) return databasePath !== undefined && !heldByThisProcess.has(lockPath(databasePath));
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A lock file that names no holder is being written by a new writer, for a moment; one that stays so this long was left by a writer that died writing it. */
const TORN_LOCK_AGE_MS = 10_000;

/** True when the lock file holds no readable holder and has not changed for {@link TORN_LOCK_AGE_MS}. */
export function isTornAndOld(databasePath: string): boolean {
  try {
    return Date.now() - fs.statSync(lockPath(databasePath)).mtimeMs > TORN_LOCK_AGE_MS;
  } catch {
    return false;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Breaks the lock of `databasePath` if its holder is dead on this host. Safe
 * against other processes doing the same: the stale file is renamed away
 * (atomic) and checked; a live lock renamed by mistake is put back.
 *
 * @returns true when a stale lock was removed
 */
export function breakStaleLock(databasePath: string): boolean {
  const holder = readLockHolder(databasePath);
  if (holder === undefined ? !isTornAndOld(databasePath) : !isStale(holder, databasePath)) return false;
  const aside = `${lockPath(databasePath)}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lockPath(databasePath), aside);
  } catch {
    return false; // someone else broke it first
  }
  let moved: LockHolder | undefined;
  try {
    moved = JSON.parse(fs.readFileSync(aside, 'utf8')) as LockHolder;
  } catch {
    moved = undefined;
  }
  if (moved !== undefined && (holder === undefined || moved.pid !== holder.pid || moved.since !== holder.since)) {
    // Between our read and the rename, the stale lock was broken and a live writer
    // took a new one: put it back unless yet another lock appeared.
    try {
      fs.linkSync(aside, lockPath(databasePath));
    } catch {
      // A newer lock exists; the one we moved is superseded either way.
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return true;
}

/** A held writer lock. Release it once; closing the database does. */
export class FileLock {
  /** The database file the lock protects. */
  readonly databasePath: string;
  /** What the lock file records. */
  readonly holder: LockHolder;
  private released = false;
  /** The lock file, kept open so that {@link isHeld} can tell whether it still has a name. */
  private readonly fd: number;

  /** The lock file's modification time and size once written: a rewrite in place changes them. */
  private readonly written: { readonly mtimeMs: number; readonly size: number };

  private constructor(databasePath: string, holder: LockHolder, fd: number) {
    this.databasePath = databasePath;
    this.holder = holder;
    this.fd = fd;
    const stat = fs.fstatSync(fd);
    this.written = { mtimeMs: stat.mtimeMs, size: stat.size };
  }

  /**
   * Takes the writer lock of `databasePath`, breaking a stale one. Waits up to
   * `timeoutMs` (default 0: fail at once) for a live holder to let go.
   *
   * @throws LockedError when another live writer holds it
   * @throws IoError when the lock file cannot be written
   */
  static acquire(databasePath: string, timeoutMs = 0): FileLock {
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new InvalidArgumentError(`lockTimeoutMs must be a number of milliseconds, 0 or more (Infinity waits for ever), got ${typeof timeoutMs === 'number' ? timeoutMs : typeof timeoutMs}`);
    }
    const deadline = Date.now() + timeoutMs;
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; ; attempt++) {
      try {
        const file = lockPath(databasePath);
        const fd = fs.openSync(file, 'wx');
        try {
          fs.writeSync(fd, JSON.stringify(holder));
          fs.fsyncSync(fd);
        } catch (error) {
          fs.closeSync(fd);
          throw error;
        }
        heldByThisProcess.add(file);
        return new FileLock(databasePath, holder, fd);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new IoError(`cannot create the lock file ${lockPath(databasePath)}`, error);
      }
      if (breakStaleLock(databasePath)) continue;
      if (Date.now() >= deadline) {
        const current = readLockHolder(databasePath);
        const who = current === undefined ? 'another writer' : `process ${current.pid} on ${current.host} since ${current.since}`;
        throw new LockedError(`${databasePath} is open for writing by ${who}; open it read-only, or wait with lockTimeoutMs`, current);
      }
      sleep(Math.min(50, 5 * (attempt + 1), Math.max(1, deadline - Date.now())));
    }
  }

  /**
   * True while the lock file this lock created still has a name and its
   * content; false once it was removed, replaced (an `rm`, or a rename over it,
   * unlinks it) or rewritten in place. One
   * fstat of the lock file, which the lock keeps open: a few microseconds, run
   * before every commit. (A lock file moved aside keeps its name elsewhere; the
   * second writer that then gets in is caught by the header check of
   * FileStorage.confirmWriter at its first commit.)
   */
  isHeld(): boolean {
    if (this.released) return false;
    try {
      const stat = fs.fstatSync(this.fd);
      // A rewrite in place (an editor, `echo > FILE.lock`) keeps the name but not the content or its time.
      return stat.nlink > 0 && stat.mtimeMs === this.written.mtimeMs && stat.size === this.written.size;
    } catch {
      return false;
    }
  }

  /** Removes the lock file. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Closed already; the lock file is what matters.
    }
    heldByThisProcess.delete(lockPath(this.databasePath));
    const current = readLockHolder(this.databasePath);
    // Only remove our own lock: after a forced break, another writer may hold a new one.
    if (current !== undefined && (current.pid !== this.holder.pid || current.since !== this.holder.since)) return;
    fs.rmSync(lockPath(this.databasePath), { force: true });
  }
}
