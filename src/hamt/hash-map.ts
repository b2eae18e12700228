// The hash array mapped trie behind hash maps and sets (FORMAT.md §Hash maps):
// lookup, insert, remove with branch collapse, and iteration. Level k of the
// trie is chosen by nibble k of the key's hash, counted from the least
// significant end of the big-endian hash.
//
// Key identity: every key this build writes stores its bytes in the kv pair's
// key slot, and lookups compare them, so two keys that share a hash are never
// confused. Two different keys with the same full hash cannot both live in one
// map in this format; inserting the second raises HashCollisionError. A kv pair
// whose key slot is empty (written by other implementations that store only the
// hash) is matched by hash alone.

import { CorruptDatabaseError, HashCollisionError } from '../errors.js';
import { INDEX_BLOCK_SIZE, SLOT_SIZE, SLOT_COUNT } from '../format/constants.js';
import { Slot, writeSlotInto } from '../format/slot.js';
import { FULL_FLAG, TAG_MASK, Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { bytesEqualSlot, bytesSlot, shortBytesEqual } from '../core/bytes-values.js';
import { touchPairs } from '../core/read-ahead.js';
import type { TaggedBytes } from '../format/bytes.js';

/**
 * FORMAT.md §Kv pair: hash, key slot, value slot.
 *
 * @param hashSize - bytes per hash
 */
export function kvPairSize(hashSize: number): number {
  return hashSize + 2 * SLOT_SIZE;
}

/**
 * The trie level's nibble of a hash (FORMAT.md §Hash maps, nibble order).
 *
 * @param hash - the big-endian hash
 * @param level - 0 for the root
 */
export function hashNibble(hash: Uint8Array, level: number): number {
  const byte = hash[hash.length - 1 - (level >> 1)] ?? 0;
  return (level & 1) === 0 ? byte & 0x0f : byte >> 4;
}

function hashesEqualAt(io: BlockIO, position: number, hash: Uint8Array): boolean {
  const storage = io.storage;
  const offset = storage.locate(position, hash.length);
  const bytes = storage.bytes;
  for (let i = 0; i < hash.length; i++) if (bytes[offset + i] !== hash[i]) return false;
  return true;
}

/**
 * Whether the kv pair at `kvPosition` is the given key: the stored key bytes
 * decide when present; an empty key slot falls back to the hash, which the
 * caller has already matched, unless `strict` (a lookup under a fallback hash,
 * which other keys share, must see the key's bytes).
 */
function keyMatches(io: BlockIO, kvPosition: number, key: TaggedBytes | undefined, strict = false): boolean {
  if (key === undefined) return true;
  const at = kvPosition + io.hashSize;
  const offset = io.storage.locate(at, SLOT_SIZE);
  const view = io.storage.view;
  const tagByte = view.getUint8(offset);
  const tag = tagByte & TAG_MASK;
  // Short keys, the common case, compare without allocating.
  if (tag === Tag.SHORT_BYTES) return shortBytesEqual(view.getUint32(offset + 1), view.getUint32(offset + 5), (tagByte & 0x80) !== 0, key.bytes, key.formatTag);
  if (tag !== Tag.BYTES) return !strict;
  return bytesEqualSlot(io, io.readSlot(at), key.bytes, key.formatTag, at);
}

function maxLevels(io: BlockIO): number {
  return io.hashSize * 2;
}

/**
 * Finds a key. O(depth) slot reads, no writes.
 *
 * @param io - the database
 * @param root - position of the map's root index block
 * @param hash - the key's hash
 * @param key - the key's bytes and format tag, compared against the stored key; undefined to match by hash only
 * @param strict - when true, a pair whose key slot holds no bytes (stored by hash only) does not match
 * @returns the kv pair's position, or -1 when absent
 * @throws CorruptDatabaseError when the trie is malformed
 */
export function hamtFind(io: BlockIO, root: number, hash: Uint8Array, key: TaggedBytes | undefined, strict = false): number {
  const storage = io.storage;
  const levels = maxLevels(io);
  let block = root;
  for (let level = 0; level < levels; level++) {
    const slotPosition = block + SLOT_SIZE * hashNibble(hash, level);
    const offset = storage.locate(slotPosition, SLOT_SIZE);
    const view = storage.view;
    const tag = view.getUint8(offset) & TAG_MASK;
    if (tag === Tag.NONE) return -1;
    const hi = view.getUint32(offset + 1);
    const lo = view.getUint32(offset + 5);
    if (hi >= 0x200000) throw new CorruptDatabaseError('a map slot points beyond 2^53', slotPosition);
    const target = hi * 4294967296 + lo;
    if (tag === Tag.INDEX) {
      block = target;
      continue;
    }
    if (tag !== Tag.KV_PAIR) throw new CorruptDatabaseError(`a map index block holds a slot with tag ${tag}`, slotPosition);
    if (!hashesEqualAt(io, target, hash)) return -1;
    return keyMatches(io, target, key, strict) ? target : -1;
  }
  throw new CorruptDatabaseError(`a map is deeper than its ${levels} hash nibbles allow`, block);
}

/** What {@link hamtUpsert} found or made. */
export interface UpsertResult {
  /** Position of the kv pair, now mutable. */
  readonly kvPosition: number;
  /** True when the key was not there before. */
  readonly created: boolean;
}

/**
 * Finds a key for writing, creating its kv pair when absent. Every block on the
 * path that lies before tx start is copied to the end first (copy-on-write), so
 * committed moments never change. O(depth) reads and at most O(depth) block copies.
 *
 * @param io - the database, inside a transaction
 * @param root - the map's root index block, already mutable
 * @param hash - the key's hash
 * @param key - the key's bytes and format tag; compared, and stored in the key slot of a new pair
 * @throws HashCollisionError when a different key has the same full hash
 */
export function hamtUpsert(io: BlockIO, root: number, hash: Uint8Array, key: TaggedBytes | undefined): UpsertResult {
  const storage = io.storage;
  const tx = io.tx;
  const levels = maxLevels(io);
  let block = root;
  for (let level = 0; level < levels; level++) {
    const slotPosition = block + SLOT_SIZE * hashNibble(hash, level);
    // Decode the slot into locals: this loop runs once per level of every put.
    const offset = storage.locate(slotPosition, SLOT_SIZE);
    const tag = storage.view.getUint8(offset) & TAG_MASK;
    const hi = storage.view.getUint32(offset + 1);
    const target = hi * 4294967296 + storage.view.getUint32(offset + 5);
    if (tag !== Tag.NONE && hi >= 0x200000) throw new CorruptDatabaseError('a map slot points beyond 2^53', slotPosition);
    switch (tag) {
      case Tag.NONE: {
        // The key's long bytes, if any, go first; then the pair in one write.
        const keySlot = key === undefined ? Slot.EMPTY : bytesSlot(io, key.bytes, key.formatTag);
        const kvPosition = appendKvPair(io, hash, keySlot);
        io.writePointer(slotPosition, Tag.KV_PAIR, kvPosition);
        return { kvPosition, created: true };
      }
      case Tag.INDEX: {
        let next = io.checkPointer(target, INDEX_BLOCK_SIZE, slotPosition);
        if (!tx.isMutable(next)) {
          next = io.copyToEnd(next, INDEX_BLOCK_SIZE);
          io.writePointer(slotPosition, Tag.INDEX, next);
        }
        block = next;
        continue;
      }
      case Tag.KV_PAIR: {
        const existing = io.checkPointer(target, kvPairSize(io.hashSize), slotPosition);
        if (hashesEqualAt(io, existing, hash)) {
          if (!keyMatches(io, existing, key)) {
            throw new HashCollisionError('two different keys have the same full hash; this map cannot hold both (use a wider hash)');
          }
          let kvPosition = existing;
          if (!tx.isMutable(kvPosition)) {
            kvPosition = io.copyToEnd(existing, kvPairSize(io.hashSize));
            io.writePointer(slotPosition, Tag.KV_PAIR, kvPosition);
          }
          return { kvPosition, created: false };
        }
        // Two hashes share nibbles 0..level: push the existing pair one level down
        // and keep descending for the new one, which may split again.
        if (level + 1 >= levels) throw new CorruptDatabaseError('two different hashes agree on every nibble', existing);
        // Only the existing hash's next nibble is needed: one byte, nothing allocated.
        const nibbleByte = storage.locate(existing + io.hashSize - 1 - ((level + 1) >> 1), 1);
        const byte = storage.bytes[nibbleByte] as number;
        const existingNibble = ((level + 1) & 1) === 0 ? byte & 0x0f : byte >> 4;
        const tagAt = storage.locate(slotPosition, 1);
        const full = ((storage.bytes[tagAt] as number) & FULL_FLAG) !== 0;
        const child = io.appendZeros(INDEX_BLOCK_SIZE);
        io.writePointer(child + SLOT_SIZE * existingNibble, Tag.KV_PAIR, existing, full);
        io.writePointer(slotPosition, Tag.INDEX, child);
        block = child;
        continue;
      }
      default:
        throw new CorruptDatabaseError(`a map index block holds a slot with tag ${tag}`, slotPosition);
    }
  }
  throw new CorruptDatabaseError(`a map is deeper than its ${levels} hash nibbles allow`, block);
}

/** One reusable kv pair record per hash size: hash, key slot, empty value slot. */
const kvRecords = new Map<number, { bytes: Uint8Array; view: DataView }>();

function appendKvPair(io: BlockIO, hash: Uint8Array, keySlot: Slot): number {
  let record = kvRecords.get(io.hashSize);
  if (record === undefined) {
    const bytes = new Uint8Array(kvPairSize(io.hashSize));
    record = { bytes, view: new DataView(bytes.buffer) };
    kvRecords.set(io.hashSize, record);
  }
  record.bytes.set(hash, 0);
  writeSlotInto(record.view, io.hashSize, keySlot);
  return io.append(record.bytes);
}

/**
 * Removes a key. A branch left holding a single kv pair (or nothing) is replaced
 * by that pair (or emptied) in its parent, exactly as FORMAT.md §Hash maps
 * requires; a branch holding one index slot stays. Copy-on-write as in
 * {@link hamtUpsert}. O(depth).
 *
 * @param io - the database, inside a transaction
 * @param root - the map's root index block, already mutable
 * @param hash - the key's hash
 * @param key - the key's bytes, or undefined to match by hash only
 * @returns true when the key was there
 */
export function hamtRemove(io: BlockIO, root: number, hash: Uint8Array, key: TaggedBytes | undefined): boolean {
  const levels = maxLevels(io);
  const path: number[] = [];
  let block = root;
  let found = false;
  for (let level = 0; level < levels; level++) {
    path.push(block);
    const slotPosition = block + SLOT_SIZE * hashNibble(hash, level);
    const slot = io.readSlot(slotPosition);
    if (slot.tag === Tag.NONE) return false;
    if (slot.tag === Tag.INDEX) {
      block = io.checkPointer(slot.position, INDEX_BLOCK_SIZE, slotPosition);
      continue;
    }
    if (slot.tag !== Tag.KV_PAIR) throw new CorruptDatabaseError(`a map index block holds a slot with tag ${slot.tag}`, slotPosition);
    const kvPosition = io.checkPointer(slot.position, kvPairSize(io.hashSize), slotPosition);
    if (!hashesEqualAt(io, kvPosition, hash) || !keyMatches(io, kvPosition, key)) return false;
    found = true;
    break;
  }
  if (!found) throw new CorruptDatabaseError(`a map is deeper than its ${levels} hash nibbles allow`, block);

  // Walk back up: `replacement` is what the slot at path[level] must now hold.
  let replacement = Slot.EMPTY;
  let collapsing = true;
  for (let level = path.length - 1; level >= 0; level--) {
    const position = path[level] as number;
    const nibble = hashNibble(hash, level);
    if (collapsing && level > 0) {
      const only = soleSlotAfterReplace(io, position, nibble, replacement);
      if (only !== undefined) {
        replacement = only;
        continue;
      }
      collapsing = false;
    }
    const writable = level === 0 || io.tx.isMutable(position) ? position : io.copyToEnd(position, INDEX_BLOCK_SIZE);
    io.writeSlot(writable + SLOT_SIZE * nibble, replacement);
    if (writable === position && level > 0 && !collapsing) {
      // The block changed in place, so every slot above still points at it.
      return true;
    }
    replacement = Slot.pointer(Tag.INDEX, writable);
  }
  return true;
}

/**
 * When the block at `position`, with slot `nibble` replaced, holds no used slot
 * or exactly one kv pair, returns what its parent should hold instead (empty or
 * that pair); otherwise undefined (the block must stay).
 */
function soleSlotAfterReplace(io: BlockIO, position: number, nibble: number, replacement: Slot): Slot | undefined {
  let sole: Slot | undefined;
  let used = 0;
  for (let i = 0; i < SLOT_COUNT; i++) {
    const slot = i === nibble ? replacement : io.readSlot(position + SLOT_SIZE * i);
    if (slot.tag === Tag.NONE) continue;
    used++;
    if (used > 1) return undefined;
    sole = slot;
  }
  if (sole === undefined) return Slot.EMPTY;
  return sole.tag === Tag.KV_PAIR ? sole : undefined;
}

/**
 * Walks every kv pair of a map in trie order, depth first, with an explicit
 * stack bounded by the hash's nibble count. Also bounded in total work: a
 * well-formed map never visits more index blocks than the data can hold, so a
 * damaged file whose blocks are shared in a loop-like DAG ends with an error
 * instead of running for ever. A plain object handing out batches rather than
 * a generator, so that callback iteration (forEach) pays no generator per item.
 *
 * An index block is located once per visit (its 144 bytes bounds-checked
 * together) and its slots decoded from that one offset, not located one at a
 * time. Damage found while gathering a batch is kept until the pairs gathered
 * before it have been handed out: the walk fails at the damaged slot, after
 * every pair that precedes it.
 */
export class HamtWalk {
  private readonly io: BlockIO;
  private readonly levels: number;
  private readonly blockBudget: number;
  private blocksVisited = 1;
  private readonly blocks: number[];
  private readonly nexts: number[] = [0];
  /** Pairs gathered so far by the running {@link gather}, kept when it throws. */
  private gathered = 0;
  /** Damage met after some pairs of a batch: thrown by the next call. */
  private failure: unknown = undefined;
  /** What {@link fill} read; kept so that its loads are not dropped as unused. */
  touched = 0;

  /**
   * @param io - the database
   * @param root - the map's root index block
   */
  constructor(io: BlockIO, root: number) {
    this.io = io;
    this.levels = maxLevels(io);
    this.blockBudget = Math.floor(io.storage.size() / INDEX_BLOCK_SIZE) + 1;
    this.blocks = [root];
  }

  /**
   * Fills `batch` with the next kv pair positions (up to its length), then
   * touches each pair's slots and the long key and value records they point
   * to (core/read-ahead.ts). A map's pairs lie in the order they were
   * written, not in the walk's hash order, so each is a cache miss; loaded
   * together, the CPU waits for those misses at once instead of one by one as
   * the caller reaches each pair (forEach over 1M entries: 1.3 to 1.85 M/s
   * with the pairs touched).
   *
   * @returns how many positions were filled; 0 when the walk is done
   * @throws CorruptDatabaseError at a damaged slot, once the pairs before it are handed out
   */
  fill(batch: Float64Array): number {
    const count = this.gather(batch);
    // Pairs that follow one another closely (a compacted file lays a map out
    // in walk order: pair, key, value, next pair) are read in order, which the
    // CPU prefetches by itself: touching them first would only read them twice.
    const span = (batch[count - 1] as number) - (batch[0] as number);
    if (!(count > 1 && span > 0 && span < count * NEAR_PAIR_SPACING)) this.touched = touchPairs(this.io, batch, count);
    return count;
  }

  /**
   * Fills `batch` with the next kv pair positions (up to its length), reading nothing ahead.
   *
   * @returns how many positions were filled; 0 when the walk is done
   * @throws CorruptDatabaseError at a damaged slot, once the pairs before it are handed out
   */
  gather(batch: Float64Array): number {
    if (this.failure !== undefined) throw this.failure;
    this.gathered = 0;
    try {
      return this.gatherFrom(batch);
    } catch (error) {
      if (this.gathered === 0) throw error;
      this.failure = error;
      return this.gathered;
    }
  }

  private gatherFrom(batch: Float64Array): number {
    const io = this.io;
    const storage = io.storage;
    const blocks = this.blocks;
    const nexts = this.nexts;
    const kvSize = kvPairSize(io.hashSize);
    const want = batch.length;
    let count = 0;
    while (count < want && blocks.length > 0) {
      const depth = blocks.length - 1;
      let index = nexts[depth] as number;
      if (index >= SLOT_COUNT) {
        blocks.pop();
        nexts.pop();
        continue;
      }
      const block = blocks[depth] as number;
      // The whole block at once: one bounds check, then its slots from one offset.
      const base = storage.locate(block, INDEX_BLOCK_SIZE);
      const view = storage.view;
      let child = -1;
      while (index < SLOT_COUNT) {
        const offset = base + SLOT_SIZE * index;
        const slotPosition = block + SLOT_SIZE * index;
        index++;
        const tag = view.getUint8(offset) & TAG_MASK;
        if (tag === Tag.NONE) continue;
        nexts[depth] = index;
        const hi = view.getUint32(offset + 1);
        if (hi >= 0x200000) throw new CorruptDatabaseError('a map slot points beyond 2^53', slotPosition);
        const target = hi * 4294967296 + view.getUint32(offset + 5);
        if (tag === Tag.KV_PAIR) {
          batch[count++] = io.checkPointer(target, kvSize, slotPosition);
          this.gathered = count;
          if (count === want) return count;
          continue;
        }
        if (tag !== Tag.INDEX) throw new CorruptDatabaseError(`a map index block holds a slot with tag ${tag}`, slotPosition);
        if (blocks.length >= this.levels) throw new CorruptDatabaseError(`a map is deeper than its ${this.levels} hash nibbles allow`, slotPosition);
        if (++this.blocksVisited > this.blockBudget) throw new CorruptDatabaseError('a map visits more index blocks than the data holds (blocks are shared in a cycle)', slotPosition);
        child = io.checkPointer(target, INDEX_BLOCK_SIZE, slotPosition);
        break;
      }
      nexts[depth] = index;
      if (child >= 0) {
        blocks.push(child);
        nexts.push(0);
      }
    }
    return count;
  }
}

/**
 * Bytes per pair below which a batch's pairs count as laid out in walk order
 * (see {@link HamtWalk.fill}): a pair, a 16-byte key and a 100-byte value
 * take 166 bytes with a 20-byte hash, an index block 144 more per 16 pairs.
 */
const NEAR_PAIR_SPACING = 512;

/** How many kv pairs {@link HamtWalk.fill} gathers at a time. */
export const WALK_BATCH = 16;

/** How many kv pairs a map holds, by one walk (see {@link HamtWalk}). O(n). */
export function hamtCount(io: BlockIO, root: number): number {
  const walk = new HamtWalk(io, root);
  const batch = new Float64Array(COUNT_BATCH);
  let n = 0;
  for (let count = walk.gather(batch); count > 0; count = walk.gather(batch)) n += count;
  return n;
}

/** How many kv pairs {@link hamtCount} gathers at a time. */
const COUNT_BATCH = 64;

/**
 * Every kv pair of a map in trie order (see {@link HamtWalk}).
 *
 * @param io - the database
 * @param root - the map's root index block
 * @yields the position of each kv pair
 */
export function hamtEntries(io: BlockIO, root: number): Generator<number, void, undefined> {
  return hamtItems(io, () => root, kvItself);
}

function kvItself(kv: number): number {
  return kv;
}

/**
 * `item` of every kv pair of a map in trie order (see {@link HamtWalk}), in
 * one generator: an iterator over a map's entries, keys or values returns
 * this, so that each item resumes one generator, not one inside another.
 *
 * @param io - the database
 * @param rootOf - the map's root index block, or -1 for an empty map; asked at the first step, as a generator method would
 * @param item - what to yield for the kv pair at a position
 * @yields `item` of each kv pair
 */
export function* hamtItems<T>(io: BlockIO, rootOf: () => number, item: (kv: number) => T): Generator<T, void, undefined> {
  const root = rootOf();
  if (root < 0) return;
  const walk = new HamtWalk(io, root);
  const batch = new Float64Array(WALK_BATCH);
  for (let count = walk.fill(batch); count > 0; count = walk.fill(batch)) {
    for (let i = 0; i < count; i++) yield item(batch[i] as number);
  }
}
