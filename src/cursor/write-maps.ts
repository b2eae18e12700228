// The writable views of hash maps and sets (FORMAT.md §Hash maps, §Sets,
// §Counted structures): put, remove and add through copy-on-write paths.


import { HashCollisionError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { isCounted, mapRootOf, type StructureTag } from '../core/structures.js';
import { hamtRemove, hamtUpsert } from '../hamt/hash-map.js';
import { hashKeyTransient, resolveKey, resolveKeyTransient, type Key, type ResolvedKey } from './keys.js';
import { moveTaggedPairAside, storedKeyHash } from './key-lookup.js';
import { ReadCursor, ReadHashMap, ReadHashSet } from './read-cursor.js';
import { INSPECT, inspectHandle, type HandleDescriptor } from '../base/public-object.js';
import { WriteCursor } from './write-cursor.js';

/**
 * A writable hash map (plain or counted). Reads see the transaction's own writes.
 * Put and remove are O(log16 n) and copy at most one block per level.
 */
export class WriteHashMap {
  /** @internal */
  protected readonly owner: WriteCursor;
  /** @internal */
  protected readonly tag: StructureTag;

  /** @internal */
  constructor(owner: WriteCursor, tag: StructureTag) {
    this.owner = owner;
    this.tag = tag;
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'WriteHashMap' }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'WriteHashMap' };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** A read view of the map as it is now. */
  read(): ReadHashMap {
    const ctx = this.owner.ctx;
    return new ReadHashMap(ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /** The value under `key`, read-only, or undefined. */
  get(key: Key): ReadCursor | undefined {
    return this.read().get(key);
  }

  /** True when `key` is present. */
  has(key: Key): boolean {
    return this.read().has(key);
  }

  /** Entry count (O(1) when counted). */
  count(): number {
    return this.read().count();
  }

  /**
   * A writable cursor on the value under `key`, creating the entry (value none)
   * when absent. The key's bytes are stored so that lookups compare them.
   *
   * @throws HashCollisionError when another key has the same full hash
   */
  put(key: Key): WriteCursor {
    const kv = this.upsert(resolveKeyTransient(key));
    const ctx = this.owner.ctx;
    const valuePosition = kv + ctx.io.hashSize + SLOT_SIZE;
    // A pair made just now holds no value yet: no need to read it.
    return this.owner.child(valuePosition, this.lastCreated ? Slot.EMPTY : ctx.io.readSlot(valuePosition));
  }

  /** @internal whether the last upsert made a new pair */
  protected lastCreated = false;

  /** @internal makes the entry for `key` exist; true when it was not there before */
  insertKey(key: Key): boolean {
    this.upsert(resolveKeyTransient(key));
    return this.lastCreated;
  }

  /**
   * A writable cursor on the key slot of `key`'s entry, creating it when absent
   * (for storing a key with a format tag, or the key of a set member).
   */
  putKey(key: Key): WriteCursor {
    const kv = this.upsert(resolveKeyTransient(key));
    const ctx = this.owner.ctx;
    return this.owner.child(kv + ctx.io.hashSize, ctx.io.readSlot(kv + ctx.io.hashSize));
  }

  /** @internal returns the kv pair position, made mutable */
  protected upsert(key: ResolvedKey): number {
    const ctx = this.owner.ctx;
    const io = ctx.io;
    const record = this.owner.ensure(this.tag);
    const root = mapRootOf(this.tag, record);
    const hash = storedKeyHash(io, ctx.hasher, root, key);
    let result;
    try {
      result = hamtUpsert(io, root, hash, key);
    } catch (error) {
      // A tagged key stored under an earlier convention's hash may hold this key's place: move it, then retry.
      if (!(error instanceof HashCollisionError) || !moveTaggedPairAside(io, ctx.hasher, root, hash, key)) throw error;
      result = hamtUpsert(io, root, hashKeyTransient(ctx.hasher, key), key);
    }
    if (result.created && isCounted(this.tag)) io.writeU64(record, io.readU64(record) + 1);
    this.lastCreated = result.created;
    return result.kvPosition;
  }

  /**
   * Removes `key`, collapsing branches as the format requires.
   *
   * @returns true when it was present
   */
  remove(key: Key): boolean {
    const ctx = this.owner.ctx;
    const io = ctx.io;
    const resolved = resolveKey(key);
    // Look first, so that removing an absent key copies nothing.
    if (!this.read().has(key)) return false;
    const record = this.owner.ensure(this.tag);
    const root = mapRootOf(this.tag, record);
    const removed = hamtRemove(io, root, storedKeyHash(io, ctx.hasher, root, resolved), resolved);
    if (removed && isCounted(this.tag)) io.writeU64(record, io.readU64(record) - 1);
    return removed;
  }

  /** Every entry in hash order (read-only cursors). */
  entries(): ReturnType<ReadHashMap['entries']> {
    return this.read().entries();
  }
}

/** A writable hash set (plain or counted). */
export class WriteHashSet {
  private readonly owner: WriteCursor;
  private readonly map: WriteHashMap;

  /** @internal */
  constructor(owner: WriteCursor, tag: StructureTag) {
    this.owner = owner;
    this.map = new WriteHashMap(owner, tag);
  }

  /**
   * What `JSON.stringify` gives: `{ kind: 'WriteHashSet' }`, never the data: a handle reaches
   * every key of its database (see {@link ReadCursor.toJSON}). O(1).
   */
  toJSON(): HandleDescriptor {
    return { kind: 'WriteHashSet' };
  }

  /** What `console.log` and `util.inspect` show in Node: the descriptor of toJSON on one line. */
  [INSPECT](): string {
    return inspectHandle(this.toJSON());
  }

  /** A read view of the set as it is now. */
  read(): ReadHashSet {
    return new ReadHashSet(this.owner.ctx, this.owner.refresh().slot, this.owner.slotPosition);
  }

  /**
   * Adds `key`.
   *
   * @returns true when it was not there before
   */
  add(key: Key): boolean {
    // One descent: the upsert says whether it made the pair.
    return this.map.insertKey(key);
  }

  /** True when `key` is a member. */
  has(key: Key): boolean {
    return this.map.has(key);
  }

  /**
   * Removes `key`.
   *
   * @returns true when it was a member
   */
  remove(key: Key): boolean {
    return this.map.remove(key);
  }

  /** Member count (O(1) when counted). */
  count(): number {
    return this.map.count();
  }
}
