// `stratadb diff` and `stratadb watch`: changes as text and as typed-JSON lines
// (the dump's values and key texts), usage errors, and watch following another
// process's commits.

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { watchCommand } from '../../src/cli/watch-command.js';
import { open } from '../../src/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const writerScript = resolve(here, '..', 'support', 'child-writer.mjs');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

async function sampleFile(): Promise<{ dir: string; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'stratadb-diff-cli-'));
  const path = join(dir, 'db.xit');
  const db = await open(path);
  db.set(['users'], { alice: { visits: 1 }, bob: { visits: 2 } });
  db.transact((tx) => {
    tx.set(['users', 'alice', 'visits'], 5);
    tx.delete(['users', 'bob']);
    tx.set(['counts'], new Map([[1, 'one']]));
  });
  db.close();
  return { dir, path };
}

describe('stratadb diff', () => {
  it('prints one typed-JSON line per change with --json', async () => {
    const { dir, path } = await sampleFile();
    try {
      const result = await run(['diff', path, '0', '-1', '--json']);
      expect(result.code).toBe(0);
      const lines = result.out.trim().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual(
        expect.arrayContaining([
          { path: ['users', 'alice', 'visits'], type: 'change', before: { int: '1' }, after: { int: '5' } },
          { path: ['users', 'bob'], type: 'remove', before: { hash_map: { visits: { int: '2' } } } },
          { path: ['counts'], type: 'add', after: { counted_hash_map: { '#nu:1': { bytes: 'one' } }, count: 1 } },
        ]),
      );
      expect(lines).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compares under a path, and prints text without --json', async () => {
    const { dir, path } = await sampleFile();
    try {
      const result = await run(['diff', path, '0', '1', 'users/alice']);
      expect(result.code).toBe(0);
      expect(result.out).toBe('~ ["users","alice","visits"] {"int":"1"} -> {"int":"5"}\n');
      const json = await run(['diff', path, '1', '0', '["users"]', '--json']);
      expect(json.out.trim().split('\n')).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad arguments with exit code 2, and a missing moment with 1', async () => {
    const { dir, path } = await sampleFile();
    try {
      expect((await run(['diff', path, '0'])).code).toBe(2);
      expect((await run(['diff', path, '0', '1', '--yaml'])).code).toBe(2);
      const missing = await run(['diff', path, '0', '7']);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/\[OUT_OF_RANGE\]/);
      const notNumber = await run(['diff', path, 'zero', '1']);
      expect(notNumber.code).toBe(1);
      expect(notNumber.err).toMatch(/\[INVALID_ARGUMENT\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stratadb watch', () => {
  it('prints the changes another process commits, with their moments', async () => {
    const { dir, path } = await sampleFile();
    try {
      let out = '';
      let err = '';
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolveStop) => {
        stop = resolveStop;
      });
      const running = watchCommand([path, '["a"]', '--json'], (t) => {
        out += t;
        if (out.includes('"moment":3')) stop();
      }, (t) => (err += t), stopped);
      const child = spawn(process.execPath, [writerScript, path, '2'], { stdio: 'ignore' });
      await new Promise((resolveExit) => child.on('exit', resolveExit));
      expect(await running).toBe(0);
      expect(err).toContain('watching');
      const lines = out.trim().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual([
        { moment: 2, path: ['a'], type: 'add', after: { int: '1' } },
        { moment: 3, path: ['a'], type: 'change', before: { int: '1' }, after: { int: '2' } },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
