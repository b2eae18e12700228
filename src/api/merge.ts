// Transaction.merge: a shallow merge of a plain object, a Map or a sortedMap()
// into the map at a path (a new one when nothing is there), every key and
// value checked before anything is written.

import { InvalidArgumentError, WrongTypeError } from '../errors.js';
import { Tag } from '../format/tags.js';
import type { TaggedKey } from '../cursor/keys.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import { describe } from '../base/arguments.js';
import { describeTag, formatPath } from './errors.js';
import { mapPutter } from './members.js';
import { readAt, refuseUnreadable } from './paths.js';
import { SortedMapValue, sortedKeyOf } from './sorted-values.js';
import type { AnyPath } from './types.js';
import { holdsViews, isPlainObject, mapEntries, mapStepKey, prepareValue, readFailure, writeValue } from './values.js';

/** What a merge writes, every key and value checked: made by {@link planMerge}, written by {@link writeMerge}. */
export interface MergePlan {
  readonly steps: AnyPath;
  readonly tag: number;
  readonly keys: ReadonlyArray<string | TaggedKey | Uint8Array>;
  readonly prepared: readonly unknown[];
  readonly views: boolean;
}

/**
 * Reads `partial` and checks it against the map at `steps` below `root`, writing
 * nothing (see Transaction.merge): what it throws, the caller's getters
 * included, leaves the transaction as it was.
 *
 * @param root - the transaction's root
 * @param steps - the path of the map
 * @param partial - a plain object, a Map or a sortedMap()
 * @throws InvalidArgumentError for another kind of partial
 * @throws WrongTypeError when the value at `steps` is no map
 */
export function planMerge(root: WriteCursor, steps: AnyPath, partial: object): MergePlan {
  let entries: Array<[unknown, unknown]>;
  let isSortedPartial: boolean;
  let isMapPartial: boolean;
  try {
    ({ entries, isSortedPartial, isMapPartial } = partialEntries(partial, steps));
  } catch (error) {
    // What the caller's getters, Proxy traps or iterators threw, as an error that says where.
    throw readFailure(error, steps);
  }
  // What will be there: the map at the path, or a new one (a Map partial makes a counted map, a sortedMap() a sorted one).
  const existing = readAt(root.refresh(), steps);
  const existingTag = existing === undefined ? Tag.NONE : existing.tag;
  if (existing !== undefined) refuseUnreadable(existing);
  if (existingTag !== Tag.NONE && existingTag !== Tag.HASH_MAP && existingTag !== Tag.COUNTED_HASH_MAP && existingTag !== Tag.SORTED_MAP) {
    throw new WrongTypeError(`${formatPath(steps)} holds ${describeTag(existingTag)}, not a map to merge into`);
  }
  const tag = existingTag === Tag.NONE ? (isSortedPartial ? Tag.SORTED_MAP : isMapPartial ? Tag.COUNTED_HASH_MAP : Tag.HASH_MAP) : existingTag;
  // Every key and value is checked before anything is written.
  const keys = entries.map(([key]) => (tag === Tag.SORTED_MAP ? sortedKeyOf(key, [...steps, key]) : mapStepKey(tag, key, [...steps, key])));
  const prepared = entries.map(([key, item]) => prepareValue(item, [...steps, key]));
  return { steps, tag, keys, prepared, views: prepared.some(holdsViews) };
}

/**
 * Stores each entry of a {@link planMerge} plan under its map, leaving the
 * map's other keys as they are.
 *
 * @param plan - what {@link planMerge} returned
 * @param cursorFor - the transaction's checked walk to a writable cursor
 * @param freeze - freezes the transaction's data (around a write that holds views)
 */
export function writeMerge(plan: MergePlan, cursorFor: (path: AnyPath, create: boolean) => WriteCursor, freeze: () => void): void {
  const { keys, views } = plan;
  if (views) freeze();
  const put = mapPutter(cursorFor(plan.steps, true), plan.tag);
  plan.prepared.forEach((item, i) => writeValue(put(keys[i] as string | TaggedKey | Uint8Array), item));
  // As in set: shared copies of another database's structures must not change together.
  if (views) freeze();
}

/** The entries of a partial, each read once (undefined values left out), and which kind of map it asks for. */
function partialEntries(partial: object, steps: AnyPath): { entries: Array<[unknown, unknown]>; isSortedPartial: boolean; isMapPartial: boolean } {
  const isSortedPartial = partial instanceof SortedMapValue;
  const isMapPartial = partial instanceof Map || isSortedPartial;
  if (!isMapPartial && (typeof partial !== 'object' || partial === null || !isPlainObject(partial))) {
    throw new InvalidArgumentError(`merge takes a plain object, a Map or a sortedMap() of the keys to store, got ${describe(partial)}`);
  }
  // Object.keys rather than Object.entries: several times faster on objects with many keys (see validateValue).
  const pairs: Array<[unknown, unknown]> = isMapPartial ? mapEntries(isSortedPartial ? new Map(partial.entries) : (partial as Map<unknown, unknown>), steps) : Object.keys(partial).map((key) => [key, (partial as Record<string, unknown>)[key]]);
  return { entries: pairs.filter(([, item]) => item !== undefined), isSortedPartial, isMapPartial };
}
