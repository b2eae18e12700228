// Opening the database file a command names: read-only for the commands that
// only look, read-write (with the writer lock) for import. The key hasher is
// the one the header names unless --hash forces one.

import { closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { FileStorage, refuseIfNotRegularFile } from '../storage/file-storage.js';
import { Engine } from '../history/engine.js';
import { decodeFileHeader, hashIdName } from '../format/file-header.js';
import { builtInHashers } from '../open.js';
import type { Hasher } from '../hash/hasher.js';
import { IncompatibleDatabaseError, IoError } from '../errors.js';
import { UsageError } from './context.js';

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

/** The built-in hasher called `name` (sha1, xx16). @throws UsageError for another name */
async function hasherNamed(name: string): Promise<Hasher> {
  const hashers = await builtInHashers();
  const hasher = hashers.find((h) => hashIdName(h.id) === name);
  if (hasher === undefined) throw new UsageError(`unknown hash "${name}"; known: ${hashers.map((h) => hashIdName(h.id)).join(', ')}`);
  return hasher;
}

/** The hasher for an existing file: the forced one, else the one its header names (or, for id 0, the built-in one of its size). */
async function pickHasher(path: string, forced: string | undefined): Promise<Hasher> {
  if (forced !== undefined) return hasherNamed(forced);
  const header = decodeFileHeader(readHeaderBytes(path));
  const hashers = await builtInHashers();
  const match = hashers.find((h) => h.id === header.hashId) ?? (header.hashId === 0 ? hashers.find((h) => h.size === header.hashSize) : undefined);
  if (match === undefined) throw new IncompatibleDatabaseError(`the file uses hash "${hashIdName(header.hashId)}" (${header.hashSize} bytes), which this build does not know`);
  return match;
}

/**
 * Opens `path` read-only, runs `fn` on its engine and closes it, also when
 * opening or `fn` fails: main() may run many times in one process (tests), so
 * no descriptor may stay open.
 *
 * @throws IoError for a missing or unreadable file, CorruptDatabaseError for one that is not a database
 */
export async function withReadOnlyEngine<T>(path: string, hash: string | undefined, fn: (engine: Engine) => T | Promise<T>): Promise<T> {
  const hasher = await pickHasher(path, hash);
  return withStorage(FileStorage.open(path, { readOnly: true }), hasher, true, fn);
}

/**
 * Opens `path` for writing (creating it when missing, with the xx16 hash or
 * the forced one) under the writer lock, runs `fn` and closes it.
 *
 * @throws LockedError when another writer holds the file
 */
export async function withWritableEngine<T>(path: string, hash: string | undefined, fn: (engine: Engine) => T | Promise<T>): Promise<T> {
  const exists = existsSync(path) && statSync(path).size > 0;
  const hasher = exists ? await pickHasher(path, hash) : hash === undefined ? undefined : await hasherNamed(hash);
  const storage = FileStorage.open(path, { readOnly: false });
  return withStorage(storage, hasher, false, fn);
}

async function withStorage<T>(storage: FileStorage, hasher: Hasher | undefined, readOnly: boolean, fn: (engine: Engine) => T | Promise<T>): Promise<T> {
  let engine: Engine;
  try {
    engine = Engine.open(storage, { ...(hasher === undefined ? {} : { hasher }), knownHashers: await builtInHashers(), readOnly });
  } catch (error) {
    storage.close();
    throw error;
  }
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}
