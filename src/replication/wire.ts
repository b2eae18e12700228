// What replication puts on a NATS JetStream stream (the README's Replication section): one
// stream per database, one subject, and messages of three kinds, each named
// by headers:
// - `base`: bytes [0, n) of the database as it was when replication began
//   (a committed state: its history header names n);
// - `commit`: one commit's tail, the bytes from the committed size before it
//   to the one after, which end with its commit trailer (FORMAT.md §Commit
//   trailer), so a follower checks it on its own;
// - `fence`: no bytes; a writer that won the lease publishes it first, so
//   that the stream's last sequence moves and a stale writer's next publish,
//   which expects the old one, is refused.
// A unit (a base or a commit tail) larger than a message is sent as several
// chunks, in order; the last chunk's range ends where the unit ends.

import { InvalidArgumentError, ReplicationError } from '../errors.js';

/** How many bytes one message carries at most (NATS' default maximum payload is 1 MiB). */
export const CHUNK_SIZE_MAX = 512 * 1024;

/** The kinds of message on a replication stream. */
export type UnitKind = 'base' | 'commit' | 'fence';

/** What a message's headers say. */
export interface ChunkHeader {
  /** The message's kind. */
  readonly kind: UnitKind;
  /** The database's name. */
  readonly db: string;
  /** The database's epoch: 0 until compaction starts new ones. */
  readonly epoch: number;
  /** The lease revision of the writer that published it (its term). */
  readonly term: number;
  /** Where the unit this chunk belongs to starts. */
  readonly unitStart: number;
  /** Where that unit ends: the committed size after it. */
  readonly unitEnd: number;
  /** Where this chunk's bytes start. */
  readonly from: number;
  /** Where they end. */
  readonly to: number;
  /** The database's moment count after the unit. */
  readonly moments: number;
}

/** Header names, as NATS sends them. */
const H = {
  kind: 'Strata-Kind',
  db: 'Strata-Db',
  epoch: 'Strata-Epoch',
  term: 'Strata-Term',
  unitStart: 'Strata-Unit-Start',
  unitEnd: 'Strata-Unit-End',
  from: 'Strata-From',
  to: 'Strata-To',
  moments: 'Strata-Moments',
} as const;

/** Checks a database name: it names a stream, a subject and a KV key, so letters, digits, `_` and `-` only. */
export function checkDatabaseName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new InvalidArgumentError(`a replicated database's name is 1 to 64 letters, digits, _ or -, got ${JSON.stringify(name)}`);
  }
  return name;
}

/** The stream of a database. */
export function streamName(db: string): string {
  return `STRATA_${db}`;
}

/** The one subject its messages are published on. */
export function subjectName(db: string): string {
  return `strata.${db}.log`;
}

/** The message id JetStream deduplicates on: one per epoch, term and offset, so a retry never stores a chunk twice. */
export function messageId(header: ChunkHeader): string {
  return header.kind === 'fence' ? `${header.db}:${header.epoch}:${header.term}:fence` : `${header.db}:${header.epoch}:${header.term}:${header.from}`;
}

/** The header fields as strings, to set on a message. */
export function encodeHeader(header: ChunkHeader): Array<[string, string]> {
  return (Object.keys(H) as Array<keyof typeof H>).map((key) => [H[key], String(header[key])]);
}

/**
 * Reads and checks a message's headers.
 *
 * @param get - the message's header lookup (empty string when absent)
 * @param length - the message's payload length
 * @throws ReplicationError when a header is missing or the numbers do not fit together
 */
export function decodeHeader(get: (name: string) => string, length: number): ChunkHeader {
  const kind = get(H.kind);
  if (kind !== 'base' && kind !== 'commit' && kind !== 'fence') throw new ReplicationError(`a message on the replication stream has kind ${JSON.stringify(kind)}, not base, commit or fence`);
  const number = (name: string): number => {
    const text = get(name);
    const value = Number(text);
    if (text === '' || !Number.isSafeInteger(value) || value < 0) throw new ReplicationError(`a ${kind} message on the replication stream has ${name} ${JSON.stringify(text)}, not a whole number`);
    return value;
  };
  const header: ChunkHeader = {
    kind,
    db: get(H.db),
    epoch: number(H.epoch),
    term: number(H.term),
    unitStart: number(H.unitStart),
    unitEnd: number(H.unitEnd),
    from: number(H.from),
    to: number(H.to),
    moments: number(H.moments),
  };
  const fits = header.unitStart <= header.from && header.from <= header.to && header.to <= header.unitEnd && header.to - header.from === length;
  if (kind !== 'fence' && !fits) {
    throw new ReplicationError(
      `a ${kind} message on the replication stream says it holds [${header.from}, ${header.to}) of [${header.unitStart}, ${header.unitEnd}) but carries ${length} bytes`,
    );
  }
  return header;
}

/** `parts` one after the other, in one array of `length` bytes (their total). */
export function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
