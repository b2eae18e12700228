// How long the suite's longest loops run. `npm test` (and CI) runs each at its
// bounded size, chosen so that the whole suite stays within two minutes on two
// cores; STRATADB_LONG=1 runs each at its long size (what the suite ran before
// it was bounded); a loop's own variable (STRATADB_FUZZ_RUNS, STRATADB_KILLS,
// ...), when set, wins over both. test/README.md lists every loop with both sizes.

/** True under STRATADB_LONG=1: every bounded loop runs its long size. */
export const LONG = process.env.STRATADB_LONG === '1';

/**
 * The size of one loop: `override` (a variable's value) when set, else `long`
 * under STRATADB_LONG=1, else `bounded`.
 */
export function loopSize(override: string | undefined, bounded: number, long: number): number {
  if (override !== undefined && override !== '') return Number(override);
  return LONG ? long : bounded;
}
