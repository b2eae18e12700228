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
import { concatBytes } from './wire.js';
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
 * @internal The latest snapshot of `db`, checked: its history header names its
 * whole length, and its last commit's tail checks (trailer and checksum).
 * Undefined when there is none.
 *
 * @throws ReplicationError when it does not check
 */
export async function getSnapshot(nc: NatsConnection, db: string): Promise<{ bytes: Uint8Array; info: SnapshotInfo } | undefined> {
  let store: Awaited<ReturnType<Objm['open']>>;
  try {
    store = await new Objm(nc).open(bucketName(db));
  } catch {
    // No bucket: no snapshot was ever uploaded.
    return undefined;
  }
  let bytes: Uint8Array;
  let epochText: string | undefined;
  try {
    // The bytes and the info of one and the same upload.
    const result = await store.get(OBJECT);
    if (result === null) return undefined;
    epochText = result.info.metadata?.epoch;
    const [failure, data] = await Promise.all([result.error, readAll(result.data)]);
    if (failure) throw failure;
    bytes = data;
  } catch (error) {
    throw new ReplicationError(`reading the snapshot of ${db} failed: ${String(error)}`, { cause: error });
  }
  const epoch = parseEpoch(db, epochText);
  const header = decodeHistoryHeader(bytes.subarray(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + 24), bytes.length);
  if (header.committedSize !== bytes.length) throw new ReplicationError(`the snapshot of ${db} holds ${bytes.length} bytes, but its history header names ${header.committedSize}`);
  const size = bytes.length >= 4 ? claimedTrailerSize(bytes.subarray(bytes.length - 4)) : -1;
  const trailer = size > 0 && size <= bytes.length ? decodeTrailer(bytes.subarray(bytes.length - size), bytes.length) : undefined;
  if (trailer !== undefined) checkTail(bytes.subarray(trailer.previousSize), trailer.previousSize);
  return { bytes, info: { size: bytes.length, moments: header.count, epoch } };
}

/** The whole of a readable stream's bytes. */
async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
  }
  return concatBytes(parts, length);
}
