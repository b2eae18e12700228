// Watching a database file for other processes' commits (Node only; node.ts
// gives it to read-only file handles, so the browser entry never reaches it).
// fs.watch reports writes to the file as they happen; a poll of the header
// (O(1): 24 bytes read twice) runs beside it at a slower pace, and alone where
// fs.watch fails (no inotify watches left, some network file systems) or
// misses events. Several events in a row are folded into one check.

import { watch, type FSWatcher } from 'node:fs';
import type { ChangeSource } from './feed.js';

/** How often the header is polled beside fs.watch, in ms (a backstop: fs.watch reports commits at once). */
export const WATCH_POLL_MS = 1000;

/** How often the header is polled when fs.watch is not available, in ms. */
export const WATCH_FALLBACK_POLL_MS = 100;

/**
 * The change source of a database file: while started, calls `changed` after
 * writes to `path`, and on a timer.
 *
 * @param path - the database file
 * @param pollMs - the poll interval beside fs.watch (default {@link WATCH_POLL_MS})
 * @internal
 */
export function fileChangeSource(path: string, pollMs = WATCH_POLL_MS): ChangeSource {
  return (changed) => {
    let scheduled = false;
    let stopped = false;
    const check = (): void => {
      if (scheduled || stopped) return;
      scheduled = true;
      // One check for a burst of events (a commit writes the data, then the header).
      setImmediate(() => {
        scheduled = false;
        if (!stopped) changed();
      });
    };
    let watcher: FSWatcher | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    const poll = (interval: number): void => {
      if (timer !== undefined) clearInterval(timer);
      timer = setInterval(check, interval);
    };
    try {
      watcher = watch(path, { persistent: true }, check);
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
        if (!stopped) poll(Math.min(pollMs, WATCH_FALLBACK_POLL_MS));
      });
      poll(pollMs);
    } catch {
      poll(Math.min(pollMs, WATCH_FALLBACK_POLL_MS));
    }
    return () => {
      stopped = true;
      watcher?.close();
      if (timer !== undefined) clearInterval(timer);
    };
  };
}
