// Creating a database (FORMAT.md §Commit and recovery, creation), and telling
// the remains of an interrupted creation, safe to start again, from a file
// that is not ours to overwrite.

import { FILE_HEADER_SIZE, FORMAT_VERSION, HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE, INDEX_BLOCK_SIZE, MAGIC } from '../format/constants.js';
import { encodeFileHeader } from '../format/file-header.js';
import { Tag } from '../format/tags.js';
import type { Hasher } from '../hash/hasher.js';
import type { Storage } from '../storage/storage.js';
import { encodeHistoryHeader } from './history-header.js';

/**
 * True when the storage holds the remains of a creation with `hasher` that
 * stopped before its first sync, without the magic that would make it a
 * database: at most as many bytes as creation writes (FORMAT.md §Commit and
 * recovery, creation), each either zero or the byte creation writes there,
 * since a power loss keeps any subset of unsynced writes (a prefix of the
 * header, the history header without the file header). Such bytes cannot hold
 * anything but an empty database: safe to start again. Anything else is not
 * ours to overwrite.
 */
export function isInterruptedCreation(storage: Storage, hasher: Hasher): boolean {
  const size = storage.size();
  const created = creationImage(hasher);
  if (size > created.length) return false;
  const bytes = new Uint8Array(size);
  storage.read(0, bytes);
  // With its magic, the file header decides (a root tag of none is initialised
  // by loadRoot), unless the file stops inside it.
  const magic = size >= MAGIC.length && MAGIC.every((byte, i) => bytes[i] === byte);
  if (magic && size >= FILE_HEADER_SIZE) return false;
  for (let i = 0; i < size; i++) if (bytes[i] !== created[i] && (magic || bytes[i] !== 0)) return false;
  return true;
}

/** The bytes creating a database with history writes before its first sync (root tag none). */
function creationImage(hasher: Hasher): Uint8Array {
  const rootPosition = FILE_HEADER_SIZE + HISTORY_HEADER_SIZE;
  const out = new Uint8Array(rootPosition + INDEX_BLOCK_SIZE);
  out.set(encodeFileHeader({ rootTag: Tag.NONE, version: FORMAT_VERSION, hashSize: hasher.size, hashId: hasher.id }), 0);
  out.set(encodeHistoryHeader({ count: 0, root: rootPosition, committedSize: rootPosition + INDEX_BLOCK_SIZE }), HISTORY_HEADER_POSITION);
  return out;
}
