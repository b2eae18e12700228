// The nodes of a second-generation (gen-2) linked array list (FORMAT.md §Gen-2
// linked array lists): a count-augmented B-tree, as xitdb-java 0.30 and later
// write under tag 3. A 16-byte header (count, root position) points at a node:
// a kind byte (0 leaf, 1 branch) and an entry count, then 16 item slots (leaf)
// or 16 child slots and 16 u64 subtree counts (branch). Entries past the count
// are zero bytes.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';

/** FORMAT.md §Gen-2 linked array lists: count u64, root position u64. */
export const BTREE_HEADER_SIZE = 16;
/** The kind byte and the entry count. */
export const NODE_HEADER_SIZE = 2;
/** A leaf: node header and 16 item slots (146 bytes). */
export const LEAF_SIZE = NODE_HEADER_SIZE + SLOT_SIZE * SLOT_COUNT;
/** A branch: node header, 16 child slots, 16 u64 subtree counts (274 bytes). */
export const BRANCH_SIZE = NODE_HEADER_SIZE + (SLOT_SIZE + 8) * SLOT_COUNT;
/** The kind byte of a leaf. */
export const KIND_LEAF = 0;
/** The kind byte of a branch. */
export const KIND_BRANCH = 1;
/** Entries per node at most. */
export const NODE_ENTRIES_MAX = SLOT_COUNT;
/** An insert that overflows a node keeps this many entries on the left (xitdb-java's split point). */
export const INSERT_SPLIT_LEFT = (SLOT_COUNT + 1) >> 1;
/**
 * FORMAT.md §Limits: levels of branches a reader follows before it calls the
 * tree damaged. Writers keep a list of n items under about log8(n) levels (18
 * for 2^53 items); a damaged file whose branches point back up must not loop.
 */
export const BTREE_DEPTH_MAX = 64;

/** A decoded node. `slots` are the items (leaf) or the children (branch); `counts` the children's item counts. */
export interface BNode {
  readonly kind: typeof KIND_LEAF | typeof KIND_BRANCH;
  readonly slots: Slot[];
  readonly counts: number[];
}

/** A node and where it is. */
export interface PlacedNode extends BNode {
  readonly position: number;
}

/** The size in bytes of a node of `kind`. */
export function nodeSize(kind: number): number {
  return kind === KIND_LEAF ? LEAF_SIZE : BRANCH_SIZE;
}

/**
 * Reads and checks the node at `position` (pointed at from `from`): a known
 * kind, at most 16 entries, a branch with at least one child, every child an
 * index slot.
 *
 * @throws CorruptDatabaseError when it is damaged or lies past the data
 */
export function readNode(io: BlockIO, position: number, from: number): PlacedNode {
  io.checkPointer(position, NODE_HEADER_SIZE, from);
  const offset = io.storage.locate(position, NODE_HEADER_SIZE);
  const kind = io.storage.view.getUint8(offset);
  const entries = io.storage.view.getUint8(offset + 1);
  if (kind !== KIND_LEAF && kind !== KIND_BRANCH) throw new CorruptDatabaseError(`a gen-2 list node has kind ${kind} (0 leaf, 1 branch)`, position);
  if (entries > NODE_ENTRIES_MAX) throw new CorruptDatabaseError(`a gen-2 list node holds ${entries} entries, above ${NODE_ENTRIES_MAX}`, position);
  io.checkPointer(position, nodeSize(kind), from);
  const slots: Slot[] = [];
  const counts: number[] = [];
  for (let i = 0; i < entries; i++) slots.push(io.readSlot(position + NODE_HEADER_SIZE + SLOT_SIZE * i));
  if (kind === KIND_BRANCH) {
    if (entries === 0) throw new CorruptDatabaseError('a gen-2 list branch has no children', position);
    const countsAt = position + NODE_HEADER_SIZE + SLOT_SIZE * SLOT_COUNT;
    for (let i = 0; i < entries; i++) {
      const child = slots[i] as Slot;
      if (child.tag !== Tag.INDEX) throw new CorruptDatabaseError(`a gen-2 list branch holds a ${tagName(child.tag)} where a child belongs`, position + NODE_HEADER_SIZE + SLOT_SIZE * i);
      counts.push(io.readU64(countsAt + 8 * i));
    }
  }
  return { kind, slots, counts, position };
}

/** The items below a node: its entries (leaf) or the sum of its counts (branch). */
export function nodeCount(node: BNode): number {
  if (node.kind === KIND_LEAF) return node.slots.length;
  let total = 0;
  for (const count of node.counts) total += count;
  return total;
}

/** The bytes of a node: unused entries and counts stay zero. */
function encodeNode(node: BNode): Uint8Array {
  const bytes = new Uint8Array(nodeSize(node.kind));
  const view = new DataView(bytes.buffer);
  bytes[0] = node.kind;
  bytes[1] = node.slots.length;
  node.slots.forEach((slot, i) => bytes.set(slot.toBytes(), NODE_HEADER_SIZE + SLOT_SIZE * i));
  if (node.kind === KIND_BRANCH) {
    const countsAt = NODE_HEADER_SIZE + SLOT_SIZE * SLOT_COUNT;
    node.counts.forEach((count, i) => {
      view.setUint32(countsAt + 8 * i, Math.floor(count / 4294967296));
      view.setUint32(countsAt + 8 * i + 4, count % 4294967296);
    });
  }
  return bytes;
}

/** Appends a node; returns its position. */
export function appendNode(io: BlockIO, node: BNode): number {
  return io.append(encodeNode(node));
}

/**
 * Writes a new version of the node at `old`: in place when `old` lies at or
 * after `mutableFrom` (this transaction wrote it and nothing shares it) and
 * the node keeps its kind, else appended. Returns where it now is.
 */
export function rewriteNode(io: BlockIO, node: BNode, old: number, oldKind: number, mutableFrom: number): number {
  if (old >= mutableFrom && oldKind === node.kind) {
    io.write(old, encodeNode(node));
    return old;
  }
  return appendNode(io, node);
}

/** A leaf of `slots`. */
export function leaf(slots: Slot[]): BNode {
  return { kind: KIND_LEAF, slots, counts: [] };
}

/** A branch of child positions and their counts. */
export function branch(children: number[], counts: number[]): BNode {
  return { kind: KIND_BRANCH, slots: children.map((child) => Slot.pointer(Tag.INDEX, child)), counts };
}

/** The child positions of a branch. */
export function childPositions(node: BNode): number[] {
  return node.slots.map((slot) => slot.position);
}
