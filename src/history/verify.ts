// verifyDatabase(): walks every record reachable from every moment (the file
// header, the history header and list, and each moment's maps, sets, lists and
// byte values) and reports every problem it finds with its position, instead of
// stopping at the first one. FORMAT.md gives the rules checked; §Limits gives the
// bounds that keep the walk finite on hostile files.

import { CorruptDatabaseError, IncompatibleDatabaseError, InvalidArgumentError, StrataError } from '../errors.js';
import {
  ARRAY_LIST_HEADER_SIZE,
  COUNT_SIZE,
  FILE_HEADER_SIZE,
  FORMAT_TAG_SIZE,
  HISTORY_HEADER_POSITION,
  HISTORY_HEADER_SIZE,
  INDEX_BLOCK_SIZE,
  LONG_BYTES_LENGTH_SIZE,
  MAX_LIST_SHIFT,
  SLOT_COUNT,
  SLOT_SIZE,
  TWO_POW_32,
} from '../format/constants.js';
import { decodeFileHeader } from '../format/file-header.js';
import { readShortBytes } from '../format/bytes.js';
import { Slot } from '../format/slot.js';
import { FULL_FLAG, TAG_MASK, Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import type { Hasher } from '../hash/hasher.js';
import { hashKey, type ResolvedKey } from '../cursor/keys.js';
import type { Storage } from '../storage/storage.js';
import { hashNibble, kvPairSize } from '../hamt/hash-map.js';
import { shiftForCount } from '../trie/array-list.js';
import { LINKED_BLOCK_SIZE, LINKED_LIST_HEADER_SIZE, LINKED_SLOT_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import type { Engine } from './engine.js';
import { requireOptions } from '../base/arguments.js';

/** One thing wrong with a database, as {@link verifyDatabase} reports it. */
export interface VerifyProblem {
  /**
   * Absolute position of the bytes that are wrong: the slot holding a bad
   * pointer, the count that disagrees, the kv pair whose hash is wrong; -1 when
   * the problem has no single place (the walk stopped early).
   */
  position: number;
  /** What is wrong, as a sentence for people. */
  message: string;
  /**
   * Where the value lies in the logical data, e.g. `moments[2]["users"][4]`
   * (`{"name"}` for a set member, `[#hash]` for a key stored only as a hash);
   * `header` for the file and history headers, `history` for the history list.
   */
  path: string;
}

/** What {@link verifyDatabase} found. */
export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean;
  /** Every problem found, in the order the walk met them (at most `maxProblems`). */
  problems: VerifyProblem[];
  /** Moments in the history (0 for a database without history or with nothing committed). */
  moments: number;
  /** Distinct records walked: index blocks, list and map headers, kv pairs, linked blocks, byte values. */
  blocksVisited: number;
}

/** Options for {@link verifyDatabase}. */
export interface VerifyOptions {
  /** Stop after this many problems (default 1000); the report then holds exactly that many. */
  maxProblems?: number;
}

/** The default for {@link VerifyOptions.maxProblems}. */
const DEFAULT_MAX_PROBLEMS = 1000;

/**
 * How many slot reads the walk may make per 9 bytes of data. A valid database
 * reads each slot about once (shared records are walked once), so 16 leaves a
 * wide margin; a hostile file that would need more ends with a problem
 * instead of running for ever.
 */
const STEPS_PER_SLOT = 16;
/** Slot reads allowed on top of {@link STEPS_PER_SLOT}, so tiny files are not cut short. */
const STEPS_BASE = 100_000;
/** Key text longer than this is shortened in paths. */
const PATH_KEY_MAX = 40;

// What kind of block a position was first walked as. A block reached again as
// the same kind at the same place is shared (moments, clones, self-concatenated
// lists) and is not walked twice; reached as another kind or at another place,
// it is damage.
const MAP_BLOCK = 1;
const LIST_BLOCK = 2;
const LINKED_BLOCK = 3;
const KV_PAIR = 4;

const KIND_NAMES = ['', 'a map index block', 'an array list index block', 'a linked list block', 'a kv pair'];

/**
 * What the walk remembers about one record. `onPath` marks the records whose
 * walk has begun but not ended: the walk is a depth-first search over every
 * pointer, so a pointer to a record on the path is a cycle (and only such a
 * pointer: a record whose walk has ended, however it is shared, cannot lead
 * back to the walker without that cycle having been found when it was walked).
 */
interface BlockInfo {
  /** MAP_BLOCK, LIST_BLOCK, LINKED_BLOCK or KV_PAIR. */
  readonly kind: number;
  /** Trie level (map), level above the leaves (array list) or height (linked list). */
  readonly level: number;
  /** Map blocks: the hash nibbles leading to the block, as hex digits. */
  readonly prefix: string;
  /** True while the walk is below this block. */
  onPath: boolean;
  /** Entries below (map), items covered so far (array list) or items claimed (linked list). */
  count: number;
  /** False when a problem made `count` unreliable. */
  complete: boolean;
}

/** A value record (map, set, list, long bytes) and whether its walk is under way. */
interface ValueInfo {
  readonly tag: number;
  onPath: boolean;
}

/** A step of the logical path, linked to its parent so that paths cost nothing until printed. */
interface PathNode {
  readonly parent: PathNode | undefined;
  readonly segment: string;
}

/** What a finished sub-walk hands back to its parent. */
interface WalkResult {
  /** Entries (map), items (linked list), or 1 for a kv pair. */
  readonly count: number;
  /** False when the sub-walk could not read everything it counts. */
  readonly complete: boolean;
}

/** A sub-walk the running one asks the driver to run before it continues. */
interface Visit {
  readonly walk: Walk;
  /** Where the pointer to it is, for problems the driver must report on its behalf. */
  readonly from: number;
  readonly path: PathNode | string | undefined;
}

/**
 * One record's walk. It yields a {@link Visit} for each record it points at and
 * receives that record's result, so the driver runs the whole depth-first
 * search from an explicit stack: no recursion, whatever the nesting depth.
 */
type Walk = Generator<Visit, WalkResult, WalkResult>;

const DONE: WalkResult = { count: 0, complete: true };
const FAILED: WalkResult = { count: 0, complete: false };

/** Thrown inside the walk to end it (problem limit or work budget); never escapes. */
class StopWalk extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Walks every block reachable from every moment and reports each problem found,
 * with its position and logical path, without stopping at the first one. A
 * clean database reports none.
 *
 * What is checked: the file and history headers; the history list; for every
 * value, that pointers lie inside the data, below the committed size and past
 * the headers; map tries (slot tags, depth, each kv pair's hash against its
 * place in the trie and against the hash of its stored key, collapsed
 * branches, counted structures' stored counts against their entries); array
 * lists (count within the data, branch slots on every item's path); linked
 * lists (header, shift, branch tags, leaf counts against their subtrees, the
 * header count against the root); long bytes lengths; gen-2 values (tags 14
 * and 15, B-tree lists), which are reported as incompatible; and every pointer
 * cycle, whether blocks point back at their ancestors or a value contains
 * itself (both would send a recursive reader round for ever).
 *
 * The walk is one depth-first search over every pointer, driven from an
 * explicit stack. Records shared between moments, clones and self-concatenated
 * lists are walked once, which also bounds the work on hostile files; a work
 * budget proportional to the data size is the last line of defence. Memory
 * grows with the number of distinct records, at most the data size / 9.
 *
 * Call it outside a transaction. Browser-safe.
 *
 * @param engine - an open database (read-only or read-write)
 * @param options - `maxProblems` (default 1000)
 * @returns the report; `ok` is true when `problems` is empty
 * @throws InvalidArgumentError when `maxProblems` is below 1; nothing for
 *   damaged data: every {@link StrataError} raised while reading becomes a
 *   problem, and anything else would be a bug in this build
 *
 * Cost: O(data size) time, O(records) memory.
 *
 * @example
 * ```ts
 * const report = verifyDatabase(engine);
 * for (const p of report.problems) console.log(`${p.position}\t${p.path}\t${p.message}`);
 * ```
 */
export function verifyDatabase(engine: Engine, options: VerifyOptions = {}): VerifyReport {
  requireOptions(options, 'verify');
  const maxProblems = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
  // Written as a negation so that NaN is refused too.
  if (!(maxProblems >= 1)) throw new InvalidArgumentError(`maxProblems must be at least 1, got ${maxProblems}`);
  // The writer's deferred list counts, if any, must be on storage before the bytes are judged.
  engine.io.tx.flushPending();
  return new Verifier(engine.io, engine.hasher, Math.floor(maxProblems)).run();
}

/** One verification run: the walk's state and its checks. */
class Verifier {
  private readonly io: BlockIO;
  private readonly storage: Storage;
  private readonly hasher: Hasher;
  private readonly maxProblems: number;
  private readonly size: number;
  private readonly problems: VerifyProblem[] = [];
  private readonly reported = new Set<string>();
  private readonly blocks = new Map<number, BlockInfo>();
  /** Value records walked, by position. Kept apart from blocks: a map's record is its root block. */
  private readonly values = new Map<number, ValueInfo>();
  /** Hashes of long keys, by record position, so a key shared by many kv pairs is hashed once. */
  private readonly keyHashes = new Map<number, Uint8Array>();
  private readonly stepBudget: number;
  private steps = 0;
  private blocksVisited = 0;
  private moments = 0;
  /** Records must end at or before this: the committed size (or the data size without history). */
  private limit: number;
  /** Records must start at or after this: pointers into the headers are damage. */
  private dataStart = FILE_HEADER_SIZE;

  constructor(io: BlockIO, hasher: Hasher, maxProblems: number) {
    this.io = io;
    this.storage = io.storage;
    this.hasher = hasher;
    this.maxProblems = maxProblems;
    this.size = io.storage.size();
    this.limit = this.size;
    this.stepBudget = STEPS_PER_SLOT * Math.ceil(this.size / SLOT_SIZE) + STEPS_BASE;
  }

  run(): VerifyReport {
    try {
      this.drive({ walk: this.walkRoot(), from: 0, path: 'header' });
    } catch (error) {
      if (!(error instanceof StopWalk)) throw error;
    }
    return { ok: this.problems.length === 0, problems: this.problems, moments: this.moments, blocksVisited: this.blocksVisited };
  }

  /**
   * Runs a walk and every sub-walk it asks for, depth first, from an explicit
   * stack. A sub-walk that throws a StrataError becomes a problem and its
   * parent carries on with the siblings; anything else is a bug and propagates.
   */
  private drive(first: Visit): void {
    const stack: Visit[] = [first];
    let input: WalkResult = DONE;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Visit;
      let step: IteratorResult<Visit, WalkResult>;
      try {
        step = top.walk.next(input);
      } catch (error) {
        this.fail(error, top.from, top.path);
        stack.pop();
        input = FAILED;
        continue;
      }
      if (step.done === true) {
        stack.pop();
        input = step.value;
      } else {
        stack.push(step.value);
        input = DONE;
      }
    }
  }

  // ---------------------------------------------------------------- reporting

  private report(position: number, message: string, path: PathNode | string | undefined): void {
    const key = `${position}\u0000${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({ position, message, path: typeof path === 'string' ? path : pathText(path) });
    if (this.problems.length >= this.maxProblems) throw new StopWalk();
  }

  /** Turns a StrataError into a problem at its own position when it has one; rethrows anything else. */
  private fail(error: unknown, position: number, path: PathNode | string | undefined): void {
    if (error instanceof StopWalk || !(error instanceof StrataError)) throw error;
    const at = error instanceof CorruptDatabaseError && error.position >= 0 ? error.position : position;
    this.report(at, error.message.replace(/ \(at position \d+\)$/, ''), path);
  }

  /** Counts one unit of work; ends the walk when the budget is spent (a hostile file). */
  private step(): void {
    if (++this.steps > this.stepBudget) {
      this.steps = Number.NEGATIVE_INFINITY;
      this.report(-1, `verification stopped after ${this.stepBudget} slot reads, more than a database of ${this.size} bytes can need`, undefined);
      throw new StopWalk();
    }
  }

  // ---------------------------------------------------------------- reading

  /**
   * Checks that a record of `size` bytes at `position` lies inside the data,
   * below the committed size and after the headers; reports at `from` otherwise.
   */
  private inRange(position: number, size: number, from: number, what: string, path: PathNode | string | undefined): boolean {
    if (position < this.dataStart) {
      this.report(from, `${what} points at ${position}, inside the headers`, path);
      return false;
    }
    if (position + size > this.size) {
      this.report(from, `${what} points at ${position}, past the end of the data (${this.size} bytes)`, path);
      return false;
    }
    if (position + size > this.limit) {
      this.report(from, `${what} points at ${position}, past the committed size (${this.limit} bytes)`, path);
      return false;
    }
    return true;
  }

  /** The position a pointer slot names, or -1 (reported) when it is out of range. */
  private target(slot: Slot, size: number, from: number, path: PathNode | string | undefined): number {
    if (slot.hi >= 0x200000) {
      this.report(from, `a ${tagName(slot.tag)} slot points beyond 2^53`, path);
      return -1;
    }
    const position = slot.position;
    return this.inRange(position, size, from, `a ${tagName(slot.tag)} slot`, path) ? position : -1;
  }

  /** Reads a slot, or reports why it cannot and returns undefined. */
  private slotAt(position: number, path: PathNode | string | undefined): Slot | undefined {
    this.step();
    if (position < 0 || position + SLOT_SIZE > this.size) {
      this.report(position, 'a slot lies past the end of the data', path);
      return undefined;
    }
    // locate first: a file storage may swap its view when it makes the bytes readable.
    const offset = this.storage.locate(position, SLOT_SIZE);
    const view = this.storage.view;
    const tagByte = view.getUint8(offset);
    const tag = tagByte & TAG_MASK;
    if (tag > 15) {
      this.report(position, `unknown slot tag ${tag}`, path);
      return undefined;
    }
    return new Slot(tag, (tagByte & FULL_FLAG) !== 0, view.getUint32(offset + 1), view.getUint32(offset + 5));
  }

  /** Reads a u64 count or position, or reports why it cannot and returns -1. */
  private u64At(position: number, what: string, path: PathNode | string | undefined): number {
    if (position < 0 || position + 8 > this.size) {
      this.report(position, `${what} lies past the end of the data`, path);
      return -1;
    }
    const offset = this.storage.locate(position, 8);
    const view = this.storage.view;
    const hi = view.getUint32(offset);
    const lo = view.getUint32(offset + 4);
    if (hi >= 0x200000) {
      this.report(position, `${what} ${hi} * 2^32 + ${lo} is beyond 2^53`, path);
      return -1;
    }
    return hi * TWO_POW_32 + lo;
  }

  // ---------------------------------------------------------------- headers and history

  private *walkRoot(): Walk {
    if (this.size < FILE_HEADER_SIZE) {
      this.report(0, `a database starts with a ${FILE_HEADER_SIZE}-byte header, found ${this.size} bytes`, 'header');
      return DONE;
    }
    const bytes = new Uint8Array(FILE_HEADER_SIZE);
    this.storage.read(0, bytes);
    let rootTag: number = Tag.NONE;
    try {
      rootTag = decodeFileHeader(bytes).rootTag;
    } catch (error) {
      this.fail(error, 0, 'header');
      return DONE;
    }
    if (rootTag === Tag.HASH_MAP) {
      // Without history the root map's block is at 12 and changes in place; there is no committed size.
      if (!this.inRange(FILE_HEADER_SIZE, INDEX_BLOCK_SIZE, 3, 'the root tag', 'header')) return DONE;
      const root: PathNode = { parent: undefined, segment: 'root' };
      yield { walk: this.walkMapBlock(FILE_HEADER_SIZE, 0, '', 3, root, false, true), from: 3, path: root };
    } else if (rootTag === Tag.ARRAY_LIST) {
      yield* this.walkHistory();
    }
    // Root tag none: nothing is committed yet, so nothing is reachable.
    return DONE;
  }

  private *walkHistory(): Walk {
    if (this.size < HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE) {
      this.report(HISTORY_HEADER_POSITION, 'the history header is cut off', 'header');
      return DONE;
    }
    const count = this.u64At(HISTORY_HEADER_POSITION, 'the moment count', 'header');
    const root = this.u64At(HISTORY_HEADER_POSITION + 8, 'the history root', 'header');
    let committed = this.u64At(HISTORY_HEADER_POSITION + 16, 'the committed size', 'header');
    if (count < 0 || root < 0 || committed < 0) return DONE;
    // FORMAT.md §History header: xitdb writes 0 until its first commit.
    if (committed === 0) committed = count === 0 ? Math.min(this.size, root + INDEX_BLOCK_SIZE) : this.size;
    if (committed > this.size) {
      this.report(HISTORY_HEADER_POSITION + 16, `the history header says ${committed} bytes are committed, but the data has ${this.size}`, 'header');
      committed = this.size;
    }
    this.limit = committed;
    this.dataStart = HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE;
    if (count > Math.ceil(this.size / SLOT_SIZE)) {
      this.report(HISTORY_HEADER_POSITION, `the history claims ${count} moments, more than the data can hold`, 'header');
      return DONE;
    }
    this.moments = count;
    if (!this.inRange(root, INDEX_BLOCK_SIZE, HISTORY_HEADER_POSITION + 8, 'the history root', 'header')) return DONE;
    yield { walk: this.walkListBlock(root, shiftForCount(count), 0, count, HISTORY_HEADER_POSITION + 8, undefined), from: HISTORY_HEADER_POSITION + 8, path: 'history' };
    return DONE;
  }

  // ---------------------------------------------------------------- values

  /** The visit of the value in the slot at `from`, one step below `parent`. */
  private value(slot: Slot, from: number, parent: PathNode | undefined, segment: string): Visit {
    const path: PathNode = { parent, segment };
    return { walk: this.walkValue(slot, from, path), from, path };
  }

  private *walkValue(slot: Slot, from: number, path: PathNode): Walk {
    switch (slot.tag) {
      case Tag.NONE:
      case Tag.UINT:
      case Tag.INT:
      case Tag.FLOAT:
      case Tag.SHORT_BYTES:
        return DONE;
      case Tag.INDEX:
      case Tag.KV_PAIR:
        this.report(from, `a ${tagName(slot.tag)} slot where a value is expected (FORMAT.md §Tags, where tags appear)`, path);
        return DONE;
      case Tag.BYTES:
      case Tag.HASH_MAP:
      case Tag.HASH_SET:
      case Tag.COUNTED_HASH_MAP:
      case Tag.COUNTED_HASH_SET:
      case Tag.ARRAY_LIST:
      case Tag.LINKED_ARRAY_LIST:
        break;
      default:
        // Tags 14 and 15 (slotAt refuses anything above 15).
        this.report(from, `incompatible: a ${tagName(slot.tag)} (tag ${slot.tag}), a second-generation xitdb structure that this build does not read`, path);
        return DONE;
    }
    const info = this.enterValue(slot, from, path);
    if (info === undefined) return DONE;
    try {
      switch (slot.tag) {
        case Tag.BYTES:
          this.walkLongBytes(slot, from, path);
          break;
        case Tag.ARRAY_LIST:
          yield* this.walkArrayList(slot, from, path);
          break;
        case Tag.LINKED_ARRAY_LIST:
          yield* this.walkLinkedList(slot, from, path);
          break;
        default:
          yield* this.walkMap(slot, from, path);
      }
    } finally {
      info.onPath = false;
    }
    return DONE;
  }

  /**
   * Marks a value record as on the path and returns its info, the first time it
   * is met. Met again, it is not walked twice: as the same tag it is shared (or,
   * still on the path, contains itself), as another tag it is damage.
   */
  private enterValue(slot: Slot, from: number, path: PathNode): ValueInfo | undefined {
    if (slot.hi >= 0x200000) {
      this.report(from, `a ${tagName(slot.tag)} slot points beyond 2^53`, path);
      return undefined;
    }
    const position = slot.position;
    const seen = this.values.get(position);
    if (seen === undefined) {
      const info: ValueInfo = { tag: slot.tag, onPath: true };
      this.values.set(position, info);
      return info;
    }
    if (seen.tag !== slot.tag) {
      this.report(from, `a ${tagName(slot.tag)} slot points at ${position}, which is already read as a ${tagName(seen.tag)}`, path);
    } else if (seen.onPath) {
      // A recursive reader (dumpDatabase) would descend into this value for ever.
      this.report(from, `a ${tagName(slot.tag)} contains itself: this slot points back at ${position}, a value it is nested in`, path);
    }
    return undefined;
  }

  private walkLongBytes(slot: Slot, from: number, path: PathNode): void {
    const position = this.target(slot, LONG_BYTES_LENGTH_SIZE, from, path);
    if (position < 0) return;
    this.blocksVisited++;
    const length = this.u64At(position, 'a byte value length', path);
    if (length < 0) return;
    const end = position + LONG_BYTES_LENGTH_SIZE + length + (slot.full ? FORMAT_TAG_SIZE : 0);
    if (end > this.size) {
      this.report(position, `a byte value claims ${length} bytes, more than the data holds`, path);
    } else if (end > this.limit) {
      this.report(position, `a byte value of ${length} bytes runs past the committed size (${this.limit} bytes)`, path);
    }
  }

  // ---------------------------------------------------------------- maps and sets

  private *walkMap(slot: Slot, from: number, path: PathNode): Walk {
    const counted = slot.tag === Tag.COUNTED_HASH_MAP || slot.tag === Tag.COUNTED_HASH_SET;
    const isSet = slot.tag === Tag.HASH_SET || slot.tag === Tag.COUNTED_HASH_SET;
    const position = this.target(slot, counted ? COUNT_SIZE + INDEX_BLOCK_SIZE : INDEX_BLOCK_SIZE, from, path);
    if (position < 0) return DONE;
    const root = counted ? position + COUNT_SIZE : position;
    const result = yield { walk: this.walkMapBlock(root, 0, '', from, path, isSet, true), from, path };
    if (!counted) return DONE;
    this.blocksVisited++;
    const count = this.u64At(position, 'a counted structure count', path);
    // A count is only judged against a trie that was read completely.
    if (count >= 0 && result.complete && count !== result.count) {
      this.report(position, `a ${tagName(slot.tag)} stores the count ${count} but holds ${result.count} entries`, path);
    }
    return DONE;
  }

  /**
   * Walks one map index block at trie `level`, reached by the hash nibbles in
   * `prefix`. The depth is bounded by the hash's nibble count (at most 128).
   *
   * @returns the entries below, and whether every one of them could be read
   */
  private *walkMapBlock(position: number, level: number, prefix: string, from: number, path: PathNode, isSet: boolean, isRoot: boolean): Walk {
    const seen = this.blocks.get(position);
    if (seen !== undefined) {
      if (seen.kind === MAP_BLOCK && seen.level === level && seen.prefix === prefix && !seen.onPath) return seen;
      this.reportRevisit(seen, from, path);
      return FAILED;
    }
    const info: BlockInfo = { kind: MAP_BLOCK, level, prefix, onPath: true, count: 0, complete: true };
    this.blocks.set(position, info);
    this.blocksVisited++;
    const levels = 2 * this.io.hashSize;
    let count = 0;
    let complete = true;
    let used = 0;
    let lastTag: number = Tag.NONE;
    try {
      for (let i = 0; i < SLOT_COUNT; i++) {
        const slotPosition = position + SLOT_SIZE * i;
        const slot = this.slotAt(slotPosition, path);
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
            this.report(slotPosition, `a map is deeper than its ${levels} hash nibbles allow`, path);
          } else {
            const child = this.target(slot, INDEX_BLOCK_SIZE, slotPosition, path);
            if (child >= 0) below = yield { walk: this.walkMapBlock(child, level + 1, childPrefix, slotPosition, path, isSet, false), from: slotPosition, path };
          }
        } else if (slot.tag === Tag.KV_PAIR) {
          const kv = this.target(slot, kvPairSize(this.io.hashSize), slotPosition, path);
          if (kv >= 0) below = yield { walk: this.walkKvPair(kv, childPrefix, slotPosition, path, isSet), from: kv, path };
        } else {
          this.report(slotPosition, `a map index block holds a ${tagName(slot.tag)} slot`, path);
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
      this.report(position, `a map index block below the root holds ${used === 0 ? 'nothing' : 'a single kv pair'}; it should have collapsed into its parent`, path);
    }
    return info;
  }

  /** Reports a block reached again where the walk cannot accept it. */
  private reportRevisit(seen: BlockInfo, from: number, path: PathNode | string | undefined): void {
    const what = KIND_NAMES[seen.kind] ?? 'a block';
    if (seen.onPath) {
      this.report(from, `this slot points back at ${what} on its own path (a cycle)`, path);
    } else {
      const where = seen.kind === KV_PAIR ? '' : ` at ${seen.kind === LINKED_BLOCK ? 'height' : 'level'} ${seen.level}`;
      this.report(from, `this slot points at a block already reached elsewhere as ${what}${where}`, path);
    }
  }

  /**
   * Checks one kv pair: its hash against the nibbles that led to it and against
   * the hash of its stored key; walks its value (maps) and any non-bytes key.
   *
   * @returns a count of 1: one entry of the map
   */
  private *walkKvPair(kv: number, prefix: string, from: number, path: PathNode, isSet: boolean): Walk {
    const hashSize = this.io.hashSize;
    this.step();
    const hash = this.io.readBytes(kv, hashSize);
    for (let level = 0; level < prefix.length; level++) {
      const expected = parseInt(prefix.charAt(level), 16);
      if (hashNibble(hash, level) !== expected) {
        this.report(kv, `a kv pair's hash ${hex(hash)} does not belong here: its nibble ${level} is ${hashNibble(hash, level).toString(16)}, the trie path says ${expected.toString(16)}`, path);
        break;
      }
    }
    const seen = this.blocks.get(kv);
    if (seen !== undefined) {
      // The same pair in two versions of a map is normal sharing; anything else is damage.
      if (seen.kind !== KV_PAIR || seen.onPath) {
        this.reportRevisit(seen, from, path);
        return FAILED;
      }
      return ONE_ENTRY;
    }
    const info: BlockInfo = { kind: KV_PAIR, level: 0, prefix: '', onPath: true, count: 1, complete: true };
    this.blocks.set(kv, info);
    this.blocksVisited++;
    try {
      const keyPosition = kv + hashSize;
      const keySlot = this.slotAt(keyPosition, path);
      if (keySlot === undefined) return ONE_ENTRY;
      let segment: string;
      if (keySlot.tag === Tag.SHORT_BYTES || keySlot.tag === Tag.BYTES) {
        const key = this.keyBytes(keySlot, keyPosition, path);
        if (key === undefined) return ONE_ENTRY;
        segment = keySegment(key.bytes, isSet);
        // A tagged key's hash covers its format tag too (FORMAT.md §Key identity).
        const keyHash = keySlot.tag === Tag.BYTES ? this.longKeyHash(keySlot.position, key, kv, path) : this.keyHash(key, kv, path);
        if (keyHash !== undefined && !sameBytes(keyHash, hash)) {
          this.report(kv, `a kv pair's stored hash ${hex(hash)} is not the hash of its key ${segment} (${hex(keyHash)})`, path);
        }
      } else {
        // FORMAT.md §Hash maps, key identity: an empty (or non-bytes) key is matched by hash alone.
        segment = isSet ? `{#${hex(hash)}}` : `[#${hex(hash)}]`;
        if (keySlot.tag !== Tag.NONE) yield this.value(keySlot, keyPosition, path, `${segment}.key`);
      }
      const valuePosition = keyPosition + SLOT_SIZE;
      // Read even in a set, whose member values readers ignore: an unknown tag there is still
      // refused by every reader that decodes the pair (FORMAT.md §Tags), so it is reported.
      const valueSlot = this.slotAt(valuePosition, path);
      if (valueSlot !== undefined && !isSet) yield this.value(valueSlot, valuePosition, path, segment);
    } finally {
      info.onPath = false;
    }
    return ONE_ENTRY;
  }

  /** The bytes of a key slot (checking a long key's record like any byte value), or undefined when unreadable. */
  private keyBytes(slot: Slot, from: number, path: PathNode): ResolvedKey | undefined {
    if (slot.tag === Tag.SHORT_BYTES) return readShortBytes(slot);
    const keyPath: PathNode = { parent: path, segment: '<key>' };
    const problemsBefore = this.problems.length;
    const info = this.enterValue(slot, from, keyPath);
    if (info !== undefined) {
      this.walkLongBytes(slot, from, keyPath);
      info.onPath = false;
    }
    if (this.problems.length > problemsBefore) return undefined;
    const position = this.target(slot, LONG_BYTES_LENGTH_SIZE, from, keyPath);
    if (position < 0) return undefined;
    const length = this.u64At(position, 'a byte value length', keyPath);
    if (length < 0 || position + LONG_BYTES_LENGTH_SIZE + length + (slot.full ? FORMAT_TAG_SIZE : 0) > this.limit) return undefined;
    // The length was checked against the data just above, so these allocations are bounded by the file.
    const bytes = this.io.readBytes(position + LONG_BYTES_LENGTH_SIZE, length);
    const formatTag = slot.full ? this.io.readBytes(position + LONG_BYTES_LENGTH_SIZE + length, FORMAT_TAG_SIZE) : undefined;
    return { bytes, formatTag };
  }

  /** Hashes a long key once per record, however many kv pairs share it. */
  private longKeyHash(position: number, key: ResolvedKey, kv: number, path: PathNode): Uint8Array | undefined {
    let hash = this.keyHashes.get(position);
    if (hash === undefined) {
      hash = this.keyHash(key, kv, path);
      if (hash === undefined) return undefined;
      this.keyHashes.set(position, hash);
    }
    return hash;
  }

  /**
   * A key's hash, or undefined after reporting a hasher that failed on it: the
   * hasher is the caller's code, and verification reports rather than throws
   * (a hash of the wrong size, or any error the hasher raises, is a problem at
   * the kv pair; the walk goes on).
   */
  private keyHash(key: ResolvedKey, kv: number, path: PathNode | undefined): Uint8Array | undefined {
    try {
      return hashKey(this.hasher, key);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.report(kv, `the key's hash could not be computed: ${message}`, path);
      return undefined;
    }
  }

  // ---------------------------------------------------------------- array lists

  private *walkArrayList(slot: Slot, from: number, path: PathNode): Walk {
    const header = this.target(slot, ARRAY_LIST_HEADER_SIZE, from, path);
    if (header < 0) return DONE;
    this.blocksVisited++;
    const count = this.u64At(header, 'an array list count', path);
    const root = this.u64At(header + 8, 'an array list root', path);
    if (count < 0 || root < 0) return DONE;
    // FORMAT.md §Limits: each item needs a slot of its own.
    if (count > Math.ceil(this.size / SLOT_SIZE)) {
      this.report(header, `an array list claims ${count} items, more than the data can hold`, path);
      return DONE;
    }
    if (!this.inRange(root, INDEX_BLOCK_SIZE, header + 8, 'an array list root', path)) return DONE;
    yield { walk: this.walkListBlock(root, shiftForCount(count), 0, count, header + 8, path), from: header + 8, path };
    return DONE;
  }

  /**
   * Walks the block at `level` (0 = leaf) holding items from `base`, of a list
   * of `count` items; `path` undefined means the history list (items are
   * moments). Slots past the count are stale and ignored (FORMAT.md §Array
   * lists, slice). A block shared by lists of different counts is walked again
   * only for the items it did not cover before. The depth is at most 14 levels.
   */
  private *walkListBlock(position: number, level: number, base: number, count: number, from: number, path: PathNode | undefined): Walk {
    const where = path ?? 'history';
    const span = POW16[level] as number;
    const coverage = Math.min(count - base, span * SLOT_COUNT);
    let info = this.blocks.get(position);
    let coveredBefore = 0;
    if (info !== undefined) {
      if (info.kind !== LIST_BLOCK || info.level !== level || info.onPath) {
        this.reportRevisit(info, from, where);
        return FAILED;
      }
      if (info.count >= coverage) return DONE;
      coveredBefore = info.count;
    } else {
      info = { kind: LIST_BLOCK, level, prefix: '', onPath: false, count: 0, complete: true };
      this.blocks.set(position, info);
      this.blocksVisited++;
    }
    info.onPath = true;
    try {
      if (level === 0) {
        for (let i = coveredBefore; i < coverage; i++) {
          const slotPosition = position + SLOT_SIZE * i;
          const slot = this.slotAt(slotPosition, where);
          if (slot === undefined) continue;
          const index = base + i;
          yield path === undefined ? this.value(slot, slotPosition, undefined, `moments[${index}]`) : this.value(slot, slotPosition, path, `[${index}]`);
        }
      } else {
        const last = Math.ceil(coverage / span);
        for (let d = Math.floor(coveredBefore / span); d < last; d++) {
          const slotPosition = position + SLOT_SIZE * d;
          const slot = this.slotAt(slotPosition, where);
          if (slot === undefined) continue;
          if (slot.tag !== Tag.INDEX) {
            this.report(slotPosition, `an array list branch holds a ${tagName(slot.tag)} slot where an index block is needed (items from ${base + d * span})`, where);
            continue;
          }
          const child = this.target(slot, INDEX_BLOCK_SIZE, slotPosition, where);
          if (child >= 0) yield { walk: this.walkListBlock(child, level - 1, base + d * span, count, slotPosition, path), from: slotPosition, path: where };
        }
      }
    } finally {
      info.onPath = false;
    }
    info.count = Math.max(info.count, coverage);
    return DONE;
  }

  // ---------------------------------------------------------------- linked lists

  private *walkLinkedList(slot: Slot, from: number, path: PathNode): Walk {
    const header = this.target(slot, LINKED_LIST_HEADER_SIZE, from, path);
    if (header < 0) return DONE;
    this.blocksVisited++;
    // The reader's own check also tells a gen-2 (B-tree) list apart; that one is incompatible, not corrupt.
    let headerError: StrataError | undefined;
    try {
      readLinkedListHeader(this.io, header);
    } catch (error) {
      if (error instanceof IncompatibleDatabaseError) {
        this.report(from, `incompatible: ${error.message}`, path);
        return DONE;
      }
      if (!(error instanceof StrataError)) throw error;
      headerError = error;
    }
    const problemsBefore = this.problems.length;
    const count = this.u64At(header, 'a linked list count', path);
    const root = this.u64At(header + 8, 'a linked list root', path);
    const shiftOffset = this.storage.locate(header + 16, 1);
    const shift = this.storage.view.getUint8(shiftOffset) & 0x3f;
    if (shift >= MAX_LIST_SHIFT) {
      this.report(header + 16, `a linked list has shift ${shift}, above the maximum ${MAX_LIST_SHIFT - 1}`, path);
    } else if (count >= 0 && root >= 0 && this.inRange(root, LINKED_BLOCK_SIZE, header + 8, 'a linked list root', path)) {
      const result = yield { walk: this.walkLinkedBlock(root, shift, header + 8, path, 0), from: header + 8, path };
      if (result.complete && result.count !== count) {
        this.report(header, `a linked list's header counts ${count} items but its root holds ${result.count}`, path);
      }
    }
    // Should our own checks have missed what the reader refused, the reader's words stand.
    if (headerError !== undefined && this.problems.length === problemsBefore) this.fail(headerError, header, path);
    return DONE;
  }

  /**
   * Walks a linked block at `height` (0 = leaf) whose first item has index
   * `base` in the list. Branch counts are checked against what their subtrees
   * hold. The depth is at most 15 (the shift limit).
   *
   * @returns the items the block claims (leaf: its items; branch: the sum of its
   *   counts), and whether the block's own entries could all be read, so that
   *   the claim can be judged (problems further down do not change it)
   */
  private *walkLinkedBlock(position: number, height: number, from: number, path: PathNode, base: number): Walk {
    const seen = this.blocks.get(position);
    if (seen !== undefined) {
      // Self-concatenated lists share blocks at the same height: walked once.
      if (seen.kind === LINKED_BLOCK && seen.level === height && !seen.onPath) return seen;
      this.reportRevisit(seen, from, path);
      return FAILED;
    }
    const info: BlockInfo = { kind: LINKED_BLOCK, level: height, prefix: '', onPath: true, count: 0, complete: true };
    this.blocks.set(position, info);
    this.blocksVisited++;
    let total = 0;
    let complete = true;
    try {
      for (let i = 0; i < SLOT_COUNT; i++) {
        const at = position + LINKED_SLOT_SIZE * i;
        const slot = this.slotAt(at, path);
        if (slot === undefined) {
          complete = false;
          continue;
        }
        if (slot.isEmpty) continue; // a gap (FORMAT.md §Linked array lists)
        if (height === 0) {
          total++;
          yield this.value(slot, at, path, `[${base + total - 1}]`);
          continue;
        }
        if (slot.tag !== Tag.INDEX) {
          this.report(at, `a linked list branch holds a ${tagName(slot.tag)} slot`, path);
          complete = false;
          continue;
        }
        const stated = this.u64At(at + SLOT_SIZE, 'a linked list leaf count', path);
        if (stated < 0) {
          complete = false;
          continue;
        }
        if (stated === 0) {
          this.report(at + SLOT_SIZE, 'a linked list branch points at an empty subtree (its leaf count is 0)', path);
          continue;
        }
        const child = this.target(slot, LINKED_BLOCK_SIZE, at, path);
        if (child >= 0) {
          const below = yield { walk: this.walkLinkedBlock(child, height - 1, at, path, base + total), from: at, path };
          if (below.complete && below.count !== stated) {
            this.report(at + SLOT_SIZE, `a linked list branch counts ${stated} items below it, but its subtree holds ${below.count}`, path);
          }
        }
        // The block's claim is the sum of its own counts, whatever lies below them.
        total += stated;
      }
    } finally {
      info.onPath = false;
    }
    info.count = total;
    info.complete = complete;
    return info;
  }
}

const ONE_ENTRY: WalkResult = { count: 1, complete: true };

const NIBBLE_DIGITS = '0123456789abcdef';

const POW16: number[] = [];
for (let i = 0; i <= 15; i++) POW16.push(16 ** i);

/** The printed form of a path: its segments from the moment down. */
function pathText(path: PathNode | undefined): string {
  const segments: string[] = [];
  for (let node = path; node !== undefined; node = node.parent) segments.push(node.segment);
  return segments.reverse().join('');
}

/** A map key (`["name"]`) or set member (`{"name"}`) for paths: text when it is UTF-8, else hex. */
function keySegment(bytes: Uint8Array, isSet: boolean): string {
  let text: string;
  try {
    if (bytes.indexOf(0) !== -1) throw new Error('not text');
    const decoded = utf8.decode(bytes);
    text = JSON.stringify(decoded.length > PATH_KEY_MAX ? `${decoded.slice(0, PATH_KEY_MAX)}...` : decoded);
  } catch {
    const shown = bytes.length > PATH_KEY_MAX ? bytes.subarray(0, PATH_KEY_MAX) : bytes;
    text = `0x${hex(shown)}${shown.length < bytes.length ? '...' : ''}`;
  }
  return isSet ? `{${text}}` : `[${text}]`;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
