// The state one diff carries through its walk, and the shape of a kind's
// differ. Kept apart from walk.ts so that the differs (hamt, trie, rrb) and
// the walk that dispatches to them import it without importing each other.

import type { BlockIO } from '../core/block-io.js';
import type { Context } from '../core/context.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import type { ChangeType, DiffStats, DiffStep } from './change.js';

/**
 * A path as the walk builds it: the last step and the path before it, so that
 * going one step deeper costs O(1) instead of a copy of the path (a copy per
 * level made a diff of n nested structures O(n²)). The walk turns it into the
 * array of a CursorChange only for the changes it yields. Undefined is the
 * empty path.
 */
export interface PathNode {
  readonly parent: PathNode | undefined;
  readonly step: DiffStep;
}

/** A path inside the walk (see {@link PathNode}). */
export type DiffPath = PathNode | undefined;

/** A change as a differ yields it: a CursorChange whose path is still a {@link DiffPath}. */
export interface WalkChange {
  readonly path: DiffPath;
  readonly type: ChangeType;
  readonly before: ReadCursor | undefined;
  readonly after: ReadCursor | undefined;
}

/**
 * Asks the walk to compare two values a differ found inside the structures it
 * compares (map values, list items) at `path`: the walk does it after taking
 * this from the differ's generator, with its own stack of differs instead of
 * JavaScript's (structures nested 100,000 deep would overflow it), and goes on
 * with the differ afterwards.
 */
export class Descend {
  constructor(
    readonly before: ReadCursor,
    readonly after: ReadCursor,
    readonly path: DiffPath,
  ) {}
}

/** What a differ yields, lazily: changes, and values to compare next ({@link Descend}). */
export type Changes = Generator<WalkChange | Descend, void, undefined>;

/** What a differ needs from the walk: the database, the counters, and the walk itself for nested values. */
export interface DiffState {
  /** The database both sides live in. */
  readonly ctx: Context;
  /** Its block access. */
  readonly io: BlockIO;
  /** The counters this diff adds to. */
  readonly stats: DiffStats;
  /**
   * Counts one unit of work a differ does without asking for a comparison
   * (a pair of nodes walked) against the diff's budget of values.
   *
   * @throws OutOfRangeError past the budget
   */
  charge(): void;
}

/**
 * Diffs two structures of one kind (one tag). Either side may be undefined,
 * standing for an empty structure of the other side's kind: then every entry
 * of the other side is an add (or a remove). Must skip every block whose slot
 * is equal on both sides, so that its cost follows the change, not the data.
 */
export type Differ = (state: DiffState, before: ReadCursor | undefined, after: ReadCursor | undefined, path: DiffPath) => Changes;

/** `path` plus `step`, in O(1): the new node shares `path`. */
export function stepInto(path: DiffPath, step: DiffStep): PathNode {
  return { parent: path, step };
}

/** The steps of `path` as an array, first step first. O(length). */
export function pathSteps(path: DiffPath): DiffStep[] {
  const steps: DiffStep[] = [];
  for (let node = path; node !== undefined; node = node.parent) steps.push(node.step);
  return steps.reverse();
}
