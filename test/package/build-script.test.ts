// scripts/build.mjs (`npm run build`): after tsc's incremental build it
// removes every output in dist/ whose source file is gone (a renamed or
// deleted module must not linger in the package), and folders left empty;
// outputs whose source exists stay. Only stray files this test makes are at
// stake: other test files import dist/ while this one runs.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('npm run build', () => {
  it('removes the outputs of sources that are gone, and the folders they leave empty, and keeps the others', () => {
    const stray = `gone-${process.pid}`;
    const files = [
      join(root, 'dist', 'src', `${stray}.js`),
      join(root, 'dist', 'src', `${stray}.d.ts`),
      join(root, 'dist', 'src', `${stray}.js.map`),
      join(root, 'dist', 'src', `${stray}.d.ts.map`),
      join(root, 'dist', 'src', stray, 'inner.js'),
    ];
    mkdirSync(join(root, 'dist', 'src', stray), { recursive: true });
    for (const file of files) writeFileSync(file, '// a stray output\n');
    // Not an output kind tsc emits: left alone.
    const other = join(root, 'dist', 'src', `${stray}.txt`);
    writeFileSync(other, 'kept\n');
    try {
      const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
      expect(build.stderr).toBe('');
      expect(build.status).toBe(0);
      for (const file of files) expect(existsSync(file), file).toBe(false);
      expect(existsSync(join(root, 'dist', 'src', stray))).toBe(false);
      expect(existsSync(other)).toBe(true);
      for (const kept of ['index.js', 'index.d.ts', 'node.js', 'api/database.js']) expect(existsSync(join(root, 'dist', 'src', kept)), kept).toBe(true);
    } finally {
      spawnSync('rm', ['-rf', join(root, 'dist', 'src', stray), other, ...files]);
    }
  }, 120_000);
});
