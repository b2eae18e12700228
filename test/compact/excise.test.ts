// Excision (issue 16): `drop` removes paths from every kept moment, so that
// neither the value's nor the key's bytes reach the new file; the maps left
// behind are what a remove would leave (verifyDatabase clean, the same dump as
// a source that removed the key itself), and a structure shared with a place
// off the path keeps its entry there.

import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { compactInto } from '../../src/compact/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import type { Engine } from '../../src/history/engine.js';
import { verifyDatabase } from '../../src/history/verify.js';
import type { WriteCursor } from '../../src/cursor/write-cursor.js';
import { dumpMoment, newSource, reopen } from './support.js';

const SECRET = 'sk-live-0123456789abcdef-SECRET';
const SECRET_KEY = 'ssn-of-alice-q7';

function contains(haystack: Uint8Array, needle: string): boolean {
  const bytes = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + bytes.length <= haystack.length; i++) {
    for (let j = 0; j < bytes.length; j++) if (haystack[i + j] !== bytes[j]) continue outer;
    return true;
  }
  return false;
}

/** The same history built twice: once with the secret, once without it, to compare dumps. */
function build(engine: Engine, withSecret: boolean, users = 300): void {
  engine.transact((root) => {
    const map = root.hashMap();
    const people = map.put('users').hashMap();
    for (let i = 0; i < users; i++) people.put(`user-${i}`).writeString(`profile of user number ${i}`);
    const alice = people.put('alice').hashMap();
    alice.put('name').writeString('Alice Liddell, long enough');
    if (withSecret) alice.put(SECRET_KEY).writeString(SECRET);
    const counted = map.put('tokens').countedHashMap();
    for (let i = 0; i < 20; i++) counted.put(`t${i}`).writeUint(i);
    if (withSecret) counted.put(SECRET_KEY).writeString(SECRET);
    const set = map.put('members').countedHashSet();
    for (let i = 0; i < 20; i++) set.add(`m${i}`);
    if (withSecret) set.add(SECRET_KEY);
    const sorted = map.put('index').sortedMap();
    for (let i = 0; i < 100; i++) sorted.put(`entry-${String(i).padStart(3, '0')}`).writeUint(i);
    if (withSecret) sorted.put(SECRET_KEY).writeString(SECRET);
    const sset = map.put('sorted-members').sortedSet();
    for (let i = 0; i < 40; i++) sset.add(`s${String(i).padStart(2, '0')}`);
    if (withSecret) sset.add(SECRET_KEY);
  });
  engine.transact((root) => {
    root.hashMap().put('users').hashMap().put('user-3').writeString('changed');
    root.hashMap().put('counter').writeUint(2);
  });
}

const DROPS = [
  ['users', 'alice', SECRET_KEY],
  ['tokens', SECRET_KEY],
  ['members', SECRET_KEY],
  ['index', SECRET_KEY],
  ['sorted-members', SECRET_KEY],
];

describe('compactInto with drop', () => {
  it('removes each dropped path from every kept moment: no byte of the secret or its key reaches the file', () => {
    const { engine, storage } = newSource();
    build(engine, true);
    expect(contains(storage.toBytes(), SECRET)).toBe(true);
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { keep: () => true, drop: DROPS });
    const bytes = target.toBytes();
    expect(contains(bytes, SECRET)).toBe(false);
    expect(contains(bytes, SECRET_KEY)).toBe(false);
    const compacted = reopen(target);
    const { engine: clean } = newSource();
    build(clean, false);
    expect(compacted.momentCount).toBe(2);
    for (let i = 0; i < 2; i++) expect(dumpMoment(compacted, i)).toEqual(dumpMoment(clean, i));
  });

  it('leaves maps exactly as a remove would: verified, and counts right', () => {
    const { engine } = newSource();
    build(engine, true, 3);
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { keep: () => true, drop: DROPS });
    const compacted = reopen(target);
    // verifyDatabase checks the collapse rule, the counts and the sorted tree invariants.
    for (let i = 0; i < 2; i++) {
      const map = compacted.moment(i).asHashMap();
      expect(map.get('tokens')?.asHashMap().count()).toBe(20);
    }
    expect(verifyDatabase(compacted).problems).toEqual([]);
  });

  it('drops a key in a sorted map whose separators held it, and a whole child the key alone filled', () => {
    const { engine, storage } = newSource();
    const keys = Array.from({ length: 200 }, (_, i) => `key-${String(i).padStart(4, '0')}-with-a-long-tail`);
    engine.transact((root) => {
      const sorted = root.sortedMap();
      for (const key of keys) sorted.put(key).writeUint(1);
    });
    // Every key that became a separator (the first key of each split-off leaf): drop them all, and a run that empties a leaf.
    const dropped = keys.filter((_, i) => i % 8 === 0 || (i >= 40 && i < 60));
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { drop: dropped.map((key) => [key]) });
    const bytes = target.toBytes();
    for (const key of dropped) expect(contains(bytes, key)).toBe(false);
    expect(contains(storage.toBytes(), dropped[1] as string)).toBe(true);
    const compacted = reopen(target);
    expect(verifyDatabase(compacted).problems).toEqual([]);
    const left = [...compacted.moment(-1).asSortedMap().entries()].map((entry) => new TextDecoder().decode(entry.key.readBytes()));
    expect(left).toEqual(keys.filter((key) => !dropped.includes(key)));
  });

  it('keeps a structure shared with a place off the path whole there', () => {
    const { engine } = newSource();
    engine.transact((root) => {
      const map = root.hashMap();
      const profile = map.put('profile').hashMap();
      profile.put('name').writeString('Bob, with a long enough name');
      profile.put('secret').writeString(SECRET);
    });
    engine.transact((root) => {
      const map = root.hashMap();
      const profile = engine.moment(-1).asHashMap().get('profile');
      if (profile === undefined) throw new Error('missing');
      map.put('backup').writeSlot(profile);
    });
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { drop: [['profile', 'secret']] });
    const compacted = reopen(target);
    const root = compacted.moment(-1).asHashMap();
    expect(root.get('profile')?.asHashMap().has('secret')).toBe(false);
    expect(root.get('backup')?.asHashMap().get('secret')?.readString()).toBe(SECRET);
    expect(verifyDatabase(compacted).problems).toEqual([]);
  });

  it('collapses a trie whose dropped key shared a deep prefix, as a remove does', () => {
    // Many keys, so blocks below the root exist; drop most of them and compare with a source that removed them.
    const { engine } = newSource();
    const { engine: removedSource } = newSource();
    const fill = (root: WriteCursor): void => {
      const map = root.hashMap();
      for (let i = 0; i < 500; i++) map.put(`k${i}`).writeUint(i);
    };
    engine.transact(fill);
    removedSource.transact(fill);
    const dropped = Array.from({ length: 480 }, (_, i) => `k${i}`);
    removedSource.transact((root) => {
      const map = root.hashMap();
      for (const key of dropped) map.remove(key);
    });
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { drop: dropped.map((key) => [key]) });
    const viaRemove = new MemoryStorage({ durable: true });
    compactInto(removedSource, viaRemove);
    const compacted = reopen(target);
    expect(verifyDatabase(compacted).problems).toEqual([]);
    expect(dumpMoment(compacted, -1)).toEqual(dumpMoment(removedSource, -1));
    // The same trie shape: the copies of the two are the same bytes but for the trailer's time.
    expect(target.size()).toBe(viaRemove.size());
  });

  it('refuses list indices and malformed paths', () => {
    const { engine } = newSource();
    engine.transact((root) => root.hashMap().put('a').writeUint(1));
    expect(() => compactInto(engine, new MemoryStorage(), { drop: [['a', 0 as unknown as string]] })).toThrow(InvalidArgumentError);
    expect(() => compactInto(engine, new MemoryStorage(), { drop: [[]] })).toThrow(InvalidArgumentError);
    expect(() => compactInto(engine, new MemoryStorage(), { drop: 'a' as unknown as string[][] })).toThrow(InvalidArgumentError);
    expect(() => compactInto(engine, new MemoryStorage(), { drop: [[{ bytes: 1 } as unknown as string]] })).toThrow(InvalidArgumentError);
    expect(() => compactInto(engine, new MemoryStorage(), { drop: [Array.from({ length: 65 }, () => 'a')] })).toThrow(InvalidArgumentError);
  });

  it('drops a key with a format tag, and nothing when a path meets a list or a missing key', () => {
    const { engine } = newSource();
    const numberKey = (n: number) => ({ bytes: new TextEncoder().encode(String(n)), formatTag: new TextEncoder().encode('nu') });
    engine.transact((root) => {
      const map = root.hashMap();
      const counted = map.put('by-number').countedHashMap();
      for (let i = 0; i < 30; i++) counted.put(numberKey(i)).writeString(`number ${i} as a long value`);
      counted.put('1').writeString('the string one, not the number');
      const list = map.put('list').arrayList();
      list.append().writeString('an item, not a map');
    });
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { drop: [['by-number', numberKey(1)], ['list', 'x'], ['missing', 'y']] });
    const compacted = reopen(target);
    const counted = compacted.moment(-1).asHashMap().get('by-number')!.asHashMap();
    expect(counted.has(numberKey(1))).toBe(false);
    expect(counted.get('1')?.readString()).toBe('the string one, not the number');
    expect(counted.count()).toBe(30);
    expect(verifyDatabase(compacted).problems).toEqual([]);
    expect(compacted.moment(-1).asHashMap().get('list')?.asArrayList().count()).toBe(1);
  });
});
