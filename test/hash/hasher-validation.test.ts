// A custom hasher is the caller's code: one with the wrong shape, the wrong
// output or a hashInto that writes nothing is refused with InvalidArgumentError
// before anything is written, and verification reports a failing hasher
// instead of throwing.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { hashIdFromName } from '../../src/format/file-header.js';
import { type Hasher, validateHasher } from '../../src/hash/hasher.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { fixedHasher, tinyHasher } from '../../src/hash/test-hashers.js';
import { Engine } from '../../src/history/engine.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { open } from '../../src/index.js';

const utf8 = new TextEncoder();
const ID = hashIdFromName('cust');

/** A 4-byte FNV-style hash of the key: deterministic and spread enough for small maps. */
function fnv4(key: Uint8Array): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193);
  return Uint8Array.of(h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
}

const good: Hasher = { id: ID, size: 4, hash: fnv4 };

/** A database with a few keys, written with `good`. */
function sampleBytes(): Uint8Array {
  const storage = new MemoryStorage();
  const engine = Engine.open(storage, { hasher: good });
  engine.transact((root) => {
    const map = root.hashMap();
    for (const key of ['k1', 'k2', 'k3', 'a long key that is stored as long bytes, past the short-bytes limit']) map.put(key).writeString(`v-${key}`);
  });
  return storage.toBytes();
}

/** Expects `open` on a fresh storage to refuse with InvalidArgumentError and write nothing. */
function expectRefusedOnCreate(hasher: unknown, message?: RegExp): void {
  const storage = new MemoryStorage();
  let thrown: unknown;
  try {
    Engine.open(storage, { hasher: hasher as Hasher });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidArgumentError);
  if (message !== undefined) expect((thrown as Error).message).toMatch(message);
  expect(storage.size()).toBe(0);
}

describe('validateHasher', () => {
  it('refuses hasher options that are not a hasher ({}, a number, a string, null, an array) on a new database, writing nothing', () => {
    for (const hasher of [{}, 5, 'sha1', null, [], { id: ID, size: 4 }, { size: 4, hash: fnv4 }]) expectRefusedOnCreate(hasher);
  });

  it('refuses the same options on an existing database with InvalidArgumentError, not a TypeError or IncompatibleDatabaseError', () => {
    const bytes = sampleBytes();
    for (const hasher of [{}, 5, 'sha1', null, [], { id: ID, size: 4 }]) {
      const storage = MemoryStorage.fromBytes(bytes.slice(), { readOnly: false });
      expect(() => Engine.open(storage, { hasher: hasher as Hasher })).toThrow(InvalidArgumentError);
      expect(storage.toBytes()).toEqual(bytes);
    }
  });

  it('refuses a size outside 1 to 64, a fractional size, an id that is not a u32 and a hashInto that is not a function', () => {
    for (const size of [0, 65, 1.5, -4, Number.NaN, '4']) expectRefusedOnCreate({ id: ID, size, hash: fnv4 }, /size/);
    for (const id of [-1, 2 ** 32, 0.5, 'cust', undefined]) expectRefusedOnCreate({ id, size: 4, hash: fnv4 }, /id/);
    expectRefusedOnCreate({ id: ID, size: 4, hash: fnv4, hashInto: 'yes' }, /hashInto/);
  });

  it('refuses a hash of the wrong length, or one that is not bytes, at open', () => {
    expectRefusedOnCreate({ id: ID, size: 5, hash: fnv4 }, /returned 4 bytes.*size is 5/);
    expectRefusedOnCreate({ id: ID, size: 4, hash: (key: Uint8Array) => Array.from(fnv4(key)) }, /returned an array/);
    expectRefusedOnCreate({ id: ID, size: 4, hash: () => 'abcd' }, /returned a string/);
    expectRefusedOnCreate({ id: ID, size: 4, hash: () => undefined }, /returned a undefined|returned an? undefined/);
  });

  it('refuses a hashInto that writes nothing, writes only part of the hash, or disagrees with hash', () => {
    expectRefusedOnCreate({ ...good, hashInto: () => {} }, /hashInto/);
    expectRefusedOnCreate({ ...good, hashInto: (key: Uint8Array, out: Uint8Array) => out.set(fnv4(key).subarray(0, 3)) }, /hashInto/);
    expectRefusedOnCreate({ ...good, hashInto: (key: Uint8Array, out: Uint8Array) => out.set(fnv4(key).reverse()) }, /hashInto/);
    // A correct hashInto passes.
    expect(validateHasher({ ...good, hashInto: (key: Uint8Array, out: Uint8Array) => out.set(fnv4(key)) }).size).toBe(4);
  });

  it('refuses a hash that is not deterministic', () => {
    let calls = 0;
    expectRefusedOnCreate({ id: ID, size: 4, hash: () => Uint8Array.of(0, 0, 0, calls++ & 0xff) }, /two different hashes/);
  });

  it('refuses a hasher that throws a plain error on probe keys, and accepts one that refuses keys with a StrataError', () => {
    expectRefusedOnCreate({ id: ID, size: 4, hash: () => { throw new TypeError('boom'); } }, /TypeError: boom/);
    // The fixed test hasher refuses keys outside its table with InvalidArgumentError: it still opens.
    const fixed = fixedHasher(2, new Map([['a', Uint8Array.of(1, 2)]]));
    const engine = Engine.open(new MemoryStorage(), { hasher: fixed });
    engine.transact((root) => root.hashMap().put('a').writeUint(1));
    expect(engine.moment(-1).asHashMap().get('a')?.readUint()).toBe(1n);
  });

  it('accepts the built-in and test hashers unchanged', () => {
    expect(validateHasher(sha1Hasher)).toBe(sha1Hasher);
    const tiny = tinyHasher(1);
    expect(validateHasher(tiny)).toBe(tiny);
  });

  it('refuses the hasher option of open() the same way', async () => {
    for (const hasher of [{}, 5, 'sha1']) await expect(open(undefined, { hasher: hasher as Hasher })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('checkedHash on use', () => {
  it('refuses a key whose hash has the wrong length (a key the probe did not see), writing nothing', () => {
    // Right on short keys, one byte short on keys of 1000 bytes or more.
    const sneaky: Hasher = { id: ID, size: 4, hash: (key) => (key.length >= 1000 ? fnv4(key).subarray(0, 3) : fnv4(key)) };
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sneaky });
    engine.transact((root) => root.hashMap().put('short').writeUint(1));
    const before = storage.toBytes();
    const longKey = 'x'.repeat(1000);
    expect(() => engine.transact((root) => root.hashMap().put(longKey).writeUint(2))).toThrow(InvalidArgumentError);
    expect(storage.toBytes()).toEqual(before);
    expect(() => engine.moment(-1).asHashMap().get(longKey)).toThrow(InvalidArgumentError);
    expect(engine.moment(-1).asHashMap().get('short')?.readUint()).toBe(1n);
  });
});

describe('verifyDatabase with a failing hasher', () => {
  it('reports a hasher that throws or returns the wrong length on a stored key as problems, and never throws', () => {
    const bytes = sampleBytes();
    const longKey = 'a long key that is stored as long bytes, past the short-bytes limit';
    // Passes the probe, then fails on stored keys: a TypeError for one, three bytes for others.
    const flaky: Hasher = {
      id: ID,
      size: 4,
      hash: (key) => {
        const text = new TextDecoder().decode(key);
        if (text === 'k2') throw new TypeError('flaky hasher');
        if (text === 'k3' || text === longKey) return fnv4(key).subarray(0, 3);
        return fnv4(key);
      },
    };
    const engine = Engine.open(MemoryStorage.fromBytes(bytes.slice()), { hasher: flaky });
    const report = verifyDatabase(engine);
    expect(report.ok).toBe(false);
    const messages = report.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/flaky hasher/);
    expect(messages).toMatch(/returned 3 bytes/);
    expect(report.problems.length).toBe(3);
    // With the right hasher the same bytes verify clean.
    expect(verifyDatabase(Engine.open(MemoryStorage.fromBytes(bytes.slice()), { hasher: good })).ok).toBe(true);
    expect(utf8.encode(longKey).length).toBeGreaterThan(8);
  });

  it('stops at maxProblems when the hasher fails on every key, without throwing', () => {
    const bytes = sampleBytes();
    let armed = false;
    const failing: Hasher = { id: ID, size: 4, hash: (key) => { if (armed) throw new RangeError('always'); return fnv4(key); } };
    const engine = Engine.open(MemoryStorage.fromBytes(bytes.slice()), { hasher: failing });
    armed = true;
    const report = verifyDatabase(engine, { maxProblems: 2 });
    expect(report.problems.length).toBe(2);
  });
});

describe('knownHashers', () => {
  it('are checked like the hasher option: not an array, or a bad entry, is InvalidArgumentError', () => {
    const bad: unknown[] = [{}, 'sha1', [null], [{}], [{ id: 1, size: 20, hash: () => new Uint8Array(3) }]];
    for (const knownHashers of bad) {
      expect(() => Engine.open(new MemoryStorage(), { knownHashers } as never)).toThrow(InvalidArgumentError);
      const existing = new MemoryStorage();
      Engine.open(existing, { hasher: sha1Hasher }).close();
      expect(() => Engine.open(MemoryStorage.fromBytes(existing.toBytes().slice()), { knownHashers } as never)).toThrow(InvalidArgumentError);
    }
  });
});
