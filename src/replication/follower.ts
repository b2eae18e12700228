// A replica (the README's Replication section): a local file or memory database kept equal
// to a prefix of the writer's by applying its stream (applier.ts). Readers
// use `follower.database`, read-only, which moves from one whole moment to
// the next: the header that names a moment is written after its bytes, and
// the database is refreshed after that, between two of JavaScript's turns.
// Another process reading the file sees the same, through the history header
// protocol every reader uses. A standby promotes its follower to the writer.

import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openOn, type Database } from '../api/database.js';
import { FencedError, InvalidArgumentError, ReplicationError } from '../errors.js';
import { FileStorage } from '../storage/file-storage.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import type { Storage } from '../storage/storage.js';
import { Applier } from './applier.js';
import { Lease } from './lease.js';
import { ReaderStorage } from './reader-storage.js';
import { StreamLog } from './stream-log.js';
import { getSnapshot } from './snapshot-store.js';
import { checkDatabaseName, decodeHeader, type ChunkHeader } from './wire.js';
import { replicateWith, type ReplicateOptions, type ReplicatedWriter } from './writer.js';

/** Options of {@link follow}. */
export interface FollowOptions {
  /** The database's name on the NATS servers. */
  name: string;
  /** A connection to the NATS servers. */
  connection: NatsConnection;
  /** The replica's file, created when missing; or give `storage`. Default: a new memory database. */
  path?: string;
  /** The replica's storage (a MemoryStorage, or your own), instead of `path`. */
  storage?: Storage;
  /** Copies of the stream when this call creates it (default 3). */
  replicas?: number;
  /**
   * Start an empty replica from the latest snapshot in the object store
   * (uploaded by {@link ReplicatedWriter.uploadSnapshot}), when there is one,
   * then apply the stream after it (default true).
   */
  bootstrap?: boolean;
  /** Called with the error that stopped the follower (default: none; read {@link Follower.failed}). */
  onError?: (error: unknown) => void;
}

/** How far a replica is behind its stream. */
export interface ReplicaLag {
  /** Moments the stream holds that the replica does not. */
  readonly moments: number;
  /** Bytes of those commits. */
  readonly bytes: number;
}

/**
 * Starts keeping a replica of a replicated database: opens (or creates) the
 * local copy, finds where it ends in the stream, and applies every tail from
 * there, now and as the writer commits.
 *
 * @throws ReplicationError when the local copy is not a prefix of the stream
 */
export async function follow(options: FollowOptions): Promise<Follower> {
  const name = checkDatabaseName(options.name);
  if (options.path !== undefined && options.storage !== undefined) throw new InvalidArgumentError('follow takes a path or a storage, not both');
  const storage = options.storage ?? (options.path !== undefined ? FileStorage.open(options.path) : new MemoryStorage());
  try {
    const log = await StreamLog.open(options.connection, name, options.replicas ?? 3);
    const follower = new Follower(name, options, storage, log);
    await follower.open();
    follower.start();
    return follower;
  } catch (error) {
    if (options.storage === undefined) storage.close();
    throw error;
  }
}

/** A replica being kept up to date. */
export class Follower {
  /** The database's name on the NATS servers. */
  readonly name: string;
  private readonly options: FollowOptions;
  private readonly storage: Storage;
  private readonly log: StreamLog;
  private applier!: Applier;
  private db: Database | undefined;
  private stopConsumer: (() => Promise<void>) | undefined;
  private failure: unknown;
  private waiters: Array<{ size: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  /**
   * The committed size the replica's database shows: the applier's position
   * once the database has been opened or refreshed on it. Waiters compare
   * against this, not the applier's position, which moves before the
   * database's (asynchronous) first open: a catchUp resolved in between found
   * no database to read.
   */
  private shown = 0;
  private closed = false;
  private snapshotSize = 0;

  /** @internal */
  constructor(name: string, options: FollowOptions, storage: Storage, log: StreamLog) {
    this.name = name;
    this.options = options;
    this.storage = storage;
    this.log = log;
  }

  /** The replica's database, read-only; undefined until the stream's base has arrived. */
  get database(): Database | undefined {
    return this.db;
  }

  /** The replica's committed size: it holds the writer's bytes up to here. */
  get position(): number {
    return this.applier.position;
  }

  /** The replica's moment count. */
  get moments(): number {
    return this.applier.moments;
  }

  /** The size of the snapshot this replica started from, or 0 when it started from the stream (or from its own file). */
  get bootstrappedFrom(): number {
    return this.snapshotSize;
  }

  /** The error that stopped this follower, or undefined while it follows. */
  get failed(): unknown {
    return this.failure;
  }

  /** @internal Opens the local copy, if any, and settles it at its last whole commit. */
  async open(): Promise<void> {
    if (this.storage.size() === 0 && this.options.bootstrap !== false) {
      const snapshot = await getSnapshot(this.options.connection, this.name);
      if (snapshot !== undefined) {
        this.storage.write(0, snapshot.bytes);
        if (this.storage.durable === true) this.storage.sync();
        else this.storage.flush();
        this.snapshotSize = snapshot.info.size;
      }
    }
    if (this.storage.size() === 0) {
      this.applier = new Applier(this.storage, 0, 0);
      return;
    }
    const db = await openOn(new ReaderStorage(this.storage), { readOnly: true });
    const size = db.engine.committedSize;
    try {
      if (this.snapshotSize === 0) await this.checkPrefix(size);
    } catch (error) {
      db.close();
      throw error;
    }
    Applier.settle(this.storage, size);
    db.refresh();
    this.db = db;
    this.applier = new Applier(this.storage, size, db.momentCount);
    this.shown = size;
  }

  /**
   * Checks that a replica's own file ends where a unit of the stream ends,
   * with the same last bytes (for a commit, its trailer's checksum and size):
   * a file that went its own way (a fenced writer's, with commits the stream
   * refused) is refused instead of waiting for ever. Nothing is checked when
   * the stream no longer holds that unit (purged after a snapshot).
   */
  private async checkPrefix(size: number): Promise<void> {
    const seq = (await this.log.firstSeqFrom(size)) - 1;
    const message = seq >= 1 ? await this.log.get(seq) : undefined;
    if (message === undefined) return;
    const mine = new Uint8Array(Math.min(8, message.data.length));
    if (message.header.to === size) this.storage.read(size - mine.length, mine);
    if (message.header.unitEnd !== size || message.header.to !== size || !mine.every((byte, i) => byte === message.data[message.data.length - mine.length + i])) {
      throw new ReplicationError(
        `the replica's file ends at ${size}, but the stream of ${this.name} holds no commit that ends there with the same bytes: the file is not a prefix of the stream (a fenced writer's file?); follow into a new file`,
      );
    }
  }

  /** @internal Starts consuming the stream from where the replica ends. */
  start(): void {
    let stopped = false;
    let messages: { stop(): void; close(): Promise<void | Error> } | undefined;
    const run = async (): Promise<void> => {
      const seq = await this.log.firstSeqFrom(this.applier.position);
      const consumer = await jetstream(this.options.connection).consumers.get(this.log.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq });
      if (stopped) return;
      const iterator = await consumer.consume();
      messages = iterator;
      for await (const message of iterator) {
        if (stopped) break;
        const header = decodeHeader((name) => message.headers?.get(name) ?? '', message.data.length);
        await this.take(header, message.data);
      }
    };
    const done = run().catch((error: unknown) => {
      if (stopped) return;
      this.fail(error);
    });
    this.stopConsumer = async () => {
      stopped = true;
      await messages?.close();
      await done;
    };
  }

  /** Applies one message; tells the database and the waiters when the replica moved. */
  private async take(header: ChunkHeader, data: Uint8Array): Promise<void> {
    if (!this.applier.offer(header, data)) return;
    if (this.db === undefined) this.db = await openOn(new ReaderStorage(this.storage), { readOnly: true });
    else this.db.refresh();
    const position = this.db.engine.committedSize;
    this.shown = position;
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.size > position) return true;
      waiter.resolve();
      return false;
    });
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters = [];
    this.options.onError?.(error);
  }

  /** Stops applying the stream for now (the replica stays as it is, readable); {@link resume} goes on. */
  async pause(): Promise<void> {
    const stop = this.stopConsumer;
    this.stopConsumer = undefined;
    await stop?.();
  }

  /** Applies the stream again after {@link pause}, from where the replica ends. */
  resume(): void {
    if (this.closed) throw new ReplicationError('this follower is closed');
    if (this.stopConsumer === undefined && this.failure === undefined) this.start();
  }

  /** Resolves once the replica holds at least `size` bytes of commits. */
  waitFor(size: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.shown >= size) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ size, resolve, reject }));
  }

  /** Resolves once the replica holds everything the stream held when called. */
  async catchUp(): Promise<void> {
    await this.waitFor((await this.log.head()).end);
  }

  /** How far the replica is behind the stream now. */
  async lag(): Promise<ReplicaLag> {
    const head = await this.log.head();
    return { moments: Math.max(0, head.moments - this.applier.moments), bytes: Math.max(0, head.end - this.applier.position) };
  }

  /** Stops following; closes the storage it opened (a `path`), or leaves a given one open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopConsumer?.();
    this.db?.close();
    if (this.options.storage === undefined) this.storage.close();
  }

  /**
   * Makes this replica the writer: waits for the write lease (the old
   * writer's must expire, or be released), applies what the stream holds past
   * the replica, and opens the replica for writing, replicated. The follower
   * stops; use the writer it returns.
   *
   * @param options - durability, and the lease (set `lease.waitMs` to wait for the old writer's to expire)
   * @throws FencedError when the lease is not won within its wait
   */
  async promote<S = any>(options: Omit<ReplicateOptions, 'name' | 'connection'> = {}): Promise<ReplicatedWriter<S>> {
    if (this.closed) throw new ReplicationError('this follower is closed');
    await this.stopConsumer?.();
    this.stopConsumer = undefined;
    if (this.failure !== undefined) throw this.failure;
    const lease = await Lease.acquire(this.options.connection, this.name, { ...options.lease, replicas: options.replicas ?? 3 });
    try {
      // No one else publishes now (a stale writer is refused): the stream's head is final for this term.
      const head = await this.log.head();
      for (let seq = await this.log.firstSeqFrom(this.applier.position); seq <= head.lastSeq; seq++) {
        const message = await this.log.get(seq);
        if (message !== undefined) await this.take(message.header, message.data);
      }
      if (this.applier.position !== head.end) {
        throw new ReplicationError(`the replica ends at ${this.applier.position} after applying the stream, whose last whole commit ends at ${head.end}`);
      }
      this.closed = true;
      this.db?.close();
      const db = await openOn<S>(this.storage, {});
      return await replicateWith<S>(db, { ...options, name: this.name, connection: this.options.connection }, { lease });
    } catch (error) {
      await lease.close(true);
      throw error instanceof FencedError || error instanceof ReplicationError ? error : new ReplicationError(`promotion failed: ${String(error)}`, { cause: error });
    }
  }
}
