// Progress bars for long commands (verify, dump, export, backup, import), drawn
// on standard error only when it is a terminal, as git and curl do; piped or
// redirected, nothing is drawn. cli-progress draws them: it redraws during
// synchronous work (our operations never yield to the event loop) and writes
// nothing when the stream is not a terminal.

import type { ProgressStream } from './context.js';
import type { ProgressCallback } from '../history/progress.js';

/** A bar in progress: `update` as the work goes, `stop` once at the end (also after a failure). */
export interface Progress {
  readonly update: ProgressCallback;
  stop(): void;
}

const QUIET: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar labelled `label` (e.g. `verify`) counting `unit`s on
 * `stream`, or a bar that draws nothing when the stream is not a terminal or
 * `enabled` is false (`--no-progress`).
 */
export async function startProgress(stream: ProgressStream, label: string, unit: string, enabled = true): Promise<Progress> {
  if (!enabled || stream.isTTY !== true) return QUIET;
  // Loaded only when a bar is drawn: a piped command starts without it.
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    stream: stream as NodeJS.WritableStream,
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    // Tests fake a terminal with a stream that is not a tty.WriteStream: cli-progress needs only write, isTTY and columns.
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Runs `fn` with a progress bar's update function, and stops the bar however `fn` ends. */
export async function withProgress<T>(stream: ProgressStream, label: string, unit: string, enabled: boolean, fn: (update: ProgressCallback) => T | Promise<T>): Promise<T> {
  const progress = await startProgress(stream, label, unit, enabled);
  try {
    return await fn(progress.update);
  } finally {
    progress.stop();
  }
}
