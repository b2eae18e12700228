// Snapshots for bootstrapping replicas (the README's Replication section): a replicated
// database's committed bytes up to a published commit, in a JetStream object
// store bucket. A new replica starts from the latest snapshot and applies the
// stream from where it ends, instead of replaying the stream from its base.
// The stream's messages before the snapshot may then be purged.

import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { ReplicationError } from '../errors.js';
import { HISTORY_HEADER_POSITION } from '../format/constants.js';
import { decodeHistoryHeader } from '../history/history-header.js';
import { checkTail } from './tail.js';
import type { BaseSink } from './applier.js';
import type { Storage } from '../storage/storage.js';
import { whilePlacing } from './placement.js';
import { claimedTrailerSize, decodeTrailer } from '../format/commit-trailer.js';

/** What a snapshot holds. */
export interface SnapshotInfo {
  /** Its committed size: bytes [0, size) of the database. */
  readonly size: number;
  /** The moment count at that size. */
  readonly moments: number;
  /** The stream epoch it belongs to: the stream's positions after it count in its file. */
  readonly epoch: number;
}

/** The object name of a database's latest snapshot. */
const OBJECT = 'latest';

function bucketName(db: string): string {
  return `strata-snap-${db}`;
}

/** @internal Stores the bytes `parts` yields, in order, as the latest snapshot of `db`. */
export async function putSnapshot(nc: NatsConnection, db: string, parts: () => Iterator<Uint8Array>, info: SnapshotInfo, replicas: number): Promise<void> {
  const store = await whilePlacing(() => new Objm(nc).create(bucketName(db), { replicas }));
  // Pulled a part at a time as the store sends them: the database is never in memory whole.
  const next = parts();
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = next.next();
      if (part.done === true) controller.close();
      else controller.enqueue(part.value);
    },
  });
  await store.put({ name: OBJECT, metadata: { size: String(info.size), moments: String(info.moments), epoch: String(info.epoch) } }, stream);
}

/**
 * @internal The epoch of the latest snapshot of `db` (its metadata alone), or
 * undefined when there is none.
 */
export async function snapshotEpoch(nc: NatsConnection, db: string): Promise<number | undefined> {
  let store: Awaited<ReturnType<Objm['open']>>;
  try {
    store = await new Objm(nc).open(bucketName(db));
  } catch {
    return undefined;
  }
  const info = await store.info(OBJECT);
  if (info === null) return undefined;
  return parseEpoch(db, info.metadata?.epoch);
}

/** A snapshot's epoch from its metadata: snapshots from before epochs name none, and belong to epoch 0. */
function parseEpoch(db: string, text: string | undefined): number {
  const epoch = text === undefined ? 0 : Number(text);
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new ReplicationError(`the snapshot of ${db} names epoch ${JSON.stringify(text)}, not a whole number`);
  return epoch;
}

/**
 * @internal Writes the latest snapshot of `db` into a base sink as it
 * arrives (a database of any size is never in memory whole), then checks it
 * there: its history header names its whole length, and its last commit's
 * tail checks (trailer and checksum). The sink is opened only when there is
 * a snapshot, and dropped when the snapshot does not check.
 *
 * @returns the storage holding it and what it holds; undefined when there is none
 * @throws ReplicationError when it cannot be read, or does not check
 */
export async function getSnapshotInto(nc: NatsConnection, db: string, openSink: () => BaseSink): Promise<{ storage: Storage; info: SnapshotInfo } | undefined> {
  let store: Awaited<ReturnType<Objm['open']>>;
  try {
    store = await new Objm(nc).open(bucketName(db));
  } catch {
    // No bucket: no snapshot was ever uploaded.
    return undefined;
  }
  let sink: BaseSink | undefined;
  try {
    // The bytes and the info of one and the same upload.
    const result = await store.get(OBJECT);
    if (result === null) return undefined;
    const epoch = parseEpoch(db, result.info.metadata?.epoch);
    sink = openSink();
    let length = 0;
    const reader = result.data.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sink.storage.write(length, value);
      length += value.length;
    }
    const failure = await result.error;
    if (failure) throw failure;
    const moments = checkSnapshot(db, sink.storage, length);
    const storage = sink.finish(length);
    return { storage, info: { size: length, moments, epoch } };
  } catch (error) {
    sink?.abort();
    throw error instanceof ReplicationError ? error : new ReplicationError(`reading the snapshot of ${db} failed: ${String(error)}`, { cause: error });
  }
}

/**
 * Checks a snapshot of `length` bytes written into `storage`: its history
 * header names its whole length, and its last commit's tail checks.
 *
 * @returns its moment count
 * @throws ReplicationError when it does not check
 */
function checkSnapshot(db: string, storage: Storage, length: number): number {
  const read = (from: number, to: number): Uint8Array => {
    const bytes = new Uint8Array(to - from);
    storage.read(from, bytes);
    return bytes;
  };
  if (length < HISTORY_HEADER_POSITION + 24) throw new ReplicationError(`the snapshot of ${db} holds ${length} bytes, too few for a database`);
  const header = decodeHistoryHeader(read(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + 24), length);
  if (header.committedSize !== length) throw new ReplicationError(`the snapshot of ${db} holds ${length} bytes, but its history header names ${header.committedSize}`);
  const size = claimedTrailerSize(read(length - 4, length));
  const trailer = size > 0 && size <= length ? decodeTrailer(read(length - size, length), length) : undefined;
  if (trailer !== undefined) checkTail(read(trailer.previousSize, length), trailer.previousSize);
  return header.count;
}
