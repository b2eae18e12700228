// Commit tails (the README's Replication section): the bytes one commit appended, from the
// committed size before it to the one after, ending with its commit trailer
// (FORMAT.md §Commit trailer). A writer cuts the bytes committed since it last
// published into tails by walking the trailer chain back; a follower checks a
// tail on its own: a well-formed trailer ends it, names the tail's start as its
// previous size, and its checksum matches.

import { ReplicationError } from '../errors.js';
import { claimedTrailerSize, decodeTrailer, TRAILER_FOOTER_SIZE, type CommitTrailer } from '../format/commit-trailer.js';
import { crc32c } from '../hash/crc32c.js';
import type { Storage } from '../storage/storage.js';
import { trailerEndingAt } from '../history/trailers.js';

/** One commit's byte range in the writer's storage, and its trailer. */
export interface TailRange {
  readonly from: number;
  readonly to: number;
  readonly trailer: CommitTrailer;
}

/**
 * The commits between committed sizes `from` and `to`, oldest first, found by
 * walking the trailer chain back from `to`. O(commits) trailer reads.
 *
 * @param storage - the writer's storage
 * @param from - the committed size already published
 * @param to - the committed size now
 * @throws ReplicationError when a commit in between carries no trailer (another implementation committed), so its tail cannot be checked
 */
export function tailsBetween(storage: Storage, from: number, to: number): TailRange[] {
  const tails: TailRange[] = [];
  let end = to;
  while (end > from) {
    const trailer = trailerEndingAt(storage, end);
    if (trailer === undefined || trailer.previousSize < from || trailer.previousSize >= end) {
      throw new ReplicationError(
        `the commit that ends at ${end} carries no commit trailer that starts at or after ${from}: it was made by another implementation or an older build, and a replica could not check it. Replicate a database that only this build writes`,
      );
    }
    tails.push({ from: trailer.previousSize, to: end, trailer });
    end = trailer.previousSize;
  }
  return tails.reverse();
}

/**
 * Checks a commit tail received for a replica that ends at `start`: it ends
 * with a well-formed trailer whose previous size is `start`, and the trailer's
 * checksum matches (over the whole tail when the trailer covers the data, as
 * every file database's does; over the trailer alone otherwise).
 *
 * @param tail - the tail's bytes
 * @param start - where the replica ends: the tail's first byte goes there
 * @returns the trailer
 * @throws ReplicationError naming what does not match
 */
export function checkTail(tail: Uint8Array, start: number): CommitTrailer {
  const end = start + tail.length;
  const size = tail.length >= 4 ? claimedTrailerSize(tail.subarray(tail.length - 4)) : -1;
  const trailer = size < 0 || size > tail.length ? undefined : decodeTrailer(tail.subarray(tail.length - size), end);
  if (trailer === undefined) throw new ReplicationError(`the commit tail for [${start}, ${end}) does not end with a commit trailer`);
  if (trailer.previousSize !== start) {
    throw new ReplicationError(`the commit tail for [${start}, ${end}) ends with a trailer whose commit starts at ${trailer.previousSize}, not where the replica ends (${start})`);
  }
  const from = trailer.dataChecked ? 0 : tail.length - size;
  const crc = crc32c(0, tail, from, tail.length - TRAILER_FOOTER_SIZE);
  if (crc !== trailer.checksum) {
    throw new ReplicationError(`the commit tail for [${start}, ${end}) has checksum ${crc.toString(16)}, but its trailer says ${trailer.checksum.toString(16)}: it was damaged on the way`);
  }
  return trailer;
}
