// The JS API's path walkers' shared pieces: one reading of a path step
// (resolveStep), the read walk (readAt), and the check a write runs before it
// writes anything (checkPath). Database, Transaction and Snapshot use them, and
// so do the diff and the change feed.

import { OutOfRangeError, StrataError, WrongTypeError } from '../errors.js';
import { Tag } from '../format/tags.js';
import { KNOWN_TAG_MAX, secondGenerationError } from '../core/block-io.js';
import type { ReadCursor } from '../cursor/read-cursor.js';
import { hasLoneSurrogate, type TaggedKey } from '../cursor/keys.js';
import { structureKind } from '../kinds/table.js';
import { describeTag, formatPath, stepText } from './errors.js';
import { mapStepKey, objectKey } from './values.js';
import { sortedKeyOf } from './sorted-values.js';
import type { AnyPath, PathStep } from './types.js';

/** True for a list index step (a number). */
export function isIndex(step: PathStep): step is number {
  return typeof step === 'number';
}

/**
 * What a path step asks of the value it is taken at: `read` (readAt: a
 * missing key is absent), `check` (checkPath, before a write: keys are checked
 * in full) or `write` (cursorFor, after checkPath). Only the messages and how
 * much is checked differ.
 */
export type StepMode = 'read' | 'check' | 'write';

/**
 * The one reading of a path step that every path walker of this file shares:
 * at a map (the tag table's `map` family) the step becomes the stored key (an
 * object's well-formed string key as it is, any other step through
 * mapStepKey, which checks it and names the path); at a sorted map its
 * ordered encoding (a Uint8Array, FORMAT.md §Ordered keys); at a list it must
 * be an index, returned as given (the caller judges the range); any other
 * value has no inside. O(1), no allocation on the common steps.
 *
 * @param tag - the tag of the value the step is taken at (not none: the walkers decide what none means)
 * @param i - the step's place in `path`, for messages
 * @returns the stored key (a string or tagged key) for a map, its bytes for a sorted map, the index (a number) for a list
 * @throws WrongTypeError naming the path for a step the value cannot take
 * @throws InvalidArgumentError for a sorted map step with no ordered form
 */
export function resolveStep(cursor: ReadCursor, step: PathStep, path: AnyPath, i: number, mode: StepMode): string | TaggedKey | Uint8Array | number {
  const tag = cursor.tag;
  const family = structureKind(tag)?.family;
  if (family === 'map') {
    if (tag === Tag.HASH_MAP && typeof step === 'string' && !(mode === 'check' && hasLoneSurrogate(step))) return step;
    // The whole path goes to the encoder, which names it only when it refuses the step (see refusedStep).
    try {
      return mapStepKey(tag, step, path);
    } catch (error) {
      refusedStep(error);
      return mapStepKey(tag, step, path.slice(0, i + 1));
    }
  }
  if (family === 'sorted-map') {
    try {
      return sortedKeyOf(step, path);
    } catch (error) {
      refusedStep(error);
      return sortedKeyOf(step, path.slice(0, i + 1));
    }
  }
  if (family === 'list') {
    if (!isIndex(step) || (mode !== 'read' && !Number.isInteger(step))) {
      throw new WrongTypeError(`${formatPath(path.slice(0, i))} is a list, so the next step must be an index, not ${stepText(step)}`);
    }
    return step;
  }
  refuseUnreadable(cursor);
  const refusal = mode === 'read' ? `it has no ${stepText(step)} inside` : 'nothing can be stored inside it';
  throw new WrongTypeError(`${formatPath(path.slice(0, i))} holds ${describeTag(tag)}, so ${refusal}`);
}

/**
 * The walkers give a key encoder the whole path, which it names only in its
 * refusals, and when it refuses a step they run it again with the path up to
 * the step, so that the error names where the step is: a walk then copies no
 * prefix of its path per step (a path of n steps through sorted maps or Maps
 * was O(n²): 100,000 nested sorted maps took minutes to read). This rethrows
 * what is not a refusal. (No closures in the walkers: a captured variable
 * costs every call a context.)
 *
 * @throws `error` when it is not a StrataError
 */
function refusedStep(error: unknown): void {
  if (!(error instanceof StrataError)) throw error;
}

/** The property name of step `i` of `path` in an object (see objectKey), naming the path up to the step when it refuses it. */
export function objectKeyAt(step: unknown, path: AnyPath, i: number): string {
  try {
    return objectKey(step, path);
  } catch (error) {
    refusedStep(error);
    return objectKey(step, path.slice(0, i + 1));
  }
}

/** Follows `path` from a read cursor; undefined when a key or index is absent. */
export function readAt(root: ReadCursor, path: AnyPath): ReadCursor | undefined {
  let cursor: ReadCursor = root;
  for (let i = 0; i < path.length; i++) {
    if (cursor.tag === Tag.NONE) return undefined;
    const target = resolveStep(cursor, path[i] as PathStep, path, i, 'read');
    if (target instanceof Uint8Array) {
      const next = cursor.asSortedMap().get(target);
      if (next === undefined) return undefined;
      cursor = next;
      continue;
    }
    if (typeof target !== 'number') {
      const next = cursor.asHashMap().get(target);
      if (next === undefined) return undefined;
      cursor = next;
      continue;
    }
    const list = cursor.tag === Tag.ARRAY_LIST ? cursor.asArrayList() : cursor.asLinkedArrayList();
    const count = list.count();
    if (!Number.isInteger(target) || target >= count || target < -count) return undefined;
    cursor = list.get(target);
  }
  return cursor;
}

/**
 * A path that goes through a structure this build cannot read (a gen-2 sorted
 * map or set) is refused as incompatible, not as a wrong type: the data is
 * there, this build just cannot see it.
 */
export function refuseUnreadable(cursor: ReadCursor): void {
  if (cursor.tag > KNOWN_TAG_MAX && structureKind(cursor.tag) === undefined) throw secondGenerationError(cursor.tag, cursor.slotPosition);
}

/**
 * Where the steps that a map made on the way could take begin: the smallest
 * `k` such that every step from `k` on is a well-formed string (an index or a
 * malformed key cannot be a step into a new, empty slot). `path.length` when
 * the last step is not one. O(length of the path's text).
 */
export function newMapStepsFrom(path: AnyPath): number {
  let k = path.length;
  while (k > 0) {
    const step = path[k - 1];
    if (typeof step !== 'string' || hasLoneSurrogate(step)) break;
    k--;
  }
  return k;
}

/**
 * Checks that a write at `path` can succeed, without writing: every step goes
 * through a map or a list, indexes are inside their list (or equal to its
 * length when `create`), and empty slots are only followed by keys when
 * `create` (they will become maps).
 *
 * @throws WrongTypeError or OutOfRangeError naming the path
 */
export function checkPath(root: ReadCursor, path: AnyPath, create: boolean): void {
  let cursor: ReadCursor | undefined = root;
  const last = path.length - 1;
  for (let i = 0; i < path.length; i++) {
    const step = path[i] as PathStep;
    if (cursor === undefined || cursor.isNone) {
      if (!create) throw new OutOfRangeError(`nothing is stored at ${formatPath(path.slice(0, i))}`);
      if (isIndex(step)) throw new OutOfRangeError(`there is no list at ${formatPath(path.slice(0, i))} to index with ${step}`);
      // A map made on the way is an object: its keys are strings (well-formed ones).
      if (typeof step !== 'string' || hasLoneSurrogate(step)) objectKeyAt(step, path, i);
      cursor = undefined;
      continue;
    }
    const target = resolveStep(cursor, step, path, i, 'check');
    if (typeof target === 'number') {
      const count = cursor.count();
      if (create && target === count) {
        cursor = undefined;
        continue;
      }
      if (target >= count || target < -count) throw new OutOfRangeError(`index ${target} is outside the list of ${count} items at ${formatPath(path.slice(0, i))}`);
    }
    // The last step's own value is replaced, whatever it holds: no need to look it up.
    cursor = i === last ? undefined : readAt(cursor, [step]);
  }
}
