// Every example runs to completion (from the build that `npm test` makes first).

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.ts'));

describe('examples', () => {
  it('are all built (npm test builds first)', () => {
    for (const name of examples) expect(existsSync(join(root, 'dist', 'examples', name.replace(/\.ts$/, '.js'))), name).toBe(true);
  });

  for (const name of examples) {
    it(`${name} runs and exits 0`, () => {
      const output = execFileSync(process.execPath, [join(root, 'dist', 'examples', name.replace(/\.ts$/, '.js'))], { encoding: 'utf8', timeout: 60_000 });
      expect(output.length).toBeGreaterThan(0);
      if (name === 'quick-start.ts') {
        expect(output).toMatch(/after undo, moments: 4/);
        expect(output).toMatch(/latest after undo: +title="My todo list"/);
      }
    });
  }
});
