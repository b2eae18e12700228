// Operational numbers about a database: sizes, moments, and (on demand) how
// many bytes the latest moment can reach, so users can see what history costs.

import type { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import { walkRecords } from './records.js';
import type { Engine } from './engine.js';
import { requireOptions } from '../base/arguments.js';

/** Sizes and counts of a database. */
export interface DatabaseStats {
  /**
   * Bytes in the storage now. Past the committed size lie an unfinished or
   * abandoned transaction, and, for a reader of a file that another process
   * writes, the zeros that writer reserved ahead of its appends (preallocation).
   */
  readonly fileSize: number;
  /** Bytes that belong to committed moments. */
  readonly committedSize: number;
  /** Moments in the history. */
  readonly moments: number;
  /**
   * Bytes of distinct records the latest moment reaches (its values, keys,
   * blocks and headers), when asked for with `reachable: true`; the rest of the
   * committed size is history and garbage. O(size of the latest moment).
   */
  readonly reachableBytes?: number;
}

/**
 * The database's numbers. O(1) unless `reachable` is set.
 *
 * @param engine - an open database
 * @param options - `reachable: true` also walks the latest moment
 */
export function databaseStats(engine: Engine, options: { reachable?: boolean } = {}): DatabaseStats {
  requireOptions(options, 'stats');
  const base = {
    fileSize: engine.storage.size(),
    committedSize: engine.committedSize,
    moments: engine.hasHistory ? engine.momentCount : 0,
  };
  if (options.reachable !== true) return base;
  const root = engine.hasHistory ? (engine.momentCount > 0 ? engine.moment(-1).slot : undefined) : engine.rootMap().slot;
  return { ...base, reachableBytes: root === undefined ? 0 : reachableBytes(engine.io, root) };
}

/**
 * Sums the sizes of the distinct records reachable from `root`. Each record
 * counts once however many slots point at it (clones, undo, self-concatenated
 * lists): the walk offers each once, which also bounds it on damaged data.
 */
export function reachableBytes(io: BlockIO, root: Slot): number {
  let total = 0;
  walkRecords(io, root, (_position, size) => {
    total += size;
    return true;
  });
  return total;
}
