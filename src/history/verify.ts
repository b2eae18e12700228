// verifyDatabase(): walks every record reachable from every moment (the file
// header, the history header and list, and each moment's maps, sets, lists and
// byte values) and reports every problem it finds with its position, instead of
// stopping at the first one. FORMAT.md gives the rules checked; §Limits gives the
// bounds that keep the walk finite on hostile files.

import { CorruptDatabaseError, InvalidArgumentError, StrataError } from '../errors.js';
import { FILE_HEADER_SIZE, FORMAT_TAG_SIZE, HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE, INDEX_BLOCK_SIZE, LONG_BYTES_LENGTH_SIZE, SLOT_SIZE, TWO_POW_32 } from '../format/constants.js';
import { decodeFileHeader } from '../format/file-header.js';
import { readShortBytes, type TaggedBytes } from '../format/bytes.js';
import { Slot } from '../format/slot.js';
import { FULL_FLAG, TAG_MASK, Tag, tagName } from '../format/tags.js';
import type { BlockIO } from '../core/block-io.js';
import { BTREE_NODE_BLOCK, DONE, FAILED, KV_PAIR_BLOCK, LINKED_BLOCK, SORTED_NODE_BLOCK, type BlockInfo, type PathLike, type PathNode, type VerifyContext, type Visit, type Walk, type WalkResult } from '../core/verify-context.js';
import type { Hasher } from '../hash/hasher.js';
import { fallbackKeyHashes, hashKey } from '../cursor/keys.js';
import type { Storage } from '../storage/storage.js';
import { walkMapBlock } from '../hamt/verify.js';
import { shiftForCount } from '../trie/array-list.js';
import { walkListBlock } from '../trie/verify.js';
import { tagInfo, type TagInfo } from '../kinds/table.js';
import { structureVerifier, type StructureVerifier } from '../kinds/verifiers.js';
import type { Engine } from './engine.js';
import { requireOptions } from '../base/arguments.js';
import type { ProgressCallback } from './progress.js';

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
  /**
   * Called every few thousand slot reads with the reads so far and an
   * estimate of the total (one read per slot of the committed data: a clean
   * database reads each slot about once); a last call at the end has both
   * equal.
   */
  onProgress?: ProgressCallback;
}

/** Slot reads between two progress calls. */
const PROGRESS_STEPS = 4096;

/** The default for {@link VerifyOptions.maxProblems}. */
const PROBLEMS_MAX_DEFAULT = 1000;

/**
 * How many slot reads the walk may make per 9 bytes of data. A valid database
 * reads each slot about once (shared records are walked once), so 16 leaves a
 * wide margin; a hostile file that would need more ends with a problem
 * instead of running for ever.
 */
const STEPS_PER_SLOT = 16;
/** Slot reads allowed on top of {@link STEPS_PER_SLOT}, so tiny files are not cut short. */
const STEPS_BASE = 100_000;
const KIND_NAMES = ['', 'a map index block', 'an array list index block', 'a linked list block', 'a kv pair', 'a gen-2 linked list node', 'a sorted map node'];

/** A value record (map, set, list, long bytes) and whether its walk is under way. */
interface ValueInfo {
  readonly tag: number;
  onPath: boolean;
}

/** Thrown inside the walk to end it (problem limit or work budget); never escapes. */
class StopWalk extends Error {}

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
  const maxProblems = options.maxProblems ?? PROBLEMS_MAX_DEFAULT;
  // Written as a negation so that NaN is refused too.
  if (!(maxProblems >= 1)) throw new InvalidArgumentError(`maxProblems must be at least 1, got ${maxProblems}`);
  // The writer's deferred list counts, if any, must be on storage before the bytes are judged.
  engine.io.tx.flushPending();
  return new Verifier(engine.io, engine.hasher, Math.floor(maxProblems), options.onProgress).run();
}

/** One verification run: the walk's state and its checks. */
class Verifier implements VerifyContext {
  readonly io: BlockIO;
  private readonly storage: Storage;
  private readonly hasher: Hasher;
  private readonly maxProblems: number;
  readonly size: number;
  private readonly problems: VerifyProblem[] = [];
  private readonly reported = new Set<string>();
  readonly blocks = new Map<number, BlockInfo>();
  /** Value records walked, by position. Kept apart from blocks: a map's record is its root block. */
  private readonly values = new Map<number, ValueInfo>();
  /** Hashes of long keys, by record position, so a key shared by many kv pairs is hashed once. */
  private readonly keyHashCache = new Map<number, readonly Uint8Array[]>();
  private readonly stepBudget: number;
  private steps = 0;
  private blocksVisited = 0;
  private moments = 0;
  /** Records must end at or before this: the committed size (or the data size without history). */
  limit: number;
  /** Records must start at or after this: pointers into the headers are damage. */
  private dataStart = FILE_HEADER_SIZE;

  private readonly onProgress: ProgressCallback | undefined;

  constructor(io: BlockIO, hasher: Hasher, maxProblems: number, onProgress: ProgressCallback | undefined) {
    this.onProgress = onProgress;
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
    const steps = Math.max(this.steps, 0);
    this.onProgress?.(steps, steps);
    return { ok: this.problems.length === 0, problems: this.problems, moments: this.moments, blocksVisited: this.blocksVisited };
  }

  /**
   * Runs a walk and every sub-walk it asks for, depth first, from an explicit
   * stack. A sub-walk that throws a StrataError becomes a problem and its
   * parent carries on with the siblings; anything else is a bug and propagates.
   *
   * Not the value walk of dump, toJS and copy (value-walk.ts), on purpose:
   * that one stops at the first error and visits values through the readers;
   * this one must report every problem and go on, and follows every block
   * (index blocks, kv pairs, linked blocks, the history list) remembering the
   * kind and place it first met each as, to tell sharing from damage.
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

  report(position: number, message: string, path: PathLike): void {
    const key = `${position}\u0000${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({ position, message, path: typeof path === 'string' ? path : pathText(path) });
    if (this.problems.length >= this.maxProblems) throw new StopWalk();
  }

  /** Turns a StrataError into a problem at its own position when it has one; rethrows anything else. */
  fail(error: unknown, position: number, path: PathLike): void {
    if (error instanceof StopWalk || !(error instanceof StrataError)) throw error;
    const at = error instanceof CorruptDatabaseError && error.position >= 0 ? error.position : position;
    this.report(at, error.message.replace(/ \(at position \d+\)$/, ''), path);
  }

  /** Counts one unit of work; ends the walk when the budget is spent (a hostile file). */
  step(): void {
    if (this.onProgress !== undefined && this.steps % PROGRESS_STEPS === 0 && this.steps > 0) {
      const expected = Math.ceil(this.limit / SLOT_SIZE);
      this.onProgress(Math.min(this.steps, expected), expected);
    }
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
  inRange(position: number, size: number, from: number, what: string, path: PathLike): boolean {
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
  target(slot: Slot, size: number, from: number, path: PathLike): number {
    if (slot.hi >= 0x200000) {
      this.report(from, `a ${tagName(slot.tag)} slot points beyond 2^53`, path);
      return -1;
    }
    const position = slot.position;
    return this.inRange(position, size, from, `a ${tagName(slot.tag)} slot`, path) ? position : -1;
  }

  /** Reads a slot, or reports why it cannot and returns undefined. */
  slotAt(position: number, path: PathLike): Slot | undefined {
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
  u64At(position: number, what: string, path: PathLike): number {
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
      yield { walk: walkMapBlock(this, FILE_HEADER_SIZE, 0, '', 3, root, false, true), from: 3, path: root };
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
    yield { walk: walkListBlock(this, root, shiftForCount(count), 0, count, HISTORY_HEADER_POSITION + 8, undefined), from: HISTORY_HEADER_POSITION + 8, path: 'history' };
    return DONE;
  }

  // ---------------------------------------------------------------- values

  /** The visit of the value in the slot at `from`, one step below `parent`. */
  value(slot: Slot, from: number, parent: PathNode | undefined, segment: string): Visit {
    const path: PathNode = { parent, segment };
    return { walk: this.walkValue(slot, from, path), from, path };
  }

  private *walkValue(slot: Slot, from: number, path: PathNode): Walk {
    const info = tagInfo(slot.tag) as TagInfo; // slotAt refuses tags above 15
    switch (info.role) {
      case 'none':
      case 'inline':
        return DONE;
      case 'internal':
        this.report(from, `a ${tagName(slot.tag)} slot where a value is expected (FORMAT.md §Tags, where tags appear)`, path);
        return DONE;
      case 'unread':
        this.report(from, `incompatible: a ${tagName(slot.tag)} (tag ${slot.tag}), a second-generation xitdb structure that this build does not read`, path);
        return DONE;
    }
    const value = this.enterValue(slot, from, path);
    if (value === undefined) return DONE;
    try {
      // Long bytes have no descriptor: they are a record, not a structure.
      if (info.kind === undefined) this.walkLongBytes(slot, from, path);
      else yield* (structureVerifier(slot.tag) as StructureVerifier)(this, slot, from, path);
    } finally {
      value.onPath = false;
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
    this.countRecord();
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

  /** Reports a block reached again where the walk cannot accept it. */
  reportRevisit(seen: BlockInfo, from: number, path: PathLike): void {
    const what = KIND_NAMES[seen.kind] ?? 'a block';
    if (seen.onPath) {
      this.report(from, `this slot points back at ${what} on its own path (a cycle)`, path);
    } else {
      const where = seen.kind === KV_PAIR_BLOCK ? '' : ` at ${seen.kind === LINKED_BLOCK || seen.kind === BTREE_NODE_BLOCK || seen.kind === SORTED_NODE_BLOCK ? 'height' : 'level'} ${seen.level}`;
      this.report(from, `this slot points at a block already reached elsewhere as ${what}${where}`, path);
    }
  }

  /** The bytes of a key slot (checking a long key's record like any byte value), or undefined when unreadable. */
  keyBytes(slot: Slot, from: number, path: PathNode): TaggedBytes | undefined {
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

  /**
   * The hashes a key may be stored under (this build's first, then a tagged
   * key's fallbacks, FORMAT.md §Hashing, tagged keys), or undefined after
   * reporting a hasher that failed on it: the hasher is the caller's code, and
   * verification reports rather than throws (a hash of the wrong size, or any
   * error the hasher raises, is a problem at the kv pair; the walk goes on).
   */
  keyHashes(key: TaggedBytes, record: number | undefined, kv: number, path: PathNode): readonly Uint8Array[] | undefined {
    // A long key shared by many kv pairs is hashed once, by its record's position.
    let hashes = record === undefined ? undefined : this.keyHashCache.get(record);
    if (hashes !== undefined) return hashes;
    try {
      hashes = [hashKey(this.hasher, key), ...fallbackKeyHashes(this.hasher, key)];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.report(kv, `the key's hash could not be computed: ${message}`, path);
      return undefined;
    }
    if (record !== undefined) this.keyHashCache.set(record, hashes);
    return hashes;
  }

  problemCount(): number {
    return this.problems.length;
  }

  countRecord(): void {
    this.blocksVisited++;
  }
}

/** The printed form of a path: its segments from the moment down. */
function pathText(path: PathNode | undefined): string {
  const segments: string[] = [];
  for (let node = path; node !== undefined; node = node.parent) segments.push(node.segment);
  return segments.reverse().join('');
}
