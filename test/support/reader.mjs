// A reader for concurrency tests, run as a child process or a worker thread:
// opens the database read-only and, until it has seen moment `target`, keeps
// refreshing, checks that the latest moment is whole (a === b === items
// length), and re-checks that a snapshot it holds never changes. Reports
// "ok CHECKS MOMENTS" or "fail MESSAGE". Leaves a ready marker beside the file
// once it has opened it.

import { writeFileSync } from 'node:fs';
import { isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { open } from '../../dist/src/node.js';

const [path, target] = isMainThread ? [process.argv[2], Number(process.argv[3])] : workerData;
const report = (line) => (isMainThread ? process.stdout.write(`${line}\n`) : parentPort.postMessage(line));

async function main() {
  const deadline = Date.now() + 60_000;
  let db;
  while (db === undefined) {
    try {
      db = await open(path, { readOnly: true });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  // Opened: a writer started with a reader count (child-writer.mjs) waits for this marker.
  writeFileSync(`${path}.ready-${process.pid}-${threadId}`, '');
  let checks = 0;
  let held; // [snapshot, a] from an earlier refresh
  for (;;) {
    db.refresh();
    const count = db.momentCount;
    if (count > 0) {
      const snapshot = db.snapshot();
      const a = snapshot.get(['a']);
      const b = snapshot.get(['b']);
      const length = snapshot.get(['items'])?.length ?? 0;
      if (a !== b || length !== a) return report(`fail moment ${count - 1}: a=${a} b=${b} items=${length}`);
      if (held !== undefined) {
        const [old, oldA] = held;
        if (old.get(['a']) !== oldA || old.get(['items']).length !== oldA) return report(`fail held snapshot changed (${oldA})`);
      }
      if (checks % 10 === 0) held = [snapshot, a];
      checks++;
      if (a >= target) return report(`ok ${checks} ${count}`);
    }
    if (Date.now() > deadline) return report(`fail timed out at ${count} moments`);
  }
}

main().catch((error) => report(`fail ${error?.stack ?? error}`));
