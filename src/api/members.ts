// What `delete` and `add` do at the structure that holds the key, member or
// item they name: one case per kind of map, set and list, hashed or sorted.

import { WrongTypeError } from '../errors.js';
import { Tag } from '../format/tags.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import type { TaggedKey } from '../cursor/keys.js';
import { describeTag, formatPath, stepText } from './errors.js';
import { isIndex } from './paths.js';
import type { AnyPath, PathStep } from './types.js';
import { encodeKey, objectKey } from './values.js';
import { sortedKeyOf } from './sorted-values.js';

/**
 * Removes `last`, the final step of `steps`, from the structure `cursor` is
 * on (a map key, a set member, a list item).
 *
 * @param cursor - a writable cursor on the parent
 * @param tag - the parent's tag
 * @param last - the step to remove
 * @param steps - the whole path, for messages
 * @returns true when something was removed
 * @throws WrongTypeError for an array list's middle item, or a parent that holds nothing to delete
 */
export function removeAt(cursor: WriteCursor, tag: number, last: PathStep, steps: AnyPath): boolean {
  const parentPath = steps.slice(0, -1);
  // A list's items are named by index: a key there is a wrong path, as get and set say, not an absent item.
  if ((tag === Tag.LINKED_ARRAY_LIST || tag === Tag.ARRAY_LIST) && !isIndex(last)) {
    throw new WrongTypeError(`${formatPath(parentPath)} is a list, so the next step must be an index, not ${stepText(last)}`);
  }
  switch (tag) {
    case Tag.HASH_MAP:
      return cursor.hashMap().remove(objectKey(last, steps));
    case Tag.COUNTED_HASH_MAP:
      return cursor.countedHashMap().remove(encodeKey(last, steps));
    case Tag.HASH_SET:
      return cursor.hashSet().remove(encodeKey(last, steps));
    case Tag.COUNTED_HASH_SET:
      return cursor.countedHashSet().remove(encodeKey(last, steps));
    case Tag.SORTED_MAP:
      return cursor.sortedMap().remove(sortedKeyOf(last, steps));
    case Tag.SORTED_SET:
      return cursor.sortedSet().remove(sortedKeyOf(last, steps));
    case Tag.LINKED_ARRAY_LIST: {
      const list = cursor.linkedArrayList();
      const index = last as number;
      if (!Number.isInteger(index) || index >= list.count() || index < -list.count()) return false;
      list.remove(index);
      return true;
    }
    case Tag.ARRAY_LIST: {
      const list = cursor.arrayList();
      const count = list.count();
      const index = last as number;
      if (!Number.isInteger(index) || index >= count || index < -count) return false;
      if (index !== count - 1 && index !== -1) {
        throw new WrongTypeError(`${formatPath(parentPath)} is an array list, which can only drop its last item; store a linkedList() to remove from the middle`);
      }
      list.slice(count - 1);
      return true;
    }
    default:
      throw new WrongTypeError(`${formatPath(parentPath)} holds ${describeTag(tag)}, which has nothing to delete`);
  }
}

/**
 * The stored keys of `members` for the set with `tag` (a new sorted set when
 * `tag` is none), all checked before anything is written.
 *
 * @throws WrongTypeError when `tag` is no set
 * @throws InvalidArgumentError or UnsupportedValueError for a member the set cannot hold
 */
export function memberKeys(tag: number, members: readonly unknown[], steps: AnyPath): Array<Uint8Array | string | TaggedKey> {
  if (tag === Tag.NONE || tag === Tag.SORTED_SET) return members.map((member) => sortedKeyOf(member, [...steps, member]));
  if (tag !== Tag.HASH_SET && tag !== Tag.COUNTED_HASH_SET) throw new WrongTypeError(`${formatPath(steps)} holds ${describeTag(tag)}, not a set to add to`);
  return members.map((member) => encodeKey(member, [...steps, member]));
}

/**
 * Adds the keys {@link memberKeys} gave to the set `cursor` is on (a new
 * sorted set when `tag` is none).
 *
 * @returns the set's size afterwards
 */
export function addMembers(cursor: WriteCursor, tag: number, keys: ReadonlyArray<Uint8Array | string | TaggedKey>): number {
  if (tag === Tag.NONE || tag === Tag.SORTED_SET) {
    const set = cursor.sortedSet();
    for (const key of keys) set.add(key as Uint8Array);
    return set.count();
  }
  const set = tag === Tag.COUNTED_HASH_SET ? cursor.countedHashSet() : cursor.hashSet();
  for (const key of keys) set.add(key as string | TaggedKey);
  return set.count();
}

/**
 * The put of the map `cursor` is on, by its tag (a new plain hash map when
 * `tag` is none): a writable cursor on the value under a stored key.
 */
export function mapPutter(cursor: WriteCursor, tag: number): (key: string | TaggedKey | Uint8Array) => WriteCursor {
  if (tag === Tag.SORTED_MAP) {
    const sorted = cursor.sortedMap();
    return (key) => sorted.put(key as Uint8Array);
  }
  const map = tag === Tag.COUNTED_HASH_MAP ? cursor.countedHashMap() : cursor.hashMap();
  return (key) => map.put(key as string | TaggedKey);
}
