// Write cursors: writing values into a slot, and opening the writable views of
// maps, sets (write-maps.ts) and lists (write-lists.ts) on it. Every write goes through copy-on-write (FORMAT.md
// §Transactions): a block that a committed moment (or frozen data) can reach is
// copied to the end before it changes; a block the running transaction wrote
// changes in place.


import { InvalidArgumentError, ReadOnlyError, TransactionError, WrongTypeError } from '../errors.js';
import { Slot, floatSlot, splitI64, uintSlot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import type { Context } from '../core/context.js';
import { bytesSlot } from '../core/bytes-values.js';
import type { ItemStamp } from '../core/tx-state.js';
import { describe, requireBytes, requireFormatTag, requireInteger, requireNumber, requirePath, requireText } from '../base/arguments.js';
import type { StructureTag } from '../core/structures.js';
import { ensureStructure } from '../kinds/ensure.js';
import { BytesWriter } from './bytes-stream.js';
import { encodeTextTransient, type Key } from './keys.js';
import { ReadCursor, wrongType } from './read-cursor.js';
import { WriteHashMap, WriteHashSet } from './write-maps.js';
import { WriteArrayList, WriteLinkedArrayList } from './write-lists.js';
import { WriteSortedMap, WriteSortedSet } from './write-sorted.js';

// The structure views live one family per file; importers find them here too.
export { WriteHashMap, WriteHashSet, WriteArrayList, WriteLinkedArrayList, WriteSortedMap, WriteSortedSet };
import { checkValueSlot } from './value-slot.js';

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
   * carries its list's {@link ItemStamp}, written by TxState.stampItem;
   * `outerItem` leads to the item cursor of the list around that list, if any.
   * Undefined for other cursors.
   */
  itemOf: ItemStamp | undefined = undefined;
  /** @internal see {@link itemOf} */
  outerItem: ItemStamp | undefined = undefined;
  /** @internal see {@link itemOf} */
  listRecord = -1;
  /** @internal see {@link itemOf} */
  listStamp = 0;
  /** @internal see {@link itemOf} */
  listEpoch = 0;

  /** @internal use Engine.transact or the structure views */
  constructor(ctx: Context, slotPosition: number, slot: Slot, virtualRoot = -1) {
    super(ctx, slotPosition, slot);
    this.generation = ctx.io.tx.generation;
    this.virtualRoot = virtualRoot;
  }

  /** `'WriteCursor'`, for `Object.prototype.toString` and toJSON's kind. */
  override get [Symbol.toStringTag](): string {
    return 'WriteCursor';
  }

  /** @internal */
  checkWritable(): void {
    if (this.ctx.readOnly) throw new ReadOnlyError('the database is open read-only');
    if (this.slotPosition < 0) {
      if (this.generation !== this.ctx.io.tx.generation) throw new TransactionError('this cursor belongs to a transaction that has ended');
      return;
    }
    const tx = this.ctx.io.tx;
    tx.checkWritable(this.slotPosition, this.generation);
    if (this.itemOf !== undefined && tx.isStale(this.itemOf)) {
      throw new TransactionError(
        `the slot at ${this.slotPosition} lies in a list item, or in a structure reached through one, and since this cursor was taken that list was sliced, joined, changed by an insert or remove, or copied, so the item may have been dropped, shared or moved; take a new cursor from the list`,
      );
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
    cursor.itemOf = cursor;
    this.ctx.io.tx.stampItem(cursor, record, this.itemOf);
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
      if (current.tag === tag && !current.isEmpty) this.ctx.io.tx.noteListCopy(current.position);
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

  /** This slot as a writable sorted map (FORMAT.md §Sorted maps); an empty slot gets a new one. */
  sortedMap(): WriteSortedMap {
    return new WriteSortedMap(this, this.existingOr(Tag.SORTED_MAP, Tag.SORTED_MAP));
  }

  /** This slot as a writable sorted set; an empty slot gets a new one. */
  sortedSet(): WriteSortedSet {
    return new WriteSortedSet(this, this.existingOr(Tag.SORTED_SET, Tag.SORTED_SET));
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
   * Follows a path for writing: a key puts into a hash map or sorted map
   * (creating a hash map when the slot is empty, and the entry when absent), a number selects an
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
        if (tag === Tag.SORTED_MAP) cursor = cursor.sortedMap().put(sortedStep(step));
        else cursor = (tag === Tag.COUNTED_HASH_MAP ? cursor.countedHashMap() : cursor.hashMap()).put(step);
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

/** A path step into a sorted map: its keys are plain bytes (FORMAT.md §Sorted maps), so a tagged key is refused. */
function sortedStep(step: Key): Uint8Array | string {
  if (typeof step === 'string' || step instanceof Uint8Array) return step;
  throw new InvalidArgumentError('a sorted map key is a string or bytes; it carries no format tag');
}

export function toFormatTag(tag: Uint8Array | string | undefined): Uint8Array | undefined {
  requireFormatTag(tag);
  return typeof tag === 'string' ? encoder.encode(tag) : tag;
}
