// Internal invariants: a broken one is a bug in stratadb, never bad input or a
// damaged file (those get the StrataErrors of src/errors.ts, which callers may
// handle). An assertion states an invariant where the code relies on it, so a
// bug stops at its cause instead of writing wrong bytes further on.

/** A broken internal invariant: a bug in stratadb. Not a StrataError, so that no caller mistakes it for an expected failure. */
export class InvariantError extends Error {
  /** @param message - the invariant, stated as what should have held */
  constructor(message: string) {
    super(`stratadb bug, an invariant does not hold: ${message}`);
    this.name = 'InvariantError';
  }
}

/**
 * Throws InvariantError unless `condition` holds. For invariants of this
 * build's own state only: input and file contents are checked with typed
 * errors instead. Costs one branch; keep the message a constant string on hot
 * paths.
 *
 * @throws InvariantError when `condition` is false
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
