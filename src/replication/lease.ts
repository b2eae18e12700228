// The write right of a replicated database (the README's Replication section, fencing): a
// key in a JetStream KV bucket whose entries expire after the lease's time to
// live. A writer takes it by creating the key (which succeeds only when it is
// absent: never taken, released, or expired), and renews it by updating it at
// the revision it last wrote (compare-and-set), before it expires. A renewal
// that fails means another writer holds it now. The revision of the create is
// the writer's term: its messages carry it.
//
// A writer also fences itself: it commits only while its last renewal was
// sent less than a time to live ago (minus a margin), so a writer paused past
// its lease stops on waking, before it writes; if it does publish, the stream
// refuses it (see stream-log.ts).

import { JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { whilePlacing } from './placement.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { FencedError, InvalidArgumentError } from '../errors.js';

/** Options of a lease. */
export interface LeaseOptions {
  /**
   * The lease's time to live, ms (default 10000): a writer that stops renewing
   * loses it after this long, and a standby waits this long after a writer
   * crashed. Keep it well above the servers' leader elections (a few seconds
   * after a server is lost): a writer that cannot renew for three quarters of
   * it stops. Set by the first writer of a database: later ones use its value.
   */
  ttlMs?: number;
  /** How long to wait for the lease while another writer holds it, ms (default 0: fail at once). */
  waitMs?: number;
  /** Who holds it, stored in the key (default `pid@host`-like, from the caller). */
  holder?: string;
  /** KV replicas (default 3). */
  replicas?: number;
}

/** @internal */
export interface LeaseClock {
  now(): number;
}

/** @internal The write right of one database. */
export class Lease {
  /** The revision at which this writer created the key: its term. */
  readonly term: number;
  private revision: number;
  private sentAt: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lostWith: FencedError | undefined;
  private renewing = false;
  /** Called once when the lease is lost. */
  onLost: ((error: FencedError) => void) | undefined;

  private constructor(
    private readonly kv: KV,
    readonly key: string,
    private readonly value: Uint8Array,
    revision: number,
    sentAt: number,
    readonly ttlMs: number,
    private readonly clock: LeaseClock,
  ) {
    this.term = revision;
    this.revision = revision;
    this.sentAt = sentAt;
  }

  /**
   * Takes the lease of database `db`, waiting up to `waitMs` for another
   * holder's to expire.
   *
   * @throws FencedError when another writer holds it past the wait
   */
  static async acquire(nc: NatsConnection, db: string, options: LeaseOptions = {}, clock: LeaseClock = Date): Promise<Lease> {
    const askedTtl = options.ttlMs ?? 10_000;
    if (!Number.isSafeInteger(askedTtl) || askedTtl < 100) throw new InvalidArgumentError(`the lease's ttlMs is a whole number of milliseconds, at least 100, got ${String(askedTtl)}`);
    const waitMs = options.waitMs ?? 0;
    const kv = await whilePlacing(() => new Kvm(nc).create(`strata-lease-${db}`, { replicas: options.replicas ?? 3, ttl: askedTtl, history: 1 }));
    // The bucket keeps the time to live of whoever created it, and its keys
    // expire by it: renewals and the self-check follow the bucket's, not the
    // one asked for, or a writer could outlive its key unawares.
    const bucketTtl = (await kv.status()).ttl;
    const ttlMs = bucketTtl > 0 ? bucketTtl : askedTtl;
    const value = new TextEncoder().encode(JSON.stringify({ holder: options.holder ?? 'unnamed', since: new Date(clock.now()).toISOString() }));
    const deadline = clock.now() + waitMs;
    for (;;) {
      const sentAt = clock.now();
      try {
        const revision = await kv.create(db, value);
        const lease = new Lease(kv, db, value, revision, sentAt, ttlMs, clock);
        lease.timer = setInterval(() => void lease.renew(), Math.max(20, Math.floor(ttlMs / 4)));
        lease.timer.unref?.();
        return lease;
      } catch (error) {
        if (clock.now() >= deadline) {
          const current = await kv.get(db).catch(() => null);
          const who = current?.value !== undefined && current.value.length > 0 ? new TextDecoder().decode(current.value) : 'another writer';
          throw new FencedError(`the write lease of ${db} is held by ${who}; waited ${waitMs} ms`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(20, ttlMs / 10))));
      }
    }
  }

  /** The error this lease was lost with, or undefined while it is held. */
  get lost(): FencedError | undefined {
    return this.lostWith;
  }

  /**
   * Throws when this writer may no longer write: the lease was lost, or its
   * last renewal was sent too long ago (the process was paused) to be sure no
   * one else holds it now.
   */
  assertHeld(): void {
    if (this.lostWith !== undefined) throw this.lostWith;
    const age = this.clock.now() - this.sentAt;
    if (age > this.ttlMs * 0.75) this.lose(new FencedError(`the write lease of ${this.key} was last renewed ${age} ms ago, near its ${this.ttlMs} ms time to live: this writer was paused or cut off, and stops`));
  }

  /** Renews the lease with compare-and-set on its revision; a refusal loses it. */
  async renew(): Promise<void> {
    if (this.lostWith !== undefined || this.renewing) return;
    this.renewing = true;
    const sentAt = this.clock.now();
    try {
      if (sentAt - this.sentAt > this.ttlMs) {
        this.lose(new FencedError(`the write lease of ${this.key} expired before this writer could renew it (${sentAt - this.sentAt} ms since the last renewal): it was paused or cut off, and stops`));
        return;
      }
      this.revision = await this.kv.update(this.key, this.value, this.revision);
      this.sentAt = sentAt;
    } catch (error) {
      // A renewal whose answer was lost may have succeeded; the next one, at the old revision, then fails, and the writer stops: safe.
      if (this.clock.now() - this.sentAt > this.ttlMs * 0.75 || isRefusal(error)) {
        this.lose(new FencedError(`the write lease of ${this.key} could not be renewed: another writer holds it, or the servers could not be reached in time`, { cause: error }));
      }
    } finally {
      this.renewing = false;
    }
  }

  /** Stops renewing; `release` also deletes the key (at its revision) so that a standby need not wait for it to expire. */
  async close(release: boolean): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (release && this.lostWith === undefined) {
      this.lostWith = new FencedError(`the write lease of ${this.key} was released`);
      await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => undefined);
    }
  }

  private lose(error: FencedError): void {
    if (this.lostWith !== undefined) return;
    this.lostWith = error;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.onLost?.(error);
  }
}

/** JetStream's error code for a write whose expected last (subject) sequence is not the stream's: the key was written by someone else. */
const WRONG_LAST_SEQUENCE = 10071;

/** A definite refusal of the renewal: another writer wrote the key. Anything else (a timeout, a server restarting, a lost connection) is tried again while the lease lasts. */
function isRefusal(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === WRONG_LAST_SEQUENCE;
}
