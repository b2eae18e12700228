// The command line: `dump` prints the fixtures' typed JSON, `info` the headers,
// and bad input gets a message and a non-zero exit code.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../src/cli/main.js';
import { FIXTURE_DIR, fixtureJson, haveFixtures, announceFixtures } from './support/fixtures.js';

announceFixtures();

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
    const result = await run(['info', join(FIXTURE_DIR, 'lists.db'), '--json']);
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
    expect(result.err).toMatch(/^stratadb: unknown command 'frobnicate'/);
  });
});

describe('stratadb verify, stats, backup, lock and unlock', () => {
  it.runIf(haveFixtures)('verifies a clean file with exit code 0 and reports stats', async () => {
    const verified = await run(['verify', join(FIXTURE_DIR, 'lists.db')]);
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(/^ok: 8 moments/m);
    const stats = await run(['stats', join(FIXTURE_DIR, 'lists.db'), '--json']);
    expect(JSON.parse(stats.out)).toMatchObject({ moments: 8, committed_size: 145313 });
  });

  it('reports every problem of a damaged file with exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const { open } = await import('../src/node.js');
    const path = join(dir, 'damaged.xit');
    const db = await open(path);
    db.set(['list'], [1, 2, 3]);
    db.set(['text'], 'x'.repeat(100));
    db.close();
    const bytes = readFileSync(path);
    // Point the root map's first used slot past the end of the file.
    const damaged = Buffer.from(bytes);
    const rootSlot = damaged.indexOf(Buffer.from([0x05]), 200);
    damaged.writeUInt32BE(0xffff, rootSlot + 5);
    writeFileSync(path, damaged);
    const result = await run(['verify', path]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/problem\(s\)/);
  });

  it('backs up a file, reports and breaks locks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const { open } = await import('../src/node.js');
    const path = join(dir, 'live.xit');
    const db = await open(path);
    db.set(['k'], 'v');
    const locked = await run(['lock', path]);
    expect(JSON.parse(locked.out)).toMatchObject({ locked: true, pid: process.pid, stale: false });
    const refused = await run(['unlock', path]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/not stale/);
    const copied = await run(['backup', path, join(dir, 'copy.xit')]);
    expect(copied.code).toBe(0);
    db.close();
    expect((await run(['lock', path])).out).toMatch(/"locked": false/);
    const dump = await run(['dump', join(dir, 'copy.xit')]);
    expect(JSON.parse(dump.out).moments).toHaveLength(1);
  });

  it('answers a missing file or a directory with one line and exit 1, for every command that reads one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    for (const args of [['info', join(dir, 'missing.xit')], ['verify', dir], ['dump', join(dir, 'missing.xit')], ['backup', join(dir, 'missing.xit'), join(dir, 'copy.xit')]]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.err, args.join(' ')).toMatch(/^stratadb: .*\[IO\]/);
    }
  });

  it('dumps keys that differ only in their format tag as two keys, and a "__proto__" key as a key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const { open } = await import('../src/node.js');
    const path = join(dir, 'keys.xit');
    const db = await open(path);
    db.set(['m'], new Map<unknown, unknown>([['1', 'text key'], [1, 'number key']]));
    db.set(['o'], JSON.parse('{"__proto__":"x","a":1}') as object);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 300; i++) deep = { a: deep };
    db.set(['deep'], deep);
    db.close();
    const result = await run(['dump', path]);
    expect(result.code).toBe(0);
    const moment = JSON.parse(result.out).moments.at(-1).hash_map;
    expect(moment.m.counted_hash_map).toEqual({ '1': { bytes: 'text key' }, '#nu:1': { bytes: 'number key' } });
    expect(Object.keys(moment.o.hash_map).sort()).toEqual(['__proto__', 'a']);
  });

  it('dumps every key of a map as its own text, whatever its bytes, and -0 as a string', async () => {
    const { dumpDatabase } = await import('../src/history/dump.js');
    const { open } = await import('../src/index.js');
    const db = await open();
    db.set(['m'], new Map<unknown, unknown>([['#nu:1', 'a string'], [1, 'a number']]));
    db.set(['b'], new Map<unknown, unknown>([[-1n, 'bytes ff'], [26214n, 'text ff']]));
    db.set(['u'], new Map<unknown, unknown>([[new Uint8Array([0xff]), 'x'], [new Uint8Array([0x66, 0x66]), 'y']]));
    db.set(['o'], { '6100': 'text', 'a\u0000': 'with a NUL', '##': 'hashes' });
    db.set(['s'], new Set<unknown>(['#bl:#t', true]));
    db.set(['f'], -0);
    const moment = dumpDatabase(db.engine).moments.at(-1) as { hash_map: Record<string, Record<string, unknown>> };
    const map = moment.hash_map;
    expect(Object.keys(map.m!.counted_hash_map as object).sort()).toEqual(['##nu:1', '#nu:1']);
    expect(Object.keys(map.b!.counted_hash_map as object).sort()).toEqual(['#bi#x:ff', '#bi:ff']);
    expect(Object.keys(map.u!.counted_hash_map as object).sort()).toEqual(['#by#x:ff', '#by:ff']);
    expect(Object.keys(map.o!.hash_map as object).sort()).toEqual(['###', '#x:6100', '6100']);
    expect(map.s!.counted_hash_set).toEqual(['##bl:#t', '#bl:#t']);
    expect(map.f).toEqual({ float: '-0' });
    db.close();
  });

  it('refuses --hash without a name after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const result = await run(['info', join(dir, 'any.xit'), '--hash']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/option '--hash <name>' argument missing/);
  });
});

describe('stratadb arguments and pipes', () => {
  it('refuses unknown options, extra arguments and a lone --hash with exit code 2, and takes --hash=NAME', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const path = join(dir, 'args.xit');
    const { open } = await import('../src/node.js');
    const db = await open(path);
    db.set(['a'], 1);
    db.close();
    expect((await run(['dump', path, '--bogus'])).code).toBe(2);
    expect((await run(['info', path, 'extra'])).code).toBe(2);
    expect((await run(['backup', path])).code).toBe(2);
    expect((await run(['--hash', 'sha1'])).code).toBe(2);
    expect((await run(['--help'])).code).toBe(0);
    const forced = await run(['info', path, '--hash=xx16', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.out)).toMatchObject({ hash_id: 'xx16', moments: 1 });
  });

  it('prints the usage to stderr with exit code 2 when run with no arguments, and to stdout for help', async () => {
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toMatch(/^Usage: stratadb/);
    for (const help of ['help', '--help', '-h']) {
      const result = await run([help]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^Usage: stratadb/);
      expect(result.out).toMatch(/version +print the version/);
    }
  });

  it('prints stats with the same key style as info', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const path = join(dir, 'stats.xit');
    const { open } = await import('../src/node.js');
    const db = await open(path);
    db.set(['a'], 'a value long enough to take a record of its own');
    db.close();
    const stats = JSON.parse((await run(['stats', path, '--json'])).out) as Record<string, number>;
    const info = JSON.parse((await run(['info', path, '--json'])).out) as Record<string, number>;
    expect(Object.keys(stats)).toEqual(['file_size', 'committed_size', 'moments', 'reachable_bytes']);
    expect(stats.file_size).toBe(info.file_size);
    expect(stats.committed_size).toBe(info.committed_size);
    expect(stats.moments).toBe(1);
    expect(stats.reachable_bytes).toBeGreaterThan(0);
  });

  it('prints the package version for version, --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['version', '--version', '-V']) {
      const result = await run([flag]);
      expect(result.code).toBe(0);
      expect(result.out).toBe(`${version}\n`);
    }
    // The built command finds it too, from dist/src/cli.
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync(process.execPath, [join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js'), '--version'], { encoding: 'utf8' })).toBe(`${version}\n`);
  });

  it('reports a lock file that names no holder as a lock, and does not break a fresh one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const path = join(dir, 'locked.xit');
    writeFileSync(`${path}.lock`, 'garbage');
    const lock = await run(['lock', path]);
    expect(lock.code).toBe(0);
    expect(JSON.parse(lock.out)).toEqual({ locked: true, holder: null, stale: false });
    const unlock = await run(['unlock', path]);
    expect(unlock.code).toBe(1);
    expect(unlock.err).toMatch(/names no holder/);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe('garbage');
    // Once it has stayed so for longer than a writer takes to fill it, the writer died doing so: unlock breaks it.
    const { utimesSync, existsSync } = await import('node:fs');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, old, old);
    expect(JSON.parse((await run(['lock', path])).out)).toEqual({ locked: true, holder: null, stale: true });
    const broken = await run(['unlock', path]);
    expect(broken.code).toBe(0);
    expect(broken.out).toMatch(/broke a lock file that named no holder/);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('stops quietly when the reader of its output closes the pipe', async () => {
    const { spawnSync } = await import('node:child_process');
    const { open } = await import('../src/node.js');
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-cli-'));
    const path = join(dir, 'big.xit');
    const db = await open(path);
    db.set(['items'], Array.from({ length: 20_000 }, (_, i) => `item ${i}`));
    db.close();
    const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" dump "${path}" | head -c 100 > /dev/null`], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });
});
