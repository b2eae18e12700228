// The database people use: JS values at paths, serial atomic transactions,
// snapshots of any moment, history (undo, revert, slice), O(1) clones, and the
// bytes of a memory database. Built on the engine; browser-safe.

import { Engine, type Durability } from '../history/engine.js';
import { InvalidArgumentError, ReadOnlyError, TransactionError, OutOfRangeError, WrongTypeError } from '../errors.js';
import { MemoryStorage, isByteSource } from '../storage/memory-storage.js';
import type { Storage } from '../storage/storage.js';
import type { Hasher } from '../hash/hasher.js';
import { builtInHashers } from '../open.js';
import { backupTo, type BackupResult } from '../history/backup.js';
import { databaseStats, type DatabaseStats } from '../history/stats.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import { Tag } from '../format/tags.js';
import { KNOWN_TAG_MAX, secondGenerationError } from '../core/block-io.js';
import { UnsupportedValueError, describeTag, formatPath, stepText } from './errors.js';
import { isStructureTag, structureKind } from '../kinds/table.js';
import type { AnyPath, PathOf, PathStep, Stored, TypeAt } from './types.js';
import { encodeKey, isPlainObject, mapStepKey, objectKey, holdsViews, prepareValue, writeValue } from './values.js';
import { hasLoneSurrogate } from '../cursor/keys.js';
import { ListView, MapView, SetView, readValue, type Value, type ViewGuard } from './views.js';
import { describe, requireOptions, requirePath, requireStorage } from '../base/arguments.js';
import type { TaggedKey } from '../cursor/keys.js';
import { INSPECT, describeHandle, hideFields, inspectHandle, type HandleDescriptor } from '../base/public-object.js';

/** Options for {@link open}. */
export interface OpenOptions {
  /** Refuse every write (default false; true for bytes opened in place). */
  readOnly?: boolean;
  /** Commit durability: `sync` (default, survives power loss) or `flush` (survives a process crash). */
  durability?: Durability;
  /** The key hasher for a new database, or to force for an existing one (default: picked from the header; `xx16` for new). */
  hasher?: Hasher;
}

const always: ViewGuard = () => undefined;


function isIndex(step: PathStep): step is number {
  return typeof step === 'number';
}

/**
 * What a path step asks of the value it is taken at: `read` (readAt: a
 * missing key is absent), `check` (checkPath, before a write: keys are checked
 * in full) or `write` (cursorFor, after checkPath). Only the messages and how
 * much is checked differ.
 */
type StepMode = 'read' | 'check' | 'write';

/**
 * The one reading of a path step that every path walker of this file shares:
 * at a map (the tag table's `map` family) the step becomes the stored key (an
 * object's well-formed string key as it is, any other step through
 * mapStepKey, which checks it and names the path); at a list it must be an
 * index, returned as given (the caller judges the range); any other value has
 * no inside. O(1), no allocation on the common steps.
 *
 * @param tag - the tag of the value the step is taken at (not none: the walkers decide what none means)
 * @param i - the step's place in `path`, for messages
 * @returns the stored key (a string or tagged key) for a map, the index (a number) for a list
 * @throws WrongTypeError naming the path for a step the value cannot take
 * @throws IncompatibleDatabaseError for a gen-2 structure
 */
function resolveStep(cursor: ReadCursor, step: PathStep, path: AnyPath, i: number, mode: StepMode): string | TaggedKey | number {
  const tag = cursor.tag;
  const family = structureKind(tag)?.family;
  if (family === 'map') {
    if (tag === Tag.HASH_MAP && typeof step === 'string' && !(mode === 'check' && hasLoneSurrogate(step))) return step;
    return mapStepKey(tag, step, path.slice(0, i + 1));
  }
  if (family === 'list') {
    if (!isIndex(step) || (mode !== 'read' && !Number.isInteger(step))) {
      throw new WrongTypeError(`${formatPath(path.slice(0, i))} is a list, so the next step must be an index, not ${stepText(step)}`);
    }
    return step;
  }
  refuseUnreadable(cursor);
  const refusal = mode === 'read' ? `it has no ${stepText(step)} inside` : 'nothing can be stored inside it';
  throw new WrongTypeError(`${formatPath(path.slice(0, i))} holds ${describeTag(tag)}, so ${refusal}`);
}

/** Follows `path` from a read cursor; undefined when a key or index is absent. */
function readAt(root: ReadCursor, path: AnyPath): ReadCursor | undefined {
  let cursor: ReadCursor = root;
  for (let i = 0; i < path.length; i++) {
    if (cursor.tag === Tag.NONE) return undefined;
    const target = resolveStep(cursor, path[i] as PathStep, path, i, 'read');
    if (typeof target !== 'number') {
      const next = cursor.asHashMap().get(target);
      if (next === undefined) return undefined;
      cursor = next;
      continue;
    }
    const list = cursor.tag === Tag.ARRAY_LIST ? cursor.asArrayList() : cursor.asLinkedArrayList();
    const count = list.count();
    if (!Number.isInteger(target) || target >= count || target < -count) return undefined;
    cursor = list.get(target);
  }
  return cursor;
}

/**
 * A path that goes through a structure this build cannot read (a gen-2 sorted
 * map or set) is refused as incompatible, not as a wrong type: the data is
 * there, this build just cannot see it.
 */
function refuseUnreadable(cursor: ReadCursor): void {
  if (cursor.tag > KNOWN_TAG_MAX) throw secondGenerationError(cursor.tag, cursor.slotPosition);
}

/**
 * Checks that a write at `path` can succeed, without writing: every step goes
 * through a map or a list, indexes are inside their list (or equal to its
 * length when `create`), and empty slots are only followed by keys when
 * `create` (they will become maps).
 *
 * @throws WrongTypeError or OutOfRangeError naming the path
 */
function checkPath(root: ReadCursor, path: AnyPath, create: boolean): void {
  let cursor: ReadCursor | undefined = root;
  const last = path.length - 1;
  for (let i = 0; i < path.length; i++) {
    const step = path[i] as PathStep;
    if (cursor === undefined || cursor.isNone) {
      if (!create) throw new OutOfRangeError(`nothing is stored at ${formatPath(path.slice(0, i))}`);
      if (isIndex(step)) throw new OutOfRangeError(`there is no list at ${formatPath(path.slice(0, i))} to index with ${step}`);
      // A map made on the way is an object: its keys are strings (well-formed ones).
      if (typeof step !== 'string' || hasLoneSurrogate(step)) objectKey(step, path.slice(0, i + 1));
      cursor = undefined;
      continue;
    }
    const target = resolveStep(cursor, step, path, i, 'check');
    if (typeof target === 'number') {
      const count = cursor.count();
      if (create && target === count) {
        cursor = undefined;
        continue;
      }
      if (target >= count || target < -count) throw new OutOfRangeError(`index ${target} is outside the list of ${count} items at ${formatPath(path.slice(0, i))}`);
    }
    // The last step's own value is replaced, whatever it holds: no need to look it up.
    cursor = i === last ? undefined : readAt(cursor, [step]);
  }
}

/**
 * A read-only view of one moment. It never changes, even while later
 * transactions commit.
 */
export class Snapshot<S = any> {
  /** The moment's index in the history (0 is the first). */
  readonly index: number;
  // An ES private field: the root cursor reaches the whole database, and a
  // snapshot is made per db.get, too often for a per-instance defineProperty.
  readonly #root: ReadCursor;

  /** @internal */
  constructor(root: ReadCursor, index: number) {
    this.#root = root;
    this.index = index;
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

  /** The whole moment as plain JS (objects, arrays, Maps, Sets). O(size). */
  toJS(): unknown {
    const value = readValue(this.#root, always);
    return value instanceof MapView || value instanceof ListView || value instanceof SetView ? value.toJS() : value;
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
}

/**
 * One write transaction: reads see its own writes; nothing is visible to
 * anyone else until it commits. Valid only inside the function given to
 * {@link Database.transact}.
 */
export class Transaction<S = any> {
  // ES private fields: the root cursor and the engine reach the whole
  // database, and Object.keys, spreading or JSON.stringify of a transaction
  // must not (see toJSON).
  readonly #root: WriteCursor;
  readonly #engine: Engine;
  #active = true;
  readonly #guard: ViewGuard = () => {
    if (!this.#active) throw new TransactionError('this view belongs to a transaction that has ended; read from a snapshot instead');
  };

  /** @internal */
  constructor(engine: Engine, root: WriteCursor) {
    this.#engine = engine;
    this.#root = root;
  }

  /** @internal */
  end(): void {
    this.#active = false;
  }

  /**
   * What `JSON.stringify(tx)` gives: `{ kind: 'Transaction', active }`, never
   * data (a transaction reaches every key). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'Transaction', active: this.#active };
  }

  /** What `console.log` and `util.inspect` show in Node: `Transaction { active: true }`. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  private check(): void {
    if (!this.#active) throw new TransactionError('this transaction has ended; start a new one with db.transact()');
  }

  /**
   * The value at `path` as this transaction sees it now. A view from it is a
   * snapshot: later writes of the transaction do not show in it. Views are valid
   * until the transaction ends.
   */
  get<P extends PathOf<S>>(path: P): Stored<TypeAt<S, P>> | undefined {
    requirePath(path);
    this.check();
    const cursor = readAt(this.#root.refresh(), path as AnyPath);
    if (cursor === undefined) return undefined;
    // A structure this transaction wrote changes in place; a view of it would
    // see later writes in part. Freezing makes them copy instead, as they do for
    // committed structures.
    if (isStructureTag(cursor.tag) && this.#engine.io.tx.isMutable(cursor.slot.position)) this.#engine.freeze();
    return readValue(cursor, this.#guard) as Stored<TypeAt<S, P>>;
  }

  /** True when something is stored at `path` (null included). */
  has(path: PathOf<S>): boolean {
    requirePath(path);
    this.check();
    return readAt(this.#root.refresh(), path as AnyPath) !== undefined;
  }

  /**
   * Stores `value` at `path`, creating maps on the way where nothing is stored.
   * A list index may equal the list's length, to append. The value is checked
   * completely before anything is written.
   *
   * @throws UnsupportedValueError naming the path of a value with no mapping
   * @throws WrongTypeError when the path goes through a value that is not a map or list
   * @throws OutOfRangeError for an index past the end of a list
   */
  set<P extends PathOf<S>>(path: P, value: TypeAt<S, P> | Stored<TypeAt<S, P>>): void {
    requirePath(path);
    this.check();
    // Read once: what is written is what was checked (see prepareValue).
    const prepared = prepareValue(value, path as AnyPath);
    // A view stored inside its own structure must not see the path's own
    // writes: freezing first makes the walk to `path` copy what the view shares.
    const views = holdsViews(prepared);
    if (views) this.#engine.freeze();
    const cursor = this.cursorFor(path as AnyPath, true);
    writeValue(cursor, prepared);
    // A view of another database is copied with its shared structures shared (each copied
    // once): freezing after the write makes later writes copy them instead of changing both places.
    if (views) this.#engine.freeze();
  }

  /**
   * Replaces the value at `path` with `fn(old)`, where old is what {@link get}
   * gives (undefined when absent).
   */
  update<P extends PathOf<S>>(path: P, fn: (old: Stored<TypeAt<S, P>> | undefined) => TypeAt<S, P> | Stored<TypeAt<S, P>>): void {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`update takes a function from the old value to the new one, got ${describe(fn)}`);
    this.set(path, fn(this.get(path)));
  }

  /**
   * Shallow merge: stores each property of `partial` under the map at `path`
   * (created when absent), leaving the other keys as they are.
   */
  merge<P extends PathOf<S>>(path: P, partial: Partial<TypeAt<S, P>> & object): void {
    requirePath(path);
    this.check();
    const steps = path as AnyPath;
    const isMapPartial = partial instanceof Map;
    if (!isMapPartial && (typeof partial !== 'object' || partial === null || !isPlainObject(partial))) {
      throw new InvalidArgumentError(`merge takes a plain object or a Map of the keys to store, got ${describe(partial)}`);
    }
    // Object.keys rather than Object.entries: several times faster on objects with many keys (see validateValue).
    const pairs: Array<[unknown, unknown]> = isMapPartial ? mapEntries(partial as Map<unknown, unknown>, steps) : Object.keys(partial).map((key) => [key, (partial as Record<string, unknown>)[key]]);
    const entries = pairs.filter(([, item]) => item !== undefined);
    // What will be there: the map at the path, or a new one (a Map partial makes a counted map).
    const existing = readAt(this.#root.refresh(), steps);
    const existingTag = existing === undefined ? Tag.NONE : existing.tag;
    if (existing !== undefined) refuseUnreadable(existing);
    if (existingTag !== Tag.NONE && existingTag !== Tag.HASH_MAP && existingTag !== Tag.COUNTED_HASH_MAP) {
      throw new WrongTypeError(`${formatPath(steps)} holds ${describeTag(existingTag)}, not a map to merge into`);
    }
    const tag = existingTag === Tag.NONE ? (isMapPartial ? Tag.COUNTED_HASH_MAP : Tag.HASH_MAP) : existingTag;
    // Every key and value is checked before anything is written.
    const keys = entries.map(([key]) => mapStepKey(tag, key, [...steps, key]));
    const prepared = entries.map(([key, item]) => prepareValue(item, [...steps, key]));
    const views = prepared.some(holdsViews);
    if (views) this.#engine.freeze();
    const cursor = this.cursorFor(steps, true);
    const map = tag === Tag.COUNTED_HASH_MAP ? cursor.countedHashMap() : cursor.hashMap();
    prepared.forEach((item, i) => writeValue(map.put(keys[i] as string | TaggedKey), item));
    // As in set: shared copies of another database's structures must not change together.
    if (views) this.#engine.freeze();
  }

  /**
   * Removes what is at `path`: a map key, a set member (the last step names the
   * member), or a list item (a linked list removes any index; an array list only
   * its last item).
   *
   * @returns true when something was removed
   */
  delete(path: PathOf<S>): boolean {
    requirePath(path);
    this.check();
    const steps = path as AnyPath;
    if (steps.length === 0) throw new WrongTypeError('delete needs a path to a key or an index, not the root');
    const parentPath = steps.slice(0, -1);
    const last = steps[steps.length - 1] as PathStep;
    const parent = readAt(this.#root.refresh(), parentPath);
    if (parent === undefined || parent.isNone) return false;
    refuseUnreadable(parent);
    const cursor = this.cursorFor(parentPath, false);
    switch (parent.tag) {
      case Tag.HASH_MAP:
        return cursor.hashMap().remove(objectKey(last, steps));
      case Tag.COUNTED_HASH_MAP:
        return cursor.countedHashMap().remove(encodeKey(last, steps));
      case Tag.HASH_SET:
        return cursor.hashSet().remove(encodeKey(last, steps));
      case Tag.COUNTED_HASH_SET:
        return cursor.countedHashSet().remove(encodeKey(last, steps));
      case Tag.LINKED_ARRAY_LIST: {
        const list = cursor.linkedArrayList();
        if (!isIndex(last) || !Number.isInteger(last) || last >= list.count() || last < -list.count()) return false;
        list.remove(last);
        return true;
      }
      case Tag.ARRAY_LIST: {
        const list = cursor.arrayList();
        const count = list.count();
        if (!isIndex(last) || !Number.isInteger(last) || last >= count || last < -count) return false;
        if (last !== count - 1 && last !== -1) {
          throw new WrongTypeError(`${formatPath(parentPath)} is an array list, which can only drop its last item; store a linkedList() to remove from the middle`);
        }
        list.slice(count - 1);
        return true;
      }
      default:
        throw new WrongTypeError(`${formatPath(parentPath)} holds ${describeTag(parent.tag)}, which has nothing to delete`);
    }
  }

  /**
   * Appends values to the list at `path` (an empty slot gets a new array list).
   *
   * @returns the list's new length
   */
  push(path: PathOf<S>, ...values: unknown[]): number {
    requirePath(path);
    this.check();
    const prepared = values.map((value, i) => prepareValue(value, [...(path as AnyPath), `+${i}`]));
    const views = prepared.some(holdsViews);
    if (views) this.#engine.freeze();
    const cursor = this.cursorFor(path as AnyPath, true);
    const current = cursor.refresh();
    refuseUnreadable(current);
    const tag = current.tag;
    if (tag === Tag.LINKED_ARRAY_LIST) {
      const list = cursor.linkedArrayList();
      for (const value of prepared) writeValue(list.append(), value);
      const count = list.count();
      if (views) this.#engine.freeze();
      return count;
    }
    if (tag !== Tag.NONE && tag !== Tag.ARRAY_LIST) throw new WrongTypeError(`${formatPath(path as AnyPath)} holds ${describeTag(tag)}, not a list`);
    const list = cursor.arrayList();
    for (const value of prepared) writeValue(list.append(), value);
    const count = list.count();
    // As in set: shared copies of another database's structures must not change together.
    if (views) this.#engine.freeze();
    return count;
  }

  /**
   * Makes `to` hold the same value as `from`: O(1) whatever its size (a pointer
   * copy). Changing either one later never changes the other.
   *
   * @throws OutOfRangeError when nothing is stored at `from`
   */
  clone(from: PathOf<S>, to: PathOf<S>): void {
    requirePath(from);
    requirePath(to);
    this.check();
    const source = readAt(this.#root.refresh(), from as AnyPath);
    if (source === undefined) throw new OutOfRangeError(`nothing is stored at ${formatPath(from as AnyPath)} to clone`);
    const slot = source.slot;
    // Freeze first: the source's blocks then count as committed, so the walk to
    // `to` (which may pass through the source itself) copies them instead of
    // writing into them, and neither copy can change the other afterwards.
    this.#engine.freeze();
    const target = this.cursorFor(to as AnyPath, true);
    target.writeSlot(slot);
  }

  /**
   * Writable cursor at `path`; with `create`, empty slots on the way become
   * maps and an index equal to a list's length appends.
   */
  private cursorFor(path: AnyPath, create: boolean): WriteCursor {
    // Check the whole path first, reading only: a bad path must leave the transaction untouched.
    checkPath(this.#root.refresh(), path, create);
    let cursor = this.#root;
    for (let i = 0; i < path.length; i++) {
      const step = path[i] as PathStep;
      const current = cursor.refresh();
      if (current.tag === Tag.NONE) {
        if (!create) throw new OutOfRangeError(`nothing is stored at ${formatPath(path.slice(0, i))}`);
        if (isIndex(step)) throw new OutOfRangeError(`there is no list at ${formatPath(path.slice(0, i))} to index with ${step}`);
        cursor = cursor.hashMap().put(typeof step === 'string' ? step : objectKey(step, path.slice(0, i + 1)));
        continue;
      }
      const target = resolveStep(current, step, path, i, 'write');
      if (typeof target !== 'number') {
        cursor = current.tag === Tag.HASH_MAP ? cursor.hashMap().put(target) : cursor.countedHashMap().put(target);
        continue;
      }
      const list = current.tag === Tag.ARRAY_LIST ? cursor.arrayList() : cursor.linkedArrayList();
      const count = list.count();
      if (create && target === count) cursor = list.append();
      else if (target >= count || target < -count) throw new OutOfRangeError(`index ${target} is outside the list of ${count} items at ${formatPath(path.slice(0, i))}`);
      else cursor = list.put(target);
    }
    return cursor;
  }

  /** The cursor-level writable root of this transaction's moment, for full control over the format. */
  cursor(): WriteCursor {
    this.check();
    return this.#root;
  }
}

/**
 * An open database: JS values at paths, transactions, and the history of moments.
 *
 * @example
 * ```ts
 * const db = await open();                       // in memory
 * db.set(['users', 'alice'], { name: 'Alice', visits: 1 });
 * db.transact((tx) => tx.update(['users', 'alice', 'visits'], (n) => (n as number) + 1));
 * db.get(['users', 'alice', 'visits']);          // 2
 * db.undo();
 * db.get(['users', 'alice', 'visits']);          // 1
 * ```
 */
export class Database<S = any> {
  /** The engine underneath, for the cursor-level API. */
  readonly engine: Engine;
  private current: Transaction<S> | undefined;

  /** @internal use {@link open} */
  constructor(engine: Engine) {
    this.engine = engine;
    // Out of enumeration: the engine reaches every key and byte of the
    // database, and Object.keys, spreading or structuredClone of a database
    // must not (see toJSON). Made once per open, so defineProperty costs nothing.
    hideFields(this);
  }

  /**
   * What `JSON.stringify(db)` gives: `{ kind: 'Database', moments, readOnly }`,
   * never data. A web server's `res.json(db)` by mistake must not send every
   * key; to send data, serialize a view (`res.json(db.get(['public']))`, whose
   * toJSON gives that subtree only) or call `snapshot().toJS()` on purpose. O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('Database', () => ({ moments: this.engine.momentCount(), readOnly: this.engine.readOnly }));
  }

  /** What `console.log` and `util.inspect` show in Node: `Database { moments: 3, readOnly: false }`. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** True when the database refuses writes. */
  get readOnly(): boolean {
    return this.engine.readOnly;
  }

  /**
   * Runs `fn` as one transaction: serial, atomic, isolated. Its return value is
   * returned; if it throws, nothing is committed and the database is exactly as
   * before. `fn` must be synchronous.
   *
   * @throws TransactionError inside another transaction
   * @throws ReadOnlyError on a read-only database
   */
  transact<R>(fn: (tx: Transaction<S>) => R): R {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`transact takes a function of the transaction, got ${describe(fn)}`);
    if (this.current !== undefined) throw new TransactionError('a transaction is already running; transactions do not nest');
    if (this.engine.readOnly) throw new ReadOnlyError('the database is open read-only');
    return this.engine.transact((root) => {
      const tx = new Transaction<S>(this.engine, root);
      this.current = tx;
      try {
        return fn(tx);
      } finally {
        tx.end();
        this.current = undefined;
      }
    });
  }

  /** How many moments the history holds. O(1). */
  get momentCount(): number {
    return this.engine.momentCount();
  }

  /**
   * A snapshot of moment `index` (negative from the end; default the latest).
   *
   * @throws OutOfRangeError when there is no such moment
   */
  snapshot(index = -1): Snapshot<S> {
    const count = this.engine.momentCount();
    if (count === 0) throw new OutOfRangeError('the database has no moments yet');
    // The engine checks the index before the arithmetic below sees it.
    const root = this.engine.moment(index);
    return new Snapshot<S>(root, index < 0 ? count + index : index);
  }

  /** Every moment, oldest first, as snapshots. Streams. */
  *moments(): Generator<Snapshot<S>, void, undefined> {
    const count = this.engine.momentCount();
    for (let i = 0; i < count; i++) yield this.snapshot(i);
  }

  /**
   * The value at `path` in the latest moment (undefined when absent or when
   * there is no moment yet).
   */
  get<P extends PathOf<S>>(path: P): Stored<TypeAt<S, P>> | undefined {
    requirePath(path);
    if (this.engine.momentCount() === 0) return undefined;
    return this.snapshot().get(path);
  }

  /** True when the latest moment stores something at `path`. */
  has(path: PathOf<S>): boolean {
    requirePath(path);
    return this.engine.momentCount() > 0 && this.snapshot().has(path);
  }

  /** One-shot {@link Transaction.set} in its own transaction. */
  set<P extends PathOf<S>>(path: P, value: TypeAt<S, P> | Stored<TypeAt<S, P>>): void {
    this.transact((tx) => tx.set(path, value));
  }

  /** One-shot {@link Transaction.update} in its own transaction. */
  update<P extends PathOf<S>>(path: P, fn: (old: Stored<TypeAt<S, P>> | undefined) => TypeAt<S, P> | Stored<TypeAt<S, P>>): void {
    this.transact((tx) => tx.update(path, fn));
  }

  /** One-shot {@link Transaction.merge} in its own transaction. */
  merge<P extends PathOf<S>>(path: P, partial: Partial<TypeAt<S, P>> & object): void {
    this.transact((tx) => tx.merge(path, partial));
  }

  /** One-shot {@link Transaction.delete} in its own transaction. */
  delete(path: PathOf<S>): boolean {
    return this.transact((tx) => tx.delete(path));
  }

  /** One-shot {@link Transaction.push} in its own transaction. */
  push(path: PathOf<S>, ...values: unknown[]): number {
    return this.transact((tx) => tx.push(path, ...values));
  }

  /** Undoes the last `steps` transactions by appending a copy of the moment before them. */
  undo(steps = 1): void {
    this.engine.undo(steps);
  }

  /** Appends a copy of moment `index` (negative from the end) as the latest moment. */
  revert(index: number): void {
    this.engine.revert(index);
  }

  /** Keeps only the first `count` moments. */
  sliceHistory(count: number): void {
    this.engine.sliceHistory(count);
  }

  /**
   * Sizes and counts: file size, committed size, moments, and with
   * `reachable: true` the bytes the latest moment reaches (the rest is history).
   * O(1), or O(size of the latest moment) with `reachable`.
   */
  stats(options: { reachable?: boolean } = {}): DatabaseStats {
    requireOptions(options, 'stats');
    return databaseStats(this.engine, options);
  }

  /**
   * Copies the latest committed state into `target` (an empty writable
   * storage), consistently, while the database stays in use: the committed
   * prefix and the header that names it. The copy opens as a normal database.
   * For a file target use `backup` from `stratadb/node`. O(committed size).
   */
  backup(target: Storage): BackupResult {
    requireStorage(target, 'the backup target');
    return backupTo(this.engine, target);
  }

  /** Sees moments that another writer committed since this database last looked. */
  refresh(): void {
    this.engine.refresh();
  }

  /**
   * The bytes of a memory database, ready to send to a worker or over a socket
   * and open there in place with {@link open} (no decoding). A view of the live
   * buffer: valid until the next write; `.slice()` it to keep a copy.
   *
   * @throws WrongTypeError for a database that is not in memory
   */
  bytes(): Uint8Array {
    const storage = this.engine.storage;
    if (!(storage instanceof MemoryStorage)) throw new WrongTypeError('only a memory database has bytes to hand over; copy the file instead');
    return storage.toBytes();
  }

  /** Flushes and closes the storage (and releases the file). */
  close(): void {
    this.engine.close();
  }
}

/**
 * Opens a database:
 * - `open()`: a new empty database in memory;
 * - `open(bytes)`: existing database bytes (Uint8Array or ArrayBuffer, e.g. from
 *   {@link Database.bytes} in another thread), read-only and in place: O(1), no
 *   copy, no decoding (pass `readOnly: false` to write; it copies on growth);
 * - `open(storage)`: any {@link Storage}.
 *
 * Files are opened by path through `open` from `stratadb/node`.
 *
 * @example
 * ```ts
 * const db = await open<{ count: number }>();
 * db.set(['count'], 1);
 * ```
 */
export async function open<S = any>(source?: Uint8Array | ArrayBuffer | SharedArrayBuffer | Storage, options: OpenOptions = {}): Promise<Database<S>> {
  requireOptions(options, 'open');
  return openOn<S>(storageFor(source, options), options);
}

/** @internal the storage `open` uses for no source (memory), bytes (in place) or a storage */
export function storageFor(source: Uint8Array | ArrayBuffer | SharedArrayBuffer | Storage | undefined, options: OpenOptions): Storage {
  if (source === undefined) return new MemoryStorage();
  if (isByteSource(source)) return MemoryStorage.fromBytes(source, { readOnly: options.readOnly ?? true });
  return source;
}

/** @internal opens an engine over a storage with the built-in hashers */
export async function openOn<S>(storage: Storage, options: OpenOptions): Promise<Database<S>> {
  const engine = Engine.open(storage, {
    knownHashers: await builtInHashers(),
    ...(options.hasher !== undefined ? { hasher: options.hasher } : {}),
    ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
    ...(options.durability !== undefined ? { durability: options.durability } : {}),
  });
  return new Database<S>(engine);
}

export type { Value };

/**
 * A Map's entries, read once, each checked to be a [key, value] pair: a Map
 * subclass may iterate anything.
 *
 * @throws UnsupportedValueError naming the path when an entry is not a pair
 */
function mapEntries(map: Map<unknown, unknown>, path: AnyPath): Array<[unknown, unknown]> {
  const pairs: Array<[unknown, unknown]> = [];
  for (const entry of map as Iterable<unknown>) {
    if (!Array.isArray(entry) || entry.length < 2) throw new UnsupportedValueError(`a Map whose iterator gave ${describe(entry)} instead of a [key, value] pair`, path);
    pairs.push([entry[0], entry[1]]);
  }
  return pairs;
}
