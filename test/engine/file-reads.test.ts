// A file database reads whole pages into memory: walking a trie costs no
// system call per block, so lookups in a large file make few reads. And the
// zeros a writer reserves past its data are, to everyone else, bytes past the
// committed size.

import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/history/engine.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';

describe('FileStorage under the engine', () => {
  for (const wholeFileSizeMax of [undefined, 0]) {
  it(`serves 20,000 lookups in a 50,000-key file with at most one read per page of the file (${wholeFileSizeMax === 0 ? 'page mode' : 'whole-file mode'})`, () => {
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

      const storage = FileStorage.open(path, wholeFileSizeMax === undefined ? { readOnly: true } : { readOnly: true, wholeFileSizeMax });
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
  }

  it('lets readers and a recovering writer ignore the zeros a writer reserved past its data', () => {
    const folder = mkdtempSync(join(tmpdir(), 'stratadb-reserve-'));
    try {
      const path = join(folder, 'db.xit');
      const writer = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
      for (let i = 0; i < 3; i++) writer.transact((root) => root.hashMap().put(`key${i}`).writeUint(i));
      expect(statSync(path).size).toBeGreaterThan(writer.committedSize);

      // A reader while the writer is open: the zeros are past the committed size.
      const reader = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
      expect(reader.momentCount).toBe(3);
      expect(reader.moment(-1).asHashMap().get('key2')?.readUint()).toBe(2n);
      writer.transact((root) => root.hashMap().put('key3').writeUint(3));
      reader.refresh();
      expect(reader.moment(-1).asHashMap().get('key3')?.readUint()).toBe(3n);
      reader.close();

      // The file as a crash would leave it: a read-write open cuts the zeros.
      const crashed = join(folder, 'crashed.xit');
      copyFileSync(path, crashed);
      const recovered = Engine.open(FileStorage.open(crashed), { hasher: sha1Hasher });
      expect(statSync(crashed).size).toBe(recovered.committedSize);
      expect(recovered.momentCount).toBe(4);
      recovered.close();

      // A clean close leaves no zeros.
      writer.close();
      const reopened = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
      expect(statSync(path).size).toBe(reopened.committedSize);
      reopened.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
  for (const wholeFileSizeMax of [undefined, 0]) {
    it(`shows a reader every new commit after refresh, even with pages smaller than the headers (${wholeFileSizeMax === 0 ? 'page mode' : 'whole-file mode'})`, () => {
      const folder = mkdtempSync(join(tmpdir(), 'stratadb-refresh-'));
      try {
        const path = join(folder, 'db.xit');
        const writer = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
        writer.transact((root) => root.hashMap().put('key0').writeUint(0));
        // 4-byte pages: the 36 bytes of file and history headers span nine of them.
        const options = wholeFileSizeMax === undefined ? { readOnly: true, pageSize: 4 } : { readOnly: true, pageSize: 4, wholeFileSizeMax };
        const reader = Engine.open(FileStorage.open(path, options), { hasher: sha1Hasher });
        for (let i = 1; i <= 5; i++) {
          expect(reader.moment(-1).asHashMap().get(`key${i - 1}`)?.readUint()).toBe(BigInt(i - 1));
          writer.transact((root) => root.hashMap().put(`key${i}`).writeUint(i));
          reader.refresh();
          expect(reader.momentCount, `after commit ${i}`).toBe(i + 1);
          expect(reader.moment(-1).asHashMap().get(`key${i}`)?.readUint()).toBe(BigInt(i));
        }
        reader.close();
        writer.close();
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  }
});
