// The Node entry point, 'stratadb/node': everything in 'stratadb' (the value
// API), plus opening a database file by path, file storage and its locks, and
// openFile for the engine on a file.

import { FileStorage, type FileStorageOptions } from './storage/file-storage.js';
import { openEngine } from './open.js';
import type { Engine, EngineOptions } from './history/engine.js';
import { openOn, storageFor, type Database, type OpenOptions } from './api/database.js';
import { backupTo, type BackupResult } from './history/backup.js';
import type { Storage } from './storage/storage.js';
import { requireOptions } from './base/arguments.js';
import { fileChangeSource } from './api/watch-file.js';
import { fileCompactor, replacedFileFollower, type ReopenOptions } from './compact/compact-file.js';
import { removeLeftoverSiblings } from './compact/swap-file.js';

export * from './index.js';
export { FileStorage, type FileStorageOptions, type FileStorageStats } from './storage/file-storage.js';
export { dataDir } from './api/data-dir.js';

/**
 * Copies a database's latest committed state into a new file at `path`,
 * consistently, while the database stays in use (see `Database.backup`). The
 * file must not exist yet.
 *
 * @throws InvalidArgumentError when `path` already holds data
 */
export function backup(db: Database | Engine, path: string): BackupResult {
  const engine = 'engine' in db ? db.engine : db;
  const target = FileStorage.open(path);
  try {
    return backupTo(engine, target);
  } finally {
    target.close();
  }
}
export { FileLock, readLockHolder, breakStaleLock, isStale, lockPath } from './storage/file-lock.js';

/**
 * Opens a database, as `open` from `stratadb` does, and also a file by path:
 * - `open('data.xit')`: the file, created when missing; a read-write open cuts
 *   away an interrupted transaction, a read-only one never writes; a read-only
 *   handle watches the file while it has listeners (`db.subscribe`,
 *   `db.watch`), so they hear of other processes' commits;
 * - `open()`, `open(bytes)`, `open(storage)`: as in the browser-safe entry.
 *
 * Opening is O(1) in the size of the database. Close it to release the file.
 *
 * @example
 * ```ts
 * import { open, dataDir } from 'stratadb/node';
 * const db = await open(join(dataDir('my-app'), 'data.xit'));
 * db.set(['settings', 'theme'], 'dark');
 * db.close();
 * ```
 */
export async function open<S = any>(source?: string | Uint8Array | ArrayBuffer | SharedArrayBuffer | Storage, options: OpenOptions & Omit<FileStorageOptions, 'readOnly'> = {}): Promise<Database<S>> {
  requireOptions(options, 'open');
  if (typeof source !== 'string') return openOn<S>(storageFor(source, options), options);
  const storage = FileStorage.open(source, { ...options, readOnly: options.readOnly ?? false });
  try {
    const db = await openOn<S>(storage, options);
    // A reader learns of the writer's commits by watching the file, while it has listeners (db.subscribe, db.watch).
    if (db.readOnly) db.watchWith(fileChangeSource(source));
    // The writer holds the lock: siblings of killed compactions are leftovers.
    else removeLeftoverSiblings(source);
    useFile(db, source, options);
    return db;
  } catch (error) {
    storage.close();
    throw error;
  }
}

/** How a database on the file `path` compacts (compact-file.ts), and how its reader follows a compacted file. */
function useFile(db: Database, path: string, options: OpenOptions & Omit<FileStorageOptions, 'readOnly'>): void {
  const { durability, clock, readOnly: _readOnly, hasher: _hasher, lock: _lock, lockTimeoutMs: _timeout, create: _create, ...storage } = options;
  const reopen: ReopenOptions = { ...(durability !== undefined ? { durability } : {}), ...(clock !== undefined ? { clock } : {}), storage };
  db.useFile(fileCompactor(path, reopen), replacedFileFollower(path, storage));
}

/** Options for {@link openFile}: the engine's and the file storage's. */
export type OpenFileOptions = Omit<EngineOptions, 'knownHashers'> & Omit<FileStorageOptions, 'readOnly'>;

/**
 * Opens (or creates) a database file. A read-write open cuts away an
 * interrupted transaction's bytes; a read-only open never writes.
 *
 * @param path - the file
 * @param options - read-only, durability, hasher, cache and buffer sizes
 * @throws IoError when the file cannot be opened
 *
 * @example
 * ```ts
 * const engine = await openFile('data.xit');
 * engine.transact((root) => root.hashMap().put('visits').writeUint(1));
 * engine.close();
 * ```
 */
export async function openFile(path: string, options: OpenFileOptions = {}): Promise<Engine> {
  requireOptions(options, 'openFile');
  const readOnly = options.readOnly ?? false;
  const storage = FileStorage.open(path, { ...options, readOnly });
  try {
    return await openEngine(storage, options);
  } catch (error) {
    storage.close();
    throw error;
  }
}
