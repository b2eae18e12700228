// What Engine.open takes: the hasher, read-only, durability, history and the
// clock (one place for the options, so that engine.ts holds the engine).

import { InvalidArgumentError } from '../errors.js';
import { describe, requireOptionalBoolean, requireOptions } from '../base/arguments.js';
import { validateHasher, type Hasher } from '../hash/hasher.js';
import type { Storage } from '../storage/storage.js';

/**
 * How hard a commit works to survive failures (FORMAT.md §Durability).
 * - `sync` (default): sync the data, write the header, sync again. A commit
 *   that returned survives a power loss.
 * - `flush`: hand the data and then the header to the operating system, no
 *   sync. A commit survives the process crashing, not the machine.
 */
export type Durability = 'sync' | 'flush';

/**
 * The name of every {@link EngineOptions} option, for the open calls that
 * refuse unknown ones (a Record, so that a new option must be named here).
 */
export const ENGINE_OPTION_NAMES: readonly string[] = Object.keys({
  hasher: true,
  knownHashers: true,
  readOnly: true,
  durability: true,
  history: true,
  clock: true,
} satisfies Record<keyof EngineOptions, true>);

/** Options for {@link Engine.open}. */
export interface EngineOptions {
  /**
   * The key hasher to use. For an existing database it must match the header's
   * hash id and size, or opening fails with IncompatibleDatabaseError. A header
   * whose hash id is 0 (xitdb's "unnamed") accepts any hasher of its size.
   * When absent, the hasher is picked from `knownHashers` by the header's id.
   */
  hasher?: Hasher;
  /** Hashers to pick from by hash id when `hasher` is not given; the first one creates new databases. */
  knownHashers?: readonly Hasher[];
  /** Open without writing anything, ever (default: the storage's own flag). */
  readOnly?: boolean;
  /** Commit durability (default `sync`). */
  durability?: Durability;
  /**
   * For a new database: keep a history of moments (default true), or make the
   * root a single hash map changed in place, as xitdb does for ephemeral data.
   */
  history?: boolean;
  /**
   * Where commit times come from, in milliseconds since 1970-01-01 UTC
   * (default `Date.now`). Times in trailers never go back: a clock that does
   * is read as the previous commit's time. For tests that need the same bytes
   * every run, and for replaying a history with its original times.
   */
  clock?: () => number;
}

/**
 * Checks Engine.open's arguments and settles the defaults: read-only as the
 * storage is, durability `sync`, the clock `Date.now`.
 *
 * @throws InvalidArgumentError for a storage or an option of the wrong kind
 */
export function checkEngineOptions(storage: Storage, options: EngineOptions): { readOnly: boolean; durability: Durability; clock: () => number } {
  requireOptions(options, 'Engine.open');
  if (typeof storage !== 'object' || storage === null || typeof storage.locate !== 'function') throw new InvalidArgumentError(`Engine.open takes a Storage (MemoryStorage, FileStorage...), got ${describe(storage)}`);
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`Engine.open takes an options object, got ${describe(options)}`);
  requireOptionalBoolean(options.readOnly, 'readOnly');
  requireOptionalBoolean(options.history, 'history');
  if (options.hasher !== undefined) validateHasher(options.hasher);
  if (options.knownHashers !== undefined) {
    if (!Array.isArray(options.knownHashers)) throw new InvalidArgumentError(`knownHashers must be an array of hashers, got ${describe(options.knownHashers)}`);
    for (const known of options.knownHashers) validateHasher(known);
  }
  const durability = options.durability ?? 'sync';
  if (durability !== 'sync' && durability !== 'flush') throw new InvalidArgumentError(`durability must be "sync" or "flush", got ${String(durability)}`);
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new InvalidArgumentError(`clock must be a function returning milliseconds since 1970, got ${describe(options.clock)}`);
  return { readOnly: options.readOnly ?? storage.readOnly, durability, clock: options.clock ?? Date.now };
}
