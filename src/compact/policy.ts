// Which moments a compaction keeps (issue 16): the latest, the last N, those
// since a time, a backup-style thinning, or any predicate. Times come from the
// commit trailers (FORMAT.md §Commit trailer) through Engine.momentInfo.

import { InvalidArgumentError, TransactionError } from '../errors.js';
import { describe } from '../base/arguments.js';
import type { Engine } from '../history/engine.js';

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/**
 * Backup-style retention: every moment younger than `all`, then the newest
 * moment of each `hour`-long bucket for moments younger than `hourly`, then
 * the newest moment of each `day`-long bucket before that. Buckets are
 * aligned to the epoch (a day bucket is a UTC day by default). Every span is
 * in milliseconds.
 */
export interface ThinningRule {
  /** Keep every moment younger than this (default one day). */
  readonly all?: number;
  /** Keep one moment per `hour` for moments younger than this (default one week); `all` wins where it is longer. */
  readonly hourly?: number;
  /** The bucket of the hourly span (default one hour). */
  readonly hour?: number;
  /** The bucket of everything older (default one day). */
  readonly day?: number;
}

/** What a predicate policy is told about a moment. */
export interface MomentFacts {
  /** Its index in the source history. */
  readonly index: number;
  /** Its commit time in ms since 1970-01-01 UTC, or undefined when its commit carries no trailer (xitdb, stratadb before 0.3). */
  readonly time: number | undefined;
  /** Its commit metadata, or undefined. */
  readonly meta: unknown;
}

/**
 * Which moments a compaction keeps. The latest moment is always kept.
 * - `'latest'` (the default): the latest moment only.
 * - `{ last: n }`: the last n moments (n ≥ 1).
 * - `{ since: time }`: every moment committed at or after `time` (a Date, or
 *   ms since 1970), and the latest.
 * - `{ thin: rule }`: backup-style thinning ({@link ThinningRule}).
 * - a function: the moments for which it returns true, and the latest.
 *
 * Moments without a time (committed by xitdb, or by stratadb before commit
 * trailers) are given, for `since` and `thin`, the time of the next moment
 * that has one: they were committed no later than it, so in doubt they are
 * kept rather than dropped. When no later moment has a time they count as
 * committed `now`. A predicate sees their time as undefined.
 */
export type KeepPolicy =
  | 'latest'
  | {
      /** How many of the newest moments to keep, at least 1. */
      readonly last: number;
    }
  | {
      /** The oldest commit time to keep: a Date, or ms since 1970-01-01 UTC. */
      readonly since: Date | number;
    }
  | {
      /** The spans of backup-style thinning (defaults: all of a day, hourly for a week, daily before). */
      readonly thin: ThinningRule;
    }
  | ((moment: MomentFacts) => boolean);

/**
 * The indices of the moments `policy` keeps, ascending, the latest always
 * among them; empty for a history with no moment.
 *
 * Cost: O(moments) trailer reads (one walk of the trailer chain), except
 * `'latest'` and `last`, which read none.
 *
 * @param engine - the source database, with history
 * @param policy - what to keep (default `'latest'`)
 * @param now - the present, in ms since 1970 (default `Date.now()`): where thinning's spans end
 * @throws InvalidArgumentError when the policy or `now` is not one of the forms above
 * @throws TransactionError when the database keeps no history
 */
export function selectMoments(engine: Engine, policy: KeepPolicy = 'latest', now: number = Date.now()): number[] {
  const select = checkKeepPolicy(policy, now);
  if (!engine.hasHistory) throw new TransactionError('compaction keeps moments of a history; this database has none (its root is a hash map)');
  const count = engine.momentCount;
  if (count === 0) return [];
  const kept = select(engine, count, now);
  if (kept[kept.length - 1] !== count - 1) kept.push(count - 1);
  return kept;
}

type Selector = (engine: Engine, count: number, now: number) => number[];

/**
 * Checks a policy and a present time without reading any moment.
 *
 * @throws InvalidArgumentError when either is not what {@link selectMoments} takes
 */
export function validateKeepPolicy(policy: unknown, now: unknown): void {
  checkKeepPolicy(policy ?? 'latest', now ?? 0);
}

/** Validates a policy and the present; returns how the policy selects. */
function checkKeepPolicy(policy: unknown, now: unknown): Selector {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new InvalidArgumentError(`now must be a time in ms since 1970, got ${describe(now)}`);
  return checkPolicy(policy);
}

/** Validates a policy and returns how it selects. */
function checkPolicy(policy: unknown): Selector {
  if (policy === 'latest') return () => [];
  if (typeof policy === 'function') {
    const predicate = policy as (moment: MomentFacts) => unknown;
    return (engine, count) => {
      const kept: number[] = [];
      for (let index = 0; index < count; index++) {
        const info = engine.momentInfo(index);
        const keep = predicate({ index, time: info.time, meta: info.meta });
        // Only true keeps: a truthy 1 or 'yes' taken as false would drop the moment unasked, so it is refused.
        if (typeof keep !== 'boolean') throw new InvalidArgumentError(`keep's function returned ${describe(keep)} for moment ${index}; it returns true (keep) or false (drop)`);
        if (keep) kept.push(index);
      }
      return kept;
    };
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw policyError(policy);
  const keys = Object.keys(policy);
  if (keys.length !== 1) throw policyError(policy);
  const record = policy as Record<string, unknown>;
  if ('last' in record) {
    const last = record.last;
    if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 1) throw new InvalidArgumentError(`keep: { last } takes a whole number of moments, at least 1, got ${describe(last)}`);
    return (_engine, count) => range(Math.max(0, count - last), count);
  }
  if ('since' in record) {
    const since = record.since;
    const time = since instanceof Date ? since.getTime() : since;
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new InvalidArgumentError(`keep: { since } takes a Date or a time in ms since 1970, got ${describe(since)}`);
    return (engine, count, now) => {
      const times = effectiveTimes(engine, count, now);
      return range(0, count).filter((index) => (times[index] as number) >= time);
    };
  }
  if ('thin' in record) {
    const rule = checkThinningRule(record.thin);
    return (engine, count, now) => thin(effectiveTimes(engine, count, now), rule, now);
  }
  throw policyError(policy);
}

function policyError(policy: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`keep takes 'latest', { last: n }, { since: time }, { thin: rule } or a function of { index, time, meta }, got ${describe(policy)}`);
}

interface Spans {
  readonly all: number;
  readonly hourly: number;
  readonly hour: number;
  readonly day: number;
}

function checkThinningRule(rule: unknown): Spans {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw new InvalidArgumentError(`keep: { thin } takes a rule such as { all, hourly, hour, day }, got ${describe(rule)}`);
  const record = rule as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'all' && key !== 'hourly' && key !== 'hour' && key !== 'day') throw new InvalidArgumentError(`a thinning rule has no "${key}" (it takes all, hourly, hour, day)`);
  const span = (key: string, fallback: number, positive: boolean): number => {
    const value = record[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw new InvalidArgumentError(`a thinning rule's ${key} is a ${positive ? 'positive' : 'non-negative'} number of milliseconds, got ${describe(record[key])}`);
    }
    return value;
  };
  return { all: span('all', DAY_MS, false), hourly: span('hourly', 7 * DAY_MS, false), hour: span('hour', HOUR_MS, true), day: span('day', DAY_MS, true) };
}

/**
 * Every moment's time for the time-based policies: its own, or for a moment
 * without one the time of the next moment that has one, or `now`.
 */
function effectiveTimes(engine: Engine, count: number, now: number): number[] {
  const times: number[] = new Array<number>(count);
  let later = now;
  for (let index = count - 1; index >= 0; index--) {
    const time = engine.momentInfo(index).time;
    if (time !== undefined) later = time;
    times[index] = later;
  }
  return times;
}

/** The moments a thinning rule keeps, from their times (ascending along the history). */
function thin(times: readonly number[], spans: Spans, now: number): number[] {
  const kept: number[] = [];
  // Newest first: the first moment met in a bucket is the newest of that bucket.
  let lastBucket: string | undefined;
  for (let index = times.length - 1; index >= 0; index--) {
    const time = times[index] as number;
    const age = now - time;
    if (age < spans.all) {
      kept.push(index);
      continue;
    }
    const bucket = age < spans.hourly ? `h${Math.floor(time / spans.hour)}` : `d${Math.floor(time / spans.day)}`;
    if (bucket === lastBucket) continue;
    lastBucket = bucket;
    kept.push(index);
  }
  return kept.reverse();
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
