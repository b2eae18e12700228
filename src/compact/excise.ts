// Excision (issue 16): a compaction that removes paths from every moment it
// keeps, so that the removed keys' and values' bytes never reach the new file.
// Only the records on a dropped path are copied differently: the map blocks
// on the way to a dropped key (FORMAT.md §Hash maps, remove: a block left
// with no slot, or with a single kv pair, collapses into its parent), the kv
// pairs whose values lead further down the path, and the records that hold
// those. Everything beside the path goes through the shared copier, so a
// structure that also stands somewhere off the path keeps one copy there.
// Copies made for a path are remembered per path node, so that moments
// sharing a map share its excised copy too (and a revert stays a revert).

import { CorruptDatabaseError, InvalidArgumentError } from '../errors.js';
import { COUNT_SIZE, INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { hashNibble } from '../hamt/hash-map.js';
import { findKeyPair } from '../cursor/key-lookup.js';
import { resolveKey, type Key, type ResolvedKey } from '../cursor/keys.js';
import { structureKind } from '../kinds/table.js';
import { describe } from '../base/arguments.js';
import type { Engine } from '../history/engine.js';
import { BlockCopier, RecordType, writePosition } from './block-copier.js';
import { SortedExcision } from './excise-sorted.js';
import { hexOf } from '../base/byte-text.js';

/**
 * A path removed by a compaction, from a moment's root: each step a key of
 * the map (hash map or sorted map) it stands in, the last step the key whose
 * entry (key and value) goes, or the member of a set that goes. A step
 * through a list, a value that is not a map, or a key a moment does not hold,
 * removes nothing from that moment. List indices are refused: an index names
 * a different item in each moment.
 */
export type DropPath = readonly Key[];

/**
 * The most steps a dropped path may take. Excision descends a path by
 * recursion (each step a few frames, bounded by the trie's depth), so the
 * length is bounded to keep far from the stack's limit.
 */
export const DROP_PATH_STEPS_MAX = 64;

/** One step of the dropped paths: the keys below it, and whether its own entry goes. */
interface DropNode {
  readonly children: Map<string, { readonly key: ResolvedKey; readonly node: DropNode }>;
  removed: boolean;
  /** Copies made for this node: `tag:position` of the source value to its target slot. */
  readonly memo: Map<string, Slot>;
}

function newNode(): DropNode {
  return { children: new Map(), removed: false, memo: new Map() };
}

function keyId(key: ResolvedKey): string {
  return key.formatTag === undefined ? hexOf(key.bytes) : `${hexOf(key.bytes)}/${hexOf(key.formatTag)}`;
}

/**
 * @param length - the steps of a dropped path
 * @throws InvalidArgumentError past {@link DROP_PATH_STEPS_MAX}
 */
export function checkDropPathLength(length: number): void {
  if (length > DROP_PATH_STEPS_MAX) throw new InvalidArgumentError(`a dropped path takes at most ${DROP_PATH_STEPS_MAX} steps, got ${length}`);
}

/**
 * Builds the tree of dropped paths.
 *
 * @throws InvalidArgumentError for a path that is not a non-empty array of keys
 */
function dropTree(paths: unknown): DropNode {
  if (!Array.isArray(paths)) throw new InvalidArgumentError(`drop takes an array of paths (arrays of keys), got ${describe(paths)}`);
  const root = newNode();
  for (const path of paths as unknown[]) {
    if (!Array.isArray(path) || path.length === 0) throw new InvalidArgumentError(`a dropped path is a non-empty array of keys, got ${describe(path)}`);
    checkDropPathLength(path.length);
    let node = root;
    for (const step of path as unknown[]) {
      if (typeof step === 'number') throw new InvalidArgumentError(`a dropped path cannot step into a list (index ${step}): an index names a different item in each moment`);
      const key = resolveKey(step as Key);
      const id = keyId(key);
      let child = node.children.get(id);
      if (child === undefined) {
        child = { key, node: newNode() };
        node.children.set(id, child);
      }
      node = child.node;
    }
    node.removed = true;
  }
  return root;
}

/** A kv pair on a dropped path: removed, or copied with its value excised below `node`. */
interface Target {
  readonly kv: number;
  readonly hash: Uint8Array;
  readonly node: DropNode | undefined;
}

/** A map slot after excision: what its parent holds there. */
interface Lifted {
  readonly tag: number;
  readonly position: number;
}

const EMPTY: Lifted = { tag: Tag.NONE, position: 0 };

/** The copies of a compaction with dropped paths. */
export class Excision {
  private readonly engine: Engine;
  private readonly io: BlockIO;
  private readonly copier: BlockCopier;
  private readonly target: BlockIO;
  private readonly root: DropNode;
  private readonly sorted: SortedExcision;

  /**
   * @param engine - the source
   * @param copier - the shared copier, for everything off the paths
   * @param target - where copies are appended
   * @param paths - the dropped paths
   * @throws InvalidArgumentError for malformed paths
   */
  constructor(engine: Engine, copier: BlockCopier, target: BlockIO, paths: readonly DropPath[]) {
    this.engine = engine;
    this.io = engine.io;
    this.copier = copier;
    this.target = target;
    this.root = dropTree(paths);
    this.sorted = new SortedExcision(engine.io, copier, target);
  }

  /**
   * The target slot of a moment's root `slot`, with the dropped paths removed.
   *
   * @param slot - a moment's root slot
   * @param from - where it lies, for errors
   */
  copyValue(slot: Slot, from: number): Slot {
    return this.excise(slot, from, this.root);
  }

  private excise(slot: Slot, from: number, node: DropNode): Slot {
    const kind = structureKind(slot.tag);
    if (node.children.size === 0 || kind === undefined || kind.family === 'list') return this.copier.copyValue(slot, from);
    const memoKey = `${slot.tag}:${slot.position}`;
    const known = node.memo.get(memoKey);
    if (known !== undefined) return known;
    let copied: Slot;
    if (kind.family === 'sorted-map' || kind.family === 'sorted-set') {
      const isSet = kind.family === 'sorted-set';
      // A set member has no value to descend into: only its removal counts.
      const entries = [...node.children.values()].filter(({ node: child }) => child.removed || !isSet).map(({ key, node: child }) => ({ key: key.bytes, node: child.removed ? undefined : child }));
      const position = this.sorted.excise(slot.position, from, isSet, entries, (kv, child) => this.exciseKv(kv, child as DropNode));
      copied = position === undefined ? this.copier.copyValue(slot, from) : Slot.pointer(slot.tag, position, slot.full);
    } else {
      copied = this.exciseMap(slot, from, node, kind.family === 'set', kind.counted);
    }
    node.memo.set(memoKey, copied);
    return copied;
  }

  /** A hash map or set with the entries `node` names removed or excised below. */
  private exciseMap(slot: Slot, from: number, node: DropNode, isSet: boolean, counted: boolean): Slot {
    const io = this.io;
    const base = counted ? COUNT_SIZE : 0;
    const record = io.checkPointer(slot.position, base + INDEX_BLOCK_SIZE, from);
    const root = record + base;
    const targets: Target[] = [];
    for (const { key, node: child } of node.children.values()) {
      const kv = findKeyPair(io, this.engine.hasher, root, key);
      if (kv < 0) continue;
      // A set member has no value to descend into: only its removal counts.
      if (!child.removed && (isSet || child.children.size === 0)) continue;
      targets.push({ kv, hash: io.readBytes(kv, io.hashSize), node: child.removed ? undefined : child });
    }
    if (targets.length === 0) return this.copier.copyValue(slot, from);
    const removed = { count: 0 };
    const block = this.exciseBlock(root, 0, targets, isSet, removed);
    const bytes = new Uint8Array(base + INDEX_BLOCK_SIZE);
    if (counted) {
      const count = io.readU64(record);
      writePosition(bytes, 0, Math.max(0, count - removed.count));
    }
    bytes.set(block, base);
    return Slot.pointer(slot.tag, this.append(bytes), slot.full);
  }

  /**
   * The bytes of the map block at `position` (at trie `depth`) with `targets`
   * (kv pairs whose hashes lead through it) removed or excised. Recursion is
   * bounded by the trie's depth limit, 2 × hash size.
   */
  private exciseBlock(position: number, depth: number, targets: readonly Target[], isSet: boolean, removed: { count: number }): Uint8Array {
    const io = this.io;
    if (depth >= 2 * io.hashSize) throw new CorruptDatabaseError(`a map is deeper than its ${2 * io.hashSize} hash nibbles allow`, position);
    const bytes = io.readBytes(io.checkPointer(position, INDEX_BLOCK_SIZE, position), INDEX_BLOCK_SIZE);
    for (let i = 0; i < SLOT_COUNT; i++) {
      const at = i * SLOT_SIZE;
      const slot = io.readSlot(position + at);
      const here = targets.filter((target) => hashNibble(target.hash, depth) === i);
      let lifted: Lifted;
      if (slot.tag === Tag.NONE) continue;
      if (slot.tag === Tag.INDEX) {
        lifted = here.length === 0
          ? { tag: Tag.INDEX, position: this.copier.copyRecord(isSet ? RecordType.SET_BLOCK : RecordType.MAP_BLOCK, slot.position, depth + 1, 0, position + at) }
          : this.liftBlock(slot.position, depth + 1, here, isSet, removed);
      } else if (slot.tag === Tag.KV_PAIR) {
        const target = here.find((candidate) => candidate.kv === slot.position);
        if (target === undefined) lifted = { tag: Tag.KV_PAIR, position: this.copier.copyRecord(isSet ? RecordType.KV_SET : RecordType.KV_MAP, slot.position, 0, 0, position + at) };
        else if (target.node === undefined) {
          removed.count++;
          lifted = EMPTY;
        } else lifted = { tag: Tag.KV_PAIR, position: this.exciseKv(slot.position, target.node) };
      } else {
        throw new CorruptDatabaseError(`a map index block holds a slot with tag ${slot.tag}`, position + at);
      }
      bytes.fill(0, at, at + SLOT_SIZE);
      if (lifted.tag !== Tag.NONE) {
        bytes[at] = lifted.tag;
        writePosition(bytes, at + 1, lifted.position);
      }
    }
    return bytes;
  }

  /** A block below the root after excision: dropped when it holds nothing or a single kv pair (FORMAT.md §Hash maps, remove). */
  private liftBlock(position: number, depth: number, targets: readonly Target[], isSet: boolean, removed: { count: number }): Lifted {
    const bytes = this.exciseBlock(position, depth, targets, isSet, removed);
    let used = 0;
    let single = -1;
    for (let i = 0; i < SLOT_COUNT; i++) {
      if (bytes[i * SLOT_SIZE] !== Tag.NONE) {
        used++;
        single = i;
      }
    }
    if (used === 0) return EMPTY;
    if (used === 1 && bytes[single * SLOT_SIZE] === Tag.KV_PAIR) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + single * SLOT_SIZE + 1, 8);
      return { tag: Tag.KV_PAIR, position: view.getUint32(0) * 4294967296 + view.getUint32(4) };
    }
    return { tag: Tag.INDEX, position: this.append(bytes) };
  }

  /** A map's kv pair whose value is excised below `node`; its key is copied as it is. */
  private exciseKv(position: number, node: DropNode): number {
    const memoKey = `kv:${position}`;
    const known = node.memo.get(memoKey);
    if (known !== undefined) return known.position;
    const io = this.io;
    const hashSize = io.hashSize;
    const bytes = io.readBytes(position, hashSize + 2 * SLOT_SIZE);
    const key = this.copier.copyValue(io.readSlot(position + hashSize), position + hashSize);
    const value = this.excise(io.readSlot(position + hashSize + SLOT_SIZE), position + hashSize + SLOT_SIZE, node);
    bytes.set(key.toBytes(), hashSize);
    bytes.set(value.toBytes(), hashSize + SLOT_SIZE);
    const at = this.append(bytes);
    node.memo.set(memoKey, Slot.pointer(Tag.KV_PAIR, at));
    return at;
  }

  private append(bytes: Uint8Array): number {
    const at = this.target.append(bytes);
    this.copier.counters.blocksCopied++;
    this.copier.counters.bytesWritten += bytes.length;
    return at;
  }
}

