// Telling the two generations of tag 3 apart (FORMAT.md §Compatibility, telling
// the generations apart). Nothing in the file header does: both say version 0.
// The list's own bytes do, by the first two bytes of the record its header's
// second u64 points at: a gen-2 node starts with its kind (0 or 1) and its
// entry count, a gen-1 root block with the tag byte and the high byte of a slot.

import { SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import type { BlockIO } from '../core/block-io.js';
import { BTREE_HEADER_SIZE, KIND_BRANCH, KIND_LEAF, LEAF_SIZE, NODE_ENTRIES_MAX } from './node.js';

/** FORMAT.md §Linked array lists: a gen-1 header (count, root, shift) and root block (16 linked slots). */
const GEN1_HEADER_SIZE = 17;
const GEN1_BLOCK_SIZE = (SLOT_SIZE + 8) * SLOT_COUNT;

/** Which layout a tag-3 record uses. */
export type LinkedListGeneration = 1 | 2;

/**
 * The generation of the linked list whose header is at `position`. Decides
 * by the root's first two bytes (kind, entry count):
 *
 * - a branch (1, then 1 to 16 entries) is gen-2: a gen-1 root whose first slot
 *   is an index has a position below 2^53 there, so its second byte is 0;
 * - a leaf (0) whose entry count equals the list's count, 1 to 16, is gen-2: a
 *   gen-1 root whose first slot is empty has 0 there;
 * - an empty list whose root starts 00 00 reads the same either way; for the
 *   sake of later writes: gen-1 when its root block follows its header
 *   directly (gen-1 writers put it there; a gen-2 node cannot sit one byte
 *   after a 16-byte header), gen-2 when its header follows its root node
 *   directly (as xitdb-java writes a new list), else gen-1 only when the whole
 *   272-byte gen-1 block is in the data and zero;
 * - anything else is gen-1, whose own checks then judge it.
 *
 * Reads at most 274 bytes; never throws (a header past the data is gen-1, whose
 * reader reports it).
 */
export function linkedListGeneration(io: BlockIO, position: number): LinkedListGeneration {
  const size = io.storage.size();
  if (position + BTREE_HEADER_SIZE > size) return 1;
  const storage = io.storage;
  const headerOffset = storage.locate(position, BTREE_HEADER_SIZE);
  const view = storage.view;
  const countHi = view.getUint32(headerOffset);
  const rootHi = view.getUint32(headerOffset + 8);
  if (countHi >= 0x200000 || rootHi >= 0x200000) return 1;
  const count = countHi * 4294967296 + view.getUint32(headerOffset + 4);
  const root = rootHi * 4294967296 + view.getUint32(headerOffset + 12);
  if (root + 2 > size) return 1;
  const rootOffset = storage.locate(root, 2);
  const kind = storage.view.getUint8(rootOffset);
  const entries = storage.view.getUint8(rootOffset + 1);
  if (kind === KIND_BRANCH) return entries >= 1 && entries <= NODE_ENTRIES_MAX ? 2 : 1;
  if (kind !== KIND_LEAF) return 1;
  if (entries >= 1) return entries === count ? 2 : 1;
  if (count !== 0) return 1;
  // An empty list: 00 00 at its root in both layouts.
  if (root === position + GEN1_HEADER_SIZE) return 1;
  if (position === root + LEAF_SIZE) return 2;
  if (position + GEN1_HEADER_SIZE > size || root + GEN1_BLOCK_SIZE > size) return 2;
  const block = storage.locate(root, GEN1_BLOCK_SIZE);
  const bytes = storage.bytes;
  for (let i = 0; i < GEN1_BLOCK_SIZE; i++) if (bytes[block + i] !== 0) return 2;
  return 1;
}
