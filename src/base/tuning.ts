// Tuning constants that several layers share, each chosen by the benchmark it
// names. One owner, so that a new measurement changes every site at once.

/**
 * Copies of at most this many bytes use a byte loop; longer ones use
 * `Uint8Array.prototype.set`, whose fixed cost (a subarray view included) the
 * loop beats only for short copies. Chosen by `bench/copy-threshold.mjs` on
 * Node 20 (2026-12-07, 2-core AMD EPYC): at 24 bytes the loop took 28 ns and
 * set 35 ns; at 32 bytes 37 ns against 36; past that set wins.
 */
export const COPY_LOOP_SIZE_MAX = 24;
