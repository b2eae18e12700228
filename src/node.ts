// The Node entry point: everything in the browser-safe entry, plus file storage
// and opening a database file by path.

import { FileStorage, type FileStorageOptions } from './storage/file-storage.js';
import { openEngine } from './open.js';
import type { Engine, EngineOptions } from './history/engine.js';

export * from './index.js';
export { FileStorage, type FileStorageOptions, type FileStorageStats } from './storage/file-storage.js';

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
  const readOnly = options.readOnly ?? false;
  const storage = FileStorage.open(path, { ...options, readOnly });
  try {
    return await openEngine(storage, options);
  } catch (error) {
    storage.close();
    throw error;
  }
}
