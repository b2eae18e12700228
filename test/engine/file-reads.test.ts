// A file database reads whole pages into its cache: walking a trie costs no
// system call per block, so lookups in a large file make few reads.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/history/engine.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';

describe('FileStorage under the engine', () => {
  it('serves 20,000 lookups in a 50,000-key file with at most one read per page of the file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'stratadb-reads-'));
    try {
      const path = join(folder, 'big.xit');
      const keys = 50_000;
      const writer = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
      writer.transact((root) => {
        const map = root.hashMap();
        for (let i = 0; i < keys; i++) map.put(`key${i}`).writeUint(i);
      });
      writer.close();

      const storage = FileStorage.open(path, { readOnly: true });
      const reader = Engine.open(storage, { hasher: sha1Hasher });
      const map = reader.moment(-1).asHashMap();
      const pages = Math.ceil(storage.size() / (16 * 1024));
      const before = storage.stats.readCalls;
      let sum = 0n;
      for (let i = 0; i < 20_000; i++) sum += map.get(`key${(i * 7919) % keys}`)!.readUint();
      const reads = storage.stats.readCalls - before;
      expect(sum).toBeGreaterThan(0n);
      // Each lookup touches ~5 slots; one read per slot would be ~100,000 reads.
      expect(reads).toBeLessThanOrEqual(pages);
      reader.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
