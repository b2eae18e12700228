// open<Schema>() type-checks paths and values at compile time: runs tsc on
// schema-types.ts, whose @ts-expect-error lines must each be errors.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('open<Schema>()', () => {
  it('accepts paths and values of the schema and rejects the wrong ones at compile time', () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      tsc,
      '--noEmit',
      '--strict',
      '--exactOptionalPropertyTypes',
      '--noUncheckedIndexedAccess',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
      '--skipLibCheck',
      '--types',
      'node',
      join(root, 'test', 'api', 'schema-types.ts'),
    ];
    let output = '';
    try {
      output = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // tsc reports an unused @ts-expect-error (a wrong line that compiled) as error TS2578.
    expect(output).toBe('');
  });
});
