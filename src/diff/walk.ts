// The diff walk (issue 17): compares two values that live in one database and
// yields what changed, lazily. Equal slots (same tag and position) are shared
// and skipped whole; two structures of one kind are handed to that kind's
// differ (differs.ts), which skips every shared block below them and comes
// back here for the values it finds changed, so nested structures are diffed
// to the changed leaves with full paths. Anything else that differs is one
// `change`. The cost follows the change, not the size of the data.

import { CorruptDatabaseError, InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import { unfoldBudget } from '../core/unfold-budget.js';
import type { BlockIO } from '../core/block-io.js';
import type { Context } from '../core/context.js';
import { isStructureTag } from '../kinds/table.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import type { CursorChange, DiffOptions, DiffStats, DiffStep } from './change.js';
import { differFor } from './differs.js';
import { sameScalar } from './same-value.js';
import { Descend, pathSteps, stepInto, type Changes, type DiffPath, type DiffState, type WalkChange } from './state.js';


/**
 * One diff: drives the kinds' differs from an explicit stack (a differ hands
 * back each pair of values to compare as a {@link Descend}), so that no nesting
 * depth can exhaust JavaScript's stack, and bounds its work by the data's size:
 *
 * - nesting deeper than the data has slots is a cycle (a valid chain of nested
 *   structures needs a slot of its own per level): CorruptDatabaseError;
 * - comparing and reporting more values than 2 per slot of the data (at least
 *   a million) means shared structures are met at many places (a DAG of n
 *   levels of two has 2^n paths; two versions of it differ at each):
 *   OutOfRangeError, as a dump refuses to print such data. Data without
 *   sharing never comes near: each value compared or reported is a distinct
 *   slot of one side.
 */
class DiffWalk implements DiffState {
  readonly ctx: Context;
  readonly io: BlockIO;
  readonly stats: DiffStats;
  private readonly maxVisits: number;
  private readonly maxDepth: number;
  private visits = 0;

  constructor(ctx: Context, stats: DiffStats, maxValues: number | undefined) {
    this.ctx = ctx;
    this.io = ctx.io;
    this.stats = stats;
    const slots = Math.ceil(ctx.io.storage.size() / SLOT_SIZE);
    this.maxVisits = maxValues ?? unfoldBudget(ctx.io.storage.size());
    this.maxDepth = slots + 1;
  }

  /** The changes `first` and the differs it leads to yield, with array paths. */
  private *run(first: Changes): Generator<CursorChange, void, undefined> {
    const stack: Changes[] = [first];
    try {
      while (stack.length > 0) {
        const next = (stack[stack.length - 1] as Changes).next();
        if (next.done === true) {
          stack.pop();
          continue;
        }
        const item = next.value;
        if (!(item instanceof Descend)) {
          yield this.out(item);
          continue;
        }
        this.visit();
        const change = this.compare(item.before, item.after, item.path, stack);
        if (change !== undefined) yield this.out(change);
      }
    } finally {
      // A caller that stops early: close the differs still under way.
      for (let i = stack.length - 1; i >= 0; i--) (stack[i] as Changes).return(undefined);
    }
  }

  /** {@link DiffState.charge}: the budget of values counts a differ's own work too. */
  charge(): void {
    this.visit();
  }

  /** Counts one value compared or reported against the budget. */
  private visit(): void {
    if (++this.visits > this.maxVisits) {
      throw new OutOfRangeError(`a diff would compare more than ${this.maxVisits} values: the data stores shared structures many times over (each place they are met is compared); diff a smaller part`);
    }
  }

  /** A change as the caller sees it: counted, its path an array. */
  private out(change: WalkChange): CursorChange {
    this.visit();
    return { path: pathSteps(change.path), type: change.type, before: change.before, after: change.after };
  }

  /**
   * Compares two values at `path`: nothing when they are equal, a change, or
   * (both structures of one kind) their differ pushed on `stack` to run next.
   */
  private compare(before: ReadCursor, after: ReadCursor, path: DiffPath, stack: Changes[]): WalkChange | undefined {
    const a = before.slot;
    const b = after.slot;
    if (a.equals(b)) return undefined;
    if (a.tag === b.tag) {
      const differ = differFor(a.tag);
      if (differ !== undefined) {
        if (stack.length >= this.maxDepth) throw new CorruptDatabaseError('structures nest deeper than the data has slots (a structure contains itself)', after.slotPosition);
        stack.push(differ(this, before, after, path));
        return undefined;
      }
    }
    if (!isStructureTag(a.tag) && !isStructureTag(b.tag) && sameScalar(this.io, a, before.slotPosition, b, after.slotPosition)) return undefined;
    return { path, type: 'change', before, after };
  }

  /** The top of a diff: absent sides, and an empty slot beside a structure. */
  *top(before: ReadCursor | undefined, after: ReadCursor | undefined, path: DiffPath): Generator<CursorChange, void, undefined> {
    const a = before === undefined || before.slot.isEmpty ? undefined : before;
    const b = after === undefined || after.slot.isEmpty ? undefined : after;
    if (a === undefined && b === undefined) return;
    if (a !== undefined && b !== undefined) {
      yield* this.run(descendOnce(a, b, path));
      return;
    }
    // An empty slot (a moment before the first, a root never written) beside a
    // structure: every entry of the structure is an add (or a remove), as if
    // the empty side were an empty structure of its kind.
    const present = (a ?? b) as ReadCursor;
    const differ = differFor(present.tag);
    if (differ !== undefined && (before?.slot.isEmpty === true || after?.slot.isEmpty === true)) {
      yield* this.run(differ(this, a, b, path));
      return;
    }
    yield this.out({ path, type: a === undefined ? 'add' : 'remove', before: a, after: b });
  }
}

/** A differ's generator that asks for one comparison: the top of a diff of two values. */
function* descendOnce(before: ReadCursor, after: ReadCursor, path: DiffPath): Changes {
  yield new Descend(before, after, path);
}

/**
 * The changes between two values of one database, lazily: from `before` to
 * `after`. Every subtree whose slot is equal on both sides is skipped, so the
 * cost is proportional to the change (the blocks on the paths to the changed
 * values), not to the size of the data. Two structures of one kind are
 * compared entry by entry and nested structures are followed, so each change
 * is at a leaf with its full path; values of different kinds, and scalars
 * that differ, are one `change`. Lists report changes in index order (see
 * {@link CursorChange} for how inserts and removes count).
 *
 * An absent side (undefined) makes the other side one `add` or `remove`; an
 * empty slot (the root of a moment before the first write) beside a structure
 * counts as an empty structure of its kind, so each entry is an add or remove.
 *
 * @param before - the older value, or undefined when absent
 * @param after - the newer value, or undefined when absent
 * @param options - `stats` to count the blocks read, `maxValues` to compare at most
 * @param path - steps to put in front of every change's path (default none)
 * @throws InvalidArgumentError when the two cursors belong to different databases, or for a `maxValues` below 1
 * @throws CorruptDatabaseError when a structure on a changed path is damaged (one that contains itself included)
 * @throws OutOfRangeError when the diff would compare more than `maxValues` values (default 2 per slot of the data, at least a million): shared structures met at many places
 *
 * @example
 * ```ts
 * for (const change of diffCursors(engine.moment(0), engine.moment(-1))) console.log(change.type, change.path);
 * ```
 */
export function diffCursors(before: ReadCursor | undefined, after: ReadCursor | undefined, options: DiffOptions = {}, path: readonly DiffStep[] = []): Generator<CursorChange, void, undefined> {
  const ctx = (before ?? after)?.ctx;
  if (before !== undefined && after !== undefined && before.ctx.io !== after.ctx.io) {
    throw new InvalidArgumentError('a diff compares two values of one database; these cursors belong to two');
  }
  const maxValues = options.maxValues;
  if (maxValues !== undefined && !(typeof maxValues === 'number' && maxValues >= 1)) throw new InvalidArgumentError(`maxValues must be a number of at least 1, got ${String(maxValues)}`);
  if (ctx === undefined) return (function* () {})();
  let prefix: DiffPath;
  for (const step of path) prefix = stepInto(prefix, step);
  return new DiffWalk(ctx, options.stats ?? { blocks: 0 }, maxValues).top(before, after, prefix);
}
