// Compaction's core (issue 16): the kept moments equal to the source's by the
// typed-JSON dump, with their times, metadata and kinds; every structure kind
// copied; verifyDatabase clean; recovery on open works on the new file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/storage/file-storage.js';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { Compaction, compactInto, selectMoments } from '../../src/compact/index.js';
import { InvalidArgumentError, TransactionError } from '../../src/errors.js';
import { linkedListGeneration } from '../../src/btree-list/generation.js';
import { dumpMoment, expectSameMoments, newSource, reopen } from './support.js';

function everyKind(engine: Engine): void {
  engine.transact((root) => {
    const map = root.hashMap();
    map.put('name').writeString('a fairly long string value that is stored as long bytes');
    map.put('n').writeUint(7);
    map.put('f').writeFloat(1.5);
    map.put('tagged').writeBytes(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 'by');
    const counted = map.put('counted').countedHashMap();
    for (let i = 0; i < 40; i++) counted.put(`key-${i}`).writeInt(-i);
    const set = map.put('set').hashSet();
    for (let i = 0; i < 20; i++) set.add(`member-${i}`);
    const cset = map.put('cset').countedHashSet();
    cset.add('x');
    cset.add('a long member, longer than eight bytes');
    const list = map.put('list').arrayList();
    for (let i = 0; i < 300; i++) list.append().writeUint(i);
    const linked = map.put('linked').linkedArrayList();
    for (let i = 0; i < 50; i++) linked.append().writeString(`item ${i}`);
    const sorted = map.put('sorted').sortedMap();
    for (let i = 0; i < 60; i++) sorted.put(`k${String(i).padStart(3, '0')}`).writeUint(i);
    const sset = map.put('sset').sortedSet();
    for (let i = 0; i < 30; i++) sset.add(`member number ${i}`);
    map.put('empty-list').arrayList();
    map.put('empty-linked').linkedArrayList();
    map.put('none').writeNone();
  });
  engine.transact((root) => {
    const map = root.hashMap();
    map.put('list').arrayList().slice(250);
    map.put('linked').linkedArrayList().slice(5, 30);
    map.put('sorted').sortedMap().remove('k010');
    map.put('set').hashSet().remove('member-3');
    map.put('counted').countedHashMap().remove('key-7');
  }, { meta: { message: 'trim', n: 2 } });
}

describe('compactInto', () => {
  it('keeps the latest moment of every structure kind, equal by dump, verified', () => {
    const { engine } = newSource();
    everyKind(engine);
    const target = new MemoryStorage({ durable: true });
    const result = compactInto(engine, target);
    expect(result.kept).toEqual([1]);
    expect(result.moments).toBe(1);
    const compacted = reopen(target);
    expectSameMoments(engine, compacted, [1]);
    expect(result.size).toBe(target.size());
    expect(result.size).toBeLessThan(engine.committedSize);
    // The empty gen-1 list stays gen-1: only its layout says so (FORMAT.md §Compatibility).
    const empty = compacted.moment(-1).asHashMap().get('empty-linked');
    expect(linkedListGeneration(compacted.io, empty!.slot.position)).toBe(1);
  });

  it('writes trailers that recovery rolls forward over when the history header is lost', () => {
    const { engine } = newSource();
    everyKind(engine);
    engine.transact((root) => root.hashMap().put('n').writeUint(9), { meta: 'last' });
    const target = new MemoryStorage({ durable: true });
    const compaction = new Compaction(engine, target);
    compaction.copyMoments([0]);
    const early = target.toBytes().slice(12, 36);
    compaction.copyMoments([1, 2]);
    compaction.finish();
    const bytes = target.toBytes().slice();
    // A header that never reached the disk after the first commit: the trailers of the later two are whole.
    bytes.set(early, 12);
    const recovered = Engine.open(MemoryStorage.fromBytes(bytes, { durable: true, readOnly: false }), { hasher: sha1Hasher });
    expect(recovered.momentCount).toBe(3);
    expectSameMoments(engine, recovered, [0, 1, 2]);
    // The search by time walks the chain.
    expect(recovered.momentAt(engine.momentInfo(1).time as number)?.index).toBe(1);
  });

  it('keeps every moment when asked, with times, metadata and sharing', () => {
    const { engine } = newSource();
    everyKind(engine);
    engine.transact((root) => root.hashMap().put('n').writeUint(8), { meta: 'third' });
    const target = new MemoryStorage({ durable: true });
    const result = compactInto(engine, target, { keep: () => true });
    expect(result.kept).toEqual([0, 1, 2]);
    expectSameMoments(engine, reopen(target), [0, 1, 2]);
  });

  it('remaps a revert to the new index of the moment it restored, and makes it a transaction when that moment is gone', () => {
    const { engine } = newSource();
    for (let i = 0; i < 6; i++) engine.transact((root) => root.hashMap().put(`k${i}`).writeUint(i));
    engine.revert(2, { meta: 'back to 2' });
    engine.revert(4);
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target, { keep: (moment) => moment.index !== 4 });
    const compacted = reopen(target);
    expectSameMoments(engine, compacted, [0, 1, 2, 3, 5, 6, 7]);
    expect(compacted.momentInfo(5).restoredFrom).toBe(2);
    expect(compacted.momentInfo(6).restoredFrom).toBeUndefined();
    // Undo across kept moments works on the new file.
    compacted.undo(1);
    expect(dumpMoment(compacted, -1)).toEqual(dumpMoment(engine, 6));
  });

  it('copies a moment shared by two others once', () => {
    const { engine } = newSource();
    engine.transact((root) => {
      const map = root.hashMap();
      for (let i = 0; i < 200; i++) map.put(`key ${i}`).writeString(`a value long enough for long bytes ${i}`);
    });
    engine.transact((root) => {
      const map = root.hashMap();
      // The same map stored twice in one moment: shared in the source and in the copy.
      const inner = map.get('key 1');
      if (inner === undefined) throw new Error('missing');
      map.put('copy of the root').writeSlot(engine.moment(0));
    });
    const one = new MemoryStorage({ durable: true });
    compactInto(engine, one, { keep: { last: 1 } });
    const two = new MemoryStorage({ durable: true });
    compactInto(engine, two, { keep: { last: 2 } });
    // The second moment holds the first twice over, yet costs one copy of it.
    expect(two.size() - one.size()).toBeLessThan(1000);
    expectSameMoments(engine, reopen(two), [0, 1]);
  });

  it('is stable: compacting a compacted file again gives the same bytes', () => {
    const { engine } = newSource();
    everyKind(engine);
    const once = new MemoryStorage({ durable: true });
    compactInto(engine, once, { keep: () => true });
    const twice = new MemoryStorage({ durable: true });
    compactInto(reopen(once), twice, { keep: () => true });
    expect(twice.toBytes()).toEqual(once.toBytes());
  });

  it('copies more moments later, copying only records not copied yet', () => {
    const { engine } = newSource();
    everyKind(engine);
    const target = new MemoryStorage({ durable: true });
    const compaction = new Compaction(engine, target);
    compaction.copyMoments([0]);
    const afterFirst = compaction.blocksCopied;
    expectSameMoments(engine, reopen(target), [0]);
    engine.transact((root) => root.hashMap().put('late').writeString('a late change, after the first phase'));
    compaction.copyMoments([1, 2]);
    const result = compaction.finish();
    expect(result.kept).toEqual([0, 1, 2]);
    // Moment 2 changed one key: a path of blocks and one value, not a second copy of everything.
    expect(compaction.blocksCopied - afterFirst).toBeLessThan(afterFirst);
    expectSameMoments(engine, reopen(target), [0, 1, 2]);
    expect(() => compaction.copyMoments([2])).toThrow(InvalidArgumentError);
  });

  it('refuses a target that is not empty, indices out of order, and a database without history', () => {
    const { engine } = newSource();
    engine.transact((root) => root.hashMap().put('a').writeUint(1));
    engine.transact((root) => root.hashMap().put('a').writeUint(2));
    const full = new MemoryStorage();
    full.write(0, new Uint8Array(4));
    expect(() => compactInto(engine, full)).toThrow(InvalidArgumentError);
    const compaction = new Compaction(engine, new MemoryStorage());
    expect(() => compaction.copyMoments([1, 0])).toThrow(InvalidArgumentError);
    expect(() => compaction.copyMoments([2])).toThrow(InvalidArgumentError);
    expect(() => compaction.copyMoments([0.5])).toThrow(InvalidArgumentError);
    const flat = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, history: false });
    expect(() => compactInto(flat, new MemoryStorage())).toThrow(TransactionError);
    expect(() => selectMoments(flat)).toThrow(TransactionError);
  });
});

describe('compactInto on deeply nested data', () => {
  it('copies maps nested 20,000 deep without exhausting the stack', () => {
    const { engine } = newSource();
    const DEPTH = 20000;
    engine.transact((root) => {
      let map = root.hashMap();
      for (let i = 0; i < DEPTH; i++) map = map.put('a').hashMap();
      map.put('bottom').writeString('the value at the bottom of the chain');
    });
    const target = new MemoryStorage({ durable: true });
    compactInto(engine, target);
    const compacted = reopen(target);
    let cursor = compacted.moment(-1);
    for (let i = 0; i < DEPTH; i++) cursor = cursor.asHashMap().get('a')!;
    expect(cursor.asHashMap().get('bottom')?.readString()).toBe('the value at the bottom of the chain');
    // Children before parents: the innermost map lies first, the root last.
    expect(cursor.slot.position).toBeLessThan(compacted.moment(-1).slot.position);
  });
});

describe('compactInto into a file', () => {
  it('writes a complete database into a FileStorage without syncing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-compact-'));
    try {
      const { engine } = newSource();
      everyKind(engine);
      const path = join(dir, 'compacted.db');
      const file = FileStorage.open(path);
      let syncs = 0;
      const sync = file.sync.bind(file);
      file.sync = () => {
        syncs++;
        sync();
      };
      compactInto(engine, file, { keep: () => true });
      expect(syncs).toBe(0);
      file.close();
      const compacted = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
      expectSameMoments(engine, compacted, [0, 1]);
      compacted.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
