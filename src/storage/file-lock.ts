// The writer lock of a database file (Node): a lock file beside the database,
// created exclusively, recording who holds it. One writer per file across
// processes; a lock whose holder died on this host is stale and is broken
// safely. Readers take no lock.

import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { IoError, LockedError, type LockHolder } from '../errors.js';

/** The lock file for a database path. */
export function lockPath(databasePath: string): string {
  return `${databasePath}.lock`;
}

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
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
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
  if (holder === undefined || !isStale(holder)) return false;
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
  if (moved !== undefined && (moved.pid !== holder.pid || moved.since !== holder.since)) {
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

  private constructor(databasePath: string, holder: LockHolder) {
    this.databasePath = databasePath;
    this.holder = holder;
  }

  /**
   * Takes the writer lock of `databasePath`, breaking a stale one. Waits up to
   * `timeoutMs` (default 0: fail at once) for a live holder to let go.
   *
   * @throws LockedError when another live writer holds it
   * @throws IoError when the lock file cannot be written
   */
  static acquire(databasePath: string, timeoutMs = 0): FileLock {
    const deadline = Date.now() + timeoutMs;
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = fs.openSync(lockPath(databasePath), 'wx');
        try {
          fs.writeSync(fd, JSON.stringify(holder));
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return new FileLock(databasePath, holder);
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

  /** Removes the lock file. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const current = readLockHolder(this.databasePath);
    // Only remove our own lock: after a forced break, another writer may hold a new one.
    if (current !== undefined && (current.pid !== this.holder.pid || current.since !== this.holder.since)) return;
    fs.rmSync(lockPath(this.databasePath), { force: true });
  }
}
