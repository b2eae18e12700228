// Operational numbers about a database: sizes, moments, and (on demand) how
// many bytes the latest moment can reach, so users can see what history costs.

import { ARRAY_LIST_HEADER_SIZE, COUNT_SIZE, FORMAT_TAG_SIZE, INDEX_BLOCK_SIZE, LONG_BYTES_LENGTH_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { Slot } from '../format/slot.js';
import { kvPairSize } from '../hamt/hash-map.js';
import { readListHeader, shiftForCount } from '../trie/array-list.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import type { BlockIO } from '../core/block-io.js';
import type { Engine } from './engine.js';
import { requireOptions } from '../core/arguments.js';

/** Sizes and counts of a database. */
export interface DatabaseStats {
  /**
   * Bytes in the storage now. Past the committed size lie an unfinished or
   * abandoned transaction, and, for a reader of a file that another process
   * writes, the zeros that writer reserved ahead of its appends (preallocation).
   */
  readonly fileSize: number;
  /** Bytes that belong to committed moments. */
  readonly committedSize: number;
  /** Moments in the history. */
  readonly moments: number;
  /**
   * Bytes of distinct records the latest moment reaches (its values, keys,
   * blocks and headers), when asked for with `reachable: true`; the rest of the
   * committed size is history and garbage. O(size of the latest moment).
   */
  readonly reachableBytes?: number;
}

/**
 * The database's numbers. O(1) unless `reachable` is set.
 *
 * @param engine - an open database
 * @param options - `reachable: true` also walks the latest moment
 */
export function databaseStats(engine: Engine, options: { reachable?: boolean } = {}): DatabaseStats {
  requireOptions(options, 'stats');
  const base = {
    fileSize: engine.storage.size(),
    committedSize: engine.committedSize,
    moments: engine.hasHistory ? engine.momentCount() : 0,
  };
  if (options.reachable !== true) return base;
  const root = engine.hasHistory ? (engine.momentCount() > 0 ? engine.moment(-1).slot : undefined) : engine.rootMap().slot;
  return { ...base, reachableBytes: root === undefined ? 0 : reachableBytes(engine.io, root) };
}

/**
 * Sums the sizes of the distinct records reachable from `root`. Each record
 * counts once however many slots point at it (clones, undo, self-concatenated
 * lists), which also bounds the walk on damaged data.
 */
export function reachableBytes(io: BlockIO, root: Slot): number {
  const seen = new Set<number>();
  let total = 0;
  const take = (position: number, size: number): boolean => {
    if (seen.has(position)) return false;
    seen.add(position);
    total += size;
    return true;
  };
  // Value slots to visit; map blocks are walked where they are found, so an
  // index or kv pair slot is followed only inside a map, as readers do, and a
  // set's value slots (which readers ignore) not at all.
  const slots: Slot[] = [root];
  const kvSize = kvPairSize(io.hashSize);
  const walkMap = (block: number, isSet: boolean): void => {
    const blocks = [block];
    while (blocks.length > 0) {
      const at = blocks.pop() as number;
      for (let i = 0; i < SLOT_COUNT; i++) {
        const child = io.readSlot(at + i * SLOT_SIZE);
        if (child.tag === Tag.INDEX) {
          if (take(child.position, INDEX_BLOCK_SIZE)) blocks.push(child.position);
        } else if (child.tag === Tag.KV_PAIR && take(child.position, kvSize)) {
          slots.push(io.readSlot(child.position + io.hashSize));
          if (!isSet) slots.push(io.readSlot(child.position + io.hashSize + SLOT_SIZE));
        }
      }
    }
  };
  while (slots.length > 0) {
    const slot = slots.pop() as Slot;
    switch (slot.tag) {
      case Tag.BYTES: {
        const length = io.readU64(slot.position);
        take(slot.position, LONG_BYTES_LENGTH_SIZE + length + (slot.full ? FORMAT_TAG_SIZE : 0));
        break;
      }
      case Tag.HASH_MAP:
      case Tag.HASH_SET:
      case Tag.COUNTED_HASH_MAP:
      case Tag.COUNTED_HASH_SET: {
        const counted = slot.tag === Tag.COUNTED_HASH_MAP || slot.tag === Tag.COUNTED_HASH_SET;
        if (!take(slot.position, counted ? COUNT_SIZE + INDEX_BLOCK_SIZE : INDEX_BLOCK_SIZE)) break;
        walkMap(counted ? slot.position + COUNT_SIZE : slot.position, slot.tag === Tag.HASH_SET || slot.tag === Tag.COUNTED_HASH_SET);
        break;
      }
      case Tag.ARRAY_LIST: {
        if (!take(slot.position, ARRAY_LIST_HEADER_SIZE)) break;
        const header = readListHeader(io, slot.position);
        if (header.count === 0) {
          take(header.root, INDEX_BLOCK_SIZE);
          break;
        }
        walkListBlock(io, header.root, shiftForCount(header.count), 0, header.count, slots, take);
        break;
      }
      case Tag.LINKED_ARRAY_LIST: {
        if (!take(slot.position, LINKED_LIST_HEADER_SIZE)) break;
        const header = readLinkedListHeader(io, slot.position);
        walkLinkedBlock(io, header.root, header.shift, slots, take);
        break;
      }
      default:
        break;
    }
  }
  return total;
}

type Take = (position: number, size: number) => boolean;

/**
 * Counts an array list block covering items from `first`, and queues the items
 * below `count`: slots past the count (left by a slice) belong to no item.
 */
function walkListBlock(io: BlockIO, block: number, shift: number, first: number, count: number, slots: Slot[], take: Take): void {
  if (!take(block, INDEX_BLOCK_SIZE)) return;
  const span = 16 ** shift;
  for (let i = 0; i < SLOT_COUNT && first + i * span < count; i++) {
    const child = io.readSlot(block + i * SLOT_SIZE);
    if (shift === 0) slots.push(child);
    else if (child.tag === Tag.INDEX) walkListBlock(io, child.position, shift - 1, first + i * span, count, slots, take);
  }
}

function walkLinkedBlock(io: BlockIO, block: number, shift: number, slots: Slot[], take: Take): void {
  if (!take(block, LINKED_BLOCK_SIZE)) return;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const child = io.readSlot(block + i * LINKED_SLOT_SIZE);
    if (child.isEmpty) continue;
    if (shift === 0) slots.push(child);
    else if (child.tag === Tag.INDEX) walkLinkedBlock(io, child.position, shift - 1, slots, take);
  }
}
