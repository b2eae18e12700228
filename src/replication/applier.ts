// Applying the stream to a replica's storage, message by message: a commit
// tail's chunks are gathered until it is whole; a base's chunks are written as
// they arrive into a storage of its own (a base can be the whole database, of
// any size), which becomes the replica's once the base is whole; a commit
// tail is checked (its trailer ends it, names the replica's end as its
// start, and its checksum matches), appended, synced, and then the history
// header naming it is written, as the writer's commit did. The replica's bytes
// are then the writer's bytes up to that commit, header included.
// Positions count within an epoch: the base of a later epoch (the writer
// compacted) replaces the replica's bytes whole.

import { ReplicationError } from '../errors.js';
import { HISTORY_HEADER_POSITION } from '../format/constants.js';
import { encodeHistoryHeader } from '../history/history-header.js';
import { trailerEndingAt } from '../history/trailers.js';
import type { Storage } from '../storage/storage.js';
import { checkTail } from './tail.js';
import { concatBytes, type ChunkHeader } from './wire.js';

/** @internal Where a base's chunks are written as they arrive. */
export interface BaseSink {
  /** The storage the base is written into, at its offsets. */
  readonly storage: Storage;
  /** Makes the whole base, `length` bytes, the replica's (durably); returns the storage it is in. */
  finish(length: number): Storage;
  /** Drops a base that will not be finished (its writer died; another starts). */
  abort(): void;
}

/** @internal Opens a sink for a base of `epoch`. */
export type BaseSinks = (epoch: number) => BaseSink;

/** @internal A replica's storage and the unit being gathered. */
export class Applier {
  /** The replica's committed size, in the file of {@link epoch}. */
  position: number;
  /** Its moment count. */
  moments: number;
  /** The epoch its bytes belong to; -1 while it holds none (any epoch's base may start it). */
  epoch: number;
  /** The storage the replica is in (a later epoch's base may bring another). */
  storage: Storage;
  private parts: Uint8Array[] = [];
  private gathering: ChunkHeader | undefined;
  private gatheredTo = 0;
  /** Where the base being gathered goes, while one is. */
  private sink: BaseSink | undefined;

  constructor(
    storage: Storage,
    position: number,
    moments: number,
    epoch: number,
    private readonly sinks: BaseSinks,
  ) {
    this.storage = storage;
    this.position = position;
    this.moments = moments;
    this.epoch = epoch;
  }

  /**
   * Takes one message of the stream. Returns true when it completed a unit
   * and the replica moved.
   *
   * @throws ReplicationError when the message cannot follow what the replica holds
   */
  offer(header: ChunkHeader, data: Uint8Array): boolean {
    // Messages of an older epoch, and fences, say nothing to this replica.
    if (header.kind === 'fence' || header.epoch < this.epoch) return false;
    const sameEpoch = header.epoch === this.epoch;
    if (sameEpoch && header.unitEnd <= this.position) return false;
    if (header.from === header.unitStart) {
      if (!sameEpoch) {
        if (header.kind !== 'base' || header.unitStart !== 0) {
          throw new ReplicationError(`the stream holds a ${header.kind} for [${header.unitStart}, ${header.unitEnd}) of epoch ${header.epoch}, but the replica is at ${this.position} of epoch ${this.epoch}: it is not a prefix of the stream (it missed the epoch's base)`);
        }
      } else if (header.unitStart !== this.position) {
        throw new ReplicationError(`the stream holds a ${header.kind} for [${header.unitStart}, ${header.unitEnd}), but the replica ends at ${this.position}: it is not a prefix of the stream`);
      }
      if (header.kind === 'base' && header.unitStart !== 0) throw new ReplicationError(`the stream holds a base that starts at ${header.unitStart}, not 0`);
      if (header.kind === 'base' && sameEpoch && this.storage.size() !== 0) {
        throw new ReplicationError(`the stream starts epoch ${header.epoch} with a base, but the replica already holds ${this.storage.size()} bytes of it`);
      }
      // A new unit from where the replica ends: an unfinished one before it (its writer died) is dropped.
      this.dropUnfinished();
      this.gathering = header;
      this.gatheredTo = header.from;
      if (header.kind === 'base') this.sink = this.sinks(header.epoch);
      this.take(header, data);
    } else {
      const current = this.gathering;
      if (current === undefined || current.epoch !== header.epoch || current.unitStart !== header.unitStart || current.term !== header.term || header.from !== this.gatheredTo) {
        // The rest of a unit whose start this replica did not see: one that began before it (an unfinished one), or a gap.
        if (current === undefined && sameEpoch && header.unitStart < this.position) return false;
        throw new ReplicationError(`the stream holds bytes [${header.from}, ${header.to}) of a unit the replica did not see start; it ends at ${this.position}`);
      }
      this.take(header, data);
    }
    if (this.gatheredTo !== header.unitEnd) return false;
    this.gathering = undefined;
    if (header.kind === 'base') {
      const sink = this.sink as BaseSink;
      this.sink = undefined;
      this.storage = sink.finish(header.unitEnd);
      this.epoch = header.epoch;
      this.position = header.unitEnd;
      this.moments = header.moments;
    } else {
      const bytes = this.parts.length === 1 ? (this.parts[0] as Uint8Array) : concatBytes(this.parts, header.unitEnd - header.unitStart);
      this.parts = [];
      this.applyCommit(bytes);
    }
    return true;
  }

  /** Takes one chunk of the unit being gathered: a base's is written at once, a commit tail's kept. */
  private take(header: ChunkHeader, data: Uint8Array): void {
    if (header.kind === 'base') (this.sink as BaseSink).storage.write(header.from, data);
    else this.parts.push(data);
    this.gatheredTo = header.to;
  }

  /** Drops the unit being gathered, unfinished: its kept chunks, or its base's storage. */
  private dropUnfinished(): void {
    this.parts = [];
    this.gathering = undefined;
    const sink = this.sink;
    this.sink = undefined;
    sink?.abort();
  }

  /** Stops: an unfinished base's storage is dropped. */
  close(): void {
    this.dropUnfinished();
  }

  private applyCommit(bytes: Uint8Array): void {
    const trailer = checkTail(bytes, this.position);
    // Bytes past the committed size (a tail whose header this follower never wrote) are replaced.
    if (this.storage.size() > this.position) this.storage.truncate(this.position);
    this.storage.write(this.position, bytes);
    // The tail is durable before the header names it, as in the writer's commit.
    if (this.storage.durable === true) this.storage.sync();
    this.storage.write(HISTORY_HEADER_POSITION, encodeHistoryHeader({ count: trailer.count, root: trailer.root, committedSize: trailer.end }));
    this.storage.flush();
    this.position = trailer.end;
    this.moments = trailer.count;
  }

  /**
   * Makes a replica's storage end at its committed size, after a follower
   * stopped between a tail and its header: when the tail is whole (its
   * trailer ends where `committedSize` says, checked), the header is
   * rewritten to name it; bytes past it are cut.
   *
   * @param storage - the replica's storage
   * @param committedSize - the size its database opened at (recovery rolled whole tails forward)
   */
  static settle(storage: Storage, committedSize: number): void {
    const trailer = trailerEndingAt(storage, committedSize);
    if (trailer !== undefined) {
      storage.write(HISTORY_HEADER_POSITION, encodeHistoryHeader({ count: trailer.count, root: trailer.root, committedSize: trailer.end }));
    }
    if (storage.size() > committedSize) storage.truncate(committedSize);
    storage.flush();
  }
}
