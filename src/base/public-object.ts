// How the objects a user holds show themselves: a small toJSON descriptor, a
// bounded util.inspect line, and fields kept out of enumeration, so that
// JSON.stringify, spreading, structuredClone or a logger never walks from a
// handle into the storage (every key of the database, and its bytes).

/** Node's util.inspect hook, by its registered symbol (no `node:util` import: this module stays browser-safe). */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * What `toJSON` of a handle gives: its kind and a few numbers or flags, never
 * data of the database (a handle may reach every key, so serializing "its data"
 * could hand out all of them).
 */
export interface HandleDescriptor {
  /** The class, e.g. `'Database'` or `'ReadCursor'`. */
  readonly kind: string;
  readonly [field: string]: string | number | boolean | null;
}

/**
 * Defines each of `fields` on `object`, in order, as a writable, non-enumerable
 * own field: for a constructor whose class declares these fields (`declare
 * readonly x: T`, so no class field makes them enumerable first) and must keep
 * them out of enumeration while code elsewhere reads them as plain fields.
 * Defining new hidden fields costs about a sixth of redefining existing ones
 * ({@link hideFields}), and reads of them cost what a class field's do; ES
 * private fields (`#x`) cost nothing and are the choice for fields read only
 * in their own class.
 */
export function defineHidden(object: object, fields: Readonly<Record<string, unknown>>): void {
  for (const name in fields) Object.defineProperty(object, name, { value: fields[name], writable: true, configurable: true, enumerable: false });
}

/**
 * Makes `names` (default: every own enumerable field) non-enumerable; values and
 * writability stay. V8 keeps such an object in fast mode (same hidden class for
 * every instance, checked with %HasFastProperties), so reads of these fields
 * cost what they did. Each call costs a property redefinition per field: use it
 * in constructors of objects made once per database (engine, storage, block
 * access), never per read (a view made this way was 1.6x slower to create).
 */
export function hideFields(object: object, names: readonly string[] = Object.keys(object)): void {
  for (const name of names) Object.defineProperty(object, name, { enumerable: false });
}

/**
 * A descriptor from `fields`, which may throw (a closed storage, an ended
 * transaction): toJSON must never throw inside JSON.stringify of a larger
 * object, so a failure shows as `error: '<message>'`.
 */
export function describeHandle(kind: string, fields: () => Record<string, string | number | boolean | null>): HandleDescriptor {
  try {
    return { kind, ...fields() };
  } catch (error) {
    return { kind, error: error instanceof Error ? error.message.slice(0, PREVIEW_TEXT_MAX) : 'unreadable' };
  }
}

/** Characters of one text field an inspect line shows before `...`. */
const PREVIEW_TEXT_MAX = 80;

/** The inspect line of a descriptor: `Kind { a: 1, b: 'x' }`, bounded in length. */
export function inspectHandle(descriptor: HandleDescriptor): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(descriptor)) {
    if (name === 'kind') continue;
    const text = typeof value === 'string' ? JSON.stringify(value.length > PREVIEW_TEXT_MAX ? `${value.slice(0, PREVIEW_TEXT_MAX)}...` : value) : String(value);
    parts.push(`${name}: ${text}`);
  }
  return parts.length === 0 ? descriptor.kind : `${descriptor.kind} { ${parts.join(', ')} }`;
}
