// What the automatic compaction's two threads tell each other
// (auto-compact.ts, compact-worker.ts): the worker's input, its messages,
// and the shared flag the writer's thread waits on during the catch-up.

import type { DropPath } from './excise.js';

/** What the worker is started with. @internal */
export interface WorkerInput {
  /** The database file, opened read-only. */
  readonly path: string;
  /** The sibling to write. */
  readonly sibling: string;
  /** The key hasher's id (a built-in one). */
  readonly hashId: number;
  /** Moments to copy, ascending (those past what the file shows are copied at the catch-up). */
  readonly indices: readonly number[];
  /** The copier's drop paths. */
  readonly drop: readonly DropPath[];
  /** The flag: Int32 state at 0, the error text's length at 1, its UTF-8 from byte 8. */
  readonly signal: SharedArrayBuffer;
}

/** What the worker posts. @internal */
export type WorkerMessage = { readonly type: 'copied'; readonly moments: number } | { readonly type: 'error'; readonly message: string };

/** The flag's states. @internal */
export const FLAG_WAITING = 0;
/** @internal */
export const FLAG_DONE = 1;
/** @internal */
export const FLAG_FAILED = 2;
/** Bytes of the shared flag: the state, the error's length, and up to 1 KiB of error text. @internal */
export const FLAG_BYTES = 8 + 1024;

/** Sets the flag (and the error text) and wakes the waiting thread. @internal */
export function writeFlag(flag: Int32Array, state: number, error: string): void {
  const text = new TextEncoder().encode(error).subarray(0, FLAG_BYTES - 8);
  new Uint8Array(flag.buffer, 8).set(text);
  Atomics.store(flag, 1, text.length);
  Atomics.store(flag, 0, state);
  Atomics.notify(flag, 0);
}

/** The error text the worker left in the flag. @internal */
export function flagError(flag: Int32Array): string {
  const length = Atomics.load(flag, 1);
  return new TextDecoder().decode(new Uint8Array(flag.buffer, 8, length).slice());
}
