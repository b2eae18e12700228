// The change feed (issue 17): listeners called after every new moment with
// the changes under their path. A database notifies it after each of its own
// commits (and undo, revert, slice) and after refresh() sees moments another
// process committed; a read-only handle on a file refreshes by itself while
// anyone listens, through the change source node.ts gives it (watch-file.ts),
// so this file stays browser-safe.

import type { Engine } from '../history/engine.js';
import { ReadCursor } from '../cursor/read-cursor.js';
import { Slot } from '../format/slot.js';
import { InvalidArgumentError } from '../errors.js';
import { describe, requireKnownOptions, requireOptions, requirePath } from '../base/arguments.js';
import { diffRoots, type Change } from './diff.js';
import type { AnyPath } from './types.js';

/** What a listener of {@link Database.subscribe} receives for one new moment. */
export interface CommitEvent {
  /** The new moment's index in the history. */
  readonly moment: number;
  /** The changes under the listener's path since the moment before (never empty). */
  readonly changes: readonly Change[];
}

/** A listener of {@link Database.subscribe}. */
export type ChangeListener = (event: CommitEvent) => void;

/** Options of {@link Database.subscribe}. */
export interface SubscribeOptions {
  /** Only changes under this path (default: all). */
  path?: AnyPath;
  /**
   * Called with an error a listener threw, or one met while refreshing a
   * watched file. Default: rethrown on its own (queueMicrotask), where the
   * host reports it as uncaught, since the commit it follows did succeed.
   */
  onError?: (error: unknown) => void;
}

/**
 * Starts watching for moments committed by others: calls `changed` whenever
 * there may be new ones, and returns the function that stops watching.
 *
 * @internal
 */
export type ChangeSource = (changed: () => void) => () => void;

interface Subscription {
  readonly listener: ChangeListener;
  readonly path: AnyPath;
  readonly onError: ((error: unknown) => void) | undefined;
  readonly onClose: (() => void) | undefined;
}

function report(subscription: Subscription, error: unknown): void {
  if (subscription.onError !== undefined) subscription.onError(error);
  else
    queueMicrotask(() => {
      throw error;
    });
}

/**
 * The listeners of one database and the last moment they were told of.
 *
 * @internal
 */
export class ChangeFeed {
  private engine: Engine;
  /** How a watched file is read again: the database's refresh, which also moves to a compacted file. */
  private readonly reload: () => void;
  private readonly subscriptions = new Set<Subscription>();
  private seenCount = 0;
  private seenSlot: Slot = Slot.EMPTY;
  private source: ChangeSource | undefined;
  private stopSource: (() => void) | undefined;
  private delivering = false;
  private again = false;

  constructor(engine: Engine, reload: () => void = () => this.engine.refresh()) {
    this.engine = engine;
    this.reload = reload;
  }

  /**
   * Goes on with `engine`, which replaced the database's (a compaction, or a
   * reader that moved to the compacted file). The last moment the listeners
   * were told of is found in the new file by its commit time (a compaction
   * keeps times), so that the moments after it are told as usual; when it is
   * not there (it was not kept, or has no time), they are told of nothing
   * before the new file's latest moment.
   */
  moveTo(engine: Engine): void {
    const old = this.engine;
    this.engine = engine;
    if (this.subscriptions.size > 0) this.resumeAfter(old);
    // A file watch follows the old file's inode: watch the new one.
    const stop = this.stopSource;
    if (stop !== undefined && this.source !== undefined) {
      stop();
      this.stopSource = this.source(() => this.refresh());
    }
  }

  /** Lets this feed watch for other processes' commits while anyone listens. */
  watchWith(source: ChangeSource): void {
    this.source = source;
    if (this.subscriptions.size > 0 && this.stopSource === undefined) this.stopSource = source(() => this.refresh());
  }

  /** Adds a listener; `onClose` is called if the database closes first (db.watch ends its loop then). */
  subscribe(listener: ChangeListener, options: SubscribeOptions, onClose?: () => void): () => void {
    if (typeof listener !== 'function') throw new InvalidArgumentError(`subscribe takes a listener function, got ${describe(listener)}`);
    requireOptions(options, 'subscribe');
    // A misspelt path must not widen the subscription to every change.
    requireKnownOptions(options, ['path', 'onError'], 'subscribe');
    const path = options.path ?? [];
    requirePath(path);
    if (options.onError !== undefined && typeof options.onError !== 'function') throw new InvalidArgumentError(`onError is a function, got ${describe(options.onError)}`);
    if (this.subscriptions.size === 0) this.markSeen();
    const subscription: Subscription = { listener, path: path.slice(), onError: options.onError, onClose };
    this.subscriptions.add(subscription);
    if (this.source !== undefined && this.stopSource === undefined) this.stopSource = this.source(() => this.refresh());
    return () => {
      if (!this.subscriptions.delete(subscription) || this.subscriptions.size > 0) return;
      const stop = this.stopSource;
      this.stopSource = undefined;
      stop?.();
    };
  }

  /** Drops every listener and stops watching (the database is closing). */
  close(): void {
    const closing = [...this.subscriptions];
    this.subscriptions.clear();
    for (const subscription of closing) subscription.onClose?.();
    const stop = this.stopSource;
    this.stopSource = undefined;
    stop?.();
  }

  /** Finds the moment last told of, from `old`, in the new engine (see {@link moveTo}). */
  private resumeAfter(old: Engine): void {
    const engine = this.engine;
    let index: number | undefined;
    try {
      const time = this.seenCount > 0 && old.hasHistory ? old.momentInfo(this.seenCount - 1).time : undefined;
      const found = time === undefined || !engine.hasHistory ? undefined : engine.momentAt(time);
      if (found !== undefined && found.index < engine.momentCount && engine.momentInfo(found.index).time === time) index = found.index;
    } catch {
      index = undefined;
    }
    if (index === undefined) {
      this.markSeen();
      return;
    }
    this.seenCount = index + 1;
    this.seenSlot = engine.moment(index).slot;
  }

  private markSeen(): void {
    this.seenCount = this.engine.momentCount;
    this.seenSlot = this.seenCount === 0 ? Slot.EMPTY : this.engine.moment(-1).slot;
  }

  /** Reads the file's header again (another process may have committed) and tells the listeners. */
  private refresh(): void {
    if (this.subscriptions.size === 0 || this.engine.io.tx.running) return;
    try {
      this.reload();
    } catch (error) {
      for (const subscription of this.subscriptions) report(subscription, error);
      return;
    }
    this.notify();
  }

  /** Tells the listeners of every moment since the last one they saw. O(1) when nobody listens. */
  notify(): void {
    if (this.subscriptions.size === 0) return;
    // A listener that commits makes a moment while others are being told of
    // the one before: it is delivered after, in order.
    if (this.delivering) {
      this.again = true;
      return;
    }
    this.delivering = true;
    try {
      do {
        this.again = false;
        this.deliverNew();
      } while (this.again);
    } finally {
      this.delivering = false;
    }
  }

  private deliverNew(): void {
    const engine = this.engine;
    const count = engine.momentCount;
    const seen = this.seenCount;
    const ctx = engine.ctx;
    if (count > seen && (seen === 0 || engine.moment(seen - 1).slot.equals(this.seenSlot))) {
      // The history grew: each new moment against the one before it.
      let previous = new ReadCursor(ctx, -1, this.seenSlot);
      for (let i = seen; i < count; i++) {
        const current = engine.moment(i);
        this.seenCount = i + 1;
        this.seenSlot = current.slot;
        this.deliver(i, previous, current);
        previous = current;
      }
      return;
    }
    if (count === 0) {
      this.markSeen();
      return;
    }
    const latest = engine.moment(-1);
    if (count === seen && latest.slot.equals(this.seenSlot)) return;
    // The history was sliced (and perhaps grew again): the latest moment against the last one seen.
    const previous = new ReadCursor(ctx, -1, this.seenSlot);
    this.seenCount = count;
    this.seenSlot = latest.slot;
    this.deliver(count - 1, previous, latest);
  }

  private deliver(moment: number, before: ReadCursor, after: ReadCursor): void {
    for (const subscription of [...this.subscriptions]) {
      if (!this.subscriptions.has(subscription)) continue;
      try {
        const changes = [...diffRoots(before, after, { path: subscription.path })];
        if (changes.length > 0) subscription.listener({ moment, changes });
      } catch (error) {
        report(subscription, error);
      }
    }
  }
}
