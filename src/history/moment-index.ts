// Which moment an index names: 0 the first, negative from the end. One reading
// for every call that takes a moment (moment, momentInfo, revert, dump,
// revertChanges), so that each says "moment" when there is none, not "list item".

import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { describe } from '../base/arguments.js';

/**
 * The moment `index` names in a history of `count` moments.
 *
 * @param index - 0 the first, -1 the latest
 * @param count - the moments in the history
 * @returns the index from the start
 * @throws InvalidArgumentError when `index` is not a number
 * @throws OutOfRangeError when it is not whole, or there is no such moment (saying which there are)
 */
export function resolveMoment(index: number, count: number): number {
  if (typeof index !== 'number') throw new InvalidArgumentError(`a moment index is a number, not a ${describe(index)}`);
  if (!Number.isInteger(index)) throw new OutOfRangeError(`a moment index is a whole number, not ${index}`);
  const resolved = index < 0 ? count + index : index;
  if (resolved < 0 || resolved >= count) {
    throw new OutOfRangeError(count === 0 ? `there is no moment ${index}: the history is empty` : `there is no moment ${index}: the history has ${count} (0 to ${count - 1}, or -1 to -${count} from the end)`);
  }
  return resolved;
}
