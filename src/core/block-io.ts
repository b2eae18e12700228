// Block-level access to a database's storage: reading and writing slots and
// u64 fields, appending records, and the copy-on-write boundary (`txStart`)
// that decides whether a block may change in place (FORMAT.md §Transactions).

import { CorruptDatabaseError, IncompatibleDatabaseError, TransactionError } from '../errors.js';
import { MAX_KNOWN_TAG, TAG_MASK, FULL_FLAG, tagName } from '../format/tags.js';

export { MAX_KNOWN_TAG };
import { SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot, joinPosition } from '../format/slot.js';
import type { Storage } from '../storage/storage.js';
import { hideFields } from '../base/public-object.js';

/** Zero bytes for empty blocks; never written to. */
const ZEROS = new Uint8Array(4096);

/** txStart when no transaction is open: every block is below it, so nothing may change. */
export const NO_TRANSACTION = Number.POSITIVE_INFINITY;

/**
 * The engine's view of a storage: typed reads and writes of format records.
 *
 * `txStart` is the copy-on-write boundary: a block at or after it was written by
 * the running transaction (since its start or its last freeze) and may change in
 * place; a block before it belongs to a committed moment, or to data the
 * transaction froze, and must be copied to the end before it changes.
 */
export class BlockIO {
  readonly storage: Storage;
  /** Bytes per key hash, from the file header. */
  readonly hashSize: number;
  /** Blocks at or after this position may be changed in place. */
  txStart = NO_TRANSACTION;
  /** Counts transactions; cursors remember it to refuse use after their transaction ended. */
  generation = 0;
  /**
   * Linked list blocks before this position are shared by a concat or slice of
   * this transaction and must be copied before an append or put changes them.
   */
  linkedSharedBefore = 0;
  /**
   * Every block before this position is copied before it changes, as if
   * committed: a concat of this transaction may have put one item slot in two
   * places, so the structures such items point to are shared too. Unlike a
   * freeze, cursors taken before stay usable (but for those on list items, see
   * {@link listStamps}). 0 when there was no concat.
   */
  itemsSharedBefore = 0;
  /**
   * Per list, by the position of its header record: how many operations of this
   * transaction left an item's slot no longer that item's alone. A linked list
   * concat, slice, insert or remove shares or replaces blocks (a concat those of
   * both lists); an array list slice drops slots that a later append reuses. A
   * cursor on an item remembers its list's stamp: when it has moved, writing
   * through the old cursor could reach two items, a new one, or none. Other
   * lists' stamps are untouched. Cleared at each transaction start.
   */
  readonly listStamps = new Map<number, number>();
  /**
   * Raised with {@link linkedSharedBefore} and {@link itemsSharedBefore}: blocks
   * that were mutable may now be copied by the next write that reaches them.
   */
  boundaryEpoch = 0;
  /**
   * Per list header record: the {@link boundaryEpoch} of the last operation on
   * that list that copied blocks (or its header). An item cursor taken at an
   * earlier epoch may point into a block left behind. Cleared with listStamps.
   */
  readonly listCopies = new Map<number, number>();
  /** Blocks copied by {@link copyToEnd}: a list operation compares it before and after to tell whether it moved any. */
  copies = 0;

  /** The stamp of the list whose header record is at `record` (see {@link listStamps}). */
  listStamp(record: number): number {
    return this.listStamps.get(record) ?? 0;
  }

  /** Marks the list at `record`: cursors on its items taken before refuse to write. */
  bumpList(record: number): void {
    this.listStamps.set(record, this.listStamp(record) + 1);
  }

  /** Notes that an operation on the list at `record` copied blocks (see {@link listCopies}). */
  noteListCopy(record: number): void {
    this.listCopies.set(record, this.boundaryEpoch);
  }

  /** Starts a transaction's bookkeeping of list stamps and copies. */
  resetListStamps(): void {
    this.listStamps.clear();
    this.listCopies.clear();
  }
  /**
   * Changes on every operation on any linked list, so an append can tell that
   * nothing touched the lists since its handle's last append.
   */
  linkedVersion = 0;
  /**
   * Counts that a linked list append has not written yet (see
   * WriteLinkedArrayList.append); every reader of a linked list header, and
   * every commit, calls {@link flushPending} first.
   */
  pendingFlush: (() => void) | undefined = undefined;
  /**
   * Whether a linked list append may leave its counts for {@link flushPending}.
   * False for a database without history: it has no commit to flush them, and
   * its bytes may be closed, copied or read at any time.
   */
  deferCounts = true;
  /** The moment root slot of the running transaction; always writable, even after a freeze. */
  rootSlotPosition = -1;

  /**
   * The committed size as this engine last saw it. Bytes below both it and
   * txStart never change again, so decoded copies of them may be cached.
   */
  committedSize = 0;

  private readonly scratch = new Uint8Array(SLOT_SIZE);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private readonly scratch8 = new Uint8Array(8);
  private readonly scratch8View = new DataView(this.scratch8.buffer);

  /**
   * @param storage - where the bytes live
   * @param hashSize - bytes per key hash
   */
  constructor(storage: Storage, hashSize: number) {
    this.storage = storage;
    this.hashSize = hashSize;
    // Every field out of enumeration: the storage, and the scratch buffers
    // that hold the last slot read (an inline value of any key), so no walk from
    // a handle that holds this block access (cursors, lists, tree readers)
    // reaches the database's bytes. Made once per open database.
    hideFields(this);
  }

  /** What `JSON.stringify` gives: the kind and the hash size, never the storage. */
  toJSON(): { kind: 'BlockIO'; hashSize: number } {
    return { kind: 'BlockIO', hashSize: this.hashSize };
  }

  /** The current end of the data; where the next record is appended. */
  end(): number {
    return this.storage.size();
  }

  /** Writes whatever counts an append deferred, so the bytes say what the lists hold. */
  flushPending(): void {
    const flush = this.pendingFlush;
    if (flush !== undefined) {
      this.pendingFlush = undefined;
      flush();
    }
  }

  /** Where linked list blocks become mutable: after txStart and after the last sharing operation. */
  linkedMutableFrom(): number {
    return Math.max(this.txStart, this.linkedSharedBefore, this.itemsSharedBefore);
  }

  /** True when the block at `position` may be changed in place by the running transaction. */
  isMutable(position: number): boolean {
    return position >= this.txStart && position >= this.itemsSharedBefore;
  }

  /**
   * Reads and validates the slot at `position`.
   *
   * @throws CorruptDatabaseError for a tag this build does not know
   */
  readSlot(position: number): Slot {
    const storage = this.storage;
    const offset = storage.locate(position, SLOT_SIZE);
    const view = storage.view;
    const tagByte = view.getUint8(offset);
    const tag = tagByte & TAG_MASK;
    if (tag > MAX_READABLE_TAG) throw new CorruptDatabaseError(`unknown slot tag ${tag}`, position);
    return new Slot(tag, (tagByte & FULL_FLAG) !== 0, view.getUint32(offset + 1), view.getUint32(offset + 5));
  }

  /** Writes `slot` at `position` (which the caller has made mutable). */
  writeSlot(position: number, slot: Slot): void {
    const view = this.scratchView;
    view.setUint8(0, (slot.full ? FULL_FLAG : 0) | slot.tag);
    view.setUint32(1, slot.hi);
    view.setUint32(5, slot.lo);
    this.storage.write(position, this.scratch);
  }

  /** Writes a pointer slot (`tag`, full flag, `target`) at `position` without building a Slot. */
  writePointer(position: number, tag: number, target: number, full = false): void {
    const view = this.scratchView;
    view.setUint8(0, (full ? FULL_FLAG : 0) | tag);
    view.setUint32(1, Math.floor(target / TWO_POW_32));
    view.setUint32(5, target % TWO_POW_32);
    this.storage.write(position, this.scratch);
  }

  /**
   * Reads a u64 that must be a position or a count (below 2^53).
   *
   * @throws CorruptDatabaseError when it is 2^53 or more
   */
  readU64(position: number): number {
    const storage = this.storage;
    const offset = storage.locate(position, 8);
    return joinPosition(storage.view.getUint32(offset), storage.view.getUint32(offset + 4), position);
  }

  /** Writes a u64 below 2^53 at `position`. */
  writeU64(position: number, value: number): void {
    const view = this.scratch8View;
    view.setUint32(0, Math.floor(value / TWO_POW_32));
    view.setUint32(4, value % TWO_POW_32);
    this.storage.write(position, this.scratch8);
  }

  /** Bytes below this position never change again (committed and outside the running transaction). */
  immutableBefore(): number {
    return Math.min(this.txStart, this.committedSize);
  }

  /**
   * Reads a pointer record: checks that `position` lies inside the data, so a
   * damaged pointer fails here with its own position instead of later.
   */
  checkPointer(position: number, size: number, from: number): number {
    if (position + size > this.storage.size()) {
      throw new CorruptDatabaseError(`a slot points at ${position}, past the end of the data (${this.storage.size()} bytes)`, from);
    }
    return position;
  }

  /** Copies `size` bytes at `position` out of the storage. */
  readBytes(position: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    this.storage.read(position, out);
    return out;
  }

  /** Appends bytes at the end; returns where they start. */
  append(bytes: Uint8Array): number {
    const position = this.storage.size();
    this.storage.write(position, bytes);
    return position;
  }

  /** Appends `size` zero bytes (an empty block); returns where they start. */
  appendZeros(size: number): number {
    const storage = this.storage;
    if (storage.appendZeros !== undefined) return storage.appendZeros(size);
    return this.append(size <= ZEROS.length ? ZEROS.subarray(0, size) : new Uint8Array(size));
  }

  /** Copies the `size`-byte record at `position` to the end; returns the copy's position. */
  copyToEnd(position: number, size: number): number {
    this.copies++;
    const storage = this.storage;
    if (storage.appendCopy !== undefined) return storage.appendCopy(position, size);
    return this.append(this.readBytes(position, size));
  }

  /**
   * Refuses writes outside a transaction or into frozen data.
   *
   * @param position - the slot about to be written
   * @param generation - the transaction the writer belongs to
   */
  checkWritable(position: number, generation: number): void {
    if (generation !== this.generation || this.txStart === NO_TRANSACTION) {
      throw new TransactionError('this cursor belongs to a transaction that has ended; open a new transaction to write');
    }
    if (position < this.txStart && position !== this.rootSlotPosition) {
      throw new TransactionError(`the slot at ${position} is frozen (written before the last freeze, or by a committed moment); get a new cursor after freeze()`);
    }
  }
}

/**
 * The error for a slot whose tag this build recognises but cannot use: the
 * second-generation sorted map and sorted set (tags 14 and 15).
 */
export function secondGenerationError(tag: number, position: number): IncompatibleDatabaseError {
  return new IncompatibleDatabaseError(
    `the slot at ${position} holds a ${tagName(tag)} (tag ${tag}), a second-generation xitdb structure (xitdb-java 0.32 and later) that this build does not read`,
  );
}

/** Slots may carry tags up to 15 (gen-2 sorted map and set); using 14 and 15 raises {@link secondGenerationError}. */
const MAX_READABLE_TAG = 15;
