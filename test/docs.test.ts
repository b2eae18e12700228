// `npm run docs` as users run it: typedoc, with warnings as errors (typedoc.json),
// renders the API reference and exits 0. Every export is documented, no link is
// broken, exports are grouped by entry point and purpose (typedoc-groups.mjs),
// 'stratadb' holds the value API and errors only, and the test doubles sit in
// 'stratadb/testing', apart from Database.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// npm's own command line, run by this Node (no shell); `npm test` sets npm_execpath.
const npmCli = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')].find(
  (path): path is string => path !== undefined && /npm-cli\.js$/.test(path) && existsSync(path),
);

/** The first section of a module page headed `title` (typedoc marks each with data-key="section-..."). */
function group(html: string, title: string): string {
  const start = html.indexOf(`data-key="section-${title}"`);
  if (start < 0) return '';
  const end = html.indexOf('data-key="section-', start + 1);
  return html.slice(start, end < 0 ? undefined : end);
}

describe('npm run docs', () => {
  it('exits 0 with no warning and renders the API reference, grouped by entry point and purpose', () => {
    expect(npmCli, 'npm-cli.js beside this Node').toBeDefined();
    const out = mkdtempSync(join(tmpdir(), 'stratadb-docs-'));
    // execFileSync throws, with typedoc's output, on a non-zero exit.
    // --skipErrorChecking: npm test has type-checked these sources already
    // (its build); typedoc's own check of them was about half of this test's
    // CPU (20 -> 9 CPU-s measured). It still resolves every export, comment and
    // link, which is what the warnings below are about; the pages are the same.
    // --silent: npm does not echo the command, whose option name says "Error".
    const output = execFileSync(process.execPath, [npmCli!, 'run', '--silent', 'docs', '--', '--out', out, '--skipErrorChecking'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    expect(output).not.toMatch(/warning|error/i);

    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/Database/);
    const page = (name: string): string => readFileSync(join(out, 'modules', `${name}.html`), 'utf8');
    const main = page('stratadb');
    const node = page('stratadb_node');
    const engine = page('stratadb_engine');
    const testing = page('stratadb_testing');
    expect(group(main, 'Database and values')).toMatch(/Database/);
    expect(group(main, 'Errors')).toMatch(/CorruptDatabaseError/);
    // The value API's page shows neither the engine nor the test doubles.
    expect(main).not.toMatch(/FaultStorage|tinyHasher|ReadCursor|MemoryStorage/);
    expect(group(testing, 'Testing')).toMatch(/FaultStorage/);
    expect(group(testing, 'Testing')).toMatch(/SimulatedCrash/);
    expect(group(testing, 'Testing')).toMatch(/tinyHasher/);
    expect(group(engine, 'Engine and cursors')).toMatch(/ReadCursor/);
    expect(group(engine, 'Storage')).toMatch(/MemoryStorage/);
    expect(group(page('stratadb_immutable'), 'Database and values')).toMatch(/toImmutable/);
    expect(group(node, 'Storage')).toMatch(/FileStorage/);
    expect(group(page('stratadb_replication'), 'Replication')).toMatch(/ReplicatedWriter/);
  });
});
