// Fuzzing the lock file (reliability issue): random contents and kinds of lock
// file (random bytes, random JSON, holders with absurd fields, long text,
// symlinks, directories, fifos, unreadable files) must make readLockHolder,
// lockStatus, breakStaleLock, FileLock.acquire and `stratadb lock`/`unlock`
// return or throw a StrataError, never hang, and agree with each other: what
// lock reports is what unlock and the next writer do. Fixed seed;
// STRATADB_FUZZ_RUNS scales the case count, STRATADB_FUZZ_SEED picks others.
//
// Tests run as root here: a file with mode 000 is still readable by root, so
// that kind exercises the mode but not a refused read (as another user it
// becomes a `foreign` lock file that cannot be read).

import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { FileLock, LockedError, StrataError, breakStaleLock, lockPath, readLockHolder } from '../../src/node.js';
import { lockStatus } from '../../src/storage/file-lock.js';
import { loopSize } from '../support/sizes.js';

// Half the reader fuzz's count, at least 40: 75, 150 under STRATADB_LONG=1.
const RUNS = Math.max(40, Math.floor(loopSize(process.env.STRATADB_FUZZ_RUNS, 150, 300) / 2));
const SEED = Number(process.env.STRATADB_FUZZ_SEED ?? 20261207);

const root = mkdtempSync(join(tmpdir(), 'stratadb-lock-fuzz-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A broken contract: not a StrataError. */
class ContractViolation extends Error {}

/** Runs `fn`; a StrataError is a typed answer and is returned, anything else escapes. */
function typed<T>(fn: () => T): T | StrataError {
  try {
    return fn();
  } catch (error) {
    if (error instanceof StrataError) return error;
    throw error;
  }
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, (t) => (out += t), (t) => (err += t));
  return { code, out, err };
}

/** A lock file to make: its kind, and for files their text. */
type LockKind =
  | { kind: 'file'; text: string | Uint8Array; mode: number }
  | { kind: 'symlink'; target: number }
  | { kind: 'directory'; withChild: boolean }
  | { kind: 'fifo' };

const anyPid = fc.oneof(
  fc.constantFrom<unknown>(process.pid, 1, 0, -1, -(2 ** 31), 2 ** 31, 2 ** 53, 2 ** 64, 1e300, 1.5, '123', null, true, [], {}),
  fc.integer({ min: 4_194_305, max: 2 ** 31 - 1 }), // above Linux's pid_max: no such process
  fc.integer(),
  fc.double(),
);
const anyText = fc.oneof(fc.constantFrom<unknown>(hostname(), '', 'elsewhere.example', 5, null), fc.string({ maxLength: 40 }), fc.nat(200_000).map((n) => 'h'.repeat(n)));
const holderLike = fc.record(
  {
    pid: anyPid,
    host: anyText,
    since: fc.oneof(fc.constant(new Date().toISOString()), fc.constant('2020-01-01T00:00:00.000Z'), anyText),
    startTime: fc.oneof(fc.constant(undefined), fc.integer(), fc.double(), fc.constantFrom<unknown>(-1, null, 'x', 2 ** 60)),
    bootId: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 }), fc.constantFrom<unknown>(5, null, {})),
    extra: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 })),
  },
  { requiredKeys: ['pid'] },
);
const fileText: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  holderLike.map((value) => JSON.stringify(value)),
  holderLike.map((value) => JSON.stringify({ holder: value, pid: value })),
  fc.constantFrom('NaN', '{"pid": NaN, "host": "h", "since": "s"}', '{"pid": Infinity}', '{"pid": 1e999, "host": "h", "since": "s"}', '{', '', '\u0000', '\ufeff{}'),
  fc.nat(3_000_000).map((n) => `{"pid":1,"host":"${'x'.repeat(n)}","since":"s"}`),
  fc.array(fc.nat(40), { minLength: 1, maxLength: 4 }).map((depths) => `${'['.repeat(depths[0] ?? 1)}{"pid":${process.pid}}${']'.repeat(depths[0] ?? 1)}`),
);
const lockKind: fc.Arbitrary<LockKind> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('file' as const), text: fileText, mode: fc.constantFrom(0o644, 0o600, 0o000, 0o200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('symlink' as const), target: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('directory' as const), withChild: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fifo' as const }) },
);

/** Makes the lock file of `databasePath` as `shape` says; `old` backdates it past the ten seconds a torn lock is given. */
function make(databasePath: string, shape: LockKind, old: boolean): void {
  const file = lockPath(databasePath);
  switch (shape.kind) {
    case 'file':
      writeFileSync(file, shape.text);
      chmodSync(file, shape.mode);
      break;
    case 'symlink': {
      const valid = join(root, 'valid-holder');
      writeFileSync(valid, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      const targets = [join(root, 'no-such-file'), '/dev/null', root, valid, file, '/dev/zero'];
      symlinkSync(targets[shape.target % targets.length] as string, file);
      break;
    }
    case 'directory':
      mkdirSync(file);
      if (shape.withChild) writeFileSync(join(file, 'child'), 'x');
      break;
    case 'fifo':
      execFileSync('mkfifo', [file]);
      break;
  }
  if (old && shape.kind !== 'symlink') {
    const then = new Date(Date.now() - 60_000);
    utimesSync(file, then, then);
  }
}

function clear(databasePath: string): void {
  const file = lockPath(databasePath);
  try {
    chmodSync(file, 0o700);
  } catch {
    // a symlink or nothing
  }
  rmSync(file, { recursive: true, force: true });
}

function describeShape(shape: LockKind): string {
  if (shape.kind !== 'file') return JSON.stringify(shape);
  const text = typeof shape.text === 'string' ? shape.text : `bytes ${Buffer.from(shape.text).toString('base64')}`;
  return `file mode ${shape.mode.toString(8)}: ${text.length > 200 ? `${text.slice(0, 200)}... (${text.length} chars)` : text}`;
}

/** One lock file: every reader answers in a typed way, and lock, unlock and acquire agree. */
async function runCase(index: number, shape: LockKind, old: boolean): Promise<void> {
  const databasePath = join(root, `db-${index}.xit`);
  make(databasePath, shape, old);
  const status = lockStatus(databasePath);
  typed(() => readLockHolder(databasePath));
  const reported = await cli(['lock', databasePath]);
  if (reported.code !== 0) throw new ContractViolation(`lock exited ${reported.code}: ${reported.err}`);
  const json = JSON.parse(reported.out) as { locked: boolean; stale?: boolean };
  if (json.locked !== status.locked || (status.locked && json.stale !== status.stale)) {
    throw new ContractViolation(`lock printed ${reported.out.slice(0, 200)} but lockStatus says ${JSON.stringify(status).slice(0, 200)}`);
  }
  const unlocked = await cli(['unlock', databasePath]);
  const after = lockStatus(databasePath);
  if (!status.locked) {
    if (unlocked.code !== 0 || after.locked) throw new ContractViolation(`not locked, but unlock exited ${unlocked.code} (${unlocked.err}) and left ${JSON.stringify(after)}`);
  } else if (status.stale && status.problem === undefined) {
    if (unlocked.code !== 0 || after.locked) throw new ContractViolation(`lock said stale, but unlock exited ${unlocked.code} (${unlocked.err.slice(0, 200)}) and left it locked`);
  } else if (unlocked.code !== 1 || !after.locked) {
    throw new ContractViolation(`lock said live or foreign, but unlock exited ${unlocked.code} (${unlocked.out.slice(0, 200)}) and the lock is ${after.locked ? 'there' : 'gone'}`);
  }
  // The next writer does what lock said: takes a lock that is gone or stale, refuses one that is not.
  const acquired = typed(() => FileLock.acquire(databasePath, 0));
  if (acquired instanceof FileLock) {
    if (after.locked && !after.stale) throw new ContractViolation('acquire took a lock that lock and unlock call live');
    expectSafeRelease(acquired, databasePath);
  } else if (!after.locked || after.stale) {
    throw new ContractViolation(`acquire refused a lock that lock calls ${after.locked ? 'stale' : 'absent'}: ${acquired.name}: ${acquired.message.slice(0, 200)}`);
  } else if (!(acquired instanceof LockedError)) {
    throw new ContractViolation(`acquire refused a live lock with ${acquired.name}, not LockedError`);
  }
  clear(databasePath);
  // breakStaleLock on a fresh copy of the same lock file: it breaks what lock calls stale, nothing else.
  make(databasePath, shape, old);
  const before = lockStatus(databasePath);
  const broke = typed(() => breakStaleLock(databasePath));
  if (broke instanceof StrataError) return clear(databasePath);
  const expected = before.locked && before.stale && before.problem === undefined;
  if (broke !== expected) throw new ContractViolation(`breakStaleLock returned ${broke} for a lock that lock calls ${JSON.stringify(before).slice(0, 200)}`);
  if (broke && lockStatus(databasePath).locked) throw new ContractViolation('breakStaleLock returned true but the lock file is still there');
  clear(databasePath);
}

function expectSafeRelease(lock: FileLock, databasePath: string): void {
  lock.release();
  if (lockStatus(databasePath).locked) throw new ContractViolation('a released lock left its lock file');
}

describe('lock file fuzz', () => {
  it('answers every random lock file with data or a StrataError, and lock, unlock, acquire and breakStaleLock agree', { timeout: Math.max(120_000, RUNS * 500) }, async () => {
    const cases = fc.sample(fc.tuple(lockKind, fc.boolean()), { seed: SEED, numRuns: RUNS });
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (const [index, [shape, old]] of cases.entries()) {
      try {
        await runCase(index, shape, old);
        const status = kinds.get(shape.kind) ?? 0;
        kinds.set(shape.kind, status + 1);
      } catch (error) {
        const stack = error instanceof Error ? (error.stack ?? '').split('\n').slice(0, 6).join('\n') : String(error);
        failures.push(`case ${index} (${old ? 'old' : 'fresh'}) ${describeShape(shape)}\n  ${stack}`);
        clear(join(root, `db-${index}.xit`));
      }
      if (failures.length >= 5) break;
    }
    console.log(`lock fuzz: ${cases.length} cases, by kind ${JSON.stringify(Object.fromEntries(kinds))}`);
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
});
