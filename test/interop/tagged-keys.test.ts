// Tagged keys across implementations (FORMAT.md §Hashing, tagged keys). xitdb-java
// hashes a key's bytes alone, format tag or not; stratadb hashes 0xFF, the tag
// and the bytes. Files of each read back in the other as data/README.md says;
// the Java side ran outside this repository, its output is the oracle here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { open } from '../../src/index.js';
import { steppingClock } from '../support/sample-databases.js';

const DATA = join(import.meta.dirname, 'data');
const utf8 = new TextEncoder();
const tagged = (text: string, tag: string): { bytes: Uint8Array; formatTag: Uint8Array } => ({ bytes: utf8.encode(text), formatTag: utf8.encode(tag) });

/** The script that wrote stratadb-tagged-keys.db: the keys Java's make-keys writes, hashed this build's way. */
function writeTaggedSample(): Uint8Array {
  // Durable, as a file (the commit trailer checksums the commit's data), and a stepping clock: the same bytes every run.
  const storage = new MemoryStorage({ durable: true });
  const db = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  db.transact((root) => {
    const map = root.hashMap();
    const counted = map.put('counted').countedHashMap();
    counted.put(tagged('1', 'nu')).writeString('number one');
    counted.put(tagged('#t', 'bl')).writeString('true');
    counted.put(tagged('', 'nl')).writeString('null');
    counted.put('nl').writeString('Netherlands');
    counted.put('de').writeString('Germany');
    const set = map.put('set').countedHashSet();
    set.add(tagged('2', 'nu'));
    set.add(tagged('a long tagged member, stored as long bytes', 'in'));
    set.add('plain');
  });
  return storage.toBytes().slice();
}

function read(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(DATA, name)));
}

function json(name: string): unknown {
  return JSON.parse(readFileSync(join(DATA, name), 'utf8'));
}

function engineOf(bytes: Uint8Array, readOnly = true): Engine {
  return Engine.open(MemoryStorage.fromBytes(bytes, { readOnly }), { hasher: sha1Hasher });
}

describe('tagged keys xitdb-java 0.32 wrote (hashed over their bytes alone)', () => {
  const bytes = read('java-tagged-keys.db');

  it('dump as Java dumps them and verify clean', () => {
    const engine = engineOf(bytes);
    expect(dumpDatabase(engine)).toEqual(json('java-tagged-keys.java.json'));
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('are found through the JS API by the values they encode', async () => {
    const db = await open(MemoryStorage.fromBytes(bytes.slice(), { readOnly: false }), { hasher: sha1Hasher });
    const counted = db.get(['counted']) as { get(key: unknown): unknown; size: number };
    expect(counted.get(1)).toBe('number one');
    expect(counted.get(true)).toBe('true');
    expect(counted.get(null)).toBe('null');
    expect(counted.get('nl')).toBe('Netherlands');
    expect(counted.get('1')).toBeUndefined();
    expect((db.get(['set']) as { has(member: unknown): boolean }).has(2)).toBe(true);
    // A write to a key Java stored changes that pair; none is added.
    db.set(['counted', 1], 'changed');
    db.merge(['counted'], new Map<unknown, unknown>([[null, 'also changed'], [true, 'yes']]));
    expect(db.snapshot().toJS()).toMatchObject({ counted: new Map<unknown, unknown>([[1, 'changed'], [true, 'yes'], [null, 'also changed'], ['nl', 'Netherlands'], ['de', 'Germany']]) });
    expect((db.get(['counted']) as { size: number }).size).toBe(5);
    db.close();
  });
});

describe('tagged keys stratadb wrote', () => {
  const bytes = read('stratadb-tagged-keys.db');

  it('are still what this build writes, byte for byte', () => {
    expect(Buffer.from(writeTaggedSample()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('read back in xitdb-java exactly as stratadb reads them', () => {
    expect(dumpDatabase(engineOf(bytes))).toEqual(json('stratadb-tagged-keys.java.json'));
  });

  it("are not found by xitdb-java's lookup, which hashes the bytes alone; untagged keys are", () => {
    expect(json('stratadb-tagged-keys.java-lookup.json')).toEqual({
      'counted/#nu:1': false,
      'counted/#bl:#t': false,
      'counted/#nl:': false,
      'counted/nl': true,
      'set/#nu:2': false,
      'set/plain': true,
    });
    // And Java's own file, where its lookup finds every key.
    expect(json('java-tagged-keys.java-lookup.json')).toEqual({
      'counted/#nu:1': true,
      'counted/#bl:#t': true,
      'counted/#nl:': true,
      'counted/nl': true,
      'set/#nu:2': true,
      'set/plain': true,
    });
  });
});
