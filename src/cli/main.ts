#!/usr/bin/env node
// The command line: a thin layer over the public API. `stratadb dump FILE`
// prints every moment as the typed JSON of the xitdb fixtures README;
// `stratadb info FILE` prints the headers.

import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileStorage } from '../storage/file-storage.js';
import { Engine } from '../history/engine.js';
import { decodeFileHeader, hashIdName } from '../format/file-header.js';
import { builtInHashers } from '../open.js';
import type { Hasher } from '../hash/hasher.js';
import { IoError, StrataError } from '../errors.js';
import { dumpDatabase } from './dump.js';
import { databaseStats } from '../history/stats.js';
import { verifyDatabase } from '../history/verify.js';
import { backupTo } from '../history/backup.js';
import { breakStaleLock, isStale, readLockHolder } from '../storage/file-lock.js';

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

options:
  --hash NAME  the key hash to open with (sha1 or xx16); by default the one the
               header names, or for an unnamed hash (id 0) the built-in one of its size
`;

const COMMANDS = new Set(['dump', 'info', 'stats', 'verify', 'backup', 'lock', 'unlock']);

/** The first 12 bytes of the file (what the header needs), not the whole file; a failure to read becomes an IoError. */
function readHeaderBytes(path: string): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
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
    if (hasher === undefined) throw new StrataError('INVALID_ARGUMENT', `unknown hash "${forced}"; known: ${hashers.map((h) => hashIdName(h.id)).join(', ')}`);
    return hasher;
  }
  const match = hashers.find((h) => h.id === header.hashId) ?? (header.hashId === 0 ? hashers.find((h) => h.size === header.hashSize) : undefined);
  if (match === undefined) throw new StrataError('INCOMPATIBLE', `the file uses hash "${hashIdName(header.hashId)}" (${header.hashSize} bytes), which this build does not know`);
  return match;
}

/**
 * Runs the command line with `args` (without `node` and the script).
 *
 * @returns the process exit code
 */
export async function main(args: string[], out: (text: string) => void = (t) => process.stdout.write(t), err: (text: string) => void = (t) => process.stderr.write(t)): Promise<number> {
  const hashAt = args.indexOf('--hash');
  const forced = hashAt >= 0 ? args[hashAt + 1] : undefined;
  if (hashAt >= 0 && (forced === undefined || forced.startsWith('-'))) {
    err('stratadb: --hash needs a hash name after it (sha1 or xx16)\n');
    return 2;
  }
  const rest = hashAt >= 0 ? args.filter((_, i) => i !== hashAt && i !== hashAt + 1) : args;
  const [command, path, extra] = rest;
  const help = command === undefined || command === '--help' || command === '-h';
  if (help || path === undefined || !COMMANDS.has(command) || (command === 'backup' && extra === undefined)) {
    (help ? out : err)(USAGE);
    return help ? 0 : 2;
  }
  try {
    if (command === 'lock') {
      const holder = readLockHolder(path);
      out(`${JSON.stringify(holder === undefined ? { locked: false } : { locked: true, ...holder, stale: isStale(holder, path) }, null, 2)}\n`);
      return 0;
    }
    if (command === 'unlock') {
      const holder = readLockHolder(path);
      if (holder === undefined) {
        out('not locked\n');
        return 0;
      }
      if (breakStaleLock(path)) {
        out(`broke the stale lock of process ${holder.pid} on ${holder.host}\n`);
        return 0;
      }
      err(`stratadb: the lock of process ${holder.pid} on ${holder.host} (since ${holder.since}) is not stale: that process is alive, or on another host [LOCKED]\n`);
      return 1;
    }
    const hasher = await pickHasher(path, forced);
    const engine = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher, readOnly: true });
    try {
      if (command === 'dump') {
        out(`${JSON.stringify(dumpDatabase(engine), null, 2)}\n`);
      } else if (command === 'stats') {
        out(`${JSON.stringify(databaseStats(engine, { reachable: true }), null, 2)}\n`);
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
