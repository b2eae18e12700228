// The sorted map's and sorted set's descriptors (FORMAT.md §Sorted maps): a
// 16-byte header (count, root node position) over a B+tree of leaf nodes
// (146 bytes) and branch nodes (418 bytes).

import { CorruptDatabaseError } from '../errors.js';
import { Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import type { RecordVisitor, StructureKind, ValueSink } from '../core/kind.js';
import type { StructureTag } from '../core/structures.js';
import { BRANCH, LEAF_SIZE, SORTED_DEPTH_MAX, SORTED_HEADER_SIZE, nodeSlotPosition, readNode } from './node.js';

/**
 * Offers every node and kv pair below the header at `position`, and hands on
 * each key slot, each separator (it may name the record of a key removed
 * since) and, for maps, each value slot. Iterative, at most SORTED_DEPTH_MAX deep.
 */
function sortedRecords(io: BlockIO, position: number, isSet: boolean, visit: RecordVisitor, values: ValueSink): void {
  const kvSize = io.hashSize + 18;
  const pending: Array<{ position: number; depth: number; from: number }> = [{ position: io.readU64(position + 8), depth: 0, from: position + 8 }];
  while (pending.length > 0) {
    const { position: at, depth, from } = pending.pop() as { position: number; depth: number; from: number };
    if (depth > SORTED_DEPTH_MAX) throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, from);
    const node = readNode(io, at, from);
    if (!visit(at, node.size())) continue;
    for (let i = 0; i < node.num; i++) {
      const slot = node.slots[i]!;
      if (node.kind === BRANCH) {
        if (i > 0) values(node.separators[i]!);
        pending.push({ position: slot.position, depth: depth + 1, from: nodeSlotPosition(at, i) });
      } else if (visit(io.checkPointer(slot.position, kvSize, nodeSlotPosition(at, i)), kvSize)) {
        values(io.readSlot(slot.position + io.hashSize));
        if (!isSet) values(io.readSlot(slot.position + io.hashSize + 9));
      }
    }
  }
}

function sortedKind(tag: StructureTag, isSet: boolean): StructureKind {
  return {
    tag,
    name: tagName(tag),
    described: isSet ? 'a sorted set' : 'a sorted map',
    family: isSet ? 'sorted-set' : 'sorted-map',
    counted: false,
    recordSize: SORTED_HEADER_SIZE,
    create(io) {
      // An empty leaf, then the header pointing at it, as xitdb-java writes them.
      const leaf = io.appendZeros(LEAF_SIZE);
      const header = io.appendZeros(SORTED_HEADER_SIZE);
      io.writeU64(header + 8, leaf);
      return header;
    },
    // Only the header changes in place; nodes are copied by the operations that change them.
    copyTop: (io, position, from) => io.copyToEnd(io.checkPointer(position, SORTED_HEADER_SIZE, from), SORTED_HEADER_SIZE),
    records: (io, position, visit, values) => sortedRecords(io, position, isSet, visit, values),
  };
}

/** FORMAT.md §Sorted maps: keys in byte order, each with a value. */
export const SORTED_MAP_KIND = sortedKind(Tag.SORTED_MAP, false);
/** FORMAT.md §Sorted maps: a sorted map whose values are empty. */
export const SORTED_SET_KIND = sortedKind(Tag.SORTED_SET, true);
