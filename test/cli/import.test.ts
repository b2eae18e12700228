// stratadb import: one new moment from a JSON file or standard input, replacing
// the top level (or merging with --merge); export then import gives the same
// JSON back, checked on random JSON with the file verified after each import.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { open } from '../../src/node.js';
import { verifyDatabase } from '../../src/engine.js';
import { folder, run } from './support.js';

async function momentsOf(path: string): Promise<unknown[]> {
  const db = await open(path, { readOnly: true });
  try {
    expect(verifyDatabase(db.engine).problems).toEqual([]);
    return [...db.moments()].map((moment) => moment.toJS());
  } finally {
    db.close();
  }
}

describe('stratadb import', () => {
  it('creates the file and writes a JSON file as its first moment, reading back the one-key objects', async () => {
    const dir = folder();
    const path = join(dir, 'new.xit');
    const json = join(dir, 'data.json');
    writeFileSync(json, JSON.stringify({ users: { alice: 1 }, raw: { $bytes: '00ff' }, huge: { $bigint: '-123456789012345678901' }, odd: { $float: 'NaN' }, keep: { $bytes: 'xyz' } }));
    const result = await run(['import', path, json]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toBe(`imported 5 keys from ${json} as moment 0\n`);
    const [moment] = (await momentsOf(path)) as Array<Record<string, unknown>>;
    expect(moment).toEqual({ users: { alice: 1 }, raw: new Uint8Array([0, 255]), huge: -123456789012345678901n, odd: Number.NaN, keep: { $bytes: 'xyz' } });
  });

  it('replaces the top level by default and keeps other keys with --merge, one moment each', async () => {
    const path = join(folder(), 'db.xit');
    expect((await run(['import', path], { stdin: '{"a": 1, "b": [1, 2]}' })).code).toBe(0);
    expect((await run(['import', path, '-'], { stdin: '{"c": {"d": true}}' })).code).toBe(0);
    expect((await run(['import', path, '--merge'], { stdin: '{"a": "merged"}' })).code).toBe(0);
    expect(await momentsOf(path)).toEqual([{ a: 1, b: [1, 2] }, { c: { d: true } }, { c: { d: true }, a: 'merged' }]);
  });

  it('round-trips export into import on random JSON objects, and the file verifies', async () => {
    const dir = folder();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }), async (data) => {
        const path = join(dir, `p${n++}.xit`);
        const text = JSON.stringify(data);
        const imported = await run(['import', path], { stdin: text });
        expect(imported.code, imported.err).toBe(0);
        const exported = await run(['export', path]);
        expect(exported.code, exported.err).toBe(0);
        // JSON.parse(JSON.stringify()) is what a JSON file can hold: -0 becomes 0.
        expect(JSON.parse(exported.out)).toEqual(JSON.parse(text));
        await momentsOf(path);
      }),
      { numRuns: Number(process.env.STRATADB_PROPERTY_RUNS ?? 40) },
    );
  });

  it('refuses JSON that is not an object, is not JSON, or cannot be read, with one line and exit 1, writing nothing', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    for (const [stdin, message] of [
      ['[1, 2]', /import takes a JSON object .* standard input holds an array \[INVALID_ARGUMENT\]/],
      ['42', /standard input holds 42 \[INVALID_ARGUMENT\]/],
      [JSON.stringify('x'.repeat(100_000)), /^stratadb: import takes a JSON object .* standard input holds a string \(100000 characters\) \[INVALID_ARGUMENT\]\n$/],
      ['{"a": ', /^stratadb: standard input is not JSON: .*\[INVALID_ARGUMENT\]\n$/],
    ] as const) {
      const result = await run(['import', path], { stdin });
      expect(result.code).toBe(1);
      expect(result.err).toMatch(message);
    }
    const missing = await run(['import', path, join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^stratadb: cannot read .*nope\.json: ENOENT.*\[IO\]\n$/);
    expect(existsSync(path)).toBe(false);
  });

  it('asks for JSON with exit 2 when nothing is named and nothing is piped in', async () => {
    const result = await run(['import', join(folder(), 'db.xit')]);
    expect(result.code).toBe(2);
    expect(result.err).toBe('stratadb: import needs JSON: name a JSON file, or pipe it into standard input (- reads it too)\n');
  });

  it('is refused with LOCKED while another writer has the file, and writes nothing', async () => {
    const path = join(folder(), 'db.xit');
    const db = await open(path);
    db.set(['a'], 1);
    const result = await run(['import', path], { stdin: '{"b": 2}' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^stratadb: .*\[LOCKED\]\n$/);
    expect(db.momentCount).toBe(1);
    db.close();
  });

  it('refuses a value the database cannot store, naming its path, and commits nothing', async () => {
    const path = join(folder(), 'db.xit');
    await run(['import', path], { stdin: '{"a": 1}' });
    let deep = '1';
    for (let i = 0; i < 600; i++) deep = `[${deep}]`;
    const result = await run(['import', path], { stdin: `{"b": ${deep}}` });
    expect(result.code).toBe(1);
    expect(result.err.trim().split('\n')).toHaveLength(1);
    expect(await momentsOf(path)).toEqual([{ a: 1 }]);
  });
});
