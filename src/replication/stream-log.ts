// A database's replication stream on JetStream (see wire.ts for what it
// holds): creating it, finding its head (the last whole unit), publishing
// chunks with the expected last sequence, and reading messages by sequence.

import { jetstream, jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { FencedError, ReplicationError } from '../errors.js';
import { decodeHeader, encodeHeader, messageId, streamName, subjectName, type ChunkHeader } from './wire.js';
import { isPassingPlacementError, whilePlacing } from './placement.js';

/** JetStream's error code for a publish whose expected last sequence is not the stream's. */
const WRONG_LAST_SEQUENCE = 10071;
/** How many times a publish that failed for a passing reason (a timeout, a leader election) is sent again. */
const PUBLISH_ATTEMPTS = 20;

/** A message as stored: its sequence, what its headers say, and its bytes. */
export interface LogMessage {
  readonly seq: number;
  readonly header: ChunkHeader;
  readonly data: Uint8Array;
}

/** The stream's head: its last sequence, and where its last whole unit ends. */
export interface LogHead {
  /** The stream's last sequence (0 when empty). */
  readonly lastSeq: number;
  /** The epoch of the last whole unit (0 when none): {@link end} counts in its file. */
  readonly epoch: number;
  /** The highest epoch any message names (epochs never decrease along the stream): a new epoch is numbered above it. */
  readonly latestEpoch: number;
  /** The committed size after the last whole unit (0 when none). */
  readonly end: number;
  /** The moment count after it. */
  readonly moments: number;
  /** The last whole unit's last 8 bytes (its trailer's footer, for a commit), to check a writer's file against. */
  readonly endBytes: Uint8Array;
}

/** One chunk to publish. */
export interface OutgoingChunk {
  readonly header: ChunkHeader;
  readonly data: Uint8Array;
}

/** @internal A database's stream. */
export class StreamLog {
  readonly stream: string;
  readonly subject: string;

  private constructor(
    readonly db: string,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
  ) {
    this.stream = streamName(db);
    this.subject = subjectName(db);
  }

  /** Opens the stream of `db`, creating it with `replicas` copies when missing. */
  static async open(nc: NatsConnection, db: string, replicas: number): Promise<StreamLog> {
    const jsm = await jetstreamManager(nc);
    const log = new StreamLog(db, jsm, jetstream(nc));
    try {
      await jsm.streams.info(log.stream);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      try {
        await whilePlacing(() => jsm.streams.add({ name: log.stream, subjects: [log.subject], num_replicas: replicas, storage: StorageType.File, retention: RetentionPolicy.Limits }));
      } catch (addError) {
        // Another process created it first: use theirs. A cluster that still
        // cannot place it after the wait says so, not "stream not found".
        if (!(addError instanceof JetStreamApiError) || isPassingPlacementError(addError)) throw addError;
        await jsm.streams.info(log.stream);
      }
    }
    return log;
  }

  /** The stream's last sequence. */
  async lastSeq(): Promise<number> {
    return (await this.info()).state.last_seq;
  }

  /**
   * The stream's info, asked again while the servers answer with a passing
   * error, or while the stream has no leader: then the answer comes from a
   * server that may not hold the stream's latest messages (right after a
   * server restarts), and a follower that believed its last sequence would
   * call itself caught up too early.
   */
  private info() {
    return retrying(async () => {
      const info = await this.jsm.streams.info(this.stream);
      if (info.cluster !== undefined && !info.cluster.leader) throw new ReplicationError(`stream ${this.stream} has no leader yet`);
      return info;
    });
  }

  /**
   * The message at `seq`, or undefined when the stream holds none there
   * (deleted, or past the end). Any other answer (a server restarting, a
   * leader being elected) is asked again, and never read as "none": a
   * follower that took it so would stop short of the stream's head.
   */
  async get(seq: number): Promise<LogMessage | undefined> {
    const stored: StoredMsg | null = await retrying(() => this.jsm.streams.getMessage(this.stream, { seq }));
    if (stored === null) return undefined;
    return { seq: stored.seq, header: decodeHeader((name) => stored.header?.get(name) ?? '', stored.data.length), data: stored.data };
  }

  /** The head: the last whole unit, found by reading back from the last message past fences and an unfinished unit. */
  async head(): Promise<LogHead> {
    const info = await this.info();
    const lastSeq = info.state.last_seq;
    let latestEpoch = 0;
    for (let seq = lastSeq; seq >= Math.max(1, info.state.first_seq); seq--) {
      const message = await this.get(seq);
      if (message === undefined) continue;
      if (seq === lastSeq) latestEpoch = message.header.epoch;
      if (message.header.kind === 'fence' || message.header.to !== message.header.unitEnd) continue;
      const { epoch, unitEnd, moments } = message.header;
      return { lastSeq, epoch, latestEpoch: Math.max(latestEpoch, epoch), end: unitEnd, moments, endBytes: message.data.slice(Math.max(0, message.data.length - 8)) };
    }
    return { lastSeq, epoch: latestEpoch, latestEpoch, end: 0, moments: 0, endBytes: new Uint8Array(0) };
  }

  /** The stream's first sequence still held (purged ones are gone), and its last. */
  async bounds(): Promise<{ first: number; last: number }> {
    const info = await this.info();
    return { first: Math.max(1, info.state.first_seq), last: info.state.last_seq };
  }

  /**
   * The first sequence whose unit starts at or after `position` of epoch
   * `epoch` (epochs never decrease along the stream, and within one epoch
   * unit starts never decrease), by binary search over direct reads: O(log n)
   * reads. lastSeq + 1 when there is none.
   */
  async firstSeqFrom(epoch: number, position: number): Promise<number> {
    const { first, last } = await this.bounds();
    let low = first;
    let high = last + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const message = await this.get(middle);
      if (message === undefined) throw new ReplicationError(`message ${middle} of stream ${this.stream} is missing: it was deleted or purged, and replicas cannot follow past it`);
      const { header } = message;
      if (header.epoch > epoch || (header.epoch === epoch && header.unitStart >= position)) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /**
   * Removes every message before sequence `seq` (the start of an epoch whose
   * base holds all that came before): replicas of older epochs then restart
   * from a snapshot or the base.
   */
  async purgeBefore(seq: number): Promise<void> {
    await retrying(() => this.jsm.streams.purge(this.stream, { seq }));
  }

  /**
   * Publishes chunks in order, the first expecting the stream's last sequence
   * to be `expectedLast`, each next one the sequence before it: all are sent
   * at once, and a publish whose answer is lost is sent again with the same
   * message id and expectation (JetStream answers a duplicate with the
   * sequence it stored). Resolves to the new last sequence once every chunk
   * is stored (on a quorum of the stream's replicas).
   *
   * @throws FencedError when the stream's last sequence was not the expected one: another writer published
   */
  async publish(chunks: readonly OutgoingChunk[], expectedLast: number): Promise<number> {
    const send = (chunk: OutgoingChunk, expected: number) => {
      const h = headers();
      for (const [name, value] of encodeHeader(chunk.header)) h.set(name, value);
      return this.js.publish(this.subject, chunk.data, { msgID: messageId(chunk.header), expect: { lastSequence: expected, streamName: this.stream }, headers: h, timeout: 5000 });
    };
    const fenced = (i: number, cause?: unknown) =>
      new FencedError(`the stream ${this.stream} refused a publish that expected last sequence ${expectedLast + i}: another writer has published since; this writer stops`, { cause });
    const settled = await Promise.allSettled(chunks.map((chunk, i) => send(chunk, expectedLast + i)));
    // A chunk sent again means the ones after it met a stream that lacked it:
    // their refusals say nothing about another writer, so they are sent again too.
    let earlierResent = false;
    for (let i = 0; i < chunks.length; i++) {
      let outcome = settled[i] as PromiseSettledResult<{ seq: number }>;
      let attempt = 1;
      while (outcome.status === 'rejected') {
        const reason: unknown = outcome.reason;
        const wrongLast = reason instanceof JetStreamApiError && reason.code === WRONG_LAST_SEQUENCE;
        if (wrongLast && (attempt > 1 || !earlierResent)) throw fenced(i, reason);
        if (attempt >= PUBLISH_ATTEMPTS) throw new ReplicationError(`publishing to stream ${this.stream} failed ${PUBLISH_ATTEMPTS} times: ${String(reason)}`, { cause: reason });
        if (!wrongLast) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * attempt)));
        attempt++;
        earlierResent = true;
        try {
          outcome = { status: 'fulfilled', value: await send(chunks[i] as OutgoingChunk, expectedLast + i) };
        } catch (error) {
          outcome = { status: 'rejected', reason: error };
        }
      }
      if (outcome.value.seq !== expectedLast + i + 1) throw fenced(i);
    }
    return expectedLast + chunks.length;
  }
}

/** JetStream's error code for a stream that does not exist: definite, not worth asking again. */
const STREAM_NOT_FOUND = 10059;

/** Runs a request again while it fails for a passing reason (a timeout, a server restarting, a leader election), up to {@link PUBLISH_ATTEMPTS} times. */
async function retrying<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if ((error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND) || attempt >= PUBLISH_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * attempt)));
    }
  }
}
