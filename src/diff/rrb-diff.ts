// The diff of two linked (RRB) lists (FORMAT.md §Linked array lists). Slice,
// concat, insert and remove share every block they do not change, so the two
// trees are cut into pieces level by level, from the top: a block found at the
// same level of both trees is shared and stays one piece; any other block is
// opened into its children, down to items. Only blocks on changed paths are
// read. The pieces are then aligned: the longest run of shared pieces in the
// same order on both sides anchors the two lists, and between two anchors the
// items are compared after trimming what is equal at either end.
//
// So an item inserted in the middle shows as one `add` at its index (the items
// after it, which moved, are not reported), and a removed one as one `remove`;
// a put shows as a `change`. Between two anchors, items that changed in place
// beside inserted or removed ones pair up by position: a `change` for each
// pair, then the `add`s or `remove`s left. Indexes follow CursorChange's rule
// (applied in order, each change's index counts the list as the changes before
// it left it).

import { OutOfRangeError } from '../errors.js';
import { SLOT_SIZE } from '../format/constants.js';
import type { Slot } from '../format/slot.js';
import { readNode } from '../rrb/tree-node.js';
import { LINKED_LIST_HEADER_SIZE, readLinkedListHeader } from '../rrb/linked-list-read.js';
import { ReadCursor } from '../cursor/read-cursor.js';
import { Descend, stepInto, type Changes, type DiffPath, type DiffState, type Differ } from './state.js';
import { diffListsByIndex, isGen2List } from './btree-diff.js';

/** A run of items: a subtree (height 0 or more) or one item (height -1, `position` is its slot's). */
interface Piece {
  readonly position: number;
  readonly height: number;
  readonly count: number;
  readonly slot: Slot | undefined;
}

/** An item of a gap: its slot and where it is stored. */
interface Item {
  readonly position: number;
  readonly slot: Slot;
}

class RrbDiff {
  /** Pieces a diff may hold at once: a list that is not shared with itself has at most one item per slot of the file. */
  private readonly piecesMax: number;
  private pieces = 0;

  constructor(
    private readonly state: DiffState,
    private readonly path: DiffPath,
  ) {
    this.piecesMax = 4 * Math.ceil(state.io.storage.size() / SLOT_SIZE) + 100_000;
  }

  private count(added: number): void {
    this.pieces += added;
    if (this.pieces > this.piecesMax) {
      throw new OutOfRangeError(`a linked list diff would hold more than ${this.piecesMax} pieces: the lists store shared blocks many times over`);
    }
  }

  root(cursor: ReadCursor | undefined): Piece[] {
    if (cursor === undefined) return [];
    this.state.io.checkPointer(cursor.slot.position, LINKED_LIST_HEADER_SIZE, cursor.slotPosition);
    this.state.stats.blocks++;
    const header = readLinkedListHeader(this.state.io, cursor.slot.position);
    return header.count === 0 ? [] : [{ position: header.root, height: header.shift, count: header.count, slot: undefined }];
  }

  /** A block's children (or items, for a leaf) as pieces. */
  private open(piece: Piece): Piece[] {
    this.state.stats.blocks++;
    const node = readNode(this.state.io, piece.position, piece.height);
    this.count(node.slots.length);
    const out: Piece[] = [];
    for (let i = 0; i < node.slots.length; i++) {
      const slot = node.slots[i] as Slot;
      if (piece.height === 0) out.push({ position: node.positions[i] as number, height: -1, count: 1, slot });
      else out.push({ position: slot.position, height: piece.height - 1, count: node.sizes[i] as number, slot: undefined });
    }
    return out;
  }

  /** Cuts both trees into pieces, opening only the blocks not found at the same level of the other tree. */
  cut(a: Piece[], b: Piece[]): [Piece[], Piece[]] {
    const top = Math.max(a[0]?.height ?? -1, b[0]?.height ?? -1);
    for (let height = top; height >= 0; height--) {
      const inA = new Set<number>();
      const inB = new Set<number>();
      for (const piece of a) if (piece.height === height) inA.add(piece.position);
      for (const piece of b) if (piece.height === height) inB.add(piece.position);
      a = a.flatMap((piece) => (piece.height === height && !inB.has(piece.position) ? this.open(piece) : [piece]));
      b = b.flatMap((piece) => (piece.height === height && !inA.has(piece.position) ? this.open(piece) : [piece]));
    }
    return [a, b];
  }

  /** The items of pieces (opening any subtree left whole), in order. */
  private items(pieces: readonly Piece[]): Item[] {
    const out: Item[] = [];
    const stack = pieces.slice().reverse();
    while (stack.length > 0) {
      const piece = stack.pop() as Piece;
      if (piece.height < 0) out.push({ position: piece.position, slot: piece.slot as Slot });
      else for (const child of this.open(piece).reverse()) stack.push(child);
    }
    return out;
  }

  /** Pairs (index in a, index in b) of shared pieces: the longest chain increasing on both sides. */
  static anchors(a: readonly Piece[], b: readonly Piece[]): Array<[number, number]> {
    const inB = new Map<number, number[]>();
    b.forEach((piece, j) => {
      if (piece.height < 0) return;
      const list = inB.get(piece.position);
      if (list === undefined) inB.set(piece.position, [j]);
      else list.push(j);
    });
    // Longest strictly increasing chain of j over the pairs in order of i
    // (each i's candidates by decreasing j, so that one i is used once):
    // patience sorting with links to the previous pair.
    const pairs: Array<[number, number]> = [];
    a.forEach((piece, i) => {
      const js = piece.height < 0 ? undefined : inB.get(piece.position);
      if (js !== undefined) for (let k = js.length - 1; k >= 0; k--) pairs.push([i, js[k] as number]);
    });
    const tails: number[] = [];
    const previous: number[] = [];
    for (let p = 0; p < pairs.length; p++) {
      const j = (pairs[p] as [number, number])[1];
      let low = 0;
      let high = tails.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if ((pairs[tails[mid] as number] as [number, number])[1] < j) low = mid + 1;
        else high = mid;
      }
      previous[p] = low > 0 ? (tails[low - 1] as number) : -1;
      tails[low] = p;
    }
    const chain: Array<[number, number]> = [];
    for (let p = tails.length > 0 ? (tails[tails.length - 1] as number) : -1; p >= 0; p = previous[p] as number) chain.push(pairs[p] as [number, number]);
    return chain.reverse();
  }

  /** Yields the changes, gap by gap between anchors. */
  *changes(a: readonly Piece[], b: readonly Piece[]): Changes {
    const anchors = RrbDiff.anchors(a, b);
    anchors.push([a.length, b.length]);
    let nextA = 0;
    let nextB = 0;
    let index = 0;
    for (const [i, j] of anchors) {
      const gapA = this.items(a.slice(nextA, i));
      const gapB = this.items(b.slice(nextB, j));
      yield* this.gap(gapA, gapB, index);
      index += gapB.length + ((b[j] as Piece | undefined)?.count ?? 0);
      nextA = i + 1;
      nextB = j + 1;
    }
  }

  private cursor(item: Item): ReadCursor {
    return new ReadCursor(this.state.ctx, item.position, item.slot);
  }

  /** Items between two anchors: equal ends trimmed, then pairs by position, then the adds or removes left. */
  private *gap(a: readonly Item[], b: readonly Item[], start: number): Changes {
    let prefix = 0;
    const shorter = Math.min(a.length, b.length);
    while (prefix < shorter && (a[prefix] as Item).slot.equals((b[prefix] as Item).slot)) prefix++;
    let suffix = 0;
    while (suffix < shorter - prefix && (a[a.length - 1 - suffix] as Item).slot.equals((b[b.length - 1 - suffix] as Item).slot)) suffix++;
    const restA = a.length - prefix - suffix;
    const restB = b.length - prefix - suffix;
    const paired = Math.min(restA, restB);
    let index = start + prefix;
    for (let k = 0; k < paired; k++, index++) {
      yield new Descend(this.cursor(a[prefix + k] as Item), this.cursor(b[prefix + k] as Item), stepInto(this.path, index));
    }
    for (let k = paired; k < restB; k++, index++) {
      yield { path: stepInto(this.path, index), type: 'add', before: undefined, after: this.cursor(b[prefix + k] as Item) };
    }
    for (let k = restA - 1; k >= paired; k--) {
      yield { path: stepInto(this.path, index + k - paired), type: 'remove', before: this.cursor(a[prefix + k] as Item), after: undefined };
    }
  }
}

/** Diffs two linked lists; see the top of this file. */
export const diffLinkedLists: Differ = function* (state, before, after, path) {
  // A gen-2 (B-tree) list on either side: its nodes are not RRB blocks (this differ read them as such, and refused valid files as damaged).
  if (isGen2List(state, before) || isGen2List(state, after)) {
    yield* diffListsByIndex(state, before, after, path);
    return;
  }
  const diff = new RrbDiff(state, path);
  const [a, b] = diff.cut(diff.root(before), diff.root(after));
  yield* diff.changes(a, b);
};
