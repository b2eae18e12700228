// Checks of the arguments that callers pass to public entry points. TypeScript
// callers rarely get these wrong; JavaScript callers and values typed `any` do,
// and without a check they would meet a bare TypeError deep in the engine, or
// worse, a silent wrong write (a number given as a string would be stored as
// empty bytes). Each check is one `typeof` or `instanceof` on the hot path.

import { InvalidArgumentError } from '../errors.js';

/**
 * A short name of a value's kind for error messages: `null`, `number`,
 * `Date`... Never throws, whatever the value (a revoked Proxy, a constructor
 * getter that throws, a name that is no text): it names what was wrong.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  try {
    const name: unknown = (value as object).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'object';
  } catch {
    return 'object';
  }
}

/**
 * @param items - what the caller passed as a collection
 * @param what - the function called, for the message
 * @throws InvalidArgumentError unless it is iterable (an array, a Map, a Set, a generator...)
 */
export function requireIterable(items: unknown, what: string): void {
  if (items === null || items === undefined || typeof (items as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError(`${what} takes an iterable (an array, a Map, a Set...), got ${describe(items)}`);
  }
}

/**
 * @param text - what the caller passed as text
 * @param what - the argument's role, for the message
 * @throws InvalidArgumentError unless it is a string
 */
export function requireText(text: unknown, what: string): asserts text is string {
  if (typeof text !== 'string') throw new InvalidArgumentError(`${what} must be a string, got ${describe(text)}`);
}

/**
 * @param bytes - what the caller passed as bytes
 * @param what - the argument's role, for the message
 * @throws InvalidArgumentError unless it is a Uint8Array
 */
export function requireBytes(bytes: unknown, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be a Uint8Array, got ${describe(bytes)}`);
}

/**
 * @param value - what the caller passed as a float
 * @throws InvalidArgumentError unless it is a number (NaN and infinities are numbers)
 */
export function requireNumber(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number') throw new InvalidArgumentError(`${what} must be a number, got ${describe(value)}`);
}

/**
 * @param value - what the caller passed as a 64-bit integer
 * @throws InvalidArgumentError unless it is a number or a bigint (the range is checked where it is encoded)
 */
export function requireInteger(value: unknown, what: string): asserts value is number | bigint {
  if (typeof value !== 'number' && typeof value !== 'bigint') throw new InvalidArgumentError(`${what} must be a number or a bigint, got ${describe(value)}`);
}

/**
 * @param formatTag - an optional format tag as the caller passed it
 * @throws InvalidArgumentError unless it is undefined, a string or a Uint8Array (its length is checked where it is used)
 */
export function requireFormatTag(formatTag: unknown): asserts formatTag is Uint8Array | string | undefined {
  if (formatTag !== undefined && typeof formatTag !== 'string' && !(formatTag instanceof Uint8Array)) {
    throw new InvalidArgumentError(`a format tag must be a 2-character string or 2 bytes, got ${describe(formatTag)}`);
  }
}

/**
 * @param path - what the caller passed as a path
 * @throws InvalidArgumentError unless it is an array (a lone string would otherwise be read as one step per character)
 */
export function requirePath(path: unknown): asserts path is ReadonlyArray<unknown> {
  if (!isArray(path)) {
    const hint = typeof path === 'string' || typeof path === 'number' ? `; write [${JSON.stringify(path)}] for a single step` : '';
    throw new InvalidArgumentError(`a path must be an array of keys and indexes, got ${describe(path)}${hint}`);
  }
}

/** Array.isArray that answers false for a revoked Proxy instead of throwing a TypeError. */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Checks an options argument: an object. Callers give omitted options their
 * default first, so this refuses only what was passed wrongly (null, a string...).
 *
 * @throws InvalidArgumentError for anything else
 */
export function requireOptions(options: unknown, what: string): asserts options is object {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`${what} takes an options object, got ${describe(options)}`);
  }
}

/**
 * Checks that an options object names only options the call takes: a typo
 * (`{ readonly: true }`, `{ kep: { last: 10 } }`) must not fall back to the
 * default silently, where the default writes a file meant to be read or drops
 * the history meant to be kept. O(keys).
 *
 * @param options - the options object (already checked by {@link requireOptions})
 * @param known - every option the call takes
 * @param what - the call, for the message
 * @throws InvalidArgumentError naming the first unknown option and the known ones
 */
export function requireKnownOptions(options: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new InvalidArgumentError(`${what} has no option ${JSON.stringify(key)} (it takes ${known.join(', ')})`);
  }
}

/**
 * @param value - an optional flag as the caller passed it
 * @param what - the option's name, for the message
 * @throws InvalidArgumentError unless it is undefined or a boolean (`'false'` is truthy: it must not mean true)
 */
export function requireOptionalBoolean(value: unknown, what: string): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidArgumentError(`${what} must be true or false, got ${describe(value)}`);
}

/**
 * Checks a storage argument: an object with the {@link Storage} methods a copy uses.
 *
 * @throws InvalidArgumentError for anything else
 */
export function requireStorage(storage: unknown, what: string): void {
  const candidate = storage as { size?: unknown; read?: unknown; write?: unknown } | null;
  if (typeof storage !== 'object' || candidate === null || typeof candidate.size !== 'function' || typeof candidate.read !== 'function' || typeof candidate.write !== 'function') {
    throw new InvalidArgumentError(`${what} must be a Storage (a MemoryStorage, a FileStorage, or an object with size, read and write), got ${describe(storage)}`);
  }
}

/** True for a value with a `then` method: what `await` would wait for. */
export function isPromiseLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
