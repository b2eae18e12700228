// The shape of one structure kind's descriptor (issue 13, "one descriptor per
// tag"). Each structure folder (hamt/, trie/, rrb/) implements it for its tags;
// src/kinds/table.ts lists them by tag, and every site that must treat each
// kind (create, copy-on-write, reachability, dump, the JS API) asks the table
// instead of switching on tags; verifyDatabase asks src/kinds/verifiers.ts.
// The interface lives in core so that the structure folders, which sit above
// core and below kinds/, can implement it.

import type { Slot } from '../format/slot.js';
import type { BlockIO } from './block-io.js';
import type { StructureTag } from './structures.js';
import type { PathNode, VerifyContext, Walk } from './verify-context.js';

/**
 * Called once per record a walk reaches, with its position and size in bytes;
 * returns true to walk what the record points at.
 */
export type RecordVisitor = (position: number, size: number) => boolean;

/** Receives each value slot found inside a structure (map values and keys, list items). */
export type ValueSink = (slot: Slot) => void;

/**
 * What the JS-value API makes of a kind: a `MapView`, a `SetView` or a
 * `ListView`, and how `toJS` and the dump read its children (entries,
 * members or items). The sorted families are read at the cursor level and by
 * the dump; the JS API refuses them for now.
 */
export type KindFamily = 'map' | 'set' | 'list' | 'sorted-map' | 'sorted-set';

/** One structure kind: everything the sites above the structure folders need to know about its tag. */
export interface StructureKind {
  /** The slot tag (FORMAT.md §Tags). */
  readonly tag: StructureTag;
  /** The FORMAT.md name, as `tagName` gives it (`counted_hash_map`). */
  readonly name: string;
  /** The kind in the JS API's words, for messages (`a map`). */
  readonly described: string;
  /** How the JS API reads it. */
  readonly family: KindFamily;
  /** True when its record starts with a u64 entry count (FORMAT.md §Counted structures). */
  readonly counted: boolean;
  /** Bytes of the record a slot of this tag points at, checked before it is read (the smallest, when it varies). */
  readonly recordSize: number;
  /** Bytes of the record at `position`, for a kind whose record size varies (a linked list's header, by generation). */
  recordSizeAt?(io: BlockIO, position: number): number;
  /** Appends an empty structure of this kind; returns its record's position. */
  create(io: BlockIO): number;
  /**
   * Copies the committed record at `position` (pointed at from the slot at
   * `from`) to the end so that it may change in place; returns the copy's
   * position. Only the top record moves: blocks below it are copied by the
   * operations that change them.
   *
   * @throws CorruptDatabaseError when the record lies past the data
   */
  copyTop(io: BlockIO, position: number, from: number): number;
  /**
   * Offers every record below the top record at `position` to `visit` (the
   * top record itself was offered by the caller, with {@link recordSize}),
   * following only what readers follow, and hands each value slot it holds to
   * `values`. Each kind's depth is bounded by the format.
   *
   * @throws CorruptDatabaseError when a record lies past the data
   */
  records(io: BlockIO, position: number, visit: RecordVisitor, values: ValueSink): void;
}

/**
 * Checks the structure the slot at `from` points at, for verifyDatabase:
 * reports every problem through `ctx` and yields each record below it to the
 * run's one depth-first walk, which walks each distinct block once. Each kind's
 * checker is listed by tag in src/kinds/verifiers.ts, apart from the
 * {@link StructureKind} descriptors, so that what reads and writes a database
 * (the value API's bundle) does not carry the checkers.
 */
export type StructureVerifier = (ctx: VerifyContext, slot: Slot, from: number, path: PathNode) => Walk;
