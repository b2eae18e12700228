// Compaction (issue 16): a new database holding the moments a policy keeps,
// copied block by block so that what the source shares stays shared, with
// chosen paths excised from every moment. Browser-safe (no node: import).
//
// The interface, as the online compaction (src/api, src/cli) relies on it:
//
//   selectMoments(engine, keep = 'latest', now = Date.now()): number[]
//     The source indices a KeepPolicy keeps, ascending, the latest always.
//     KeepPolicy = 'latest' | { last: n } | { since: Date | ms }
//                | { thin: { all?, hourly?, hour?, day? } } (ms spans)
//                | ((moment: { index, time, meta }) => boolean)
//
//   new Compaction(source: Engine, target: Storage, options?: CompactOptions)
//     Writes the target's headers (same file header as the source). target
//     must be empty. Never syncs: the caller syncs once before its rename.
//   compaction.copyMoments(indices: readonly number[]): void
//     Copies those source moments (ascending, after any copied before) as the
//     next moments of the target, one commit each (time, metadata, kind kept,
//     restoredFrom remapped), then writes the target's history header. The
//     memo lasts across calls: a catch-up copies only records not yet copied.
//   compaction.blocksCopied, compaction.bytesWritten, compaction.momentCount
//   compaction.finish(): CompactResult
//     Flushes the target (no sync); { kept, moments, sourceSize, size,
//     blocksCopied, bytesWritten }.
//   compactInto(source, target, options?): CompactResult
//     The one-shot: new Compaction, copyMoments(selectMoments(...)), finish.
//
//   CompactOptions = { keep?: KeepPolicy; drop?: readonly DropPath[];
//                      onProgress?: ProgressCallback; now?: number }
//   DropPath = readonly Key[] (map keys, sorted map keys, a set member last;
//     at most 64 steps; list indices are refused with InvalidArgumentError;
//     a step through a list, a scalar or a missing key removes nothing)
//   onProgress(done, total): bytes of source records read, of the source's
//     committed size; throttled to one call per MiB, a last call done = total.
//
// Catch-up: copyMoments appends; the source engine must be refresh()ed to see
// new moments, and a sliceHistory on the source between two calls changes
// what the indices name (the caller must start again). Moments whose commit
// has no trailer are copied without one (no time is invented); trailer times
// never go back along the new chain (nextTrailerFields clamps them).
//
// Errors: InvalidArgumentError for malformed options or indices,
// TransactionError for a source without history, CorruptDatabaseError for a
// damaged source (cycles included); never TypeError or RangeError.

export { Compaction, compactInto, type CompactOptions, type CompactResult } from './compaction.js';
export { selectMoments, DAY_MS, HOUR_MS, type KeepPolicy, type MomentFacts, type ThinningRule } from './policy.js';
export type { DropPath } from './excise.js';
