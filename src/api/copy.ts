// Copying a stored value into another database (a view stored with
// Transaction.set): each structure of its own kind, each shared structure
// copied once, depth first from an explicit stack. The tag table says what
// each structure is.

import type { ReadCursor } from '../cursor/read-cursor.js';
import type { WriteCursor } from '../cursor/write-cursor.js';
import type { Key } from '../cursor/keys.js';
import type { Slot } from '../format/slot.js';
import { Tag, tagName } from '../format/tags.js';
import { CorruptDatabaseError, IncompatibleDatabaseError } from '../errors.js';
import { isStructureTag, structureKind } from '../kinds/table.js';
import { readScalar, refuseSorted } from './values.js';

/** Marks a structure whose copy is being written: meeting it again below itself is a cycle. */
const COPYING = Symbol('copying');

/** A map or list being copied: the source children that are structures, and where each goes. */
interface CopyFrame {
  readonly tag: number;
  readonly position: number;
  /** The cursor the copy is written into. */
  readonly target: WriteCursor;
  /** Where each waiting child goes: a map key, or a list index (whose slot holds a none placeholder). */
  readonly keys: Array<Key | number>;
  readonly cursors: ReadCursor[];
  readonly map: ReturnType<WriteCursor['hashMap']> | undefined;
  readonly list: ReturnType<WriteCursor['arrayList']> | ReturnType<WriteCursor['linkedArrayList']> | undefined;
  next: number;
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
 * another database, depth first from an explicit stack (no nesting depth can
 * exhaust the JS stack). Each structure keeps its kind (object map or counted
 * map, set, array or linked list) and each key its bytes and format tag.
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
  const copied: Array<Map<number, Slot | typeof COPYING> | undefined> = [];
  const memo = (tag: number): Map<number, Slot | typeof COPYING> => {
    let map = copied[tag];
    if (map === undefined) {
      map = new Map();
      copied[tag] = map;
    }
    return map;
  };
  const stack: CopyFrame[] = [];
  /** Copies a scalar, a set, or a structure already copied; opens a frame for any other map or list. */
  const enter = (from: ReadCursor, to: WriteCursor): void => {
    const tag = from.tag;
    const kind = structureKind(tag);
    if (kind === undefined) {
      copyScalar(from, to);
      return;
    }
    refuseSorted(from);
    const position = from.slot.position;
    const known = memo(tag).get(position);
    if (known === COPYING) throw new CorruptDatabaseError('a structure contains itself (a cycle between records)', from.slotPosition);
    if (known !== undefined) {
      to.writeSlot(known);
      return;
    }
    // A new structure replaces whatever the slot held.
    to.writeNone();
    if (kind.family === 'set') {
      const set = kind.counted ? to.countedHashSet() : to.hashSet();
      for (const key of from.asHashSet().keys()) set.add(copyKey(key));
      memo(tag).set(position, to.refresh().slot);
      return;
    }
    memo(tag).set(position, COPYING);
    const keys: Array<Key | number> = [];
    const cursors: ReadCursor[] = [];
    if (kind.family === 'map') {
      const map = kind.counted ? to.countedHashMap() : to.hashMap();
      for (const entry of from.asHashMap().entries()) {
        const key = copyKey(entry.key);
        if (isStructureTag(entry.value.tag)) {
          keys.push(key);
          cursors.push(entry.value);
        } else {
          copyScalar(entry.value, map.put(key));
        }
      }
      stack.push({ tag, position, target: to, keys, cursors, map, list: undefined, next: 0 });
    } else {
      const list = tag === Tag.ARRAY_LIST ? to.arrayList() : to.linkedArrayList();
      const items = tag === Tag.ARRAY_LIST ? from.asArrayList().items(0) : from.asLinkedArrayList().items(0);
      let index = 0;
      for (const item of items) {
        const slot = list.append();
        if (isStructureTag(item.tag)) {
          // A written none holds the item's place (an empty slot would be a gap in a linked list).
          slot.writeNone();
          keys.push(index);
          cursors.push(item);
        } else {
          copyScalar(item, slot);
        }
        index++;
      }
      stack.push({ tag, position, target: to, keys, cursors, map: undefined, list, next: 0 });
    }
  };
  enter(source, target);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as CopyFrame;
    if (frame.next < frame.cursors.length) {
      const index = frame.next++;
      const key = frame.keys[index] as Key | number;
      const to = frame.map !== undefined ? frame.map.put(key as Key) : (frame.list as NonNullable<CopyFrame['list']>).put(key as number);
      enter(frame.cursors[index] as ReadCursor, to);
      continue;
    }
    stack.pop();
    memo(frame.tag).set(frame.position, frame.target.refresh().slot);
  }
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
