// Finds the xitdb fixtures (../shared/fixtures/xitdb beside the checkout, or
// STRATADB_FIXTURES). Tests that need them skip with a clear message in a user's
// clone (no ../shared), and fail instead of skipping under CI, unless the run
// says the absence is intended (STRATADB_FIXTURES_HIDDEN=1: .ci/run's second run,
// which proves that a clone without ../shared passes).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the fixtures are when nothing overrides it: ../shared beside the checkout. */
export const DEFAULT_FIXTURE_DIR = resolve(here, '..', '..', '..', 'shared', 'fixtures', 'xitdb');

/** The message a run without fixtures prints once per test file that needs them. */
export const SKIP_MESSAGE_PREFIX = 'skipping xitdb fixture tests: no fixtures at';

/** What a run does about the fixtures: where they are, and whether they are there. */
export interface FixtureLocation {
  dir: string;
  present: boolean;
  /** Set when the fixture tests skip: the message to print. */
  skipMessage: string | null;
}

/**
 * Decides where the fixtures are and what to do without them, from the
 * environment alone (a pure function, so every case is testable in any run).
 * Throws when they are missing under CI=true and the run did not ask for that.
 */
export function locateFixtures(env: Record<string, string | undefined>, exists: (path: string) => boolean): FixtureLocation {
  const dir = env.STRATADB_FIXTURES ? resolve(env.STRATADB_FIXTURES) : DEFAULT_FIXTURE_DIR;
  if (exists(join(dir, 'README.md'))) return { dir, present: true, skipMessage: null };
  if (env.CI === 'true' && env.STRATADB_FIXTURES_HIDDEN !== '1') {
    throw new Error(`the xitdb fixtures are missing at ${dir}; CI must have ../shared beside the checkout (or STRATADB_FIXTURES pointing at them)`);
  }
  return {
    dir,
    present: false,
    skipMessage: `${SKIP_MESSAGE_PREFIX} ${dir} (they live in ../shared/fixtures/xitdb beside the checkout; set STRATADB_FIXTURES to use another folder)`,
  };
}

const location = locateFixtures(process.env, existsSync);

/** Absolute path of the fixture folder. */
export const FIXTURE_DIR = location.dir;

/** True when the fixtures are present. */
export const haveFixtures = location.present;

/**
 * Prints the skip message when the fixtures are absent. Every test file that
 * reads fixtures calls it once at its top level: vitest's shared project
 * loads this module once per worker, not once per file, so a message printed
 * here at load would reach only the first such file of each worker (and
 * .ci/run checks that every one of them says why it skips).
 */
export function announceFixtures(): void {
  if (location.skipMessage !== null) console.warn(location.skipMessage);
}

/** The bytes of a fixture file. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURE_DIR, name)));
}

/** A fixture's expected JSON. */
export function fixtureJson(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8'));
}
