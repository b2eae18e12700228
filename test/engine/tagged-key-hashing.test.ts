// FORMAT.md §Hashing, tagged keys: a tagged key hashes 0xFF, its format tag and
// its bytes, so no string key shares its hash input; lookups, writes, removes
// and verify also accept the two earlier conventions (format tag then bytes, as
// stratadb wrote before; the bytes alone, as xitdb-java writes), and under those
// match only a pair that stores the same bytes and format tag.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import type { Hasher } from '../../src/hash/hasher.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { open } from '../../src/index.js';

const utf8 = new TextEncoder();
const tagged = (text: string, tag: string): { bytes: Uint8Array; formatTag: Uint8Array } => ({ bytes: utf8.encode(text), formatTag: utf8.encode(tag) });
const NULL_KEY = tagged('', 'nl');
const ONE = tagged('1', 'nu');

/**
 * SHA-1 under the sha1 id, but hashing what an earlier writer hashed for a
 * tagged key: the 0xFF prefix dropped (stratadb before), or prefix and format tag
 * dropped (xitdb-java). A database written with it holds tagged keys exactly as
 * those writers stored them.
 */
function olderWriter(drop: 1 | 3): Hasher {
  return {
    id: sha1Hasher.id,
    size: sha1Hasher.size,
    hash: (key) => sha1Hasher.hash(key[0] === 0xff ? key.subarray(drop) : key),
  };
}

function writeOld(drop: 1 | 3): Uint8Array {
  const storage = new MemoryStorage();
  const engine = Engine.open(storage, { hasher: olderWriter(drop) });
  engine.transact((root) => {
    const map = root.hashMap().put('m').countedHashMap();
    map.put(ONE).writeString('number one');
    map.put(NULL_KEY).writeString('null');
    map.put(tagged('a long key, stored as long bytes', 'in')).writeString('long');
    map.put('de').writeString('Germany');
  });
  return storage.toBytes().slice();
}

function reopen(bytes: Uint8Array): Engine {
  return Engine.open(MemoryStorage.fromBytes(bytes, { readOnly: false }), { hasher: sha1Hasher });
}

describe('hashKey for a tagged key', () => {
  it('hashes 0xFF, the format tag and the bytes, so null and "nl" get different hashes', () => {
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    engine.transact((root) => {
      const set = root.hashMap().put('s').hashSet();
      set.add('nl');
      set.add(NULL_KEY);
    });
    const set = engine.moment(-1).asHashMap().get('s')!.asHashSet();
    expect(set.has('nl')).toBe(true);
    expect(set.has(NULL_KEY)).toBe(true);
    expect(set.count()).toBe(2);
    // Both kv pairs carry the hash this build writes: SHA-1 of "nl", and of FF 6E 6C for null.
    const file = Buffer.from(storage.toBytes());
    expect(file.indexOf(Buffer.from(sha1Hasher.hash(utf8.encode('nl'))))).toBeGreaterThan(0);
    expect(file.indexOf(Buffer.from(sha1Hasher.hash(Uint8Array.of(0xff, 0x6e, 0x6c))))).toBeGreaterThan(0);
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('lets a Set of country codes hold null beside "nl" through the JS API', async () => {
    const db = await open();
    db.set(['codes'], new Set(['de', 'nl', null, 'fr']));
    expect(db.get(['codes'])).toBeDefined();
    expect(db.snapshot().toJS()).toEqual({ codes: new Set(['de', 'nl', null, 'fr']) });
    db.set(['codes'], new Set(['nl', null]));
    expect(db.snapshot().toJS()).toEqual({ codes: new Set(['nl', null]) });
    db.close();
  });
});

describe.each([
  ['format tag then bytes (stratadb before)', 1 as const],
  ['the bytes alone (xitdb-java)', 3 as const],
])('a map whose tagged keys were hashed over %s', (_name, drop) => {
  it('finds every key and verifies clean', () => {
    const engine = reopen(writeOld(drop));
    const map = engine.moment(-1).asHashMap().get('m')!.asHashMap();
    expect(map.get(ONE)?.readString()).toBe('number one');
    expect(map.get(NULL_KEY)?.readString()).toBe('null');
    expect(map.get(tagged('a long key, stored as long bytes', 'in'))?.readString()).toBe('long');
    expect(map.get('de')?.readString()).toBe('Germany');
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('never matches a different key that shares a fallback hash', () => {
    const engine = reopen(writeOld(drop));
    const map = engine.moment(-1).asHashMap().get('m')!.asHashMap();
    // "1" untagged has the xitdb-java hash of the number 1; "nu1" the old stratadb one.
    expect(map.get('1')).toBeUndefined();
    expect(map.get('nu1')).toBeUndefined();
    expect(map.get('nl')).toBeUndefined();
    expect(map.get(tagged('1', 'xx'))).toBeUndefined();
  });

  it('changes and removes the stored pair instead of adding a second one', () => {
    const engine = reopen(writeOld(drop));
    engine.transact((root) => {
      const map = root.hashMap().put('m').countedHashMap();
      map.put(ONE).writeString('changed');
      expect(map.remove(NULL_KEY)).toBe(true);
      expect(map.remove(NULL_KEY)).toBe(false);
      map.put(NULL_KEY).writeString('back');
    });
    const map = engine.moment(-1).asHashMap().get('m')!.asHashMap();
    expect(map.count()).toBe(4);
    expect([...map.entries()].length).toBe(4);
    expect(map.get(ONE)?.readString()).toBe('changed');
    expect(map.get(NULL_KEY)?.readString()).toBe('back');
    expect(verifyDatabase(engine).problems).toEqual([]);
  });
});

describe('writing a string key whose hash an earlier writer gave a tagged key', () => {
  it.each([
    ['"nl" beside null stored under the hash of "nl" (stratadb before)', 1 as const, 'nl', NULL_KEY],
    ['"1" beside the number 1 stored under the hash of "1" (xitdb-java)', 3 as const, '1', ONE],
  ])('moves the tagged pair to its own hash: %s', (_name, drop, text, key) => {
    const engine = reopen(writeOld(drop));
    engine.transact((root) => {
      root.hashMap().put('m').countedHashMap().put(text).writeString('the string');
    });
    const map = engine.moment(-1).asHashMap().get('m')!.asHashMap();
    expect(map.get(text)?.readString()).toBe('the string');
    expect(map.get(key)?.readString()).toBe(drop === 1 ? 'null' : 'number one');
    expect(map.count()).toBe(5);
    expect([...map.entries()].length).toBe(5);
    expect(verifyDatabase(engine).problems).toEqual([]);
    // The moment before is untouched.
    expect(engine.moment(0).asHashMap().get('m')!.asHashMap().get(text)).toBeUndefined();
  });
});

describe('a string key beside the tagged key with the same bytes', () => {
  it('is not found by the tagged key, whose xitdb-java hash it has', () => {
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher });
    engine.transact((root) => root.hashMap().put('1').writeString('string one'));
    const map = engine.moment(-1).asHashMap();
    expect(map.get(ONE)).toBeUndefined();
    engine.transact((root) => {
      root.hashMap().put(ONE).writeString('number one');
    });
    expect(engine.moment(-1).asHashMap().get('1')?.readString()).toBe('string one');
    expect(engine.moment(-1).asHashMap().get(ONE)?.readString()).toBe('number one');
    expect(verifyDatabase(engine).problems).toEqual([]);
  });
});
