// One write transaction of the value API: reads and writes at paths inside
// the function given to Database.transact (or transactAsync, transactBatched).

import { Engine } from '../history/engine.js';
import { InvalidArgumentError, TransactionError, OutOfRangeError, WrongTypeError } from '../errors.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import { Tag } from '../format/tags.js';
import { UnsupportedValueError, describeTag, formatPath } from './errors.js';
import { isStructureTag } from '../kinds/table.js';
import type { AnyPath, DeletePathOf, ItemOf, ListTarget, PathOf, PathStep, RangeItem, RangeKey, Stored, TypeAt } from './types.js';
import { rangeAt } from './sorted-views.js';
import type { RangeOptions } from './sorted-range.js';
import { checkPath, newMapStepsFrom, readAt, refuseUnreadable, resolveStep } from './paths.js';
import { addMembers, memberKeys, removeAt } from './members.js';
import { planMerge, writeMerge } from './merge.js';
import { failedPartWay, holdsViews, prepareValue, writeValue } from './values.js';
import { readValue, type ViewGuard } from './views.js';
import { describe, requirePath } from '../base/arguments.js';
import { InvariantError } from '../base/assert.js';
import { isHasherOutputError } from '../hash/hasher.js';
import { INSPECT, inspectHandle, type HandleDescriptor } from '../base/public-object.js';

/**
 * One write transaction: reads see its own writes; nothing is visible to
 * anyone else until it commits. Valid only inside the function given to
 * `Database.transact`.
 */
export class Transaction<in out S = any> {
  // ES private fields: the root cursor and the engine reach the whole
  // database, and Object.keys, spreading or JSON.stringify of a transaction
  // must not (see toJSON).
  readonly #root: WriteCursor;
  readonly #engine: Engine;
  #active = true;
  /** The failure that stopped a write part-way (see {@link Transaction.#write}): set once, then the transaction refuses everything. */
  #broken: { readonly error: unknown } | undefined = undefined;
  /** The check the views this transaction hands out run before each read; made at the first view (a transaction that only writes, as most batched ones do, makes none). */
  #viewGuard: ViewGuard | undefined = undefined;
  get #guard(): ViewGuard {
    return (this.#viewGuard ??= () => {
      if (!this.#active) throw new TransactionError('this view belongs to a transaction that has ended; read from a snapshot instead');
    });
  }

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
    if (this.#broken !== undefined) throw brokenError(this.#broken.error);
  }

  /**
   * @internal Throws when a write of this transaction failed part-way: called
   * by the database before it commits, so that a caught failure cannot commit
   * half of a value.
   */
  refuseIfBroken(): void {
    if (this.#broken !== undefined) throw brokenError(this.#broken.error);
  }

  /**
   * Runs one write. A bad path, key, value or argument is refused before
   * anything is written (the refusal classes of {@link isRefusal}), so the
   * caller may catch it and go on. Any other failure (a hash collision met
   * deep in a value, damaged data met on the way, a storage that fails) may
   * come after part of the write is done: the transaction is then broken, as
   * a database aborts a transaction whose statement failed. Every later call
   * refuses, and the transaction cannot commit even when the error is caught.
   */
  #write<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  /** After a write threw `error`: breaks the transaction unless it is a refusal raised before anything was written. */
  #failed(error: unknown): void {
    if (!isRefusal(error) || failedPartWay(error)) this.#broken = { error };
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

  /**
   * The `[key, value]` pairs of the sorted map at `path` (members of a sorted set) whose keys meet
   * `options`, in key order, lazily; nothing when absent. Later writes of the transaction do not show in it.
   *
   * @throws WrongTypeError when the value is no sorted map or set; InvalidArgumentError for a bad option
   */
  range<P extends PathOf<S>>(path: P, options: RangeOptions<RangeKey<TypeAt<S, P>>> = {}): IterableIterator<RangeItem<TypeAt<S, P>>> {
    requirePath(path);
    this.check();
    const cursor = readAt(this.#root.refresh(), path as AnyPath);
    // As in get: a structure this transaction wrote changes in place, so freeze before a lazy walk over it.
    if (cursor !== undefined && isStructureTag(cursor.tag) && this.#engine.io.tx.isMutable(cursor.slot.position)) this.#engine.freeze();
    return rangeAt(cursor, path as AnyPath, options as RangeOptions, this.#guard) as IterableIterator<RangeItem<TypeAt<S, P>>>;
  }

  /**
   * Adds members to the set at `path` (sorted, counted or not; an empty slot gets a new sorted
   * set), all checked before anything is written; returns the set's size.
   *
   * @throws WrongTypeError when the value is no set; InvalidArgumentError or UnsupportedValueError for a bad member
   */
  add(path: PathOf<S>, ...members: unknown[]): number {
    requirePath(path);
    this.check();
    const tag = readAt(this.#root.refresh(), path as AnyPath)?.tag ?? Tag.NONE;
    const keys = memberKeys(tag, members, path as AnyPath);
    return this.#write(() => addMembers(this.cursorFor(path as AnyPath, tag === Tag.NONE), tag, keys));
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
    // #write's rule, inline: this is the hot path, and a closure per write costs.
    try {
      if (views) this.#engine.freeze();
      const cursor = this.cursorFor(path as AnyPath, true);
      writeValue(cursor, prepared);
      // A view of another database is copied with its shared structures shared (each copied
      // once): freezing after the write makes later writes copy them instead of changing both places.
      if (views) this.#engine.freeze();
    } catch (error) {
      this.#failed(error);
      throw error;
    }
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
   * (created when absent), leaving the other keys as they are. `partial` is a
   * plain object, a Map, or a `sortedMap()` (into a sorted map, or a new one).
   */
  merge<P extends PathOf<S>>(path: P, partial: Partial<TypeAt<S, P>> & object): void {
    requirePath(path);
    this.check();
    // Read and checked before the write: what the partial's getters throw leaves the transaction usable, as in set.
    const plan = planMerge(this.#root, path as AnyPath, partial);
    this.#write(() => writeMerge(plan, (steps, create) => this.cursorFor(steps, create), () => this.#engine.freeze()));
  }

  /**
   * Removes what is at `path`: a map key, a set member (the last step names the
   * member), or a list item (a linked list removes any index; an array list only
   * its last item).
   *
   * @returns true when something was removed
   */
  delete(path: DeletePathOf<S>): boolean {
    requirePath(path);
    this.check();
    const steps = path as AnyPath;
    if (steps.length === 0) throw new WrongTypeError('delete needs a path to a key or an index, not the root');
    const parentPath = steps.slice(0, -1);
    const last = steps[steps.length - 1] as PathStep;
    const parent = readAt(this.#root.refresh(), parentPath);
    if (parent === undefined || parent.isNone) return false;
    refuseUnreadable(parent);
    return this.#write(() => removeAt(this.cursorFor(parentPath, false), parent.tag, last, steps));
  }

  /**
   * Appends values to the list at `path` (an empty slot gets a new array list).
   *
   * @returns the list's new length
   */
  push<P extends PathOf<S>>(path: P & ListTarget<TypeAt<S, P>>, ...values: Array<ItemOf<TypeAt<S, P>>>): number {
    requirePath(path);
    this.check();
    const prepared = values.map((value, i) => prepareValue(value, [...(path as AnyPath), `+${i}`]));
    const views = prepared.some(holdsViews);
    return this.#write(() => this.pushPrepared(path as AnyPath, prepared, views));
  }

  /** The write of {@link push}, once every value is prepared. */
  private pushPrepared(path: AnyPath, prepared: unknown[], views: boolean): number {
    if (views) this.#engine.freeze();
    const cursor = this.cursorFor(path, true);
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
    if (tag !== Tag.NONE && tag !== Tag.ARRAY_LIST) throw new WrongTypeError(`${formatPath(path)} holds ${describeTag(tag)}, not a list`);
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
    this.#write(() => {
      this.#engine.freeze();
      const target = this.cursorFor(to as AnyPath, true);
      target.writeSlot(slot);
    });
  }

  /**
   * Writable cursor at `path`; with `create`, empty slots on the way become
   * maps and an index equal to a list's length appends.
   *
   * A bad path must leave the transaction untouched. Without `create` the
   * whole path is checked first, reading only (checkPath). With it, the path
   * is walked once: a step through a value that is there only copies blocks
   * (nothing a read can tell apart), and the first step that adds something
   * (a key its map lacks, an append, a map made in an empty slot) is taken
   * only once every step after it is known to be one a new map can take;
   * where that is not known (a later step is an index), the step reads first,
   * and checkPath names the path when the write would fail.
   */
  private cursorFor(path: AnyPath, create: boolean): WriteCursor {
    if (!create) {
      checkPath(this.#root.refresh(), path, false);
      return this.walk(path, false, 0);
    }
    return this.walk(path, true, newMapStepsFrom(path));
  }

  /**
   * The write walk of {@link cursorFor}: steps from `addsFrom` on may add
   * (every step after them can be a new map's key); a step before it that
   * would add is refused through checkPath before anything is added.
   */
  private walk(path: AnyPath, create: boolean, addsFrom: number): WriteCursor {
    let cursor = this.#root;
    for (let i = 0; i < path.length; i++) {
      const step = path[i] as PathStep;
      const current = cursor.refresh();
      if (current.tag === Tag.NONE) {
        if (!create || i < addsFrom) this.refuse(path, create);
        cursor = cursor.hashMap().put(step as string);
        continue;
      }
      const target = resolveStep(current, step, path, i, create ? 'check' : 'write');
      // A step that may add a key or an item, with a later step a new map cannot take: only if it is there already.
      if (i + 1 < addsFrom && readAt(current, [step]) === undefined) this.refuse(path, create);
      if (target instanceof Uint8Array) {
        cursor = cursor.sortedMap().put(target);
        continue;
      }
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

  /** Throws checkPath's verdict on a write at `path` that the walk found would fail; nothing was added. */
  private refuse(path: AnyPath, create: boolean): never {
    checkPath(this.#root.refresh(), path, create);
    throw new InvariantError('the write walk refuses only paths that checkPath refuses');
  }

  /** The cursor-level writable root of this transaction's moment, for full control over the format. */
  cursor(): WriteCursor {
    this.check();
    return this.#root;
  }
}

/** Errors a write raises before it writes anything: a bad path, key, value or argument (not a faulty hasher's hash, met where a key is stored). */
function isRefusal(error: unknown): boolean {
  if (isHasherOutputError(error)) return false;
  return error instanceof WrongTypeError || error instanceof UnsupportedValueError || error instanceof InvalidArgumentError || error instanceof OutOfRangeError || error instanceof TransactionError;
}

/** The refusal of a transaction whose write failed part-way, with that failure as its cause. */
function brokenError(cause: unknown): TransactionError {
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new TransactionError(`a write of this transaction failed part-way (${what}), so part of it may be written: the transaction cannot go on or commit; let the error end it and start again`, { cause });
}
