// The file steps of an online compaction (Node only): the compacted copy is
// written into a sibling of the database file, in the same folder so that the
// rename is atomic, synced, renamed over the database, and the folder synced.
// A crash before the rename leaves the old file whole under its name (the
// sibling is garbage, removed by the next compaction or read-write open); a
// crash after it leaves the new one, synced before it got the name. The steps
// go through a SwapFileSystem so that the crash tests can run the same
// protocol on a simulated disk that loses power at any step.

import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { threadId } from 'node:worker_threads';
import { IoError } from '../errors.js';
import { FileStorage } from '../storage/file-storage.js';
import { syncDirectory } from '../storage/file-io.js';
import type { Storage } from '../storage/storage.js';

/** What a sibling's name holds between the database's name and its own tag. */
const SIBLING_MARK = '.compacting-';
/** What every sibling's name ends with: a database is never opened under such a name by stratadb. */
const SIBLING_END = '.tmp';

let siblingCount = 0;

/**
 * A fresh sibling path for a compaction of `databasePath`:
 * `NAME.compacting-PID-THREAD-N.tmp` in the same folder.
 *
 * @internal
 */
export function siblingPath(databasePath: string): string {
  return `${databasePath}${SIBLING_MARK}${process.pid}-${threadId}-${siblingCount++}${SIBLING_END}`;
}

/** True when `name` (a file name in the database's folder) is a compaction sibling of the database named `base`. */
export function isSiblingName(base: string, name: string): boolean {
  return name.startsWith(`${base}${SIBLING_MARK}`) && name.endsWith(SIBLING_END);
}

/**
 * Removes the siblings that killed compactions of `databasePath` left
 * behind, except those in `active` (a compaction running in this process).
 * Call it only while holding the database's writer lock: only the writer
 * compacts, so every other sibling is a leftover. Never fails: a sibling that
 * cannot be removed is left for the next time.
 *
 * @returns the paths removed
 * @internal
 */
export function removeLeftoverSiblings(databasePath: string, active: ReadonlySet<string> = new Set()): string[] {
  const folder = nodePath.dirname(nodePath.resolve(databasePath));
  const base = nodePath.basename(databasePath);
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isSiblingName(base, name)) continue;
    const full = nodePath.join(folder, name);
    if (active.has(nodePath.resolve(full))) continue;
    try {
      fs.unlinkSync(full);
      removed.push(full);
    } catch {
      // Gone already, or not ours to remove: the next compaction tries again.
    }
  }
  return removed;
}

/**
 * The file-system steps of the swap, so that a crash test can run the same
 * protocol on a simulated disk.
 *
 * @internal
 */
export interface SwapFileSystem {
  /** Creates `path` empty and opens it for writing, without a lock. */
  create(path: string): Storage;
  /** Renames `from` over `to` (atomic: `to` names the old file or the new one). */
  rename(from: string, to: string): void;
  /** Makes the folder of `path` durable: the last rename in it survives a power loss. */
  syncDirectory(path: string): void;
  /** Removes `path`, quietly when it is gone. */
  remove(path: string): void;
}

/** The real file system. @internal */
export const nodeSwapFileSystem: SwapFileSystem = {
  create(path) {
    // Exclusive: a sibling name is never reused, so finding one means a bug or a hostile folder.
    try {
      fs.closeSync(fs.openSync(path, 'wx'));
    } catch (error) {
      throw new IoError(`cannot create the compaction file ${path}: ${(error as Error).message}`, error);
    }
    return FileStorage.open(path, { lock: false, create: false, preallocationSize: 0 });
  },
  rename(from, to) {
    try {
      fs.renameSync(from, to);
    } catch (error) {
      throw new IoError(`cannot rename the compacted file ${from} over ${to}: ${(error as Error).message}`, error);
    }
  },
  syncDirectory(path) {
    syncDirectory(path);
  },
  remove(path) {
    try {
      fs.unlinkSync(path);
    } catch {
      // Already gone.
    }
  },
};

/**
 * The end of a swap: `target` (the sibling, holding the complete compacted
 * database) is synced and closed, renamed over `databasePath`, and the folder
 * synced. Before the rename a failure removes the sibling and leaves the
 * database as it was; the caller then goes on with the old file.
 *
 * @returns once `databasePath` names the new file
 * @internal
 */
export function publishSibling(fileSystem: SwapFileSystem, target: Storage, sibling: string, databasePath: string): void {
  try {
    target.sync();
    target.close();
    fileSystem.rename(sibling, databasePath);
  } catch (error) {
    abandonSibling(fileSystem, target, sibling);
    throw error;
  }
  // After the rename the new file is the database whatever happens next: a
  // power loss before this sync may bring the old name back, and the old file
  // is complete too.
  fileSystem.syncDirectory(databasePath);
}

/**
 * Closes and removes a sibling whose compaction failed or was cancelled.
 *
 * @internal
 */
export function abandonSibling(fileSystem: SwapFileSystem, target: Storage, sibling: string): void {
  try {
    target.close();
  } catch {
    // Closed already.
  }
  fileSystem.remove(sibling);
}
