// Read cursors: a position on one slot, and typed views of the structure a slot
// holds (hash map, hash set, array list). Everything here only reads; see
// write-cursor.ts for the writing side.

import { InvalidArgumentError, OutOfRangeError, WrongTypeError, type StrataError } from '../errors.js';
import { INDEX_BLOCK_SIZE, SLOT_SIZE, COUNT_SIZE, ARRAY_LIST_HEADER_SIZE, TWO_POW_32 } from '../format/constants.js';
import type { TaggedBytes } from '../format/bytes.js';
import { Slot, floatFromHalves } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import type { Context } from '../core/context.js';
import { longBytesLength, readBytesCopy, readBytesValue, readBytesValueInto, readStringValue } from '../core/bytes-values.js';
import { describe, requireBytes, requirePath } from '../base/arguments.js';
import { isCounted, mapRootOf } from '../core/structures.js';
import { HamtWalk, WALK_BATCH, hamtCount, hamtFind, hamtItems } from '../hamt/hash-map.js';
import { findKeyPair } from './key-lookup.js';
import { listSlotPosition, listSlotPositions, readListHeader, resolveIndex, type ListHeader } from '../trie/array-list.js';
import { BytesReader } from './bytes-stream.js';
import { LeafCache } from '../core/leaf-cache.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import { linkedListGeneration } from '../btree-list/generation.js';
import { BTREE_HEADER_SIZE } from '../btree-list/node.js';
import { btreeSlotPosition, btreeSlotPositions, readBTreeHeader, type BTreeHeader } from '../btree-list/read.js';
import { TreeReader, headerTree, treeSlotPositions, treeSlotPosition, type Tree } from '../rrb/rrb-tree.js';
import { resolveKeyTransient, type Key } from './keys.js';
import { INSPECT, describeHandle, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { ReadSortedMap, ReadSortedSet, sortedPathKey } from './read-sorted.js';
import { readSortedHeader } from '../sorted/node.js';

/**
 * A read-only position on one slot of a database: a moment's root, a map value,
 * a list item. Cheap to create; never changes what it shows (a snapshot's data
 * is immutable).
 *
 * @example
 * ```ts
 * const root = engine.moment(-1);           // the latest moment
 * const name = root.asHashMap().get('name')?.readString();
 * ```
 */
export class ReadCursor {
  /** @internal */
  readonly ctx: Context;
  /** Where the slot is stored; -1 for the virtual root of a database without history. */
  readonly slotPosition: number;
  /** @internal the slot as last read */
  protected current: Slot;

  /**
   * @param ctx - the open database
   * @param slotPosition - where the slot is, or -1 for a virtual slot
   * @param slot - the slot's content
   */
  constructor(ctx: Context, slotPosition: number, slot: Slot) {
    this.ctx = ctx;
    this.slotPosition = slotPosition;
    this.current = slot;
  }

  // Prototype methods only, no field change: cursors are made per read, and
  // their context hides its block access from enumeration (see Engine), so a
  // spread or Object.keys of a cursor reaches no byte of the database either.

  /** `'ReadCursor'` (a WriteCursor says `'WriteCursor'`), for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return 'ReadCursor';
  }

  /**
   * What `JSON.stringify(cursor)` gives: `{ kind, tag, position }`, the slot's
   * tag name and where the slot is, never its value nor anything else the
   * cursor can reach (every key of its database). Read a value on purpose
   * with the read methods. O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: this[Symbol.toStringTag], tag: tagName(this.current.tag), position: this.slotPosition };
  }

  /** What `console.log` and `util.inspect` show in Node: `ReadCursor { tag: "hash_map", position: 96 }`. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** The slot this cursor is on. */
  get slot(): Slot {
    return this.current;
  }

  /** The slot's tag ({@link Tag}). */
  get tag(): number {
    return this.current.tag;
  }

  /** True when the slot holds nothing: never written, or written as none. */
  get isNone(): boolean {
    return this.current.tag === Tag.NONE;
  }

  /**
   * The value as an unsigned 64-bit integer.
   *
   * @throws WrongTypeError unless the tag is uint
   */
  readUint(): bigint {
    this.expect(Tag.UINT);
    return this.current.valueU64;
  }

  /**
   * The value as a signed 64-bit integer.
   *
   * @throws WrongTypeError unless the tag is int
   */
  readInt(): bigint {
    this.expect(Tag.INT);
    return this.current.valueI64;
  }

  /**
   * The value as a 64-bit float.
   *
   * @throws WrongTypeError unless the tag is float
   */
  readFloat(): number {
    this.expect(Tag.FLOAT);
    return floatFromHalves(this.current.hi, this.current.lo);
  }

  /**
   * A uint, int or float value as a JS number, without the BigInt that
   * {@link readUint} and {@link readInt} return: the cheap read for numbers
   * known to be small (counters, indexes, sizes).
   *
   * @throws WrongTypeError unless the tag is uint, int or float
   * @throws OutOfRangeError when an integer is beyond Number.MAX_SAFE_INTEGER in magnitude
   */
  readNumber(): number {
    const slot = this.current;
    const hi = slot.hi;
    switch (slot.tag) {
      case Tag.UINT:
        if (hi < 0x200000) return hi * TWO_POW_32 + slot.lo;
        break;
      case Tag.INT:
        if (hi < 0x200000) return hi * TWO_POW_32 + slot.lo;
        // Negative: the magnitude is the two's complement, safe when hi > 0xffe00000 (or -2^53 + 1 and up).
        if (hi >= 0xffe00000 && !(hi === 0xffe00000 && slot.lo === 0)) return -((0xffffffff - hi) * TWO_POW_32 + (TWO_POW_32 - slot.lo));
        break;
      case Tag.FLOAT:
        return this.readFloat();
      default:
        throw wrongType('a number (uint, int or float)', slot.tag, this.slotPosition);
    }
    throw new OutOfRangeError(`the ${tagName(slot.tag)} at ${this.slotPosition} is beyond Number.MAX_SAFE_INTEGER; read it with ${slot.tag === Tag.UINT ? 'readUint' : 'readInt'}()`);
  }

  /**
   * The byte value (short or long), copied out. O(length). A result of 65 to
   * 1,024 bytes shares its `buffer` with other results, as Node's pooled
   * Buffers do: `slice()` it before transferring the buffer, or before keeping
   * it long when its neighbours go (it keeps its whole 8 KiB slab alive).
   *
   * @throws WrongTypeError unless the slot holds bytes
   */
  readBytes(): Uint8Array {
    return readBytesCopy(this.ctx.io, this.current, this.slotPosition);
  }

  /**
   * Copies the byte value (without its format tag) into `target` from
   * `offset`, allocating nothing: the read for hot loops over values, where
   * {@link readBytes} would allocate a new array per value (for values over 64
   * bytes, V8 allocates that array outside its heap, which costs more than the
   * read itself). `count()` gives the length beforehand. O(length).
   *
   * @example
   * ```ts
   * const buffer = new Uint8Array(4096);
   * const length = map.get(key)!.readBytesInto(buffer);
   * use(buffer.subarray(0, length));
   * ```
   *
   * @param target - where the bytes go
   * @param offset - the first byte of `target` to write (default 0)
   * @returns the value's length in bytes
   * @throws WrongTypeError unless the slot holds bytes
   * @throws OutOfRangeError when the value does not fit in `target` from `offset`
   */
  readBytesInto(target: Uint8Array, offset = 0): number {
    requireBytes(target, 'the target');
    return readBytesValueInto(this.ctx.io, this.current, this.slotPosition, target, offset);
  }

  /** The byte value with its 2-byte format tag, if it has one. */
  readTaggedBytes(): TaggedBytes {
    return readBytesValue(this.ctx.io, this.current, this.slotPosition);
  }

  /** The byte value decoded as UTF-8. */
  readString(): string {
    return readStringValue(this.ctx.io, this.current, this.slotPosition);
  }

  /** The format tag of a byte value, or undefined when it has none. */
  formatTag(): Uint8Array | undefined {
    return this.readTaggedBytes().formatTag;
  }

  /**
   * A streaming reader over a byte value, for values too large to copy at once.
   *
   * @throws WrongTypeError unless the slot holds bytes
   */
  bytesReader(): BytesReader {
    const slot = this.current;
    if (slot.tag === Tag.SHORT_BYTES) return BytesReader.inline(this.readBytes());
    if (slot.tag !== Tag.BYTES) throw wrongType('bytes', slot.tag, this.slotPosition);
    const length = longBytesLength(this.ctx.io, slot, this.slotPosition);
    return new BytesReader(this.ctx.io.storage, slot.position + 8, length);
  }

  /**
   * How many items: list items, map or set entries (O(1) for counted ones,
   * O(n) otherwise), or byte-value length. None counts as 0.
   */
  count(): number {
    const slot = this.current;
    const io = this.ctx.io;
    switch (slot.tag) {
      case Tag.NONE:
        return 0;
      case Tag.ARRAY_LIST:
        return readListHeader(io, io.checkPointer(slot.position, ARRAY_LIST_HEADER_SIZE, this.slotPosition)).count;
      case Tag.LINKED_ARRAY_LIST:
        return this.asLinkedArrayList().count();
      case Tag.COUNTED_HASH_MAP:
      case Tag.COUNTED_HASH_SET:
        return io.readU64(io.checkPointer(slot.position, COUNT_SIZE, this.slotPosition));
      case Tag.HASH_MAP:
      case Tag.HASH_SET: {
        return hamtCount(io, slot.position);
      }
      case Tag.SORTED_MAP:
      case Tag.SORTED_SET:
        return readSortedHeader(io, slot.position, this.slotPosition).count;
      case Tag.BYTES:
        return longBytesLength(io, slot, this.slotPosition);
      case Tag.SHORT_BYTES:
        return this.readBytes().length;
      default:
        throw wrongType('a list, map, set or bytes', slot.tag, this.slotPosition);
    }
  }

  /**
   * Views the slot as a hash map (plain or counted). An empty slot is an empty map.
   *
   * @throws WrongTypeError when it holds something else
   */
  asHashMap(): ReadHashMap {
    const tag = this.current.tag;
    if (tag !== Tag.NONE && tag !== Tag.HASH_MAP && tag !== Tag.COUNTED_HASH_MAP) throw wrongType('a hash map', tag, this.slotPosition);
    return new ReadHashMap(this.ctx, this.current, this.slotPosition);
  }

  /**
   * Views the slot as a hash set (plain or counted). An empty slot is an empty set.
   *
   * @throws WrongTypeError when it holds something else
   */
  asHashSet(): ReadHashSet {
    const tag = this.current.tag;
    if (tag !== Tag.NONE && tag !== Tag.HASH_SET && tag !== Tag.COUNTED_HASH_SET) throw wrongType('a hash set', tag, this.slotPosition);
    return new ReadHashSet(this.ctx, this.current, this.slotPosition);
  }

  /**
   * Views the slot as an array list. An empty slot is an empty list.
   *
   * @throws WrongTypeError when it holds something else
   */
  asArrayList(): ReadArrayList {
    const tag = this.current.tag;
    if (tag !== Tag.NONE && tag !== Tag.ARRAY_LIST) throw wrongType('an array list', tag, this.slotPosition);
    return new ReadArrayList(this.ctx, this.current, this.slotPosition);
  }

  /**
   * Views the slot as a linked (RRB) array list. An empty slot is an empty list.
   * Reads and checks the list's header once; the view is then O(log n) per get.
   *
   * @throws WrongTypeError when it holds something else
   * @throws IncompatibleDatabaseError for a second-generation (B-tree) list
   */
  asLinkedArrayList(): ReadLinkedArrayList {
    const tag = this.current.tag;
    if (tag !== Tag.NONE && tag !== Tag.LINKED_ARRAY_LIST) throw wrongType('a linked array list', tag, this.slotPosition);
    return new ReadLinkedArrayList(this.ctx, this.current, this.slotPosition);
  }

  /**
   * Views the slot as a sorted map (FORMAT.md §Sorted maps). An empty slot is an empty map.
   *
   * @throws WrongTypeError when it holds something else
   */
  asSortedMap(): ReadSortedMap {
    const tag = this.current.tag;
    if (tag !== Tag.NONE && tag !== Tag.SORTED_MAP) throw wrongType('a sorted map', tag, this.slotPosition);
    return new ReadSortedMap(this.ctx, this.current, this.slotPosition);
  }

  /**
   * Views the slot as a sorted set. An empty slot is an empty set.
   *
   * @throws WrongTypeError when it holds something else
   */
  asSortedSet(): ReadSortedSet {
    const tag = this.current.tag;
    if (tag !== Tag.NONE && tag !== Tag.SORTED_SET) throw wrongType('a sorted set', tag, this.slotPosition);
    return new ReadSortedSet(this.ctx, this.current, this.slotPosition);
  }

  /**
   * Follows a path from this slot: a key (string or bytes) looks up a hash map
   * (plain or counted) or a sorted map, a number indexes an array list (negative from the end).
   *
   * @param path - the steps, e.g. `['users', 42, 'name']`
   * @returns the cursor at the end, or undefined when a key or index is absent
   * @throws WrongTypeError when a step meets a value of another kind
   */
  readPath(path: ReadonlyArray<Key | number>): ReadCursor | undefined {
    requirePath(path);
    let cursor: ReadCursor = this;
    for (const step of path) {
      if (cursor.isNone) return undefined;
      if (typeof step === 'number') {
        const list = cursor.tag === Tag.LINKED_ARRAY_LIST ? cursor.asLinkedArrayList() : cursor.asArrayList();
        const count = list.count();
        if (step >= count || step < -count) return undefined;
        cursor = list.get(step);
      } else {
        const next = cursor.tag === Tag.SORTED_MAP ? cursor.asSortedMap().get(sortedPathKey(step)) : cursor.asHashMap().get(step);
        if (next === undefined) return undefined;
        cursor = next;
      }
    }
    return cursor;
  }

  /** @internal */
  protected expect(tag: number): void {
    if (this.current.tag !== tag) throw wrongType(tagName(tag), this.current.tag, this.slotPosition);
  }
}

/** The error for a value of the wrong kind (WrongTypeError); the third argument, where it was found, is not in the message. */
export function wrongType(expected: string, found: number, _position: number): StrataError {
  return new WrongTypeError(`expected ${expected}, found a ${tagName(found)}`);
}

/** Reads the slot at `position` into a read cursor. */
export function cursorAt(ctx: Context, position: number): ReadCursor {
  return new ReadCursor(ctx, position, ctx.io.readSlot(position));
}

/** A key and its value in a map, as cursors. */
export interface MapEntry<C extends ReadCursor = ReadCursor> {
  /** The stored key (bytes; empty when another implementation stored only the hash). */
  readonly key: C;
  /** The value. */
  readonly value: C;
  /** The key's hash. */
  readonly hash: Uint8Array;
}

/**
 * A read-only view of a hash map or counted hash map.
 * Lookups are O(depth) ≈ O(log16 n); iteration streams in hash order.
 */
export class ReadHashMap {
  /** @internal */
  protected readonly ctx: Context;
  /** @internal */
  protected readonly mapSlot: Slot;
  /** @internal */
  protected readonly from: number;

  /** @internal */
  constructor(ctx: Context, slot: Slot, from: number) {
    this.ctx = ctx;
    this.mapSlot = slot;
    this.from = from;
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'ReadHashMap' }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'ReadHashMap' };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** @internal position of the root index block, or -1 for an empty slot */
  protected root(): number {
    const slot = this.mapSlot;
    if (slot.tag === Tag.NONE) return -1;
    const size = isCounted(slot.tag) ? COUNT_SIZE + INDEX_BLOCK_SIZE : INDEX_BLOCK_SIZE;
    return mapRootOf(slot.tag, this.ctx.io.checkPointer(slot.position, size, this.from));
  }

  /** @internal kv pair position of `key`, or -1 */
  protected find(key: Key): number {
    const root = this.root();
    if (root < 0) return -1;
    return findKeyPair(this.ctx.io, this.ctx.hasher, root, resolveKeyTransient(key));
  }

  /**
   * The value stored under `key`.
   *
   * @returns a cursor on the value, or undefined when the key is absent
   */
  get(key: Key): ReadCursor | undefined {
    const kv = this.find(key);
    if (kv < 0) return undefined;
    return cursorAt(this.ctx, kv + this.ctx.io.hashSize + SLOT_SIZE);
  }

  /** True when `key` is present. */
  has(key: Key): boolean {
    return this.find(key) >= 0;
  }

  /**
   * The value stored under a raw hash, for maps written by other implementations
   * that store no key bytes. The hash must be the database hasher's size.
   */
  getByHash(hash: Uint8Array): ReadCursor | undefined {
    const root = this.root();
    if (root < 0) return undefined;
    requireBytes(hash, 'a hash');
    if (hash.length !== this.ctx.io.hashSize) throw new WrongTypeError(`a hash here is ${this.ctx.io.hashSize} bytes, got ${hash.length}`);
    const kv = hamtFind(this.ctx.io, root, hash, undefined);
    return kv < 0 ? undefined : cursorAt(this.ctx, kv + this.ctx.io.hashSize + SLOT_SIZE);
  }

  /** Entry count: O(1) for a counted map, O(n) for a plain one. */
  count(): number {
    const slot = this.mapSlot;
    if (isCounted(slot.tag)) return this.ctx.io.readU64(this.ctx.io.checkPointer(slot.position, COUNT_SIZE, this.from));
    const root = this.root();
    return root < 0 ? 0 : hamtCount(this.ctx.io, root);
  }

  /**
   * Every entry, in hash order; streams (memory does not grow with the map).
   * An entry reads its key, value and hash only when asked for them.
   */
  entries(): Generator<MapEntry, void, undefined> {
    const ctx = this.ctx;
    return hamtItems(ctx.io, () => this.root(), (kv) => new KvEntry(ctx, kv));
  }

  /**
   * Calls `fn` with each value and key, in hash order, like `Map.prototype.forEach`
   * (value first). The quickest way through a whole map: no generator and no
   * entry object per item.
   */
  forEach(fn: (value: ReadCursor, key: ReadCursor) => void): void {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`forEach takes a function, got ${describe(fn)}`);
    const root = this.root();
    if (root < 0) return;
    const ctx = this.ctx;
    const hashSize = ctx.io.hashSize;
    const walk = new HamtWalk(ctx.io, root);
    const batch = new Float64Array(WALK_BATCH);
    for (let count = walk.fill(batch); count > 0; count = walk.fill(batch)) {
      for (let i = 0; i < count; i++) {
        const kv = batch[i] as number;
        fn(cursorAt(ctx, kv + hashSize + SLOT_SIZE), cursorAt(ctx, kv + hashSize));
      }
    }
  }

  /** Every key cursor, in hash order. */
  keys(): Generator<ReadCursor, void, undefined> {
    return hamtItems(this.ctx.io, () => this.root(), (kv) => cursorAt(this.ctx, kv + this.ctx.io.hashSize));
  }

  /** Every value cursor, in hash order. */
  values(): Generator<ReadCursor, void, undefined> {
    return hamtItems(this.ctx.io, () => this.root(), (kv) => cursorAt(this.ctx, kv + this.ctx.io.hashSize + SLOT_SIZE));
  }

  /** Same as {@link entries}. */
  [Symbol.iterator](): Iterator<MapEntry> {
    return this.entries();
  }
}

/** A map entry that reads its parts on demand. */
class KvEntry implements MapEntry {
  private readonly ctx: Context;
  private readonly kv: number;

  constructor(ctx: Context, kv: number) {
    this.ctx = ctx;
    this.kv = kv;
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'MapEntry', position }` (where the key and value pair is), never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('MapEntry', () => ({ position: this.kv }));
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  get key(): ReadCursor {
    return cursorAt(this.ctx, this.kv + this.ctx.io.hashSize);
  }

  get value(): ReadCursor {
    return cursorAt(this.ctx, this.kv + this.ctx.io.hashSize + SLOT_SIZE);
  }

  get hash(): Uint8Array {
    return this.ctx.io.readBytes(this.kv, this.ctx.io.hashSize);
  }
}

/** A read-only view of a hash set or counted hash set. */
export class ReadHashSet {
  /** @internal */
  protected readonly map: ReadHashMap;

  /** @internal */
  constructor(ctx: Context, slot: Slot, from: number) {
    this.map = new ReadHashMap(ctx, slot, from);
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'ReadHashSet' }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'ReadHashSet' };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** True when `key` is in the set. O(log16 n). */
  has(key: Key): boolean {
    return this.map.has(key);
  }

  /** Member count: O(1) for a counted set, O(n) for a plain one. */
  count(): number {
    return this.map.count();
  }

  /** Every member's key cursor, in hash order. */
  keys(): Generator<ReadCursor, void, undefined> {
    return this.map.keys();
  }

  /** Same as {@link keys}. */
  [Symbol.iterator](): Iterator<ReadCursor> {
    return this.keys();
  }
}

/** A read-only view of an array list. Get is O(log16 n); iteration is O(n). */
export class ReadArrayList {
  /** @internal */
  protected readonly ctx: Context;
  /** @internal */
  protected readonly listSlot: Slot;
  /** @internal */
  protected readonly from: number;
  /** The header of a committed list, which no write can change; undefined otherwise. */
  private readonly fixedHeader: ListHeader | undefined;
  /** Leaf positions of a committed list. */
  private readonly leaves: LeafCache | undefined;

  /** @internal */
  constructor(ctx: Context, slot: Slot, from: number) {
    this.ctx = ctx;
    this.listSlot = slot;
    this.from = from;
    if (slot.tag !== Tag.NONE) {
      const header = this.header();
      // Every block under a committed header is committed too.
      if (slot.position + ARRAY_LIST_HEADER_SIZE <= ctx.io.tx.immutableBefore()) {
        this.fixedHeader = header;
        this.leaves = new LeafCache(header.count);
      }
    }
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'ReadArrayList', count }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('ReadArrayList', () => ({ count: this.count() }));
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** @internal */
  protected header(): ListHeader {
    if (this.listSlot.tag === Tag.NONE) return { count: 0, root: -1 };
    const io = this.ctx.io;
    return readListHeader(io, io.checkPointer(this.listSlot.position, ARRAY_LIST_HEADER_SIZE, this.from));
  }

  /** Items in the list. O(1). */
  count(): number {
    return (this.fixedHeader ?? this.header()).count;
  }

  /**
   * The item at `index`; negative indexes count from the end (-1 is the last).
   * A committed list read many times remembers its leaf blocks (8 bytes per 16
   * items, lists up to 2^24 items), so that a random get costs one dependent
   * memory access into the data instead of one per level.
   *
   * @throws OutOfRangeError when there is no such item
   */
  get(index: number): ReadCursor {
    const header = this.fixedHeader ?? this.header();
    const resolved = resolveIndex(index, header.count);
    const leaves = this.leaves;
    if (leaves === undefined) return cursorAt(this.ctx, listSlotPosition(this.ctx.io, header, resolved));
    const within = resolved & 15;
    let leaf = leaves.leaf(resolved);
    if (leaf === 0) leaf = leaves.remember(resolved, listSlotPosition(this.ctx.io, header, resolved - within));
    return cursorAt(this.ctx, leaf + SLOT_SIZE * within);
  }

  /** Items from `start` (default 0) to the end, in order. */
  *items(start = 0): Generator<ReadCursor, void, undefined> {
    const header = this.header();
    // As for linked lists: negative from the end, the count itself gives nothing, anything else outside is refused.
    if (header.count === 0 || start === header.count) return;
    const from = resolveIndex(start, header.count);
    for (const position of listSlotPositions(this.ctx.io, header, from)) yield cursorAt(this.ctx, position);
  }

  /** Every item in order. */
  [Symbol.iterator](): Iterator<ReadCursor> {
    return this.items(0);
  }
}


/**
 * A read-only view of a linked (RRB) array list. Get is O(log n); iteration runs
 * forwards or backwards from any index in O(1) amortised per item.
 */
export class ReadLinkedArrayList {
  /** @internal */
  protected readonly ctx: Context;
  /** The list's header as last read. */
  private header: Tree;
  /**
   * Where the header record is, when the running transaction may still change
   * it in place (its list was written in this transaction); -1 otherwise. Such
   * a view re-reads the header on every use, so it follows the list's later
   * writes (as an array-list view does) instead of pairing an old count with
   * blocks that have changed.
   */
  private readonly liveHeader: number = -1;
  /** Decoded branches, for a list no write can change any more (committed data). */
  private readonly reader: TreeReader | undefined;

  /** The header of a gen-2 (B-tree) list, as last read; undefined for a gen-1 list. */
  private btree: BTreeHeader | undefined;
  /** Where a gen-2 list's header is, when the running transaction may still change it in place; -1 otherwise. */
  private readonly liveBTree: number = -1;

  /** @internal */
  constructor(ctx: Context, slot: Slot, from: number) {
    this.ctx = ctx;
    if (slot.tag === Tag.NONE) {
      this.header = { root: -1, height: 0, count: 0 };
    } else if (linkedListGeneration(ctx.io, ctx.io.checkPointer(slot.position, BTREE_HEADER_SIZE, from)) === 2) {
      // FORMAT.md §Gen-2 linked array lists: read through the B-tree folder.
      this.header = { root: -1, height: 0, count: 0 };
      this.btree = readBTreeHeader(ctx.io, slot.position);
      if (slot.position + BTREE_HEADER_SIZE > ctx.io.tx.immutableBefore()) this.liveBTree = slot.position;
    } else {
      const io = ctx.io;
      const position = io.checkPointer(slot.position, LINKED_LIST_HEADER_SIZE, from);
      this.header = headerTree(readLinkedListHeader(io, position));
      if (position + LINKED_LIST_HEADER_SIZE > io.tx.immutableBefore()) this.liveHeader = position;
      // Every block under a committed root is committed too, so its decoding stays true.
      else if (this.header.root + LINKED_BLOCK_SIZE <= io.tx.immutableBefore()) this.reader = new TreeReader(io, this.header);
    }
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'ReadLinkedArrayList', count }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('ReadLinkedArrayList', () => ({ count: this.count() }));
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** @internal the list's header now */
  protected get tree(): Tree {
    if (this.liveHeader >= 0) this.header = headerTree(readLinkedListHeader(this.ctx.io, this.liveHeader));
    return this.header;
  }

  /** @internal a gen-2 list's header now, or undefined for a gen-1 list */
  protected get btreeHeader(): BTreeHeader | undefined {
    if (this.liveBTree >= 0) this.btree = readBTreeHeader(this.ctx.io, this.liveBTree);
    return this.btree;
  }

  /** Items in the list. O(1). */
  count(): number {
    return (this.btreeHeader ?? this.tree).count;
  }

  /**
   * The item at `index`; negative indexes count from the end.
   *
   * @throws OutOfRangeError when there is no such item
   */
  get(index: number): ReadCursor {
    const btree = this.btreeHeader;
    if (btree !== undefined) return cursorAt(this.ctx, btreeSlotPosition(this.ctx.io, btree, resolveIndex(index, btree.count)));
    const tree = this.tree;
    const resolved = resolveIndex(index, tree.count);
    const position = this.reader !== undefined ? this.reader.slotPosition(resolved) : treeSlotPosition(this.ctx.io, tree, resolved);
    return cursorAt(this.ctx, position);
  }

  /** Items from `start` (default 0, negative from the end) to the last. */
  *items(start = 0): Generator<ReadCursor, void, undefined> {
    const btree = this.btreeHeader;
    if (btree !== undefined) {
      if (btree.count === 0 || start === btree.count) return;
      for (const position of btreeSlotPositions(this.ctx.io, btree, resolveIndex(start, btree.count), false)) yield cursorAt(this.ctx, position);
      return;
    }
    const tree = this.tree;
    if (tree.count === 0 || start === tree.count) return;
    const from = resolveIndex(start, tree.count);
    for (const position of treeSlotPositions(this.ctx.io, tree, from, false)) yield cursorAt(this.ctx, position);
  }

  /** Items from `start` (default: the last) back to the first. */
  *itemsBackward(start = -1): Generator<ReadCursor, void, undefined> {
    const btree = this.btreeHeader;
    if (btree !== undefined) {
      if (btree.count === 0) return;
      for (const position of btreeSlotPositions(this.ctx.io, btree, resolveIndex(start, btree.count), true)) yield cursorAt(this.ctx, position);
      return;
    }
    const tree = this.tree;
    if (tree.count === 0) return;
    const from = resolveIndex(start, tree.count);
    for (const position of treeSlotPositions(this.ctx.io, tree, from, true)) yield cursorAt(this.ctx, position);
  }

  /** Every item in order. */
  [Symbol.iterator](): Iterator<ReadCursor> {
    return this.items(0);
  }
}
