// Commit trailers (FORMAT.md §Commit trailer, §Commit and recovery): rolling
// forward over commits whose header was lost, repairing torn headers, files
// another implementation appended to, the moments' times and metadata, the
// search by time, and hostile trailers.

import { readFileSync, mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/history/engine.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { dumpDatabase } from '../../src/history/dump.js';
import { verifyDatabase } from '../../src/history/verify.js';
import { HISTORY_HEADER_POSITION, HISTORY_HEADER_SIZE } from '../../src/format/constants.js';
import { TRAILER_SIZE_MIN, jumpSequence } from '../../src/format/commit-trailer.js';
import { trailerEndingAt } from '../../src/history/trailers.js';
import { commitAtOrBefore } from '../../src/history/moment-log.js';
import { CorruptDatabaseError, InvalidArgumentError, StrataError } from '../../src/errors.js';
import { open } from '../../src/index.js';
import { steppingClock } from '../support/sample-databases.js';

const START = Date.UTC(2026, 0, 1);

/** A durable memory database with `commits` one-key commits, one second apart; the header bytes after each commit. */
function history(commits: number): { bytes: Uint8Array; headers: Uint8Array[]; sizes: number[] } {
  const storage = new MemoryStorage({ durable: true });
  const engine = Engine.open(storage, { hasher: sha1Hasher, clock: steppingClock() });
  const headers: Uint8Array[] = [header(storage.toBytes())];
  const sizes: number[] = [storage.size()];
  for (let i = 0; i < commits; i++) {
    engine.transact((root) => root.hashMap().put(`k${i}`).writeUint(i));
    headers.push(header(storage.toBytes()));
    sizes.push(storage.size());
  }
  return { bytes: storage.toBytes().slice(), headers, sizes };
}

function header(bytes: Uint8Array): Uint8Array {
  return bytes.slice(HISTORY_HEADER_POSITION, HISTORY_HEADER_POSITION + HISTORY_HEADER_SIZE);
}

function withHeader(bytes: Uint8Array, stored: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.set(stored, HISTORY_HEADER_POSITION);
  return out;
}

function openMemory(bytes: Uint8Array, readOnly: boolean): { engine: Engine; storage: MemoryStorage } {
  const storage = MemoryStorage.fromBytes(bytes.slice(), { readOnly });
  return { engine: Engine.open(storage, { hasher: sha1Hasher }), storage };
}

describe('rolling forward over commits whose header was lost', () => {
  it('finds every whole commit after the header on disk; a read-only open writes nothing, a writer rewrites the header', () => {
    const { bytes, headers } = history(4);
    const expected = dumpDatabase(openMemory(bytes, true).engine);
    for (let stale = 0; stale < 4; stale++) {
      const damaged = withHeader(bytes, headers[stale] as Uint8Array);
      const reader = openMemory(damaged, true);
      expect(reader.engine.momentCount).toBe(4);
      expect(dumpDatabase(reader.engine)).toEqual(expected);
      expect(reader.storage.toBytes()).toEqual(damaged);
      const writer = openMemory(damaged, false);
      expect(writer.storage.toBytes()).toEqual(bytes);
    }
  });

  it('stops at the first commit whose bytes are not all there, and a writer cuts from there', () => {
    const { bytes, headers, sizes } = history(4);
    // Damage one byte of commit 3's data (its first record): commits 3 and 4 are not whole... only 3 is; 4 starts from 3's end.
    const damaged = withHeader(bytes, headers[2] as Uint8Array);
    damaged[(sizes[2] as number) + 3] = (damaged[(sizes[2] as number) + 3] as number) ^ 0x40;
    const writer = openMemory(damaged, false);
    expect(writer.engine.momentCount).toBe(2);
    expect(writer.storage.size()).toBe(sizes[2]);
    expect(verifyDatabase(writer.engine).problems).toEqual([]);
  });

  it('never rolls forward over the trailers of a memory database, which carry no data checksum', () => {
    const storage = new MemoryStorage();
    const engine = Engine.open(storage, { hasher: sha1Hasher });
    const before = header(storage.toBytes());
    engine.transact((root) => root.hashMap().put('a').writeUint(1));
    const reopened = openMemory(withHeader(storage.toBytes(), before), true);
    expect(reopened.engine.momentCount).toBe(0);
  });
});

describe('torn history headers', () => {
  it('repairs every prefix of the header write between two commits', () => {
    const { bytes, headers } = history(3);
    const old = headers[2] as Uint8Array;
    const fresh = headers[3] as Uint8Array;
    for (let kept = 0; kept <= HISTORY_HEADER_SIZE; kept++) {
      const torn = old.slice();
      torn.set(fresh.subarray(0, kept));
      const writer = openMemory(withHeader(bytes, torn), false);
      expect(writer.storage.toBytes(), `${kept} bytes kept`).toEqual(bytes);
    }
  });

  it('repairs a mix of old and new header bytes (random masks, beyond what a torn write leaves), or reports the last whole commit, cutting nothing', () => {
    const { bytes, headers } = history(40);
    let seed = 7;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let repaired = 0;
    for (let round = 0; round < 120; round++) {
      const k = 1 + Math.floor(random() * 38);
      const old = headers[k] as Uint8Array;
      const fresh = headers[k + 1] as Uint8Array;
      const torn = old.map((byte, i) => (random() < 0.5 ? (fresh[i] as number) : byte));
      const damaged = withHeader(bytes, torn);
      const storage = MemoryStorage.fromBytes(damaged.slice(), { readOnly: false });
      try {
        Engine.open(storage, { hasher: sha1Hasher });
        // Every commit after k is whole: a repaired open reaches the last.
        expect(storage.toBytes(), `round ${round}`).toEqual(bytes);
        repaired++;
      } catch (error) {
        expect(error, `round ${round}`).toBeInstanceOf(CorruptDatabaseError);
        expect(String(error)).toMatch(/the last whole commit in the file ends at \d+ with 40 moments/);
        expect(storage.toBytes()).toEqual(damaged);
      }
    }
    expect(repaired).toBeGreaterThan(60);
  });
});

describe('files another implementation appended to', () => {
  const DATA = join(import.meta.dirname, '..', 'interop', 'data');

  it('keep the other implementation\'s moment, and the chain of trailers goes on across it', () => {
    const appended = new Uint8Array(readFileSync(join(DATA, 'java-appended.db')));
    const storage = MemoryStorage.fromBytes(appended.slice(), { readOnly: false, durable: true });
    const engine = Engine.open(storage, { hasher: sha1Hasher, clock: () => START + 3_600_000 });
    expect(storage.toBytes()).toEqual(appended);
    expect(engine.momentCount).toBe(5);
    expect(engine.momentInfo(4).time).toBeUndefined();
    expect(engine.momentInfo(0).meta).toEqual({ message: 'every first-generation structure', author: 'stratadb' });
    engine.transact((root) => root.hashMap().put('after-java').writeUint(1), { meta: 'after java' });
    expect(engine.momentInfo(5)).toMatchObject({ index: 5, time: START + 3_600_000, meta: 'after java' });
    // Moments before the Java commit keep their times.
    expect(engine.momentInfo(3).time).toBe(START + 3000);
    expect(engine.momentInfo(4).time).toBeUndefined();
    const trailer = trailerEndingAt(storage, engine.committedSize);
    expect(trailer?.previousSize).toBe(appended.length);
    expect(trailer?.previousTrailerEnd).toBeLessThan(appended.length);
    // A power loss that loses the header after our commit still keeps Java's moment and ours.
    const lost = withHeader(storage.toBytes(), header(appended));
    const reopened = openMemory(lost, false);
    expect(reopened.engine.momentCount).toBe(6);
    expect(dumpDatabase(reopened.engine)).toEqual(dumpDatabase(engine));
  });
});

describe('times, metadata and the moment a revert restored', () => {
  it('are read back for every moment, through history slices and undo', async () => {
    const db = await open(undefined, { clock: steppingClock() });
    db.transact((tx) => tx.set(['a'], 1), { meta: { message: 'first', tags: ['x'] } });
    db.set(['b'], 2);
    db.undo(1, { meta: 'undo b' });
    db.set(['c'], 3);
    db.sliceHistory(2, { meta: 'slice' });
    db.transact((tx) => tx.set(['d'], 4), { meta: 'after slice' });
    db.revert(0);
    const seen = [...db.moments()].map((s) => ({ index: s.index, time: s.time, meta: s.meta, restoredFrom: s.restoredFrom }));
    expect(seen).toEqual([
      { index: 0, time: START, meta: { message: 'first', tags: ['x'] }, restoredFrom: undefined },
      { index: 1, time: START + 1000, meta: undefined, restoredFrom: undefined },
      { index: 2, time: START + 5000, meta: 'after slice', restoredFrom: undefined },
      { index: 3, time: START + 6000, meta: undefined, restoredFrom: 0 },
    ]);
    expect([...db.moments({ reverse: true })].map((s) => s.index)).toEqual([3, 2, 1, 0]);
    for (const snapshot of db.moments()) expect(snapshot.size).toBeGreaterThan(TRAILER_SIZE_MIN);
  });

  it('refuses metadata that JSON would change or lose, and options it does not know', async () => {
    const db = await open();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const meta of [new Date(0), new Map(), () => 1, 1n, Number.NaN, Infinity, cyclic, 'x'.repeat(70_000), [undefined]]) {
      expect(() => db.transact(() => undefined, { meta }), String(typeof meta)).toThrow(InvalidArgumentError);
    }
    expect(() => db.transact(() => undefined, { message: 'x' } as never)).toThrow(/no option "message"/);
    expect(db.momentCount).toBe(0);
  });

  it('keeps times in order when the clock goes back', () => {
    const times = [START + 5000, START + 1000, START + 7000, Number.NaN];
    let i = 0;
    const engine = Engine.open(new MemoryStorage(), { hasher: sha1Hasher, clock: () => times[i++] as number });
    for (let k = 0; k < 4; k++) engine.transact((root) => root.hashMap().put('k').writeUint(k));
    expect([0, 1, 2, 3].map((k) => engine.momentInfo(k).time)).toEqual([START + 5000, START + 5000, START + 7000, START + 7000]);
  });
});

describe('the moment at a time', () => {
  it('is found along jump pointers in O(log n) reads, and agrees with a linear search', () => {
    const count = 3000;
    const storage = new MemoryStorage();
    let now = START;
    // Irregular gaps, some commits at the same millisecond.
    const engine = Engine.open(storage, { hasher: sha1Hasher, clock: () => now });
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      now += i % 7 === 0 ? 0 : (i * 37) % 1000;
      engine.transact((root) => root.hashMap().put('i').writeUint(i));
      times.push(engine.momentInfo(-1).time as number);
    }
    const latest = trailerEndingAt(storage, engine.committedSize);
    expect(latest).toBeDefined();
    let maxReads = 0;
    for (let q = 0; q < 400; q++) {
      const target = START - 10 + Math.floor(((now - START + 20) * q) / 400);
      let expected = -1;
      for (let i = 0; i < count; i++) if ((times[i] as number) <= target) expected = i;
      let reads = 0;
      const found = commitAtOrBefore(storage, latest!, target, () => reads++);
      maxReads = Math.max(maxReads, reads);
      expect(found === undefined ? -1 : found.count - 1, `time ${target}`).toBe(expected);
      const at = engine.momentAt(target);
      expect(at === undefined ? -1 : Number(at.cursor.asHashMap().get('i')?.readUint())).toBe(expected);
    }
    // Two reads per step (a jump and a parent), a few steps per bit of 3000.
    expect(maxReads).toBeLessThan(4 * Math.log2(count) + 8);
  });

  it('reads a moment a later history slice dropped', async () => {
    const db = await open(undefined, { clock: steppingClock() });
    db.set(['v'], 'one');
    db.set(['v'], 'two');
    db.sliceHistory(1);
    db.set(['v'], 'three');
    const then = db.snapshotAt(START + 1000);
    expect(then?.get(['v'])).toBe('two');
    expect(db.snapshotAt(START - 1)).toBeUndefined();
    expect(db.snapshotAt(new Date(START + 60_000))?.get(['v'])).toBe('three');
    expect(() => db.snapshotAt('yesterday' as never)).toThrow(InvalidArgumentError);
  });

  it('names jump targets as the skew-binary rule says', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15].map(jumpSequence)).toEqual([0, 1, 0, 3, 4, 3, 0, 7, 8, 7, 7, 0]);
    for (let s = 1; s < 5000; s++) expect(jumpSequence(s)).toBeLessThan(s);
  });
});

describe('hostile trailers', () => {
  it('never crash an open, a roll forward or a time search, whatever their bytes', () => {
    const { bytes, headers, sizes } = history(6);
    let seed = 99;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 600; round++) {
      const k = 1 + Math.floor(random() * 5);
      const damaged = withHeader(bytes, headers[k] as Uint8Array);
      // Overwrite bytes inside the trailers after the header: fields, sizes, links.
      const trailerEnd = sizes[k + 1] as number;
      for (let n = 0; n < 1 + Math.floor(random() * 4); n++) {
        const at = trailerEnd - 1 - Math.floor(random() * TRAILER_SIZE_MIN);
        damaged[at] = Math.floor(random() * 256);
      }
      for (const readOnly of [true, false]) {
        try {
          const { engine } = openMemory(damaged, readOnly);
          for (let i = 0; i < engine.momentCount; i++) engine.momentInfo(i);
          engine.momentAt(START + 3000);
          dumpDatabase(engine);
        } catch (error) {
          expect(error, `round ${round}`).toBeInstanceOf(StrataError);
        }
      }
    }
  });
});

/** Writes `stored` over the history header of the file at `path`. */
function overwriteHeader(path: string, stored: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, stored, 0, stored.length, HISTORY_HEADER_POSITION);
  } finally {
    closeSync(fd);
  }
}

describe('a live writer', () => {
  it('keeps readers off the bytes past its header: a read-only open does not roll forward while it holds the lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-trailer-'));
    try {
      const path = join(dir, 'db.xit');
      const writer = Engine.open(FileStorage.open(path), { hasher: sha1Hasher });
      writer.transact((root) => root.hashMap().put('a').writeUint(1));
      const stale = header(new Uint8Array(readFileSync(path)));
      writer.transact((root) => root.hashMap().put('b').writeUint(2));
      // As if the writer were between its second commit's sync and its header write.
      overwriteHeader(path, stale);
      const reader = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
      expect(reader.momentCount).toBe(1);
      reader.close();
      writer.close();
      // With the writer gone, a reader rolls forward.
      overwriteHeader(path, stale);
      const after = Engine.open(FileStorage.open(path, { readOnly: true }), { hasher: sha1Hasher });
      expect(after.momentCount).toBe(2);
      after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
