// The JS API's diff (issue 17): the cursor-level diff (src/diff) with its keys
// decoded and its values read as `get` reads them, between two moments, two
// snapshots or two views, optionally under a path.

import { InvalidArgumentError, StrataError } from '../errors.js';
import { ReadCursor } from '../cursor/read-cursor.js';
import { diffCursors } from '../diff/walk.js';
import { SortedKeyStep, type ChangeType, type CursorChange, type DiffStats, type DiffStep } from '../diff/change.js';
import { decodeSortedKey } from './sorted-values.js';
import { describe, requireKnownOptions, requireOptions, requirePath } from '../base/arguments.js';
import { decodeKey, isView, VIEW_CURSOR } from './values.js';
import { readValue, type Value, type ViewGuard } from './views.js';
import { readAt } from './paths.js';
import type { AnyPath } from './types.js';
import type { Snapshot } from './database.js';

export type { ChangeType, DiffStats };

/**
 * One change between two moments or structures, as the JS API reports it.
 *
 * `path` runs from the database root (or from the compared views) to the value
 * that changed: map keys as `get` takes them, list indexes, and for a set the
 * member itself as the last step. Values are what `get` returns: scalars as JS
 * values, structures as lazy views. Nested structures are followed, so a
 * change is reported at the deepest path that changed; a value that changed
 * kind (a map replaced by a list) is one `change`.
 *
 * Lists report their changes in index order so that applying them one after
 * another turns the older list into the newer: `change` at i replaces item i,
 * `add` at i inserts before item i, `remove` at i deletes item i, each index
 * counting the list as the changes before it left it (as JSON Patch does); a
 * run of removed items is reported last item first. Array lists compare item
 * by item (so an array list's changes are its changed indexes, and adds or
 * removes at its end); linked lists skip the blocks both lists share, so an
 * item inserted into or removed from the middle is one `add` or `remove`, not
 * a change of every item after it.
 */
export interface Change {
  /** Keys and indexes from the root (or the views compared) to what changed. */
  readonly path: readonly unknown[];
  /** `add`, `remove` or `change`. */
  readonly type: ChangeType;
  /** The value before; undefined for `add`. */
  readonly before: Value | undefined;
  /** The value after; undefined for `remove`. */
  readonly after: Value | undefined;
}

/** Options of {@link Database.diff}, {@link Snapshot.diff} and {@link diff}. */
export interface DiffOptions {
  /** Compare only what is under this path (default: everything); change paths still start at the root. */
  path?: AnyPath;
  /** Counters to add this diff's work to: `blocks` read (for tests and benchmarks). */
  stats?: DiffStats;
  /**
   * The most values the diff may compare and report before it refuses with
   * OutOfRangeError (default: 2 per slot of the data, at least 1,000,000,
   * which data without shared structures never reaches; a structure stored at
   * many places, a DAG, is compared at each).
   */
  maxValues?: number;
}

/** The name of every {@link DiffOptions} option (a Record, so that a new option must be named here). */
const DIFF_OPTION_NAMES: readonly string[] = Object.keys({ path: true, stats: true, maxValues: true } satisfies Record<keyof DiffOptions, true>);

const always: ViewGuard = () => undefined;

/** A path step as the JS API spells it: an index, or the decoded key. */
export function stepValue(step: DiffStep): unknown {
  if (typeof step === 'number') return step;
  return step instanceof SortedKeyStep ? decodeSortedKey(step.key) : decodeKey(step.key);
}

/** A cursor-level change in the JS API's words, its path after `prefix`. */
export function apiChange(change: CursorChange, prefix: readonly unknown[]): Change {
  const path = prefix.slice();
  for (const step of change.path) path.push(stepValue(step));
  const last = change.path[change.path.length - 1];
  // A sorted set's member is its own value: decoded as a key, not read as a stored value.
  const member = last instanceof SortedKeyStep ? last.key.slotPosition : -1;
  const value = (cursor: ReadCursor | undefined): Value | undefined => {
    if (cursor === undefined) return undefined;
    return cursor.slotPosition === member ? (decodeSortedKey(cursor) as Value) : readValue(cursor, always);
  };
  return { path, type: change.type, before: value(change.before), after: value(change.after) };
}

/**
 * The changes from `before` to `after` (two roots of one database) under
 * `options.path`, in the JS API's words, lazily. O(the change): see {@link Database.diff}.
 *
 * @internal
 */
export function* diffRoots(before: ReadCursor, after: ReadCursor, options: DiffOptions): Generator<Change, void, undefined> {
  requireOptions(options, 'diff');
  // A misspelt path must not widen the diff to the whole moment.
  requireKnownOptions(options, DIFF_OPTION_NAMES, 'diff');
  const { maxValues } = options;
  if (maxValues !== undefined && !(typeof maxValues === 'number' && Number.isSafeInteger(maxValues) && maxValues > 0)) {
    throw new InvalidArgumentError(`diff's maxValues is a whole number of values above 0, got ${describe(maxValues)}`);
  }
  const path = options.path ?? [];
  requirePath(path);
  const a = path.length === 0 ? before : readAt(before, path);
  const b = path.length === 0 ? after : readAt(after, path);
  const limits = { ...(options.stats === undefined ? {} : { stats: options.stats }), ...(options.maxValues === undefined ? {} : { maxValues: options.maxValues }) };
  for (const change of diffCursors(a, b, limits)) yield apiChange(change, path);
}

/** A value with a root cursor, as a {@link Snapshot} has. */
export interface HasCursor {
  /** The cursor-level view of the value's root. */
  cursor(): ReadCursor;
}

/** Something whose root a diff can start from: a snapshot (its `cursor()`) or a view of a map, set or list. */
export type Diffable = HasCursor | Value;

function rootOf(value: Diffable, name: string): ReadCursor {
  let root: unknown;
  try {
    if (typeof value === 'object' && value !== null) {
      if (isView(value)) root = value[VIEW_CURSOR]();
      else if ('cursor' in value && typeof value.cursor === 'function') root = (value as { cursor(): unknown }).cursor();
    }
  } catch (error) {
    // A view of an ended transaction or a closed database says so; a revoked Proxy, or an object whose cursor() throws, is neither.
    if (error instanceof StrataError) throw error;
  }
  if (root instanceof ReadCursor) return root;
  throw new InvalidArgumentError(`diff compares snapshots or views of maps, sets and lists; ${name} is neither`);
}

/**
 * The changes from `before` to `after`, two snapshots or two views (of maps,
 * sets or lists) of one database, lazily, as {@link Change}s whose paths start
 * at the compared values. Every subtree the two share is skipped, so the cost
 * follows the change, not the data. Views taken inside a transaction are valid
 * only until it ends, and so are the values of their changes.
 *
 * @param before - the older snapshot or view
 * @param after - the newer snapshot or view
 * @param options - `path` below both to compare, `stats` to count blocks read, `maxValues`
 * @throws InvalidArgumentError for anything but snapshots and views, or two databases
 * @throws OutOfRangeError (while iterating) when the diff would compare more than `maxValues` values
 *
 * @example
 * ```ts
 * const before = db.get(['users']);
 * db.set(['users', 'bob'], { visits: 1 });
 * [...diff(before, db.get(['users']))];   // [{ path: ['bob'], type: 'add', before: undefined, after: MapView }]
 * ```
 */
export function diff(before: Diffable, after: Diffable, options: DiffOptions = {}): Generator<Change, void, undefined> {
  const a = rootOf(before, 'before');
  const b = rootOf(after, 'after');
  if (a.ctx.io !== b.ctx.io) throw new InvalidArgumentError('a diff compares two values of one database; these belong to two');
  return diffRoots(a, b, options);
}
