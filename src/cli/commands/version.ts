// `stratadb version` (also --version, -V): the version in the package's package.json.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from '../context.js';

/**
 * The version in the package's package.json, found by walking up from this
 * module (dist/src/cli/commands in a package, src/cli/commands in a checkout).
 */
export function packageVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let level = 0; level < 6; level++) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'stratadb' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // No package.json here: look one folder up.
    }
    dir = new URL('..', dir);
  }
  return 'unknown';
}

/** `version`: prints the version. */
export function versionCommand(ctx: CliContext): Command {
  return new Command('version').description('print the version (also --version, -V)').action(() => ctx.io.out(`${packageVersion()}\n`));
}
