// Finding a map key under every hash convention a file may hold it by
// (FORMAT.md §Hashing, tagged keys): this build's hash first, then, for a
// tagged key, the hashes earlier stratadb and xitdb-java used.

import type { BlockIO } from '../core/block-io.js';
import type { Hasher } from '../hash/hasher.js';
import { hamtFind, hamtRemove, hamtUpsert } from '../hamt/hash-map.js';
import { SLOT_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import { readBytesValue } from '../core/bytes-values.js';
import { fallbackKeyHashes, hashKey, hashKeyTransient, type ResolvedKey } from './keys.js';

/**
 * The kv pair of `key` in the map whose root index block is at `root`, or -1.
 * An untagged key costs one descent; a tagged key that is absent costs three
 * (its own hash, then the two fallbacks, which match only a pair that stores
 * the same bytes and format tag).
 */
export function findKeyPair(io: BlockIO, hasher: Hasher, root: number, key: ResolvedKey): number {
  const kv = hamtFind(io, root, hashKeyTransient(hasher, key), key);
  if (kv >= 0 || key.formatTag === undefined) return kv;
  for (const hash of fallbackKeyHashes(hasher, key)) {
    const found = hamtFind(io, root, hash, key, true);
    if (found >= 0) return found;
  }
  return -1;
}

/**
 * The hash under which `key` lives in the map at `root`: a fallback hash when
 * an earlier writer stored it that way (so a write changes that pair instead of
 * adding a second one), else this build's hash. A fresh array for a tagged key;
 * for an untagged key the shared buffer of {@link hashKeyTransient}.
 */
export function storedKeyHash(io: BlockIO, hasher: Hasher, root: number, key: ResolvedKey): Uint8Array {
  if (key.formatTag === undefined) return hashKeyTransient(hasher, key);
  const own = hashKey(hasher, key);
  if (hamtFind(io, root, own, key) >= 0) return own;
  for (const hash of fallbackKeyHashes(hasher, key)) {
    if (hamtFind(io, root, hash, key, true) >= 0) return hash;
  }
  return own;
}

/**
 * Before an untagged key is written under `hash`: an earlier writer may have
 * stored a tagged key under that same hash (its fallback: `null` under the hash
 * of "nl", or the number 1 under the hash of "1"). Such a pair is moved to its
 * tagged key's own hash, value and all, so that both keys fit and neither is
 * refused as a collision. The map's count is unchanged (one removed, one added).
 * Nothing happens when the hash leads nowhere, or to a pair that is not a
 * tagged key. Called only after a write met a collision, so it costs nothing on
 * the common path.
 *
 * @param root - the map's root index block, already mutable
 * @returns true when a pair was moved
 */
export function moveTaggedPairAside(io: BlockIO, hasher: Hasher, root: number, hash: Uint8Array, key: ResolvedKey): boolean {
  if (key.formatTag !== undefined) return false;
  const kv = hamtFind(io, root, hash, undefined);
  if (kv < 0) return false;
  const keyPosition = kv + io.hashSize;
  const keySlot = io.readSlot(keyPosition);
  if ((keySlot.tag !== Tag.SHORT_BYTES && keySlot.tag !== Tag.BYTES) || !keySlot.full) return false;
  const stored = readBytesValue(io, keySlot, keyPosition);
  const valueSlot = io.readSlot(keyPosition + SLOT_SIZE);
  // The hash may be shared by the caller's buffer: copy it before hashing again.
  const at = hash.slice();
  hamtRemove(io, root, at, stored);
  const moved = hamtUpsert(io, root, hashKey(hasher, stored), stored);
  io.writeSlot(moved.kvPosition + io.hashSize + SLOT_SIZE, valueSlot);
  return true;
}
