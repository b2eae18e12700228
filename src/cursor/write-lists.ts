// The writable views of array lists and linked (RRB) lists (FORMAT.md §Array
// lists, §Linked array lists): append, put, slice, insert, remove and concat,
// each copying only the paths it changes.


import { InvalidArgumentError, OutOfRangeError, WrongTypeError } from '../errors.js';
import { SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { describe } from '../base/arguments.js';
import { listAppend, listPut, listSlice, readListHeader, resolveIndex, writeListHeader } from '../trie/array-list.js';
import { ReadArrayList, ReadCursor, ReadLinkedArrayList } from './read-cursor.js';
import { INSPECT, describeHandle, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { LINKED_LIST_HEADER_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import { appendOnEdge, appendTree, flushEdgeCounts, concatTrees, emptyTree, headerTree, insertTree, mutablePath, removeTree, sliceTree, readRightEdge, treeSlotPosition, type RightEdge, type Tree } from '../rrb/rrb-tree.js';
import { WriteCursor } from './write-cursor.js';
import { linkedListGeneration } from '../btree-list/generation.js';
import { BTREE_HEADER_SIZE } from '../btree-list/node.js';
import { readBTreeHeader, writeBTreeHeader, type BTreeHeader } from '../btree-list/read.js';
import { btreeConcat, btreeCreate, btreeInsert, btreeMutablePath, btreeRemove, btreeSlice } from '../btree-list/write.js';
import { checkValueSlot } from './value-slot.js';

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

  /**
   * What `JSON.stringify` gives: `{ kind: 'WriteArrayList', count }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('WriteArrayList', () => ({ count: this.count() }));
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
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
    const tx = io.tx;
    const copies = io.copies;
    const record = this.owner.ensure(Tag.ARRAY_LIST);
    const header = readListHeader(io, record);
    const tail = this.tail;
    const within = header.count % SLOT_COUNT;
    if (
      tail !== undefined && within !== 0 && tail.generation === tx.generation && tail.record === record &&
      tail.count === header.count && tail.root === header.root && tx.isMutable(tail.leaf)
    ) {
      // The next slot of the same leaf: cleared (a slice may have left an item there), then counted.
      const slotPosition = tail.leaf + SLOT_SIZE * within;
      io.writeSlot(slotPosition, Slot.EMPTY);
      tail.count = header.count + 1;
      io.writeU64(record, tail.count);
      return this.owner.item(slotPosition, Slot.EMPTY, record);
    }
    const result = listAppend(io, header);
    // Blocks copied on the way leave their old copies behind (TxState rule 4).
    if (io.copies !== copies) tx.noteListCopy(record);
    // The count always changes; the root only when it was copied or grew a level.
    io.writeU64(record, result.header.count);
    if (result.header.root !== header.root) io.writeU64(record + 8, result.header.root);
    const leaf = result.slotPosition - SLOT_SIZE * (header.count % SLOT_COUNT);
    this.tail = { generation: tx.generation, record, count: result.header.count, root: result.header.root, leaf };
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
    if (io.copies !== copies) io.tx.noteListCopy(record);
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
    io.tx.markListReshaped(record);
  }
}


/** The slot of an item that exists but holds nothing yet: none with the full flag (FORMAT.md §Slot). */
export const NEW_ITEM = new Slot(Tag.NONE, true, 0, 0);

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

  /**
   * What `JSON.stringify` gives: `{ kind: 'WriteLinkedArrayList', count }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return describeHandle('WriteLinkedArrayList', () => ({ count: this.count() }));
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
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
    io.tx.touchLinked();
    const record = this.owner.ensure(Tag.LINKED_ARRAY_LIST);
    return { record, tree: headerTree(readLinkedListHeader(io, record)) };
  }

  /**
   * When the list is a gen-2 (B-tree) list, written by xitdb-java 0.30 or later:
   * its record, made mutable, and header, to edit in its own layout (FORMAT.md
   * §Gen-2 linked array lists). Undefined for a gen-1 list and for an empty
   * slot, where a new list is gen-1.
   */
  private loadBTree(): { record: number; header: BTreeHeader } | undefined {
    const io = this.owner.ctx.io;
    io.tx.flushPending();
    const slot = this.owner.refresh().slot;
    if (slot.tag !== Tag.LINKED_ARRAY_LIST || linkedListGeneration(io, io.checkPointer(slot.position, BTREE_HEADER_SIZE, this.owner.slotPosition)) !== 2) return undefined;
    io.tx.touchLinked();
    const record = this.owner.ensure(Tag.LINKED_ARRAY_LIST);
    return { record, header: readBTreeHeader(io, record) };
  }

  /** Stores a gen-2 list's new header; a list left empty gets a new record (FORMAT.md §Compatibility: an empty list's layout tells its generation). */
  private storeBTree(record: number, header: BTreeHeader): void {
    const io = this.owner.ctx.io;
    if (header.count > 0) {
      writeBTreeHeader(io, record, header);
      return;
    }
    io.writeSlot(this.owner.slotPosition, Slot.pointer(Tag.LINKED_ARRAY_LIST, btreeCreate(io)));
    this.owner.refresh();
  }

  /** Inserts a new item into a gen-2 list before `rank`; returns its slot position. Items of the list may move: cursors on them are stale. */
  private insertBTree(list: { record: number; header: BTreeHeader }, rank: number, value: Slot): number {
    const io = this.owner.ctx.io;
    const result = btreeInsert(io, list.header, rank, io.tx.linkedMutableFrom());
    writeBTreeHeader(io, list.record, result.header);
    if (value !== NEW_ITEM) io.writeSlot(result.slotPosition, value);
    io.tx.markListReshaped(list.record);
    this.appendedTo = list.record;
    return result.slotPosition;
  }

  private store(record: number, tree: Tree): void {
    const io = this.owner.ctx.io;
    io.writeU64(record, tree.count);
    io.writeU64(record + 8, tree.root);
    io.write(record + 16, new Uint8Array([tree.height]));
  }

  /** After an operation that shares or replaces blocks of the list at `record`: no list block written so far may change in place. */
  private markShared(record: number): void {
    this.owner.ctx.io.tx.markLinkedShared(record);
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
    return this.edge?.record === this.appendedTo ? this.edge.count : this.count();
  }

  /** Appends one item holding `value`; returns its slot position. */
  private appendItem(value: Slot): number {
    const io = this.owner.ctx.io;
    const tx = io.tx;
    const edge = this.edge;
    if (edge !== undefined) {
      // Valid when no list operation ran since this handle's last append, in the same
      // transaction and freeze, and the slot still holds the same list record.
      if (edge.version === tx.linkedVersion && edge.generation === tx.generation && edge.mutableFrom === tx.linkedMutableFrom()) {
        const record = this.owner.ensure(Tag.LINKED_ARRAY_LIST);
        if (record === edge.record) {
          const leafBefore = edge.blocks.leafFill;
          const slotPosition = appendOnEdge(io, edge.blocks, value);
          if (slotPosition >= 0) {
            this.appendedTo = record;
            edge.count++;
            edge.version = tx.touchLinked();
            if (leafBefore < SLOT_COUNT && tx.defersCounts) {
              // The header count waits too, until a reader, a commit or another operation needs it.
              tx.deferCounts(edge.flush);
            } else {
              edge.flush();
            }
            return slotPosition;
          }
        }
      }
      if (tx.isPending(edge.flush)) tx.flushPending();
    }
    const btree = this.loadBTree();
    if (btree !== undefined) return this.insertBTree(btree, btree.header.count, value);
    const copies = io.copies;
    const { record, tree } = this.load();
    const mutableFrom = tx.linkedMutableFrom();
    const result = appendTree(io, tree, value, mutableFrom);
    this.store(record, result.tree);
    // A right edge copied (it lay before the boundary) leaves the old blocks behind.
    if (io.copies !== copies) tx.noteListCopy(record);
    this.appendedTo = record;
    // appendTree made the whole right edge mutable (copied or new), so the next append can go straight to it.
    const blocks = readRightEdge(io, result.tree);
    const state = {
      record,
      count: result.tree.count,
      root: result.tree.root,
      mutableFrom,
      generation: tx.generation,
      version: tx.linkedVersion,
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
    const btree = this.loadBTree();
    if (btree !== undefined) {
      const count = btree.header.count;
      const slotPosition = this.insertBTree(btree, index === count ? index : resolveIndex(index, count), NEW_ITEM);
      return this.cursorOn(slotPosition, btree.record);
    }
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
    const btree = this.loadBTree();
    if (btree !== undefined) {
      this.storeBTree(btree.record, btreeRemove(io, btree.header, resolveIndex(index, btree.header.count)));
      this.markShared(btree.record);
      return;
    }
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
    const btree = this.loadBTree();
    if (btree !== undefined) {
      const result = btreeMutablePath(io, btree.header, resolveIndex(index, btree.header.count), io.tx.linkedMutableFrom());
      if (result.header.root !== btree.header.root) {
        writeBTreeHeader(io, btree.record, result.header);
        // The path was copied: cursors on items of the old nodes are left behind.
        io.tx.noteListCopy(btree.record);
      }
      return this.cursorOn(result.slotPosition, btree.record);
    }
    const copies = io.copies;
    const { record, tree } = this.load();
    const result = mutablePath(io, tree, resolveIndex(index, tree.count), io.tx.linkedMutableFrom());
    if (result.tree.root !== tree.root) this.store(record, result.tree);
    if (io.copies !== copies) io.tx.noteListCopy(record);
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
    const btree = this.loadBTree();
    if (btree !== undefined) {
      const total = btree.header.count;
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(count) || offset < 0 || count < 0 || offset > total || count > total - offset) {
        throw new OutOfRangeError(`slice(${String(offset)}, ${String(count)}) is outside a list of ${total} items`);
      }
      this.storeBTree(btree.record, btreeSlice(io, btree.header, offset, count));
      this.markShared(btree.record);
      return;
    }
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
    const thisSlot = this.owner.refresh().slot;
    const otherGeneration = linkedListGeneration(io, io.checkPointer(slot.position, BTREE_HEADER_SIZE, -1));
    const thisGeneration = thisSlot.tag === Tag.LINKED_ARRAY_LIST ? linkedListGeneration(io, io.checkPointer(thisSlot.position, BTREE_HEADER_SIZE, this.owner.slotPosition)) : 1;
    if (otherGeneration !== thisGeneration) {
      // One list of each generation: no block can be shared, so the other's items are appended one by one.
      const items = [...new ReadLinkedArrayList(this.owner.ctx, slot, -1).items(0)].map((item) => item.slot);
      for (const item of items) this.appendItem(item.tag === Tag.NONE ? NEW_ITEM : item);
      // Counts the appends deferred go to the header now: after markItemsShared a later write copies it.
      io.tx.flushPending();
      io.tx.markListReshaped(this.appendedTo);
      io.tx.markItemsShared();
      return;
    }
    if (thisGeneration === 2) {
      // Read the other header before this list's header may move (they can be the same list).
      const otherHeader = readBTreeHeader(io, slot.position);
      const btree = this.loadBTree() as { record: number; header: BTreeHeader };
      this.storeBTree(btree.record, btreeConcat(io, btree.header, otherHeader));
      this.markShared(btree.record);
      io.tx.markListReshaped(slot.position);
      io.tx.markItemsShared();
      return;
    }
    // Read the other header before this list's header may move (they can be the same list).
    const otherTree = headerTree(readLinkedListHeader(io, io.checkPointer(slot.position, LINKED_LIST_HEADER_SIZE, -1)));
    const { record, tree } = this.load();
    const joined = concatTrees(io, tree, otherTree);
    this.store(record, joined.count === 0 ? emptyTree(io) : joined);
    this.markShared(record);
    // The other list's blocks are now this one's too: a write through a cursor on its items would change both.
    io.tx.markListReshaped(slot.position);
    // The items now sit in two places (two lists, or twice in this one): a
    // structure an item points to must be copied before either place changes it.
    io.tx.markItemsShared();
  }
}
