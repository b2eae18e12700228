// Every command on wrong arguments (exit 2, usage on stderr), missing files,
// files that are not databases, damaged databases and moments out of range
// (exit 1, one line naming the error code, never a stack trace).

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { open } from '../../src/node.js';
import { folder, run } from './support.js';

/** Every command that reads a database file, with the arguments it needs after FILE. */
const READERS: Array<[string, string[]]> = [
  ['get', ['a']],
  ['ls', []],
  ['export', []],
  ['dump', []],
  ['info', []],
  ['stats', []],
  ['verify', []],
  ['backup', ['COPY']],
];

async function sample(dir: string): Promise<string> {
  const path = join(dir, 'ok.xit');
  const db = await open(path);
  db.set(['a'], { list: Array.from({ length: 40 }, (_, i) => `item ${i} `.repeat(3)), n: 1 });
  db.set(['b'], new Map<unknown, unknown>([[1, 'x'], ['y', [1, 2, 3]]]));
  db.close();
  return path;
}

function argsFor(command: string, rest: string[], file: string, dir: string): string[] {
  return [command, file, ...rest.map((arg) => (arg === 'COPY' ? join(dir, `copy-${Math.random().toString(36).slice(2)}.xit`) : arg))];
}

/** A failure as the CLI must print it: exit 1, one line `stratadb: ... [CODE]`, nothing on stdout. */
function expectOneLineFailure(result: { code: number; out: string; err: string }, label: string, code = /[A-Z_]+/): void {
  expect(result.code, `${label}: ${result.err}`).toBe(1);
  expect(result.err, label).toMatch(new RegExp(`^stratadb: [^\\n]+ \\[${code.source}\\]\\n$`));
  expect(result.err, label).not.toMatch(/\n\s+at /);
}

describe('stratadb on wrong arguments', () => {
  it('exits 2 with a message and a hint for a missing or extra argument, an unknown option, or a bad value', async () => {
    const dir = folder();
    const path = await sample(dir);
    const cases: Array<[string[], RegExp]> = [
      [['get', path], /^stratadb: missing required argument 'path'\n\(stratadb help COMMAND shows its usage\)\n$/],
      [['get'], /missing required argument 'file'/],
      [['ls', path, 'a', 'b'], /too many arguments for 'ls'/],
      [['export', path, '--bogus'], /unknown option '--bogus'/],
      [['get', path, 'a', '--moment'], /option '--moment <n>' argument missing/],
      [['get', path, 'a', '--moment', '1.5'], /argument '1.5' is invalid\. a moment is a whole number/],
      [['export', path, '--moment', 'latest'], /argument 'latest' is invalid/],
      [['dump', path, '--max-values', '0'], /argument '0' is invalid/],
      [['info', path, '--hash', 'md5'], /^stratadb: unknown hash "md5"; known: xx16, sha1\n$/],
      [['get', path, 'a..b'], /^stratadb: the path a\.\.b has an empty step/],
      [['get', path, '[1,'], /starts with \[ but is not JSON/],
      [['get', path, '[{"a":1}]'], /a JSON path is an array of strings/],
      [['backup', path], /missing required argument 'copy'/],
      [['frobnicate', path], /^stratadb: unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.out, args.join(' ')).toBe('');
      expect(result.err, args.join(' ')).toMatch(message);
    }
  });

  it('prints a command\'s usage for help COMMAND and COMMAND --help, with exit 0', async () => {
    for (const args of [['help', 'get'], ['get', '--help']]) {
      const result = await run(args);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^Usage: stratadb get \[options\] <file> <path>/);
      expect(result.out).toMatch(/--moment <n>/);
    }
  });
});

describe('stratadb on missing files and files that are not databases', () => {
  it('answers every reading command with one line and exit 1', async () => {
    const dir = folder();
    const junk = join(dir, 'junk.xit');
    writeFileSync(junk, 'this is not a database at all');
    const empty = join(dir, 'empty.xit');
    writeFileSync(empty, '');
    for (const [command, rest] of READERS) {
      expectOneLineFailure(await run(argsFor(command, rest, join(dir, 'missing.xit'), dir)), `${command} missing`, /IO/);
      expectOneLineFailure(await run(argsFor(command, rest, dir, dir)), `${command} directory`, /IO/);
      expectOneLineFailure(await run(argsFor(command, rest, junk, dir)), `${command} junk`, /CORRUPT/);
      expectOneLineFailure(await run(argsFor(command, rest, empty, dir)), `${command} empty`, /CORRUPT/);
    }
  });

  it('refuses to import into a file that is not a database, and leaves it as it was', async () => {
    const dir = folder();
    const junk = join(dir, 'junk.xit');
    writeFileSync(junk, 'this is not a database at all');
    expectOneLineFailure(await run(['import', junk], { stdin: '{"a":1}' }), 'import junk', /CORRUPT/);
    expect(readFileSync(junk, 'utf8')).toBe('this is not a database at all');
  });
});

describe('stratadb on damaged databases', () => {
  it('prints data or one line with exit 1 for every command, on many damaged copies, and never throws', async () => {
    const dir = folder();
    const path = await sample(dir);
    const bytes = readFileSync(path);
    // A deterministic spread of damage: bytes overwritten at positions across the file, and cuts.
    let seed = 20261207;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let failures = 0;
    for (let round = 0; round < 40; round++) {
      const damaged = Buffer.from(bytes);
      if (round % 4 === 3) {
        writeFileSync(path, damaged.subarray(0, 12 + Math.floor(random() * (bytes.length - 12))));
      } else {
        for (let i = 0; i < 3; i++) damaged[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        writeFileSync(path, damaged);
      }
      for (const [command, rest] of READERS) {
        const args = argsFor(command, rest, path, dir);
        const result = await run(args);
        if (result.code === 0) continue;
        if (command === 'verify' && result.code === 1 && result.err === '') {
          expect(result.out).toMatch(/problem\(s\)/);
          continue;
        }
        failures++;
        expectOneLineFailure(result, `${command} round ${round}`);
      }
    }
    // The damage did reach the readers: most rounds make some command fail.
    expect(failures).toBeGreaterThan(20);
  });
});

describe('stratadb --moment out of range', () => {
  it('names the moments there are, for get, ls, export and dump, with exit 1', async () => {
    const dir = folder();
    const path = await sample(dir);
    for (const [command, rest] of [['get', ['a']], ['ls', []], ['export', []], ['dump', []]] as const) {
      for (const moment of ['2', '-3', '99']) {
        const result = await run([command, path, ...rest, '--moment', moment]);
        expectOneLineFailure(result, `${command} --moment ${moment}`, /OUT_OF_RANGE/);
        expect(result.err).toMatch(new RegExp(`there is no moment ${moment}: the history has 2 \\(0 to 1, or -1 to -2 from the end\\)`));
      }
    }
  });
});
