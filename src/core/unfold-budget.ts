// How many values a walk may unfold from data of a given size: the one rule
// that the value walk (toJS, copies), the dump, the diff, and the command
// line's get, export and ls share. Data without shared structures needs a slot
// per value, so it never comes near two values per slot; data that shares a
// structure at many places (a list concatenated with itself, a DAG of maps)
// unfolds once per place, and a small file can stand for more values than
// memory holds. The floor keeps small files from being cut short.

import { SLOT_SIZE } from '../format/constants.js';

/** Values a walk may always unfold, whatever the data's size. */
const UNFOLD_FLOOR = 1_000_000;
/** Values a walk may unfold per slot of the data. */
const UNFOLD_PER_SLOT = 2;

/**
 * The most values one walk may unfold from `dataSize` bytes of data: two per
 * slot, at least 1,000,000. O(1).
 */
export function unfoldBudget(dataSize: number): number {
  return Math.max(UNFOLD_FLOOR, UNFOLD_PER_SLOT * Math.ceil(dataSize / SLOT_SIZE));
}
