// The one walk over stored values that the copies share: the dump
// (history/dump.ts), toJS and toImmutable (api/views.ts) and copying a view
// into another database (api/copy.ts) are visitors of it. The walk owns what
// they had each written for themselves: the depth-first iteration from an
// explicit stack (no nesting depth can exhaust the JS stack), the memo that
// walks each distinct structure (tag and record position) once and hands its
// result to every other place it is met, the cycle check (a structure met
// again while its own walk is under way contains itself: CorruptDatabaseError),
// the count of values the result unfolds to against a budget, and the depth of
// nested walks (keys that are structures). The tag table (src/kinds) says which
// slots are structures and how each is read (its family), so a new kind needs
// only its row there.
//
// history/records.ts walkRecords is the other walk: it offers records (blocks,
// headers, kv pairs, byte values), not values, for stats and recovery.
// verifyDatabase keeps its own checking walk (history/verify.ts): it must go on
// after a problem and report every one, and it walks blocks by the kind it
// first met them as, neither of which a walk that builds values can do.

import { CorruptDatabaseError, OutOfRangeError } from '../errors.js';
import { unfoldBudget } from '../core/unfold-budget.js';
import { Tag } from '../format/tags.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import { structureKind, type StructureKind } from '../kinds/table.js';

/**
 * What one kind of walk makes of the values it meets. `V` is the result of a
 * value, `C` the container a map, set or list is built in, `K` a map key as
 * the container files it, `P` the place a value goes (a cursor to write, or
 * nothing). Children that are structures are walked after their siblings: the
 * container keeps their place with {@link hold} and receives them with {@link put}.
 */
export interface ValueVisitor<V, C, K, P> {
  /** The result of a slot that holds no structure, at the top of a walk; refuses an internal tag. */
  leaf(cursor: ReadCursor, place: P): V;
  /** A structure already walked, `done` its result, stands at `place` too. */
  again(done: V, place: P): void;
  /** Opens the container of the map, set or list `cursor` is on, which goes at `place`. */
  open(cursor: ReadCursor, kind: StructureKind, place: P): C;
  /** A map entry's key, as the container files it (called in storage order: key order for a sorted map); `kind` is the map's. */
  key(container: C, key: ReadCursor, kind: StructureKind): K;
  /** A set's member (its key: members are never walked as values), in storage order (key order for a sorted set); `kind` is the set's. */
  member(container: C, key: ReadCursor, kind: StructureKind): void;
  /** A child that holds no structure, stored at once; refuses an internal tag. */
  leafChild(container: C, kind: StructureKind, key: K | number, child: ReadCursor): void;
  /** A child that is a structure, walked after its siblings: keeps its place in the container's order. */
  hold(container: C, kind: StructureKind, key: K | number): void;
  /** Where a held child goes, when its turn comes. */
  place(container: C, kind: StructureKind, key: K | number): P;
  /** Stores a held child's result. */
  put(container: C, kind: StructureKind, key: K | number, value: V): void;
  /** Closes a container: its result, which stands for the structure wherever it is met again. */
  close(container: C, kind: StructureKind): V;
}

/** Limits of a walk. */
export interface ValueWalkOptions {
  /**
   * The most values one walk's result may unfold to (each scalar, structure
   * and set member once at every place it stands, so a shared structure at
   * each of its places); Infinity for no limit.
   */
  readonly maxValues: number;
  /** The error for a value at `position` that would unfold to `count` values, more than `maxValues`. */
  tooMany(count: number, position: number): Error;
}

/** Structures nested in keys (only other writers or damage make them) nest at most this deep. */
export const KEY_NESTING_MAX = 16;

const NO_LIMIT: ValueWalkOptions = { maxValues: Infinity, tooMany: () => new Error('unreachable') };

/** A structure's result and how many values it unfolds to. */
interface Walked<V> {
  readonly value: V;
  readonly unfolded: number;
}

/** Marks a structure whose walk is under way: meeting it again below itself is a cycle. */
const WALKING: Walked<never> = { value: undefined as never, unfolded: 0 };

/** A map, set or list being walked; its children that are structures wait in `keys` and `cursors`. */
interface Frame<C, K> {
  readonly kind: StructureKind;
  readonly position: number;
  readonly slotPosition: number;
  readonly container: C;
  readonly keys: Array<K | number>;
  readonly cursors: ReadCursor[];
  next: number;
  unfolded: number;
}

/**
 * One walk's state, shared by its nested walks (keys that are structures):
 * the memo of finished structures, by tag and record position.
 *
 * Cost: O(distinct structures + their entries) time however much the data
 * shares; O(distinct structures) memory for the memo, and the stack of the
 * structures on the way down. The entries read are bounded by the data: at
 * most 2 per slot of it (at least 1,000,000). Distinct structures never come
 * near (each entry is a slot of its own); one structure whose blocks are
 * shared within it does: a linked list concatenated with itself 45 times is a
 * valid 150 KB file of 2^46 items, which toJS filled memory with until the
 * process died. Such a walk is refused with OutOfRangeError.
 */
export class ValueWalk<V, C, K, P> {
  private readonly visitor: ValueVisitor<V, C, K, P>;
  private readonly maxValues: number;
  private readonly options: ValueWalkOptions;
  private readonly memo: Array<Map<number, Walked<V>> | undefined> = [];
  private nesting = 0;
  private entries = 0;
  private entriesMax = 0;

  constructor(visitor: ValueVisitor<V, C, K, P>, options: ValueWalkOptions = NO_LIMIT) {
    this.visitor = visitor;
    this.options = options;
    this.maxValues = options.maxValues;
  }

  /**
   * The result of the value `root` is on, which goes at `place`.
   *
   * @throws CorruptDatabaseError when a structure contains itself
   * @throws the budget's error when the result would unfold to more than `maxValues` values
   * @throws whatever reading the data or the visitor throws
   */
  walk(root: ReadCursor, place: P): V {
    if (this.entriesMax === 0) this.entriesMax = unfoldBudget(root.ctx.io.storage.size());
    const visitor = this.visitor;
    const stack: Array<Frame<C, K>> = [];
    let result = this.enter(root, place, stack);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame<C, K>;
      if (frame.next < frame.cursors.length) {
        const index = frame.next++;
        const key = frame.keys[index] as K | number;
        const child = this.enter(frame.cursors[index] as ReadCursor, visitor.place(frame.container, frame.kind, key), stack);
        if (child !== undefined) this.add(frame, key, child);
        continue;
      }
      stack.pop();
      const done: Walked<V> = { value: visitor.close(frame.container, frame.kind), unfolded: frame.unfolded };
      this.memoOf(frame.kind.tag).set(frame.position, done);
      const parent = stack[stack.length - 1];
      if (parent === undefined) result = done;
      else this.add(parent, parent.keys[parent.next - 1] as K | number, done);
    }
    return (result as Walked<V>).value;
  }

  /**
   * A walk inside a visitor's callback (a key that is itself a structure),
   * sharing this walk's memo; at most {@link KEY_NESTING_MAX} deep.
   *
   * @throws CorruptDatabaseError when such walks nest deeper
   */
  nested(root: ReadCursor, place: P): V {
    if (this.nesting >= KEY_NESTING_MAX) throw new CorruptDatabaseError(`keys that are structures nest more than ${KEY_NESTING_MAX} deep`, root.slotPosition);
    this.nesting++;
    try {
      return this.walk(root, place);
    } finally {
      this.nesting--;
    }
  }

  private memoOf(tag: number): Map<number, Walked<V>> {
    let memo = this.memo[tag];
    if (memo === undefined) {
      memo = new Map();
      this.memo[tag] = memo;
    }
    return memo;
  }

  /** Adds a finished child to its parent, counting what it unfolds to against the budget. */
  private add(frame: Frame<C, K>, key: K | number, child: Walked<V>): void {
    frame.unfolded += child.unfolded;
    if (frame.unfolded > this.maxValues) throw this.options.tooMany(frame.unfolded, frame.slotPosition);
    this.visitor.put(frame.container, frame.kind, key, child.value);
  }

  /** The result of a value, or undefined after pushing the frame of a structure whose walk begins. */
  private enter(cursor: ReadCursor, place: P, stack: Array<Frame<C, K>>): Walked<V> | undefined {
    const visitor = this.visitor;
    const kind = structureKind(cursor.tag);
    if (kind === undefined) return { value: visitor.leaf(cursor, place), unfolded: 1 };
    const position = cursor.slot.position;
    const memo = this.memoOf(kind.tag);
    const known = memo.get(position);
    if (known === WALKING) throw new CorruptDatabaseError('a structure contains itself (a cycle between records)', cursor.slotPosition);
    if (known !== undefined) {
      // (Within the budget: it was checked when the structure was walked.)
      visitor.again(known.value, place);
      return known;
    }
    memo.set(position, WALKING);
    const container = visitor.open(cursor, kind, place);
    const frame: Frame<C, K> = { kind, position, slotPosition: cursor.slotPosition, container, keys: [], cursors: [], next: 0, unfolded: 1 };
    switch (kind.family) {
      case 'set':
        for (const key of cursor.asHashSet().keys()) {
          this.entry(frame);
          visitor.member(container, key, kind);
          this.count(frame);
        }
        break;
      case 'map':
        cursor.asHashMap().forEach((value, key) => this.child(frame, visitor.key(container, key, kind), value));
        break;
      // The sorted families offer their keys in key order (the tree's order), which the visitor may check.
      case 'sorted-set':
        for (const key of cursor.asSortedSet().keys()) {
          this.entry(frame);
          visitor.member(container, key, kind);
          this.count(frame);
        }
        break;
      case 'sorted-map':
        for (const entry of cursor.asSortedMap().entries()) this.child(frame, visitor.key(container, entry.key, kind), entry.value);
        break;
      default: {
        let index = 0;
        // The list families' readers, by tag (the walk's one per-tag choice: a list kind with another reader adds its case here).
        const items = kind.tag === Tag.ARRAY_LIST ? cursor.asArrayList().items(0) : cursor.asLinkedArrayList().items(0);
        for (const item of items) this.child(frame, index++, item);
      }
    }
    stack.push(frame);
    return undefined;
  }

  /** Counts one entry read against the walk's bound on entries (see the class). */
  private entry(frame: Frame<C, K>): void {
    if (++this.entries > this.entriesMax) {
      throw new OutOfRangeError(
        `the value at ${frame.slotPosition} holds more than ${this.entriesMax} entries, more than the data has slots: its blocks are shared within it (a list concatenated with itself); read it by index or iterate it`,
      );
    }
  }

  /** A child of a map or list: stored at once, or held for its turn when it is a structure. */
  private child(frame: Frame<C, K>, key: K | number, value: ReadCursor): void {
    this.entry(frame);
    if (structureKind(value.tag) !== undefined) {
      this.visitor.hold(frame.container, frame.kind, key);
      frame.keys.push(key);
      frame.cursors.push(value);
    } else {
      this.visitor.leafChild(frame.container, frame.kind, key, value);
      this.count(frame);
    }
  }

  private count(frame: Frame<C, K>): void {
    if (++frame.unfolded > this.maxValues) throw this.options.tooMany(frame.unfolded, frame.slotPosition);
  }
}
