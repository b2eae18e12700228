// Sorted maps and sets between stratadb and xitdb-java 0.32 (FORMAT.md §Sorted
// maps). A file stratadb wrote reads back in xitdb-java exactly as stratadb
// reads it; xitdb-java ran the same script on its own, and its file reads here
// as Java reads it, with every sorted map's tree node for node the same shape
// as the one stratadb wrote (the same splits, separators and counts, the same
// leaves left by removes). The Java side ran outside this repository
// (test/interop/data/README.md); its files and dumps are the oracle here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { readBytesValue } from '../../src/core/bytes-values.js';
import { BRANCH, readNode, readSortedHeader } from '../../src/sorted/node.js';
import { checkSortedTree } from '../../src/sorted/check.js';
import type { BlockIO } from '../../src/core/block-io.js';
import type { Slot } from '../../src/format/slot.js';

const DATA = join(import.meta.dirname, 'data');

const pad = (n: number): string => String(n).padStart(4, '0');

/** The script that wrote sorted-stratadb-written.db; tools/WriteSortedSample.java runs the same one in xitdb-java. */
function writeSortedSample(): Uint8Array {
  const storage = new MemoryStorage();
  const db = Engine.open(storage, { hasher: sha1Hasher });
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
function appendToJavaFile(java: Uint8Array): Uint8Array {
  const storage = MemoryStorage.fromBytes(java.slice(), { readOnly: false });
  const db = Engine.open(storage, { hasher: sha1Hasher });
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

function open(bytes: Uint8Array): Engine {
  return Engine.open(MemoryStorage.fromBytes(bytes, { readOnly: true }), { hasher: sha1Hasher });
}

function javaJson(name: string): unknown {
  return JSON.parse(readFileSync(join(DATA, name), 'utf8'));
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A sorted map's tree without positions: node kinds, keys, separators and counts. */
function treeShape(io: BlockIO, header: number): unknown {
  const key = (slot: Slot): string => (slot.isEmpty ? '-' : hex(readBytesValue(io, slot, -1).bytes));
  const node = (position: number): unknown => {
    const read = readNode(io, position, position);
    if (read.kind !== BRANCH) return read.slots.slice(0, read.num).map((kv) => key(io.readSlot(kv.position + io.hashSize)));
    return {
      separators: read.separators.slice(0, read.num).map(key),
      counts: read.counts.slice(0, read.num),
      children: read.slots.slice(0, read.num).map((child) => node(child.position)),
    };
  };
  const { count, root } = readSortedHeader(io, header, header);
  return { count, root: node(root) };
}

describe('sorted maps written by stratadb, read by xitdb-java 0.32', () => {
  const written = new Uint8Array(readFileSync(join(DATA, 'sorted-stratadb-written.db')));

  it('are still what this build writes, byte for byte', () => {
    expect(Buffer.from(writeSortedSample()).equals(Buffer.from(written))).toBe(true);
  });

  it('read back in xitdb-java exactly as stratadb reads them', () => {
    expect(dumpDatabase(open(written))).toEqual(javaJson('sorted-stratadb-written.java.json'));
  });
});

describe('sorted maps written by xitdb-java 0.32 with the same script', () => {
  const java = new Uint8Array(readFileSync(join(DATA, 'sorted-java-written.db')));

  it('read here as xitdb-java reads them, and verify clean', () => {
    const engine = open(java);
    expect(dumpDatabase(engine)).toEqual(javaJson('sorted-java-written.java.json'));
    expect(verifyDatabase(engine).problems).toEqual([]);
  });

  it('take a moment stratadb appends, which xitdb-java reads back as stratadb does', () => {
    const appended = new Uint8Array(readFileSync(join(DATA, 'sorted-java-then-stratadb.db')));
    expect(Buffer.from(appendToJavaFile(java)).equals(Buffer.from(appended))).toBe(true);
    const engine = open(appended);
    expect(engine.momentCount()).toBe(4);
    expect(dumpDatabase(engine)).toEqual(javaJson('sorted-java-then-stratadb.java.json'));
    expect(verifyDatabase(engine).problems).toEqual([]);
    for (const name of ['big', 'set', 'fruit', 'new']) expect(checkSortedTree(engine.io, engine.moment(3).asHashMap().get(name)!.slot.position)).toEqual([]);
  });

  it('have, moment by moment, the tree stratadb writes: the same nodes, keys, separators and counts', () => {
    const ours = open(writeSortedSample());
    const theirs = open(java);
    expect(theirs.momentCount()).toBe(3);
    expect(ours.momentCount()).toBe(3);
    let compared = 0;
    for (let moment = 0; moment < 3; moment++) {
      for (const name of ['fruit', 'big', 'set', 'nested']) {
        const a = ours.moment(moment).asHashMap().get(name)!.slot.position;
        const b = theirs.moment(moment).asHashMap().get(name)!.slot.position;
        expect(treeShape(ours.io, a), `moment ${moment}, ${name}`).toEqual(treeShape(theirs.io, b));
        expect(checkSortedTree(theirs.io, b)).toEqual([]);
        compared++;
      }
    }
    expect(compared).toBe(12);
  });
});
