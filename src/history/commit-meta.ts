// The caller's metadata for a commit (FORMAT.md §Commit trailer, metadata): a
// small JSON value the trailer stores beside the commit's time, read back by
// Engine.moments() and the CLI's log.

import { CorruptDatabaseError, InvalidArgumentError } from '../errors.js';
import { TRAILER_META_SIZE_MAX } from '../format/commit-trailer.js';
import { describe } from '../base/arguments.js';

/** Options every commit takes. */
export interface CommitOptions {
  /**
   * A small JSON value recorded with the commit and returned by
   * `moments()`: a message, an author, tags. At most 64 KiB as UTF-8 JSON.
   * Plain objects, arrays, strings, finite numbers, booleans and null; what
   * `JSON.stringify` would drop or change (undefined, functions, Dates,
   * Maps) is refused rather than stored changed.
   */
  readonly meta?: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);

/**
 * The metadata's bytes for a trailer: empty without metadata, else UTF-8 JSON.
 *
 * @param options - the commit's options (may be undefined)
 * @param method - the API method, for messages
 * @throws InvalidArgumentError when the options or the metadata are not what {@link CommitOptions} allows
 */
export function encodeCommitMeta(options: CommitOptions | undefined, method: string): Uint8Array {
  if (options === undefined) return EMPTY;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError(`${method} takes an options object such as { meta }, got ${describe(options)}`);
  for (const key of Object.keys(options)) if (key !== 'meta') throw new InvalidArgumentError(`${method} has no option "${key}" (it takes { meta })`);
  if (options.meta === undefined) return EMPTY;
  checkPlainJson(options.meta, method, 0);
  const bytes = encoder.encode(JSON.stringify(options.meta));
  if (bytes.length > TRAILER_META_SIZE_MAX) throw new InvalidArgumentError(`${method}: commit metadata is ${bytes.length} bytes as JSON, over the ${TRAILER_META_SIZE_MAX}-byte limit`);
  return bytes;
}

/** Depth past which metadata is refused (a small value has no need of more; it also stops cycles). */
const META_DEPTH_MAX = 64;

function checkPlainJson(value: unknown, method: string, depth: number): void {
  if (depth > META_DEPTH_MAX) throw new InvalidArgumentError(`${method}: commit metadata nests deeper than ${META_DEPTH_MAX} levels (or refers to itself)`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`${method}: commit metadata holds ${String(value)}, which JSON cannot store`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkPlainJson(item, method, depth + 1);
    return;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    for (const item of Object.values(value)) checkPlainJson(item, method, depth + 1);
    return;
  }
  throw new InvalidArgumentError(`${method}: commit metadata must be plain JSON (objects, arrays, strings, finite numbers, booleans, null), got ${describe(value)}`);
}

/**
 * The metadata a trailer holds, or undefined when it holds none.
 *
 * @param bytes - the trailer's metadata bytes
 * @param position - where they lie, for the error
 * @throws CorruptDatabaseError when they are not UTF-8 JSON
 */
export function decodeCommitMeta(bytes: Uint8Array, position: number): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    throw new CorruptDatabaseError('a commit trailer\'s metadata is not UTF-8 JSON', position);
  }
}
