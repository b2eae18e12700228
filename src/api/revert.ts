// Selective revert (issue 17): `db.revertChanges(i)` undoes one past moment's
// changes on top of the latest moment, when no later moment changed the same
// values; otherwise it refuses with ConflictError naming every conflicting path.
//
// The changes of moment i are the diff from moment i - 1 to i. Each becomes an
// operation on a path: a map value or list item set back to its value before,
// a key added by moment i removed, a set member added or removed put back. A
// list whose items moment i added or removed is restored as a whole (its items'
// indexes move, so they name nothing stable): it must be unchanged since.
// An operation conflicts when the latest value at its path is not what moment i
// left there (compared by diff, so equal content written again is no conflict),
// or when it would put a value back under a parent that is gone.

import { ConflictError, OutOfRangeError } from '../errors.js';
import { Slot } from '../format/slot.js';
import { Tag } from '../format/tags.js';
import type { Engine } from '../history/engine.js';
import { ReadCursor } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import type { Key } from '../cursor/keys.js';
import { structureKind } from '../kinds/table.js';
import { resolveMoment } from '../history/moment-index.js';
import { diffCursors } from '../diff/walk.js';
import { KeyStep, type DiffStep } from '../diff/change.js';
import { stepValue } from './diff.js';
import { formatPath } from './errors.js';
import { hexOf } from '../base/byte-text.js';

/** One inverse operation: a value put back (or removed when `before` is undefined), or a set member put back or removed. */
type Operation =
  | { readonly kind: 'value'; readonly path: readonly DiffStep[]; readonly before: ReadCursor | undefined; readonly after: ReadCursor | undefined }
  | { readonly kind: 'member'; readonly path: readonly DiffStep[]; readonly addedByMoment: boolean };

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '-' : hexOf(bytes);
}

/** The key a step names, as the cursors take it. */
function storedKey(step: KeyStep): Key {
  const { bytes, formatTag } = step.key.readTaggedBytes();
  return formatTag === undefined ? bytes : { bytes, formatTag };
}

/** The bytes of a sorted map's key (sorted maps store no format tag on keys). */
function sortedKey(step: KeyStep): Uint8Array {
  return step.key.readTaggedBytes().bytes;
}

/** A text that is equal for equal steps (keys by their stored bytes). */
function stepId(step: DiffStep): string {
  if (typeof step === 'number') return `#${step}`;
  if (step.key.isNone) return `h${hex(step.hash)}`;
  const { bytes, formatTag } = step.key.readTaggedBytes();
  return `k${hex(formatTag)}:${hex(bytes)}`;
}

function pathId(path: readonly DiffStep[]): string {
  return path.map(stepId).join('/');
}

/** The value at `path` below `root`, or undefined when absent; a set member's path gives the set's key cursor. */
function readSteps(root: ReadCursor, path: readonly DiffStep[]): ReadCursor | undefined {
  let cursor: ReadCursor | undefined = root.slot.isEmpty ? undefined : root;
  for (const step of path) {
    if (cursor === undefined) return undefined;
    const family = structureKind(cursor.tag)?.family;
    if (typeof step === 'number') {
      if (family !== 'list') return undefined;
      const list = cursor.tag === Tag.ARRAY_LIST ? cursor.asArrayList() : cursor.asLinkedArrayList();
      if (step >= list.count()) return undefined;
      cursor = list.get(step);
    } else if (family === 'map') {
      cursor = cursor.asHashMap().get(storedKey(step));
    } else if (family === 'sorted-map') {
      cursor = cursor.asSortedMap().get(sortedKey(step));
    } else {
      return undefined;
    }
  }
  return cursor;
}

/** True when a set at `setPath` below `root` holds the member `step`. */
function hasMember(root: ReadCursor, setPath: readonly DiffStep[], step: KeyStep): boolean | undefined {
  const set = readSteps(root, setPath);
  const family = set === undefined ? undefined : structureKind(set.tag)?.family;
  if (family === 'sorted-set') return (set as ReadCursor).asSortedSet().has(sortedKey(step));
  if (family !== 'set') return undefined;
  return (set as ReadCursor).asHashSet().has(storedKey(step));
}

function same(a: ReadCursor | undefined, b: ReadCursor | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return diffCursors(a, b).next().done === true;
}

/** The inverse operations of the changes from `before` to `after`, lists whole (see the top of this file). */
function operations(before: ReadCursor, after: ReadCursor): Operation[] {
  const changes = [...diffCursors(before, after)];
  const lists = new Map<string, readonly DiffStep[]>();
  for (const change of changes) {
    if (change.type !== 'change' && typeof change.path[change.path.length - 1] === 'number') {
      const list = change.path.slice(0, -1);
      lists.set(pathId(list), list);
    }
  }
  const listIds = [...lists.keys()];
  // Strictly below a restored list: its list puts it back.
  const under = (path: readonly DiffStep[]): boolean => {
    const id = pathId(path);
    return listIds.some((list) => (list === '' ? id !== '' : id.startsWith(`${list}/`)));
  };
  const out: Operation[] = [];
  for (const [, list] of lists) {
    if (under(list)) continue;
    out.push({ kind: 'value', path: list, before: readSteps(before, list), after: readSteps(after, list) });
  }
  for (const change of changes) {
    if (under(change.path)) continue;
    const last = change.path[change.path.length - 1];
    const parent = change.path.slice(0, -1);
    const container = readSteps(change.type === 'add' ? after : before, parent);
    const family = container === undefined ? undefined : structureKind(container.tag)?.family;
    if (last instanceof KeyStep && (family === 'set' || family === 'sorted-set')) {
      out.push({ kind: 'member', path: change.path, addedByMoment: change.type === 'add' });
    } else {
      out.push({ kind: 'value', path: change.path, before: change.before, after: change.after });
    }
  }
  return out;
}

/** True when `operation` cannot be applied on `latest`: the value moment i left was changed since, or its parent is gone. */
function conflicts(operation: Operation, latest: ReadCursor): boolean {
  const parentPath = operation.path.slice(0, -1);
  if (operation.kind === 'member') {
    return hasMember(latest, parentPath, operation.path[operation.path.length - 1] as KeyStep) !== operation.addedByMoment;
  }
  if (!same(operation.after, readSteps(latest, operation.path))) return true;
  if (operation.before === undefined || operation.path.length === 0) return false;
  const parent = readSteps(latest, parentPath);
  return parent === undefined || structureKind(parent.tag) === undefined;
}

function keysOf(path: readonly DiffStep[]): Array<Key | number> {
  return path.map((step) => (typeof step === 'number' ? step : storedKey(step)));
}

function apply(root: WriteCursor, operation: Operation): void {
  const last = operation.path[operation.path.length - 1];
  if (operation.kind === 'member') {
    const set = root.writePath(keysOf(operation.path.slice(0, -1)));
    const tag = set.refresh().tag;
    if (tag === Tag.SORTED_SET) {
      const sorted = set.sortedSet();
      if (operation.addedByMoment) sorted.remove(sortedKey(last as KeyStep));
      else sorted.add(sortedKey(last as KeyStep));
      return;
    }
    const writable = tag === Tag.COUNTED_HASH_SET ? set.countedHashSet() : set.hashSet();
    if (operation.addedByMoment) writable.remove(storedKey(last as KeyStep));
    else writable.add(storedKey(last as KeyStep));
    return;
  }
  if (operation.before !== undefined) {
    root.writePath(keysOf(operation.path)).writeSlot(operation.before.slot);
    return;
  }
  if (last === undefined) {
    root.writeSlot(Slot.EMPTY);
    return;
  }
  // Moment i added this key: remove it (list items are restored with their list).
  const map = root.writePath(keysOf(operation.path.slice(0, -1)));
  const tag = map.refresh().tag;
  if (tag === Tag.SORTED_MAP) {
    map.sortedMap().remove(sortedKey(last as KeyStep));
    return;
  }
  const writable = tag === Tag.COUNTED_HASH_MAP ? map.countedHashMap() : map.hashMap();
  writable.remove(storedKey(last as KeyStep));
}

/**
 * Undoes moment `index`'s changes on top of the latest moment, in one new
 * moment; see the top of this file. O(the changes of moment `index` and the
 * paths to them).
 *
 * @param engine - the database
 * @param index - the moment (negative from the end)
 * @param transact - runs the writing transaction (the Database's, so that listeners hear of it)
 * @returns how many values were put back
 * @throws ConflictError naming each path a later moment changed again
 * @throws OutOfRangeError when there is no such moment
 */
export function revertMoment(engine: Engine, index: number, transact: (fn: (root: WriteCursor) => void) => void): number {
  const count = engine.momentCount;
  if (count === 0) throw new OutOfRangeError('the database has no moments yet');
  const i = resolveMoment(index, count);
  const before = i === 0 ? new ReadCursor(engine.ctx, -1, Slot.EMPTY) : engine.moment(i - 1);
  const ops = operations(before, engine.moment(i));
  const latest = engine.moment(-1);
  const conflicting = ops.filter((operation) => conflicts(operation, latest)).map((operation) => operation.path.map(stepValue));
  if (conflicting.length > 0) {
    throw new ConflictError(
      `moment ${i} cannot be reverted: later moments changed ${conflicting.length === 1 ? 'a value' : `${conflicting.length} values`} it changed, at ${conflicting.slice(0, 10).map(formatPath).join(', ')}${conflicting.length > 10 ? ', ...' : ''}`,
      conflicting,
    );
  }
  if (ops.length > 0) transact((root) => ops.forEach((operation) => apply(root, operation)));
  return ops.length;
}
