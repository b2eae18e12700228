// The worker thread of the automatic compaction (auto-compact.ts starts it):
// it opens the database file read-only, copies the kept moments into the
// sibling file, and tells the writer's thread. Then, told the count of
// moments to reach, it copies the commits made meanwhile (the catch-up) while
// the writer's thread waits on a shared flag, syncs the sibling and closes
// it, and sets the flag. It never writes the database file itself.

import { parentPort, workerData } from 'node:worker_threads';
import { Engine } from '../history/engine.js';
import { FileStorage } from '../storage/file-storage.js';
import { sha1Hasher } from '../hash/sha1.js';
import { createXxHash128Hasher } from '../hash/xxhash128.js';
import { startCopy } from './copy-step.js';
import { nodeSwapFileSystem } from './swap-file.js';
import { range } from './compact-file.js';
import { FLAG_DONE, FLAG_FAILED, writeFlag, type WorkerInput, type WorkerMessage } from './worker-protocol.js';

async function run(input: WorkerInput): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const flag = new Int32Array(input.signal);
  const hasher = [await createXxHash128Hasher(), sha1Hasher].find((known) => known.id === input.hashId);
  if (hasher === undefined) throw new Error(`no built-in hasher has id ${input.hashId}`);
  const storage = FileStorage.open(input.path, { readOnly: true });
  const target = nodeSwapFileSystem.create(input.sibling);
  try {
    const engine = Engine.open(storage, { hasher, readOnly: true });
    const job = startCopy(engine, target, { drop: input.drop });
    const seen = engine.momentCount;
    const first = input.indices.filter((index) => index < seen);
    job.copyMoments(first);
    const copiedThrough = first.length === 0 ? -1 : (first[first.length - 1] as number);
    const catchUp = await new Promise<number>((resolve) => {
      port.once('message', (message: { count: number }) => resolve(message.count));
      const ready: WorkerMessage = { type: 'copied', moments: first.length };
      port.postMessage(ready);
    });
    // The writer's thread waits on the flag from here: be brief.
    try {
      engine.refresh();
      if (engine.momentCount < catchUp) throw new Error(`the file shows ${engine.momentCount} moments, the writer ${catchUp}`);
      if (catchUp - 1 > copiedThrough) job.copyMoments(range(copiedThrough + 1, catchUp));
      job.finish();
      target.sync();
      target.close();
      writeFlag(flag, FLAG_DONE, '');
    } catch (error) {
      writeFlag(flag, FLAG_FAILED, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  } finally {
    try {
      target.close();
    } catch {
      // Closed after the sync already.
    }
    storage.close();
  }
}

run(workerData as WorkerInput).catch((error: unknown) => {
  const message: WorkerMessage = { type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  parentPort?.postMessage(message);
});
