// The engines a database handle went on from (a compaction replaced its file,
// or a reader moved to the replacing file): their snapshots, views and
// cursors still read them. Each one's storage is closed once the garbage
// collector has taken the last of those readers, not when the handle closes:
// a long-lived reader of a file that is compacted every day would otherwise
// keep every old file open, and its disk space taken, until it closes.

import type { Engine } from '../history/engine.js';
import type { Storage } from '../storage/storage.js';

/**
 * Closes a retired engine's storage once its context is collected. Every
 * cursor, snapshot and view reads through the context (the engine holds it
 * too), so then nothing reads that storage any more.
 */
const unread = new FinalizationRegistry<{ storage: Storage; open: Set<Storage> }>(({ storage, open }) => {
  if (!open.has(storage)) return;
  try {
    storage.close();
    open.delete(storage);
  } catch {
    // It could not release the file now; closing the handle tries again.
  }
});

/** @internal The retired engines of one database handle. */
export class RetiredEngines {
  /** Weakly: an engine nothing else holds may be collected. */
  private readonly engines: Array<WeakRef<Engine>> = [];
  /** The storages of retired engines, still open. */
  private readonly open = new Set<Storage>();

  /** Keeps `engine` for its readers, and closes its storage once they are gone. */
  retire(engine: Engine): void {
    // Forget the engines already collected: a reader lives through many compactions.
    const alive = this.engines.filter((ref) => ref.deref() !== undefined);
    this.engines.splice(0, this.engines.length, ...alive, new WeakRef(engine));
    this.open.add(engine.storage);
    unread.register(engine.ctx, { storage: engine.storage, open: this.open });
  }

  /** Closes every retired engine still alive, and every storage still open (the handle closes). */
  closeAll(): void {
    for (const engine of this.engines.splice(0)) engine.deref()?.close();
    for (const storage of this.open) storage.close();
    this.open.clear();
  }
}
