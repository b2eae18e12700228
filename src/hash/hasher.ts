// The Hasher interface (FORMAT.md §Hashing): which function turns a map key's
// bytes into the fixed-size hash that a HAMT descends by. Also the checks that
// keep a faulty custom hasher from storing a hash that is not its key's hash.

import { InvalidArgumentError, StrataError } from '../errors.js';
import { HASH_SIZE_MAX } from '../format/constants.js';

/**
 * A key hash function. The database header records `id` and `size`; a database
 * must always be opened with the hasher it was created with.
 */
export interface Hasher {
  /** The u32 stored in the header's hash id field (often four ASCII letters). */
  readonly id: number;
  /** Bytes per hash; stored in the header's hash size field. */
  readonly size: number;
  /**
   * Hashes a key.
   *
   * @param key - the key's bytes
   * @returns exactly {@link size} bytes
   */
  hash(key: Uint8Array): Uint8Array;
  /**
   * Optional: hashes a key into `out` (bytes 0 to {@link size} - 1) without
   * allocating the result. The engine uses it on every lookup and write when
   * present; it must give the same bytes as {@link hash}.
   *
   * @param key - the key's bytes
   * @param out - at least {@link size} bytes
   */
  hashInto?(key: Uint8Array, out: Uint8Array): void;
}


/** FORMAT.md §File header: the hash id is a u32. */
const HASH_ID_MAX = 0xffffffff;

/**
 * Keys the probe in {@link validateHasher} hashes: the empty key, a short one
 * and one long enough to leave any short-key fast path of a hasher. Printable
 * ASCII, so that a hasher that reads keys as text (the fixed test hasher
 * decodes strict UTF-8) is judged on its output, not on its decoding.
 */
const PROBE_KEYS: readonly Uint8Array[] = [
  new Uint8Array(0),
  new TextEncoder().encode('stratadb'),
  Uint8Array.from({ length: 300 }, (_, i) => 0x20 + ((i * 37) % 95)),
];

/**
 * Checks a hasher once, when it is supplied (Engine.open, `open`): its shape,
 * then its behaviour on a few probe keys. The probe hashes each key twice with
 * `hash` (same length, same bytes: deterministic) and, when `hashInto` is
 * present, twice more into a buffer prefilled with two complementary patterns:
 * both results must equal `hash`'s, which proves `hashInto` wrote every one of
 * the {@link Hasher.size} bytes (a byte left unwritten would show the pattern,
 * and no byte equals both patterns). Without this, a `hashInto` that writes
 * nothing would leave the previous key's hash in the engine's shared buffer and
 * a new key would be stored under it.
 *
 * A hasher may refuse keys it has no hash for by throwing a StrataError (the
 * fixed test hasher does): such a probe key is skipped. Any other error while
 * probing means the hasher cannot hash arbitrary bytes, and it is refused.
 *
 * What the probe cannot see: a hasher that misbehaves only on keys it was not
 * shown. `hash`'s length is checked again on every call ({@link checkedHash});
 * `hashInto` is trusted after the probe, since checking that it wrote would
 * cost a fill per lookup on the hottest path.
 *
 * @param hasher - what the caller passed as a hasher
 * @returns the same hasher, typed
 * @throws InvalidArgumentError when it is not an object with a u32 `id`, a
 *   `size` from 1 to {@link HASH_SIZE_MAX}, a `hash` function and (optionally)
 *   a `hashInto` function, or when it fails the probe
 *
 * Cost: six to twelve hashes of at most 300 bytes; O(1).
 *
 * @example
 * ```ts
 * const engine = Engine.open(storage, { hasher: validateHasher(candidate) });
 * ```
 */
export function validateHasher(hasher: unknown): Hasher {
  if (typeof hasher !== 'object' || hasher === null) throw new InvalidArgumentError(`a hasher is an object with id, size and hash, got ${kindOf(hasher)}`);
  const { id, size, hash, hashInto } = hasher as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > HASH_ID_MAX) {
    throw new InvalidArgumentError(`a hasher's id must be a u32 (an integer from 0 to ${HASH_ID_MAX}), got ${typeof id === 'number' ? id : kindOf(id)}`);
  }
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > HASH_SIZE_MAX) {
    throw new InvalidArgumentError(`a hasher's size must be an integer from 1 to ${HASH_SIZE_MAX} bytes (FORMAT.md §File header), got ${typeof size === 'number' ? size : kindOf(size)}`);
  }
  if (typeof hash !== 'function') throw new InvalidArgumentError(`a hasher's hash must be a function, got ${kindOf(hash)}`);
  if (hashInto !== undefined && typeof hashInto !== 'function') throw new InvalidArgumentError(`a hasher's hashInto must be a function or absent, got ${kindOf(hashInto)}`);
  const checked = hasher as Hasher;
  for (const key of PROBE_KEYS) probe(checked, key);
  return checked;
}

/** One probe key: see {@link validateHasher}. */
function probe(hasher: Hasher, key: Uint8Array): void {
  let first: Uint8Array;
  try {
    // A copy: the hasher may return a buffer it reuses.
    first = checkedHash(hasher, key).slice();
  } catch (error) {
    if (error instanceof StrataError && !(error instanceof HasherOutputError)) return;
    throw refused(hasher, 'hash', error);
  }
  let second: Uint8Array;
  try {
    second = checkedHash(hasher, key);
  } catch (error) {
    throw refused(hasher, 'hash', error);
  }
  if (!sameBytes(first, second)) throw new InvalidArgumentError(`the hasher "${idText(hasher.id)}" gave two different hashes for the same ${key.length}-byte key: a hash must depend on the key alone`);
  if (hasher.hashInto === undefined) return;
  const out = new Uint8Array(hasher.size);
  for (const pattern of [0x5a, 0xa5]) {
    out.fill(pattern);
    try {
      hasher.hashInto(key, out);
    } catch (error) {
      throw refused(hasher, 'hashInto', error);
    }
    if (!sameBytes(out, first)) {
      throw new InvalidArgumentError(
        `the hasher "${idText(hasher.id)}" has a hashInto that does not write the same ${hasher.size} bytes as its hash (for a ${key.length}-byte key): it must fill out[0] to out[${hasher.size - 1}] with hash(key)`,
      );
    }
  }
}

/** A hash of the wrong kind or size: a faulty hasher, never the database's fault. */
class HasherOutputError extends InvalidArgumentError {}

/**
 * True for the error {@link checkedHash} throws for a hash of the wrong kind or
 * size. Its class is InvalidArgumentError, but it comes from inside a write (a
 * key is hashed where it is stored), after the write's earlier keys were stored.
 */
export function isHasherOutputError(error: unknown): boolean {
  return error instanceof HasherOutputError;
}

/**
 * Hashes `key` with `hasher.hash` and checks what came back: a Uint8Array of
 * exactly `hasher.size` bytes. The engine calls this wherever it uses `hash`
 * (hashers without `hashInto`, and verification), so a hash of the wrong size
 * is refused before it is compared or stored.
 *
 * @param hasher - the database's hasher
 * @param key - the hash input
 * @returns the hash (the hasher's own array, not a copy)
 * @throws InvalidArgumentError when the result is not a Uint8Array of `size` bytes
 *
 * Cost: the hash, plus two comparisons.
 */
export function checkedHash(hasher: Hasher, key: Uint8Array): Uint8Array {
  const hash = hasher.hash(key);
  if (!(hash instanceof Uint8Array) || hash.length !== hasher.size) {
    throw new HasherOutputError(
      `the hasher "${idText(hasher.id)}" returned ${hash instanceof Uint8Array ? `${hash.length} bytes` : kindOf(hash)} for a ${key.length}-byte key, but its size is ${hasher.size} bytes; a hash must be a Uint8Array of exactly size bytes`,
    );
  }
  return hash;
}

function refused(hasher: Hasher, method: string, error: unknown): InvalidArgumentError {
  if (error instanceof HasherOutputError) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new InvalidArgumentError(`the hasher "${idText(hasher.id)}" failed while its ${method} was being checked on a probe key (${message}); a hasher must hash any bytes`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The id as four characters when it is printable ASCII (the usual case), else as a number. */
function idText(id: number): string {
  const chars = [id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff];
  return chars.every((c) => c >= 0x20 && c < 0x7f) ? String.fromCharCode(...chars) : String(id);
}

/** What kind of value a caller passed, for messages; never calls into the value. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
