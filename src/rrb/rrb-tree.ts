// The relaxed radix balanced tree behind linked array lists, in the gen-1 xitdb
// layout (FORMAT.md §Linked array lists): blocks of 16 linked slots (a slot
// and the count of items below it), left-packed, every branch slot an index
// with the full flag set. Get, put, append, concat, slice, insert, remove.
//
// Invariant (balance): every node except the root and the last child of its
// parent holds at least MIN_CHILDREN (8) children or items; the root holds at
// least 2 unless it is a leaf. So a tree of height h holds at least 7 * 8^(h-2)
// items and stays shallow. Lists written by other implementations may break
// it; every operation stays correct on them, only their depth is not bounded
// by it.
//
// Sharing: concat, slice, insert and remove never change an existing block;
// they write new blocks for the changed paths and share the rest (a list
// concatenated with itself shares every block twice). Append and put change
// blocks in place only at or after `mutableFrom`, which the caller raises past
// every block a sharing operation could have shared.
//
// The operations live one family per file: tree-node (blocks), tree-access
// (get, put, iteration), tree-append, tree-concat, tree-slice (with insert and
// remove) and tree-check (the invariant checker).

export { MIN_CHILDREN, type Tree, type Node, readNode, emptyTree, headerTree } from './tree-node.js';
export { treeSlotPosition, mutablePath, treeSlotPositions, TreeReader } from './tree-access.js';
export { appendTree, type RightEdge, readRightEdge, appendOnEdge, flushEdgeCounts } from './tree-append.js';
export { concatTrees } from './tree-concat.js';
export { sliceFrom, sliceTo, sliceTree, insertTree, removeTree } from './tree-slice.js';
export { type TreeProblem, checkTree } from './tree-check.js';
