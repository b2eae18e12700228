// Which hasher opens a database (FORMAT.md §File header, §Hashing): the one
// the caller forces, or the known one the header names; either must match the
// header's hash size, and its id unless the header's id is 0 (unnamed).

import { IncompatibleDatabaseError } from '../errors.js';
import { hashIdName, type FileHeader } from '../format/file-header.js';
import type { Hasher } from '../hash/hasher.js';

/**
 * The known hasher whose id and size the header names.
 *
 * @throws IncompatibleDatabaseError when none is known
 */
export function pickHasher(header: FileHeader, known: readonly Hasher[]): Hasher {
  const match = known.find((h) => h.id === header.hashId && h.size === header.hashSize);
  if (match !== undefined) return match;
  throw new IncompatibleDatabaseError(
    `the database uses hash "${hashIdName(header.hashId)}" (${header.hashSize} bytes), which is not one of the known hashers (${known.map((h) => hashIdName(h.id)).join(', ') || 'none'}); pass the matching hasher`,
  );
}

/**
 * Checks a hasher against the header. FORMAT.md §Hashing: hash id 0 names no
 * function, so only the size is checked.
 *
 * @throws IncompatibleDatabaseError when they differ
 */
export function checkHasher(header: FileHeader, hasher: Hasher): void {
  if ((header.hashId !== 0 && header.hashId !== hasher.id) || header.hashSize !== hasher.size) {
    throw new IncompatibleDatabaseError(
      `the database was written with hash "${hashIdName(header.hashId)}" (${header.hashSize} bytes) but was opened with "${hashIdName(hasher.id)}" (${hasher.size} bytes); open it with the matching hasher`,
    );
  }
}
