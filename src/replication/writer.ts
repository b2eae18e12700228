// A replicated writer (the README's Replication section): a Database that publishes every
// commit's tail to its JetStream stream. It holds the write lease (lease.ts)
// and publishes with the expected last sequence (stream-log.ts), so a writer
// that lost the right stops with FencedError instead of diverging. Durability
// `replicated` resolves transactAsync only once the stream has stored the
// commit on a quorum of its servers; `local` resolves it as the database does,
// and publishes in the background.

import type { Database, Transaction } from '../api/database.js';
import type { CommitOptions } from '../history/commit-meta.js';
import { FencedError, InvalidArgumentError, ReplicationError, StrataError } from '../errors.js';
import { Lease, type LeaseClock, type LeaseOptions } from './lease.js';
import { StreamLog, type OutgoingChunk } from './stream-log.js';
import { tailsBetween } from './tail.js';
import { putSnapshot, type SnapshotInfo } from './snapshot-store.js';
import { trailerEndingAt } from '../history/trailers.js';
import { encodeHistoryHeader } from '../history/history-header.js';
import { HISTORY_HEADER_POSITION } from '../format/constants.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { CHUNK_SIZE_MAX, checkDatabaseName, type ChunkHeader, type UnitKind } from './wire.js';

/**
 * When a replicated writer's `transactAsync` resolves:
 * - `replicated`: once the commit is durable locally (the database's own
 *   durability) and stored by the stream on a quorum of its servers: it
 *   survives the loss of this machine;
 * - `local`: once it is durable locally, as the database's transactAsync;
 *   it is published in the background, and lost if this machine is lost first.
 */
export type ReplicationDurability = 'replicated' | 'local';

/** Options of {@link replicate}. */
export interface ReplicateOptions {
  /** The database's name on the NATS servers: 1 to 64 letters, digits, `_` or `-`. */
  name: string;
  /** A connection to the NATS servers (from `connect` of `@nats-io/transport-node`). */
  connection: NatsConnection;
  /** When transactAsync resolves (default `replicated`). */
  durability?: ReplicationDurability;
  /** Copies of the stream and lease when this call creates them (default 3). */
  replicas?: number;
  /** The write lease: time to live, how long to wait for it, who holds it. */
  lease?: Omit<LeaseOptions, 'replicas'>;
}

/** @internal What a standby hands over: a lease it already won. */
export interface ReplicateInternals {
  lease?: Lease;
  clock?: LeaseClock;
}

/**
 * Starts replicating a database: takes its write lease, checks that the
 * stream holds a prefix of the database (or is empty: then the database's
 * bytes so far go first, as the base), publishes what the stream lacks, and
 * returns the writer to commit through.
 *
 * @param db - an open, writable database with history (a file, or memory)
 * @param options - the name, the NATS connection, durability
 * @throws FencedError when another writer holds the lease
 * @throws ReplicationError when the stream holds commits this database lacks (follow it first) or bytes it does not hold
 */
export async function replicate<S = any>(db: Database<S>, options: ReplicateOptions): Promise<ReplicatedWriter<S>> {
  return replicateWith(db, options, {});
}

/** @internal {@link replicate} with a lease already won (a promotion), or a test's clock. */
export async function replicateWith<S = any>(db: Database<S>, options: ReplicateOptions, internals: ReplicateInternals): Promise<ReplicatedWriter<S>> {
  const name = checkDatabaseName(options.name);
  const durability = options.durability ?? 'replicated';
  if (durability !== 'replicated' && durability !== 'local') throw new InvalidArgumentError(`durability is "replicated" or "local", got ${String(durability)}`);
  if (db.readOnly) throw new InvalidArgumentError('replicate needs a writable database; a read-only one is a follower (see follow)');
  if (!db.engine.hasHistory) throw new InvalidArgumentError('replicate needs a database with history: one without changes its bytes in place');
  const replicas = options.replicas ?? 3;
  const lease = internals.lease ?? (await Lease.acquire(options.connection, name, { ...options.lease, replicas }, internals.clock));
  try {
    const log = await StreamLog.open(options.connection, name, replicas);
    const writer = new ReplicatedWriter<S>(db, name, durability, lease, log, options.connection, replicas);
    await writer.start();
    return writer;
  } catch (error) {
    await lease.close(true);
    throw error;
  }
}

/** A database whose commits are published to its stream; commit through it. */
export class ReplicatedWriter<S = any> {
  /** The database underneath: read it freely; commit through this writer. */
  readonly database: Database<S>;
  /** The database's name on the NATS servers. */
  readonly name: string;
  /** When transactAsync resolves. */
  readonly durability: ReplicationDurability;
  private readonly lease: Lease;
  private readonly log: StreamLog;
  private readonly connection: NatsConnection;
  private readonly replicas: number;
  private lastSeq = 0;
  private published = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: StrataError | undefined;

  /** @internal */
  constructor(db: Database<S>, name: string, durability: ReplicationDurability, lease: Lease, log: StreamLog, connection: NatsConnection, replicas: number) {
    this.connection = connection;
    this.replicas = replicas;
    this.database = db;
    this.name = name;
    this.durability = durability;
    this.lease = lease;
    this.log = log;
    lease.onLost = (error) => {
      this.failure ??= error;
    };
  }

  /** The committed size the stream holds up to (all commits below it are published). */
  get publishedSize(): number {
    return this.published;
  }

  /** The error this writer stopped with, or undefined while it works. */
  get failed(): StrataError | undefined {
    return this.failure;
  }

  /** @internal Fences the stream for this term, and publishes what it lacks. */
  async start(): Promise<void> {
    const head = await this.log.head();
    const storage = this.database.engine.storage;
    const local = this.database.engine.committedSize;
    if (head.end > local) {
      throw new ReplicationError(`the stream of ${this.name} holds ${head.end} bytes of commits, this database ${local}: it is behind; follow the stream (follow) before writing`);
    }
    if (head.end > 0) {
      const mine = new Uint8Array(head.endBytes.length);
      storage.read(head.end - mine.length, mine);
      if (!mine.every((byte, i) => byte === head.endBytes[i])) {
        throw new ReplicationError(`the stream of ${this.name} ends at ${head.end} with bytes this database does not hold there: they diverged; start from a replica of the stream instead`);
      }
    }
    const fence: ChunkHeader = { kind: 'fence', db: this.name, epoch: 0, term: this.lease.term, unitStart: head.end, unitEnd: head.end, from: head.end, to: head.end, moments: head.moments };
    this.lastSeq = await this.log.publish([{ header: fence, data: new Uint8Array(0) }], head.lastSeq);
    this.published = head.end;
    if (head.end === 0) {
      // The base: the committed bytes as they are now, header included (it names them).
      const base = new Uint8Array(local);
      storage.read(0, base);
      this.lastSeq = await this.log.publish(this.chunks('base', 0, base, this.database.momentCount), this.lastSeq);
      this.published = local;
    }
    await this.publishPending();
  }

  /**
   * Commits a transaction, as `Database.transact`, and publishes it in the
   * background (call {@link flush} to wait for it).
   *
   * @throws FencedError when this writer lost its lease; nothing is committed then
   */
  transact<R>(fn: (tx: Transaction<S>) => R, options?: CommitOptions): R {
    this.check();
    const result = this.database.transact(fn, options);
    // A failure is kept (see failed) and thrown by the next call.
    this.schedule().catch(() => undefined);
    return result;
  }

  /**
   * Commits a transaction, as `Database.transactAsync`, and resolves as
   * {@link durability} says: with `replicated`, once the stream has stored it.
   *
   * @throws FencedError when this writer lost its lease, before or while publishing
   */
  async transactAsync<R>(fn: (tx: Transaction<S>) => R, options?: CommitOptions): Promise<R> {
    this.check();
    const result = await this.database.transactAsync(fn, options);
    const published = this.schedule();
    if (this.durability === 'replicated') await published;
    // With local durability a failure is kept (see failed) and thrown by the next call.
    else published.catch(() => undefined);
    return result;
  }

  /** Resolves once every commit so far is stored by the stream. */
  async flush(): Promise<void> {
    this.check();
    await this.schedule();
  }

  /**
   * Uploads the database as published so far to the object store, as the
   * snapshot new replicas start from (they then apply the stream from its
   * end). Publishes what is pending first. O(database size).
   *
   * @returns the snapshot's size and moment count
   */
  async uploadSnapshot(): Promise<SnapshotInfo> {
    await this.flush();
    const size = this.published;
    const storage = this.database.engine.storage;
    const bytes = new Uint8Array(size);
    storage.read(0, bytes);
    // The header on disk may name a later commit, not yet published: the snapshot's names its own end.
    const trailer = trailerEndingAt(storage, size);
    let moments = this.database.momentCount;
    if (trailer !== undefined) {
      bytes.set(encodeHistoryHeader({ count: trailer.count, root: trailer.root, committedSize: size }), HISTORY_HEADER_POSITION);
      moments = trailer.count;
    } else if (this.database.engine.committedSize !== size) {
      throw new ReplicationError('the published part of this database ends with no commit trailer; commit once more before taking a snapshot');
    }
    await putSnapshot(this.connection, this.name, bytes, { size, moments }, this.replicas);
    return { size, moments };
  }

  /** Stops: publishes what is pending, releases the lease (a standby takes over at once), and closes the database. */
  async close(): Promise<void> {
    try {
      if (this.failure === undefined) await this.schedule();
    } finally {
      await this.lease.close(this.failure === undefined);
      this.database.close();
    }
  }

  private check(): void {
    if (this.failure === undefined) this.lease.assertHeld();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Queues a publish of everything committed by the time it runs. */
  private schedule(): Promise<void> {
    const next = this.chain.then(() => this.publishPending());
    // The chain itself never rejects: each publish reads the failure kept before it.
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async publishPending(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const target = this.database.engine.committedSize;
    if (target <= this.published) return;
    try {
      this.lease.assertHeld();
      const storage = this.database.engine.storage;
      const chunks: OutgoingChunk[] = [];
      for (const tail of tailsBetween(storage, this.published, target)) {
        const bytes = new Uint8Array(tail.to - tail.from);
        storage.read(tail.from, bytes);
        chunks.push(...this.chunks('commit', tail.from, bytes, tail.trailer.count));
      }
      this.lastSeq = await this.log.publish(chunks, this.lastSeq);
      this.published = target;
    } catch (error) {
      const stop = error instanceof StrataError ? error : new ReplicationError(`publishing to the stream of ${this.name} failed: ${String(error)}`, { cause: error });
      this.failure ??= stop;
      if (stop instanceof FencedError) await this.lease.close(false);
      throw this.failure;
    }
  }

  private chunks(kind: UnitKind, start: number, bytes: Uint8Array, moments: number): OutgoingChunk[] {
    const out: OutgoingChunk[] = [];
    const unitEnd = start + bytes.length;
    for (let offset = 0; offset < bytes.length || out.length === 0; offset += CHUNK_SIZE_MAX) {
      const data = bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK_SIZE_MAX));
      out.push({ header: { kind, db: this.name, epoch: 0, term: this.lease.term, unitStart: start, unitEnd, from: start + offset, to: start + offset + data.length, moments }, data });
    }
    return out;
  }
}
