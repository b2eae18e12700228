// The script that wrote data/stratadb-compacted.db (issue 16): gen-2 lists
// xitdb-java 0.32 wrote, then stratadb commits of every other structure xitdb
// 0.32 reads (maps, sets, counted ones, array lists with a slice, sorted maps
// and sets, a revert), compacted to its last three moments with one key
// dropped. xitdb-java 0.32 dumped the result (data/README.md).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { compactInto } from '../../src/compact/index.js';
import { steppingClock } from '../support/sample-databases.js';

const DATA = join(import.meta.dirname, 'data');

/** The compacted file's bytes; the same every run (fixed clock). */
export function writeCompactedSample(): Uint8Array {
  const storage = MemoryStorage.fromBytes(new Uint8Array(readFileSync(join(DATA, 'java-gen2-lists.db'))), { readOnly: false, durable: true });
  const engine = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  engine.transact((root) => {
    const map = root.hashMap();
    const users = map.put('users').hashMap();
    for (let i = 0; i < 40; i++) users.put(`user-${i}`).writeString(`the profile of user number ${i}`);
    users.put('leaked-token').writeString('sk-live-do-not-keep-this-0123456789');
    const counted = map.put('counted').countedHashMap();
    for (let i = 0; i < 20; i++) counted.put(`c${i}`).writeInt(-i);
    const set = map.put('tags').hashSet();
    for (const tag of ['red', 'green', 'a tag longer than eight bytes']) set.add(tag);
    map.put('members').countedHashSet().add('only member');
    const list = map.put('numbers').arrayList();
    for (let i = 0; i < 300; i++) list.append().writeUint(i * i);
    const sorted = map.put('index').sortedMap();
    for (let i = 0; i < 100; i++) sorted.put(`key-${String(i).padStart(3, '0')}`).writeFloat(i / 4);
    const sset = map.put('sorted-members').sortedSet();
    for (let i = 0; i < 20; i++) sset.add(`m${i}`);
  }, { meta: { step: 'fill' } });
  engine.transact((root) => {
    const map = root.hashMap();
    map.put('numbers').arrayList().slice(123);
    map.put('index').sortedMap().remove('key-050');
    map.put('users').hashMap().remove('user-7');
    map.put('big').linkedArrayList().append().writeString('appended after Java');
  }, { meta: { step: 'trim' } });
  engine.revert(-2, { meta: { step: 'revert' } });
  const target = new MemoryStorage({ durable: true });
  compactInto(engine, target, { keep: { last: 3 }, drop: [['users', 'leaked-token']] });
  return target.toBytes().slice();
}
