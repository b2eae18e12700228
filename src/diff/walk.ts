// The diff walk (issue 17): compares two values that live in one database and
// yields what changed, lazily. Equal slots (same tag and position) are shared
// and skipped whole; two structures of one kind are handed to that kind's
// differ (differs.ts), which skips every shared block below them and comes
// back here for the values it finds changed, so nested structures are diffed
// to the changed leaves with full paths. Anything else that differs is one
// `change`. The cost follows the change, not the size of the data.

import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import type { BlockIO } from '../core/block-io.js';
import type { Context } from '../core/context.js';
import { isStructureTag } from '../kinds/table.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import type { CursorChange, DiffOptions, DiffStats, DiffStep } from './change.js';
import { differFor } from './differs.js';
import { sameScalar } from './same-value.js';
import type { Changes, DiffState } from './state.js';

/**
 * Structures nested in changed structures are followed this deep at most. The
 * walk is a chain of generators, several native frames per level, so the bound
 * keeps it well inside the default stack (hash maps overflowed it at about 900
 * levels): deeper nesting gets an OutOfRangeError, never a RangeError. The JS
 * API writes values at most this deep; deeper ones come from the cursor API,
 * another writer, or damage (a structure that contains itself).
 */
export const DIFF_NESTING_MAX = 500;

class DiffWalk implements DiffState {
  readonly ctx: Context;
  readonly io: BlockIO;
  readonly stats: DiffStats;
  private depth = 0;

  constructor(ctx: Context, stats: DiffStats) {
    this.ctx = ctx;
    this.io = ctx.io;
    this.stats = stats;
  }

  *values(before: ReadCursor, after: ReadCursor, path: readonly DiffStep[]): Changes {
    const a = before.slot;
    const b = after.slot;
    if (a.equals(b)) return;
    if (a.tag === b.tag) {
      const differ = differFor(a.tag);
      if (differ !== undefined) {
        if (this.depth >= DIFF_NESTING_MAX) {
          throw new OutOfRangeError(`structures nest more than ${DIFF_NESTING_MAX} deep at ${after.slotPosition}, deeper than a diff follows (the JS API writes values at most that deep; deeper ones come from the cursor API, another writer, or a damaged structure that contains itself)`);
        }
        this.depth++;
        try {
          yield* differ(this, before, after, path);
        } finally {
          this.depth--;
        }
        return;
      }
    }
    if (!isStructureTag(a.tag) && !isStructureTag(b.tag) && sameScalar(this.io, a, before.slotPosition, b, after.slotPosition)) return;
    yield { path, type: 'change', before, after };
  }

  /** The top of a diff: absent sides, and an empty slot beside a structure. */
  *top(before: ReadCursor | undefined, after: ReadCursor | undefined, path: readonly DiffStep[]): Changes {
    const a = before === undefined || before.slot.isEmpty ? undefined : before;
    const b = after === undefined || after.slot.isEmpty ? undefined : after;
    if (a === undefined && b === undefined) return;
    if (a !== undefined && b !== undefined) {
      yield* this.values(a, b, path);
      return;
    }
    // An empty slot (a moment before the first, a root never written) beside a
    // structure: every entry of the structure is an add (or a remove), as if
    // the empty side were an empty structure of its kind.
    const present = (a ?? b) as ReadCursor;
    const differ = differFor(present.tag);
    if (differ !== undefined && (before?.slot.isEmpty === true || after?.slot.isEmpty === true)) {
      yield* differ(this, a, b, path);
      return;
    }
    yield { path, type: a === undefined ? 'add' : 'remove', before: a, after: b };
  }
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
 * @param options - `stats` to count the blocks read
 * @param path - steps to put in front of every change's path (default none)
 * @throws InvalidArgumentError when the two cursors belong to different databases
 * @throws CorruptDatabaseError when a structure on a changed path is damaged
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
  if (ctx === undefined) return (function* () {})();
  return new DiffWalk(ctx, options.stats ?? { blocks: 0 }).top(before, after, path);
}
