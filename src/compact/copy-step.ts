// The one place the online compaction calls the copier: a copy job that
// copies the kept moments of a source engine into an empty target storage,
// in two calls or more (the moments up to a commit, then the commits made
// meanwhile), and finishes the target. Everything online (the file swap, the
// worker, the memory swap) goes through here, so that the copier behind it
// can change without them.
//
// STAND-IN until the copier lands (src/compact/index.ts, branch compact-core):
// it copies the whole committed prefix with backupTo at finish(), keeping every
// moment whatever the indices say.

import type { Engine } from '../history/engine.js';
import type { Storage } from '../storage/storage.js';
import type { ProgressCallback } from '../history/progress.js';
import { backupTo } from '../history/backup.js';

/** What the copier is told beside the moments: paths to remove from every kept moment, progress. @internal */
export interface CopyOptions {
  /** Cursor-level paths (see the copier's `drop`) removed from every kept moment. */
  readonly drop?: readonly unknown[];
  /** Called as blocks are copied: bytes of the source read so far, and in all. */
  readonly onProgress?: ProgressCallback;
}

/** A compaction copy in progress. @internal */
export interface CopyJob {
  /** Copies moments `indices` (ascending, each above the last one copied), sharing every block already copied. */
  copyMoments(indices: readonly number[]): void;
  /** Writes the target's history (unsynced) and returns how many moments it holds. */
  finish(): { readonly moments: number };
}

/**
 * Starts copying `source` into `target` (empty, writable).
 *
 * @internal
 */
export function startCopy(source: Engine, target: Storage, options: CopyOptions = {}): CopyJob {
  return {
    copyMoments() {
      // The stand-in copies at finish.
    },
    finish() {
      target.truncate(0);
      // As the copier, it leaves the sync to the swap: backupTo's sync becomes a flush.
      const unsynced: Storage = {
        get view() {
          return target.view;
        },
        get bytes() {
          return target.bytes;
        },
        readOnly: false,
        size: () => target.size(),
        locate: (position, length) => target.locate(position, length),
        read: (position, bytes) => target.read(position, bytes),
        write: (position, bytes) => target.write(position, bytes),
        truncate: (size) => target.truncate(size),
        flush: () => target.flush(),
        sync: () => target.flush(),
        close: () => target.close(),
      };
      const result = backupTo(source, unsynced, undefined, options.onProgress);
      return { moments: result.moments };
    },
  };
}
