// The Node entry point, 'stratadb/node': everything in 'stratadb' (the value
// API), plus opening a database file by path, file storage and its locks, and
// openFile for the engine on a file.

import { FILE_STORAGE_OPTION_NAMES, FileStorage, type FileStorageOptions } from './storage/file-storage.js';
import { openEngine } from './open.js';
import { Engine, type EngineOptions } from './history/engine.js';
import { ENGINE_OPTION_NAMES } from './history/engine-options.js';
import { Database, OPEN_OPTION_NAMES, openOn, storageFor, type OpenOptions } from './api/database.js';
import { backupTo, type BackupResult } from './history/backup.js';
import type { Storage } from './storage/storage.js';
import { describe, requireKnownOptions, requireOptions, requireText } from './base/arguments.js';
import { fileChangeSource } from './api/watch-file.js';
import { fileCompactor, replacedFileFollower, type ReopenOptions } from './compact/compact-file.js';
import { removeLeftoverSiblings } from './compact/swap-file.js';
import { AutoCompactor, type AutoCompactWhen } from './compact/auto-compact.js';
import { compactionPlan, type KeepPolicy } from './api/compact.js';
import type { AnyPath, StorableSchema } from './api/types.js';
import { InvalidArgumentError } from './errors.js';

export type { AutoCompactWhen } from './compact/auto-compact.js';

/** The automatic compaction of a database file (see the README's Compaction section). */
export interface AutoCompactOptions {
  /** When to start: once every given threshold is passed (at least one). */
  when: AutoCompactWhen;
  /** Which moments to keep (default `'latest'`); a function runs on the writer's thread. */
  keep?: KeepPolicy;
  /** Paths removed from every kept moment. */
  drop?: readonly AnyPath[];
  /** Told of a failed background compaction (the database goes on with its file). Default: a process warning. */
  onError?: (error: unknown) => void;
  /** How often the thresholds are checked, in ms (default 1000). */
  checkIntervalMs?: number;
}

/** The name of every {@link AutoCompactOptions} option (a Record, so that a new option must be named here). */
const AUTO_COMPACT_OPTION_NAMES: readonly string[] = Object.keys({ when: true, keep: true, drop: true, onError: true, checkIntervalMs: true } satisfies Record<keyof AutoCompactOptions, true>);

/** The name of every {@link AutoCompactWhen} threshold. */
const AUTO_COMPACT_WHEN_NAMES: readonly string[] = Object.keys({ fileSizeOver: true, growthRatio: true } satisfies Record<keyof AutoCompactWhen, true>);

/** Every option `open` from stratadb/node takes: the value API's, the file storage's, and autoCompact. */
const NODE_OPEN_OPTION_NAMES: readonly string[] = [...new Set([...OPEN_OPTION_NAMES, ...FILE_STORAGE_OPTION_NAMES, 'autoCompact'])];

/** Options of `open` from stratadb/node: the value API's, the file storage's, and the automatic compaction. */
export type NodeOpenOptions = OpenOptions & Omit<FileStorageOptions, 'readOnly'> & {
  /** Compact the file in a worker thread once it grows past a threshold (writers only). */
  autoCompact?: AutoCompactOptions;
};

export * from './index.js';
export { FileStorage, type FileStorageOptions, type FileStorageStats } from './storage/file-storage.js';
export { dataDir } from './api/data-dir.js';

/**
 * Copies a database's latest committed state into a new file at `path`,
 * consistently, while the database stays in use (see `Database.backup`). The
 * file must not exist yet.
 *
 * @throws InvalidArgumentError when `db` is no Database or Engine, `path` no string, or `path` already holds data
 */
export function backup(db: Database | Engine, path: string): BackupResult {
  // Checked before the target file is created.
  if (!(db instanceof Database) && !(db instanceof Engine)) throw new InvalidArgumentError(`backup copies a Database or an Engine, got ${describe(db)}`);
  requireText(path, 'the backup path');
  const engine = db instanceof Database ? db.engine : db;
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
export async function open<S extends StorableSchema<S> = any>(source?: string | Uint8Array | ArrayBuffer | SharedArrayBuffer | Storage, options: NodeOpenOptions = {}): Promise<Database<S>> {
  requireOptions(options, 'open');
  // A misspelt option must not fall back to its default: `{ readonly: true }` would open the file for writing.
  requireKnownOptions(options, NODE_OPEN_OPTION_NAMES, 'open');
  if (options.autoCompact !== undefined) checkAutoCompact(options.autoCompact, typeof source === 'string' && options.readOnly !== true);
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

/** How a database on the file `path` compacts (compact-file.ts), follows a compacted file, and compacts in the background. */
function useFile(db: Database, path: string, options: NodeOpenOptions): void {
  const { durability, clock, autoCompact, readOnly: _readOnly, hasher: _hasher, lock: _lock, lockTimeoutMs: _timeout, create: _create, ...storage } = options;
  const reopen: ReopenOptions = { ...(durability !== undefined ? { durability } : {}), ...(clock !== undefined ? { clock } : {}), storage };
  let auto: AutoCompactor | undefined;
  if (autoCompact !== undefined && !db.readOnly) {
    const onError = autoCompact.onError ?? ((error: unknown) => process.emitWarning(error instanceof Error ? error : String(error)));
    const plan = { keep: autoCompact.keep ?? 'latest', drop: autoCompact.drop ?? [] };
    auto = new AutoCompactor(path, { engine: () => db.engine, plan: (engine) => compactionPlan(engine, plan, false), replace: (engine) => db.replaceEngine(engine), report: onError }, autoCompact.when, reopen, autoCompact.checkIntervalMs ?? 1000);
    autoCompactors.set(db, auto);
  }
  db.useFile(fileCompactor(path, reopen), replacedFileFollower(path, storage), () => auto?.close());
}

/** What {@link autoCompaction} tells. */
export interface AutoCompactionStatus {
  /** Background compactions completed since the database opened. */
  readonly completed: number;
}

/** The background compaction of each database that has one. */
const autoCompactors = new WeakMap<Database, AutoCompactor>();

/**
 * For a database opened with `autoCompact`: resolves once no background
 * compaction runs, with how many have completed so far. For tests and
 * orderly shutdowns; undefined for a database without one.
 */
export async function autoCompaction(db: Database): Promise<AutoCompactionStatus | undefined> {
  const auto = autoCompactors.get(db);
  if (auto === undefined) return undefined;
  auto.check();
  await auto.settled();
  return { completed: auto.completed };
}

/** @throws InvalidArgumentError for autoCompact options of the wrong shape, or on a handle that cannot compact */
function checkAutoCompact(options: AutoCompactOptions, writerFile: boolean): void {
  if (!writerFile) throw new InvalidArgumentError('autoCompact needs a database file opened for writing');
  if (typeof options !== 'object' || options === null || typeof options.when !== 'object' || options.when === null) throw new InvalidArgumentError('autoCompact takes { when: { fileSizeOver, growthRatio }, keep }');
  // A misspelt keep must not fall back to 'latest', which drops every other moment at the first compaction.
  requireKnownOptions(options, AUTO_COMPACT_OPTION_NAMES, 'autoCompact');
  requireKnownOptions(options.when, AUTO_COMPACT_WHEN_NAMES, 'autoCompact.when');
  const { fileSizeOver, growthRatio } = options.when;
  if (fileSizeOver === undefined && growthRatio === undefined) throw new InvalidArgumentError('autoCompact.when needs fileSizeOver or growthRatio');
  if (fileSizeOver !== undefined && !(typeof fileSizeOver === 'number' && fileSizeOver >= 0)) throw new InvalidArgumentError(`autoCompact.when.fileSizeOver is a number of bytes, got ${String(fileSizeOver)}`);
  if (growthRatio !== undefined && !(typeof growthRatio === 'number' && growthRatio > 1)) throw new InvalidArgumentError(`autoCompact.when.growthRatio is a number above 1, got ${String(growthRatio)}`);
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new InvalidArgumentError('autoCompact.onError is a function');
}

/** Every option {@link openFile} takes: the engine's (but the known hashers) and the file storage's. */
const OPEN_FILE_OPTION_NAMES: readonly string[] = [...new Set([...ENGINE_OPTION_NAMES.filter((name) => name !== 'knownHashers'), ...FILE_STORAGE_OPTION_NAMES])];

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
  // A misspelt option must not fall back to its default (`{ readonly: true }` would open for writing).
  requireKnownOptions(options, OPEN_FILE_OPTION_NAMES, 'openFile');
  const readOnly = options.readOnly ?? false;
  const storage = FileStorage.open(path, { ...options, readOnly });
  try {
    // The engine's options alone: openEngine refuses the file storage's.
    const { hasher, durability, history, clock } = options;
    return await openEngine(storage, { readOnly, ...(hasher !== undefined ? { hasher } : {}), ...(durability !== undefined ? { durability } : {}), ...(history !== undefined ? { history } : {}), ...(clock !== undefined ? { clock } : {}) });
  } catch (error) {
    storage.close();
    throw error;
  }
}
