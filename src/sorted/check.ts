// The sorted map's shape checker: the invariants of FORMAT.md §Sorted maps as
// code, stricter than verifyDatabase (which accepts what any xitdb writer may
// write) in that it also checks the shape this build and xitdb-java write:
// branches below the root hold at least SPLIT_LEFT children, a root branch at
// least 2, and unused slots are empty. Tests run it after every step.

import type { BlockIO } from '../core/block-io.js';
import { BRANCH, NODE_CAPACITY, SORTED_DEPTH_MAX, SPLIT_LEFT, readNode, readSortedHeader } from './node.js';
import { compareBytes } from './verify.js';
import { readBytesValue } from '../core/bytes-values.js';
import type { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';

/**
 * Every way the sorted map whose header is at `header` breaks its invariants,
 * as sentences; empty when it is sound. O(n) reads; the map must not be
 * damaged beyond what the sentences describe (a node that cannot be read throws).
 */
export function checkSortedTree(io: BlockIO, header: number): string[] {
  const problems: string[] = [];
  const { count, root } = readSortedHeader(io, header, header);
  let leafDepth = -1;
  let last: Uint8Array | undefined;
  const keyOf = (slot: Slot): Uint8Array => readBytesValue(io, slot, -1).bytes;
  const walk = (position: number, depth: number, lower: Uint8Array | undefined, upper: Uint8Array | undefined): number => {
    if (depth > SORTED_DEPTH_MAX) {
      problems.push(`deeper than ${SORTED_DEPTH_MAX} at ${position}`);
      return 0;
    }
    const node = readNode(io, position, position);
    for (let i = node.num; i < NODE_CAPACITY; i++) {
      if (!node.slots[i]!.isEmpty) problems.push(`node ${position}: slot ${i} past num ${node.num} is not empty`);
      if (node.kind === BRANCH && node.counts[i] !== 0) problems.push(`branch ${position}: count ${i} past num is not 0`);
      if (node.kind === BRANCH && !node.separators[i]!.isEmpty) problems.push(`branch ${position}: separator ${i} past num is not empty`);
    }
    if (node.kind !== BRANCH) {
      if (leafDepth < 0) leafDepth = depth;
      else if (leafDepth !== depth) problems.push(`leaf ${position} at depth ${depth}, another at ${leafDepth}`);
      for (let i = 0; i < node.num; i++) {
        const kv = node.slots[i]!.position;
        const keySlot = io.readSlot(kv + io.hashSize);
        if (keySlot.tag !== Tag.SHORT_BYTES && keySlot.tag !== Tag.BYTES) {
          problems.push(`kv ${kv}: key is not bytes`);
          continue;
        }
        const key = keyOf(keySlot);
        if (last !== undefined && compareBytes(last, key) >= 0) problems.push(`kv ${kv}: key out of order`);
        if (lower !== undefined && compareBytes(key, lower) < 0) problems.push(`kv ${kv}: key before its separator`);
        if (upper !== undefined && compareBytes(key, upper) >= 0) problems.push(`kv ${kv}: key at or after the next separator`);
        if (io.readBytes(kv, io.hashSize).some((byte) => byte !== 0)) problems.push(`kv ${kv}: hash field is not zero`);
        last = key;
      }
      return node.num;
    }
    const minimum = depth === 0 ? 2 : SPLIT_LEFT;
    if (node.num < minimum) problems.push(`branch ${position} at depth ${depth} holds ${node.num} children, fewer than ${minimum}`);
    let total = 0;
    for (let i = 0; i < node.num; i++) {
      const low = i === 0 ? lower : keyOf(node.separators[i]!);
      const high = i + 1 < node.num ? keyOf(node.separators[i + 1]!) : upper;
      if (low !== undefined && high !== undefined && compareBytes(low, high) >= 0) problems.push(`branch ${position}: separators ${i} and ${i + 1} do not ascend`);
      const below = walk(node.slots[i]!.position, depth + 1, low, high);
      if (below !== node.counts[i]) problems.push(`branch ${position}: count ${i} is ${node.counts[i]}, the child holds ${below}`);
      total += below;
    }
    return total;
  };
  const total = walk(root, 0, undefined, undefined);
  if (total !== count) problems.push(`header counts ${count}, the tree holds ${total}`);
  return problems;
}
