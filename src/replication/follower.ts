// A replica (the README's Replication section): a local file or memory database kept equal
// to a prefix of the writer's by applying its stream (applier.ts). Readers
// use `follower.database`, read-only, which moves from one whole moment to
// the next: the header that names a moment is written after its bytes, and
// the database is refreshed after that, between two of JavaScript's turns.
// Another process reading the file sees the same, through the history header
// protocol every reader uses. A standby promotes its follower to the writer.
// When the writer compacts, the stream starts a new epoch with the compacted
// database whole (its base): a file replica is replaced by it atomically (a
// sibling, synced and renamed over the file, as a compaction does), and the
// follower's database moves to it, its older snapshots still reading the
// old file.

import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openOn, type Database } from '../api/database.js';
import { FencedError, InvalidArgumentError, ReplicationError } from '../errors.js';
import { FileStorage } from '../storage/file-storage.js';
import { abandonSibling, nodeSwapFileSystem, publishSibling, removeLeftoverSiblings, siblingPath } from '../compact/swap-file.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import type { Storage } from '../storage/storage.js';
import { Applier, type BaseSink } from './applier.js';
import { Lease } from './lease.js';
import { ReaderStorage } from './reader-storage.js';
import { StreamLog } from './stream-log.js';
import { getSnapshotInto } from './snapshot-store.js';
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
  /**
   * The replica's storage (a MemoryStorage, or your own), instead of `path`.
   * A follower cannot replace a storage it was given: when the writer starts
   * a new epoch (it compacted), such a follower stops with ReplicationError.
   */
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
  /** Moments the stream holds that the replica does not (after a compaction, all of the new epoch's). */
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
    // The follower holds the file's lock: a sibling left by a follower killed while moving to a new epoch is a leftover.
    if (options.path !== undefined && options.storage === undefined) removeLeftoverSiblings(options.path);
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
  private storage: Storage;
  /** Storages of older epochs: the database's retired engines still read them; closed with the follower. */
  private readonly retiredStorages: Storage[] = [];
  private readonly log: StreamLog;
  private applier!: Applier;
  private db: Database | undefined;
  private stopConsumer: (() => Promise<void>) | undefined;
  private failure: unknown;
  private waiters: Array<{ epoch: number; size: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  /**
   * The committed size the replica's database shows: the applier's position
   * once the database has been opened or refreshed on it. Waiters compare
   * against this, not the applier's position, which moves before the
   * database's (asynchronous) first open: a catchUp resolved in between found
   * no database to read.
   */
  private shown = 0;
  /** The epoch of {@link shown}. */
  private shownEpoch = -1;
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

  /** The replica's committed size: it holds the writer's bytes up to here, in the file of {@link epoch}. */
  get position(): number {
    return this.applier.position;
  }

  /** The stream epoch the replica is in (-1 while it holds nothing): each compaction of the writer's starts one. */
  get epoch(): number {
    return this.applier.epoch;
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

  /** @internal Opens the local copy, if any, finds its epoch, and settles it at its last whole commit. */
  async open(): Promise<void> {
    let epoch = -1;
    if (this.storage.size() === 0 && this.options.bootstrap !== false) {
      // Into a base sink, as a base from the stream: a file replica gets it whole under its name or not at all.
      const snapshot = await getSnapshotInto(this.options.connection, this.name, () => this.baseSink(0));
      if (snapshot !== undefined) {
        this.snapshotSize = snapshot.info.size;
        epoch = snapshot.info.epoch;
      }
    }
    const sinks = (epoch: number) => this.baseSink(epoch);
    if (this.storage.size() === 0) {
      this.applier = new Applier(this.storage, 0, 0, -1, sinks);
      return;
    }
    const db = await openOn(new ReaderStorage(this.storage), { readOnly: true });
    const size = db.engine.committedSize;
    try {
      if (this.snapshotSize === 0) epoch = await this.epochOf(size);
    } catch (error) {
      db.close();
      throw error;
    }
    Applier.settle(this.storage, size);
    db.refresh();
    this.db = db;
    this.applier = new Applier(this.storage, size, db.momentCount, epoch, sinks);
    this.shown = size;
    this.shownEpoch = epoch;
  }

  /**
   * The epoch whose file the replica's own file is a prefix of: one where a
   * unit of the stream ends where the file ends, with the same last bytes
   * (for a commit, its trailer's checksum and size), tried from the newest
   * epoch back. A file that went its own way (a fenced writer's, with commits
   * the stream refused), or that belongs to an epoch the stream no longer
   * holds, is refused instead of waiting for ever. When the stream holds
   * nothing of an epoch before the file's end (an operator purged it), the
   * first message applied checks that it starts where the file ends.
   */
  private async epochOf(size: number): Promise<number> {
    const { first, last } = await this.log.bounds();
    if (last < first) return 0;
    const newest = await this.log.get(last);
    const oldest = await this.log.get(first);
    let epoch = newest?.header.epoch ?? 0;
    for (;;) {
      const seq = (await this.log.firstSeqFrom(epoch, size)) - 1;
      if (seq < first) {
        if (oldest?.header.epoch === epoch) return epoch;
      } else {
        const message = await this.log.get(seq);
        if (message !== undefined && message.header.epoch === epoch && this.endsWith(message.header.unitEnd, message.header.to, message.data, size)) return epoch;
      }
      // The epoch before this one: the one of the message before its first.
      const start = await this.log.firstSeqFrom(epoch, 0);
      const before = start > first ? await this.log.get(start - 1) : undefined;
      if (before === undefined || before.header.epoch >= epoch) break;
      epoch = before.header.epoch;
    }
    throw new ReplicationError(
      `the replica's file ends at ${size}, but the stream of ${this.name} holds no commit that ends there with the same bytes: the file is not a prefix of the stream (a fenced writer's file, or a replica of an epoch the stream no longer holds); follow into a new file`,
    );
  }

  /** True when a unit ending at `unitEnd`, whose last chunk ends at `to` with `data`, is where the replica's file of `size` bytes ends, with the same last bytes. */
  private endsWith(unitEnd: number, to: number, data: Uint8Array, size: number): boolean {
    if (unitEnd !== size || to !== size) return false;
    const mine = new Uint8Array(Math.min(8, data.length));
    this.storage.read(size - mine.length, mine);
    return mine.every((byte, i) => byte === data[data.length - mine.length + i]);
  }

  /**
   * Where a base's chunks go as they arrive. An empty storage the follower
   * was given takes them in place. Otherwise they go into a new storage,
   * which replaces the replica's once the base is whole: for a file, a
   * sibling written, synced and renamed over it (a crash leaves the old file
   * or the new one, whole, and never a half base under the name); in memory,
   * a new buffer. The old storage stays open for the snapshots that read it.
   *
   * @throws ReplicationError for a storage the follower was given that holds another epoch
   */
  private baseSink(epoch: number): BaseSink {
    const given = this.options.storage;
    if (given !== undefined) {
      if (given.size() !== 0) {
        throw new ReplicationError(`the stream of ${this.name} moved to epoch ${epoch} (its writer compacted the database), and a follower cannot replace the storage it was given: follow into a path or a new memory database`);
      }
      return {
        storage: given,
        finish: (length) => {
          trimmed(given, length);
          if (given.durable === true) given.sync();
          return given;
        },
        abort: () => undefined,
      };
    }
    const path = this.options.path;
    if (path === undefined) {
      const next = new MemoryStorage();
      return { storage: next, finish: (length) => this.moveTo(trimmed(next, length)), abort: () => undefined };
    }
    const sibling = siblingPath(path);
    // The sibling is this follower's alone until the rename; the lock (a file beside the path) moves to the new storage after it.
    const target = FileStorage.open(sibling, { create: true, lock: false });
    return {
      storage: target,
      finish: (length) => {
        try {
          trimmed(target, length);
        } catch (error) {
          abandonSibling(nodeSwapFileSystem, target, sibling);
          throw error;
        }
        publishSibling(nodeSwapFileSystem, target, sibling, path);
        const opened = FileStorage.open(path, { create: false, lock: false });
        if (this.storage instanceof FileStorage) {
          opened.lock = this.storage.lock;
          this.storage.lock = undefined;
        }
        return this.moveTo(opened);
      },
      abort: () => abandonSibling(nodeSwapFileSystem, target, sibling),
    };
  }

  /** Goes on with `next`; the old storage stays open for the snapshots that read it, until they are gone or the follower closes. */
  private moveTo(next: Storage): Storage {
    this.retiredStorages.push(this.storage);
    this.storage = next;
    return next;
  }

  /** @internal Starts consuming the stream from where the replica ends. */
  start(): void {
    let stopped = false;
    let messages: { stop(): void; close(): Promise<void | Error> } | undefined;
    const run = async (): Promise<void> => {
      const seq = await this.startSeq();
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

  /**
   * Where consuming starts: after the replica's last unit in its epoch; for
   * an empty replica, at the start of the newest epoch with a whole unit
   * (older epochs' bases would only be replaced).
   */
  private async startSeq(): Promise<number> {
    if (this.applier.epoch >= 0) return this.log.firstSeqFrom(this.applier.epoch, this.applier.position);
    return this.log.firstSeqFrom((await this.log.head()).epoch, 0);
  }

  /** Applies one message; tells the database and the waiters when the replica moved. */
  private async take(header: ChunkHeader, data: Uint8Array): Promise<void> {
    const before = this.storage;
    if (!this.applier.offer(header, data)) return;
    if (this.db === undefined) this.db = await openOn(new ReaderStorage(this.storage), { readOnly: true });
    else if (this.storage !== before) {
      // A new epoch: the database moves to the new storage; its old engine stays for the snapshots taken before.
      const moved = await openOn(new ReaderStorage(this.storage), { readOnly: true });
      // The old file is the database's to close once its snapshots are gone (its disk space is freed then).
      const old = this.db.engine.storage;
      if (old instanceof ReaderStorage) old.handOver();
      this.db.replaceEngine(moved.engine);
      this.db.refresh();
    } else this.db.refresh();
    const position = this.db.engine.committedSize;
    this.shown = position;
    this.shownEpoch = this.applier.epoch;
    this.waiters = this.waiters.filter((waiter) => {
      if (!this.holds(waiter.epoch, waiter.size)) return true;
      waiter.resolve();
      return false;
    });
  }

  /** True when the replica's database shows `size` bytes of epoch `epoch`, or a later epoch. */
  private holds(epoch: number, size: number): boolean {
    return this.shownEpoch > epoch || (this.shownEpoch === epoch && this.shown >= size);
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

  /**
   * Resolves once the replica holds at least `size` bytes of commits of
   * epoch `epoch` (default: the one it is in now), or is in a later epoch.
   */
  waitFor(size: number, epoch: number = Math.max(0, this.applier.epoch)): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.holds(epoch, size)) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ epoch, size, resolve, reject }));
  }

  /** Resolves once the replica holds everything the stream held when called. */
  async catchUp(): Promise<void> {
    const head = await this.log.head();
    // A stream with no whole unit yet: nothing to catch up with.
    if (head.end === 0) return;
    await this.waitFor(head.end, head.epoch);
  }

  /** How far the replica is behind the stream now (after a compaction, by the whole of the new epoch until its base arrives). */
  async lag(): Promise<ReplicaLag> {
    const head = await this.log.head();
    if (head.epoch !== this.applier.epoch) return { moments: head.moments, bytes: head.end };
    return { moments: Math.max(0, head.moments - this.applier.moments), bytes: Math.max(0, head.end - this.applier.position) };
  }

  /** Stops following; closes the storage it opened (a `path`), or leaves a given one open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopConsumer?.();
    // A base arriving when the follower stops is dropped (a file follower's sibling removed).
    this.applier?.close();
    this.db?.close();
    if (this.options.storage === undefined) this.storage.close();
    for (const storage of this.retiredStorages.splice(0)) storage.close();
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
      for (let seq = await this.startSeq(); seq <= head.lastSeq; seq++) {
        const message = await this.log.get(seq);
        if (message !== undefined) await this.take(message.header, message.data);
      }
      if (this.applier.position !== head.end || this.applier.epoch !== head.epoch) {
        throw new ReplicationError(`the replica ends at ${this.applier.position} of epoch ${this.applier.epoch} after applying the stream, whose last whole commit ends at ${head.end} of epoch ${head.epoch}`);
      }
      this.closed = true;
      this.applier.close();
      this.db?.close();
      for (const storage of this.retiredStorages.splice(0)) storage.close();
      const db = await openOn<S>(this.storage, {});
      return await replicateWith<S>(db, { ...options, name: this.name, connection: this.options.connection }, { lease });
    } catch (error) {
      await lease.close(true);
      throw error instanceof FencedError || error instanceof ReplicationError ? error : new ReplicationError(`promotion failed: ${String(error)}`, { cause: error });
    }
  }
}

/** `storage` cut to `length` bytes (a base written over a longer unfinished one) and flushed. */
function trimmed(storage: Storage, length: number): Storage {
  if (storage.size() > length) storage.truncate(length);
  storage.flush();
  return storage;
}
