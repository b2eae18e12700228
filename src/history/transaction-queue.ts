// The queue behind transactBatched (Engine's and Database's): transactions
// queued in one task, or while the group commit's sync is in flight, run
// together as one batch (Engine.transactBatch: one moment, each transaction
// atomic on its own), the way lmdb-js batches its asynchronous writes. A burst
// of writers then costs one moment and one sync, not one of each per writer.
//
// When a batch runs: at the end of the task that queued its first transaction
// (a microtask), unless a sync is in flight; then as soon as that sync ends,
// so that everything queued meanwhile joins the next sync in one moment.
//
// A queued transaction holds only its function and its promise's two ends
// (three parallel arrays, no object each): they live until the batch is
// durable, so whatever else a transaction needs is made when its batch runs.

/** What the queue asks of its database. */
export interface QueueHooks<F> {
  /** Runs a batch now (Engine.transactBatch on the current engine): each function's outcome, once durable. Rejects, never throws. */
  run(fns: F[]): Promise<PromiseSettledResult<unknown>[]>;
  /** Calls `callback` after the sync in flight, or returns false when none is (Engine.afterSync). */
  afterSync(callback: () => void): boolean;
  /** Called once a batch's promises are settled (the value API tells its listeners). */
  settled?(): void;
}

/** Gathers transactions into batches; see the file's top comment. */
export class TransactionQueue<F> {
  private readonly hooks: QueueHooks<F>;
  private fns: F[] = [];
  private resolves: ((value: unknown) => void)[] = [];
  private rejects: ((error: unknown) => void)[] = [];
  /** True from the first enqueue of a batch until it runs or waits for a sync. */
  private scheduled = false;

  /** @param hooks - the database's side */
  constructor(hooks: QueueHooks<F>) {
    this.hooks = hooks;
  }

  /**
   * Queues `fn` for the next batch.
   *
   * @param fn - the transaction function
   * @returns what `fn` returned, once its moment is durable; or what it threw
   */
  enqueue<T>(fn: F): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.fns.push(fn);
      this.resolves.push(resolve as (value: unknown) => void);
      this.rejects.push(reject);
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => {
        // A sync in flight: wait for it, gathering what else arrives.
        if (!this.hooks.afterSync(() => this.runNow())) this.runNow();
      });
    });
  }

  /** Runs every queued transaction now, as one batch (before a close or a compaction, and when its time came). */
  runNow(): void {
    this.scheduled = false;
    const fns = this.fns;
    if (fns.length === 0) return;
    const resolves = this.resolves;
    const rejects = this.rejects;
    this.fns = [];
    this.resolves = [];
    this.rejects = [];
    this.hooks.run(fns).then(
      (results) => {
        for (let i = 0; i < results.length; i++) {
          const result = results[i] as PromiseSettledResult<unknown>;
          if (result.status === 'fulfilled') (resolves[i] as (value: unknown) => void)(result.value);
          else (rejects[i] as (error: unknown) => void)(result.reason);
        }
        this.afterSettling();
      },
      (error: unknown) => {
        for (const reject of rejects) reject(error);
        this.afterSettling();
      },
    );
  }

  /** The hook once a batch settled; what it throws has no caller to go to (the value API's listeners report their own errors). */
  private afterSettling(): void {
    try {
      this.hooks.settled?.();
    } catch {
      // Nothing waits on this: the batch's promises are settled already.
    }
  }
}
