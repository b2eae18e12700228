// Creating a replicated JetStream asset (a stream, a key-value bucket, an
// object store) right after servers start or restart can be refused for a
// while: the meta leader is being elected, or a peer has not yet reported in
// and is left out of placement. Those refusals pass within seconds; every
// other error (a bad name, a stream that exists with another configuration)
// is the caller's to see at once.

import { JetStreamApiError } from '@nats-io/jetstream';

/** JetStream's codes for a cluster that cannot place a replicated asset yet. */
const PASSING_PLACEMENT_CODES: ReadonlySet<number> = new Set([
  10005, // no suitable peers for placement
  10008, // JetStream system temporarily unavailable
  10023, // insufficient resources (a peer's reservation not yet reported)
]);

/** True when `error` is a placement refusal that passes once the cluster has settled. */
export function isPassingPlacementError(error: unknown): boolean {
  return error instanceof JetStreamApiError && PASSING_PLACEMENT_CODES.has(error.code);
}

/**
 * Runs `create` again while JetStream refuses it for a passing placement
 * reason, for up to `waitMs` (30 s by default), then lets the last refusal
 * through. 30 s, not less: on a loaded 2-core machine a three-server cluster
 * that had answered a replicated probe still refused placement for over 10 s.
 */
export async function whilePlacing<T>(create: () => Promise<T>, waitMs = 30_000, now: () => number = Date.now): Promise<T> {
  const deadline = now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (!isPassingPlacementError(error) || now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * attempt)));
    }
  }
}
