// Write cursors: writing values into a slot, and the writable views of maps,
// sets and lists. Every write goes through copy-on-write (FORMAT.md
// §Transactions): a block that a committed moment (or frozen data) can reach is
// copied to the end before it changes; a block the running transaction wrote
// changes in place.

import { CorruptDatabaseError, IncompatibleDatabaseError, InvalidArgumentError, ReadOnlyError, StrataError, TransactionError, WrongTypeError } from '../errors.js';
import { ARRAY_LIST_HEADER_SIZE, COUNT_SIZE, FILE_HEADER_SIZE, INDEX_BLOCK_SIZE, LONG_BYTES_LENGTH_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Slot, floatSlot, splitI64, uintSlot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import type { Context } from '../core/context.js';
import { bytesSlot, longBytesLength } from '../core/bytes-values.js';
import type { BlockIO } from '../core/block-io.js';
import { describe, requireBytes, requireFormatTag, requireInteger, requireNumber, requirePath, requireText } from '../core/arguments.js';
import { isCounted, mapRootOf, type StructureTag } from '../core/structures.js';
import { ensureStructure } from '../kinds/ensure.js';
import { hamtRemove, hamtUpsert } from '../hamt/hash-map.js';
import { listAppend, listPut, listSlice, readListHeader, resolveIndex, writeListHeader } from '../trie/array-list.js';
import { BytesWriter } from './bytes-stream.js';
import { encodeTextTransient, hashKeyTransient, resolveKey, resolveKeyTransient, type Key, type ResolvedKey } from './keys.js';
import { ReadArrayList, ReadCursor, ReadHashMap, ReadHashSet, ReadLinkedArrayList, wrongType } from './read-cursor.js';
import { LINKED_LIST_HEADER_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import {
  appendOnEdge,
  appendTree,
  flushEdgeCounts,
  concatTrees,
  emptyTree,
  headerTree,
  insertTree,
  mutablePath,
  removeTree,
  sliceTree,
  readRightEdge,
  treeSlotPosition,
  type RightEdge,
  type Tree,
} from '../rrb/rrb-tree.js';

const encoder = new TextEncoder();


/**
 * A writable position on one slot, valid inside the transaction that made it.
 *
 * @example
 * ```ts
 * engine.transact((root) => {
 *   const users = root.hashMap();
 *   users.put('alice').writeString('Alice');
 *   users.put('visits').writeUint(1);
 * });
 * ```
 */
export class WriteCursor extends ReadCursor {
  /** @internal the transaction this cursor belongs to */
  readonly generation: number;
  /** @internal for the virtual root of a database without history: the record it stands for */
  private readonly virtualRoot: number;
  /**
   * @internal For a cursor on a list item, or on a slot reached through one: the
   * innermost item cursor on the way (this one, for an item). Each item cursor
   * holds its list's header record, and the list's stamp and the io's boundary
   * epoch when it was taken (BlockIO.listStamps); `outerItem` leads to the item
   * cursor of the list around that list, if any. Undefined for other cursors.
   */
  itemOf: WriteCursor | undefined = undefined;
  /** @internal see {@link itemOf} */
  outerItem: WriteCursor | undefined = undefined;
  /** @internal see {@link itemOf} */
  listRecord = -1;
  /** @internal see {@link itemOf} */
  listStamp = 0;
  /** @internal see {@link itemOf} */
  listEpoch = 0;

  /** @internal use Engine.transact or the structure views */
  constructor(ctx: Context, slotPosition: number, slot: Slot, virtualRoot = -1) {
    super(ctx, slotPosition, slot);
    this.generation = ctx.io.generation;
    this.virtualRoot = virtualRoot;
  }

  /** @internal */
  checkWritable(): void {
    if (this.ctx.readOnly) throw new ReadOnlyError('the database is open read-only');
    if (this.slotPosition < 0) {
      if (this.generation !== this.ctx.io.generation) throw new TransactionError('this cursor belongs to a transaction that has ended');
      return;
    }
    const io = this.ctx.io;
    io.checkWritable(this.slotPosition, this.generation);
    // Nothing to check until some list of this transaction was marked (the common case of bulk writes).
    if (this.itemOf === undefined || (io.listStamps.size === 0 && io.listCopies.size === 0)) return;
    for (let item: WriteCursor | undefined = this.itemOf; item !== undefined; item = item.outerItem) {
      // Stale when the list was sliced, joined or changed by an insert or remove, or
      // when it copied blocks after a boundary move that came after this cursor (before
      // that, the cursor's own block was mutable, so no copy could leave it behind).
      if (io.listStamp(item.listRecord) !== item.listStamp || (io.listCopies.get(item.listRecord) ?? -1) > item.listEpoch) {
        throw new TransactionError(
          `the slot at ${this.slotPosition} lies in a list item, or in a structure reached through one, and since this cursor was taken that list was sliced, joined, changed by an insert or remove, or copied, so the item may have been dropped, shared or moved; take a new cursor from the list`,
        );
      }
    }
  }

  /**
   * @internal A cursor on a slot this cursor's structure holds. It depends on
   * the same lists as this one (see {@link itemOf}).
   */
  child(slotPosition: number, slot: Slot): WriteCursor {
    const cursor = new WriteCursor(this.ctx, slotPosition, slot);
    cursor.itemOf = this.itemOf;
    return cursor;
  }

  /** @internal A cursor on an item of the list whose header record is at `record`, held by this cursor. */
  item(slotPosition: number, slot: Slot, record: number): WriteCursor {
    const cursor = new WriteCursor(this.ctx, slotPosition, slot);
    const io = this.ctx.io;
    cursor.itemOf = cursor;
    cursor.outerItem = this.itemOf;
    cursor.listRecord = record;
    cursor.listStamp = io.listStamp(record);
    cursor.listEpoch = io.boundaryEpoch;
    return cursor;
  }

  /** Re-reads the slot (a nested write may have moved what it points to). */
  refresh(): this {
    if (this.slotPosition >= 0) this.current = this.ctx.io.readSlot(this.slotPosition);
    return this;
  }

  /**
   * Writes a slot as it is: a pointer copy of another value (O(1) clone of a
   * whole structure) or an inline value.
   *
   * Within one transaction, a cloned structure shares blocks with its source
   * until {@link Engine.freeze}: changing one in place would change both. Freeze
   * before changing either, or clone values that a committed moment holds.
   *
   * What is checked before anything is written: the slot must hold a value
   * (FORMAT.md §Tags, where tags appear: none, uint, int, float, short_bytes,
   * or a pointer to bytes, a list, a map or a set; never index, kv_pair, the
   * gen-2 tags or unknown ones). A pointer must lie inside this database's data
   * (after the file header, its record wholly before the end) and point at a
   * record of the kind its tag says: a map's or set's root index block holds
   * only index, kv_pair or empty slots, a list header names a root block of
   * the right size and a count the data can hold, a long bytes record fits.
   *
   * Where a slot came from: a bare {@link Slot} is plain data and does not
   * say which database it was read from; the checks above refuse one from
   * another database when its position means nothing here, but not when it
   * happens to land on a record of the same kind. Pass the {@link ReadCursor}
   * instead (`writeSlot(cursor)` rather than `writeSlot(cursor.slot)`): a
   * cursor knows its database, and one from another database (or another open
   * of the same file) is refused. To copy a value between databases, read it
   * and write it again.
   *
   * @param source - the slot, or a cursor of this database standing on it
   * @throws InvalidArgumentError when `source` is neither, when it is a cursor of
   *   another database, or when the slot is not a value of this database as above;
   *   nothing is written and the transaction may go on
   * @throws WrongTypeError on the root of a database without history
   *
   * Cost: O(1); a pointer reads its record's header (at most one index block).
   */
  writeSlot(source: Slot | ReadCursor): void {
    let slot: Slot;
    if (source instanceof Slot) slot = source;
    else if (source instanceof ReadCursor) {
      if (source.ctx.io !== this.ctx.io) {
        throw new InvalidArgumentError('writeSlot was given a cursor of another database: its slot points into that database\'s data, not this one; read the value and write it again to copy it');
      }
      slot = source.slot;
    } else throw new InvalidArgumentError(`writeSlot takes a Slot or a ReadCursor, got ${describe(source)}`);
    this.checkWritable();
    if (this.slotPosition < 0) throw new WrongTypeError('the root of a database without history is a hash map and cannot be replaced');
    checkValueSlot(this.ctx.io, slot);
    this.store(slot);
  }

  /** Writes a slot this module built (inline, or pointing at a record it just wrote): no checks. */
  private store(slot: Slot): void {
    this.checkWritable();
    if (this.slotPosition < 0) throw new WrongTypeError('the root of a database without history is a hash map and cannot be replaced');
    // The format marks a slot written as none with the full flag, so it differs from a never-written one.
    const stored = slot.tag === Tag.NONE ? new Slot(Tag.NONE, true, 0, 0) : slot;
    this.ctx.io.writeSlot(this.slotPosition, stored);
    this.current = stored;
  }

  /** Writes none (an explicit empty value). */
  writeNone(): void {
    this.store(Slot.EMPTY);
  }

  /**
   * Writes an unsigned 64-bit integer.
   *
   * @param value - 0 to 2^64 - 1 (a number must be a safe integer)
   */
  writeUint(value: bigint | number): void {
    requireInteger(value, 'an unsigned integer value');
    this.store(uintSlot(value));
  }

  /**
   * Writes a signed 64-bit integer.
   *
   * @param value - -2^63 to 2^63 - 1 (a number must be a safe integer)
   */
  writeInt(value: bigint | number): void {
    requireInteger(value, 'a signed integer value');
    const [hi, lo] = splitI64(value);
    this.store(new Slot(Tag.INT, false, hi, lo));
  }

  /** Writes a 64-bit float (every bit pattern, -0 and NaN included, survives). */
  writeFloat(value: number): void {
    requireNumber(value, 'a float value');
    this.store(floatSlot(value));
  }

  /**
   * Writes bytes: inline when at most 8 bytes (6 with a format tag) and free of
   * 0x00, otherwise appended as long bytes. O(length).
   *
   * @param bytes - the value
   * @param formatTag - an optional 2-byte tag saying how to read the bytes (e.g. `dt`)
   */
  writeBytes(bytes: Uint8Array, formatTag?: Uint8Array | string): void {
    requireBytes(bytes, 'a bytes value');
    this.checkWritable();
    this.store(bytesSlot(this.ctx.io, bytes, toFormatTag(formatTag)));
  }

  /** Writes a string as UTF-8 bytes (other xitdb implementations read it as text). */
  writeString(text: string, formatTag?: Uint8Array | string): void {
    requireText(text, 'a string value');
    // The write copies the bytes (inline or appended), so a shared buffer will do.
    this.writeBytes(encodeTextTransient(text), formatTag);
  }

  /**
   * Starts a streaming write of a long byte value; the slot points at it when the
   * writer finishes.
   *
   * @param formatTag - an optional 2-byte format tag
   */
  bytesWriter(formatTag?: Uint8Array | string): BytesWriter {
    this.checkWritable();
    return new BytesWriter(this.ctx.io, toFormatTag(formatTag), (slot) => this.store(slot));
  }

  /** @internal makes the structure in this slot exist and be mutable; returns its record position */
  ensure(tag: StructureTag): number {
    this.checkWritable();
    if (this.slotPosition < 0) {
      if (tag !== Tag.HASH_MAP) throw new WrongTypeError(`the root of a database without history is a hash map, not a ${tagName(tag)}`);
      return this.virtualRoot;
    }
    const position = ensureStructure(this.ctx.io, this.slotPosition, tag);
    const current = this.current;
    if (current.tag !== tag || current.position !== position) {
      // A list copied to a new header record: cursors on its items taken before point into the old copy.
      if (current.tag === tag && !current.isEmpty) this.ctx.io.noteListCopy(current.position);
      this.current = Slot.pointer(tag, position);
    }
    return position;
  }

  /** This slot as a writable hash map; an empty slot gets a new map. */
  hashMap(): WriteHashMap {
    return new WriteHashMap(this, this.existingOr(Tag.HASH_MAP, Tag.HASH_MAP));
  }

  /** This slot as a writable counted hash map (O(1) count); an empty slot gets a new one. */
  countedHashMap(): WriteHashMap {
    return new WriteHashMap(this, this.existingOr(Tag.COUNTED_HASH_MAP, Tag.COUNTED_HASH_MAP));
  }

  /** This slot as a writable hash set; an empty slot gets a new set. */
  hashSet(): WriteHashSet {
    return new WriteHashSet(this, this.existingOr(Tag.HASH_SET, Tag.HASH_SET));
  }

  /** This slot as a writable counted hash set (O(1) count); an empty slot gets a new one. */
  countedHashSet(): WriteHashSet {
    return new WriteHashSet(this, this.existingOr(Tag.COUNTED_HASH_SET, Tag.COUNTED_HASH_SET));
  }

  /** This slot as a writable linked (RRB) array list; an empty slot gets a new list. */
  linkedArrayList(): WriteLinkedArrayList {
    this.existingOr(Tag.LINKED_ARRAY_LIST, Tag.LINKED_ARRAY_LIST);
    return new WriteLinkedArrayList(this);
  }

  /** This slot as a writable array list; an empty slot gets a new list. */
  arrayList(): WriteArrayList {
    this.existingOr(Tag.ARRAY_LIST, Tag.ARRAY_LIST);
    return new WriteArrayList(this);
  }

  /**
   * Follows a path for writing: a key puts into a hash map (creating the map
   * when the slot is empty, and the entry when absent), a number selects an
   * existing array list item (negative from the end). Every block on the way is
   * made mutable (copy-on-write).
   *
   * @param path - the steps, e.g. `['users', 42, 'name']`
   * @returns a writable cursor at the end of the path
   * @throws OutOfRangeError for an index outside its list
   * @throws WrongTypeError when a step meets a value of another kind
   */
  writePath(path: ReadonlyArray<Key | number>): WriteCursor {
    requirePath(path);
    let cursor: WriteCursor = this;
    for (const step of path) {
      if (typeof step === 'number') {
        cursor = cursor.refresh().tag === Tag.LINKED_ARRAY_LIST ? cursor.linkedArrayList().put(step) : cursor.arrayList().put(step);
      } else {
        const tag = cursor.refresh().tag;
        cursor = (tag === Tag.COUNTED_HASH_MAP ? cursor.countedHashMap() : cursor.hashMap()).put(step);
      }
    }
    return cursor;
  }

  private existingOr(expected: StructureTag, created: StructureTag): StructureTag {
    if (this.slotPosition >= 0) this.refresh();
    const tag = this.current.tag;
    if (tag !== Tag.NONE && tag !== expected) throw wrongType(`a ${tagName(expected)}`, tag, this.slotPosition);
    this.ensure(created);
    return created;
  }
}

function toFormatTag(tag: Uint8Array | string | undefined): Uint8Array | undefined {
  requireFormatTag(tag);
  return typeof tag === 'string' ? encoder.encode(tag) : tag;
}

/**
 * A writable hash map (plain or counted). Reads see the transaction's own writes.
 * Put and remove are O(log16 n) and copy at most one block per level.
 */
export class WriteHashMap {
  /** @internal */
  protected readonly owner: WriteCursor;
  /** @internal */
  protected readonly tag: StructureTag;

  /** @internal */
  constructor(owner: WriteCursor, tag: StructureTag) {
    this.owner = owner;
    this.tag = tag;
  }

  /** A read view of the map as it is now. */
  read(): ReadHashMap {
    const ctx = this.owner.ctx;
    return new ReadHashMap(ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /** The value under `key`, read-only, or undefined. */
  get(key: Key): ReadCursor | undefined {
    return this.read().get(key);
  }

  /** True when `key` is present. */
  has(key: Key): boolean {
    return this.read().has(key);
  }

  /** Entry count (O(1) when counted). */
  count(): number {
    return this.read().count();
  }

  /**
   * A writable cursor on the value under `key`, creating the entry (value none)
   * when absent. The key's bytes are stored so that lookups compare them.
   *
   * @throws HashCollisionError when another key has the same full hash
   */
  put(key: Key): WriteCursor {
    const kv = this.upsert(resolveKeyTransient(key));
    const ctx = this.owner.ctx;
    const valuePosition = kv + ctx.io.hashSize + SLOT_SIZE;
    // A pair made just now holds no value yet: no need to read it.
    return this.owner.child(valuePosition, this.lastCreated ? Slot.EMPTY : ctx.io.readSlot(valuePosition));
  }

  /** @internal whether the last upsert made a new pair */
  protected lastCreated = false;

  /** @internal makes the entry for `key` exist; true when it was not there before */
  insertKey(key: Key): boolean {
    this.upsert(resolveKeyTransient(key));
    return this.lastCreated;
  }

  /**
   * A writable cursor on the key slot of `key`'s entry, creating it when absent
   * (for storing a key with a format tag, or the key of a set member).
   */
  putKey(key: Key): WriteCursor {
    const kv = this.upsert(resolveKeyTransient(key));
    const ctx = this.owner.ctx;
    return this.owner.child(kv + ctx.io.hashSize, ctx.io.readSlot(kv + ctx.io.hashSize));
  }

  /** @internal returns the kv pair position, made mutable */
  protected upsert(key: ResolvedKey): number {
    const ctx = this.owner.ctx;
    const io = ctx.io;
    const record = this.owner.ensure(this.tag);
    const result = hamtUpsert(io, mapRootOf(this.tag, record), hashKeyTransient(ctx.hasher, key), key);
    if (result.created && isCounted(this.tag)) io.writeU64(record, io.readU64(record) + 1);
    this.lastCreated = result.created;
    return result.kvPosition;
  }

  /**
   * Removes `key`, collapsing branches as the format requires.
   *
   * @returns true when it was present
   */
  remove(key: Key): boolean {
    const ctx = this.owner.ctx;
    const io = ctx.io;
    const resolved = resolveKey(key);
    // Look first, so that removing an absent key copies nothing.
    if (!this.read().has(key)) return false;
    const record = this.owner.ensure(this.tag);
    const removed = hamtRemove(io, mapRootOf(this.tag, record), hashKeyTransient(ctx.hasher, resolved), resolved);
    if (removed && isCounted(this.tag)) io.writeU64(record, io.readU64(record) - 1);
    return removed;
  }

  /** Every entry in hash order (read-only cursors). */
  entries(): ReturnType<ReadHashMap['entries']> {
    return this.read().entries();
  }
}

/** A writable hash set (plain or counted). */
export class WriteHashSet {
  private readonly owner: WriteCursor;
  private readonly map: WriteHashMap;

  /** @internal */
  constructor(owner: WriteCursor, tag: StructureTag) {
    this.owner = owner;
    this.map = new WriteHashMap(owner, tag);
  }

  /** A read view of the set as it is now. */
  read(): ReadHashSet {
    return new ReadHashSet(this.owner.ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /**
   * Adds `key`.
   *
   * @returns true when it was not there before
   */
  add(key: Key): boolean {
    // One descent: the upsert says whether it made the pair.
    return this.map.insertKey(key);
  }

  /** True when `key` is a member. */
  has(key: Key): boolean {
    return this.map.has(key);
  }

  /**
   * Removes `key`.
   *
   * @returns true when it was a member
   */
  remove(key: Key): boolean {
    return this.map.remove(key);
  }

  /** Member count (O(1) when counted). */
  count(): number {
    return this.map.count();
  }
}

/**
 * A writable array list. Append, get and put are O(log16 n); slice is O(levels).
 */
export class WriteArrayList {
  private readonly owner: WriteCursor;
  /**
   * Where this handle's last append left the list: the header it wrote and the
   * leaf block of the last item. The next append goes into the same leaf
   * without a descent when the header still says exactly that (same record,
   * count and root, in the same transaction) and the leaf may still change in
   * place: any other change to the list moves the count or the root, and a
   * freeze or a sharing operation makes the leaf immutable.
   */
  private tail: { generation: number; record: number; count: number; root: number; leaf: number } | undefined;

  /** @internal */
  constructor(owner: WriteCursor) {
    this.owner = owner;
  }

  /** A read view of the list as it is now. */
  read(): ReadArrayList {
    return new ReadArrayList(this.owner.ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /** Items in the list. */
  count(): number {
    return this.read().count();
  }

  /** The item at `index` (negative from the end), read-only. */
  get(index: number): ReadCursor {
    return this.read().get(index);
  }

  /** Appends an empty item and returns a writable cursor on it. */
  append(): WriteCursor {
    const io = this.owner.ctx.io;
    const copies = io.copies;
    const record = this.owner.ensure(Tag.ARRAY_LIST);
    const header = readListHeader(io, record);
    const tail = this.tail;
    const within = header.count % SLOT_COUNT;
    if (
      tail !== undefined && within !== 0 && tail.generation === io.generation && tail.record === record &&
      tail.count === header.count && tail.root === header.root && io.isMutable(tail.leaf)
    ) {
      // The next slot of the same leaf: cleared (a slice may have left an item there), then counted.
      const slotPosition = tail.leaf + SLOT_SIZE * within;
      io.writeSlot(slotPosition, Slot.EMPTY);
      tail.count = header.count + 1;
      io.writeU64(record, tail.count);
      return this.owner.item(slotPosition, Slot.EMPTY, record);
    }
    const result = listAppend(io, header);
    // Blocks copied on the way leave their old copies behind (see BlockIO.listCopies).
    if (io.copies !== copies) io.noteListCopy(record);
    // The count always changes; the root only when it was copied or grew a level.
    io.writeU64(record, result.header.count);
    if (result.header.root !== header.root) io.writeU64(record + 8, result.header.root);
    const leaf = result.slotPosition - SLOT_SIZE * (header.count % SLOT_COUNT);
    this.tail = { generation: io.generation, record, count: result.header.count, root: result.header.root, leaf };
    return this.owner.item(result.slotPosition, Slot.EMPTY, record);
  }

  /**
   * A writable cursor on the existing item at `index` (negative from the end).
   *
   * @throws OutOfRangeError when there is no such item
   */
  put(index: number): WriteCursor {
    const io = this.owner.ctx.io;
    const copies = io.copies;
    const record = this.owner.ensure(Tag.ARRAY_LIST);
    const header = readListHeader(io, record);
    const result = listPut(io, header, resolveIndex(index, header.count));
    if (result.header.root !== header.root) writeListHeader(io, record, result.header);
    if (io.copies !== copies) io.noteListCopy(record);
    return this.owner.item(result.slotPosition, io.readSlot(result.slotPosition), record);
  }

  /**
   * Keeps the first `count` items. Dropped items never reappear: a later append
   * clears its slot.
   */
  slice(count: number): void {
    const io = this.owner.ctx.io;
    const record = this.owner.ensure(Tag.ARRAY_LIST);
    writeListHeader(io, record, listSlice(io, readListHeader(io, record), count));
    // A later append reuses the dropped items' slots: cursors on items taken before must not write there.
    io.bumpList(record);
  }
}


/** The slot of an item that exists but holds nothing yet: none with the full flag (FORMAT.md §Slot). */
const NEW_ITEM = new Slot(Tag.NONE, true, 0, 0);

/**
 * A writable linked (RRB) array list: O(log n) get, put, append, insert,
 * remove, slice and concat. Slice and concat share every block they can and
 * write only the edges; no operation changes a block that a committed moment,
 * another list or another part of this list can reach.
 */
export class WriteLinkedArrayList {
  private readonly owner: WriteCursor;
  /**
   * The right edge after this handle's last append, so the next append writes
   * without reading: valid only while the list's record, count and root, and the
   * copy-on-write boundary, are what they were then.
   */
  private edge:
    | { record: number; count: number; root: number; mutableFrom: number; generation: number; version: number; blocks: RightEdge; flush: () => void }
    | undefined;

  /** @internal */
  constructor(owner: WriteCursor) {
    this.owner = owner;
  }

  /** A read view of the list as it is now. */
  read(): ReadLinkedArrayList {
    return new ReadLinkedArrayList(this.owner.ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /** Items in the list. O(1). */
  count(): number {
    return this.read().count();
  }

  /** The item at `index` (negative from the end), read-only. O(log n). */
  get(index: number): ReadCursor {
    return this.read().get(index);
  }

  private load(): { record: number; tree: Tree } {
    const io = this.owner.ctx.io;
    // Any operation may change any list's shape: appends through other handles must look again.
    io.linkedVersion++;
    const record = this.owner.ensure(Tag.LINKED_ARRAY_LIST);
    return { record, tree: headerTree(readLinkedListHeader(io, record)) };
  }

  private store(record: number, tree: Tree): void {
    const io = this.owner.ctx.io;
    io.writeU64(record, tree.count);
    io.writeU64(record + 8, tree.root);
    io.storage.write(record + 16, new Uint8Array([tree.height]));
  }

  /** After an operation that shares blocks, no list block written so far may change in place. */
  /** After an operation that shares or replaces blocks of the list at `record`. */
  private markShared(record: number): void {
    const io = this.owner.ctx.io;
    io.linkedSharedBefore = io.end();
    io.boundaryEpoch++;
    io.bumpList(record);
  }

  private cursorOn(slotPosition: number, record: number): WriteCursor {
    return this.owner.item(slotPosition, this.owner.ctx.io.readSlot(slotPosition), record);
  }

  /** The header record the last {@link appendItem} wrote to. */
  private appendedTo = -1;

  /**
   * Appends an item (none until written) and returns a writable cursor on it.
   * O(log n); O(1) amortised small writes and no reads when the same handle
   * appends again.
   */
  append(): WriteCursor {
    const slotPosition = this.appendItem(NEW_ITEM);
    return this.owner.item(slotPosition, NEW_ITEM, this.appendedTo);
  }

  /**
   * Appends an item holding `slot` (a scalar such as `uintSlot(n)`, or a pointer
   * copy of a structure) without making a cursor: the fastest way to append
   * many values. A slot written as none is stored as none with the full flag.
   *
   * The slot is checked as {@link WriteCursor.writeSlot} checks it: a scalar
   * costs a switch, a pointer a read of its record's header.
   *
   * @returns the list's new count
   * @throws InvalidArgumentError for a slot that is not a value (an index or kv
   *   pair slot, an unknown tag) or a pointer outside this database's data or
   *   at a record of another kind; nothing is appended
   */
  appendSlot(slot: Slot): number {
    if (!(slot instanceof Slot)) throw new InvalidArgumentError(`appendSlot takes a Slot, got ${describe(slot)}`);
    checkValueSlot(this.owner.ctx.io, slot, 'appendSlot');
    this.appendItem(slot.tag === Tag.NONE ? NEW_ITEM : slot);
    return this.edge?.count ?? this.count();
  }

  /** Appends one item holding `value`; returns its slot position. */
  private appendItem(value: Slot): number {
    const io = this.owner.ctx.io;
    const edge = this.edge;
    if (edge !== undefined) {
      // Valid when no list operation ran since this handle's last append, in the same
      // transaction and freeze, and the slot still holds the same list record.
      if (edge.version === io.linkedVersion && edge.generation === io.generation && edge.mutableFrom === io.linkedMutableFrom()) {
        const record = this.owner.ensure(Tag.LINKED_ARRAY_LIST);
        if (record === edge.record) {
          const leafBefore = edge.blocks.leafFill;
          const slotPosition = appendOnEdge(io, edge.blocks, value);
          if (slotPosition >= 0) {
            this.appendedTo = record;
            edge.count++;
            edge.version = ++io.linkedVersion;
            if (leafBefore < SLOT_COUNT && io.deferCounts) {
              // The header count waits too, until a reader, a commit or another operation needs it.
              if (io.pendingFlush !== edge.flush) {
                io.flushPending();
                io.pendingFlush = edge.flush;
              }
            } else {
              edge.flush();
            }
            return slotPosition;
          }
        }
      }
      if (io.pendingFlush === edge.flush) io.flushPending();
    }
    const copies = io.copies;
    const { record, tree } = this.load();
    const mutableFrom = io.linkedMutableFrom();
    const result = appendTree(io, tree, value, mutableFrom);
    this.store(record, result.tree);
    // A right edge copied (it lay before the boundary) leaves the old blocks behind.
    if (io.copies !== copies) io.noteListCopy(record);
    this.appendedTo = record;
    // appendTree made the whole right edge mutable (copied or new), so the next append can go straight to it.
    const blocks = readRightEdge(io, result.tree);
    const state = {
      record,
      count: result.tree.count,
      root: result.tree.root,
      mutableFrom,
      generation: io.generation,
      version: io.linkedVersion,
      blocks,
      flush: (): void => {
        flushEdgeCounts(io, blocks);
        io.writeU64(record, state.count);
      },
    };
    this.edge = state;
    return result.slotPosition;
  }

  /**
   * Inserts an item before `index` (0 to count; negative from the end, so -1
   * inserts before the last item) and returns a writable cursor on it. O(log n).
   */
  insert(index: number): WriteCursor {
    const io = this.owner.ctx.io;
    const { record, tree } = this.load();
    const at = index === tree.count ? index : resolveIndex(index, tree.count);
    const next = insertTree(io, tree, at, NEW_ITEM);
    this.store(record, next);
    this.markShared(record);
    return this.cursorOn(treeSlotPosition(io, next, at), record);
  }

  /**
   * Removes the item at `index` (negative from the end). O(log n).
   *
   * @throws OutOfRangeError when there is no such item
   */
  remove(index: number): void {
    const io = this.owner.ctx.io;
    const { record, tree } = this.load();
    const at = resolveIndex(index, tree.count);
    this.store(record, removeTree(io, tree, at));
    this.markShared(record);
  }

  /**
   * A writable cursor on the existing item at `index` (negative from the end).
   * Copies the path to it where other data shares it. O(log n).
   */
  put(index: number): WriteCursor {
    const io = this.owner.ctx.io;
    const copies = io.copies;
    const { record, tree } = this.load();
    const result = mutablePath(io, tree, resolveIndex(index, tree.count), io.linkedMutableFrom());
    if (result.tree.root !== tree.root) this.store(record, result.tree);
    if (io.copies !== copies) io.noteListCopy(record);
    return this.cursorOn(result.slotPosition, record);
  }

  /**
   * Keeps the `count` items starting at `offset`. O(log n); shares every block
   * inside the range.
   *
   * @throws OutOfRangeError when the range is not inside the list
   */
  slice(offset: number, count: number): void {
    const io = this.owner.ctx.io;
    const { record, tree } = this.load();
    this.store(record, sliceTree(io, tree, offset, count));
    this.markShared(record);
  }

  /**
   * Appends every item of another linked list (or of this one) after this
   * list's items. O(log n); shares both lists' blocks.
   *
   * @param other - a cursor or slot holding a linked array list (or none)
   */
  concat(other: ReadCursor | Slot): void {
    const io = this.owner.ctx.io;
    if (!(other instanceof Slot) && !(other instanceof ReadCursor)) throw new InvalidArgumentError(`concat takes a cursor or a slot holding a linked list, got ${describe(other)}`);
    if (other instanceof ReadCursor && other.ctx.io !== io) {
      throw new InvalidArgumentError('concat was given a cursor of another database: its list lives in that database\'s data, not this one; read its items and append them to copy them');
    }
    const slot = other instanceof Slot ? other : other.slot;
    if (slot.tag === Tag.NONE) return;
    if (slot.tag !== Tag.LINKED_ARRAY_LIST) throw new WrongTypeError(`can only concat a linked_array_list, got a ${tagName(slot.tag)}`);
    // Read the other header before this list's header may move (they can be the same list).
    const otherTree = headerTree(readLinkedListHeader(io, io.checkPointer(slot.position, LINKED_LIST_HEADER_SIZE, -1)));
    const { record, tree } = this.load();
    const joined = concatTrees(io, tree, otherTree);
    this.store(record, joined.count === 0 ? emptyTree(io) : joined);
    this.markShared(record);
    // The other list's blocks are now this one's too: a write through a cursor on its items would change both.
    io.bumpList(slot.position);
    // The items now sit in two places (two lists, or twice in this one): a
    // structure an item points to must be copied before either place changes it.
    io.itemsSharedBefore = io.end();
    io.boundaryEpoch++;
  }
}



/**
 * The checks of {@link WriteCursor.writeSlot}: `slot` holds a value, and a
 * pointer names a record of its kind inside `io`'s data (FORMAT.md §Tags,
 * pointer tags). Reads at most one index block; writes nothing.
 *
 * @throws InvalidArgumentError otherwise
 */
function checkValueSlot(io: BlockIO, slot: Slot, what = 'writeSlot'): void {
  const tag = slot.tag;
  switch (tag) {
    case Tag.NONE:
    case Tag.SHORT_BYTES:
    case Tag.UINT:
    case Tag.INT:
    case Tag.FLOAT:
      return;
    case Tag.BYTES:
    case Tag.ARRAY_LIST:
    case Tag.LINKED_ARRAY_LIST:
    case Tag.HASH_MAP:
    case Tag.HASH_SET:
    case Tag.COUNTED_HASH_MAP:
    case Tag.COUNTED_HASH_SET:
      break;
    default:
      throw new InvalidArgumentError(
        `${what} takes a value, and a ${tagName(tag)} slot (tag ${tag}) is not a value: ${tag === Tag.INDEX || tag === Tag.KV_PAIR ? 'it only appears inside maps and lists' : 'this build never writes it'} (FORMAT.md §Tags)`,
      );
  }
  const position = slot.position;
  const size = tag === Tag.BYTES ? LONG_BYTES_LENGTH_SIZE : tag === Tag.ARRAY_LIST ? ARRAY_LIST_HEADER_SIZE : tag === Tag.LINKED_ARRAY_LIST ? LINKED_LIST_HEADER_SIZE : isCounted(tag) ? COUNT_SIZE + INDEX_BLOCK_SIZE : INDEX_BLOCK_SIZE;
  const end = io.end();
  if (position < FILE_HEADER_SIZE || position + size > end) {
    throw new InvalidArgumentError(`the ${tagName(tag)} slot points at ${position}, outside this database's data (${FILE_HEADER_SIZE} to ${end} bytes): was it read from another database?`);
  }
  try {
    switch (tag) {
      case Tag.BYTES:
        longBytesLength(io, slot, -1);
        return;
      case Tag.ARRAY_LIST:
        readListHeader(io, position);
        return;
      case Tag.LINKED_ARRAY_LIST:
        readLinkedListHeader(io, position);
        return;
      default:
        checkMapRoot(io, mapRootOf(tag, position));
    }
  } catch (error) {
    // A structure of this database that this build cannot read (a second-generation list) is that, not a foreign slot.
    if (!(error instanceof StrataError) || error instanceof IncompatibleDatabaseError) throw error;
    throw new InvalidArgumentError(`the ${tagName(tag)} slot points at ${position}, where this database holds no ${tagName(tag)} (${error.message}): was it read from another database?`);
  }
}

/** A map's or set's root index block holds only empty, index and kv_pair slots (FORMAT.md §Hash maps). */
function checkMapRoot(io: BlockIO, block: number): void {
  for (let i = 0; i < SLOT_COUNT; i++) {
    const child = io.readSlot(block + i * SLOT_SIZE);
    if (child.tag !== Tag.NONE && child.tag !== Tag.INDEX && child.tag !== Tag.KV_PAIR) {
      throw new CorruptDatabaseError(`slot ${i} of the block holds a ${tagName(child.tag)}, which a map's index block never does`, block + i * SLOT_SIZE);
    }
    if (child.tag !== Tag.NONE) io.checkPointer(child.position, child.tag === Tag.INDEX ? INDEX_BLOCK_SIZE : io.hashSize + 2 * SLOT_SIZE, block + i * SLOT_SIZE);
  }
}
