// The script that writes test/interop/data/stratadb-written.db: every
// first-generation structure, list edits, a clone, undo and revert, with
// commit trailers (times from a stepping clock, metadata on two commits).
// Kept apart from the test so that the data can be made again from it.

import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { steppingClock } from '../support/sample-databases.js';

/** The script that wrote stratadb-written.db. */
export function writeSample(): Uint8Array {
  // Durable, as a file: the trailers checksum their commits' data.
  const storage = new MemoryStorage({ durable: true });
  const db = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
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
  }, { meta: { message: 'every first-generation structure', author: 'stratadb' } });
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
  db.undo(1, { meta: { message: 'undo' } });
  db.revert(1);
  return storage.toBytes().slice();
}
