// What a structural diff reports at the cursor level: a change (add, remove,
// change) at a path of keys and indexes, with cursors on the values before and
// after, and the counter of blocks a diff read. The walk lives in walk.ts.

import type { ReadCursor } from '../cursor/read-cursor.js';

/** A step into a map or set: the stored key of a kv pair (FORMAT.md §Kv pair). */
export class KeyStep {
  /** The key slot, as a cursor (`decodeKey` and the dump read it). */
  readonly key: ReadCursor;
  /** Position of the kv pair holding the key. */
  readonly kvPosition: number;

  /**
   * @param key - the key slot's cursor
   * @param kvPosition - where its kv pair starts
   */
  constructor(key: ReadCursor, kvPosition: number) {
    this.key = key;
    this.kvPosition = kvPosition;
  }

  /** The key's full hash, as stored in its kv pair. O(hash size). */
  get hash(): Uint8Array {
    const io = this.key.ctx.io;
    return io.readBytes(this.kvPosition, io.hashSize);
  }
}

/**
 * A step into a sorted map or set: its key is plain bytes in key order (the
 * JS API decodes it by the ordered key encoding, FORMAT.md §Ordered keys),
 * and its kv pair's hash field is unused.
 */
export class SortedKeyStep extends KeyStep {}

/** One step of a change's path: a list index, or a map key or set member. */
export type DiffStep = number | KeyStep;

/** What happened at a path: a value appeared, disappeared, or was replaced. */
export type ChangeType = 'add' | 'remove' | 'change';

/**
 * One change between two structures, at the cursor level.
 *
 * Lists report their changes in index order, so that applying them one after
 * another turns the older list into the newer: `change` at i replaces item i,
 * `add` at i inserts before item i, `remove` at i deletes item i, where i
 * counts items of the list as the changes before it left it (as JSON Patch
 * counts). A run of removed items is reported last item first, so for an array
 * list every index is also the item's own index in its moment. A set's member
 * is the last step of its path, and is also `before` (remove) or `after` (add).
 */
export interface CursorChange {
  /** Keys and indexes from where the diff started to the value that changed. */
  readonly path: readonly DiffStep[];
  /** `add`, `remove` or `change`. */
  readonly type: ChangeType;
  /** The value before (undefined for `add`). */
  readonly before: ReadCursor | undefined;
  /** The value after (undefined for `remove`). */
  readonly after: ReadCursor | undefined;
}

/** Counters of one diff, for tests and benchmarks: the cost is proportional to these. */
export interface DiffStats {
  /**
   * Blocks read: index blocks, kv pairs, list headers and linked list blocks,
   * each time the diff reads one (two moments' copies of a block count twice).
   */
  blocks: number;
}

/** Options of a cursor-level diff. */
export interface DiffOptions {
  /** Counters to add this diff's work to (see {@link DiffStats}). */
  stats?: DiffStats;
  /**
   * The most values the diff may compare and report before it refuses with
   * OutOfRangeError (default: 2 per slot of the data, at least 1,000,000,
   * which data without shared structures never reaches).
   */
  maxValues?: number;
}
