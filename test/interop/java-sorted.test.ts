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
import { appendToJavaFile, writeSortedSample } from './sorted-sample.js';

const DATA = join(import.meta.dirname, 'data');

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
    expect(engine.momentCount).toBe(4);
    expect(dumpDatabase(engine)).toEqual(javaJson('sorted-java-then-stratadb.java.json'));
    expect(verifyDatabase(engine).problems).toEqual([]);
    for (const name of ['big', 'set', 'fruit', 'new']) expect(checkSortedTree(engine.io, engine.moment(3).asHashMap().get(name)!.slot.position)).toEqual([]);
  });

  it('have, moment by moment, the tree stratadb writes: the same nodes, keys, separators and counts', () => {
    const ours = open(writeSortedSample());
    const theirs = open(java);
    expect(theirs.momentCount).toBe(3);
    expect(ours.momentCount).toBe(3);
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
