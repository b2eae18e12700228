// The one place the online compaction calls the copier (compaction.ts): a
// copy job that copies the kept moments of a source engine into an empty
// target storage, in two calls or more (the moments up to a commit, then the
// commits made meanwhile, sharing every block already copied), and finishes
// the target without syncing it. Everything online (the file swap, the
// worker, the memory swap) goes through here.

import type { Engine } from '../history/engine.js';
import type { Storage } from '../storage/storage.js';
import type { ProgressCallback } from '../history/progress.js';
import { Compaction } from './compaction.js';
import type { DropPath } from './excise.js';

/** What the copier is told beside the moments: paths to remove from every kept moment, progress. @internal */
export interface CopyOptions {
  /** Cursor-level paths removed from every kept moment (see {@link DropPath}). */
  readonly drop?: readonly DropPath[];
  /** Called as blocks are copied: bytes of the source read so far, and in all. */
  readonly onProgress?: ProgressCallback;
}

/** A compaction copy in progress. @internal */
export interface CopyJob {
  /** Copies moments `indices` (ascending, each above the last one copied), sharing every block already copied. */
  copyMoments(indices: readonly number[]): void;
  /** Flushes the target (no sync) and returns how many moments it holds. */
  finish(): { readonly moments: number };
}

/**
 * Starts copying `source` into `target` (empty, writable): writes the new
 * database's headers.
 *
 * @internal
 */
export function startCopy(source: Engine, target: Storage, options: CopyOptions = {}): CopyJob {
  const compaction = new Compaction(source, target, {
    ...(options.drop !== undefined && options.drop.length > 0 ? { drop: options.drop } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  });
  return {
    copyMoments: (indices) => {
      if (indices.length > 0) compaction.copyMoments(indices);
    },
    finish: () => ({ moments: compaction.finish().moments }),
  };
}
