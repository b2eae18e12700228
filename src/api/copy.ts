// Copying a stored value into another database (a view stored with
// Transaction.set): each structure of its own kind, each shared structure
// copied once, as a visitor of the one value walk (history/value-walk.ts).

import type { ReadCursor } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import type { Key } from '../cursor/keys.js';
import type { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { CorruptDatabaseError, IncompatibleDatabaseError } from '../errors.js';
import { ValueWalk, type ValueVisitor } from '../history/value-walk.js';
import { readScalar } from './values.js';

/**
 * A map, set or list being copied: the cursor its copy is written at, and
 * the writer of that copy.
 */
interface CopyContainer {
  readonly target: WriteCursor;
  readonly map: { put(key: Key): WriteCursor } | undefined;
  readonly set: { add(key: Key): boolean } | undefined;
  readonly list: ReturnType<WriteCursor['arrayList']> | ReturnType<WriteCursor['linkedArrayList']> | undefined;
}

/** The stored key of a source map entry, for putting it into another database (which hashes it itself). */
function copyKey(key: ReadCursor): Key {
  if (key.isNone) {
    throw new IncompatibleDatabaseError(`the key at ${key.slotPosition} was stored only as its hash (by another implementation), so it cannot be copied into another database`);
  }
  const { bytes, formatTag } = key.readTaggedBytes();
  return formatTag === undefined ? bytes : { bytes, formatTag };
}

/**
 * Writes a deep copy of the value at `source` into `target`, a cursor of
 * another database, as a visitor of the one value walk
 * (history/value-walk.ts): depth first from an explicit stack (no nesting
 * depth can exhaust the JS stack). Each structure keeps its kind (object map
 * or counted map, set, array or linked list) and each key its bytes and
 * format tag.
 *
 * A structure met again (the same tag and record) is not copied again: the
 * second place gets a pointer copy of the first copy's slot, so the work and
 * the bytes written are linear in the distinct structures, and the copy
 * shares what the source shares. The two places then share blocks written by
 * this transaction: the caller must freeze the transaction after the write
 * (as Transaction.set does for any value holding views), so that later writes
 * copy those blocks instead of changing both places.
 *
 * @throws CorruptDatabaseError when a structure contains itself
 * @throws IncompatibleDatabaseError for a gen-2 structure, or a key stored only as a hash
 */
export function copyInto(source: ReadCursor, target: WriteCursor): void {
  new ValueWalk(COPIER).walk(source, target);
}

/** What a copy makes of each value: its result is the slot of the copy, which a second place copies. */
const COPIER: ValueVisitor<Slot | undefined, CopyContainer, Key, WriteCursor> = {
  leaf: (from, to) => {
    copyScalar(from, to);
    return undefined;
  },
  again: (done, to) => to.writeSlot(done as Slot),
  open: (from, kind, to) => {
    // A new structure replaces whatever the slot held.
    to.writeNone();
    // A sorted map's keys are plain bytes (copyKey gives them untagged), put in key order.
    if (kind.family === 'sorted-map') return { target: to, map: sortedPuts(to.sortedMap()), set: undefined, list: undefined };
    if (kind.family === 'sorted-set') return { target: to, map: undefined, set: sortedAdds(to.sortedSet()), list: undefined };
    if (kind.family === 'set') return { target: to, map: undefined, set: kind.counted ? to.countedHashSet() : to.hashSet(), list: undefined };
    if (kind.family === 'map') return { target: to, map: kind.counted ? to.countedHashMap() : to.hashMap(), set: undefined, list: undefined };
    return { target: to, map: undefined, set: undefined, list: kind.tag === Tag.ARRAY_LIST ? to.arrayList() : to.linkedArrayList() };
  },
  key: (_container, key) => copyKey(key),
  member: (container, key) => {
    (container.set as NonNullable<CopyContainer['set']>).add(copyKey(key));
  },
  leafChild: (container, _kind, key, child) => copyScalar(child, container.map !== undefined ? container.map.put(key as Key) : (container.list as NonNullable<CopyContainer['list']>).append()),
  hold: (container) => {
    // A written none holds a list item's place (an empty slot would be a gap in a linked list); a map entry waits.
    if (container.list !== undefined) container.list.append().writeNone();
  },
  place: (container, _kind, key) => (container.map !== undefined ? container.map.put(key as Key) : (container.list as NonNullable<CopyContainer['list']>).put(key as number)),
  put: () => {},
  close: (container) => container.target.refresh().slot,
};

/** A sorted map's put for copied keys, which are untagged bytes for a sorted map. */
function sortedPuts(map: ReturnType<WriteCursor['sortedMap']>): CopyContainer['map'] {
  return { put: (key) => map.put(sortedCopyKey(key)) };
}

function sortedAdds(set: ReturnType<WriteCursor['sortedSet']>): CopyContainer['set'] {
  return { add: (key) => set.add(sortedCopyKey(key)) };
}

/** The key bytes of a sorted map entry; a format tag (which no xitdb writer puts on a sorted key) is refused. */
function sortedCopyKey(key: Key): Uint8Array | string {
  if (typeof key === 'string' || key instanceof Uint8Array) return key;
  throw new IncompatibleDatabaseError('a sorted map key carries a format tag, which sorted maps do not store, so it cannot be copied into another database');
}

/** Copies a slot that is no structure: inline values as they are, bytes with their format tag. */
function copyScalar(from: ReadCursor, to: WriteCursor): void {
  const tag = from.tag;
  switch (tag) {
    case Tag.NONE:
      to.writeNone();
      return;
    case Tag.UINT:
    case Tag.INT:
    case Tag.FLOAT:
      // Held in the slot itself: the same slot is the same value, NaN payloads and -0 included.
      to.writeSlot(from.slot);
      return;
    case Tag.BYTES:
    case Tag.SHORT_BYTES: {
      const { bytes, formatTag } = from.readTaggedBytes();
      to.writeBytes(bytes, formatTag);
      return;
    }
    default:
      readScalar(from);
      throw new CorruptDatabaseError(`a ${tagName(tag)} slot stands where a value belongs`, from.slotPosition);
  }
}
