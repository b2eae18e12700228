// Helpers for linked list tests: read a list into plain values, and run the
// invariant checker on the list in a slot.

import { expect } from 'vitest';
import type { Engine } from '../../src/history/engine.js';
import type { ReadCursor } from '../../src/cursor/read-cursor.js';
import { readLinkedListHeader } from '../../src/rrb/linked-list-read.js';
import { checkTree, headerTree, type Tree } from '../../src/rrb/rrb-tree.js';
import { Tag } from '../../src/format/tags.js';

/** The items of the linked list at `cursor` as numbers (uint items) or null (none). */
export function listValues(cursor: ReadCursor): Array<number | null> {
  if (cursor.isNone) return [];
  return [...cursor.asLinkedArrayList()].map((item) => (item.isNone ? null : Number(item.readUint())));
}

/** The tree of the linked list at `cursor`. */
export function treeOf(engine: Engine, cursor: ReadCursor): Tree {
  return headerTree(readLinkedListHeader(engine.io, cursor.slot.position));
}

/** Runs the invariant checkers of the list and of the transaction state; fails the test with every problem found. */
export function expectValidList(engine: Engine, cursor: ReadCursor, balanced = true): void {
  expect(engine.io.tx.check(), 'transaction state').toEqual([]);
  if (cursor.tag !== Tag.LINKED_ARRAY_LIST) return;
  const problems = checkTree(engine.io, treeOf(engine, cursor), engine.io.tx.linkedMutableFrom(), balanced);
  expect(problems).toEqual([]);
}
