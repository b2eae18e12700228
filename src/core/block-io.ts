// Block-level access to a database's storage: reading and writing slots and
// u64 fields, appending and copying records. What may change in place is
// decided by the transaction state it carries (core/tx-state.ts).

import { CorruptDatabaseError, IncompatibleDatabaseError } from '../errors.js';
import { KNOWN_TAG_MAX, TAG_MASK, FULL_FLAG, tagName } from '../format/tags.js';

export { KNOWN_TAG_MAX };
import { SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot, joinPosition } from '../format/slot.js';
import type { Storage } from '../storage/storage.js';
import { defineHidden } from '../base/public-object.js';
import { TxState } from './tx-state.js';
import { UndoJournal } from './undo-journal.js';

/** Zero bytes for empty blocks; never written to. */
const ZEROS = new Uint8Array(4096);

/**
 * The engine's view of a storage: typed reads and writes of format records.
 * Callers decide with {@link tx} whether a block may change in place before
 * they write it.
 */
export class BlockIO {
  declare readonly storage: Storage;
  /** Bytes per key hash, from the file header. */
  declare readonly hashSize: number;
  /** The transaction state: what may change in place, which cursors may write. */
  declare readonly tx: TxState;
  /**
   * Blocks copied by {@link copyToEnd}, ever: a list operation compares it
   * before and after to tell whether it moved any (TxState.noteListCopy).
   */
  declare copies: number;

  /** In-place writes below this position go to {@link journal} first (a savepoint's end); 0 when none is open. */
  declare private journalBelow: number;
  declare private readonly journal: UndoJournal;

  declare private readonly scratch: Uint8Array;
  declare private readonly scratchView: DataView;
  declare private readonly scratch8: Uint8Array;
  declare private readonly scratch8View: DataView;

  /**
   * @param storage - where the bytes live
   * @param hashSize - bytes per key hash
   */
  constructor(storage: Storage, hashSize: number) {
    // Every field defined out of enumeration: the storage, the transaction
    // state, and the scratch buffers that hold the last slot read (an inline
    // value of any key), so no walk from a handle that holds this block access
    // (cursors, lists, tree readers) reaches the database's bytes. Made once
    // per open database.
    const scratch = new Uint8Array(SLOT_SIZE);
    const scratch8 = new Uint8Array(8);
    const scratchView = new DataView(scratch.buffer);
    const scratch8View = new DataView(scratch8.buffer);
    defineHidden(this, { storage, hashSize, tx: new TxState(storage), copies: 0, journalBelow: 0, journal: new UndoJournal(), scratch, scratchView, scratch8, scratch8View });
  }

  /** What `JSON.stringify` gives: the kind and the hash size, never the storage. */
  toJSON(): { kind: 'BlockIO'; hashSize: number } {
    return { kind: 'BlockIO', hashSize: this.hashSize };
  }

  /** The current end of the data; where the next record is appended. */
  end(): number {
    return this.storage.size();
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
    if (tag > READABLE_TAG_MAX) throw new CorruptDatabaseError(`unknown slot tag ${tag}`, position);
    return new Slot(tag, (tagByte & FULL_FLAG) !== 0, view.getUint32(offset + 1), view.getUint32(offset + 5));
  }

  /** Writes `slot` at `position` (which the caller has made mutable). */
  writeSlot(position: number, slot: Slot): void {
    const view = this.scratchView;
    view.setUint8(0, (slot.full ? FULL_FLAG : 0) | slot.tag);
    view.setUint32(1, slot.hi);
    view.setUint32(5, slot.lo);
    this.write(position, this.scratch);
  }

  /** Writes a pointer slot (`tag`, full flag, `target`) at `position` without building a Slot. */
  writePointer(position: number, tag: number, target: number, full = false): void {
    const view = this.scratchView;
    view.setUint8(0, (full ? FULL_FLAG : 0) | tag);
    view.setUint32(1, Math.floor(target / TWO_POW_32));
    view.setUint32(5, target % TWO_POW_32);
    this.write(position, this.scratch);
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
    this.write(position, this.scratch8);
  }

  /**
   * Writes `bytes` at `position`: the one way a structure changes bytes in
   * place (the caller has made the block mutable). While a savepoint is open,
   * the bytes it overwrites below the savepoint's end are journaled first.
   */
  write(position: number, bytes: Uint8Array): void {
    if (position < this.journalBelow) this.journal.record(this.storage, position, Math.min(bytes.length, this.journalBelow - position));
    this.storage.write(position, bytes);
  }

  /**
   * Opens the undo journal of a savepoint that ends at `end` (TxState rule 7):
   * in-place writes below it are journaled until {@link keepJournal} or
   * {@link undoJournal}.
   */
  openJournal(end: number): void {
    this.journal.clear();
    this.journalBelow = end;
  }

  /** The savepoint's transaction succeeded: its writes stay, the journal is dropped. */
  keepJournal(): void {
    this.journal.clear();
    this.journalBelow = 0;
  }

  /** The savepoint's transaction failed: writes the journaled bytes back and cuts what it appended. */
  undoJournal(): void {
    const end = this.journalBelow;
    this.journalBelow = 0;
    this.journal.undo(this.storage);
    if (this.storage.size() > end) this.storage.truncate(end);
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
}

/**
 * The error for a second-generation structure (a sorted map or set, tags 14
 * and 15) met where a plain value is read. The JS API reads them as views
 * (api/sorted-views.ts) before it reads a scalar, so this guards against a
 * reader that forgets to: such a slot must never read as `undefined`, which
 * would look like a missing key.
 */
export function secondGenerationError(tag: number, position: number): IncompatibleDatabaseError {
  return new IncompatibleDatabaseError(`the slot at ${position} holds a ${tagName(tag)} (tag ${tag}) where a plain value was expected; read it as a view (get) or with the cursor API (ReadCursor.asSortedMap, asSortedSet)`);
}

/** Slots may carry tags up to 15 (gen-2 sorted map and set). */
const READABLE_TAG_MAX = 15;
