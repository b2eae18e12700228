// The one reachability walk: every record a value reaches (blocks, headers, kv
// pairs, byte values), each distinct record offered once to a visitor that
// decides whether to descend. The structure kinds' descriptors (src/kinds/)
// say what lies below each record, so the walk itself knows no structure.
// Used by stats (reachable bytes) and by recovery (does the latest commit end
// where its header says?). Iterative over values; each kind's own descent is
// bounded by the format.

import { FORMAT_TAG_SIZE, LONG_BYTES_LENGTH_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { Slot } from '../format/slot.js';
import type { BlockIO } from '../core/block-io.js';
import { structureKind, type RecordVisitor } from '../kinds/table.js';

export type { RecordVisitor };

/**
 * Offers every record reachable from `root` to `visit`, depth first, each
 * distinct position once however many slots point at it (moments, clones,
 * self-concatenated lists), which bounds the work on shared data and ends the
 * walk on damaged (cyclic) data. A record the visitor refuses (returns false
 * for) is not descended into, and is not offered again. Map blocks are walked
 * where they are found, so an index or kv pair slot is followed only inside a
 * map, as readers do, and a set's value slots (which readers ignore) not at
 * all. Array list slots past the count (left by a slice) are skipped.
 *
 * Cost: O(distinct records) time, O(distinct records) memory for the set of
 * positions seen.
 *
 * @throws CorruptDatabaseError when a record lies past the data
 */
export function walkRecords(io: BlockIO, root: Slot, visit: RecordVisitor): void {
  const seen = new Set<number>();
  const once: RecordVisitor = (position, size) => {
    if (seen.has(position)) return false;
    seen.add(position);
    return visit(position, size);
  };
  const slots: Slot[] = [root];
  const push = (slot: Slot): void => {
    slots.push(slot);
  };
  while (slots.length > 0) {
    const slot = slots.pop() as Slot;
    if (slot.tag === Tag.BYTES) {
      const length = io.readU64(slot.position);
      once(slot.position, LONG_BYTES_LENGTH_SIZE + length + (slot.full ? FORMAT_TAG_SIZE : 0));
      continue;
    }
    const kind = structureKind(slot.tag);
    if (kind !== undefined && once(slot.position, kind.recordSizeAt?.(io, slot.position) ?? kind.recordSize)) kind.records(io, slot.position, once, push);
  }
}
