// Opening an engine with the built-in hashers ready: the default xxhash-based
// hasher starts a WebAssembly module once, behind a promise so that the API does
// not depend on how it starts; everything after is synchronous.

import type { Hasher } from './hash/hasher.js';
import { sha1Hasher } from './hash/sha1.js';
import { createXxHash128Hasher } from './hash/xxhash128.js';
import { Engine, type EngineOptions } from './history/engine.js';
import type { Storage } from './storage/storage.js';
import { requireKnownOptions, requireOptions } from './base/arguments.js';
import { ENGINE_OPTION_NAMES } from './history/engine-options.js';

/** What openEngine takes: the engine's options but the known hashers, which it supplies. */
const OPEN_ENGINE_OPTION_NAMES = ENGINE_OPTION_NAMES.filter((name) => name !== 'knownHashers');

/**
 * The built-in hashers, default first: `xx16` (128 bits, two xxh64 digests) and
 * `sha1` (for files written by the Java and Zig xitdb implementations).
 * Resolves once the WebAssembly module is ready; later calls share it.
 */
export async function builtInHashers(): Promise<Hasher[]> {
  return [await createXxHash128Hasher(), sha1Hasher];
}

/**
 * Opens (or creates) a database in `storage` with the built-in hashers: an
 * existing database gets the hasher its header names; a new one gets
 * `options.hasher`, or `xx16` by default. O(1) after the first call.
 *
 * @param storage - a {@link MemoryStorage}, a FileStorage from `stratadb/node`, or your own
 * @param options - read-only, durability, history, a forced hasher
 * @throws IncompatibleDatabaseError when the header names an unknown hash
 *
 * @example
 * ```ts
 * const engine = await openEngine(new MemoryStorage());
 * engine.transact((root) => root.hashMap().put('a').writeUint(1));
 * ```
 */
export async function openEngine(storage: Storage, options: Omit<EngineOptions, 'knownHashers'> = {}): Promise<Engine> {
  requireOptions(options, 'openEngine');
  // A misspelt option must not fall back to its default (`{ readonly: true }` would open for writing).
  requireKnownOptions(options, OPEN_ENGINE_OPTION_NAMES, 'openEngine');
  return Engine.open(storage, { ...options, knownHashers: await builtInHashers() });
}
