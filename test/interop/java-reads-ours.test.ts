// Files stratadb writes are read by xitdb-java exactly as stratadb reads them,
// and stratadb reads a moment xitdb-java appended to its file. The Java side
// ran outside this repository (test/interop/data/README.md); its dumps are the
// oracle here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { writeSample } from './java-sample.js';

const DATA = join(import.meta.dirname, 'data');

function stratadbDump(bytes: Uint8Array): unknown {
  return dumpDatabase(Engine.open(MemoryStorage.fromBytes(bytes), { hasher: sha1Hasher }));
}

describe('files that xitdb-java 0.28 read', () => {
  const written = new Uint8Array(readFileSync(join(DATA, 'stratadb-written.db')));

  it('are still what this build writes, byte for byte', () => {
    expect(Buffer.from(writeSample()).equals(Buffer.from(written))).toBe(true);
  });

  it('read back in xitdb-java exactly as stratadb reads them', () => {
    expect(stratadbDump(written)).toEqual(JSON.parse(readFileSync(join(DATA, 'stratadb-written.java.json'), 'utf8')));
  });

  it('keep a moment xitdb-java appended, which stratadb reads as Java does and verifies', () => {
    const appended = new Uint8Array(readFileSync(join(DATA, 'java-appended.db')));
    expect(stratadbDump(appended)).toEqual(JSON.parse(readFileSync(join(DATA, 'java-appended.java.json'), 'utf8')));
    const engine = Engine.open(MemoryStorage.fromBytes(appended), { hasher: sha1Hasher });
    expect(engine.momentCount).toBe(5);
    expect(verifyDatabase(engine).problems).toEqual([]);
  });
});
