// Where each leaf block of an immutable list lies, remembered by a reader that
// serves many gets: a random get on a big list misses the CPU cache at every
// level of its descent, and a remembered leaf leaves one miss. For radix-shaped
// lists (array lists, and linked lists built by appends), whose leaf k holds
// items 16k to 16k + 15 in slots 0 to 15.

import { BITS_PER_LEVEL, SLOT_COUNT } from '../format/constants.js';

/** A reader starts remembering after this many gets, so a list read once or twice allocates nothing. */
const CACHE_AFTER_GETS = 256;

/** Lists above this many items get no cache (8 bytes per 16 items: it would pass 8 MiB). */
const CACHE_ITEMS_MAX = 2 ** 24;

/** The leaf positions of one immutable list of `count` items, filled as gets meet them. */
export class LeafCache {
  private readonly count: number;
  private gets = 0;
  /** Position of each leaf block, 0 until met (no leaf lies at position 0). */
  private leaves: Float64Array | undefined;

  /** @param count - the list's items */
  constructor(count: number) {
    this.count = count;
  }

  /**
   * The remembered position of the leaf that holds item `index`, or 0 when it
   * is not known (not met yet, or no cache). Counts the get; the cache starts
   * after {@link CACHE_AFTER_GETS} of them.
   */
  leaf(index: number): number {
    const leaves = this.leaves;
    if (leaves !== undefined) return leaves[index >>> BITS_PER_LEVEL] as number;
    if (++this.gets === CACHE_AFTER_GETS && this.count <= CACHE_ITEMS_MAX) this.leaves = new Float64Array(Math.ceil(this.count / SLOT_COUNT));
    return 0;
  }

  /** Remembers `position` as the leaf of item `index` (when the cache has started); returns it. */
  remember(index: number, position: number): number {
    if (this.leaves !== undefined) this.leaves[index >>> BITS_PER_LEVEL] = position;
    return position;
  }
}
