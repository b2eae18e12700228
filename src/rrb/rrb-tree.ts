// The relaxed radix balanced tree behind linked array lists, in the gen-1 xitdb
// layout (FORMAT.md §Linked array lists): blocks of 16 linked slots (a slot
// and the count of items below it), left-packed, every branch slot an index
// with the full flag set. Get, put, append, concat, slice, insert, remove.
//
// Invariant (balance): every node except the root and the last child of its
// parent holds at least MIN_CHILDREN (8) children or items; the root holds at
// least 2 unless it is a leaf. So a tree of height h holds at least 7 * 8^(h-2)
// items and stays shallow. Lists written by other implementations may break
// it; every operation stays correct on them, only their depth is not bounded
// by it.
//
// Sharing: concat, slice, insert and remove never change an existing block;
// they write new blocks for the changed paths and share the rest (a list
// concatenated with itself shares every block twice). Append and put change
// blocks in place only at or after `mutableFrom`, which the caller raises past
// every block a sharing operation could have shared.

import { CorruptDatabaseError, OutOfRangeError } from '../errors.js';
import { MAX_LIST_SHIFT, SLOT_COUNT, SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { TAG_MASK, FULL_FLAG, Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { LINKED_BLOCK_SIZE, LINKED_SLOT_SIZE } from './linked-list-read.js';
import { LeafCache } from '../core/leaf-cache.js';

/** Nodes other than the root and last children hold at least this many entries. */
export const MIN_CHILDREN = 8;

/** A subtree: its root block, height (0 for a leaf) and item count. */
export interface Tree {
  /** Position of the root block. */
  readonly root: number;
  /** Levels below the root; 0 when the root is a leaf. The header's shift. */
  readonly height: number;
  /** Items in the subtree. */
  readonly count: number;
}

/** One block, decoded: its non-empty entries in order. */
export interface Node {
  /** Children (branch) or values (leaf), empty slots skipped. */
  readonly slots: Slot[];
  /** Items below each entry (1 for each value of a leaf). */
  readonly sizes: number[];
  /** Where each entry's linked slot is, in the block. */
  readonly positions: number[];
}

/**
 * Reads and decodes a block. Empty slots are skipped, so a gapped block written
 * by another implementation reads the same as a packed one.
 *
 * @throws CorruptDatabaseError when a branch holds anything but index slots
 */
export function readNode(io: BlockIO, position: number, height: number): Node {
  const storage = io.storage;
  const offset = storage.locate(position, LINKED_BLOCK_SIZE);
  const view = storage.view;
  const slots: Slot[] = [];
  const sizes: number[] = [];
  const positions: number[] = [];
  for (let i = 0; i < SLOT_COUNT; i++) {
    const at = offset + i * LINKED_SLOT_SIZE;
    const tagByte = view.getUint8(at);
    const tag = tagByte & TAG_MASK;
    const full = (tagByte & FULL_FLAG) !== 0;
    if (tag === Tag.NONE && !full) continue;
    const slotPosition = position + i * LINKED_SLOT_SIZE;
    if (tag > 15) throw new CorruptDatabaseError(`unknown slot tag ${tag}`, slotPosition);
    const slot = new Slot(tag, full, view.getUint32(at + 1), view.getUint32(at + 5));
    if (height > 0) {
      if (tag !== Tag.INDEX) throw new CorruptDatabaseError(`a linked list branch holds a ${tagName(tag)}`, slotPosition);
      const hi = view.getUint32(at + 9);
      if (hi >= 0x200000) throw new CorruptDatabaseError('a linked list count is beyond 2^53', slotPosition + SLOT_SIZE);
      const size = hi * TWO_POW_32 + view.getUint32(at + 13);
      if (size === 0) throw new CorruptDatabaseError('a linked list branch points at an empty subtree', slotPosition);
      io.checkPointer(slot.position, LINKED_BLOCK_SIZE, slotPosition);
      sizes.push(size);
    } else {
      sizes.push(1);
    }
    slots.push(slot);
    positions.push(slotPosition);
  }
  // Only an empty list's root leaf may be empty; an empty branch would leave descents nowhere to go.
  if (height > 0 && slots.length === 0) throw new CorruptDatabaseError('a linked list branch holds no entries', position);
  return { slots, sizes, positions };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

// One block's bytes, reused by every encode: writes copy what they are given, and
// a fresh Uint8Array of 272 bytes costs hundreds of nanoseconds (V8 keeps typed
// arrays over 64 bytes outside its heap).
const encoded = new Uint8Array(LINKED_BLOCK_SIZE);
const encodedView = new DataView(encoded.buffer);

/**
 * Encodes entries into a 272-byte block: left-packed, branches as full index
 * slots. Returns a shared buffer, valid until the next call: write it at once.
 */
function encodeBlock(slots: readonly Slot[], sizes: readonly number[], height: number): Uint8Array {
  encoded.fill(0);
  const view = encodedView;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as Slot;
    const at = i * LINKED_SLOT_SIZE;
    view.setUint8(at, (slot.full ? FULL_FLAG : 0) | slot.tag);
    view.setUint32(at + 1, slot.hi);
    view.setUint32(at + 5, slot.lo);
    // Leaves store 0 here (as xitdb does); branches the count of items below.
    const size = height > 0 ? (sizes[i] as number) : 0;
    view.setUint32(at + 9, Math.floor(size / TWO_POW_32));
    view.setUint32(at + 13, size % TWO_POW_32);
  }
  return encoded;
}

/** Appends a block holding `slots`; returns it as a tree. */
function writeTree(io: BlockIO, slots: readonly Slot[], sizes: readonly number[], height: number): Tree {
  if (slots.length === 0 || slots.length > SLOT_COUNT) throw new CorruptDatabaseError(`a linked list node cannot hold ${slots.length} entries`);
  const root = io.append(encodeBlock(slots, sizes, height));
  return { root, height, count: height > 0 ? sum(sizes) : slots.length };
}

/** The empty list's tree: an empty leaf block. */
export function emptyTree(io: BlockIO): Tree {
  return { root: io.appendZeros(LINKED_BLOCK_SIZE), height: 0, count: 0 };
}

/** A branch entry pointing at `tree`. Branch slots always carry the full flag (see FORMAT.md). */
function branchSlot(tree: Tree): Slot {
  return Slot.pointer(Tag.INDEX, tree.root, true);
}

function childTree(node: Node, index: number, height: number): Tree {
  return { root: (node.slots[index] as Slot).position, height: height - 1, count: node.sizes[index] as number };
}

/**
 * Splits `count` entries into nodes of at most 16, evenly, so that every node
 * gets at least 8 when there is more than one (17 or more entries).
 */
function partition(io: BlockIO, slots: Slot[], sizes: number[], height: number): Tree[] {
  const nodes = Math.ceil(slots.length / SLOT_COUNT);
  const out: Tree[] = [];
  let start = 0;
  for (let n = 0; n < nodes; n++) {
    const take = Math.floor((slots.length - start) / (nodes - n));
    out.push(writeTree(io, slots.slice(start, start + take), sizes.slice(start, start + take), height));
    start += take;
  }
  return out;
}

/** A tree whose root has one child is that child: drop such roots. */
function collapse(io: BlockIO, tree: Tree): Tree {
  let current = tree;
  while (current.height > 0) {
    const node = readNode(io, current.root, current.height);
    if (node.slots.length !== 1) break;
    current = childTree(node, 0, current.height);
  }
  return current;
}

/**
 * Joins two trees into one holding a's items then b's. Writes O(log n) blocks
 * along the seam; shares everything else. Keeps the balance invariant when
 * both inputs have it.
 */
export function concatTrees(io: BlockIO, a: Tree, b: Tree): Tree {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  requireRoom(a.count + b.count);
  const produced = mergeSeam(io, a, b);
  const height = Math.max(a.height, b.height);
  if (produced.length === 1) return collapse(io, produced[0] as Tree);
  if (height + 1 >= MAX_LIST_SHIFT) throw new OutOfRangeError('the linked list would exceed the format\'s maximum depth');
  return writeTree(io, produced.map(branchSlot), produced.map((t) => t.count), height + 1);
}

/**
 * Refuses a list longer than its counts can say: they are u64 fields that
 * readers take only below 2^53 (FORMAT.md), so a longer list would commit a
 * moment no reader accepts. Only concatenating a list with itself reaches it.
 */
function requireRoom(count: number): void {
  if (count > Number.MAX_SAFE_INTEGER) throw new OutOfRangeError(`a linked list cannot hold ${count} items: its counts stop at 2^53 - 1`);
}

/** Merges a's right edge with b's left edge; returns 1 or 2 nodes of height max(a, b). */
function mergeSeam(io: BlockIO, a: Tree, b: Tree): Tree[] {
  if (a.height > b.height) {
    const node = readNode(io, a.root, a.height);
    const last = node.slots.length - 1;
    const lower = mergeSeam(io, childTree(node, last, a.height), b);
    const slots = [...node.slots.slice(0, last), ...lower.map(branchSlot)];
    const sizes = [...node.sizes.slice(0, last), ...lower.map((t) => t.count)];
    return partition(io, slots, sizes, a.height);
  }
  if (a.height < b.height) {
    const node = readNode(io, b.root, b.height);
    const lower = mergeSeam(io, a, childTree(node, 0, b.height));
    const slots = [...lower.map(branchSlot), ...node.slots.slice(1)];
    const sizes = [...lower.map((t) => t.count), ...node.sizes.slice(1)];
    return partition(io, slots, sizes, b.height);
  }
  const nodeA = readNode(io, a.root, a.height);
  const nodeB = readNode(io, b.root, b.height);
  if (a.height === 0) {
    return partition(io, [...nodeA.slots, ...nodeB.slots], [...nodeA.sizes, ...nodeB.sizes], 0);
  }
  const last = nodeA.slots.length - 1;
  const lower = mergeSeam(io, childTree(nodeA, last, a.height), childTree(nodeB, 0, b.height));
  const slots = [...nodeA.slots.slice(0, last), ...lower.map(branchSlot), ...nodeB.slots.slice(1)];
  const sizes = [...nodeA.sizes.slice(0, last), ...lower.map((t) => t.count), ...nodeB.sizes.slice(1)];
  return partition(io, slots, sizes, a.height);
}

/** Finds the entry of `node` holding item `index`; returns [entry, index within it]. */
function locateChild(node: Node, index: number, at: number): [number, number] {
  let remaining = index;
  for (let i = 0; i < node.sizes.length; i++) {
    const size = node.sizes[i] as number;
    if (remaining < size) return [i, remaining];
    remaining -= size;
  }
  throw new CorruptDatabaseError(`a linked list node holds fewer items than its parent counts`, at);
}

/**
 * The items from `index` to the end, as a new tree sharing all it can. Writes
 * one block per level, plus a seam merge at the levels where the cut leaves the
 * first child too small. O(log n) blocks in most cases, O(log² n) at worst.
 */
export function sliceFrom(io: BlockIO, tree: Tree, index: number): Tree {
  if (index === 0) return tree;
  if (index >= tree.count) return emptyTree(io);
  return collapse(io, dropFront(io, tree, index).tree);
}

/**
 * {@link sliceFrom} below the top: the result keeps the tree's height (its root
 * may hold one entry; the caller collapses) and reports its root's entry count.
 *
 * Balance: the cut child becomes the first entry. Unless it is also the last, it
 * needs MIN_CHILDREN entries; when it has fewer, it is merged with its right
 * sibling along their seam (which keeps every middle node at MIN_CHILDREN or
 * more, where a plain join of their entries would put the cut child's possibly
 * small last child in the middle). The siblings after it keep their places, so
 * the last child stays last.
 */
function dropFront(io: BlockIO, tree: Tree, index: number): { tree: Tree; entries: number } {
  const node = readNode(io, tree.root, tree.height);
  if (tree.height === 0) {
    const kept = node.slots.slice(index);
    return { tree: writeTree(io, kept, node.sizes.slice(index), 0), entries: kept.length };
  }
  const [child, within] = locateChild(node, index, tree.root);
  let next = child + 1;
  let first: Tree[];
  if (within === 0) {
    // The child is whole: it keeps the shape it had at this place or further left.
    first = [childTree(node, child, tree.height)];
  } else {
    const cut = dropFront(io, childTree(node, child, tree.height), within);
    if (cut.entries < MIN_CHILDREN && next < node.slots.length) {
      first = mergeSeam(io, cut.tree, childTree(node, next, tree.height));
      next += 1;
    } else {
      first = [cut.tree];
    }
  }
  const slots = first.map(branchSlot);
  const sizes = first.map((t) => t.count);
  for (let i = next; i < node.slots.length; i++) {
    slots.push(node.slots[i] as Slot);
    sizes.push(node.sizes[i] as number);
  }
  return { tree: writeTree(io, slots, sizes, tree.height), entries: slots.length };
}

/**
 * The first `count` items, as a new tree sharing all it can. One block per
 * level: the cut child becomes the last entry, which the balance invariant
 * leaves free to be small, and the entries before it keep their places. O(log n).
 */
export function sliceTo(io: BlockIO, tree: Tree, count: number): Tree {
  if (count >= tree.count) return tree;
  if (count === 0) return emptyTree(io);
  return collapse(io, dropBack(io, tree, count));
}

/** {@link sliceTo} below the top: keeps the tree's height; the caller collapses. */
function dropBack(io: BlockIO, tree: Tree, count: number): Tree {
  const node = readNode(io, tree.root, tree.height);
  if (tree.height === 0) return writeTree(io, node.slots.slice(0, count), node.sizes.slice(0, count), 0);
  const [child, within] = locateChild(node, count - 1, tree.root);
  const whole = childTree(node, child, tree.height);
  const last = within + 1 === whole.count ? whole : dropBack(io, whole, within + 1);
  const slots = node.slots.slice(0, child);
  const sizes = node.sizes.slice(0, child);
  slots.push(branchSlot(last));
  sizes.push(last.count);
  return writeTree(io, slots, sizes, tree.height);
}

/**
 * Items `offset` to `offset + count - 1`. O(log n) blocks written.
 *
 * @throws OutOfRangeError when the range is not inside the list
 */
export function sliceTree(io: BlockIO, tree: Tree, offset: number, count: number): Tree {
  if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0 || offset + count > tree.count) {
    throw new OutOfRangeError(`cannot slice ${String(count)} items at ${String(offset)} from a list of ${tree.count}`);
  }
  return sliceTo(io, sliceFrom(io, tree, offset), count);
}

/**
 * Position of the slot holding item `index`. O(log n) reads.
 *
 * @throws CorruptDatabaseError when the counts do not add up
 */
export function treeSlotPosition(io: BlockIO, tree: Tree, index: number): number {
  // The hot path of get: read tags and counts straight from the block, allocate nothing.
  let block = tree.root;
  let remaining = index;
  if (isPerfect(tree.count, tree.height)) return perfectSlotPosition(io, block, tree.height, remaining);
  for (let height = tree.height; height > 0; height--) {
    const child = locateInBranch(io, block, remaining);
    remaining = child.within;
    block = child.position;
    // Below a perfect subtree, digits find the item without reading counts.
    if (isPerfect(child.count, height - 1)) return perfectSlotPosition(io, block, height - 1, remaining);
  }
  return leafSlotPosition(io, block, remaining);
}

/** Items in a perfect subtree of each height: 16^(height + 1), up to the format's deepest list. */
const PERFECT_COUNT: readonly number[] = Array.from({ length: MAX_LIST_SHIFT + 1 }, (_, height) => SLOT_COUNT ** (height + 1));

/**
 * True when a subtree of `height` holding `count` items is perfect: every block
 * in it holds 16 entries, so every slot is used and item i sits at the radix
 * path of i. Nothing else can hold that many items at that height.
 */
function isPerfect(count: number, height: number): boolean {
  return count === PERFECT_COUNT[height];
}

/**
 * Position of item `index`'s slot in a perfect subtree: pure radix descent, one
 * child pointer read per level and no counts (FORMAT.md §Linked array lists,
 * perfect subtrees). The slots on the way are still checked, so a file whose counts lie
 * gives CorruptDatabaseError, never a wrong block.
 */
function perfectSlotPosition(io: BlockIO, root: number, height: number, index: number): number {
  const storage = io.storage;
  let block = root;
  // Below 2^32 (every list in practice) the radix digits come from shifts; the
  // float division and modulus of the general case cost several times more.
  const small = index < TWO_POW_32;
  for (let level = height; level > 0; level--) {
    const k = small ? (level < 8 ? (index >>> (4 * level)) & 15 : 0) : Math.floor(index / (PERFECT_COUNT[level - 1] as number)) % SLOT_COUNT;
    const slotPosition = block + k * LINKED_SLOT_SIZE;
    const at = storage.locate(slotPosition, SLOT_SIZE);
    const view = storage.view;
    const hi = view.getUint32(at + 1);
    if ((view.getUint8(at) & TAG_MASK) !== Tag.INDEX || hi >= 0x200000) throw new CorruptDatabaseError('a full linked list branch holds a slot that is not an index', slotPosition);
    // No checkPointer: the next locate refuses a position past the end.
    block = hi * TWO_POW_32 + view.getUint32(at + 5);
  }
  const slotPosition = block + (small ? index & 15 : index % SLOT_COUNT) * LINKED_SLOT_SIZE;
  // locate first: it may switch the buffer that storage.bytes names.
  const at = storage.locate(slotPosition, 1);
  if (storage.bytes[at] === 0) throw new CorruptDatabaseError('a full linked list leaf has an empty slot', slotPosition);
  return slotPosition;
}

/** Inserts `value` before item `index` (index = count appends). O(log n) blocks written. */
export function insertTree(io: BlockIO, tree: Tree, index: number, value: Slot): Tree {
  requireRoom(tree.count + 1);
  const single = writeTree(io, [value], [1], 0);
  return concatTrees(io, concatTrees(io, sliceTo(io, tree, index), single), sliceFrom(io, tree, index));
}

/** Removes item `index`. O(log n) blocks written. */
export function removeTree(io: BlockIO, tree: Tree, index: number): Tree {
  return concatTrees(io, sliceTo(io, tree, index), sliceFrom(io, tree, index + 1));
}

/**
 * Copies the path from the root to item `index` where it lies before
 * `mutableFrom`, so the item's slot can be written in place. Returns the new
 * root and the slot position. O(log n).
 */
export function mutablePath(io: BlockIO, tree: Tree, index: number, mutableFrom: number): { tree: Tree; slotPosition: number } {
  let root = tree.root;
  if (root < mutableFrom) root = io.copyToEnd(root, LINKED_BLOCK_SIZE);
  let block = root;
  let remaining = index;
  for (let height = tree.height; height > 0; height--) {
    // The child holding the item, found as treeSlotPosition finds it: tags and
    // counts read in place, nothing decoded or allocated (a put runs this per level).
    const child = locateInBranch(io, block, remaining);
    remaining = child.within;
    let next = child.position;
    if (next < mutableFrom) {
      next = io.copyToEnd(next, LINKED_BLOCK_SIZE);
      io.writePointer(child.slotPosition, Tag.INDEX, next, true);
    }
    block = next;
  }
  return { tree: { root, height: tree.height, count: tree.count }, slotPosition: leafSlotPosition(io, block, remaining) };
}

/** Reused result of {@link locateInBranch}: a put descends one level at a time and keeps nothing. */
const located = { slotPosition: 0, position: 0, within: 0, count: 0 };

/**
 * The entry of branch `block` that holds item `index`: its slot, the child it
 * points at, the child's item count, and the item's index within that child.
 *
 * @throws CorruptDatabaseError when the counts or the chosen slot are impossible
 */
function locateInBranch(io: BlockIO, block: number, index: number): typeof located {
  const storage = io.storage;
  const offset = storage.locate(block, LINKED_BLOCK_SIZE);
  const view = storage.view;
  let remaining = index;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const at = offset + i * LINKED_SLOT_SIZE;
    const tagByte = view.getUint8(at);
    if (tagByte === 0) continue;
    const slotPosition = block + i * LINKED_SLOT_SIZE;
    const sizeHi = view.getUint32(at + 9);
    const size = sizeHi * TWO_POW_32 + view.getUint32(at + 13);
    if (remaining < size) {
      if ((tagByte & TAG_MASK) !== Tag.INDEX || sizeHi >= 0x200000) {
        throw new CorruptDatabaseError(`a linked list branch holds a ${tagName(tagByte & TAG_MASK)} or an impossible count`, slotPosition);
      }
      const hi = view.getUint32(at + 1);
      if (hi >= 0x200000) throw new CorruptDatabaseError('a linked list slot points beyond 2^53', slotPosition);
      located.slotPosition = slotPosition;
      located.position = io.checkPointer(hi * TWO_POW_32 + view.getUint32(at + 5), LINKED_BLOCK_SIZE, slotPosition);
      located.within = remaining;
      located.count = size;
      return located;
    }
    remaining -= size;
  }
  throw new CorruptDatabaseError('a linked list node holds fewer items than its parent counts', block);
}

/** The slot of item `index` of leaf `block`: its index-th used slot (a leaf from another writer may have gaps). */
function leafSlotPosition(io: BlockIO, block: number, index: number): number {
  const offset = io.storage.locate(block, LINKED_BLOCK_SIZE);
  const view = io.storage.view;
  let remaining = index;
  for (let i = 0; i < SLOT_COUNT; i++) {
    if (view.getUint8(offset + i * LINKED_SLOT_SIZE) === 0) continue;
    if (remaining === 0) return block + i * LINKED_SLOT_SIZE;
    remaining--;
  }
  throw new CorruptDatabaseError('a linked list leaf holds fewer items than its parent counts', block);
}

/**
 * Appends one item holding `value`: into the last leaf when it has room,
 * otherwise as a new last leaf (and new branches as needed). Blocks on the right
 * edge before `mutableFrom` are copied first; the rest change in place.
 * O(log n) reads, O(1) amortised writes.
 */
export function appendTree(io: BlockIO, tree: Tree, value: Slot, mutableFrom: number): { tree: Tree; slotPosition: number } {
  requireRoom(tree.count + 1);
  if (tree.count === 0) {
    const leaf = writeTree(io, [value], [1], 0);
    return { tree: leaf, slotPosition: leaf.root };
  }
  // Read the right edge: blocks[0] is the root, blocks[height] the last leaf.
  // lastUsed[depth] is the index of the node's last used slot: blocks written
  // by other implementations may have gaps (§Linked array lists), so it can be
  // past slots.length - 1, and the new entry must go after it.
  const blocks: number[] = [tree.root];
  const nodes: Node[] = [];
  const lastUsed: number[] = [];
  for (let height = tree.height; ; height--) {
    const block = blocks[blocks.length - 1] as number;
    const node = readNode(io, block, height);
    nodes.push(node);
    lastUsed.push(node.positions.length === 0 ? -1 : ((node.positions[node.positions.length - 1] as number) - block) / LINKED_SLOT_SIZE);
    if (height === 0) break;
    blocks.push((node.slots[node.slots.length - 1] as Slot).position);
  }
  // The lowest level whose node has room after its last entry takes the new entry.
  let level = tree.height;
  while (level >= 0 && (lastUsed[level] as number) >= SLOT_COUNT - 1) level--;
  let root = tree.root;
  let height = tree.height;
  if (level < 0) {
    // Every node on the right edge is full: a new root above the old one.
    if (height + 1 >= MAX_LIST_SHIFT) throw new OutOfRangeError('the linked list is at the format\'s maximum depth');
    root = writeTree(io, [branchSlot(tree)], [tree.count], height + 1).root;
    height += 1;
    blocks.unshift(root);
    nodes.unshift(readNode(io, root, height));
    lastUsed.unshift(0);
    level = 0;
  }
  // Make the edge down to `level` mutable, adding one to every count on the way.
  const top = blocks[0] as number;
  root = top < mutableFrom ? io.copyToEnd(top, LINKED_BLOCK_SIZE) : top;
  blocks[0] = root;
  for (let depth = 0; depth < level; depth++) {
    const node = nodes[depth] as Node;
    const linked = (blocks[depth] as number) + (lastUsed[depth] as number) * LINKED_SLOT_SIZE;
    let child = blocks[depth + 1] as number;
    if (child < mutableFrom) child = io.copyToEnd(child, LINKED_BLOCK_SIZE);
    blocks[depth + 1] = child;
    io.writeSlot(linked, Slot.pointer(Tag.INDEX, child, true));
    io.writeU64(linked + SLOT_SIZE, (node.sizes[node.sizes.length - 1] as number) + 1);
  }
  // Below `level`, a fresh chain: a leaf with the value, wrapped once per level.
  const chainHeight = height - level - 1;
  const at = (blocks[level] as number) + ((lastUsed[level] as number) + 1) * LINKED_SLOT_SIZE;
  let slotPosition: number;
  let entry: Slot;
  if (chainHeight < 0) {
    entry = value;
    slotPosition = at;
  } else {
    let chain = writeTree(io, [value], [1], 0);
    slotPosition = chain.root;
    for (let h = 1; h <= chainHeight; h++) chain = writeTree(io, [branchSlot(chain)], [1], h);
    entry = branchSlot(chain);
  }
  io.writeSlot(at, entry);
  io.writeU64(at + SLOT_SIZE, chainHeight < 0 ? 0 : 1);
  return { tree: { root, height, count: tree.count + 1 }, slotPosition };
}

/** What {@link checkTree} finds wrong, one line per problem. */
export interface TreeProblem {
  /** Where. */
  readonly position: number;
  /** What. */
  readonly message: string;
}

/**
 * The invariant checker: counts add up at every branch, leaves are packed, the
 * depth is within the format's limit, and a block reached twice lies before
 * `mutableFrom` (so no in-place write can change two places at once). With
 * `balanced`, also the shape this build writes: the balance invariant and the
 * full flag on every branch slot (lists from other writers may differ there).
 */
export function checkTree(io: BlockIO, tree: Tree, mutableFrom: number, balanced = true): TreeProblem[] {
  const problems: TreeProblem[] = [];
  const seen = new Set<number>();
  if (tree.height >= MAX_LIST_SHIFT) problems.push({ position: tree.root, message: `height ${tree.height} is at or above the maximum ${MAX_LIST_SHIFT}` });
  const visit = (position: number, height: number, expected: number, isRoot: boolean, isLast: boolean): void => {
    if (seen.has(position)) {
      if (position >= mutableFrom) problems.push({ position, message: 'a mutable block is reachable twice' });
    }
    seen.add(position);
    const node = readNode(io, position, height);
    const count = height === 0 ? node.slots.length : sum(node.sizes);
    if (count !== expected) problems.push({ position, message: `holds ${count} items where its parent counts ${expected}` });
    for (let i = 0; i < node.positions.length; i++) {
      if (node.positions[i] !== position + i * LINKED_SLOT_SIZE) {
        problems.push({ position, message: 'entries are not packed to the left' });
        break;
      }
    }
    if (balanced && !isRoot && !isLast && node.slots.length < MIN_CHILDREN) {
      problems.push({ position, message: `holds ${node.slots.length} entries, fewer than ${MIN_CHILDREN}, and is not the last child` });
    }
    if (balanced && isRoot && height > 0 && node.slots.length < 2) problems.push({ position, message: 'a branch root with one child' });
    if (height === 0) return;
    for (let i = 0; i < node.slots.length; i++) {
      if (balanced && !(node.slots[i] as Slot).full) problems.push({ position, message: 'a branch slot without the full flag' });
      visit((node.slots[i] as Slot).position, height - 1, node.sizes[i] as number, false, i === node.slots.length - 1);
    }
  };
  visit(tree.root, tree.height, tree.count, true, true);
  return problems;
}

/**
 * Visits item slot positions from `start`, forwards (to the end) or backwards
 * (to the first item). Reads each block once; holds one path of decoded blocks.
 */
export function* treeSlotPositions(io: BlockIO, tree: Tree, start: number, backwards = false): Generator<number, void, undefined> {
  if (tree.count === 0) return;
  // Descend to `start`, remembering at each level the decoded node and the entry taken.
  const nodes: Node[] = [];
  const entries: number[] = [];
  let block = tree.root;
  let remaining = start;
  for (let height = tree.height; height >= 0; height--) {
    const node = readNode(io, block, height);
    const [entry, within] = height === 0 ? [remaining, 0] : locateChild(node, remaining, block);
    if (height === 0 && entry >= node.slots.length) throw new CorruptDatabaseError('a linked list leaf holds fewer items than its parent counts', block);
    nodes.push(node);
    entries.push(entry);
    if (height > 0) block = (node.slots[entry] as Slot).position;
    remaining = within;
  }
  const step = backwards ? -1 : 1;
  const leafLevel = tree.height;
  let produced = 0;
  for (;;) {
    const leaf = nodes[leafLevel] as Node;
    for (let i = entries[leafLevel] as number; i >= 0 && i < leaf.slots.length; i += step) {
      if (++produced > tree.count) throw new CorruptDatabaseError('a linked list holds more items than its count', tree.root);
      yield leaf.positions[i] as number;
    }
    // Climb to the nearest level with another entry in this direction, then descend its edge.
    let level = leafLevel - 1;
    while (level >= 0) {
      const next = (entries[level] as number) + step;
      if (next >= 0 && next < (nodes[level] as Node).slots.length) {
        entries[level] = next;
        break;
      }
      level--;
    }
    if (level < 0) return;
    for (let depth = level; depth < leafLevel; depth++) {
      const parent = nodes[depth] as Node;
      const child = readNode(io, (parent.slots[entries[depth] as number] as Slot).position, leafLevel - depth - 1);
      nodes[depth + 1] = child;
      entries[depth + 1] = backwards ? child.slots.length - 1 : 0;
    }
  }
}

/** The tree a linked list header describes. */
export function headerTree(header: { count: number; root: number; shift: number }): Tree {
  return { root: header.root, height: header.shift, count: header.count };
}

/** A branch block decoded once: where each child's items end, and the children, decoded on first use. */
interface DecodedBranch {
  /** Items before the end of each child (running sums of leaf counts). */
  readonly ends: number[];
  /** Each child's block position. */
  readonly positions: number[];
  /** Items in every child but the last when they are all equal (a dense node), else 0. */
  readonly stride: number;
  /** Decoded children (branches), filled lazily. */
  readonly children: Array<DecodedBranch | undefined>;
  /** For children that are leaves: 1 when packed (item k in slot k), 2 when gapped, 0 not yet known. */
  readonly leafShape: Uint8Array;
}

function decodeBranch(io: BlockIO, position: number): DecodedBranch {
  const node = readNode(io, position, 1);
  const ends: number[] = [];
  let total = 0;
  for (const size of node.sizes) ends.push((total += size));
  let stride = node.sizes[0] ?? 0;
  for (let i = 1; i < node.sizes.length - 1; i++) if (node.sizes[i] !== stride) stride = 0;
  return {
    ends,
    positions: node.slots.map((slot) => slot.position),
    stride,
    children: new Array<DecodedBranch | undefined>(node.slots.length).fill(undefined),
    leafShape: new Uint8Array(node.slots.length),
  };
}

/**
 * Fast positional reads of an immutable tree. A tree built by appends
 * (radix-shaped) is read by digits, and after a few hundred gets its leaf
 * positions are remembered ({@link LeafCache}). Other trees have their branch blocks decoded once and kept, so a get
 * costs a few array lookups per level instead of scanning blocks (memory grows
 * with the branches visited, about one sixteenth of the leaves). Only for trees
 * whose every block is committed and outside the running transaction (see
 * {@link BlockIO.immutableBefore}).
 */
export class TreeReader {
  private readonly io: BlockIO;
  private readonly tree: Tree;
  private root: DecodedBranch | undefined;
  /** Whether the tree is perfect or radix-shaped (see {@link isRadixShaped}); undefined until the first get. */
  private radix: boolean | undefined;
  /** Leaf positions of a radix-shaped tree. */
  private readonly leaves: LeafCache;

  /**
   * @param io - the database
   * @param tree - a tree that no write can change any more
   */
  constructor(io: BlockIO, tree: Tree) {
    this.io = io;
    this.tree = tree;
    this.leaves = new LeafCache(tree.count);
  }

  /** Position of item `index`'s slot, 0 <= index < count. */
  slotPosition(index: number): number {
    const tree = this.tree;
    if (tree.height === 0) return treeSlotPosition(this.io, tree, index);
    // A list built by appends: digits all the way down, no decoded nodes at all.
    if ((this.radix ??= isPerfect(tree.count, tree.height) || isRadixShaped(this.io, tree))) {
      const within = index & 15;
      let leaf = this.leaves.leaf(index);
      if (leaf === 0) leaf = this.leaves.remember(index, perfectSlotPosition(this.io, tree.root, tree.height, index - within));
      const slotPosition = leaf + within * LINKED_SLOT_SIZE;
      const storage = this.io.storage;
      const at = storage.locate(slotPosition, 1);
      if (storage.bytes[at] === 0) throw new CorruptDatabaseError('a full linked list leaf has an empty slot', slotPosition);
      return slotPosition;
    }
    let node = (this.root ??= decodeBranch(this.io, this.tree.root));
    let remaining = index;
    for (let height = this.tree.height; ; height--) {
      const ends = node.ends;
      const last = ends.length - 1;
      let k: number;
      if (node.stride > 0) {
        k = Math.min(Math.floor(remaining / node.stride), last);
      } else {
        k = 0;
        while (k < last && (ends[k] as number) <= remaining) k++;
      }
      if (remaining >= (ends[k] as number)) throw new CorruptDatabaseError('a linked list node holds fewer items than its parent counts', this.tree.root);
      if (k > 0) remaining -= ends[k - 1] as number;
      const position = node.positions[k] as number;
      if (isPerfect((ends[k] as number) - (k > 0 ? (ends[k - 1] as number) : 0), height - 1)) return perfectSlotPosition(this.io, position, height - 1, remaining);
      if (height === 1) {
        let shape = node.leafShape[k] as number;
        if (shape === 0) node.leafShape[k] = shape = leafIsPacked(this.io, position, (ends[k] as number) - (k > 0 ? (ends[k - 1] as number) : 0)) ? 1 : 2;
        if (shape === 1) return position + remaining * LINKED_SLOT_SIZE;
        return treeSlotPosition(this.io, { root: position, height: 0, count: remaining + 1 }, remaining);
      }
      let child = node.children[k];
      if (child === undefined) node.children[k] = child = decodeBranch(this.io, position);
      node = child;
    }
  }
}

/**
 * True when every block's entries are packed from slot 0 and every entry but
 * the last of each block is a perfect subtree: the shape appends build. Item i
 * of such a tree sits at the radix path of i, like in a perfect one (the
 * digits never pick a slot past the last entry, because i < count). Reads the
 * right spine only: O(height) blocks.
 */
function isRadixShaped(io: BlockIO, tree: Tree): boolean {
  let block = tree.root;
  let count = tree.count;
  for (let height = tree.height; height > 0; height--) {
    const node = readNode(io, block, height);
    const full = PERFECT_COUNT[height - 1] as number;
    const entries = node.sizes.length;
    for (let i = 0; i < entries; i++) {
      if (node.positions[i] !== block + i * LINKED_SLOT_SIZE) return false;
      if (i < entries - 1 && node.sizes[i] !== full) return false;
    }
    const last = count - (entries - 1) * full;
    if (entries === 0 || node.sizes[entries - 1] !== last || last > full) return false;
    block = (node.slots[entries - 1] as Slot).position;
    count = last;
  }
  return leafIsPacked(io, block, count);
}

/** True when the leaf's `count` items fill slots 0 to count - 1 exactly. */
function leafIsPacked(io: BlockIO, position: number, count: number): boolean {
  // A leaf holds at most 16 items: a parent counting more is damage, which the slower path reports.
  if (count > SLOT_COUNT) return false;
  const offset = io.storage.locate(position, LINKED_BLOCK_SIZE);
  const view = io.storage.view;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const used = view.getUint8(offset + i * LINKED_SLOT_SIZE) !== 0;
    if (used !== i < count) return false;
  }
  return true;
}

/**
 * The right edge of a tree as an append needs it: the block at each level from
 * the root (index 0) to the last leaf, which entry is last in each, the count
 * under each branch's last entry, and how many items the last leaf holds.
 */
export interface RightEdge {
  readonly blocks: number[];
  readonly lastEntry: number[];
  /** The count written under each branch's last entry; `pending` more items are not counted yet. */
  readonly lastCount: number[];
  leafFill: number;
  /** Items appended into the last leaf whose counts are not written yet. */
  pending: number;
}

/** Reads the right edge of a non-empty tree, scanning only tag bytes and the last entries' counts. */
export function readRightEdge(io: BlockIO, tree: Tree): RightEdge {
  const blocks: number[] = [];
  const lastEntry: number[] = [];
  const lastCount: number[] = [];
  let block = tree.root;
  for (let height = tree.height; ; height--) {
    const offset = io.storage.locate(block, LINKED_BLOCK_SIZE);
    const view = io.storage.view;
    let last = -1;
    for (let i = SLOT_COUNT - 1; i >= 0; i--) {
      if (view.getUint8(offset + i * LINKED_SLOT_SIZE) !== 0) {
        last = i;
        break;
      }
    }
    blocks.push(block);
    lastEntry.push(last);
    if (height === 0) return { blocks, lastEntry, lastCount, leafFill: last + 1, pending: 0 };
    if (last < 0) throw new CorruptDatabaseError('a linked list branch is empty', block);
    const at = block + last * LINKED_SLOT_SIZE;
    lastCount.push(io.readU64(at + SLOT_SIZE));
    block = io.checkPointer(io.readSlot(at).position, LINKED_BLOCK_SIZE, at);
  }
}

/** A never-written item as its 17 linked-slot bytes: none with the full flag, leaf count 0. */
const NEW_ITEM_LINKED_SLOT = new Uint8Array(LINKED_SLOT_SIZE);
NEW_ITEM_LINKED_SLOT[0] = FULL_FLAG | Tag.NONE;
/** The same item's 9 slot bytes alone. */
const NEW_ITEM_SLOT = NEW_ITEM_LINKED_SLOT.slice(0, SLOT_SIZE);

/**
 * Appends a new item through a known right edge whose every block is mutable:
 * into the last leaf when it has room (one slot write and one count update per
 * level), else into a new last leaf hung from the lowest branch on the edge
 * with room. The caller checked that the edge is current. No reads.
 *
 * @param value - the new item's slot; a new item (none, full flag) when absent
 * @returns the new item's slot position, or -1 when every block on the edge is
 * full (the root must grow: use {@link appendTree})
 */
export function appendOnEdge(io: BlockIO, edge: RightEdge, value?: Slot): number {
  const leafLevel = edge.blocks.length - 1;
  if (edge.leafFill < SLOT_COUNT) {
    // Only the item's slot is written now: readers ignore a leaf's count field
    // (FORMAT.md §Linked array lists), and the counts above wait for flushEdgeCounts.
    const slotPosition = (edge.blocks[leafLevel] as number) + edge.leafFill * LINKED_SLOT_SIZE;
    if (value === undefined) io.storage.write(slotPosition, NEW_ITEM_SLOT);
    else io.writeSlot(slotPosition, value);
    edge.pending++;
    edge.leafFill++;
    return slotPosition;
  }
  flushEdgeCounts(io, edge);
  // The lowest branch with a free entry takes a new chain: a leaf wrapped once per level below it.
  let level = leafLevel - 1;
  while (level >= 0 && (edge.lastEntry[level] as number) >= SLOT_COUNT - 1) level--;
  if (level < 0) return -1;
  let child = io.append(NEW_LEAF_BLOCK);
  const slotPosition = child;
  if (value !== undefined) io.writeSlot(slotPosition, value);
  edge.blocks[leafLevel] = child;
  edge.lastEntry[leafLevel] = 0;
  edge.leafFill = 1;
  for (let depth = leafLevel - 1; depth > level; depth--) {
    child = io.append(encodeBlock([Slot.pointer(Tag.INDEX, child, true)], [1], leafLevel - depth));
    edge.blocks[depth] = child;
    edge.lastEntry[depth] = 0;
    edge.lastCount[depth] = 1;
  }
  bumpEdgeCounts(io, edge, level);
  const entry = (edge.lastEntry[level] as number) + 1;
  const at = (edge.blocks[level] as number) + entry * LINKED_SLOT_SIZE;
  io.writeSlot(at, Slot.pointer(Tag.INDEX, child, true));
  io.writeU64(at + SLOT_SIZE, 1);
  edge.lastEntry[level] = entry;
  edge.lastCount[level] = 1;
  return slotPosition;
}

/** Writes the counts of the edge's branches that appends into the last leaf left pending. */
export function flushEdgeCounts(io: BlockIO, edge: RightEdge): void {
  if (edge.pending === 0) return;
  for (let level = 0; level < edge.blocks.length - 1; level++) {
    const count = (edge.lastCount[level] as number) + edge.pending;
    edge.lastCount[level] = count;
    io.writeU64((edge.blocks[level] as number) + (edge.lastEntry[level] as number) * LINKED_SLOT_SIZE + SLOT_SIZE, count);
  }
  edge.pending = 0;
}

/** Adds one to the count of the last entry of every branch above `below`. */
function bumpEdgeCounts(io: BlockIO, edge: RightEdge, below: number): void {
  for (let level = 0; level < below; level++) {
    const count = (edge.lastCount[level] as number) + 1;
    edge.lastCount[level] = count;
    io.writeU64((edge.blocks[level] as number) + (edge.lastEntry[level] as number) * LINKED_SLOT_SIZE + SLOT_SIZE, count);
  }
}

/** A leaf block holding one new item, written as is for every new last leaf. */
const NEW_LEAF_BLOCK = new Uint8Array(LINKED_BLOCK_SIZE);
NEW_LEAF_BLOCK.set(NEW_ITEM_LINKED_SLOT, 0);
