// Copying stored values block by block from one database into another (issue
// 16): each reachable record of the source is appended to the target once,
// with the positions inside it rewritten to where its children went. A memo
// from source record to target position keeps everything the source shares
// (between moments, or within one) shared in the target, and lasts as long as
// the copier, so a later call copies only what earlier calls did not.
//
// Order: a record is appended after every record it points at (children before
// their parent, siblings in slot order: index order in lists, key order in
// sorted maps, hash order in hash maps), so reading a structure from its root
// down walks the target mostly front to back.
//
// The walk uses an explicit stack: no nesting depth of valid data can exhaust
// the JS stack. A record met again while its own copy is under way is a cycle
// (CorruptDatabaseError), each kind's depth limit of FORMAT.md §Limits is
// checked, and the bytes a copy may append are bounded by the source's size,
// so a hostile file ends in CorruptDatabaseError, never in a hang.
//
// Which slots are values, bytes or structures the tag table (src/kinds) says;
// the layout of each structure's records is FORMAT.md's (§Hash maps, §Counted
// structures, §Array lists, §Linked array lists, §Gen-2 linked array lists,
// §Sorted maps), read with each structure folder's own readers. A slot a
// reader never follows (an array list item past its count, a set's value, a
// sorted map's unused separator, a gen-2 node's unused entries) is written
// empty, so nothing unreachable travels.

import { CorruptDatabaseError } from '../errors.js';
import { COUNT_SIZE, FORMAT_TAG_SIZE, INDEX_BLOCK_SIZE, LONG_BYTES_LENGTH_SIZE, SLOT_COUNT, SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { FULL_FLAG, TAG_MASK, Tag } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { readListHeader, shiftForCount } from '../trie/array-list.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import { linkedListGeneration } from '../btree-list/generation.js';
import { BTREE_DEPTH_MAX, BTREE_HEADER_SIZE, KIND_BRANCH, NODE_HEADER_SIZE as BTREE_NODE_HEADER_SIZE, nodeSize, readNode as readBTreeNode } from '../btree-list/node.js';
import { readBTreeHeader } from '../btree-list/read.js';
import { BRANCH, COUNTS_OFFSET, SEPARATORS_OFFSET, SORTED_DEPTH_MAX, SORTED_HEADER_SIZE, NODE_HEADER_SIZE as SORTED_NODE_HEADER_SIZE, readNode as readSortedNode, readSortedHeader } from '../sorted/node.js';
import { structureKind, tagInfo } from '../kinds/table.js';

/** The records the copier knows, each with its own memo. */
export const RecordType = {
  /** Long bytes without a format tag (FORMAT.md §Long bytes). */
  BYTES: 0,
  /** Long bytes with a format tag. */
  BYTES_TAGGED: 1,
  /** A hash map's index block (its root, or a block below it). */
  MAP_BLOCK: 2,
  /** A hash set's index block. */
  SET_BLOCK: 3,
  /** A counted map's record: count, then its root block. */
  COUNTED_MAP: 4,
  /** A counted set's record. */
  COUNTED_SET: 5,
  /** A kv pair of a map (hash maps and sorted maps). */
  KV_MAP: 6,
  /** A kv pair of a set, whose value slot readers ignore. */
  KV_SET: 7,
  /** An array list header. */
  ARRAY_LIST: 8,
  /** An array list index block; the parameter is its shift, and the items it covers. */
  LIST_BLOCK: 9,
  /** A linked array list header, either generation. */
  LINKED_LIST: 10,
  /** A gen-1 linked block; the parameter is its level. */
  RRB_BLOCK: 11,
  /** A gen-2 list node; the parameter is its depth. */
  BTREE_NODE: 12,
  /** A sorted map header. */
  SORTED_MAP: 13,
  /** A sorted set header. */
  SORTED_SET: 14,
  /** A sorted map node; the parameter is its depth. */
  SORTED_MAP_NODE: 15,
  /** A sorted set node. */
  SORTED_SET_NODE: 16,
} as const;

/** One of {@link RecordType}. */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

const TYPE_COUNT = 17;

/** Maps per memo (see BlockCopier.memoOf): 16 × 2^24 records of one type. */
const MEMO_SHARDS = 16;

/** Memo value of a record whose copy is under way: meeting it again is a cycle. */
const IN_PROGRESS = -1;

/** Bytes a single copy may append beyond twice the source's size: a valid source never needs them. */
const GROWTH_SLACK = 1 << 20;

/** A record being copied: its bytes, and the children still to copy into it. */
interface Frame {
  readonly memo: Map<number, number>;
  readonly position: number;
  readonly bytes: Uint8Array;
  /**
   * The children, {@link KID_STRIDE} numbers each: the offset in `bytes` of
   * the u64 position to rewrite, the child's type, its source position, its
   * parameter and its coverage (list blocks). One flat array per record: the
   * copy allocates little per record.
   */
  readonly kids: number[];
  /** Index in `kids` of the next child to copy. */
  next: number;
}

/** What the copier has done so far. */
export interface CopyCounters {
  /** Records appended to the target. */
  blocksCopied: number;
  /** Bytes of records appended to the target. */
  bytesWritten: number;
  /** Bytes of source records read (each distinct record once). */
  sourceBytesRead: number;
}

/**
 * Copies values from `source` into `target`, each distinct source record once
 * for the copier's lifetime. The target is only appended to.
 *
 * Cost: O(distinct records reached) time; O(distinct records) memory for the
 * memo, and the records on the way down.
 */
export class BlockCopier {
  private readonly source: BlockIO;
  private readonly target: BlockIO;
  private readonly hashSize: number;
  /** Per type and parameter (level, shift, depth where it changes how the record reads): source position to target position. */
  private readonly memos: Array<Map<number, number>> = [];
  /** Array list blocks that cover only part of their span (a list's right edge): keyed by position, shift and coverage. */
  private readonly partialLists = new Map<string, Map<number, number>>();
  /** Counters, read by the compaction. */
  readonly counters: CopyCounters = { blocksCopied: 0, bytesWritten: 0, sourceBytesRead: 0 };

  /**
   * @param source - where the records are read (its hash size must equal the target's)
   * @param target - where they are appended
   */
  constructor(source: BlockIO, target: BlockIO) {
    this.source = source;
    this.target = target;
    this.hashSize = source.hashSize;
  }

  /**
   * The slot `slot` becomes in the target: the same slot for an inline value,
   * the same tag and flag pointing at the copy for bytes and structures.
   *
   * @param slot - a value slot of the source
   * @param from - where the slot lies in the source, for errors
   * @throws CorruptDatabaseError when what it reaches is damaged or cyclic
   */
  copyValue(slot: Slot, from: number): Slot {
    const type = valueType(slot, from);
    if (type === undefined) return slot;
    const position = this.copyRecord(type, slot.position, 0, 0, from);
    return Slot.pointer(slot.tag, position, slot.full);
  }

  /**
   * The target position of the source record at `position` of `type`,
   * copying it (and what it reaches) unless an earlier call did.
   *
   * @param type - what the record is
   * @param position - where it lies in the source
   * @param param - its level, shift or depth (0 at a structure's top)
   * @param cover - for a list block: the items below it that are in the list
   * @param from - where the pointer to it lies, for errors
   */
  copyRecord(type: RecordType, position: number, param: number, cover: number, from: number): number {
    const budget = this.target.end() + 2 * this.source.storage.size() + GROWTH_SLACK;
    const stack: Frame[] = [];
    let result = this.enter(type, position, param, cover, from, stack);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      const kids = frame.kids;
      if (frame.next < kids.length) {
        const i = frame.next;
        frame.next += KID_STRIDE;
        const offset = kids[i] as number;
        const child = this.enter(kids[i + 1] as RecordType, kids[i + 2] as number, kids[i + 3] as number, kids[i + 4] as number, frame.position + offset, stack);
        if (child >= 0) writePosition(frame.bytes, offset, child);
        continue;
      }
      stack.pop();
      const at = this.target.append(frame.bytes);
      this.counters.blocksCopied++;
      this.counters.bytesWritten += frame.bytes.length;
      if (this.target.end() > budget) throw new CorruptDatabaseError('the copy grew past twice the source\'s size: the source\'s records must share each other in a way no valid file does', position);
      frame.memo.set(frame.position, at);
      const parent = stack[stack.length - 1];
      if (parent === undefined) result = at;
      else writePosition(parent.bytes, parent.kids[parent.next - KID_STRIDE] as number, at);
    }
    return result;
  }

  /** A record's target position when known (-2 after pushing the frame of a record whose copy begins). */
  private enter(type: RecordType, position: number, param: number, cover: number, from: number, stack: Frame[]): number {
    const memo = this.memoOf(type, param, cover, position);
    const known = memo.get(position);
    if (known === IN_PROGRESS) throw new CorruptDatabaseError('a record reaches itself (a cycle between records)', from);
    if (known !== undefined) return known;
    memo.set(position, IN_PROGRESS);
    stack.push(this.expand(type, position, param, cover, from, memo));
    return -2;
  }

  /**
   * The memo a record goes in. Records of one type are spread over
   * {@link MEMO_SHARDS} maps by position, since one Map holds at most 2^24
   * entries (V8) and a large database has more records than that.
   */
  private memoOf(type: RecordType, param: number, cover: number, position: number): Map<number, number> {
    let index: number;
    if (type === RecordType.LIST_BLOCK && cover !== SLOT_COUNT ** (param + 1)) {
      const key = `${param}/${cover}`;
      let memo = this.partialLists.get(key);
      if (memo === undefined) {
        memo = new Map();
        this.partialLists.set(key, memo);
      }
      return memo;
    }
    // Only gen-1 blocks and list blocks read differently at another level; every other record is keyed by position alone.
    index = type === RecordType.RRB_BLOCK || type === RecordType.LIST_BLOCK ? TYPE_COUNT + type * 16 + param : type;
    index = index * MEMO_SHARDS + (position % MEMO_SHARDS);
    let memo = this.memos[index];
    if (memo === undefined) {
      memo = new Map();
      this.memos[index] = memo;
    }
    return memo;
  }

  /** Reads a record and lists the children to copy into it. */
  private expand(type: RecordType, position: number, param: number, cover: number, from: number, memo: Map<number, number>): Frame {
    const io = this.source;
    const frame = (bytes: Uint8Array): Frame => {
      this.counters.sourceBytesRead += bytes.length;
      return { memo, position, bytes, kids: [], next: 0 };
    };
    switch (type) {
      case RecordType.BYTES:
      case RecordType.BYTES_TAGGED: {
        io.checkPointer(position, LONG_BYTES_LENGTH_SIZE, from);
        const length = io.readU64(position);
        const size = LONG_BYTES_LENGTH_SIZE + length + (type === RecordType.BYTES_TAGGED ? FORMAT_TAG_SIZE : 0);
        io.checkPointer(position, size, from);
        return frame(io.readBytes(position, size));
      }
      case RecordType.MAP_BLOCK:
      case RecordType.SET_BLOCK:
      case RecordType.COUNTED_MAP:
      case RecordType.COUNTED_SET: {
        const counted = type === RecordType.COUNTED_MAP || type === RecordType.COUNTED_SET;
        const isSet = type === RecordType.SET_BLOCK || type === RecordType.COUNTED_SET;
        const base = counted ? COUNT_SIZE : 0;
        const size = base + INDEX_BLOCK_SIZE;
        io.checkPointer(position, size, from);
        const out = frame(io.readBytes(position, size));
        // A counted record's root block sits at depth 0; blocks below it are plain map blocks.
        const depth = counted ? 0 : param;
        if (depth >= 2 * this.hashSize) throw new CorruptDatabaseError(`a map is deeper than its ${2 * this.hashSize} hash nibbles allow`, position);
        const bytes = out.bytes;
        for (let i = 0; i < SLOT_COUNT; i++) {
          const at = base + i * SLOT_SIZE;
          const tag = (bytes[at] as number) & TAG_MASK;
          if (tag === Tag.INDEX) addChild(out, at + 1, isSet ? RecordType.SET_BLOCK : RecordType.MAP_BLOCK, positionAt(bytes, at, position), depth + 1);
          else if (tag === Tag.KV_PAIR) addChild(out, at + 1, isSet ? RecordType.KV_SET : RecordType.KV_MAP, positionAt(bytes, at, position), 0);
          else if (tag !== Tag.NONE) throw new CorruptDatabaseError(`a map index block holds a slot with tag ${tag}`, position + at);
        }
        return out;
      }
      case RecordType.KV_MAP:
      case RecordType.KV_SET: {
        const hashSize = this.hashSize;
        const size = hashSize + 2 * SLOT_SIZE;
        io.checkPointer(position, size, from);
        const out = frame(io.readBytes(position, size));
        addValue(out, hashSize);
        if (type === RecordType.KV_MAP) addValue(out, hashSize + SLOT_SIZE);
        else if (valueTypeAt(out.bytes, hashSize + SLOT_SIZE, position) !== undefined) clearSlot(out.bytes, hashSize + SLOT_SIZE);
        return out;
      }
      case RecordType.ARRAY_LIST: {
        io.checkPointer(position, 16, from);
        const header = readListHeader(io, position);
        const out = frame(io.readBytes(position, 16));
        addChild(out, 8, RecordType.LIST_BLOCK, header.root, shiftForCount(header.count), header.count);
        return out;
      }
      case RecordType.LIST_BLOCK: {
        io.checkPointer(position, INDEX_BLOCK_SIZE, from);
        const out = frame(io.readBytes(position, INDEX_BLOCK_SIZE));
        const span = SLOT_COUNT ** param;
        for (let i = 0; i < SLOT_COUNT; i++) {
          const at = i * SLOT_SIZE;
          if (i * span >= cover) {
            // Past the list's count: stale items of a slice, which no reader reads.
            clearSlot(out.bytes, at);
            continue;
          }
          if (param === 0) addValue(out, at);
          else if (tagAt(out.bytes, at, position) !== Tag.INDEX) throw new CorruptDatabaseError(`a list branch holds tag ${tagAt(out.bytes, at, position)} where an index block is needed`, position + at);
          else addChild(out, at + 1, RecordType.LIST_BLOCK, positionAt(out.bytes, at, position), param - 1, Math.min(span, cover - i * span));
        }
        return out;
      }
      case RecordType.LINKED_LIST: {
        if (linkedListGeneration(io, position) === 2) {
          io.checkPointer(position, BTREE_HEADER_SIZE, from);
          const header = readBTreeHeader(io, position);
          const out = frame(io.readBytes(position, BTREE_HEADER_SIZE));
          addChild(out, 8, RecordType.BTREE_NODE, header.root, 0);
          return out;
        }
        io.checkPointer(position, LINKED_LIST_HEADER_SIZE, from);
        const header = readLinkedListHeader(io, position);
        const out = frame(io.readBytes(position, LINKED_LIST_HEADER_SIZE));
        addChild(out, 8, RecordType.RRB_BLOCK, header.root, header.shift);
        return out;
      }
      case RecordType.RRB_BLOCK: {
        io.checkPointer(position, LINKED_BLOCK_SIZE, from);
        const out = frame(io.readBytes(position, LINKED_BLOCK_SIZE));
        for (let i = 0; i < SLOT_COUNT; i++) {
          const at = i * LINKED_SLOT_SIZE;
          // An empty slot (tag none, full flag clear) is a gap.
          if (out.bytes[at] === 0) continue;
          if (param === 0) addValue(out, at);
          else if (tagAt(out.bytes, at, position) !== Tag.INDEX) throw new CorruptDatabaseError(`a linked list branch holds tag ${tagAt(out.bytes, at, position)} where a child block is needed`, position + at);
          else addChild(out, at + 1, RecordType.RRB_BLOCK, positionAt(out.bytes, at, position), param - 1);
        }
        return out;
      }
      case RecordType.BTREE_NODE: {
        if (param > BTREE_DEPTH_MAX) throw new CorruptDatabaseError(`a gen-2 list is deeper than ${BTREE_DEPTH_MAX} levels`, from);
        const node = readBTreeNode(io, position, from);
        const out = frame(io.readBytes(position, nodeSize(node.kind)));
        const entries = node.slots.length;
        for (let i = 0; i < SLOT_COUNT; i++) {
          const at = BTREE_NODE_HEADER_SIZE + i * SLOT_SIZE;
          if (i >= entries) {
            clearSlot(out.bytes, at);
            if (node.kind === KIND_BRANCH) out.bytes.fill(0, BTREE_NODE_HEADER_SIZE + SLOT_COUNT * SLOT_SIZE + 8 * i, BTREE_NODE_HEADER_SIZE + SLOT_COUNT * SLOT_SIZE + 8 * i + 8);
            continue;
          }
          const slot = node.slots[i] as Slot;
          if (node.kind === KIND_BRANCH) addChild(out, at + 1, RecordType.BTREE_NODE, slot.position, param + 1);
          else addValue(out, at);
        }
        return out;
      }
      case RecordType.SORTED_MAP:
      case RecordType.SORTED_SET: {
        const header = readSortedHeader(io, position, from);
        const out = frame(io.readBytes(position, SORTED_HEADER_SIZE));
        addChild(out, 8, type === RecordType.SORTED_SET ? RecordType.SORTED_SET_NODE : RecordType.SORTED_MAP_NODE, header.root, 0);
        return out;
      }
      case RecordType.SORTED_MAP_NODE:
      case RecordType.SORTED_SET_NODE: {
        if (param > SORTED_DEPTH_MAX) throw new CorruptDatabaseError(`a sorted map is deeper than ${SORTED_DEPTH_MAX} levels`, from);
        const node = readSortedNode(io, position, from);
        // readNode's bytes are a private copy: edited in place below.
        const out = frame(node.bytes);
        const isSet = type === RecordType.SORTED_SET_NODE;
        for (let i = 0; i < SLOT_COUNT; i++) {
          const at = SORTED_NODE_HEADER_SIZE + i * SLOT_SIZE;
          if (i >= node.num) {
            clearSlot(out.bytes, at);
            if (node.kind === BRANCH) out.bytes.fill(0, COUNTS_OFFSET + 8 * i, COUNTS_OFFSET + 8 * i + 8);
          } else if (node.kind === BRANCH) {
            addChild(out, at + 1, type, node.position(i), param + 1);
          } else {
            addChild(out, at + 1, isSet ? RecordType.KV_SET : RecordType.KV_MAP, io.checkPointer(node.position(i), this.hashSize + 2 * SLOT_SIZE, position + at), 0);
          }
          if (node.kind !== BRANCH) continue;
          // Separator 0 is never read, nor those past num: written empty. The others are keys.
          const separatorAt = SEPARATORS_OFFSET + i * SLOT_SIZE;
          if (i === 0 || i >= node.num) clearSlot(out.bytes, separatorAt);
          else addValue(out, separatorAt);
        }
        return out;
      }
      default:
        throw new CorruptDatabaseError(`no record type ${String(type)}`, from);
    }
  }

}

/** Numbers per child in {@link Frame.kids}. */
const KID_STRIDE = 5;

/** The tag of the slot at `at` of a record's bytes. */
function tagAt(bytes: Uint8Array, at: number, record: number): number {
  const tag = (bytes[at] as number) & TAG_MASK;
  // The tag table knows every tag a slot may carry (up to 15: gen-2's sorted map and set).
  if (tagInfo(tag) === undefined) throw new CorruptDatabaseError(`unknown slot tag ${tag}`, record + at);
  return tag;
}

/** The position the slot at `at` of a record's bytes points at. */
function positionAt(bytes: Uint8Array, at: number, record: number): number {
  const hi = ((bytes[at + 1] as number) << 24 | (bytes[at + 2] as number) << 16 | (bytes[at + 3] as number) << 8 | (bytes[at + 4] as number)) >>> 0;
  if (hi >= 0x200000) throw new CorruptDatabaseError('a slot points beyond 2^53', record + at);
  const lo = ((bytes[at + 5] as number) << 24 | (bytes[at + 6] as number) << 16 | (bytes[at + 7] as number) << 8 | (bytes[at + 8] as number)) >>> 0;
  return hi * TWO_POW_32 + lo;
}

/** The record type the value slot at `at` of a record's bytes points at, or undefined for a value held in the slot. */
function valueTypeAt(bytes: Uint8Array, at: number, record: number): RecordType | undefined {
  return valueTypeOf(tagAt(bytes, at, record), ((bytes[at] as number) & FULL_FLAG) !== 0, record + at);
}

/** A value slot at `at` in the record: its record becomes a child when it points at one. */
function addValue(frame: Frame, at: number): void {
  const type = valueTypeAt(frame.bytes, at, frame.position);
  if (type !== undefined) addChild(frame, at + 1, type, positionAt(frame.bytes, at, frame.position), 0);
}

/**
 * The record type a value slot points at, or undefined for a value held in
 * the slot (none, short bytes, numbers).
 *
 * @throws CorruptDatabaseError for an index or kv pair slot where a value belongs
 */
export function valueType(slot: Slot, from: number): RecordType | undefined {
  return valueTypeOf(slot.tag, slot.full, from);
}

/** {@link valueType} of a slot's tag and full flag. */
function valueTypeOf(tag: number, full: boolean, from: number): RecordType | undefined {
  const role = tagInfo(tag)?.role;
  if (role === 'bytes') return full ? RecordType.BYTES_TAGGED : RecordType.BYTES;
  if (role === 'structure') {
    const kind = structureKind(tag);
    switch (kind?.family) {
      case 'map':
        return kind.counted ? RecordType.COUNTED_MAP : RecordType.MAP_BLOCK;
      case 'set':
        return kind.counted ? RecordType.COUNTED_SET : RecordType.SET_BLOCK;
      case 'list':
        return tag === Tag.ARRAY_LIST ? RecordType.ARRAY_LIST : RecordType.LINKED_LIST;
      case 'sorted-map':
        return RecordType.SORTED_MAP;
      case 'sorted-set':
        return RecordType.SORTED_SET;
      default:
        throw new CorruptDatabaseError(`no copy is known for a ${kind?.name ?? 'structure'}`, from);
    }
  }
  if (role === 'internal' || role === undefined) throw new CorruptDatabaseError(`a slot with tag ${tag} stands where a value belongs`, from);
  return undefined;
}

function addChild(frame: Frame, offset: number, type: RecordType, position: number, param: number, cover = 0): void {
  frame.kids.push(offset, type, position, param, cover);
}

/** Writes `position` as a big-endian u64 at `offset` of `bytes`. */
export function writePosition(bytes: Uint8Array, offset: number, position: number): void {
  const hi = Math.floor(position / TWO_POW_32);
  const lo = position % TWO_POW_32;
  bytes[offset] = hi >>> 24;
  bytes[offset + 1] = (hi >>> 16) & 0xff;
  bytes[offset + 2] = (hi >>> 8) & 0xff;
  bytes[offset + 3] = hi & 0xff;
  bytes[offset + 4] = lo >>> 24;
  bytes[offset + 5] = (lo >>> 16) & 0xff;
  bytes[offset + 6] = (lo >>> 8) & 0xff;
  bytes[offset + 7] = lo & 0xff;
}

/** Writes the 9-byte slot at `offset` of `bytes` empty. */
export function clearSlot(bytes: Uint8Array, offset: number): void {
  bytes.fill(0, offset, offset + SLOT_SIZE);
}
