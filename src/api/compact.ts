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
import { selectMoments, type KeepPolicy as CopierKeepPolicy } from '../compact/policy.js';
import { DROP_PATH_STEPS_MAX, type DropPath } from '../compact/excise.js';
import { Tag } from '../format/tags.js';
import { readAt } from './paths.js';
import { formatPath } from './errors.js';
import { encodeKey, objectKey } from './values.js';

import type { MomentFacts, ThinningRule } from '../compact/policy.js';

export type { MomentFacts, ThinningRule };

/**
 * Which moments a compaction keeps; the latest moment is always kept:
 * - `'latest'` (default): the latest only;
 * - `{ last: n }`: the last `n`;
 * - `{ since: time }`: those committed at or after `time` (a Date, ms since
 *   1970, or a date string `Date.parse` reads);
 * - `{ thin: true }`: every moment of the last day, the newest of each hour
 *   for a week, the newest of each day before that; or `{ thin: rule }` with
 *   other spans (see {@link ThinningRule});
 * - a predicate over `{ index, time, meta }` ({@link MomentFacts}).
 *
 * Moments without a time (written by xitdb) count, for `since` and `thin`,
 * as committed when the next timed moment was: in doubt they are kept.
 */
export type KeepPolicy = 'latest' | KeepLast | KeepSince | KeepThin | ((moment: MomentFacts) => boolean);

/** {@link KeepPolicy}: the last moments. */
export interface KeepLast {
  /** How many of the newest moments to keep (at least 1). */
  readonly last: number;
}

/** {@link KeepPolicy}: the moments since a time. */
export interface KeepSince {
  /** The earliest commit time kept: a Date, ms since 1970, or a date string `Date.parse` reads. */
  readonly since: Date | number | string;
}

/** {@link KeepPolicy}: backup-style thinning. */
export interface KeepThin {
  /** `true` for the default spans (a day of every moment, a week of hourly ones, then daily), or a {@link ThinningRule}. */
  readonly thin: true | ThinningRule;
}

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

/**
 * The indices of the moments `keep` keeps, ascending; the latest always.
 *
 * @throws InvalidArgumentError for a policy of no known shape
 * @internal
 */
export function keptMoments(engine: Engine, keep: KeepPolicy = 'latest', now = Date.now()): number[] {
  return selectMoments(engine, copierPolicy(keep), now);
}

/** The API's extra forms in the copier's terms: a date string parsed, `thin: true` as the default rule. */
function copierPolicy(keep: KeepPolicy): CopierKeepPolicy {
  if (typeof keep !== 'object' || keep === null) return keep;
  if ('since' in keep && typeof keep.since === 'string') {
    const since = Date.parse(keep.since);
    if (Number.isNaN(since)) throw new InvalidArgumentError(`keep: { since } takes a Date, ms since 1970 or a date string, got ${describe(keep.since)}`);
    return { since };
  }
  if ('thin' in keep && keep.thin === true) return { thin: {} };
  // The other forms are the copier's own, which checks them.
  return keep as CopierKeepPolicy;
}

/**
 * A path as `get` takes it, in the copier's terms: at each step, the key as
 * the map there stores it, as the latest moment shows (an object's property
 * name, a Map's tagged key, a set's member); where the latest moment holds
 * nothing, as an object's property name.
 *
 * @throws InvalidArgumentError for a step into a list (the latest moment holds one there)
 */
function dropKeys(engine: Engine, path: AnyPath): DropPath {
  const root = engine.momentCount > 0 ? engine.moment(-1) : undefined;
  return path.map((step, i) => {
    const at = path.slice(0, i + 1);
    let tag: number = Tag.NONE;
    try {
      tag = root === undefined ? Tag.NONE : (readAt(root, path.slice(0, i))?.tag ?? Tag.NONE);
    } catch {
      // A path through a value that is not a map: the copier refuses it below.
    }
    if (tag === Tag.ARRAY_LIST || tag === Tag.LINKED_ARRAY_LIST) {
      throw new InvalidArgumentError(`drop removes map keys and set members, but ${formatPath(at)} steps into a list`);
    }
    return tag === Tag.NONE || tag === Tag.HASH_MAP ? objectKey(step, at) : encodeKey(step, at);
  });
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
    // Refused here, before dropKeys reads the latest moment along it (O(steps²): a 100,000-step path took hours).
    if ((path as AnyPath).length > DROP_PATH_STEPS_MAX) throw new InvalidArgumentError(`a dropped path takes at most ${DROP_PATH_STEPS_MAX} steps, got ${(path as AnyPath).length}`);
  }
  const copy: CopyOptions = { drop: drop.map((path) => dropKeys(engine, path as AnyPath)), ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}) };
  return { indices: keptMoments(engine, options.keep, options.now), copy };
}

/**
 * Compacts a memory database: copies the kept moments into a new buffer and
 * returns an engine on it. Refuses a durable storage (a file opened as a
 * storage, not by path). The old buffer stays with the old engine, for the
 * snapshots taken from it.
 *
 * @internal
 */
export const compactMemory: Compactor = (engine, indices, copy) => {
  // A file opened as a storage (open(storage)) has no path to swap: copying it into memory would leave the file as it was.
  if (engine.storage.durable === true) throw new InvalidArgumentError('this database lives on a durable storage opened without its path: open the file by path (open from stratadb/node) to compact it in place, or use compactInto from stratadb/engine');
  const target = new MemoryStorage();
  const job = startCopy(engine, target, copy);
  job.copyMoments(indices);
  const { moments } = job.finish();
  return { engine: Engine.open(target, { hasher: engine.hasher, durability: engine.durability }), moments };
};
