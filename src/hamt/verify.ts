// The hash map kinds' checker (FORMAT.md §Hash maps, §Counted structures), run
// by verifyDatabase through each kind's descriptor: slot tags, depth, each kv
// pair's hash against its place in the trie and against the hash of its stored
// key, collapsed branches, and counted structures' counts against their entries.

import { INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { DONE, FAILED, KV_PAIR_BLOCK, MAP_BLOCK, ONE_ENTRY, keySegment, type BlockInfo, type PathNode, type VerifyContext, type Walk, type WalkResult } from '../core/verify-context.js';
import { hashNibble, kvPairSize } from './hash-map.js';
import { hexOf as hex } from '../base/byte-text.js';

const NIBBLE_DIGITS = '0123456789abcdef';

/**
 * Checks a map or set whose record (`recordSize` bytes, its root block
 * `rootOffset` bytes in, after the count of a counted one) the slot at `from`
 * points at: the trie below, and a counted one's stored count against its
 * entries.
 */
export function* verifyMap(ctx: VerifyContext, slot: Slot, from: number, path: PathNode, recordSize: number, rootOffset: number, isSet: boolean): Walk {
  const position = ctx.target(slot, recordSize, from, path);
  if (position < 0) return DONE;
  const result = yield { walk: walkMapBlock(ctx, position + rootOffset, 0, '', from, path, isSet, true), from, path };
  if (rootOffset === 0) return DONE;
  ctx.countRecord();
  const count = ctx.u64At(position, 'a counted structure count', path);
  // A count is only judged against a trie that was read completely.
  if (count >= 0 && result.complete && count !== result.count) {
    ctx.report(position, `a ${tagName(slot.tag)} stores the count ${count} but holds ${result.count} entries`, path);
  }
  return DONE;
}

/**
 * Walks one map index block at trie `level`, reached by the hash nibbles in
 * `prefix`. The depth is bounded by the hash's nibble count (at most 128).
 *
 * @returns the entries below, and whether every one of them could be read
 */
export function* walkMapBlock(ctx: VerifyContext, position: number, level: number, prefix: string, from: number, path: PathNode, isSet: boolean, isRoot: boolean): Walk {
  const seen = ctx.blocks.get(position);
  if (seen !== undefined) {
    if (seen.kind === MAP_BLOCK && seen.level === level && seen.prefix === prefix && !seen.onPath) return seen;
    ctx.reportRevisit(seen, from, path);
    return FAILED;
  }
  const info: BlockInfo = { kind: MAP_BLOCK, level, prefix, onPath: true, count: 0, complete: true };
  ctx.blocks.set(position, info);
  ctx.countRecord();
  const levels = 2 * ctx.io.hashSize;
  let count = 0;
  let complete = true;
  let used = 0;
  let lastTag: number = Tag.NONE;
  try {
    for (let i = 0; i < SLOT_COUNT; i++) {
      const slotPosition = position + SLOT_SIZE * i;
      const slot = ctx.slotAt(slotPosition, path);
      if (slot === undefined) {
        complete = false;
        continue;
      }
      if (slot.tag === Tag.NONE) continue;
      used++;
      lastTag = slot.tag;
      const childPrefix = prefix + NIBBLE_DIGITS[i];
      let below: WalkResult = FAILED;
      if (slot.tag === Tag.INDEX) {
        if (level + 1 >= levels) {
          ctx.report(slotPosition, `a map is deeper than its ${levels} hash nibbles allow`, path);
        } else {
          const child = ctx.target(slot, INDEX_BLOCK_SIZE, slotPosition, path);
          if (child >= 0) below = yield { walk: walkMapBlock(ctx, child, level + 1, childPrefix, slotPosition, path, isSet, false), from: slotPosition, path };
        }
      } else if (slot.tag === Tag.KV_PAIR) {
        const kv = ctx.target(slot, kvPairSize(ctx.io.hashSize), slotPosition, path);
        if (kv >= 0) below = yield { walk: walkKvPair(ctx, kv, childPrefix, slotPosition, path, isSet), from: kv, path };
      } else {
        ctx.report(slotPosition, `a map index block holds a ${tagName(slot.tag)} slot`, path);
      }
      count += below.count;
      complete &&= below.complete;
    }
  } finally {
    // Even when the walk below ended early, this block is no longer on the path.
    info.onPath = false;
  }
  info.count = count;
  info.complete = complete;
  // FORMAT.md §Hash maps, remove: such a block collapses into its parent, so a map's shape depends only on its keys.
  if (!isRoot && (used === 0 || (used === 1 && lastTag === Tag.KV_PAIR))) {
    ctx.report(position, `a map index block below the root holds ${used === 0 ? 'nothing' : 'a single kv pair'}; it should have collapsed into its parent`, path);
  }
  return info;
}

/**
 * Checks one kv pair: its hash against the nibbles that led to it and against
 * the hash of its stored key; walks its value (maps) and any non-bytes key.
 *
 * @returns a count of 1: one entry of the map
 */
function* walkKvPair(ctx: VerifyContext, kv: number, prefix: string, from: number, path: PathNode, isSet: boolean): Walk {
  const hashSize = ctx.io.hashSize;
  ctx.step();
  const hash = ctx.io.readBytes(kv, hashSize);
  for (let level = 0; level < prefix.length; level++) {
    const expected = parseInt(prefix.charAt(level), 16);
    if (hashNibble(hash, level) !== expected) {
      ctx.report(kv, `a kv pair's hash ${hex(hash)} does not belong here: its nibble ${level} is ${hashNibble(hash, level).toString(16)}, the trie path says ${expected.toString(16)}`, path);
      break;
    }
  }
  const seen = ctx.blocks.get(kv);
  if (seen !== undefined) {
    // The same pair in two versions of a map is normal sharing; anything else is damage.
    if (seen.kind !== KV_PAIR_BLOCK || seen.onPath) {
      ctx.reportRevisit(seen, from, path);
      return FAILED;
    }
    return ONE_ENTRY;
  }
  const info: BlockInfo = { kind: KV_PAIR_BLOCK, level: 0, prefix: '', onPath: true, count: 1, complete: true };
  ctx.blocks.set(kv, info);
  ctx.countRecord();
  try {
    const keyPosition = kv + hashSize;
    const keySlot = ctx.slotAt(keyPosition, path);
    if (keySlot === undefined) return ONE_ENTRY;
    let segment: string;
    if (keySlot.tag === Tag.SHORT_BYTES || keySlot.tag === Tag.BYTES) {
      const key = ctx.keyBytes(keySlot, keyPosition, path);
      if (key === undefined) return ONE_ENTRY;
      segment = keySegment(key.bytes, isSet);
      // A tagged key may be stored under this build's hash or an earlier convention's (FORMAT.md §Hashing, tagged keys).
      const keyHashes = ctx.keyHashes(key, keySlot.tag === Tag.BYTES ? keySlot.position : undefined, kv, path);
      if (keyHashes !== undefined && !keyHashes.some((keyHash) => sameBytes(keyHash, hash))) {
        ctx.report(kv, `a kv pair's stored hash ${hex(hash)} is not the hash of its key ${segment} (${hex(keyHashes[0] as Uint8Array)})`, path);
      }
    } else {
      // FORMAT.md §Hash maps, key identity: an empty (or non-bytes) key is matched by hash alone.
      segment = isSet ? `{#${hex(hash)}}` : `[#${hex(hash)}]`;
      if (keySlot.tag !== Tag.NONE) yield ctx.value(keySlot, keyPosition, path, `${segment}.key`);
    }
    const valuePosition = keyPosition + SLOT_SIZE;
    // Read even in a set, whose member values readers ignore: an unknown tag there is still
    // refused by every reader that decodes the pair (FORMAT.md §Tags), so it is reported.
    const valueSlot = ctx.slotAt(valuePosition, path);
    if (valueSlot !== undefined && !isSet) yield ctx.value(valueSlot, valuePosition, path, segment);
  } finally {
    info.onPath = false;
  }
  return ONE_ENTRY;
}


function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
