// In-place access to sorted map nodes (FORMAT.md §Sorted maps) for the hot
// paths: descents, walks and writes read a node's fields straight from the
// storage, one `locate` per field, with no copy of the record and no Slot. A
// field is read at once after its locate (a file storage's page may go at the
// next call). What a step relies on is checked when it is read: `enterNode`
// checks the node's kind, entry count, extent, depth and that its entries add
// up to what its parent claims (so a cycle or a lying count ends in
// CorruptDatabaseError, as readChecked does); `childAt` and `kvAt` check the
// tag and range of the one slot they follow. The full checks of every slot
// stay in readNode, for the checker, verify and dump.

import { CorruptDatabaseError } from '../errors.js';
import { SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { BRANCH, BRANCH_SIZE, COUNTS_OFFSET, LEAF, LEAF_SIZE, NODE_CAPACITY, NODE_HEADER_SIZE, SEPARATORS_OFFSET, SORTED_DEPTH_MAX, compareEntry, compareKeyParts } from './node.js';

/** What {@link enterNode} returns for a branch: this bit set, the entry count in the low byte. */
export const BRANCH_BIT = 0x100;

/**
 * Checks the node at `position`, which its parent (or the map's header, at
 * depth 0) says holds `claimed` entries: inside the data, a known kind, at
 * most 16 entries (a branch at least one child), no deeper than
 * SORTED_DEPTH_MAX, and its own count (a leaf) or its children's counts (a
 * branch, unless the running transaction wrote it) equal to `claimed`.
 *
 * @returns the entry count, with {@link BRANCH_BIT} set for a branch
 * @throws CorruptDatabaseError otherwise
 */
export function enterNode(io: BlockIO, position: number, from: number, depth: number, claimed: number): number {
  if (depth > SORTED_DEPTH_MAX) throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels (a cycle between its nodes?)`, from);
  io.checkPointer(position, NODE_HEADER_SIZE, from);
  const storage = io.storage;
  const offset = storage.locate(position, NODE_HEADER_SIZE);
  const kind = storage.bytes[offset] as number;
  const num = storage.bytes[offset + 1] as number;
  if (kind !== LEAF && kind !== BRANCH) throw new CorruptDatabaseError(`a sorted map node has kind ${kind}; only 0 (leaf) and 1 (branch) exist`, position);
  if (num > NODE_CAPACITY) throw new CorruptDatabaseError(`a sorted map node claims ${num} entries, more than ${NODE_CAPACITY}`, position + 1);
  if (kind === LEAF) {
    io.checkPointer(position, LEAF_SIZE, from);
    if (num !== claimed) throw holdsError(position, LEAF, num, depth, claimed);
    return num;
  }
  io.checkPointer(position, BRANCH_SIZE, from);
  if (num === 0) throw new CorruptDatabaseError('a sorted map branch has no children', position + 1);
  // A node the running transaction wrote is this engine's own work, kept in step with its parent by
  // every put and remove: its counts are not summed again (puts into one transaction's tree enter it often).
  if (io.tx.isMutable(position)) return num | BRANCH_BIT;
  const countsOffset = storage.locate(position + COUNTS_OFFSET, 8 * num);
  const view = storage.view;
  let total = 0;
  for (let i = 0; i < num; i++) {
    const hi = view.getUint32(countsOffset + 8 * i);
    if (hi >= 0x200000) throw new CorruptDatabaseError('a sorted map branch count is beyond 2^53', position + COUNTS_OFFSET + 8 * i);
    total += hi * TWO_POW_32 + view.getUint32(countsOffset + 8 * i + 4);
  }
  if (total !== claimed) throw holdsError(position, BRANCH, total, depth, claimed);
  return num | BRANCH_BIT;
}

function holdsError(position: number, kind: number, total: number, depth: number, claimed: number): CorruptDatabaseError {
  return new CorruptDatabaseError(`a sorted map ${kind === LEAF ? 'leaf' : 'branch'} holds ${total} entries where ${depth === 0 ? 'the header' : 'its parent'} counts ${claimed}`, position);
}

/** Where slot `i` of the node at `position` lies (a leaf's kv_pair slot, a branch's child slot). */
export function slotAt(position: number, i: number): number {
  return position + NODE_HEADER_SIZE + SLOT_SIZE * i;
}

/** The position the slot at `at` points to, which must carry `tag`. */
function pointerAt(io: BlockIO, at: number, tag: number, what: string): number {
  const storage = io.storage;
  const offset = storage.locate(at, SLOT_SIZE);
  const view = storage.view;
  const found = view.getUint8(offset) & 0x7f;
  if (found !== tag) throw new CorruptDatabaseError(`a slot of a sorted map ${what} holds a ${tagName(found)}, not a ${tagName(tag)}`, at);
  const hi = view.getUint32(offset + 1);
  if (hi >= 0x200000) throw new CorruptDatabaseError('a slot of a sorted map node points beyond 2^53', at);
  return hi * TWO_POW_32 + view.getUint32(offset + 5);
}

/** The position of child `i` of the branch at `position`. */
export function childAt(io: BlockIO, position: number, i: number): number {
  return pointerAt(io, slotAt(position, i), Tag.INDEX, 'branch');
}

/** The kv pair of entry `i` of the leaf at `position`. */
export function kvAt(io: BlockIO, position: number, i: number): number {
  return pointerAt(io, slotAt(position, i), Tag.KV_PAIR, 'leaf');
}

/** The count of entries under child `i` of the branch at `position` (checked below 2^53). */
export function countAt(io: BlockIO, position: number, i: number): number {
  return io.readU64(position + COUNTS_OFFSET + 8 * i);
}

/** Compares separator `i` of the branch at `position` with `key` (see compareKey). */
function compareSeparatorAt(io: BlockIO, position: number, i: number, key: Uint8Array): number {
  const at = position + SEPARATORS_OFFSET + SLOT_SIZE * i;
  const storage = io.storage;
  const offset = storage.locate(at, SLOT_SIZE);
  const view = storage.view;
  const tagByte = view.getUint8(offset);
  return compareKeyParts(io, tagByte & 0x7f, (tagByte & 0x80) !== 0, view.getUint32(offset + 1), view.getUint32(offset + 5), key, at);
}

/**
 * In the branch at `position` with `num` children, the child whose range
 * holds `key`: the last i with separators[i] <= key, or 0 (separators[0] is
 * unused). Binary search over the separators, which ascend.
 */
export function childForKey(io: BlockIO, position: number, num: number, key: Uint8Array): number {
  let low = 1;
  let high = num - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (compareSeparatorAt(io, position, mid, key) <= 0) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/**
 * In the leaf at `position` with `num` entries, the first entry whose key is
 * at or after `key` (`num` when none), times two, plus one when its key
 * equals `key` (no object per search).
 */
export function entryForKey(io: BlockIO, position: number, num: number, key: Uint8Array): number {
  let low = 0;
  let high = num - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const cmp = compareEntry(io, kvAt(io, position, mid), key);
    if (cmp === 0) return 2 * mid + 1;
    if (cmp < 0) low = mid + 1;
    else high = mid - 1;
  }
  return 2 * low;
}
