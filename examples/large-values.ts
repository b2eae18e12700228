// Large values by streaming: write a value in chunks and read it back in
// chunks, so it never sits in memory whole (cursor-level API).

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../src/node.js';

const folder = mkdtempSync(join(tmpdir(), 'stratadb-large-'));
try {
  const db = await open(join(folder, 'blobs.xit'));
  const chunk = new Uint8Array(1 << 20);
  const chunks = 32; // 32 MiB
  const written = createHash('sha256');

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

  console.log(`wrote and read ${reader.size} bytes in ${buffer.length}-byte pieces`);
  console.log(`checksums match: ${written.digest('hex') === read.digest('hex')}; bytes at 5 MiB: ${[...sample].join(',')}`);
  console.log(`heap used now: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB`);
  db.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}
