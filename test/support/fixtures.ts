// Finds ../shared/fixtures/xitdb. Tests that need it skip with a clear message in
// a user's clone (no ../shared), and fail instead of skipping under CI.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Absolute path of the fixture folder. */
export const FIXTURE_DIR = resolve(here, '..', '..', '..', 'shared', 'fixtures', 'xitdb');

/** True when the fixtures are present. */
export const haveFixtures = existsSync(join(FIXTURE_DIR, 'README.md'));

if (!haveFixtures) {
  if (process.env.CI === 'true') {
    throw new Error(`the xitdb fixtures are missing at ${FIXTURE_DIR}; CI must have ../shared beside the checkout`);
  }
  console.warn(`skipping xitdb interop tests: no fixtures at ${FIXTURE_DIR} (they live in ../shared beside the checkout)`);
}

/** The bytes of a fixture file. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURE_DIR, name)));
}

/** A fixture's expected JSON. */
export function fixtureJson(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8'));
}
