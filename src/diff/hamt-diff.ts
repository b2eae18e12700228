// The diff of two hash maps or sets (FORMAT.md §Hash maps): their index blocks
// compared slot by slot from the root, descending only into slots that differ.
// An equal slot (same tag and position) is a shared subtree and is skipped
// whole, so a diff reads the paths to the changed keys and no other block.
//
// Keys are matched by their stored bytes: two kv pairs are one key when their
// full hashes and key slots agree. A key can sit at different depths in the two
// tries (a pair pushed down by a newcomer, or pulled up by a removal), so where
// one side holds a kv pair and the other an index block, the block's pairs are
// gathered and matched against the pair.

import { CorruptDatabaseError } from '../errors.js';
import { INDEX_BLOCK_SIZE, SLOT_COUNT, SLOT_SIZE } from '../format/constants.js';
import { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import { mapRootOf } from '../core/structures.js';
import { kvPairSize } from '../hamt/hash-map.js';
import { structureKind } from '../kinds/table.js';
import { ReadCursor, cursorAt } from '../cursor/read-cursor.js';
import { KeyStep, type ChangeType } from './change.js';
import { sameScalar } from './same-value.js';
import { Descend, stepInto, type Changes, type DiffPath, type DiffState, type Differ, type WalkChange } from './state.js';

/** A side with no block: the empty map a missing side stands for. */
const NO_BLOCK = -1;

class HamtDiff {
  private readonly levels: number;
  private readonly kvSize: number;
  /** Index blocks one well-formed map pair can make a diff read: each block of both sides once. */
  private readonly blockBudget: number;
  private blocksRead = 0;

  constructor(
    private readonly state: DiffState,
    private readonly isSet: boolean,
    private readonly path: DiffPath,
  ) {
    const io = state.io;
    this.levels = io.hashSize * 2;
    this.kvSize = kvPairSize(io.hashSize);
    this.blockBudget = 2 * Math.floor(io.storage.size() / INDEX_BLOCK_SIZE) + 2;
  }

  /** Counts one block read, and refuses a walk longer than the data allows (blocks shared in a cycle). */
  private read(at: number): void {
    this.state.stats.blocks++;
    if (++this.blocksRead > this.blockBudget) throw new CorruptDatabaseError('a map diff reads more index blocks than the data holds (blocks are shared in a cycle)', at);
  }

  private slotAt(block: number, i: number): Slot {
    return block === NO_BLOCK ? Slot.EMPTY : this.state.io.readSlot(block + SLOT_SIZE * i);
  }

  private indexTarget(slot: Slot, from: number): number {
    return this.state.io.checkPointer(slot.position, INDEX_BLOCK_SIZE, from);
  }

  private kvTarget(slot: Slot, from: number): number {
    return this.state.io.checkPointer(slot.position, this.kvSize, from);
  }

  /** Compares two index blocks at `level` slot by slot. */
  *blocks(blockA: number, blockB: number, level: number): Changes {
    if (blockA !== NO_BLOCK) this.read(blockA);
    if (blockB !== NO_BLOCK) this.read(blockB);
    for (let i = 0; i < SLOT_COUNT; i++) {
      const a = this.slotAt(blockA, i);
      const b = this.slotAt(blockB, i);
      if (a.equals(b)) continue;
      const fromA = blockA + SLOT_SIZE * i;
      const fromB = blockB + SLOT_SIZE * i;
      if (a.tag === Tag.NONE) {
        yield* this.side(b, fromB, level, 'add');
      } else if (b.tag === Tag.NONE) {
        yield* this.side(a, fromA, level, 'remove');
      } else if (a.tag === Tag.INDEX && b.tag === Tag.INDEX) {
        if (level + 1 >= this.levels) throw new CorruptDatabaseError(`a map is deeper than its ${this.levels} hash nibbles allow`, fromB);
        yield* this.blocks(this.indexTarget(a, fromA), this.indexTarget(b, fromB), level + 1);
      } else if (a.tag === Tag.KV_PAIR && b.tag === Tag.KV_PAIR) {
        yield* this.pairs(this.kvTarget(a, fromA), this.kvTarget(b, fromB));
      } else if (a.tag === Tag.KV_PAIR && b.tag === Tag.INDEX) {
        yield* this.pairAgainstBlock(this.kvTarget(a, fromA), this.gather(b, fromB, level), 'remove');
      } else if (a.tag === Tag.INDEX && b.tag === Tag.KV_PAIR) {
        yield* this.pairAgainstBlock(this.kvTarget(b, fromB), this.gather(a, fromA, level), 'add');
      } else {
        const bad = a.tag === Tag.INDEX || a.tag === Tag.KV_PAIR ? b.tag : a.tag;
        throw new CorruptDatabaseError(`a map index block holds a slot with tag ${bad}`, a.tag === bad ? fromA : fromB);
      }
    }
  }

  /**
   * A kv pair on one side against the pairs under an index block on the other:
   * the pair with the same key is compared, the others are added or removed.
   * `pairSide` says what the lone pair is when no pair matches it.
   */
  private *pairAgainstBlock(kv: number, others: number[], pairSide: ChangeType): Changes {
    const otherSide: ChangeType = pairSide === 'add' ? 'remove' : 'add';
    let matched = false;
    for (const other of others) {
      if (!matched && other === kv) {
        matched = true;
        continue;
      }
      if (!matched && this.sameKey(kv, other)) {
        matched = true;
        yield* pairSide === 'remove' ? this.pairs(kv, other) : this.pairs(other, kv);
        continue;
      }
      yield this.change(other, otherSide);
    }
    if (!matched) yield this.change(kv, pairSide);
  }

  /** Every change under one side's slot when the other side holds nothing there. */
  private *side(slot: Slot, from: number, level: number, type: ChangeType): Changes {
    if (slot.tag === Tag.KV_PAIR) {
      yield this.change(this.kvTarget(slot, from), type);
      return;
    }
    if (slot.tag !== Tag.INDEX) throw new CorruptDatabaseError(`a map index block holds a slot with tag ${slot.tag}`, from);
    for (const kv of this.gather(slot, from, level)) yield this.change(kv, type);
  }

  /** The kv pairs under an index slot at `level`, in trie order; reads each block below once. */
  private gather(slot: Slot, from: number, level: number): number[] {
    const found: number[] = [];
    const stack: Array<[number, number]> = [[this.indexTarget(slot, from), level + 1]];
    while (stack.length > 0) {
      const [block, depth] = stack.pop() as [number, number];
      if (depth >= this.levels) throw new CorruptDatabaseError(`a map is deeper than its ${this.levels} hash nibbles allow`, block);
      this.read(block);
      for (let i = SLOT_COUNT - 1; i >= 0; i--) {
        const child = this.state.io.readSlot(block + SLOT_SIZE * i);
        if (child.tag === Tag.NONE) continue;
        if (child.tag === Tag.KV_PAIR) found.push(this.kvTarget(child, block + SLOT_SIZE * i));
        else if (child.tag === Tag.INDEX) stack.push([this.indexTarget(child, block + SLOT_SIZE * i), depth + 1]);
        else throw new CorruptDatabaseError(`a map index block holds a slot with tag ${child.tag}`, block + SLOT_SIZE * i);
      }
    }
    return found.reverse();
  }

  /** True when two kv pairs hold the same key: the same full hash and equal stored key bytes. */
  private sameKey(kvA: number, kvB: number): boolean {
    const io = this.state.io;
    const hashSize = io.hashSize;
    const storage = io.storage;
    const hashA = io.readBytes(kvA, hashSize);
    const at = storage.locate(kvB, hashSize);
    for (let i = 0; i < hashSize; i++) if (storage.bytes[at + i] !== hashA[i]) return false;
    const keyA = io.readSlot(kvA + hashSize);
    const keyB = io.readSlot(kvB + hashSize);
    // A key slot left empty by another implementation: the hash decides, as lookups do.
    if (keyA.isEmpty || keyB.isEmpty) return true;
    return sameScalar(io, keyA, kvA + hashSize, keyB, kvB + hashSize);
  }

  /** Two kv pairs in the same slot of both tries: one key changed (or not), or one key replaced by another. */
  private *pairs(kvA: number, kvB: number): Changes {
    this.read(kvA);
    this.read(kvB);
    if (kvA === kvB) return;
    if (!this.sameKey(kvA, kvB)) {
      yield this.change(kvA, 'remove');
      yield this.change(kvB, 'add');
      return;
    }
    if (this.isSet) return;
    const ctx = this.state.ctx;
    const valueOffset = ctx.io.hashSize + SLOT_SIZE;
    yield new Descend(cursorAt(ctx, kvA + valueOffset), cursorAt(ctx, kvB + valueOffset), stepInto(this.path, this.keyStep(kvB)));
  }

  private keyStep(kv: number): KeyStep {
    return new KeyStep(cursorAt(this.state.ctx, kv + this.state.io.hashSize), kv);
  }

  /** The change for one kv pair that only one side holds. */
  private change(kv: number, type: ChangeType): WalkChange {
    const step = this.keyStep(kv);
    const value = this.isSet ? step.key : cursorAt(this.state.ctx, kv + this.state.io.hashSize + SLOT_SIZE);
    return { path: stepInto(this.path, step), type, before: type === 'add' ? undefined : value, after: type === 'add' ? value : undefined };
  }
}

/** The root index block of a map or set cursor, checked to lie in the data. */
function rootBlock(state: DiffState, cursor: ReadCursor | undefined): number {
  if (cursor === undefined) return NO_BLOCK;
  const slot = cursor.slot;
  const kind = structureKind(slot.tag);
  if (kind === undefined) throw new CorruptDatabaseError(`a map diff met a slot with tag ${slot.tag}`, cursor.slotPosition);
  state.io.checkPointer(slot.position, kind.recordSize, cursor.slotPosition);
  return mapRootOf(slot.tag, slot.position);
}

/** Diffs two hash maps or hash sets of one kind (counted or not); see the top of this file. */
export const diffHashMaps: Differ = function* (state, before, after, path) {
  const tag = ((before ?? after) as ReadCursor).tag;
  const isSet = structureKind(tag)?.family === 'set';
  yield* new HamtDiff(state, isSet, path).blocks(rootBlock(state, before), rootBlock(state, after), 0);
};
