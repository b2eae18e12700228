// The tag table (issue 13, "one descriptor per tag"): for every slot tag, its
// names and, for the structures, the descriptor its folder exports. Sites that
// treat each structure kind (ensureStructure, the reachability walk, dump, the
// JS API's views, toJS and copies, messages) ask this table; verifyDatabase
// asks verifiers.ts beside it, so that the checkers stay out of what reads and
// writes (the value API's bundle).
//
// Adding a structure kind: write its folder (its operations and a `kind.ts`
// implementing StructureKind from core/kind.ts), give its tag to Tag and
// StructureTag, add one row below and its checker to verifiers.ts. The diff (src/diff, above this folder)
// keeps its own row per tag in src/diff/differs.ts: add the kind's differ
// there, or the diff compares its structures as whole values.
//
// This folder sits between the structure folders and cursor/: the table must
// import every structure folder, so it cannot live in core (below them), and
// write-cursor, history and api all need it, so it must sit below them.

import { Tag, tagName } from '../format/tags.js';
import type { StructureKind } from '../core/kind.js';
import { COUNTED_HASH_MAP_KIND, COUNTED_HASH_SET_KIND, HASH_MAP_KIND, HASH_SET_KIND } from '../hamt/kind.js';
import { ARRAY_LIST_KIND } from '../trie/kind.js';
import { LINKED_ARRAY_LIST_KIND } from './linked-list-kind.js';
import { SORTED_MAP_KIND, SORTED_SET_KIND } from '../sorted/kind.js';

export type { StructureKind, KindFamily, RecordVisitor, ValueSink } from '../core/kind.js';

/**
 * What a tag stands for, as the walkers sort slots:
 * - `none`: nothing (or a value written as none);
 * - `inline`: a value held in the slot (short bytes, integers, floats);
 * - `bytes`: long bytes, a length-prefixed record elsewhere;
 * - `structure`: a map, set or list, with a {@link StructureKind};
 * - `internal`: an index block or kv pair, which appear only inside structures;
 * - `unread`: a tag of a later format generation, refused as incompatible (no tag has this role in this build).
 */
export type TagRole = 'none' | 'inline' | 'bytes' | 'structure' | 'internal' | 'unread';

/** One row of the tag table. */
export interface TagInfo {
  /** The tag number. */
  readonly tag: number;
  /** The FORMAT.md name (`hash_map`). */
  readonly name: string;
  /** What the slot holds in the JS API's words, for messages (`a map`, `a string or bytes`). */
  readonly described: string;
  /** How the walkers treat the slot. */
  readonly role: TagRole;
  /** The structure's descriptor, for role `structure`. */
  readonly kind: StructureKind | undefined;
}

function row(tag: number, role: TagRole, described: string, kind?: StructureKind): TagInfo {
  return { tag, name: tagName(tag), described, role, kind };
}

function structureRow(kind: StructureKind): TagInfo {
  return { tag: kind.tag, name: kind.name, described: kind.described, role: 'structure', kind };
}

/** FORMAT.md §Tags, one row per tag, indexed by tag. */
const TAGS: readonly TagInfo[] = [
  row(Tag.NONE, 'none', 'nothing'),
  row(Tag.INDEX, 'internal', 'an index block'),
  structureRow(ARRAY_LIST_KIND),
  structureRow(LINKED_ARRAY_LIST_KIND),
  structureRow(HASH_MAP_KIND),
  row(Tag.KV_PAIR, 'internal', 'a kv pair'),
  row(Tag.BYTES, 'bytes', 'a string or bytes'),
  row(Tag.SHORT_BYTES, 'inline', 'a string or bytes'),
  row(Tag.UINT, 'inline', 'a number'),
  row(Tag.INT, 'inline', 'a number'),
  row(Tag.FLOAT, 'inline', 'a number'),
  structureRow(HASH_SET_KIND),
  structureRow(COUNTED_HASH_MAP_KIND),
  structureRow(COUNTED_HASH_SET_KIND),
  structureRow(SORTED_MAP_KIND),
  structureRow(SORTED_SET_KIND),
];

/** Structure descriptors by tag (undefined for every other tag): the walkers' one lookup per slot. */
const KINDS: ReadonlyArray<StructureKind | undefined> = TAGS.map((info) => info.kind);

/**
 * The row of a tag, or undefined for a tag above 15 (the slot's seven tag bits
 * allow up to 127; only damage writes them).
 */
export function tagInfo(tag: number): TagInfo | undefined {
  return TAGS[tag];
}

/**
 * The descriptor of a structure tag, or undefined for any other tag. One array
 * read: cheap enough for every slot of a walk.
 */
export function structureKind(tag: number): StructureKind | undefined {
  return KINDS[tag];
}

/** True for the tags of maps, sets and lists. */
export function isStructureTag(tag: number): boolean {
  return KINDS[tag] !== undefined;
}

/** What a slot of `tag` holds, in the JS API's words (`a map`, `a string or bytes`, ...), for messages. */
export function describeTag(tag: number): string {
  return TAGS[tag]?.described ?? `a value with tag ${tag}`;
}

