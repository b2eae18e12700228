// Reading ahead in walks over kv pairs (FORMAT.md §Hash maps, §Sorted maps):
// before a walk hands out a batch of pairs, it touches the records the caller
// will read, in two tight passes: each kv pair's key and value slots, then a
// byte of each long key and value record those slots point to. Pairs and their
// records lie where they were written, not in the walk's order, so each read
// is a cache miss of its own; touched together, a batch's misses overlap
// instead of coming one after another.
//
// A touch only reads: every bound is checked and every odd slot is skipped,
// and what it finds is never used, so damage is still reported by the real
// read that follows, with its own error.

import { SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { BlockIO } from './block-io.js';

/** Where the slot at `offset` of `bytes` points when it carries `tag` and `size` bytes from there fit below `end`; else -1. */
export function pointerIn(bytes: Uint8Array, offset: number, tag: number, size: number, end: number): number {
  if (((bytes[offset] as number) & 0x7f) !== tag) return -1;
  const hi = (((bytes[offset + 1] as number) << 24) | ((bytes[offset + 2] as number) << 16) | ((bytes[offset + 3] as number) << 8) | (bytes[offset + 4] as number)) >>> 0;
  if (hi >= 0x200000) return -1;
  const lo = (((bytes[offset + 5] as number) << 24) | ((bytes[offset + 6] as number) << 16) | ((bytes[offset + 7] as number) << 8) | (bytes[offset + 8] as number)) >>> 0;
  const position = hi * TWO_POW_32 + lo;
  return position + size <= end ? position : -1;
}

/**
 * Touches the kv pairs at `kvs[0..count)` (negative entries skipped), then
 * the long key and value records they point to.
 *
 * @returns a number made of the bytes read, for the caller to keep (so that the reads are not optimised away)
 */
export function touchPairs(io: BlockIO, kvs: Float64Array, count: number): number {
  const storage = io.storage;
  const end = storage.size();
  const slots = io.hashSize;
  let sink = 0;
  // First pass: the pairs' slots (independent reads, so their misses overlap).
  for (let k = 0; k < count; k++) {
    const kv = kvs[k] as number;
    if (kv < 0 || kv + slots + 2 * SLOT_SIZE > end) continue;
    const offset = storage.locate(kv + slots, 2 * SLOT_SIZE);
    sink += storage.bytes[offset] as number;
  }
  // Second pass: the last byte of the length of each long key and value (where their bytes start).
  for (let k = 0; k < count; k++) {
    const kv = kvs[k] as number;
    if (kv < 0 || kv + slots + 2 * SLOT_SIZE > end) continue;
    let offset = storage.locate(kv + slots, 2 * SLOT_SIZE);
    const bytes = storage.bytes;
    const key = pointerIn(bytes, offset, Tag.BYTES, 8, end);
    const value = pointerIn(bytes, offset + SLOT_SIZE, Tag.BYTES, 8, end);
    if (key >= 0) {
      offset = storage.locate(key + 7, 1);
      sink += storage.bytes[offset] as number;
    }
    if (value >= 0) {
      offset = storage.locate(value + 7, 1);
      sink += storage.bytes[offset] as number;
    }
  }
  return sink;
}
