// Finding an item's slot in a linked list tree: the radix path of perfect and
// append-built trees, the relaxed scan of the others, the copy-on-write path
// for puts, iteration, and the cached reader of committed trees.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_COUNT, SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { TAG_MASK, Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { LINKED_BLOCK_SIZE, LINKED_SLOT_SIZE } from './linked-list-read.js';
import { LeafCache } from '../core/leaf-cache.js';
import { type Node, PERFECT_COUNT, type Tree, isPerfect, locateChild, readNode } from './tree-node.js';

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
 * TxState.immutableBefore in core/tx-state.ts).
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
