// Errors of the JS-value API that the engine's hierarchy does not already
// cover: a value with no mapping to the format, with the path where it sits.

import { StrataError } from '../errors.js';

/** Formats a path for messages: `users[42].name`, or `(root)` for the empty path. */
export function formatPath(path: ReadonlyArray<unknown>): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (typeof step === 'string' && /^[A-Za-z_$][\w$]*$/.test(step)) out += out === '' ? step : `.${step}`;
    else out += `[${stepText(step)}]`;
  }
  return out;
}

/** A path step as text that never throws, whatever the caller passed (a bigint, a cycle, a symbol). */
export function stepText(step: unknown): string {
  switch (typeof step) {
    case 'string':
      return JSON.stringify(step);
    case 'number':
      return String(step);
    case 'bigint':
      return `${step}n`;
    case 'boolean':
    case 'undefined':
      return String(step);
    case 'symbol':
      return step.toString();
    case 'function':
      return '<function>';
  }
  if (step === null) return 'null';
  try {
    if (step instanceof Date) return Number.isNaN(step.getTime()) ? '<invalid Date>' : `<Date ${step.toISOString()}>`;
    if (step instanceof Uint8Array) return `<${step.length} bytes>`;
    const name: unknown = (step as object).constructor?.name;
    return `<${typeof name === 'string' && name !== '' ? name : 'object'}>`;
  } catch {
    // A revoked Proxy, or a getter that throws: the message still names the place.
    return '<object>';
  }
}

/**
 * A value that cannot be stored: a function, a symbol, undefined in a list, a
 * class instance with no mapping, a cycle. Nothing was written.
 */
export class UnsupportedValueError extends StrataError {
  /** Where in the value (or the database) the problem is. */
  readonly path: ReadonlyArray<unknown>;

  /**
   * @param message - what the value is and why it cannot be stored
   * @param path - where it sits
   * @param options - the underlying `cause`, when reading the value threw
   */
  constructor(message: string, path: ReadonlyArray<unknown>, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', `${message} at ${formatPath(path)}`, options);
    this.path = path;
  }
}

/** What a slot holds, in the API's words (`a map`, `a string or bytes`, ...), for messages: the tag table's words. */
export { describeTag } from '../kinds/table.js';
