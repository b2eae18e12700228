// Every public export is documented: typedoc, with warnings as errors
// (typedoc.json), validates the API docs without writing them.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('npm run docs', () => {
  it('finds documentation on every export and no broken link', () => {
    const output = execFileSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(output).not.toMatch(/warning|error/i);
  });
});
