// Refactors must not change the bytes: a fixed script writes a database that
// exercises every structure and operation this build writes, through the
// cursor API and the JS-value API, and its bytes must hash to the value
// recorded when the script was written. A change to the format changes this
// hash in the same commit as FORMAT.md; anything else that changes it is a bug.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { open, linkedList } from '../../src/index.js';
import { steppingClock } from '../support/sample-databases.js';

/** Every structure, scalar and list operation, with undo, revert and a history slice. */
function cursorScript(): Uint8Array {
  const storage = new MemoryStorage();
  const engine = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  engine.transact((root) => {
    const map = root.hashMap();
    map.put('short').writeString('hi');
    map.put('long').writeString('a value longer than eight bytes');
    map.put('tagged').writeString('2026-01-01', 'dt');
    map.put('uint').writeUint(2n ** 63n);
    map.put('int').writeInt(-42);
    map.put('float').writeFloat(-0);
    map.put('none').writeNone();
    const list = map.put('list').arrayList();
    for (let i = 0; i < 300; i++) list.append().writeUint(i);
    const linked = map.put('linked').linkedArrayList();
    for (let i = 0; i < 300; i++) linked.append().writeString(`item ${i}`);
    const set = map.put('set').countedHashSet();
    for (let i = 0; i < 100; i++) set.add(`member ${i}`);
    const counted = map.put('counted').countedHashMap();
    for (let i = 0; i < 100; i++) counted.put(`key ${i}`).writeUint(i);
    map.put('plain-set').hashSet().add('x');
  });
  engine.transact((root) => {
    const map = root.hashMap();
    map.remove('short');
    map.put('list').arrayList().slice(150);
    const linked = map.put('linked').linkedArrayList();
    linked.insert(7).writeUint(7);
    linked.remove(200);
    linked.slice(10, 250);
    linked.concat(map.get('linked')!);
    map.put('clone').writeSlot(map.get('counted')!.slot);
    engine.freeze();
    map.put('counted').countedHashMap().remove('key 3');
    map.put('bytes').bytesWriter().write(new Uint8Array(5000).fill(9));
  });
  engine.undo();
  engine.revert(0);
  engine.transact((root) => root.hashMap().put('after').writeUint(1));
  engine.sliceHistory(4);
  return storage.toBytes().slice();
}

async function valueScript(): Promise<Uint8Array> {
  const db = await open(undefined, { clock: steppingClock() });
  db.set(['title'], 'bytes never change');
  db.set(['todos'], ['a', 'b', 'c']);
  db.set(['users', 'alice'], { name: 'Alice', visits: 0, tags: new Set(['x', 1, null]), seen: new Date(0) });
  db.set(['big'], 12345678901234567890n);
  db.set(['map'], new Map<unknown, unknown>([[1, 'one'], ['1', 'text one'], [true, new Uint8Array([1, 2])]]));
  db.set(['linked'], linkedList([1, 2, 3]));
  db.update(['users', 'alice', 'visits'], (n) => ((n as number) ?? 0) + 1);
  db.push(['todos'], 'd');
  db.merge(['users', 'alice'], { name: 'Alice B.' });
  db.delete(['todos', -1]);
  db.set(['copy'], db.get(['users']));
  db.undo();
  const bytes = db.bytes().slice();
  db.close();
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('the bytes this build writes', () => {
  it('are the same as when the script was written (cursor API)', () => {
    const bytes = cursorScript();
    expect({ size: bytes.length, sha256: sha256(bytes) }).toEqual(EXPECTED_CURSOR);
  });

  it('are the same as when the script was written (JS-value API)', async () => {
    const bytes = await valueScript();
    expect({ size: bytes.length, sha256: sha256(bytes) }).toEqual(EXPECTED_VALUES);
  });
});

// Session 6: every commit gained its 88-byte trailer (FORMAT.md §Commit trailer): 6 commits, 528 bytes more.
const EXPECTED_CURSOR = { size: 47414, sha256: '1460697cf2d22fa530ffb60f882dcc14ecaf484fa52149cfa632f44a97f8b4d4' };
// 12 commits, 1,056 bytes more than the tagged-key hashing of FORMAT.md §Tagged keys gives alone (6,952).
const EXPECTED_VALUES = { size: 8008, sha256: '466c59883d82415ff5babacebc1ee3fde57aab0f052b60fa95980ae5be352d2d' };
