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

const DATA = join(import.meta.dirname, 'data');

/** The script that wrote stratadb-written.db. */
function writeSample(): Uint8Array {
  const storage = new MemoryStorage();
  const db = Engine.open(storage, { hasher: sha1Hasher });
  db.transact((root) => {
    const map = root.hashMap();
    map.put('short').writeString('hi');
    map.put('long').writeString('a value longer than eight bytes, stored as long bytes');
    map.put('tagged').writeString('2026-01-01T00:00:00.000Z', 'in');
    map.put('uint').writeUint(2n ** 62n);
    map.put('int').writeInt(-42);
    map.put('float').writeFloat(1.5);
    map.put('none').writeNone();
    const list = map.put('list').arrayList();
    for (let i = 0; i < 300; i++) list.append().writeUint(i);
    const linked = map.put('linked').linkedArrayList();
    for (let i = 0; i < 300; i++) linked.append().writeString(`item ${i}`);
    const set = map.put('set').countedHashSet();
    for (let i = 0; i < 50; i++) set.add(`member ${i}`);
    const counted = map.put('counted').countedHashMap();
    for (let i = 0; i < 50; i++) counted.put(`key ${i}`).writeUint(i);
    map.put('plain-set').hashSet().add('x');
    map.put('nested').hashMap().put('deeper').hashMap().put('deepest').writeString('bottom');
  });
  db.transact((root) => {
    const map = root.hashMap();
    map.remove('short');
    map.put('list').arrayList().slice(150);
    const linked = map.put('linked').linkedArrayList();
    linked.insert(7).writeUint(7);
    linked.remove(200);
    linked.slice(10, 250);
    linked.concat(map.get('linked')!);
    map.put('clone').writeSlot(map.get('counted')!);
    db.freeze();
    map.put('counted').countedHashMap().remove('key 3');
    map.put('bytes').bytesWriter().write(new Uint8Array(3000).fill(9));
  });
  db.undo();
  db.revert(1);
  return storage.toBytes().slice();
}

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
