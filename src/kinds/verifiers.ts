// The checkers of the structure kinds, by tag, for verifyDatabase (history/
// verify.ts). They sit beside the kind table (table.ts), not in it: the table
// is what every read and write reaches, and a program that reads and writes a
// database (the value API's browser bundle, test/package/bundle.test.ts) does
// not carry the checkers. Adding a structure kind: add its checker here too.

import { COUNT_SIZE, INDEX_BLOCK_SIZE } from '../format/constants.js';
import { Tag } from '../format/tags.js';
import type { StructureVerifier } from '../core/kind.js';
import { verifyMap } from '../hamt/verify.js';
import { verifyArrayList } from '../trie/verify.js';
import { verifyLinkedList } from '../rrb/verify.js';
import { linkedListGeneration } from '../btree-list/generation.js';
import { BTREE_HEADER_SIZE } from '../btree-list/node.js';
import { verifyBTreeList } from '../btree-list/verify.js';
import { verifySorted } from '../sorted/verify.js';

export type { StructureVerifier } from '../core/kind.js';

/** A hash map kind's checker: its record is the root index block, after a u64 count when counted. */
function mapVerifier(counted: boolean, isSet: boolean): StructureVerifier {
  const rootOffset = counted ? COUNT_SIZE : 0;
  const recordSize = rootOffset + INDEX_BLOCK_SIZE;
  return (ctx, slot, from, path) => verifyMap(ctx, slot, from, path, recordSize, rootOffset, isSet);
}

/** Tag 3 in both generations: each list's header says which layout it uses (see linked-list-kind.ts). */
const linkedListVerifier: StructureVerifier = function* (ctx, slot, from, path) {
  if (slot.position + BTREE_HEADER_SIZE <= ctx.size && linkedListGeneration(ctx.io, slot.position) === 2) return yield* verifyBTreeList(ctx, slot.position, from, path);
  return yield* verifyLinkedList(ctx, slot, from, path);
};

const VERIFIERS: ReadonlyArray<StructureVerifier | undefined> = (() => {
  const table: Array<StructureVerifier | undefined> = [];
  table[Tag.ARRAY_LIST] = verifyArrayList;
  table[Tag.LINKED_ARRAY_LIST] = linkedListVerifier;
  table[Tag.HASH_MAP] = mapVerifier(false, false);
  table[Tag.HASH_SET] = mapVerifier(false, true);
  table[Tag.COUNTED_HASH_MAP] = mapVerifier(true, false);
  table[Tag.COUNTED_HASH_SET] = mapVerifier(true, true);
  table[Tag.SORTED_MAP] = (ctx, slot, from, path) => verifySorted(ctx, slot, from, path, false);
  table[Tag.SORTED_SET] = (ctx, slot, from, path) => verifySorted(ctx, slot, from, path, true);
  return table;
})();

/**
 * The checker of a structure tag (one with a descriptor in the kind table), or
 * undefined for any other tag.
 */
export function structureVerifier(tag: number): StructureVerifier | undefined {
  return VERIFIERS[tag];
}
