// Large values by streaming: write a value in chunks and read it back in
// chunks (cursor-level API). The file storage holds at most `memoryBudget`
// bytes of the file (default 256 MiB), so a value larger than the budget never
// sits in memory whole: here a 32 MiB value under an 8 MiB budget.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../src/node.js';

const folder = mkdtempSync(join(tmpdir(), 'stratadb-large-'));
try {
  const memoryBudget = 8 << 20;
  const db = await open(join(folder, 'blobs.xit'), { memoryBudget });
  const chunk = new Uint8Array(1 << 20);
  const chunks = 32; // 32 MiB
  const written = createHash('sha256');
  // The process's peak resident memory so far, in bytes (maxRSS is in KiB).
  const peak = (): number => process.resourceUsage().maxRSS * 1024;
  const peakBefore = peak();

  db.transact((tx) => {
    const writer = tx.cursor().hashMap().put('video.bin').bytesWriter('bn');
    for (let i = 0; i < chunks; i++) {
      chunk.fill(i);
      writer.write(chunk);
      written.update(chunk);
    }
    writer.finish();
  });

  const reader = db.snapshot().cursor().asHashMap().get('video.bin')!.bytesReader();
  const read = createHash('sha256');
  const buffer = new Uint8Array(256 * 1024);
  for (let n; (n = reader.read(buffer)) > 0; ) read.update(buffer.subarray(0, n));
  reader.seek(5 * (1 << 20));
  const sample = reader.readExactly(4);
  const grown = peak() - peakBefore;

  console.log(`wrote and read ${reader.size} bytes in ${buffer.length}-byte pieces`);
  console.log(`checksums match: ${written.digest('hex') === read.digest('hex')}; bytes at 5 MiB: ${[...sample].join(',')}`);
  console.log(`peak memory grew by ${(grown / 2 ** 20).toFixed(1)} MiB for a ${reader.size / 2 ** 20} MiB value (budget ${memoryBudget / 2 ** 20} MiB)`);
  // The promise above, checked: the value never sat in memory whole.
  if (grown >= reader.size) throw new Error(`the process's peak memory grew by ${grown} bytes, as much as the value`);
  db.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}
