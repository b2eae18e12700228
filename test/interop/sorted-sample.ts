// The scripts that write test/interop/data/sorted-stratadb-written.db (the
// same script xitdb-java 0.32 ran as tools/WriteSortedSample.java) and
// sorted-java-then-stratadb.db (one moment appended to Java's file), with
// commit trailers (times from a stepping clock). Kept apart from the test so
// that the data can be made again from them.

import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { steppingClock } from '../support/sample-databases.js';

const pad = (n: number): string => String(n).padStart(4, '0');

/** The script that wrote sorted-stratadb-written.db; tools/WriteSortedSample.java runs the same one in xitdb-java. */
export function writeSortedSample(): Uint8Array {
  // Durable, as a file (the trailers checksum their commits' data), and a stepping clock: the same bytes every run.
  const storage = new MemoryStorage({ durable: true });
  const db = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  db.transact((root) => {
    const moment = root.hashMap();
    const fruit = moment.put('fruit').sortedMap();
    fruit.put('pear').writeUint(2);
    fruit.put('apple').writeUint(1);
    fruit.put('a-key-longer-than-eight-bytes').writeUint(3);
    fruit.put('').writeUint(0);
    fruit.put(Uint8Array.of(0, 1)).writeUint(4);
    const big = moment.put('big').sortedMap();
    for (let i = 0; i < 1000; i++) big.put(`key-${pad((i * 7919) % 1000)}`).writeInt(i - 500);
    const set = moment.put('set').sortedSet();
    for (let i = 0; i < 300; i++) set.add(`m${pad((i * 31) % 300)}`);
    moment.put('nested').sortedMap().put('alice').hashMap().put('name').writeString('Alice');
  });
  db.transact((root) => {
    const moment = root.hashMap();
    const big = moment.put('big').sortedMap();
    for (let i = 0; i < 1000; i += 3) big.remove(`key-${pad(i)}`);
    big.put('key-0500').writeUint(99);
    for (let i = 0; i < 50; i++) big.put(`key-1${pad(i * 13)}`).writeUint(i);
    const set = moment.put('set').sortedSet();
    for (let i = 0; i < 100; i++) set.remove(`m${pad(i)}`);
    set.remove('absent');
    moment.put('fruit').sortedMap().put('pear').writeUint(20);
  });
  db.transact((root) => {
    const moment = root.hashMap();
    const big = moment.put('big').sortedMap();
    for (let i = 1; i < 1000; i += 3) big.remove(`key-${pad(i)}`);
    const fruit = moment.put('fruit').sortedMap();
    fruit.remove('apple');
    fruit.remove('pear');
  });
  return storage.toBytes().slice();
}

/** The script that made sorted-java-then-stratadb.db: one moment stratadb appends to xitdb-java's file. */
export function appendToJavaFile(java: Uint8Array): Uint8Array {
  const storage = MemoryStorage.fromBytes(java.slice(), { readOnly: false, durable: true });
  const db = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  db.transact((root) => {
    const moment = root.hashMap();
    const big = moment.put('big').sortedMap();
    for (let i = 0; i < 200; i++) big.put(`key-2${pad((i * 37) % 200)}`).writeString(`value ${i}, long enough for long bytes`);
    big.remove(`key-1${pad(13)}`);
    big.remove(`key-1${pad(26)}`);
    const set = moment.put('set').sortedSet();
    set.remove('m0150');
    set.add('added by stratadb');
    moment.put('fruit').sortedMap().put('banana').writeUint(5);
    moment.put('new').sortedSet().add('x');
  });
  return storage.toBytes().slice();
}
