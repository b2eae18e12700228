// A read-only view of one moment: values at paths, the whole moment as JS, a
// diff against another moment, and what the moment's commit trailer says
// (time, metadata, size, the moment a revert restored).

import type { MomentInfo } from '../history/moment-log.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import type { AnyPath, JSOf, PathOf, Stored, TypeAt } from './types.js';
import { readAt } from './paths.js';
import { diffRoots, type Change, type DiffOptions } from './diff.js';
import { ListView, MapView, SetView, readValue, type ViewGuard } from './views.js';
import { requirePath } from '../base/arguments.js';
import { InvalidArgumentError } from '../errors.js';
import { INSPECT, inspectHandle, type HandleDescriptor } from '../base/public-object.js';

const always: ViewGuard = () => undefined;

/**
 * A read-only view of one moment. It never changes, even while later
 * transactions commit.
 */
export class Snapshot<in out S = any> {
  /** The moment's index in the history (0 is the first). */
  readonly index: number;
  // An ES private field: the root cursor reaches the whole database, and a
  // snapshot is made per db.get, too often for a per-instance defineProperty.
  readonly #root: ReadCursor;
  readonly #info: (() => MomentInfo) | undefined;

  /** @internal */
  constructor(root: ReadCursor, index: number, info?: () => MomentInfo) {
    this.#root = root;
    this.index = index;
    this.#info = info;
  }

  /**
   * When this moment's commit was written (ms since 1970-01-01 UTC), from its
   * commit trailer; undefined for a commit without one (written by another
   * xitdb implementation or an earlier build). The first read of a time walks
   * the history's trailers back to this moment (later ones reuse the walk).
   */
  get time(): number | undefined {
    return this.#info?.().time;
  }

  /** The metadata this moment's commit was given (`transact(fn, { meta })`), or undefined. */
  get meta(): unknown {
    return this.#info?.().meta;
  }

  /** Bytes this moment's commit added to the database, its trailer included; undefined without a trailer. */
  get size(): number | undefined {
    return this.#info?.().size;
  }

  /** For a moment made by `undo` or `revert`: the moment it copied; otherwise undefined. */
  get restoredFrom(): number | undefined {
    return this.#info?.().restoredFrom;
  }

  /**
   * The value at `path`: a scalar, or a lazy view of a structure. O(depth · log n).
   *
   * @returns undefined when something on the path is absent
   * @throws WrongTypeError when the path goes through a value that has no such step
   */
  get<P extends PathOf<S>>(path: P): Stored<TypeAt<S, P>> | undefined {
    requirePath(path);
    const cursor = readAt(this.#root, path as AnyPath);
    return cursor === undefined ? undefined : (readValue(cursor, always) as Stored<TypeAt<S, P>>);
  }

  /** True when something is stored at `path` (null included). */
  has(path: PathOf<S>): boolean {
    requirePath(path);
    return readAt(this.#root, path as AnyPath) !== undefined;
  }

  /** The whole moment as plain JS (objects, arrays, Maps, Sets): with `open<Schema>()`, the schema's type. O(size). */
  toJS(): JSOf<S> {
    const value = readValue(this.#root, always);
    return (value instanceof MapView || value instanceof ListView || value instanceof SetView ? value.toJS() : value) as JSOf<S>;
  }

  /**
   * What `JSON.stringify(snapshot)` gives: `{ kind: 'Snapshot', index }`, never
   * data. A snapshot reaches every key of its moment; serialize
   * `snapshot.get(path)` (a view's toJSON gives its data) or {@link toJS} to
   * send data on purpose. O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'Snapshot', index: this.index };
  }

  /** What `console.log` and `util.inspect` show in Node: `Snapshot { index: 3 }`. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** The cursor-level view of this moment's root, for full control over the format. */
  cursor(): ReadCursor {
    return this.#root;
  }

  /**
   * The changes from this moment to `other`, lazily (see {@link Database.diff}).
   *
   * @param other - a snapshot of the same database
   * @param options - `path` to compare under, `stats` to count blocks read
   * @throws InvalidArgumentError when `other` is not a snapshot of this database
   */
  diff(other: Snapshot<S>, options: DiffOptions = {}): Generator<Change, void, undefined> {
    if (!(other instanceof Snapshot) || other.#root.ctx.io !== this.#root.ctx.io) throw new InvalidArgumentError('a snapshot diffs against another snapshot of the same database');
    return diffRoots(this.#root, other.#root, options);
  }
}

