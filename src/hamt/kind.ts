// The descriptors of the four hash map kinds (FORMAT.md §Hash maps, §Counted
// structures): a map or set, counted or not. A map's record is its root index
// block, preceded by a u64 entry count when counted.

import { COUNT_SIZE, INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import type { RecordVisitor, StructureKind, ValueSink } from '../core/kind.js';
import type { StructureTag } from '../core/structures.js';
import { kvPairSize } from './hash-map.js';

/**
 * Offers every index block and kv pair below the root block at `root`, and
 * hands on each pair's key slot and (maps only: readers ignore a set's value
 * slots) value slot. An index or kv pair slot is followed only inside a map,
 * as readers do. Iterative; the trie's depth is bounded by the hash size.
 */
function mapRecords(io: BlockIO, root: number, isSet: boolean, visit: RecordVisitor, values: ValueSink): void {
  const hashSize = io.hashSize;
  const kvSize = kvPairSize(hashSize);
  const blocks = [root];
  while (blocks.length > 0) {
    const at = blocks.pop() as number;
    for (let i = 0; i < SLOT_COUNT; i++) {
      const child = io.readSlot(at + i * SLOT_SIZE);
      if (child.tag === Tag.INDEX) {
        if (visit(child.position, INDEX_BLOCK_SIZE)) blocks.push(child.position);
      } else if (child.tag === Tag.KV_PAIR && visit(child.position, kvSize)) {
        values(io.readSlot(child.position + hashSize));
        if (!isSet) values(io.readSlot(child.position + hashSize + SLOT_SIZE));
      }
    }
  }
}

function mapKind(tag: StructureTag, counted: boolean, isSet: boolean, described: string): StructureKind {
  const recordSize = counted ? COUNT_SIZE + INDEX_BLOCK_SIZE : INDEX_BLOCK_SIZE;
  const rootOffset = counted ? COUNT_SIZE : 0;
  return {
    tag,
    name: tagName(tag),
    described,
    family: isSet ? 'set' : 'map',
    counted,
    recordSize,
    create: (io) => io.appendZeros(recordSize),
    copyTop: (io, position, from) => io.copyToEnd(io.checkPointer(position, recordSize, from), recordSize),
    records: (io, position, visit, values) => mapRecords(io, position + rootOffset, isSet, visit, values),
  };
}

/** FORMAT.md §Hash maps: a map stored from a plain object. */
export const HASH_MAP_KIND = mapKind(Tag.HASH_MAP, false, false, 'a map');
/** FORMAT.md §Hash maps: a set, a map whose values are empty. */
export const HASH_SET_KIND = mapKind(Tag.HASH_SET, false, true, 'a set');
/** FORMAT.md §Counted structures: a map whose record starts with its entry count. */
export const COUNTED_HASH_MAP_KIND = mapKind(Tag.COUNTED_HASH_MAP, true, false, 'a map');
/** FORMAT.md §Counted structures: a set whose record starts with its member count. */
export const COUNTED_HASH_SET_KIND = mapKind(Tag.COUNTED_HASH_SET, true, true, 'a set');
