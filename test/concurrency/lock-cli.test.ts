// stratadb lock and unlock against every kind of lock file: what lock reports
// (locked, stale) is what unlock and the next writer do. And the exported CLI
// main() keeps no file descriptor of a file it refused.

import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { FileLock, LockedError, lockPath, open } from '../../src/node.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

const folder = (): string => mkdtempSync(join(tmpdir(), 'stratadb-lock-cli-'));
const old = new Date(Date.now() - 60_000);
const deadPid = (): number => Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));

/** Lock files of every kind, fresh and old; each makes the lock file of a database path. */
const KINDS: [string, (file: string) => void][] = [
  ['no lock file', () => {}],
  ['a live holder (the parent process)', (file) => writeFileSync(file, JSON.stringify({ pid: process.ppid, host: hostname(), since: new Date().toISOString() }))],
  ['a dead holder', (file) => writeFileSync(file, JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }))],
  ['a holder on another host', (file) => writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere.example', since: new Date().toISOString() }))],
  ['an empty file', (file) => writeFileSync(file, '')],
  ['JSON null', (file) => writeFileSync(file, 'null')],
  ['an array', (file) => writeFileSync(file, '[]')],
  ['pid -1', (file) => writeFileSync(file, JSON.stringify({ pid: -1, host: hostname(), since: '2020-01-01T00:00:00.000Z' }))],
  ['pid 1.5', (file) => writeFileSync(file, JSON.stringify({ pid: 1.5, host: hostname(), since: '2020-01-01T00:00:00.000Z' }))],
  ['pid 2^40', (file) => writeFileSync(file, JSON.stringify({ pid: 2 ** 40, host: hostname(), since: '2020-01-01T00:00:00.000Z' }))],
  ['a dangling symlink', (file) => symlinkSync(join(tmpdir(), 'stratadb-no-such-file'), file)],
  ['a directory', (file) => mkdirSync(file)],
  ['a fifo', (file) => execFileSync('mkfifo', [file])],
];

describe('stratadb lock and unlock', () => {
  for (const [name, make] of KINDS) {
    for (const age of ['fresh', 'old'] as const) {
      it(`agree with each other and with the next writer on ${name} (${age})`, async () => {
        const dir = folder();
        const path = join(dir, 'db.xit');
        const file = lockPath(path);
        make(file);
        if (age === 'old' && existsSync(file)) utimesSync(file, old, old);
        const lock = await run(['lock', path]);
        expect(lock.code).toBe(0);
        const status = JSON.parse(lock.out) as { locked: boolean; stale?: boolean; problem?: string };
        const unlock = await run(['unlock', path]);
        if (!status.locked) {
          expect(unlock).toMatchObject({ code: 0, out: 'not locked\n' });
        } else if (status.stale === true) {
          expect(unlock.code).toBe(0);
          expect(unlock.out).toMatch(/^broke /);
          expect(JSON.parse((await run(['lock', path])).out)).toEqual({ locked: false });
        } else {
          expect(unlock.code).toBe(1);
          expect(unlock.err).toMatch(/\[LOCKED\]\n$/);
          expect(lstatSync(file)).toBeDefined();
          // The next writer is refused too, and says why.
          expect(() => FileLock.acquire(path)).toThrow(LockedError);
          rmSync(dir, { recursive: true, force: true });
          return;
        }
        // Not locked (any more): the next writer gets in at once.
        FileLock.acquire(path).release();
        rmSync(dir, { recursive: true, force: true });
      });
    }
  }

  it('reports a dangling symlink as a lock that is not a lock file, where it reported none and the writer was refused', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    symlinkSync(join(dir, 'nowhere'), lockPath(path));
    const status = JSON.parse((await run(['lock', path])).out) as { locked: boolean; problem?: string };
    expect(status).toMatchObject({ locked: true, stale: false });
    expect(status.problem).toMatch(/symbolic link/);
    const unlock = await run(['unlock', path]);
    expect(unlock.code).toBe(1);
    expect(unlock.err).toMatch(/symbolic link.*remove it by hand/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('main', () => {
  it('keeps no file descriptor of a file it refused', async () => {
    const dir = folder();
    const path = join(dir, 'damaged.xit');
    const db = await open(path);
    db.set(['k'], 'v');
    db.close();
    // A valid file header (so the hash is found) over a history header cut short: opening it fails after the file is open.
    truncateSync(path, 20);
    const first = await run(['info', path]);
    expect(first.code).toBe(1);
    expect(first.err).toMatch(/\[(CORRUPT|IO)\]/);
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 50; i++) {
      for (const command of ['info', 'dump', 'stats', 'verify']) expect((await run([command, path])).code).toBe(1);
    }
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
    rmSync(dir, { recursive: true, force: true });
  });
});
