// Second-generation linked lists (FORMAT.md §Gen-2 linked array lists) across
// implementations. xitdb-java 0.32 wrote java-gen2-lists.db; stratadb reads it
// as Java dumps it, edits its lists in their own layout (editGen2Sample), and
// Java 0.32 reads the result as stratadb does, then edits it again itself. The
// Java side ran outside this repository (data/README.md); its dumps are the oracle.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { linkedListGeneration } from '../../src/btree-list/generation.js';
import { open } from '../../src/index.js';
import { steppingClock } from '../support/sample-databases.js';

const DATA = join(import.meta.dirname, 'data');
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DATA, name)));
const json = (name: string): unknown => JSON.parse(readFileSync(join(DATA, name), 'utf8'));
const engineOf = (bytes: Uint8Array): Engine => Engine.open(MemoryStorage.fromBytes(bytes), { hasher: sha1Hasher });

/** The script that wrote stratadb-edited-gen2.db from java-gen2-lists.db: every gen-2 edit, no new list. */
function editGen2Sample(): Uint8Array {
  // Durable, as a file (the commit trailers checksum their commits' data), and a stepping clock: the same bytes every run.
  const storage = MemoryStorage.fromBytes(read('java-gen2-lists.db'), { readOnly: false, durable: true });
  const db = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  db.transact((root) => {
    const map = root.hashMap();
    const big = map.put('big').linkedArrayList();
    for (let i = 0; i < 100; i++) big.append().writeString(`appended ${i}`);
    map.put('empty').linkedArrayList().append().writeString('first');
    const seventeen = map.put('seventeen').linkedArrayList();
    seventeen.insert(3).writeUint(333);
    seventeen.remove(10);
    seventeen.put(0).writeString('zero');
    map.put('sliced').linkedArrayList().slice(5, 200);
    map.put('joined').linkedArrayList().concat(map.get('sixteen')!);
  });
  db.transact((root) => {
    const map = root.hashMap();
    map.put('mixed').linkedArrayList().remove(0);
    map.put('one').linkedArrayList().concat(map.get('one')!);
    map.put('other').linkedArrayList().slice(0, 0);
    const edited = map.put('edited').linkedArrayList();
    for (let i = 0; i < 30; i++) edited.insert(i * 3).writeUint(9000 + i);
    edited.put(-1).writeUint(1);
  });
  return storage.toBytes().slice();
}

describe('gen-2 linked lists xitdb-java 0.32 wrote', () => {
  const bytes = read('java-gen2-lists.db');

  it('dump as Java dumps them and verify clean', () => {
    const engine = engineOf(bytes);
    expect(dumpDatabase(engine)).toEqual(json('java-gen2-lists.java.json'));
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('read through the JS API: count, get, iteration both ways, toJS', async () => {
    const db = await open(bytes.slice(), { hasher: sha1Hasher });
    const big = db.get(['big']) as { length: number; get(i: number): unknown; toJS(): unknown[] };
    expect(big.length).toBe(1001);
    expect(big.get(0)).toBe('item 0');
    expect(big.get(999)).toBe('item 999');
    expect(big.get(-1)).toBe('item 1000');
    const java = json('java-gen2-lists.java.json') as { moments: Array<{ hash_map: Record<string, { linked_array_list: Array<{ bytes?: string; uint?: string }> }> }> };
    const expectedBig = java.moments[1]!.hash_map.big!.linked_array_list.map((item) => item.bytes);
    expect(big.toJS()).toEqual(expectedBig);
    const edited = db.get(['edited']) as { toJS(): unknown[] };
    expect(edited.toJS()).toEqual(java.moments[1]!.hash_map.edited!.linked_array_list.map((item) => (item.uint !== undefined ? Number(item.uint) : item.bytes)));
    const list = engineOf(bytes).moment(-1).asHashMap().get('joined')!.asLinkedArrayList();
    const forward = [...list.items(0)].map((c) => c.readUint());
    expect([...list.itemsBackward(-1)].map((c) => c.readUint())).toEqual(forward.slice().reverse());
    expect([...list.items(250)].map((c) => c.readUint())).toEqual(forward.slice(250));
    expect([...list.itemsBackward(250)].map((c) => c.readUint())).toEqual(forward.slice(0, 251).reverse());
    db.close();
  });

  it('are told apart from gen-1 lists by their bytes alone', () => {
    const engine = engineOf(bytes);
    const map = engine.moment(-1).asHashMap();
    for (const name of ['empty', 'one', 'sixteen', 'seventeen', 'big', 'mixed', 'sliced', 'edited', 'joined', 'other']) {
      expect(linkedListGeneration(engine.io, map.get(name)!.slot.position), name).toBe(2);
    }
  });
});

describe('gen-2 lists stratadb edited', () => {
  const bytes = read('stratadb-edited-gen2.db');

  it('are still what this build writes, byte for byte', () => {
    expect(Buffer.from(editGen2Sample()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('read back in xitdb-java 0.32 exactly as stratadb reads them, and verify clean', () => {
    const engine = engineOf(bytes);
    expect(dumpDatabase(engine)).toEqual(json('stratadb-edited-gen2.java.json'));
    expect(verifyDatabase(engine).problems).toEqual([]);
    const map = engine.moment(-1).asHashMap();
    for (const name of ['empty', 'big', 'seventeen', 'other', 'one', 'edited']) expect(linkedListGeneration(engine.io, map.get(name)!.slot.position), name).toBe(2);
  });

  it('take a moment xitdb-java 0.32 appended, editing the nodes stratadb wrote, which stratadb reads as Java does', () => {
    const engine = engineOf(read('java-appended-gen2.db'));
    expect(dumpDatabase(engine)).toEqual(json('java-appended-gen2.java.json'));
    expect(verifyDatabase(engine).problems).toEqual([]);
  });
});
