// The check of a slot a caller hands the engine (writeSlot, appendSlot): it
// must hold a value, and a pointer must name a record of its kind inside this
// database's data (FORMAT.md §Tags, pointer tags).


import { CorruptDatabaseError, IncompatibleDatabaseError, InvalidArgumentError, StrataError } from '../errors.js';
import { ARRAY_LIST_HEADER_SIZE, COUNT_SIZE, FILE_HEADER_SIZE, INDEX_BLOCK_SIZE, LONG_BYTES_LENGTH_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { longBytesLength } from '../core/bytes-values.js';
import type { BlockIO } from '../core/block-io.js';
import { isCounted, mapRootOf } from '../core/structures.js';
import { readListHeader } from '../trie/array-list.js';
import { checkLinkedListHeader } from '../kinds/linked-list-kind.js';
import { BTREE_HEADER_SIZE } from '../btree-list/node.js';
import { WriteCursor } from './write-cursor.js';
import { SORTED_HEADER_SIZE, readSortedHeader } from '../sorted/node.js';
import { readChecked } from '../sorted/read.js';

/**
 * The checks of {@link WriteCursor.writeSlot}: `slot` holds a value, and a
 * pointer names a record of its kind inside `io`'s data (FORMAT.md §Tags,
 * pointer tags). Reads at most one index block; writes nothing.
 *
 * @throws InvalidArgumentError otherwise
 */
export function checkValueSlot(io: BlockIO, slot: Slot, what = 'writeSlot'): void {
  const tag = slot.tag;
  switch (tag) {
    case Tag.NONE:
    case Tag.SHORT_BYTES:
    case Tag.UINT:
    case Tag.INT:
    case Tag.FLOAT:
      return;
    case Tag.BYTES:
    case Tag.ARRAY_LIST:
    case Tag.LINKED_ARRAY_LIST:
    case Tag.HASH_MAP:
    case Tag.HASH_SET:
    case Tag.COUNTED_HASH_MAP:
    case Tag.COUNTED_HASH_SET:
    case Tag.SORTED_MAP:
    case Tag.SORTED_SET:
      break;
    default:
      throw new InvalidArgumentError(
        `${what} takes a value, and a ${tagName(tag)} slot (tag ${tag}) is not a value: ${tag === Tag.INDEX || tag === Tag.KV_PAIR ? 'it only appears inside maps and lists' : 'this build never writes it'} (FORMAT.md §Tags)`,
      );
  }
  const position = slot.position;
  const size = tag === Tag.SORTED_MAP || tag === Tag.SORTED_SET ? SORTED_HEADER_SIZE : tag === Tag.BYTES ? LONG_BYTES_LENGTH_SIZE : tag === Tag.ARRAY_LIST ? ARRAY_LIST_HEADER_SIZE : tag === Tag.LINKED_ARRAY_LIST ? BTREE_HEADER_SIZE : isCounted(tag) ? COUNT_SIZE + INDEX_BLOCK_SIZE : INDEX_BLOCK_SIZE;
  const end = io.end();
  if (position < FILE_HEADER_SIZE || position + size > end) {
    throw new InvalidArgumentError(`the ${tagName(tag)} slot points at ${position}, outside this database's data (${FILE_HEADER_SIZE} to ${end} bytes): was it read from another database?`);
  }
  try {
    switch (tag) {
      case Tag.BYTES:
        longBytesLength(io, slot, -1);
        return;
      case Tag.ARRAY_LIST:
        readListHeader(io, position);
        return;
      case Tag.LINKED_ARRAY_LIST:
        checkLinkedListHeader(io, position);
        return;
      case Tag.SORTED_MAP:
      case Tag.SORTED_SET: {
        // The header and its root node: the node's kind, entry count and slot tags, and its entries against the count.
        const header = readSortedHeader(io, position, -1);
        readChecked(io, header.root, position + 8, 0, header.count);
        return;
      }
      default:
        checkMapRoot(io, mapRootOf(tag, position));
    }
  } catch (error) {
    // A structure of this database that this build cannot read (a second-generation list) is that, not a foreign slot.
    if (!(error instanceof StrataError) || error instanceof IncompatibleDatabaseError) throw error;
    throw new InvalidArgumentError(`the ${tagName(tag)} slot points at ${position}, where this database holds no ${tagName(tag)} (${error.message}): was it read from another database?`);
  }
}

/** A map's or set's root index block holds only empty, index and kv_pair slots (FORMAT.md §Hash maps). */
function checkMapRoot(io: BlockIO, block: number): void {
  for (let i = 0; i < SLOT_COUNT; i++) {
    const child = io.readSlot(block + i * SLOT_SIZE);
    if (child.tag !== Tag.NONE && child.tag !== Tag.INDEX && child.tag !== Tag.KV_PAIR) {
      throw new CorruptDatabaseError(`slot ${i} of the block holds a ${tagName(child.tag)}, which a map's index block never does`, block + i * SLOT_SIZE);
    }
    if (child.tag !== Tag.NONE) io.checkPointer(child.position, child.tag === Tag.INDEX ? INDEX_BLOCK_SIZE : io.hashSize + 2 * SLOT_SIZE, block + i * SLOT_SIZE);
  }
}
