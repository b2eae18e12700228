// The command line: `dump` prints the fixtures' typed JSON, `info` the headers,
// and bad input gets a message and a non-zero exit code.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../src/cli/main.js';
import { FIXTURE_DIR, fixtureJson, haveFixtures } from './support/fixtures.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

describe('stratadb dump', () => {
  it.runIf(haveFixtures)('prints basic.db exactly as basic.expected.json', async () => {
    const result = await run(['dump', join(FIXTURE_DIR, 'basic.db')]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual(fixtureJson('basic.expected.json'));
  });

  it.runIf(haveFixtures)('reports the headers with info', async () => {
    const result = await run(['info', join(FIXTURE_DIR, 'lists.db')]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ hash_id: 'sha1', hash_size: 20, history: true, moments: 8 });
  });

  it('fails with a clear message and exit code 1 on a file that is not a database', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'stratadb-cli-')), 'junk.xit');
    writeFileSync(path, 'this is not a database at all');
    const result = await run(['dump', path]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/not a database.*\[CORRUPT\]/);
  });

  it('prints usage with exit code 2 for an unknown command', async () => {
    const result = await run(['frobnicate', 'x']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/usage: stratadb/);
  });
});
