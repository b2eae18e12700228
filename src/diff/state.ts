// The state one diff carries through its walk, and the shape of a kind's
// differ. Kept apart from walk.ts so that the differs (hamt, trie, rrb) and
// the walk that dispatches to them import it without importing each other.

import type { BlockIO } from '../core/block-io.js';
import type { Context } from '../core/context.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import type { CursorChange, DiffStats, DiffStep } from './change.js';

/** The changes a differ yields, lazily. */
export type Changes = Generator<CursorChange, void, undefined>;

/** What a differ needs from the walk: the database, the counters, and the walk itself for nested values. */
export interface DiffState {
  /** The database both sides live in. */
  readonly ctx: Context;
  /** Its block access. */
  readonly io: BlockIO;
  /** The counters this diff adds to. */
  readonly stats: DiffStats;
  /**
   * Diffs two values found inside the structures being compared (map values,
   * list items) at `path`: nothing when they are equal, a change, or the
   * changes inside them when both are structures of one kind.
   */
  values(before: ReadCursor, after: ReadCursor, path: readonly DiffStep[]): Changes;
}

/**
 * Diffs two structures of one kind (one tag). Either side may be undefined,
 * standing for an empty structure of the other side's kind: then every entry
 * of the other side is an add (or a remove). Must skip every block whose slot
 * is equal on both sides, so that its cost follows the change, not the data.
 */
export type Differ = (state: DiffState, before: ReadCursor | undefined, after: ReadCursor | undefined, path: readonly DiffStep[]) => Changes;

/** A change with a fresh path: `path` plus `step`. */
export function stepInto(path: readonly DiffStep[], step: DiffStep): DiffStep[] {
  const next = path.slice();
  next.push(step);
  return next;
}
