#!/usr/bin/env node
// The command line: a thin layer over the public API. `stratadb dump FILE`
// prints every moment as the typed JSON of the xitdb fixtures README;
// `stratadb info FILE` prints the headers.

import { closeSync, constants, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileStorage, refuseIfNotRegularFile } from '../storage/file-storage.js';
import { Engine } from '../history/engine.js';
import { decodeFileHeader, hashIdName } from '../format/file-header.js';
import { builtInHashers } from '../open.js';
import type { Hasher } from '../hash/hasher.js';
import { IncompatibleDatabaseError, InvalidArgumentError, IoError, StrataError } from '../errors.js';
import { dumpText } from '../history/dump.js';
import { databaseStats } from '../history/stats.js';
import { verifyDatabase } from '../history/verify.js';
import { backupTo } from '../history/backup.js';
import { breakStaleLock, lockStatus } from '../storage/file-lock.js';
import { diffCommand } from './diff-command.js';
import { watchCommand } from './watch-command.js';

const USAGE = `usage: stratadb <command> FILE [ARGS] [--hash NAME]

commands:
  dump FILE          print every moment as typed JSON ({"hash_id", "hash_size", "moments": [...]})
  info FILE          print the file header, moment count and sizes
  stats FILE         print sizes, moments and the bytes the latest moment reaches
  verify FILE        walk every block of every moment; print each problem found
                     (position, path, what is wrong); exit 1 when there is any
  backup FILE COPY   copy the committed state of FILE (in use or not) into the new file COPY
  lock FILE          print who holds FILE's writer lock, if anyone
  unlock FILE        break FILE's writer lock if its holder is dead (never a live one)
  diff FILE A B [PATH] [--json]
                     print what changed from moment A to moment B (negative from the
                     end) under PATH (a JSON array, or steps separated by /): one line
                     per change, + add, - remove, ~ change; --json: one JSON object per
                     line, {"path", "type", "before", "after"}, values as dump prints them
  watch FILE [PATH] [--json]
                     print the changes other processes commit to FILE, as diff does,
                     each with its moment, until interrupted

  help               print this text (also --help, -h)
  version            print the version (also --version, -V)

options:
  --hash NAME  the key hash to open with (sha1 or xx16); by default the one the
               header names, or for an unnamed hash (id 0) the built-in one of its size
  --max-values N  dump: the most values one moment may print (default: two per
               slot of the file, at least a million); shared structures print in
               full at each place, so a moment past it is refused
`;

/**
 * The version in the package's package.json, found by walking up from this
 * module (dist/src/cli in a package, src/cli in a checkout).
 */
function packageVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let level = 0; level < 5; level++) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'stratadb' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // No package.json here: look one folder up.
    }
    dir = new URL('..', dir);
  }
  return 'unknown';
}

/** Each command and how many arguments it takes after its name. */
const COMMANDS = new Map([
  ['dump', 1],
  ['info', 1],
  ['stats', 1],
  ['verify', 1],
  ['backup', 2],
  ['lock', 1],
  ['unlock', 1],
]);

/** The first 12 bytes of the file (what the header needs), not the whole file; a failure to read becomes an IoError. */
function readHeaderBytes(path: string): Uint8Array {
  let fd: number | undefined;
  try {
    refuseIfNotRegularFile(path); // opening a named pipe would wait for a writer
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const bytes = new Uint8Array(12);
    const read = readSync(fd, bytes, 0, 12, 0);
    return bytes.subarray(0, read);
  } catch (error) {
    throw new IoError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function pickHasher(path: string, forced: string | undefined): Promise<Hasher> {
  const hashers = await builtInHashers();
  const header = decodeFileHeader(readHeaderBytes(path));
  const byName = (name: string): Hasher | undefined => hashers.find((h) => hashIdName(h.id) === name);
  if (forced !== undefined) {
    const hasher = byName(forced);
    if (hasher === undefined) throw new InvalidArgumentError(`unknown hash "${forced}"; known: ${hashers.map((h) => hashIdName(h.id)).join(', ')}`);
    return hasher;
  }
  const match = hashers.find((h) => h.id === header.hashId) ?? (header.hashId === 0 ? hashers.find((h) => h.size === header.hashSize) : undefined);
  if (match === undefined) throw new IncompatibleDatabaseError(`the file uses hash "${hashIdName(header.hashId)}" (${header.hashSize} bytes), which this build does not know`);
  return match;
}

/**
 * Runs the command line with `args` (without `node` and the script).
 *
 * @returns the process exit code
 */
export async function main(args: string[], out: (text: string) => void = (t) => process.stdout.write(t), err: (text: string) => void = (t) => process.stderr.write(t)): Promise<number> {
  if (args.length === 0) {
    err(USAGE);
    return 2;
  }
  if (args.length === 1 && (args[0] === 'help' || args[0] === '--help' || args[0] === '-h')) {
    out(USAGE);
    return 0;
  }
  if (args.length === 1 && (args[0] === 'version' || args[0] === '--version' || args[0] === '-V')) {
    out(`${packageVersion()}\n`);
    return 0;
  }
  // diff and watch parse their own arguments (src/cli/diff-command.ts, watch-command.ts).
  if (args[0] === 'diff') return diffCommand(args.slice(1), out, err);
  if (args[0] === 'watch') return watchCommand(args.slice(1), out, err);
  // Options first: --hash NAME or --hash=NAME; anything else that starts with - is unknown.
  let forced: string | undefined;
  let maxValues: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--hash' || arg.startsWith('--hash=')) {
      const name = arg === '--hash' ? args[++i] : arg.slice('--hash='.length);
      if (name === undefined || name === '' || name.startsWith('-')) {
        err('stratadb: --hash needs a hash name after it (sha1 or xx16)\n');
        return 2;
      }
      forced = name;
    } else if (arg === '--max-values' || arg.startsWith('--max-values=')) {
      const text = arg === '--max-values' ? args[++i] : arg.slice('--max-values='.length);
      maxValues = Number(text);
      if (text === undefined || !Number.isSafeInteger(maxValues) || maxValues < 1) {
        err('stratadb: --max-values needs a whole number of at least 1 after it\n');
        return 2;
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      err(`stratadb: unknown option ${arg}\n\n${USAGE}`);
      return 2;
    } else {
      rest.push(arg);
    }
  }
  const command = rest[0];
  const path = rest[1] as string;
  const extra = rest[2];
  const arity = command === undefined ? undefined : COMMANDS.get(command);
  if (command === undefined || arity === undefined) {
    err(command === undefined ? USAGE : `stratadb: unknown command ${command}\n\n${USAGE}`);
    return 2;
  }
  if (rest.length !== arity + 1) {
    err(`stratadb: ${command} takes ${arity === 1 ? 'FILE' : 'FILE COPY'}, got ${rest.length - 1} argument(s)\n\n${USAGE}`);
    return 2;
  }
  try {
    // lock and unlock judge the lock as the writer does (lockStatus, breakStaleLock): they never contradict each other.
    if (command === 'lock') {
      const status = lockStatus(path);
      if (!status.locked) {
        out(`${JSON.stringify({ locked: false }, null, 2)}\n`);
      } else if (status.holder !== undefined) {
        out(`${JSON.stringify({ locked: true, ...status.holder, stale: status.stale }, null, 2)}\n`);
      } else {
        // A lock file that names no holder: a writer taking the lock right now, or one that died doing so; or not a lock file at all.
        out(`${JSON.stringify({ locked: true, holder: null, stale: status.stale, ...(status.problem === undefined ? {} : { problem: status.problem }) }, null, 2)}\n`);
      }
      return 0;
    }
    if (command === 'unlock') {
      const status = lockStatus(path);
      if (!status.locked) {
        out('not locked\n');
        return 0;
      }
      if (status.problem !== undefined) {
        err(`stratadb: ${status.problem}; stratadb removes only lock files it could have written: remove it by hand [LOCKED]\n`);
        return 1;
      }
      const holder = status.holder;
      if (breakStaleLock(path)) {
        out(holder === undefined ? 'broke a lock file that named no holder (left by a writer that stopped while taking the lock)\n' : `broke the stale lock of process ${holder.pid} on ${holder.host}\n`);
        return 0;
      }
      if (holder === undefined) {
        err('stratadb: the lock file names no holder yet: a writer may be taking the lock right now; if none is, try again in 10 seconds [LOCKED]\n');
      } else {
        err(`stratadb: the lock of process ${holder.pid} on ${holder.host} (since ${holder.since}) is not stale: that process is alive, or on another host [LOCKED]\n`);
      }
      return 1;
    }
    const hasher = await pickHasher(path, forced);
    const storage = FileStorage.open(path, { readOnly: true });
    let engine: Engine;
    try {
      engine = Engine.open(storage, { hasher, readOnly: true });
    } catch (error) {
      // A file refused as a database (damaged, wrong hash) must not keep its descriptor: main() may run many times in one process.
      storage.close();
      throw error;
    }
    try {
      if (command === 'dump') {
        // dumpText, not JSON.stringify: it prints data nested deeper than JSON.stringify's recursion can follow.
        out(dumpText(engine, maxValues === undefined ? {} : { maxValues }));
      } else if (command === 'stats') {
        // The same key style as info and dump (snake_case), not the API's camelCase.
        const stats = databaseStats(engine, { reachable: true });
        const printed = { file_size: stats.fileSize, committed_size: stats.committedSize, moments: stats.moments, reachable_bytes: stats.reachableBytes };
        out(`${JSON.stringify(printed, null, 2)}\n`);
      } else if (command === 'verify') {
        const report = verifyDatabase(engine);
        for (const problem of report.problems) out(`${problem.position}\t${problem.path}\t${problem.message}\n`);
        out(`${report.ok ? 'ok' : `${report.problems.length} problem(s)`}: ${report.moments} moments, ${report.blocksVisited} records walked\n`);
        return report.ok ? 0 : 1;
      } else if (command === 'backup') {
        const target = FileStorage.open(extra as string);
        try {
          const result = backupTo(engine, target);
          out(`copied ${result.moments} moments (${result.bytes} bytes) to ${extra}\n`);
        } finally {
          target.close();
        }
      } else {
        const info = {
          hash_id: hashIdName(engine.header.hashId),
          hash_size: engine.header.hashSize,
          version: engine.header.version,
          history: engine.hasHistory,
          moments: engine.hasHistory ? engine.momentCount() : 0,
          committed_size: engine.committedSize,
          file_size: engine.storage.size(),
        };
        out(`${JSON.stringify(info, null, 2)}\n`);
      }
    } finally {
      engine.close();
    }
    return 0;
  } catch (error) {
    if (error instanceof StrataError) {
      err(`stratadb: ${error.message} [${error.code}]\n`);
      return 1;
    }
    throw error;
  }
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    // Through npm's bin link, argv[1] is the link; compare real paths.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const invokedDirectly = isMainModule();
if (invokedDirectly) {
  // A reader that stops early (`stratadb dump FILE | head`) closes the pipe: stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
