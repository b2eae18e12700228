// Progress bars: drawn on standard error for verify, dump, backup and import
// when it is a terminal (a fake one in-process, a pseudo-terminal from
// `script` for the real command), and nothing at all when it is piped or with
// --no-progress; the data printed is the same either way.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { open } from '../../src/node.js';
import { CLI, folder, run } from './support.js';

let big: Promise<string> | undefined;

/**
 * A file big enough that verify reads well over 4096 slots (its progress
 * interval), over three moments; written once, in a folder of its own, and
 * only read by the tests (their copies and imports go in their own folders).
 */
function bigFile(): Promise<string> {
  big ??= writeBigFile(folder());
  return big;
}

async function writeBigFile(dir: string): Promise<string> {
  const path = join(dir, 'big.xit');
  const db = await open(path);
  for (let part = 0; part < 3; part++) {
    db.transact((tx) => {
      for (let i = 0; i < 2000; i++) tx.set([`key ${part} ${i}`], { n: i, text: `value ${i}` });
    });
  }
  db.close();
  return path;
}

/** Each long command, with what it needs; the copy and import targets are new per call. */
function longCommands(dir: string, path: string): Array<{ label: string; args: () => string[]; stdin?: string }> {
  let n = 0;
  return [
    { label: 'verify', args: () => ['verify', path] },
    { label: 'dump', args: () => ['dump', path] },
    { label: 'backup', args: () => ['backup', path, join(dir, `copy${n++}.xit`)] },
    { label: 'import', args: () => ['import', join(dir, `import${n++}.xit`)], stdin: JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))) },
  ];
}

describe('progress bars', () => {
  it('are drawn on a terminal for verify, dump, backup and import, and the output is the same as without', async () => {
    const dir = folder();
    const path = await bigFile();
    for (const { label, args, stdin } of longCommands(dir, path)) {
      const options = stdin === undefined ? {} : { stdin };
      const drawn = await run(args(), { ...options, tty: true });
      const piped = await run(args(), options);
      expect(drawn.code, drawn.err).toBe(0);
      expect(drawn.progress, label).toMatch(new RegExp(`${label} \\[[█░]+\\] \\d+%`));
      expect(drawn.progress, label).toMatch(/100%/);
      expect(piped.progress, label).toBe('');
      expect(piped.err, label).toBe('');
      // Only the copy's or import's file name differs.
      expect(drawn.out.replace(/(copy|import)\d+/, 'X'), label).toBe(piped.out.replace(/(copy|import)\d+/, 'X'));
    }
  });

  it('are not drawn with --no-progress, even on a terminal', async () => {
    const dir = folder();
    const path = await bigFile();
    for (const { label, args, stdin } of longCommands(dir, path)) {
      const result = await run([...args(), '--no-progress'], { ...(stdin === undefined ? {} : { stdin }), tty: true });
      expect(result.code, result.err).toBe(0);
      expect(result.progress, label).toBe('');
    }
  });

  it('leave piped standard error empty when the built command runs as a process', async () => {
    const dir = folder();
    const path = await bigFile();
    for (const { label, args, stdin } of longCommands(dir, path)) {
      const result = spawnSync(process.execPath, [CLI, ...args()], { encoding: 'utf8', input: stdin ?? '', stdio: 'pipe', maxBuffer: 1 << 28 });
      expect(result.status, `${label}: ${result.stderr}`).toBe(0);
      expect(result.stderr, label).toBe('');
      expect(result.stdout, label).not.toMatch(/\u001b|%/);
    }
  });

  it('are drawn by the built command on a pseudo-terminal (script), and cleared at the end', async () => {
    const dir = folder();
    const path = await bigFile();
    const command = `"${process.execPath}" "${CLI}" verify "${path}"`;
    writeFileSync(join(dir, 'cmd.sh'), `${command}\n`);
    const result = spawnSync('script', ['-qec', `sh "${join(dir, 'cmd.sh')}"`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/verify \[[█░]+\] \d+%/);
    // The bar's line is cleared (ESC [2K) before the result prints.
    expect(result.stdout).toMatch(/\u001b\[2K[^]*ok: 3 moments/);
  });
});
