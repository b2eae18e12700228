// The base of every lazy view (api/views.ts, api/sorted-views.ts): the cursor
// and guard it reads through, its pointer copy and deep copy, toJSON with its
// size budget, and the inspect preview. Kept apart so that the view classes of
// several files extend it without importing each other at load time.

import type { ReadCursor } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import { OutOfRangeError } from '../errors.js';
import { VIEW_COPY, VIEW_CURSOR } from './values.js';
import { copyInto } from './copy.js';

/**
 * Checks, on every access, that the data under a view is still there: a view
 * taken inside a transaction that has since ended refuses to read.
 */
export type ViewGuard = () => void;

/** Node's util.inspect hook, by its registered symbol (no `node:util` import: the module stays browser-safe). */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export abstract class View {
  // ES private fields, not enumerable properties: JSON.stringify, Object.keys
  // and spreading must never reach the cursor, whose context holds the whole
  // storage (every other key of the database, and its bytes). toJSON gives the
  // data instead. (Per-instance defineProperty did the same at about 1.6x the
  // cost of a view's creation; private fields cost nothing measurable.)
  readonly #cursor: ReadCursor;
  readonly #guard: ViewGuard;

  /** @internal */
  constructor(cursor: ReadCursor, guard: ViewGuard) {
    this.#cursor = cursor;
    this.#guard = guard;
  }

  /** @internal */
  protected get cursor(): ReadCursor {
    return this.#cursor;
  }

  /** @internal */
  protected get guard(): ViewGuard {
    return this.#guard;
  }

  /** @internal the cursor this view reads, for O(1) pointer copies */
  [VIEW_CURSOR](): ReadCursor {
    this.guard();
    return this.cursor;
  }

  /**
   * @internal Writes a deep copy of this view into `target`, a cursor of
   * another database: each structure of its own kind, each shared structure
   * copied once (see {@link copyInto}).
   */
  [VIEW_COPY](target: WriteCursor): void {
    copyInto(this[VIEW_CURSOR](), target);
  }

  /** A deep plain-JS copy; see the subclasses. */
  abstract toJS(): unknown;

  /** Entries (or members, or items) in the view, for the inspect preview. */
  abstract get size(): number;

  /**
   * The data, as {@link toJS} gives it, so that `JSON.stringify(view)` (and
   * `res.json(view)` in a web server) serializes what the view shows and
   * nothing else. A Map or Set inside serializes as JSON.stringify serializes
   * one (`{}`): call toJS and convert them yourself when that matters. O(n).
   */
  toJSON(): unknown {
    const data = this.toJS();
    // toJS is linear in distinct structures and shares the copy of a shared
    // one, but JSON.stringify writes it at every place: a DAG of 25 maps, each
    // holding the one below three times, is 3^24 values of text (found by the
    // reader fuzz: seconds of work, then a bare RangeError). Count first.
    // JSON.stringify recurses too: a valid file of a few thousand nested maps
    // overflowed its stack (a bare RangeError). Deeper data is refused here.
    const { count, depth } = jsonShape(data, JSON_VALUES_MAX, JSON_DEPTH_MAX);
    if (depth > JSON_DEPTH_MAX) {
      throw new OutOfRangeError(`${this[Symbol.toStringTag]} nests more than ${JSON_DEPTH_MAX} levels deep, deeper than JSON.stringify can follow; walk it with toJS instead (or print it with stratadb get or dumpText, which do not recurse)`);
    }
    if (count > JSON_VALUES_MAX) {
      throw new OutOfRangeError(`${this[Symbol.toStringTag]} would serialize to more than ${JSON_VALUES_MAX} JSON values: it stores shared structures many times over; walk it with toJS instead`);
    }
    return data;
  }

  /** `MapView`, `ListView` or `SetView`, for `Object.prototype.toString`. */
  abstract get [Symbol.toStringTag](): string;

  /**
   * What `console.log` and `util.inspect` show in Node: the kind, the size and
   * the first few entries (`MapView(3) { a: 1, b: 'x', ... }`), never a walk of
   * the whole structure, nested structures as their kind and size. Keyed by
   * `Symbol.for` so that no Node module is imported.
   */
  [INSPECT](): string {
    try {
      return this.preview();
    } catch (error) {
      // A preview must never throw inside console.log: an ended transaction or damage shows as such.
      return `${this[Symbol.toStringTag]} <${error instanceof Error ? error.message : String(error)}>`;
    }
  }

  /** @internal the inspect text */
  protected abstract preview(): string;
}

/** Values a view's toJSON may hand to JSON.stringify: dump's default floor (maxValues), tens of megabytes of text. */
const JSON_VALUES_MAX = 1_000_000;

/**
 * Levels of nesting a view's toJSON may hand to JSON.stringify, which recurses
 * once per level: V8's overflows its stack between 3,000 and 5,000 levels
 * (fewer when called deep in the stack).
 */
const JSON_DEPTH_MAX = 1000;

/**
 * How many values JSON.stringify writes for `root`, a toJS result, and how
 * many levels deep it nests, stopping once past `limit` values or `depthLimit`
 * levels. Linear in distinct objects: a shared object's count and height are
 * remembered, and its height counts at each place it is met. No recursion.
 * Maps, Sets and Dates serialize flat (`{}`, text).
 */
function jsonShape(root: unknown, limit: number, depthLimit: number): { count: number; depth: number } {
  const known = new Map<object, { count: number; height: number }>();
  const frames: Array<{ object: object; children: unknown[]; next: number; total: number; height: number }> = [];
  /** A value's count and height, or undefined after pushing the frame of an object to walk. */
  const enter = (value: unknown): { count: number; height: number } | undefined => {
    if (typeof value !== 'object' || value === null) return { count: 1, height: 0 };
    if (value instanceof Uint8Array) return { count: 1 + value.length, height: 1 };
    const prototype: unknown = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return { count: 1, height: 0 };
    const seen = known.get(value);
    if (seen !== undefined) return seen;
    frames.push({ object: value, children: Array.isArray(value) ? value : Object.values(value), next: 0, total: 1, height: 1 });
    return undefined;
  };
  let result = enter(root) ?? { count: 0, height: 0 };
  while (frames.length > 0) {
    if (frames.length > depthLimit) return { count: 0, depth: frames.length };
    const frame = frames[frames.length - 1] as (typeof frames)[number];
    if (frame.next < frame.children.length) {
      const child = enter(frame.children[frame.next++]);
      if (child !== undefined) {
        frame.total += child.count;
        frame.height = Math.max(frame.height, child.height + 1);
        if (frame.total > limit) return { count: frame.total, depth: 0 };
        if (frames.length - 1 + frame.height > depthLimit) return { count: 0, depth: frames.length - 1 + frame.height };
      }
      continue;
    }
    frames.pop();
    const done = { count: frame.total, height: frame.height };
    known.set(frame.object, done);
    const parent = frames[frames.length - 1];
    if (parent === undefined) {
      result = done;
      continue;
    }
    parent.total += done.count;
    parent.height = Math.max(parent.height, done.height + 1);
    if (parent.total > limit) return { count: parent.total, depth: 0 };
  }
  return { count: result.count, depth: result.height };
}

/** Entries the inspect preview shows before `...`. */
const PREVIEW_ENTRIES = 5;

/** A value in an inspect preview: scalars as literals, structures as their kind and size. */
export function previewValue(value: unknown): string {
  if (value instanceof View) {
    let size = '?';
    try {
      size = String(value.size);
    } catch {
      // damage below: the preview still shows the kind
    }
    return `${value[Symbol.toStringTag]}(${size})`;
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  return String(value);
}

/** The inspect text of a view: its tag, size and the first entries given by `parts`. */
export function previewText(tag: string, size: number, parts: Iterable<string>, open: string, close: string): string {
  const shown: string[] = [];
  for (const part of parts) {
    if (shown.length === PREVIEW_ENTRIES) {
      shown.push('...');
      break;
    }
    shown.push(part);
  }
  return shown.length === 0 ? `${tag}(${size}) ${open}${close}` : `${tag}(${size}) ${open} ${shown.join(', ')} ${close}`;
}

