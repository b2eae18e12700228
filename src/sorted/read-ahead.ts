// Reading ahead in a sorted map walk: when a walk enters a leaf (the first
// one at its second entry, so that a walk taken for one entry, as seek and at
// take, reads no more), it touches the records of the entries it will take
// from that leaf, together
// (core/read-ahead.ts): a scan in key order meets pairs and keys written in
// any order, each a cache miss of its own, and touched together those misses
// overlap (100-entry scans of a 1,000,000-key memory map, keys read as text:
// about 1.5 times as fast).

import { SLOT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { pointerIn, touchPairs } from '../core/read-ahead.js';
import { NODE_CAPACITY } from './node.js';
import { slotAt } from './access.js';

/** The kv pairs of one leaf that a read-ahead touches; reused by every walk (walks are synchronous). */
const kvs = new Float64Array(NODE_CAPACITY);

/**
 * Touches the records of `count` entries of the leaf at `leaf`, from entry
 * `index` in the direction `step` (1 or -1). The leaf must have been entered
 * (its kind, count and extent checked) and hold those entries.
 *
 * @returns a number made of the bytes read, for the caller to keep
 */
export function readAhead(io: BlockIO, leaf: number, index: number, step: number, count: number): number {
  const storage = io.storage;
  const end = storage.size();
  const first = step > 0 ? index : index - count + 1;
  const offset = storage.locate(slotAt(leaf, first), SLOT_SIZE * count);
  const bytes = storage.bytes;
  for (let k = 0; k < count; k++) kvs[k] = pointerIn(bytes, offset + SLOT_SIZE * k, Tag.KV_PAIR, io.hashSize + 2 * SLOT_SIZE, end);
  return touchPairs(io, kvs, count);
}
