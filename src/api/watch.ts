// `for await (const change of db.watch(path))`: the change feed as an async
// iterator. Changes wait in a queue until taken; breaking out of the loop (or
// calling return) unsubscribes.

import type { Change } from './diff.js';
import type { ChangeListener, SubscribeOptions } from './feed.js';

/** A change from {@link Database.watch}: a {@link Change} and the moment that made it. */
export interface WatchedChange extends Change {
  /** The index of the moment whose commit made this change. */
  readonly moment: number;
}

/**
 * An async iterator over the changes a subscription receives.
 *
 * @internal
 */
export function watchChanges(
  subscribe: (listener: ChangeListener, options: SubscribeOptions, onClose: () => void) => () => void,
  options: SubscribeOptions,
): AsyncIterableIterator<WatchedChange> {
  const queue: WatchedChange[] = [];
  const waiting: Array<{ resolve: (result: IteratorResult<WatchedChange>) => void; reject: (error: unknown) => void }> = [];
  let failure: { error: unknown } | undefined;
  let done = false;
  // Set before subscribing: the database may close (and call finish) at any time after.
  let finish: () => IteratorResult<WatchedChange> = () => ({ value: undefined, done: true });
  const unsubscribe = subscribe(
    ({ moment, changes }) => {
      for (const change of changes) {
        const item: WatchedChange = { ...change, moment };
        const taker = waiting.shift();
        if (taker !== undefined) taker.resolve({ value: item, done: false });
        else queue.push(item);
      }
    },
    {
      ...options,
      onError: (error) => {
        const taker = waiting.shift();
        if (taker !== undefined) taker.reject(error);
        else failure = { error };
      },
    },
    // The database closed: the loop ends once the queued changes are taken.
    () => finish(),
  );
  finish = (): IteratorResult<WatchedChange> => {
    if (!done) {
      done = true;
      unsubscribe();
      for (const taker of waiting.splice(0)) taker.resolve({ value: undefined, done: true });
    }
    return { value: undefined, done: true };
  };
  return {
    next(): Promise<IteratorResult<WatchedChange>> {
      const item = queue.shift();
      if (item !== undefined) return Promise.resolve({ value: item, done: false });
      if (failure !== undefined) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return(): Promise<IteratorResult<WatchedChange>> {
      return Promise.resolve(finish());
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
