// A replicated writer (the README's Replication section): a Database that publishes every
// commit's tail to its JetStream stream. It holds the write lease (lease.ts)
// and publishes with the expected last sequence (stream-log.ts), so a writer
// that lost the right stops with FencedError instead of diverging. Durability
// `replicated` resolves transactAsync only once the stream has stored the
// commit on a quorum of its servers; `local` resolves it as the database does,
// and publishes in the background.

import type { Database, Transaction } from '../api/database.js';
import type { CompactOptions, CompactResult } from '../api/compact.js';
import type { CommitOptions } from '../history/commit-meta.js';
import { FencedError, InvalidArgumentError, ReplicationError, StrataError } from '../errors.js';
import { Lease, type LeaseClock, type LeaseOptions } from './lease.js';
import { StreamLog, type OutgoingChunk } from './stream-log.js';
import { tailsBetween } from './tail.js';
import { putSnapshot, snapshotEpoch, type SnapshotInfo } from './snapshot-store.js';
import { trailerEndingAt } from '../history/trailers.js';
import { encodeHistoryHeader } from '../history/history-header.js';
import { HISTORY_HEADER_POSITION } from '../format/constants.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Engine } from '../history/engine.js';
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
  /**
   * Publish this database whole, as the base of a new epoch, instead of
   * checking that it continues the stream (default false). For a writer
   * whose file was compacted after its last publish (a crash between
   * {@link ReplicatedWriter.compact}'s compaction and its publish, or a
   * compaction by other means): replicas move to the new epoch, as after
   * `compact`. Whatever this file lacks that the stream holds is gone from
   * the replicas too: use it only on the last writer's file.
   */
  newEpoch?: boolean;
}

/** Options of {@link ReplicatedWriter.compact}: those of `Database.compact`, and what to do with the stream. */
export interface ReplicatedCompactOptions extends CompactOptions {
  /** Upload the compacted database as the snapshot new replicas start from (default true). */
  snapshot?: boolean;
  /**
   * Remove the stream's messages from before the new epoch (default false):
   * the stream shrinks as the file did. Replicas then running move on as
   * usual; a replica that was stopped, and whose file belongs to an older
   * epoch, is refused when it starts again (follow into a new file).
   */
  trimStream?: boolean;
}

/** What {@link ReplicatedWriter.compact} did. */
export interface ReplicatedCompactResult extends CompactResult {
  /** The epoch the compacted database was published as. */
  readonly epoch: number;
  /** The stream's first sequence of that epoch. */
  readonly epochStartSeq: number;
}

/** How many bytes of a base are read and published at a time (16 chunks). */
const BASE_WINDOW = 16 * CHUNK_SIZE_MAX;

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
    const writer = new ReplicatedWriter<S>(db, name, durability, lease, log, options.connection, replicas, options.newEpoch === true);
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
  /** The epoch this writer publishes in: the stream's, or a new one after a compaction. */
  private epochNow = 0;
  /** True when the database must be published whole, as its epoch's base, before any tail. */
  private baseDue = false;
  /** The stream's sequence of the first message of {@link epochNow} (its fence). */
  private epochStartSeq = 0;
  private readonly startNewEpoch: boolean;
  /**
   * The engine whose bytes were last published. The database replaces its
   * engine when it is compacted (by {@link compact}, `database.compact`, or
   * in the background with `autoCompact`): positions in the new file mean
   * other bytes, so the next publish starts a new epoch with it whole.
   */
  private engineSeen: Engine;
  private chain: Promise<void> = Promise.resolve();
  private failure: StrataError | undefined;

  /** @internal */
  constructor(db: Database<S>, name: string, durability: ReplicationDurability, lease: Lease, log: StreamLog, connection: NatsConnection, replicas: number, newEpoch = false) {
    this.startNewEpoch = newEpoch;
    this.engineSeen = db.engine;
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

  /** The committed size the stream holds up to (all commits below it are published), in the file of {@link epoch}. */
  get publishedSize(): number {
    return this.published;
  }

  /**
   * The epoch this writer publishes in. Each compaction through
   * {@link compact} starts a new one: positions on the stream count in the
   * compacted file from then on, and replicas move to it.
   */
  get epoch(): number {
    return this.epochNow;
  }

  /** The error this writer stopped with, or undefined while it works. */
  get failed(): StrataError | undefined {
    return this.failure;
  }

  /**
   * @internal Fences the stream for this term, and publishes what it lacks:
   * the tails after the stream's last whole commit when this database
   * continues it; the whole database, as a new epoch's base, when asked to
   * (newEpoch), or when the stream's last messages begin an epoch that never
   * got its whole base (its writer died while publishing it): tails of an
   * older epoch cannot follow them.
   */
  async start(): Promise<void> {
    const head = await this.log.head();
    const local = this.database.engine.committedSize;
    let whole = head.end === 0 || this.startNewEpoch;
    if (!whole) {
      this.checkContinues(head.end, head.endBytes, local);
      whole = head.latestEpoch > head.epoch;
    }
    this.epochNow = whole ? await this.freshEpoch(head.lastSeq, head.latestEpoch) : head.epoch;
    const at = whole ? 0 : head.end;
    this.lastSeq = head.lastSeq;
    await this.publishFence(at, whole ? 0 : head.moments);
    if (whole) this.epochStartSeq = this.lastSeq;
    else this.epochStartSeq = await this.log.firstSeqFrom(this.epochNow, 0);
    this.published = at;
    this.baseDue = whole;
    await this.publishPending();
  }

  /**
   * The epoch a whole base is published in: above every epoch a replica may
   * be in (the stream's, and the snapshot's: a stream purged whole still
   * leaves replicas started from the snapshot in its epoch), so that every
   * follower takes it; 0 for the first base of a stream that never held a
   * message, with no snapshot.
   */
  private async freshEpoch(lastSeq: number, latestEpoch: number): Promise<number> {
    const snapshot = await snapshotEpoch(this.connection, this.name);
    if (lastSeq === 0 && snapshot === undefined) return 0;
    return Math.max(latestEpoch, snapshot ?? 0) + 1;
  }

  /** @throws ReplicationError when this database does not continue the stream's last whole commit, which ends at `end` with `endBytes` */
  private checkContinues(end: number, endBytes: Uint8Array, local: number): void {
    const hint = 'if this file was compacted after its last publish, publish it as a new epoch (newEpoch: true; the CLI: --new-epoch)';
    if (end > local) {
      throw new ReplicationError(`the stream of ${this.name} holds ${end} bytes of commits, this database ${local}: it is behind; follow the stream (follow) before writing, or ${hint}`);
    }
    const mine = new Uint8Array(endBytes.length);
    this.database.engine.storage.read(end - mine.length, mine);
    if (!mine.every((byte, i) => byte === endBytes[i])) {
      throw new ReplicationError(`the stream of ${this.name} ends at ${end} with bytes this database does not hold there: they diverged; start from a replica of the stream instead, or ${hint}`);
    }
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

  /**
   * Queues a transaction for the next batch, as `Database.transactBatched`
   * (the calls of one task share one moment, published as one unit), and
   * resolves as {@link durability} says: with `replicated`, once the stream
   * has stored its moment.
   *
   * @throws FencedError when this writer lost its lease, before or while publishing
   */
  async transactBatched<R>(fn: (tx: Transaction<S>) => R): Promise<R> {
    this.check();
    const result = await this.database.transactBatched(fn);
    const published = this.schedule();
    if (this.durability === 'replicated') await published;
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
    const engine = this.database.engine;
    const header = this.headerFor(engine, size);
    const info = { size, moments: header.moments, epoch: this.epochNow };
    await putSnapshot(this.connection, this.name, () => this.baseWindows(engine, size, header.bytes), info, this.replicas);
    return info;
  }

  /**
   * Compacts the database (as `Database.compact`, with the same options) and
   * starts a new epoch: the compacted database is published whole as its
   * base, then uploaded as the snapshot, and the stream's older epochs are
   * removed when `trimStream` says so. Replicas that follow move to the new
   * epoch when its base reaches them: a file replica is replaced atomically,
   * as a compaction replaces the writer's, and its readers move on their next
   * refresh. Commits made meanwhile wait for the base and follow it.
   * A compaction by other means (`database.compact`, or `autoCompact` in the
   * background) starts a new epoch the same way at the next publish; this
   * method adds the snapshot and the trimming, and waits for the base.
   *
   * The compaction itself is synchronous: it holds up the lease's renewals,
   * so keep `lease.ttlMs` well above the time it takes (see `stratadb
   * compact --dry-run` for an estimate of the size); a writer whose lease ran
   * out meanwhile stops with FencedError, and its file, compacted, is not
   * published.
   *
   * @throws FencedError when this writer lost its lease
   */
  async compact(options: ReplicatedCompactOptions = {}): Promise<ReplicatedCompactResult> {
    const { snapshot = true, trimStream = false, ...compactOptions } = options;
    await this.flush();
    this.check();
    const result = this.database.compact(compactOptions);
    // The next publish sees the new engine, and starts the epoch.
    await this.flush();
    if (snapshot) await this.uploadSnapshot();
    if (trimStream) await this.log.purgeBefore(this.epochStartSeq);
    return { ...result, epoch: this.epochNow, epochStartSeq: this.epochStartSeq };
  }

  /**
   * The history header that names `size` (a commit's end) in `engine`'s
   * file, and its moment count; no bytes when the file's own header names it
   * (a file that ends with no trailer, written by another implementation).
   */
  private headerFor(engine: Engine, size: number): { bytes: Uint8Array | undefined; moments: number } {
    const trailer = trailerEndingAt(engine.storage, size);
    if (trailer !== undefined) return { bytes: encodeHistoryHeader({ count: trailer.count, root: trailer.root, committedSize: size }), moments: trailer.count };
    if (engine.committedSize !== size) {
      throw new ReplicationError('the published part of this database ends with no commit trailer; commit once more before taking a snapshot');
    }
    return { bytes: undefined, moments: engine.momentCount };
  }

  /**
   * Publishes `engine`'s committed bytes up to `size` as the base of this
   * writer's epoch, a window of chunks at a time, read from the file as they
   * go: a base of gigabytes is never held in memory whole. The bytes below
   * `size` never change (commits only append), so later commits do not
   * disturb it; the header in its first chunk names `size`.
   */
  private async publishBase(engine: Engine, size: number): Promise<void> {
    const header = this.headerFor(engine, size);
    let offset = 0;
    for (const bytes of this.baseWindows(engine, size, header.bytes)) {
      this.lease.assertHeld();
      this.lastSeq = await this.log.publish(this.chunks('base', 0, size, offset, bytes, header.moments), this.lastSeq);
      offset += bytes.length;
    }
  }

  /**
   * `engine`'s committed bytes up to `size`, {@link BASE_WINDOW} bytes at a
   * time (one empty window for an empty range), with `header` (when given)
   * in place of the history header on disk, which may already name a later
   * commit. The bytes below `size` never change: commits only append.
   */
  private *baseWindows(engine: Engine, size: number, header: Uint8Array | undefined): Generator<Uint8Array> {
    for (let offset = 0; offset < size || offset === 0; offset += BASE_WINDOW) {
      const bytes = new Uint8Array(Math.min(size, offset + BASE_WINDOW) - offset);
      engine.storage.read(offset, bytes);
      if (offset === 0 && header !== undefined) bytes.set(header, HISTORY_HEADER_POSITION);
      yield bytes;
    }
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
    const engine = this.database.engine;
    if (engine !== this.engineSeen) {
      // Compacted since the last publish: a new epoch, the compacted database its base.
      this.engineSeen = engine;
      this.epochNow += 1;
      this.baseDue = true;
      this.published = 0;
      this.epochStartSeq = 0;
    }
    const target = engine.committedSize;
    if (target <= this.published && !this.baseDue) return;
    try {
      this.lease.assertHeld();
      if (this.baseDue) {
        if (this.epochStartSeq === 0) {
          // A new epoch's fence first: its first message, which trimming keeps.
          await this.publishFence(0, 0);
          this.epochStartSeq = this.lastSeq;
        }
        // The whole database, its header naming its size: the base the epoch's replicas start from.
        await this.publishBase(engine, target);
        this.baseDue = false;
      } else {
        const storage = engine.storage;
        const chunks: OutgoingChunk[] = [];
        for (const tail of tailsBetween(storage, this.published, target)) {
          const bytes = new Uint8Array(tail.to - tail.from);
          storage.read(tail.from, bytes);
          chunks.push(...this.chunks('commit', tail.from, tail.to, tail.from, bytes, tail.trailer.count));
        }
        this.lastSeq = await this.log.publish(chunks, this.lastSeq);
      }
      this.published = target;
    } catch (error) {
      const stop = error instanceof StrataError ? error : new ReplicationError(`publishing to the stream of ${this.name} failed: ${String(error)}`, { cause: error });
      this.failure ??= stop;
      if (stop instanceof FencedError) await this.lease.close(false);
      throw this.failure;
    }
  }

  /**
   * Publishes a fence of this writer's term in its epoch, at `at` (where the
   * epoch's stream ends, with `moments`): it moves the stream's last
   * sequence, so a stale writer's next publish is refused.
   */
  private async publishFence(at: number, moments: number): Promise<void> {
    const fence: ChunkHeader = { kind: 'fence', db: this.name, epoch: this.epochNow, term: this.lease.term, unitStart: at, unitEnd: at, from: at, to: at, moments };
    this.lastSeq = await this.log.publish([{ header: fence, data: new Uint8Array(0) }], this.lastSeq);
  }

  /** The chunks of `bytes`, which lie at `from` within the unit [unitStart, unitEnd). */
  private chunks(kind: UnitKind, unitStart: number, unitEnd: number, from: number, bytes: Uint8Array, moments: number): OutgoingChunk[] {
    const out: OutgoingChunk[] = [];
    for (let offset = 0; offset < bytes.length || out.length === 0; offset += CHUNK_SIZE_MAX) {
      const data = bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK_SIZE_MAX));
      out.push({ header: { kind, db: this.name, epoch: this.epochNow, term: this.lease.term, unitStart, unitEnd, from: from + offset, to: from + offset + data.length, moments }, data });
    }
    return out;
  }
}
