// The storage backends every engine test runs on: memory, a file (held whole in
// memory), a file with tiny pages and a tiny write buffer that outgrows its
// whole-file budget (flushes mid-transaction, then the switch to the page cache),
// and a file in page mode with tiny pages (flushes and evictions).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import type { Storage } from '../../src/storage/storage.js';

/** A place to keep one database across opens. */
export interface BackendSlot {
  /** Opens the database's storage (creating it the first time). */
  open(options?: { readOnly?: boolean }): Storage;
}

/** One kind of storage. */
export interface Backend {
  readonly name: string;
  /** A fresh, empty place for one database. */
  slot(): BackendSlot;
}

let folder: string | undefined;
let counter = 0;

// Registered when the test file loads (a hook registered inside a running test
// would never run): removes this file's temporary databases at the end.
afterAll(() => {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

function tempPath(): string {
  folder ??= mkdtempSync(join(tmpdir(), 'stratadb-test-'));
  return join(folder, `db-${process.pid}-${counter++}.xit`);
}

const memory: Backend = {
  name: 'memory',
  slot() {
    let bytes: Uint8Array | undefined;
    let current: MemoryStorage | undefined;
    return {
      open(options = {}) {
        // Reopening a memory database means opening its bytes again, as a worker would.
        if (current !== undefined) bytes = current.toBytes().slice();
        current = bytes === undefined ? new MemoryStorage() : MemoryStorage.fromBytes(bytes.slice(), { readOnly: options.readOnly ?? false });
        return current;
      },
    };
  },
};

function fileBackend(name: string, options: { writeBufferSize?: number; pageSize?: number; cacheSize?: number; wholeFileSizeMax?: number }): Backend {
  return {
    name,
    slot() {
      const path = tempPath();
      return {
        open(openOptions = {}) {
          return FileStorage.open(path, { ...options, readOnly: openOptions.readOnly ?? false });
        },
      };
    },
  };
}

/** Memory; file; file with a 64-byte write buffer, 256-byte pages and an 8 KiB whole-file budget; the same in page mode. */
export const backends: readonly Backend[] = [
  memory,
  fileBackend('file', {}),
  fileBackend('file-tiny-buffer', { writeBufferSize: 64, pageSize: 256, cacheSize: 4096, wholeFileSizeMax: 8192 }),
  fileBackend('file-paged', { writeBufferSize: 64, pageSize: 256, cacheSize: 4096, wholeFileSizeMax: 0 }),
];
