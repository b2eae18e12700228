// What a structure kind's checker (its descriptor's `verify`, in its own
// folder) may ask of the verification run (history/verify.ts): reading slots
// and counts that may be damaged, reporting problems, and handing the records
// it points at back to the run's one depth-first walk. Kept in core so the
// structure folders can implement their checkers without importing history.

import type { Slot } from '../format/slot.js';
import type { TaggedBytes } from '../format/bytes.js';
import type { BlockIO } from './block-io.js';
import { hexOf, printableText } from '../base/byte-text.js';

/** A step of the logical path, linked to its parent so that paths cost nothing until printed. */
export interface PathNode {
  readonly parent: PathNode | undefined;
  readonly segment: string;
}

/** Where a problem lies in the logical data: a path, or a fixed place (`header`, `history`). */
export type PathLike = PathNode | string | undefined;

/** What a finished sub-walk hands back to its parent. */
export interface WalkResult {
  /** Entries (map), items (linked list), or 1 for a kv pair. */
  readonly count: number;
  /** False when the sub-walk could not read everything it counts. */
  readonly complete: boolean;
}

/** A sub-walk the running one asks the driver to run before it continues. */
export interface Visit {
  readonly walk: Walk;
  /** Where the pointer to it is, for problems the driver must report on its behalf. */
  readonly from: number;
  readonly path: PathLike;
}

/**
 * One record's walk. It yields a {@link Visit} for each record it points at and
 * receives that record's result, so the driver runs the whole depth-first
 * search from an explicit stack: no recursion, whatever the nesting depth.
 */
export type Walk = Generator<Visit, WalkResult, WalkResult>;

/** A walk that read what it counts (of nothing). */
export const DONE: WalkResult = { count: 0, complete: true };
/** A walk that could not read what it counts. */
export const FAILED: WalkResult = { count: 0, complete: false };
/** A kv pair's result: one entry of its map. */
export const ONE_ENTRY: WalkResult = { count: 1, complete: true };

// What kind of block a position was first walked as. A block reached again as
// the same kind at the same place is shared (moments, clones, self-concatenated
// lists) and is not walked twice; reached as another kind or at another place,
// it is damage.
/** A hash map's index block. */
export const MAP_BLOCK = 1;
/** An array list's (or the history's) index block. */
export const LIST_BLOCK = 2;
/** A linked list block. */
export const LINKED_BLOCK = 3;
/** A kv pair. */
export const KV_PAIR_BLOCK = 4;
/** A node of a gen-2 (B-tree) linked list. */
export const BTREE_NODE_BLOCK = 5;
/** A sorted map's (or set's) leaf or branch node. */
export const SORTED_NODE_BLOCK = 6;

/**
 * What the walk remembers about one block. `onPath` marks the blocks whose
 * walk has begun but not ended: the walk is a depth-first search over every
 * pointer, so a pointer to a block on the path is a cycle (and only such a
 * pointer: a block whose walk has ended, however it is shared, cannot lead
 * back to the walker without that cycle having been found when it was walked).
 */
export interface BlockInfo {
  /** MAP_BLOCK, LIST_BLOCK, LINKED_BLOCK, KV_PAIR_BLOCK, BTREE_NODE_BLOCK or SORTED_NODE_BLOCK. */
  readonly kind: number;
  /** Trie level (map), level above the leaves (array list) or height (linked list, gen-2 node, sorted map). */
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

/** The verification run, as a kind's checker sees it. Every read reports instead of throwing. */
export interface VerifyContext {
  readonly io: BlockIO;
  /** Bytes in the data. */
  readonly size: number;
  /** Records must end at or before this: the committed size (or the data size without history). */
  readonly limit: number;
  /** Blocks walked so far, by position (see {@link BlockInfo}). */
  readonly blocks: Map<number, BlockInfo>;
  /** Problems reported so far. */
  problemCount(): number;
  /** Reports a problem at `position` (once per position and message). */
  report(position: number, message: string, path: PathLike): void;
  /** Turns a StrataError into a problem; rethrows anything else. */
  fail(error: unknown, position: number, path: PathLike): void;
  /** Counts one unit of work against the run's budget. */
  step(): void;
  /** Counts one distinct record walked, for the report. */
  countRecord(): void;
  /** Reports a record of `size` at `position` outside the data, committed size or past the headers; false then. */
  inRange(position: number, size: number, from: number, what: string, path: PathLike): boolean;
  /** The position a pointer slot names, or -1 (reported) when it is out of range. */
  target(slot: Slot, size: number, from: number, path: PathLike): number;
  /** Reads a slot, or reports why it cannot and returns undefined. */
  slotAt(position: number, path: PathLike): Slot | undefined;
  /** Reads a u64 count or position, or reports why it cannot and returns -1. */
  u64At(position: number, what: string, path: PathLike): number;
  /** The visit of the value in the slot at `from`, one step below `parent`. */
  value(slot: Slot, from: number, parent: PathNode | undefined, segment: string): Visit;
  /** Reports a block reached again where the walk cannot accept it. */
  reportRevisit(seen: BlockInfo, from: number, path: PathLike): void;
  /** The bytes of a key slot (checking a long key's record like any byte value), or undefined when unreadable. */
  keyBytes(slot: Slot, from: number, path: PathNode): TaggedBytes | undefined;
  /** The hashes a key may be stored under, this build's first (once per long key record at `record`), or undefined after reporting a hasher that failed. */
  keyHashes(key: TaggedBytes, record: number | undefined, kv: number, path: PathNode): readonly Uint8Array[] | undefined;
}

/** Characters (text) or bytes (hex) of a key that a path shows before `...`. */
const PATH_KEY_MAX = 40;

/**
 * A map key (`["name"]`) or set member (`{"name"}`) as a path segment: JSON
 * text when it is UTF-8 without a NUL byte, else hex. Called for every entry a
 * map or sorted map checker visits, so a binary key (an ordered key's number,
 * a hash) takes the hex branch without an exception: building one per key was
 * a fifth of verifying a sorted map of numbers.
 */
export function keySegment(bytes: Uint8Array, isSet: boolean): string {
  const text = keyText(bytes) ?? keyHex(bytes);
  return isSet ? `{${text}}` : `[${text}]`;
}

/** The key as JSON text, or undefined when it holds a NUL byte or is not UTF-8. */
function keyText(bytes: Uint8Array): string | undefined {
  const decoded = printableText(bytes);
  if (decoded === undefined) return undefined;
  return JSON.stringify(decoded.length > PATH_KEY_MAX ? `${decoded.slice(0, PATH_KEY_MAX)}...` : decoded);
}

/** `0x` and the key's first PATH_KEY_MAX bytes in hex, `...` when there are more. */
function keyHex(bytes: Uint8Array): string {
  return `0x${hexOf(bytes, PATH_KEY_MAX)}${bytes.length > PATH_KEY_MAX ? '...' : ''}`;
}
