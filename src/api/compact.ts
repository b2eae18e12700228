// Database.compact: which moments a keep policy keeps, the paths to excise
// turned into the copier's terms, and the swap of a memory database's
// storage for a new buffer. Browser-safe: a database file is compacted by the
// compactor that stratadb/node gives the database (src/compact/compact-file.ts),
// through the same copy job (src/compact/copy-step.ts).

import { Engine } from '../history/engine.js';
import { InvalidArgumentError, ReadOnlyError, TransactionError } from '../errors.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import type { ProgressCallback } from '../history/progress.js';
import { startCopy, type CopyOptions } from '../compact/copy-step.js';
import { describe, requireOptions, requirePath } from '../base/arguments.js';
import type { AnyPath } from './types.js';

/** What a keep predicate is told of each moment. */
export interface MomentSummary {
  /** The moment's index (0 is the first). */
  readonly index: number;
  /** Its commit time in ms since 1970, or undefined for a commit without a trailer. */
  readonly time: number | undefined;
  /** Its commit metadata, or undefined. */
  readonly meta: unknown;
}

/**
 * Which moments a compaction keeps; the latest moment is always kept:
 * - `'latest'` (default): the latest only;
 * - `{ last: n }`: the last `n`;
 * - `{ since: time }`: those committed at or after `time` (a Date, ms since
 *   1970, or a date string `Date` parses);
 * - `{ thin: true }`: every moment of the last day, the last of each hour
 *   for the week before, the last of each day before that (moments without
 *   a time are kept);
 * - a predicate over `{ index, time, meta }`.
 */
export type KeepPolicy =
  | 'latest'
  | { readonly last: number }
  | { readonly since: Date | number | string }
  | { readonly thin: true }
  | ((moment: MomentSummary) => boolean);

/** Options of {@link Database.compact}. */
export interface CompactOptions {
  /** Which moments to keep (default `'latest'`). */
  keep?: KeepPolicy;
  /**
   * Paths removed from every kept moment (excision: the data really leaves
   * the file). Each is a path as `get` takes it.
   */
  drop?: readonly AnyPath[];
  /** Called as the copy goes: bytes of the old file read so far, and in all. */
  onProgress?: ProgressCallback;
  /** The time `since` and `thin` count from (default `Date.now()`). */
  now?: number;
}

/** What {@link Database.compact} did. */
export interface CompactResult {
  /** Moments before the compaction. */
  readonly momentsBefore: number;
  /** Moments kept. */
  readonly moments: number;
  /** Committed bytes before. */
  readonly sizeBefore: number;
  /** Committed bytes after. */
  readonly sizeAfter: number;
}

/**
 * What compacts a database in place: given the writer's engine, the kept
 * moments and the copy options, it returns the engine to go on with.
 *
 * @internal
 */
export type Compactor = (engine: Engine, indices: readonly number[], copy: CopyOptions) => { engine: Engine; moments: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/**
 * The indices of the moments `keep` keeps, ascending; the latest always.
 *
 * @throws InvalidArgumentError for a policy of no known shape
 */
export function keptMoments(engine: Engine, keep: KeepPolicy = 'latest', now = Date.now()): number[] {
  const count = engine.momentCount;
  if (count === 0) return [];
  const latest = count - 1;
  const all = (test: (index: number) => boolean): number[] => {
    const out: number[] = [];
    for (let i = 0; i < latest; i++) if (test(i)) out.push(i);
    out.push(latest);
    return out;
  };
  if (keep === 'latest') return [latest];
  if (typeof keep === 'function') {
    return all((index) => {
      const info = engine.momentInfo(index);
      return keep({ index, time: info.time, meta: info.meta }) === true;
    });
  }
  if (typeof keep !== 'object' || keep === null) throw new InvalidArgumentError(`keep is 'latest', { last }, { since }, { thin: true } or a function, got ${describe(keep)}`);
  if ('last' in keep) {
    const last = keep.last;
    if (!Number.isInteger(last) || last < 1) throw new InvalidArgumentError(`keep: { last } takes a whole number of moments, at least 1, got ${describe(last)}`);
    return all((index) => index >= count - last);
  }
  if ('since' in keep) {
    const since = keep.since instanceof Date ? keep.since.getTime() : typeof keep.since === 'string' ? Date.parse(keep.since) : keep.since;
    if (typeof since !== 'number' || Number.isNaN(since)) throw new InvalidArgumentError(`keep: { since } takes a Date, ms since 1970 or a date string, got ${describe(keep.since)}`);
    return all((index) => {
      const time = engine.momentInfo(index).time;
      return time !== undefined && time >= since;
    });
  }
  if ('thin' in keep && keep.thin === true) return thinned(engine, now);
  throw new InvalidArgumentError(`keep is 'latest', { last }, { since }, { thin: true } or a function, got ${describe(keep)}`);
}

/** Backup-style thinning: see {@link KeepPolicy}. The last moment of each bucket stands for it. */
function thinned(engine: Engine, now: number): number[] {
  const count = engine.momentCount;
  const kept: number[] = [count - 1];
  let lastBucket: string | undefined;
  for (let index = count - 2; index >= 0; index--) {
    const time = engine.momentInfo(index).time;
    if (time === undefined || now - time <= DAY) {
      kept.push(index);
      continue;
    }
    const bucket = now - time <= WEEK ? `h${Math.floor(time / HOUR)}` : `d${Math.floor(time / DAY)}`;
    // Newest first: the first moment met in a bucket is its last.
    if (bucket !== lastBucket) kept.push(index);
    lastBucket = bucket;
  }
  return kept.reverse();
}

/**
 * Checks `options` and says what to copy.
 *
 * @internal
 */
export function compactionPlan(engine: Engine, options: CompactOptions, inTransaction: boolean): { indices: number[]; copy: CopyOptions } {
  requireOptions(options, 'compact');
  if (inTransaction || engine.io.tx.running) throw new TransactionError('cannot compact inside a transaction');
  if (engine.readOnly) throw new ReadOnlyError('the database is open read-only: only its writer compacts it');
  if (!engine.hasHistory) throw new TransactionError('this database has no history (its root is a hash map changed in place): there is nothing to compact');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new InvalidArgumentError(`onProgress is a function, got ${describe(options.onProgress)}`);
  const drop = options.drop ?? [];
  if (!Array.isArray(drop)) throw new InvalidArgumentError(`drop takes an array of paths, got ${describe(drop)}`);
  for (const path of drop) {
    requirePath(path);
    if ((path as AnyPath).length === 0) throw new InvalidArgumentError('drop cannot remove the root: compact to an empty database by writing one');
  }
  const copy: CopyOptions = { drop: drop.map((path) => [...(path as AnyPath)]), ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}) };
  return { indices: keptMoments(engine, options.keep, options.now), copy };
}

/**
 * Compacts a memory database: copies the kept moments into a new buffer and
 * returns an engine on it. The old buffer stays with the old engine, for the
 * snapshots taken from it.
 *
 * @internal
 */
export const compactMemory: Compactor = (engine, indices, copy) => {
  const target = new MemoryStorage();
  const job = startCopy(engine, target, copy);
  job.copyMoments(indices);
  const { moments } = job.finish();
  return { engine: Engine.open(target, { hasher: engine.hasher, durability: engine.durability }), moments };
};
