// A compacted file (issue 16) read by xitdb-java 0.32: writeCompactedSample
// (compacted-sample.ts) wrote data/stratadb-compacted.db, and Java's dump of
// it (data/stratadb-compacted.java.json, made outside this repository, see
// data/README.md) equals ours: the block copy wrote structures xitdb reads.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { writeCompactedSample } from './compacted-sample.js';

const DATA = join(import.meta.dirname, 'data');
const bytes = new Uint8Array(readFileSync(join(DATA, 'stratadb-compacted.db')));

describe('a compacted file xitdb-java 0.32 read', () => {
  it('is what the sample script still writes', () => {
    expect(writeCompactedSample()).toEqual(bytes);
  });

  it('dumps as Java dumped it, and verifies clean', () => {
    const engine = Engine.open(MemoryStorage.fromBytes(bytes.slice()), { hasher: sha1Hasher });
    expect(dumpDatabase(engine)).toEqual(JSON.parse(readFileSync(join(DATA, 'stratadb-compacted.java.json'), 'utf8')));
    expect(verifyDatabase(engine).problems).toEqual([]);
    expect(engine.momentCount).toBe(3);
    expect(engine.momentInfo(2).restoredFrom).toBe(0);
  });

  it('holds no byte of the dropped value', () => {
    expect(Buffer.from(bytes).includes('sk-live-do-not-keep-this')).toBe(false);
    expect(Buffer.from(bytes).includes('leaked-token')).toBe(false);
  });
});
