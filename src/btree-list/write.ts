// Editing a gen-2 linked list in its own layout (FORMAT.md §Gen-2 linked array
// lists, writing): insert (and append, an insert at the end), a writable path
// to an item, split and join, and slice, remove and concat made of them, as
// xitdb-java 0.30 and later edit the same bytes.
//
// Copy-on-write: insert and the writable path rewrite a node in place only when
// it lies at or after `mutableFrom` (written by this transaction and shared by
// nothing); otherwise they append a new version and rewrite the path above it.
// Split and join never change a node: they append the nodes along their cut or
// seam and share every other subtree, so the caller must treat the result as
// shared (no node written so far changes in place afterwards).

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import {
  BTREE_DEPTH_MAX, INSERT_SPLIT_LEFT, KIND_BRANCH, KIND_LEAF, NODE_ENTRIES_MAX, NODE_HEADER_SIZE,
  appendNode, branch, childPositions, leaf, nodeCount, readNode, rewriteNode, type BNode, type PlacedNode,
} from './node.js';
import type { BTreeHeader } from './read.js';

/** A written subtree: its root and item count. */
interface Part {
  readonly position: number;
  readonly count: number;
}

/** What an insert below a node made: the node's new version, maybe a right sibling split off, and where the new item's slot is. */
interface InsertResult {
  readonly left: Part;
  readonly right: Part | undefined;
  readonly valuePosition: number;
}

/** The item a new slot holds until written: none with the full flag, so it counts as an item. */
const NEW_ITEM = new Slot(Tag.NONE, true, 0, 0);

function child(node: PlacedNode, i: number, io: BlockIO): PlacedNode {
  return readNode(io, (node.slots[i] as Slot).position, node.position + NODE_HEADER_SIZE + SLOT_SIZE * i);
}

function checkDepth(depth: number, at: number): void {
  if (depth > BTREE_DEPTH_MAX) throw new CorruptDatabaseError(`a gen-2 list is deeper than ${BTREE_DEPTH_MAX} levels`, at);
}

/** Which child of a branch an insert at `rank` enters, and the rank inside it: the first whose count reaches it (an insert at a boundary joins the left child's end). */
function insertChild(node: BNode, rank: number): { i: number; rest: number } {
  let i = 0;
  let rest = rank;
  while (i + 1 < node.slots.length && rest > (node.counts[i] as number)) {
    rest -= node.counts[i] as number;
    i++;
  }
  return { i, rest };
}

function insertBelow(io: BlockIO, node: PlacedNode, rank: number, mutableFrom: number, depth: number): InsertResult {
  checkDepth(depth, node.position);
  if (node.kind === KIND_LEAF) {
    if (rank > node.slots.length) throw new CorruptDatabaseError(`a gen-2 list leaf holds ${node.slots.length} items, its parent's count reaches ${rank}`, node.position);
    const items = [...node.slots.slice(0, rank), NEW_ITEM, ...node.slots.slice(rank)];
    if (items.length <= NODE_ENTRIES_MAX) {
      const at = rewriteNode(io, leaf(items), node.position, node.kind, mutableFrom);
      return { left: { position: at, count: items.length }, right: undefined, valuePosition: at + NODE_HEADER_SIZE + SLOT_SIZE * rank };
    }
    const left = rewriteNode(io, leaf(items.slice(0, INSERT_SPLIT_LEFT)), node.position, node.kind, mutableFrom);
    const right = appendNode(io, leaf(items.slice(INSERT_SPLIT_LEFT)));
    const valuePosition = rank < INSERT_SPLIT_LEFT ? left + NODE_HEADER_SIZE + SLOT_SIZE * rank : right + NODE_HEADER_SIZE + SLOT_SIZE * (rank - INSERT_SPLIT_LEFT);
    return { left: { position: left, count: INSERT_SPLIT_LEFT }, right: { position: right, count: items.length - INSERT_SPLIT_LEFT }, valuePosition };
  }
  const { i, rest } = insertChild(node, rank);
  const below = insertBelow(io, child(node, i, io), rest, mutableFrom, depth + 1);
  const children = childPositions(node);
  const counts = [...node.counts];
  children[i] = below.left.position;
  counts[i] = below.left.count;
  if (below.right !== undefined) {
    children.splice(i + 1, 0, below.right.position);
    counts.splice(i + 1, 0, below.right.count);
  }
  if (children.length <= NODE_ENTRIES_MAX) {
    const at = rewriteNode(io, branch(children, counts), node.position, node.kind, mutableFrom);
    return { left: { position: at, count: sum(counts) }, right: undefined, valuePosition: below.valuePosition };
  }
  const leftCounts = counts.slice(0, INSERT_SPLIT_LEFT);
  const rightCounts = counts.slice(INSERT_SPLIT_LEFT);
  const left = rewriteNode(io, branch(children.slice(0, INSERT_SPLIT_LEFT), leftCounts), node.position, node.kind, mutableFrom);
  const right = appendNode(io, branch(children.slice(INSERT_SPLIT_LEFT), rightCounts));
  return { left: { position: left, count: sum(leftCounts) }, right: { position: right, count: sum(rightCounts) }, valuePosition: below.valuePosition };
}

function sum(counts: number[]): number {
  let total = 0;
  for (const count of counts) total += count;
  return total;
}

/** A root over one part, or a new branch over two. */
function rootOf(io: BlockIO, left: Part, right: Part | undefined): number {
  if (right === undefined) return left.position;
  return appendNode(io, branch([left.position, right.position], [left.count, right.count]));
}

/**
 * Inserts a new item (none with the full flag) before item `rank` (0 to
 * count). O(height) nodes rewritten or appended.
 *
 * @returns the new header and the new item's slot position
 */
export function btreeInsert(io: BlockIO, header: BTreeHeader, rank: number, mutableFrom: number): { header: BTreeHeader; slotPosition: number } {
  const result = insertBelow(io, readNode(io, header.root, header.root), rank, mutableFrom, 0);
  return { header: { count: header.count + 1, root: rootOf(io, result.left, result.right) }, slotPosition: result.valuePosition };
}

/**
 * Makes the path to item `rank` writable: every node on it that lies before
 * `mutableFrom` is appended anew, and the branches above point at the copies.
 *
 * @returns the new header (its root moves when anything was copied) and the item's slot position
 */
export function btreeMutablePath(io: BlockIO, header: BTreeHeader, rank: number, mutableFrom: number): { header: BTreeHeader; slotPosition: number } {
  const path: Array<{ node: PlacedNode; i: number }> = [];
  let node = readNode(io, header.root, header.root);
  let rest = rank;
  while (node.kind === KIND_BRANCH) {
    checkDepth(path.length, node.position);
    let i = 0;
    while (i + 1 < node.slots.length && rest >= (node.counts[i] as number)) {
      rest -= node.counts[i] as number;
      i++;
    }
    path.push({ node, i });
    node = child(node, i, io);
  }
  if (rest >= node.slots.length) throw new CorruptDatabaseError(`a gen-2 list leaf holds ${node.slots.length} items, its parent's count reaches item ${rest}`, node.position);
  let at = node.position >= mutableFrom ? node.position : appendNode(io, node);
  const slotPosition = at + NODE_HEADER_SIZE + SLOT_SIZE * rest;
  for (let level = path.length - 1; level >= 0; level--) {
    const { node: parent, i } = path[level] as { node: PlacedNode; i: number };
    if ((parent.slots[i] as Slot).position === at) {
      // The child stayed where it was, so every node above is unchanged too.
      return { header, slotPosition };
    }
    const children = childPositions(parent);
    children[i] = at;
    at = rewriteNode(io, branch(children, parent.counts), parent.position, parent.kind, mutableFrom);
  }
  return { header: { count: header.count, root: at }, slotPosition };
}

// Join and split: neither changes an existing node.

function height(io: BlockIO, root: number): number {
  let node = readNode(io, root, root);
  let levels = 0;
  while (node.kind === KIND_BRANCH) {
    levels++;
    checkDepth(levels, node.position);
    node = child(node, 0, io);
  }
  return levels;
}

/** One or two new nodes holding `entries` (items of a leaf, or children of a branch with their counts), split in half when more than 16. */
function assemble(io: BlockIO, kind: number, entries: Slot[], counts: number[]): { left: Part; right: Part | undefined } {
  const make = (from: number, to: number): Part => {
    const node: BNode = kind === KIND_LEAF ? leaf(entries.slice(from, to)) : { kind: KIND_BRANCH, slots: entries.slice(from, to), counts: counts.slice(from, to) };
    return { position: appendNode(io, node), count: nodeCount(node) };
  };
  if (entries.length <= NODE_ENTRIES_MAX) return { left: make(0, entries.length), right: undefined };
  const half = entries.length >> 1;
  return { left: make(0, half), right: make(half, entries.length) };
}

/** Two nodes of one height side by side, as one or two new nodes. */
function merge(io: BlockIO, a: PlacedNode, b: PlacedNode): { left: Part; right: Part | undefined } {
  if (a.kind !== b.kind) throw new CorruptDatabaseError('a gen-2 list has leaves at different depths', b.position);
  return assemble(io, a.kind, [...a.slots, ...b.slots], [...a.counts, ...b.counts]);
}

function slotOf(part: Part): Slot {
  return Slot.pointer(Tag.INDEX, part.position);
}

/** `b` (height hb) joined onto the right edge of `a` (height ha > hb). */
function joinRight(io: BlockIO, a: PlacedNode, ha: number, b: number, hb: number): { left: Part; right: Part | undefined } {
  checkDepth(ha, a.position);
  const last = a.slots.length - 1;
  const lastChild = child(a, last, io);
  const below = ha - 1 === hb ? merge(io, lastChild, readNode(io, b, b)) : joinRight(io, lastChild, ha - 1, b, hb);
  const slots = [...a.slots.slice(0, last), slotOf(below.left)];
  const counts = [...a.counts.slice(0, last), below.left.count];
  if (below.right !== undefined) {
    slots.push(slotOf(below.right));
    counts.push(below.right.count);
  }
  return assemble(io, KIND_BRANCH, slots, counts);
}

/** `a` (height ha) joined onto the left edge of `b` (height hb > ha). */
function joinLeft(io: BlockIO, a: number, ha: number, b: PlacedNode, hb: number): { left: Part; right: Part | undefined } {
  checkDepth(hb, b.position);
  const firstChild = child(b, 0, io);
  const below = hb - 1 === ha ? merge(io, readNode(io, a, a), firstChild) : joinLeft(io, a, ha, firstChild, hb - 1);
  const slots = [slotOf(below.left)];
  const counts = [below.left.count];
  if (below.right !== undefined) {
    slots.push(slotOf(below.right));
    counts.push(below.right.count);
  }
  return assemble(io, KIND_BRANCH, [...slots, ...b.slots.slice(1)], [...counts, ...b.counts.slice(1)]);
}

/** The tree of every item of `a` followed by every item of `b`. O(height). */
function join(io: BlockIO, a: number, b: number): number {
  const ha = height(io, a);
  const hb = height(io, b);
  let result: { left: Part; right: Part | undefined };
  if (ha === hb) result = merge(io, readNode(io, a, a), readNode(io, b, b));
  else if (ha > hb) result = joinRight(io, readNode(io, a, a), ha, b, hb);
  else result = joinLeft(io, a, ha, readNode(io, b, b), hb);
  return rootOf(io, result.left, result.right);
}

/** A tree of the children `from` to `to` (exclusive) of a branch: an empty leaf, the one child itself, or a new branch. */
function subtree(io: BlockIO, node: PlacedNode, from: number, to: number): number {
  if (to === from) return appendNode(io, leaf([]));
  if (to - from === 1) return (node.slots[from] as Slot).position;
  return appendNode(io, { kind: KIND_BRANCH, slots: node.slots.slice(from, to), counts: node.counts.slice(from, to) });
}

/** The trees of items [0, rank) and [rank, n) of the tree at `root`. O(height²) node writes at worst. */
function split(io: BlockIO, root: number, rank: number, depth: number): { left: number; right: number } {
  const node = readNode(io, root, root);
  checkDepth(depth, root);
  if (node.kind === KIND_LEAF) {
    if (rank > node.slots.length) throw new CorruptDatabaseError(`a gen-2 list leaf holds ${node.slots.length} items, its parent's count reaches ${rank}`, root);
    return { left: appendNode(io, leaf(node.slots.slice(0, rank))), right: appendNode(io, leaf(node.slots.slice(rank))) };
  }
  const { i, rest } = insertChild(node, rank);
  const below = split(io, (node.slots[i] as Slot).position, rest, depth + 1);
  const before = subtree(io, node, 0, i);
  const after = subtree(io, node, i + 1, node.slots.length);
  return { left: join(io, before, below.left), right: join(io, below.right, after) };
}

/** Keeps `count` items from `offset`. The caller checked the range. */
export function btreeSlice(io: BlockIO, header: BTreeHeader, offset: number, count: number): BTreeHeader {
  const rest = split(io, header.root, offset, 0).right;
  return { count, root: split(io, rest, count, 0).left };
}

/** Removes item `rank`. */
export function btreeRemove(io: BlockIO, header: BTreeHeader, rank: number): BTreeHeader {
  const cut = split(io, header.root, rank, 0);
  const after = split(io, cut.right, 1, 0).right;
  return { count: header.count - 1, root: join(io, cut.left, after) };
}

/** Every item of `a`, then every item of `b` (the same list twice is fine). */
export function btreeConcat(io: BlockIO, a: BTreeHeader, b: BTreeHeader): BTreeHeader {
  return { count: a.count + b.count, root: join(io, a.root, b.root) };
}

/**
 * A new empty gen-2 list: an empty leaf, then its header right after it, as
 * xitdb-java writes one. That order is what tells an empty gen-2 list from an
 * empty gen-1 one (FORMAT.md §Compatibility), so an edit that leaves a gen-2
 * list empty writes this instead of an empty leaf somewhere.
 *
 * @returns the header's position
 */
export function btreeCreate(io: BlockIO): number {
  const root = appendNode(io, leaf([]));
  const header = new Uint8Array(16);
  new DataView(header.buffer).setUint32(12, root % 4294967296);
  new DataView(header.buffer).setUint32(8, Math.floor(root / 4294967296));
  return io.append(header);
}
