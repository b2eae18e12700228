// Consistent copies of a database in use (FORMAT.md §Commit and recovery):
// committed bytes never change, so a copy of the committed prefix, with the
// history header that names exactly that prefix, is a complete database even
// while a writer keeps committing.

import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../format/constants.js';
import { CorruptDatabaseError, InvalidArgumentError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { Engine } from './engine.js';
import { requireStorage } from '../base/arguments.js';
import type { ProgressCallback } from './progress.js';

/** What a backup copied. */
export interface BackupResult {
  /** Bytes copied: the committed size of the moment the backup took. */
  readonly bytes: number;
  /** Moments in the copy. */
  readonly moments: number;
}

/**
 * Copies the database's latest committed state into `target`, an empty
 * writable storage: the committed prefix in chunks, then the history header
 * that matches it. Consistent while this engine's own transaction runs and
 * while writers in other processes commit: the copy is of the state this engine
 * last saw (call `refresh()` first to copy the newest). A database without
 * history changes in place, so copy it only while nothing writes. O(committed size).
 *
 * @param chunkSize - bytes copied per read and write (default 1 MiB)
 * @param onProgress - called after each chunk with bytes copied and bytes to copy
 * @throws InvalidArgumentError when the target is not empty
 */
export function backupTo(engine: Engine, target: Storage, chunkSize = 1 << 20, onProgress?: ProgressCallback): BackupResult {
  requireStorage(target, 'the backup target');
  if (target.size() !== 0) throw new InvalidArgumentError('a backup needs an empty target');
  const committed = engine.committedSize;
  // The header this engine read, not the one on storage now: a writer may have committed since.
  const header = engine.historyHeaderBytes();
  if (engine.storage.size() < committed) throw new CorruptDatabaseError('the storage is shorter than its committed size; reopen it');
  const chunk = new Uint8Array(Math.min(chunkSize, Math.max(committed, 1)));
  for (let done = 0; done < committed; done += chunk.length) {
    const piece = chunk.subarray(0, Math.min(chunk.length, committed - done));
    engine.storage.read(done, piece);
    target.write(done, piece);
    onProgress?.(done + piece.length, committed);
  }
  if (header !== undefined && committed >= HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE) target.write(HISTORY_HEADER_POSITION, header);
  target.sync();
  return { bytes: committed, moments: engine.hasHistory ? engine.momentCount : 0 };
}
