// The automatic compaction of a database file (Node only), opt-in through
// `open(path, { autoCompact })`: a timer on the writer's thread checks the
// committed size against the thresholds; once they are passed, a worker
// thread (compact-worker.ts) copies the kept moments into a sibling, reading
// the file read-only, while the writer goes on committing. Then, between two
// of the writer's tasks (never inside a transaction, and once every commit's
// header is on the file: asynchronous commits waiting for their shared sync
// are synced there first, Engine.settleDeferred), the writer's thread asks the worker for
// the catch-up and waits for it on a shared flag: the commits made meanwhile
// are copied, the sibling synced, and here it is renamed over the file and
// the writer goes on with an engine on the new file. The copy never blocks
// the writer; the catch-up does, for the commits made during the copy.

import { Worker } from 'node:worker_threads';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../format/constants.js';
import type { Engine } from '../history/engine.js';
import type { Slot } from '../format/slot.js';
import { IoError } from '../errors.js';
import type { CopyOptions } from './copy-step.js';
import { reopenWriter, type ReopenOptions } from './compact-file.js';
import { nodeSwapFileSystem, removeLeftoverSiblings, siblingPath } from './swap-file.js';
import { FLAG_BYTES, FLAG_DONE, FLAG_WAITING, flagError, type WorkerInput, type WorkerMessage } from './worker-protocol.js';

/** When an automatic compaction starts: once every given condition holds. */
export interface AutoCompactWhen {
  /** The committed size passed this many bytes. */
  readonly fileSizeOver?: number;
  /** The committed size grew this many times over its size after the last compaction (or at open). */
  readonly growthRatio?: number;
}

/** What the writer's database does for the automatic compaction. @internal */
export interface AutoCompactHost {
  /** The writer's engine now. */
  engine(): Engine;
  /** The kept moments and the copy options, from the policy. */
  plan(engine: Engine): { indices: number[]; copy: CopyOptions };
  /** Goes on with the engine on the new file. */
  replace(engine: Engine): void;
  /** Tells of a failed compaction. */
  report(error: unknown): void;
}

/** How long the writer's thread waits for the catch-up before giving up (the compaction then fails; nothing changes). */
const CATCH_UP_WAIT_MS = 60_000;
/** How soon the catch-up is tried again while a commit's header is not on the file yet. */
const CATCH_UP_RETRY_MS = 5;

/**
 * Watches one writer's file and compacts it in the background.
 *
 * @internal
 */
export class AutoCompactor {
  private timer: ReturnType<typeof setInterval> | undefined;
  private worker: Worker | undefined;
  private sibling: string | undefined;
  private baseline: number;
  private closed = false;
  /** Compactions finished, for tests and stats. */
  completed = 0;
  /** Resolved when the running compaction ends (at once when none runs). */
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly host: AutoCompactHost,
    private readonly when: AutoCompactWhen,
    private readonly reopen: ReopenOptions,
    checkIntervalMs: number,
  ) {
    this.baseline = host.engine().committedSize;
    this.timer = setInterval(() => this.check(), checkIntervalMs);
    this.timer.unref();
  }

  /** True while a compaction runs. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Resolves once no compaction runs. */
  settled(): Promise<void> {
    return this.idle;
  }

  /** Starts a compaction when the thresholds are passed and none runs. */
  check(): void {
    if (this.closed || this.worker !== undefined) return;
    const engine = this.host.engine();
    if (engine.io.tx.running) return;
    const size = engine.committedSize;
    const { fileSizeOver, growthRatio } = this.when;
    if (fileSizeOver !== undefined && !(size > fileSizeOver)) return;
    if (growthRatio !== undefined && !(size >= this.baseline * growthRatio)) return;
    this.start(engine);
  }

  private start(engine: Engine): void {
    let plan: { indices: number[]; copy: CopyOptions };
    try {
      plan = this.host.plan(engine);
    } catch (error) {
      this.fail(error);
      return;
    }
    removeLeftoverSiblings(this.path);
    const sibling = siblingPath(this.path);
    const signal = new SharedArrayBuffer(FLAG_BYTES);
    const input: WorkerInput = { path: this.path, sibling, hashId: engine.hasher.id, indices: plan.indices, drop: plan.copy.drop ?? [], signal };
    const worker = new Worker(new URL('./compact-worker.js', import.meta.url), { workerData: input });
    worker.unref();
    this.worker = worker;
    this.sibling = sibling;
    let finish: () => void = () => undefined;
    this.idle = new Promise((resolve) => (finish = resolve));
    const end = (error?: unknown): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.sibling = undefined;
      void worker.terminate();
      if (error !== undefined) {
        nodeSwapFileSystem.remove(sibling);
        this.fail(error);
      }
      finish();
    };
    // The moment the copy reaches at most: a history slice below it (sliceHistory, while the worker
    // copies) would leave moments in the copy that the database no longer has.
    const mark = { count: engine.momentCount, slot: engine.momentCount === 0 ? undefined : engine.moment(-1).slot };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'error') end(new IoError(`the background compaction of ${this.path} failed: ${message.message}`, undefined));
      else this.catchUp(worker, engine, mark, new Int32Array(signal), end);
    });
    worker.on('error', (error) => end(new IoError(`the background compaction of ${this.path} failed: ${error.message}`, error)));
    worker.on('exit', (code) => end(new IoError(`the background compaction of ${this.path} stopped (worker exit ${code})`, undefined)));
  }

  /** The brief part, on the writer's thread: see the top of the file. */
  private catchUp(worker: Worker, started: Engine, mark: { count: number; slot: Slot | undefined }, flag: Int32Array, end: (error?: unknown) => void): void {
    if (this.closed || this.worker !== worker) return;
    const engine = this.host.engine();
    // A compaction through db.compact() replaced the file meanwhile: this copy is of the old one.
    if (engine !== started) {
      end(new IoError(`the background compaction of ${this.path} was overtaken by another compaction`, undefined));
      return;
    }
    if (!engine.io.tx.running && !headerOnFile(engine)) {
      // Asynchronous commits wait for their shared sync: under a steady stream of them some always do, so
      // the catch-up makes them durable now (one sync on this thread) instead of waiting for a pause.
      try {
        engine.settleDeferred();
      } catch (error) {
        end(error);
        return;
      }
    }
    if (engine.io.tx.running || !headerOnFile(engine)) {
      setTimeout(() => this.catchUp(worker, started, mark, flag, end), CATCH_UP_RETRY_MS).unref();
      return;
    }
    if (engine.momentCount < mark.count || (mark.slot !== undefined && !engine.moment(mark.count - 1).slot.equals(mark.slot))) {
      end(new IoError(`the background compaction of ${this.path} was abandoned: the history was sliced while it copied`, undefined));
      return;
    }
    const count = engine.momentCount;
    worker.postMessage({ count });
    // Blocks this thread: no commit can come between the catch-up and the swap.
    const waited = Atomics.wait(flag, 0, FLAG_WAITING, CATCH_UP_WAIT_MS);
    const state = Atomics.load(flag, 0);
    if (waited === 'timed-out' || state !== FLAG_DONE) {
      end(new IoError(`the background compaction of ${this.path} failed at its catch-up: ${waited === 'timed-out' ? 'the worker did not answer' : flagError(flag)}`, undefined));
      return;
    }
    const sibling = this.sibling as string;
    try {
      nodeSwapFileSystem.rename(sibling, this.path);
    } catch (error) {
      end(error);
      return;
    }
    nodeSwapFileSystem.syncDirectory(this.path);
    let next: Engine;
    try {
      next = reopenWriter(engine, this.path, this.reopen);
    } catch (error) {
      end(error);
      return;
    }
    this.host.replace(next);
    this.baseline = next.committedSize;
    this.completed++;
    end();
  }

  private fail(error: unknown): void {
    // Not again until the file grows as much once more.
    this.baseline = this.host.engine().committedSize;
    this.host.report(error);
  }

  /** Stops the timer and cancels a running compaction (its sibling is removed). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const worker = this.worker;
    const sibling = this.sibling;
    this.worker = undefined;
    this.sibling = undefined;
    if (worker !== undefined) {
      void worker.terminate().then(() => {
        if (sibling !== undefined) nodeSwapFileSystem.remove(sibling);
      });
    }
  }
}

/** True when the history header on the file is the one the engine last committed (no deferred commit waits for its sync). */
function headerOnFile(engine: Engine): boolean {
  const expected = engine.historyHeaderBytes();
  if (expected === undefined) return false;
  const onFile = new Uint8Array(HISTORY_HEADER_SIZE);
  engine.storage.read(HISTORY_HEADER_POSITION, onFile);
  return onFile.every((byte, i) => byte === expected[i]);
}
