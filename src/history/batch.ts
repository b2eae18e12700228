// Batched transactions (Engine.transactBatch): several transactions in one
// moment, each atomic on its own. Each begins at a savepoint (core/tx-state.ts,
// rule 7) and sees what the ones before it kept; one that throws is rolled
// back to its savepoint and the others go on. The moment then commits once,
// with one trailer, so a batch costs one path copy of what it changes instead
// of one per transaction, and the history gains one moment.

import { TransactionError } from '../errors.js';
import { isPromiseLike } from '../base/arguments.js';
import type { BlockIO } from '../core/block-io.js';
import type { Context } from '../core/context.js';
import { WriteCursor } from '../cursor/write-cursor.js';

/** Thrown by {@link runEachFromSavepoint} when no function was kept: the moment is then rolled back, and adds nothing. */
export class NothingKept extends Error {
  /** @param outcomes - how each function failed */
  constructor(readonly outcomes: PromiseSettledResult<unknown>[]) {
    super('no transaction of the batch was kept');
  }
}

/**
 * Runs each of `fns` on a fresh cursor of the moment's root slot, from a
 * savepoint of its own: kept (fulfilled) when it returns, rolled back when it throws (or
 * returns a promise: a transaction function must be synchronous). A failure
 * to roll back (the storage refused to write the old bytes) is thrown: the
 * moment is then unusable and the caller abandons it.
 *
 * @throws NothingKept when every function failed
 *
 * @param io - the database's block access, inside the moment's transaction
 * @param ctx - the context cursors are made in
 * @param rootSlot - the new moment's root slot
 * @param fns - the transactions, in order
 */
export function runEachFromSavepoint(io: BlockIO, ctx: Context, rootSlot: number, fns: readonly ((root: WriteCursor) => unknown)[]): PromiseSettledResult<unknown>[] {
  const outcomes: PromiseSettledResult<unknown>[] = [];
  for (const fn of fns) {
    const saved = io.tx.savepoint();
    io.openJournal(saved.end);
    let outcome: PromiseSettledResult<unknown>;
    try {
      const value = fn(new WriteCursor(ctx, rootSlot, io.readSlot(rootSlot)));
      if (isPromiseLike(value)) throw new TransactionError('a transaction function must be synchronous: it returned a promise, so nothing of it was committed');
      // Counts a list append left for later belong to this transaction: written now, before the next savepoint.
      io.tx.flushPending();
      io.keepJournal();
      outcome = { status: 'fulfilled', value };
    } catch (error) {
      io.undoJournal();
      io.tx.rollBackTo(saved);
      outcome = { status: 'rejected', reason: error };
    }
    outcomes.push(outcome);
  }
  if (!outcomes.some((outcome) => outcome.status === 'fulfilled')) throw new NothingKept(outcomes);
  return outcomes;
}
