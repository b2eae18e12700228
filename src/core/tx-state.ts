// The transaction's copy-on-write state: which blocks may change in place and
// which cursors may still write (FORMAT.md §Transactions; §Linked array lists,
// copy-on-write and sharing). One owner: every change to this state is a
// method below, and `check` states its invariants as code.
//
// The rules.
//
// 1. Tx start. `begin` sets tx start to the end of the data, which is the
//    committed size. A block at or after tx start was written by the running
//    transaction and may change in place; a block before it belongs to a
//    committed moment and is copied to the end before it changes. `freeze`
//    raises tx start to the end of the data, so that a clone made by a pointer
//    copy in this transaction stops sharing mutable blocks with its source.
//    Outside a transaction tx start is infinite: nothing may change. A
//    database without history (`inPlace`) has tx start 0: everything changes in
//    place, there is no commit.
// 2. Sharing raises two more boundaries, without a freeze. A linked list concat,
//    slice, insert or remove shares list blocks between lists or places in one
//    list: linked list blocks written before it are copied before an append or
//    put changes them (`linkedSharedBefore`). A concat also puts item slots in
//    two places, and with them whatever the items point to: every block written
//    before it is copied before it changes (`itemsSharedBefore`). A block is
//    mutable when it lies at or after tx start and `itemsSharedBefore`; a linked
//    list block also after `linkedSharedBefore` (`linkedMutableFrom`).
// 3. Which cursors may write. A cursor writes only within the transaction that
//    made it (its generation), and only to a slot at or after tx start, or to
//    the new moment's root slot, which stays writable after a freeze. A freeze
//    therefore retires the cursors it left below tx start; a sharing operation
//    does not (their blocks are still this transaction's), except:
// 4. Cursors on list items. A list operation that drops, shares or replaces
//    item slots (array list slice; linked list concat, slice, insert, remove)
//    bumps that list's stamp (`markListReshaped`): an item cursor taken before
//    may now reach two items, a new one, or none. And a list operation that
//    copies blocks after a boundary moved (the epoch counts the moves) leaves
//    its old blocks behind (`noteListCopy`): an item cursor taken at an earlier
//    epoch may point into a left-behind copy. Such cursors are stale
//    (`isStale`), as are cursors on slots reached through them.
// 5. Deferred counts. A linked list append may leave its header and right-edge
//    counts unwritten (one pending flush at a time); every reader of a linked
//    list header, every freeze and every commit flushes them first, so the
//    bytes say what the lists hold. Never in a database without history, whose
//    bytes may be read at any time.
// 6. Committed size, as this engine last saw it: bytes below it and below tx
//    start never change again, so decoded copies of them may be cached
//    (`immutableBefore`).
// 7. Savepoints. A batch runs several transactions in one moment
//    (Engine.transactBatch); each begins at a savepoint. Blocks written by
//    earlier transactions of the batch stay mutable (that is what makes a
//    batch cheap), so the block access journals the bytes that each in-place
//    write below the savepoint's end overwrites (core/undo-journal.ts). A
//    transaction that fails rolls back to its savepoint: the journal is
//    written back, its appended bytes are cut, and tx start and the sharing
//    boundaries return to what they were. Each savepoint, kept or rolled
//    back, retires the cursors taken before it, as an end and a begin would.

import { TransactionError } from '../errors.js';
import { assert } from '../base/assert.js';

/** Tx start when no transaction is open: every block lies below it, so nothing may change. */
export const NO_TRANSACTION = Number.POSITIVE_INFINITY;

/**
 * What a cursor on a list item remembers of its list (rule 4), so that the
 * state can tell when it went stale. A write cursor carries these fields
 * itself (no allocation per item cursor); only {@link TxState.stampItem}
 * writes them.
 */
export interface ItemStamp {
  /** The position of the list's header record. */
  listRecord: number;
  /** The list's stamp when the cursor was taken. */
  listStamp: number;
  /** The boundary epoch when the cursor was taken. */
  listEpoch: number;
  /** The stamp of the item holding the list this item belongs to, if any. */
  outerItem: ItemStamp | undefined;
}

/** What {@link TxState.savepoint} saved: the state a failed transaction of a batch returns to (rule 7). */
export interface Savepoint {
  /** The end of the data when the savepoint opened: what the failed transaction appended lies past it. */
  readonly end: number;
  readonly txStart: number;
  readonly linkedSharedBefore: number;
  readonly itemsSharedBefore: number;
}

/**
 * The state of one database's transactions that decides what may be mutated:
 * tx start, the sharing boundaries, per-list stamps, the deferred list counts.
 * The rules are stated at the top of core/tx-state.ts.
 */
export class TxState {
  /** Where the data ends now: tx start, freeze and the sharing boundaries are set to it. */
  private readonly dataEnd: { size(): number };
  /** Blocks at or after this position may change in place (rule 1). */
  private txStart = NO_TRANSACTION;
  /** Counts transaction starts and ends: odd while one runs; cursors remember it (rule 3). */
  private generationCount = 0;
  /** True between {@link begin} and {@link end}. */
  private isRunning = false;
  /** The new moment's root slot, writable even after a freeze; -1 outside a transaction. */
  private rootSlot = -1;
  /** Linked list blocks before this are shared by a list operation of this transaction (rule 2); 0 when none. */
  private linkedSharedBefore = 0;
  /** Every block before this may be reachable through an item in two places (rule 2); 0 when none. */
  private itemsSharedBefore = 0;
  /** Counts moves of the two sharing boundaries (rule 4). */
  private epoch = 0;
  /** Per list header record: how many operations reshaped it in this transaction (rule 4). */
  private readonly listStamps = new Map<number, number>();
  /** Per list header record: the epoch of its last operation that copied blocks (rule 4). */
  private readonly listCopies = new Map<number, number>();
  /** Changes on every linked list operation, so a handle's cached right edge can tell nothing else ran. */
  private linkedCount = 0;
  /** The flush of the counts a linked list append left unwritten (rule 5). */
  private pendingFlush: (() => void) | undefined = undefined;
  /** False for a database without history (rule 5). */
  private countsDeferrable = true;
  /** The committed size as this engine last saw it (rule 6). */
  private committed = 0;

  /** @param dataEnd - the storage, for the end of its data */
  constructor(dataEnd: { size(): number }) {
    this.dataEnd = dataEnd;
  }

  /** Tx start: blocks at or after it may change in place. {@link NO_TRANSACTION} outside a transaction. */
  get start(): number {
    return this.txStart;
  }

  /** The transaction a new cursor belongs to (it changes at every begin and end). */
  get generation(): number {
    return this.generationCount;
  }

  /** True inside a transaction. */
  get running(): boolean {
    return this.isRunning;
  }

  /** The committed size as this engine last saw it. */
  get committedSize(): number {
    return this.committed;
  }

  /** True when a linked list append may leave its counts for {@link flushPending}. */
  get defersCounts(): boolean {
    return this.countsDeferrable;
  }

  /** The version of all linked lists: it changes with every operation on any of them. */
  get linkedVersion(): number {
    return this.linkedCount;
  }

  // Lifecycle.

  /**
   * Starts a transaction: tx start is the end of the data, no boundary is
   * raised, no list is stamped, and cursors of earlier transactions stop
   * writing.
   *
   * @throws TransactionError when one is already running
   */
  begin(): void {
    if (this.isRunning) throw new TransactionError('a transaction is already running; transactions do not nest');
    this.isRunning = true;
    this.generationCount++;
    this.txStart = this.dataEnd.size();
    this.linkedSharedBefore = 0;
    this.itemsSharedBefore = 0;
    this.listStamps.clear();
    this.listCopies.clear();
  }

  /** Names the new moment's root slot: it stays writable after a freeze (rule 3). */
  openRoot(slotPosition: number): void {
    this.rootSlot = slotPosition;
  }

  /**
   * Ends the transaction, committed or not: nothing may change, every cursor of
   * it stops writing, and counts still pending are dropped (a commit flushed
   * them; an abort cuts the bytes they would go to).
   */
  end(): void {
    // The generation is odd exactly while a transaction runs: an end without a begin would flip it.
    assert(this.isRunning, 'end() follows begin()');
    this.pendingFlush = undefined;
    this.isRunning = false;
    this.txStart = NO_TRANSACTION;
    this.rootSlot = -1;
    this.generationCount++;
  }

  /**
   * Makes everything written so far immutable (rule 1), after writing pending
   * counts into blocks that are about to stop being mutable.
   *
   * @throws TransactionError outside a transaction
   */
  freeze(): void {
    if (!this.isRunning) throw new TransactionError('freeze() is only meaningful inside a transaction');
    this.flushPending();
    this.txStart = this.dataEnd.size();
  }

  /**
   * Opens a savepoint inside the transaction (rule 7), after writing pending
   * counts: cursors taken before it stop writing. The caller journals in-place
   * writes below {@link Savepoint.end} until the savepoint is kept or rolled back.
   *
   * @throws TransactionError outside a transaction
   */
  savepoint(): Savepoint {
    if (!this.isRunning) throw new TransactionError('a savepoint is only meaningful inside a transaction');
    this.flushPending();
    this.generationCount += 2;
    return { end: this.dataEnd.size(), txStart: this.txStart, linkedSharedBefore: this.linkedSharedBefore, itemsSharedBefore: this.itemsSharedBefore };
  }

  /**
   * Returns to `saved` after the transaction that began there failed (rule 7),
   * once its bytes are restored and cut back to `saved.end`: its pending
   * counts are dropped, tx start and the boundaries are as they were, marks
   * on lists it created are forgotten, and its cursors stop writing.
   */
  rollBackTo(saved: Savepoint): void {
    this.pendingFlush = undefined;
    this.txStart = saved.txStart;
    if (this.linkedSharedBefore !== saved.linkedSharedBefore || this.itemsSharedBefore !== saved.itemsSharedBefore) {
      // The boundaries move (back): an item cursor would have to be taken again, as after any move.
      this.epoch++;
      this.linkedSharedBefore = saved.linkedSharedBefore;
      this.itemsSharedBefore = saved.itemsSharedBefore;
    }
    // A list's cached right edge taken in the failed transaction no longer describes the bytes.
    this.linkedCount++;
    for (const marks of [this.listStamps, this.listCopies]) {
      for (const record of marks.keys()) if (record >= saved.end) marks.delete(record);
    }
    this.generationCount += 2;
  }

  /** For a database without history: every block changes in place, counts are written at once. */
  inPlace(): void {
    this.txStart = 0;
    this.countsDeferrable = false;
  }

  /** Records the committed size after an open, a refresh or a commit (rule 6). */
  noteCommitted(size: number): void {
    this.committed = size;
  }

  // Which blocks may change in place.

  /** True when the block at `position` may change in place. O(1). */
  isMutable(position: number): boolean {
    return position >= this.txStart && position >= this.itemsSharedBefore;
  }

  /** Where linked list blocks become mutable: after tx start and after the last sharing operation. */
  linkedMutableFrom(): number {
    return Math.max(this.txStart, this.linkedSharedBefore, this.itemsSharedBefore);
  }

  /** Bytes below this position never change again (committed, and outside the running transaction). */
  immutableBefore(): number {
    return Math.min(this.txStart, this.committed);
  }

  // Which cursors may write.

  /**
   * Refuses a write by a cursor of transaction `generation` to the slot at
   * `position` outside that transaction or below tx start (rule 3).
   *
   * @throws TransactionError then
   */
  checkWritable(position: number, generation: number): void {
    if (generation !== this.generationCount || this.txStart === NO_TRANSACTION) {
      throw new TransactionError('this cursor belongs to a transaction that has ended; open a new transaction to write');
    }
    if (position < this.txStart && position !== this.rootSlot) {
      throw new TransactionError(`the slot at ${position} is frozen (written before the last freeze, or by a committed moment); get a new cursor after freeze()`);
    }
  }

  /** Marks `item` as a cursor on an item of the list at `record`, inside the item `outer` (rule 4). */
  stampItem(item: ItemStamp, record: number, outer: ItemStamp | undefined): void {
    item.outerItem = outer;
    item.listRecord = record;
    item.listStamp = this.listStamps.get(record) ?? 0;
    item.listEpoch = this.epoch;
  }

  /**
   * True when the list of `item`, or of an item around it, was reshaped since
   * the cursor was taken, or copied blocks after a later boundary move (rule 4).
   * O(1) until some list of the transaction was marked, then O(nesting).
   */
  isStale(item: ItemStamp): boolean {
    // Nothing to check until some list of this transaction was marked (the common case of bulk writes).
    if (this.listStamps.size === 0 && this.listCopies.size === 0) return false;
    for (let at: ItemStamp | undefined = item; at !== undefined; at = at.outerItem) {
      // Before the boundary moved past the cursor's block, that block was mutable, so no copy could leave it behind.
      if ((this.listStamps.get(at.listRecord) ?? 0) !== at.listStamp || (this.listCopies.get(at.listRecord) ?? -1) > at.listEpoch) return true;
    }
    return false;
  }

  // Sharing.

  /** The list at `record` dropped, shared or replaced item slots: cursors on its items taken before go stale. */
  markListReshaped(record: number): void {
    this.listStamps.set(record, (this.listStamps.get(record) ?? 0) + 1);
  }

  /** A linked list operation on the list at `record` shared or replaced its blocks: no linked list block written so far changes in place. */
  markLinkedShared(record: number): void {
    this.linkedSharedBefore = this.dataEnd.size();
    this.epoch++;
    this.markListReshaped(record);
  }

  /** A concat put item slots in two places: no block written so far changes in place. */
  markItemsShared(): void {
    this.itemsSharedBefore = this.dataEnd.size();
    this.epoch++;
  }

  /** An operation on the list at `record` copied blocks (or its header), leaving the old ones behind. */
  noteListCopy(record: number): void {
    this.listCopies.set(record, this.epoch);
  }

  /** Notes a linked list operation (see {@link linkedVersion}); returns the new version. */
  touchLinked(): number {
    return ++this.linkedCount;
  }

  // Deferred counts (rule 5).

  /** Leaves counts for `flush` to write later, flushing any other list's first. */
  deferCounts(flush: () => void): void {
    if (this.pendingFlush !== flush) {
      this.flushPending();
      this.pendingFlush = flush;
    }
  }

  /** True when `flush` holds the counts still unwritten. */
  isPending(flush: () => void): boolean {
    return this.pendingFlush === flush;
  }

  /** Writes whatever counts an append deferred, so the bytes say what the lists hold. */
  flushPending(): void {
    const flush = this.pendingFlush;
    if (flush !== undefined) {
      this.pendingFlush = undefined;
      flush();
    }
  }

  /**
   * The rules above as code: every way this state disagrees with itself or
   * with the data's end, as sentences; empty when it is sound. Tests call it
   * between steps (not inside a commit). O(lists marked in the transaction).
   */
  check(): string[] {
    const problems: string[] = [];
    const end = this.dataEnd.size();
    const start = this.txStart;
    const committed = this.committed;
    if (committed > end) problems.push(`the committed size ${committed} lies past the end of the data ${end}`);
    if (this.pendingFlush !== undefined && !this.countsDeferrable) problems.push('list counts are pending in a database that writes them at once');
    if (!this.isRunning) {
      if (this.generationCount % 2 !== 0) problems.push(`no transaction runs but the generation ${this.generationCount} is odd`);
      if (start !== NO_TRANSACTION && start !== 0) problems.push(`no transaction runs but tx start is ${start}`);
      if (start === 0 && this.countsDeferrable) problems.push('a database changed in place defers list counts');
      if (this.rootSlot !== -1) problems.push(`no transaction runs but the root slot is ${this.rootSlot}`);
      if (this.pendingFlush !== undefined && start !== 0) problems.push('no transaction runs but list counts are pending');
      return problems;
    }
    if (this.generationCount % 2 !== 1) problems.push(`a transaction runs but the generation ${this.generationCount} is even`);
    // Tx start began at the committed size and only a freeze raised it, to the end of the data then.
    if (!(start >= committed && start <= end)) problems.push(`tx start ${start} lies outside the committed size ${committed} to the end ${end}`);
    // The root slot is the history slot this transaction appended, so it lies in its data.
    if (this.rootSlot !== -1 && !(this.rootSlot >= committed && this.rootSlot < end)) {
      problems.push(`the root slot ${this.rootSlot} lies outside this transaction's data (${committed} to ${end})`);
    }
    // A sharing boundary is 0 or was raised to the end of the data during this transaction.
    for (const [name, boundary] of [['linked lists shared before', this.linkedSharedBefore], ['items shared before', this.itemsSharedBefore]] as const) {
      if (boundary !== 0 && !(Number.isInteger(boundary) && boundary >= committed && boundary <= end)) {
        problems.push(`${name} ${boundary} lies outside this transaction's data (${committed} to ${end})`);
      }
    }
    if (this.epoch < (this.linkedSharedBefore > 0 ? 1 : 0) + (this.itemsSharedBefore > 0 ? 1 : 0)) {
      problems.push(`the boundary epoch ${this.epoch} counts fewer moves than the boundaries raised`);
    }
    // Stamps count operations of this transaction on lists whose header records lie in the data.
    for (const [record, stamp] of this.listStamps) {
      if (!Number.isInteger(stamp) || stamp < 1) problems.push(`the list at ${record} has stamp ${stamp}, not a positive count`);
      if (!(record >= 0 && record < end)) problems.push(`a stamped list's record ${record} lies outside the data (0 to ${end})`);
    }
    for (const [record, epoch] of this.listCopies) {
      if (!Number.isInteger(epoch) || epoch < 0 || epoch > this.epoch) problems.push(`the list at ${record} copied at epoch ${epoch}, outside 0 to ${this.epoch}`);
      if (!(record >= 0 && record < end)) problems.push(`a copied list's record ${record} lies outside the data (0 to ${end})`);
    }
    return problems;
  }
}
