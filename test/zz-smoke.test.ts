import { it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { MemoryStorage } from '/work/main/src/storage/memory-storage.js';
import { Engine } from '/work/main/src/history/engine.js';
import { sha1Hasher } from '/work/main/src/hash/sha1.js';
import { dumpDatabase } from '/work/main/src/cli/dump.js';

for (const name of ['basic', 'lists']) {
  it('reads ' + name, () => {
    const bytes = readFileSync(`/work/shared/fixtures/xitdb/${name}.db`);
    const engine = Engine.open(MemoryStorage.fromBytes(new Uint8Array(bytes)), { hasher: sha1Hasher });
    const dump = dumpDatabase(engine);
    const expected = JSON.parse(readFileSync(`/work/shared/fixtures/xitdb/${name}.expected.json`, 'utf8'));
    expect(dump).toEqual(expected);
  });
}
