// The differ of each structure kind, by tag: the diff's row of the kind table
// (src/kinds/table.ts). The table sits below the diff and cannot name its
// functions, so a new structure kind adds its
// differ here: a Differ (state.ts) that compares two structures of its tag and
// skips every block both share. A structure tag without a row is compared as
// a whole: equal slots are equal, different ones one `change`.

import { Tag } from '../format/tags.js';
import type { Differ } from './state.js';
import { diffHashMaps } from './hamt-diff.js';
import { diffArrayLists } from './trie-diff.js';
import { diffLinkedLists } from './rrb-diff.js';
import { diffSortedMaps } from './sorted-diff.js';

const DIFFERS: ReadonlyArray<Differ | undefined> = (() => {
  const table: Array<Differ | undefined> = [];
  table[Tag.HASH_MAP] = diffHashMaps;
  table[Tag.HASH_SET] = diffHashMaps;
  table[Tag.COUNTED_HASH_MAP] = diffHashMaps;
  table[Tag.COUNTED_HASH_SET] = diffHashMaps;
  table[Tag.ARRAY_LIST] = diffArrayLists;
  table[Tag.LINKED_ARRAY_LIST] = diffLinkedLists;
  table[Tag.SORTED_MAP] = diffSortedMaps;
  table[Tag.SORTED_SET] = diffSortedMaps;
  return table;
})();

/** The differ for structures of `tag`, or undefined when the tag has none (a scalar, or a kind without a row). */
export function differFor(tag: number): Differ | undefined {
  return DIFFERS[tag];
}
