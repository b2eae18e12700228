// Compacting a database file in the writer's own thread (Node only): the
// kept moments are copied into a sibling file, then, with no commit able to
// interleave (this runs synchronously on the writer's thread), the commits
// made meanwhile (none, here; the background mode has some, see
// auto-compact.ts), then the sibling is synced and renamed over the file, and
// the writer goes on with an engine on the new file. The writer lock moves
// from the old storage to the new one: it is a lock file beside the path,
// which the rename leaves alone.

import { Engine, type Durability } from '../history/engine.js';
import { IoError } from '../errors.js';
import { FileStorage, type FileStorageOptions } from '../storage/file-storage.js';
import type { Storage } from '../storage/storage.js';
import { startCopy, type CopyOptions } from './copy-step.js';
import { abandonSibling, nodeSwapFileSystem, publishSibling, removeLeftoverSiblings, siblingPath, type SwapFileSystem } from './swap-file.js';

/** How the engine on the new file is opened: as the old one was. @internal */
export interface ReopenOptions {
  readonly durability?: Durability;
  readonly clock?: () => number;
  /** The file storage options the database was opened with (cache sizes...). */
  readonly storage?: Omit<FileStorageOptions, 'readOnly' | 'lock' | 'create'>;
}

/**
 * Compacts the database file `path`, which `engine` (its writer) has open:
 * copies moments `indices` into a sibling, swaps it in, and returns the
 * engine on the new file. The old engine stays open for the snapshots taken
 * from it (its descriptor still reads the old file) and no longer holds the
 * writer lock: close it when the database closes. On a failure before the
 * rename, nothing changed and the old engine is still the writer.
 *
 * @param active - siblings of compactions running in this process (left alone by the cleanup)
 * @throws IoError when the file on disk is new but cannot be reopened: the old engine is closed then
 * @internal
 */
export function compactFileNow(engine: Engine, path: string, indices: readonly number[], copy: CopyOptions, reopen: ReopenOptions = {}, fileSystem: SwapFileSystem = nodeSwapFileSystem, active?: ReadonlySet<string>): { engine: Engine; moments: number } {
  removeLeftoverSiblings(path, active);
  const moments = writeAndPublish(engine, path, indices, copy, fileSystem);
  return { engine: reopenWriter(engine, path, reopen), moments };
}

/**
 * The swap without the reopen: copies moments `indices` of `engine`, then
 * every later one (the catch-up), into a new sibling of `path`, syncs it and
 * renames it over `path`, then syncs the folder. On a failure before the
 * rename the sibling is removed and `path` is untouched. The crash tests run
 * exactly this on a simulated disk.
 *
 * @returns the moments the new file holds
 * @internal
 */
export function writeAndPublish(engine: Engine, path: string, indices: readonly number[], copy: CopyOptions, fileSystem: SwapFileSystem): number {
  const sibling = siblingPath(path);
  const target = fileSystem.create(sibling);
  let moments: number;
  try {
    const job = startCopy(engine, target, copy);
    job.copyMoments(indices);
    // The catch-up: commits since the copy started. In this thread none can be
    // made during the copy, but the protocol is the same as in the background.
    const last = indices.length === 0 ? -1 : (indices[indices.length - 1] as number);
    if (engine.momentCount - 1 > last) job.copyMoments(range(last + 1, engine.momentCount));
    moments = job.finish().moments;
  } catch (error) {
    abandonSibling(fileSystem, target, sibling);
    throw error;
  }
  publishSibling(fileSystem, target, sibling, path);
  return moments;
}

/** The numbers from `from` up to `to`, excluded. @internal */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

/**
 * Opens the writer's engine on the new file at `path` and moves the writer
 * lock to it. When that fails, the file on disk is the compacted one while
 * the old engine would go on writing the unlinked old file: the old engine is
 * closed (releasing the lock) and the error says to reopen.
 *
 * @internal
 */
export function reopenWriter(old: Engine, path: string, options: ReopenOptions): Engine {
  let storage: FileStorage | undefined;
  try {
    storage = FileStorage.open(path, { ...options.storage, lock: false, create: false });
    const engine = Engine.open(storage, {
      hasher: old.hasher,
      ...(options.durability !== undefined ? { durability: options.durability } : { durability: old.durability }),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
    });
    moveLock(old.storage, storage);
    return engine;
  } catch (error) {
    storage?.close();
    try {
      old.close();
    } catch {
      // Closing is best effort here; the error below is what matters.
    }
    throw new IoError(`${path} was compacted, but reopening it failed, so this handle is closed: open the database again`, error);
  }
}

/**
 * The compactor of a database file at `path` (what `Database.compact` runs
 * for a file opened through stratadb/node or the CLI).
 *
 * @internal
 */
export function fileCompactor(path: string, reopen: ReopenOptions = {}): (engine: Engine, indices: readonly number[], copy: CopyOptions) => { engine: Engine; moments: number } {
  return (engine, indices, copy) => compactFileNow(engine, path, indices, copy, reopen);
}

/**
 * For a reader of the file at `path`: when the path names another file than
 * the one `engine` has open (a compaction replaced it), a read-only engine
 * on the new file; otherwise undefined.
 *
 * @internal
 */
export function replacedFileFollower(path: string, storage: ReopenOptions['storage'] = {}): (engine: Engine) => Engine | undefined {
  return (engine) => {
    const current = engine.storage;
    if (!(current instanceof FileStorage) || !current.readOnly || !current.replaced()) return undefined;
    const next = FileStorage.open(path, { ...storage, readOnly: true });
    try {
      return Engine.open(next, { hasher: engine.hasher, readOnly: true });
    } catch (error) {
      next.close();
      throw error;
    }
  };
}

/** Hands the writer lock from the old file storage to the new one (the lock file is beside the path, not the inode). */
function moveLock(from: Storage, to: FileStorage): void {
  if (!(from instanceof FileStorage)) return;
  to.lock = from.lock;
  from.lock = undefined;
}
