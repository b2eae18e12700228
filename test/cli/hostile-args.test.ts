// The command line given what a careless user or an adversary gives it: JSON
// nested past what a value may hold, numbers JSON.parse would round, bytes
// that are not UTF-8, a byte order mark, and moments out of range in diff.
// Each is one line saying what was wrong, exit 1, and the file unchanged.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { open } from '../../src/node.js';
import { folder, run } from './support.js';

async function momentsOf(path: string): Promise<unknown[]> {
  const db = await open(path, { readOnly: true });
  try {
    return [...db.moments()].map((moment) => moment.toJS());
  } finally {
    db.close();
  }
}

/** A fresh file holding one moment, `{ kept: 1 }`. */
async function oneMoment(): Promise<{ dir: string; path: string }> {
  const dir = folder();
  const path = join(dir, 'db.xit');
  expect((await run(['import', path], { stdin: '{"kept": 1}' })).code).toBe(0);
  return { dir, path };
}

function expectRefused(result: { code: number; out: string; err: string }, message: RegExp): void {
  expect(result.code, result.err).toBe(1);
  expect(result.out).toBe('');
  expect(result.err.trimEnd()).toMatch(message);
  expect(result.err.trimEnd().split('\n')).toHaveLength(1);
}

describe('stratadb import of hostile JSON', () => {
  it('refuses nesting deeper than a value may hold by its depth, not as "not JSON" from a stack overflow', async () => {
    const { path } = await oneMoment();
    for (const depth of [502, 100_000]) {
      const text = `{"a": ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
      expectRefused(await run(['import', path], { stdin: text }), /^stratadb: standard input cannot be imported: the JSON nests deeper than 501 levels \(at character \d+\), deeper than a stored value may \[INVALID_ARGUMENT\]$/);
    }
    const objects = `{"a": ${'{"b": '.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    expectRefused(await run(['import', path], { stdin: objects }), /nests deeper than 501 levels/);
    // Brackets inside strings are text, not nesting.
    expect((await run(['import', path, '--merge'], { stdin: `{"s": "${'['.repeat(5000)}\\"{"}` })).code).toBe(0);
    // The deepest a value may nest still imports.
    expect((await run(['import', path, '--merge'], { stdin: `{"deep": ${'['.repeat(500)}${']'.repeat(500)}}` })).code).toBe(0);
    const moments = await momentsOf(path);
    expect(moments).toHaveLength(3);
    expect((moments[1] as { s: string }).s).toBe(`${'['.repeat(5000)}"{`);
  });

  it('refuses a number JSON.parse would store as another one, naming the form that keeps it', async () => {
    const { path } = await oneMoment();
    expectRefused(await run(['import', path], { stdin: '{"id": 12345678901234567890}' }), /the integer 12345678901234567890 is past 2\^53, where a float would store it as 12345678901234567168; write \{"\$bigint": "12345678901234567890"\}/);
    expectRefused(await run(['import', path], { stdin: '{"a": [1, -9007199254740993]}' }), /the integer -9007199254740993/);
    expectRefused(await run(['import', path], { stdin: '{"big": 1e400}' }), /the number 1e400 is beyond what a float holds and would be stored as Infinity; write \{"\$float": "Infinity"\}/);
    expectRefused(await run(['import', path], { stdin: '{"small": -2.5e-400}' }), /the number -2.5e-400 is too small for a float and would be stored as 0/);
    expect(await momentsOf(path)).toEqual([{ kept: 1 }]);
    // Integers a float holds exactly (what export prints for one) and decimal fractions import as before.
    // Integers a float holds exactly, a float's own text (what export prints for it) and decimal fractions import as before.
    const exact = await run(['import', path], { stdin: `{"a": 1152921504606846976, "b": -9007199254740992, "c": 0.1, "d": 0e-999, "e": 1e308, "f": "12345678901234567890", "g": ${JSON.stringify(-70332856192783128)}, "h": 1000000000000000000000}` });
    expect(exact.code, exact.err).toBe(0);
    expect((await momentsOf(path))[1]).toEqual({ a: 2 ** 60, b: -(2 ** 53), c: 0.1, d: 0, e: 1e308, f: '12345678901234567890', g: -70332856192783128, h: 1e21 });
  });

  it('refuses a file that is not UTF-8 instead of importing U+FFFD, and skips a byte order mark', async () => {
    const { dir, path } = await oneMoment();
    const latin1 = join(dir, 'latin1.json');
    writeFileSync(latin1, Buffer.from([...Buffer.from('{"name": "caf'), 0xe9, ...Buffer.from('"}')]));
    expectRefused(await run(['import', path, latin1]), new RegExp(`^stratadb: ${latin1} is not UTF-8 text, so it is not JSON \\[INVALID_ARGUMENT\\]$`));
    expect(await momentsOf(path)).toEqual([{ kept: 1 }]);
    const bom = join(dir, 'bom.json');
    writeFileSync(bom, `\uFEFF{"name": "café"}`);
    const result = await run(['import', path, bom]);
    expect(result.code, result.err).toBe(0);
    expect((await momentsOf(path))[1]).toEqual({ name: 'café' });
  });
});

describe('stratadb diff with moments out of range', () => {
  it('says there is no such moment, as --moment does, not "outside a list"', async () => {
    const { path } = await oneMoment();
    for (const [a, b, bad] of [['0', '5', '5'], ['-3', '0', '-3']]) {
      const result = await run(['diff', path, a as string, b as string]);
      expectRefused(result, new RegExp(`^stratadb: there is no moment ${bad}: the history has 1 \\(0 to 0, or -1 to -1 from the end\\) \\[OUT_OF_RANGE\\]$`));
    }
    // Past 2^53 the number typed is not the number read: refused as no moment index, not as moment 100000000000000000000.
    expectRefused(await run(['diff', path, '0', '99999999999999999999']), /^stratadb: B must be a moment index \(negative from the end\), not 99999999999999999999 \[INVALID_ARGUMENT\]$/);
  });
});

describe('counts on the command line', () => {
  it('--limit, --max-values and --keep-last take decimal digits only, not hex, exponents, spaces or Infinity', async () => {
    const { path } = await oneMoment();
    for (const text of ['0x10', '1e3', ' 5', 'Infinity', '+3', '010']) {
      for (const args of [['log', path, '--limit', text], ['get', path, '.', '--max-values', text], ['compact', path, '--keep-last', text]]) {
        const result = await run(args);
        expect(result.code, `${args.join(' ')}: ${result.err}`).toBe(2);
        expect(result.err).toMatch(/whole number of at least 1/);
      }
    }
    expect((await run(['log', path, '--limit', '10'])).code).toBe(0);
    expect((await run(['get', path, '.', '--max-values', '100'])).code).toBe(0);
    expect((await run(['compact', path, '--keep-last', '1'])).code).toBe(0);
    expect(await momentsOf(path)).toEqual([{ kept: 1 }]);
  });
});
