// The README's command-line session runs as written: each line in order, in a
// folder of its own, with `npx stratadb` as the built command; every line
// exits 0 and the values its comments promise are what it prints.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, folder, run } from './support.js';

/** The lines of the shell block after the README's "## Command line" heading. */
function sessionLines(): string[] {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Command line'));
  const block = /```sh\n([^]*?)\n```/.exec(section);
  if (block === null) throw new Error('README.md has no shell block under "## Command line"');
  return (block[1] as string).split('\n').filter((line) => line.trim() !== '');
}

describe('README command line session', () => {
  it('runs line by line, each exits 0, and prints what its comment says', () => {
    const dir = folder();
    const lines = sessionLines();
    expect(lines.length).toBeGreaterThanOrEqual(10);
    const outputs = new Map<string, string>();
    for (const line of lines) {
      expect(line, 'each line runs the command through npx').toMatch(/npx stratadb /);
      const command = line.replace(/npx stratadb /g, `"${process.execPath}" "${CLI}" `);
      // execFileSync throws, with the command's stderr, when a line exits non-zero.
      const output = execFileSync('sh', ['-c', command], { cwd: dir, encoding: 'utf8' });
      outputs.set(line, output);
      const promised = /# (\d+)$/.exec(line) ?? /# (\{.*?\}):/.exec(line);
      if (promised !== null) expect(JSON.parse(output), line).toEqual(JSON.parse(promised[1] as string));
    }
    const ls = [...outputs].find(([line]) => line.includes('stratadb ls'))?.[1];
    expect(ls).toBe('users\tobject\t1\ntodos\tlist\t1\n');
    const first = [...outputs].find(([line]) => line.includes('--moment 0'))?.[1];
    expect(first).toBe('"Pay the bills"\n');
  });
});

describe('README and help', () => {
  it('name the same commands: each command help lists appears in the README session', async () => {
    const help = (await run(['help'])).out;
    const commands = [...help.slice(help.indexOf('Commands:')).matchAll(/^  ([a-z]+) /gm)].map((match) => match[1] as string);
    expect(commands).toEqual(expect.arrayContaining(['get', 'ls', 'export', 'import', 'dump', 'info', 'stats', 'verify', 'backup', 'lock', 'unlock']));
    const session = sessionLines().join('\n');
    // watch runs until interrupted, so the session cannot run it; the README describes it beside.
    // follow and replicate need NATS servers: README §Replication describes them, test/replication/cli.test.ts runs them.
    for (const command of commands.filter((name) => !['version', 'watch', 'follow', 'replicate'].includes(name))) expect(session, command).toMatch(new RegExp(`npx stratadb ${command} `));
  });
});
