// Tests of FileStorage: the page cache, the write buffer, truncation, read-only
// files, and a model-based comparison against MemoryStorage with tiny pages.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CorruptDatabaseError, InvalidArgumentError, IoError, ReadOnlyError, StrataError } from '../../src/errors.js';
import { FileStorage, type FileStorageOptions } from '../../src/storage/file-storage.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';

let directory = '';
let opened: FileStorage[] = [];

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'stratadb-file-storage-'));
  opened = [];
});

afterEach(() => {
  for (const storage of opened) {
    try {
      storage.close();
    } catch {
      // Already reported by the test that broke it.
    }
  }
  fs.rmSync(directory, { recursive: true, force: true });
});

function file(name = 'db'): string {
  return path.join(directory, name);
}

function open(filePath: string, options: FileStorageOptions = {}): FileStorage {
  const storage = FileStorage.open(filePath, options);
  opened.push(storage);
  return storage;
}

/** `size` bytes that differ from one seed to the next and never repeat within a page. */
function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  for (let index = 0; index < size; index++) out[index] = (seed * 131 + index * 7 + (index >> 8)) & 255;
  return out;
}

function readAll(storage: FileStorage): Uint8Array {
  const out = new Uint8Array(storage.size());
  storage.read(0, out);
  return out;
}

/** Reads everything through `locate`, 40 bytes at a time: through the page cache, where `read` may bypass it. */
function locateAll(storage: FileStorage): Uint8Array {
  const out = new Uint8Array(storage.size());
  for (let position = 0; position < out.length; position += 40) {
    const length = Math.min(40, out.length - position);
    const offset = storage.locate(position, length);
    out.set(storage.bytes.subarray(offset, offset + length), position);
  }
  return out;
}

describe('FileStorage.open', () => {
  it('creates an empty file by default', () => {
    const storage = open(file());
    expect(storage.size()).toBe(0);
    expect(storage.readOnly).toBe(false);
    expect(fs.existsSync(file())).toBe(true);
  });

  it('refuses a missing file when create is false, with an IoError naming the path', () => {
    let caught: unknown;
    try {
      open(file(), { create: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IoError);
    expect((caught as IoError).message).toContain(file());
    expect((caught as IoError).cause).toBeInstanceOf(Error);
    expect(fs.existsSync(file())).toBe(false);
  });

  it('does not create a file when read-only', () => {
    expect(() => open(file(), { readOnly: true })).toThrow(IoError);
    expect(fs.existsSync(file())).toBe(false);
  });

  it('rejects read-only together with create', () => {
    expect(() => open(file(), { readOnly: true, create: true })).toThrow(StrataError);
    expect(fs.existsSync(file())).toBe(false);
  });

  it('rejects a page size that is not a power of two', () => {
    expect(() => open(file(), { pageSize: 24 })).toThrow(StrataError);
    expect(() => open(file(), { pageSize: 0 })).toThrow(StrataError);
  });

  it('starts with the size of an existing file', () => {
    fs.writeFileSync(file(), pattern(1000));
    const storage = open(file(), { readOnly: true });
    expect(storage.size()).toBe(1000);
    expect(readAll(storage)).toEqual(pattern(1000));
  });
});

describe('FileStorage.write', () => {
  it('round-trips bytes written across page boundaries', () => {
    const storage = open(file(), { pageSize: 16 });
    storage.write(0, pattern(5, 1));
    storage.write(5, pattern(100, 2));
    storage.write(20, pattern(30, 3));
    const model = new MemoryStorage();
    model.write(0, pattern(5, 1));
    model.write(5, pattern(100, 2));
    model.write(20, pattern(30, 3));
    expect(storage.size()).toBe(105);
    expect(readAll(storage)).toEqual(model.toBytes());
  });

  it('keeps writes out of the file until a flush', () => {
    const storage = open(file(), { pageSize: 64 });
    storage.write(0, pattern(200));
    expect(storage.stats.writeCalls).toBe(0);
    expect(fs.statSync(file()).size).toBe(0);
    storage.flush();
    expect(fs.readFileSync(file())).toEqual(Buffer.from(pattern(200)));
  });

  it('coalesces adjacent dirty pages into one writeSync', () => {
    const storage = open(file(), { pageSize: 16 });
    for (let position = 0; position < 160; position += 10) storage.write(position, pattern(10, position));
    storage.flush();
    expect(storage.stats.writeCalls).toBe(1);
  });

  it('flushes by itself at every write with a 1-byte write buffer', () => {
    const storage = open(file(), { pageSize: 64, writeBufferSize: 1 });
    storage.write(0, pattern(10, 1));
    expect(storage.stats.writeCalls).toBe(1);
    storage.write(10, pattern(10, 2));
    expect(storage.stats.writeCalls).toBe(2);
    expect(fs.statSync(file()).size).toBe(20);
  });

  it('flushes once more than writeBufferSize bytes are dirty', () => {
    const storage = open(file(), { pageSize: 1024, writeBufferSize: 64 });
    for (let index = 0; index < 8; index++) storage.write(index * 8, pattern(8, index));
    expect(storage.stats.writeCalls).toBe(0);
    storage.write(64, pattern(8, 8));
    expect(storage.stats.writeCalls).toBe(1);
    expect(fs.statSync(file()).size).toBe(72);
  });

  it('writes only the dirty ranges of edits in adjacent pages that do not touch', () => {
    const storage = open(file(), { pageSize: 16 });
    storage.write(0, pattern(48, 1));
    storage.flush();
    storage.write(10, pattern(6, 2)); // page 0, bytes 10..16: ends at the page end
    storage.write(20, pattern(5, 3)); // page 1, bytes 4..9: neither starts nor ends at an edge
    storage.write(32, pattern(16, 4)); // all of page 2
    storage.flush();
    expect(storage.stats.writeCalls).toBe(1 + 3);
    const expected = pattern(48, 1);
    expected.set(pattern(6, 2), 10);
    expected.set(pattern(5, 3), 20);
    expected.set(pattern(16, 4), 32);
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(expected);
  });

  it('refuses a write that would leave a hole', () => {
    const storage = open(file());
    storage.write(0, pattern(10));
    expect(() => storage.write(11, pattern(1))).toThrow(StrataError);
    expect(storage.size()).toBe(10);
  });

  it('overwrites flushed bytes in a page that is not cached', () => {
    fs.writeFileSync(file(), pattern(256, 1));
    const storage = open(file(), { pageSize: 64 });
    storage.write(70, pattern(10, 2));
    storage.close();
    const expected = pattern(256, 1);
    expected.set(pattern(10, 2), 70);
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(expected);
  });
});

describe('FileStorage.read', () => {
  it('reads back after a flush and after a reopen', () => {
    const storage = open(file(), { pageSize: 32 });
    storage.write(0, pattern(300));
    storage.flush();
    expect(readAll(storage)).toEqual(pattern(300));
    storage.close();
    const reopened = open(file(), { pageSize: 32 });
    expect(reopened.size()).toBe(300);
    expect(readAll(reopened)).toEqual(pattern(300));
  });

  it('sees unflushed writes in a large read that bypasses the cache (page mode)', () => {
    const storage = open(file(), { pageSize: 16, wholeFileSizeMax: 0 });
    storage.write(0, pattern(400, 1));
    storage.flush();
    storage.close();
    const reopened = open(file(), { pageSize: 16, wholeFileSizeMax: 0 });
    reopened.write(100, pattern(50, 2));
    reopened.write(400, pattern(40, 3));
    const expected = new Uint8Array(440);
    expected.set(pattern(400, 1));
    expected.set(pattern(50, 2), 100);
    expected.set(pattern(40, 3), 400);
    const readsBefore = reopened.stats.readCalls;
    expect(readAll(reopened)).toEqual(expected);
    // One direct read for what the file holds: no page-by-page misses.
    expect(reopened.stats.readCalls - readsBefore).toBe(1);
  });

  it('throws CorruptDatabaseError past the end', () => {
    const storage = open(file());
    storage.write(0, pattern(10));
    expect(() => storage.read(5, new Uint8Array(6))).toThrow(CorruptDatabaseError);
    expect(() => storage.read(-1, new Uint8Array(1))).toThrow(CorruptDatabaseError);
  });
});

describe('FileStorage.locate', () => {
  it('walks many blocks of one page with one readSync', () => {
    fs.writeFileSync(file(), pattern(64 * 1024));
    const storage = open(file(), { readOnly: true, pageSize: 16 * 1024 });
    const expected = pattern(64 * 1024);
    const expectedView = new DataView(expected.buffer);
    let firstView: DataView | null = null;
    for (let block = 0; block < 1000; block++) {
      const position = 16 * 1024 + ((block * 40) % (16 * 1024 - 8));
      const offset = storage.locate(position, 8);
      firstView ??= storage.view;
      expect(storage.view).toBe(firstView);
      expect(storage.view.getUint32(offset + 4)).toBe(expectedView.getUint32(position + 4));
    }
    expect(storage.stats.readCalls).toBe(1);
  });

  it('serves a range across two pages from a copy (page mode)', () => {
    const storage = open(file(), { pageSize: 16, wholeFileSizeMax: 0 });
    storage.write(0, pattern(64));
    const offset = storage.locate(12, 8);
    expect(storage.bytes.subarray(offset, offset + 8)).toEqual(pattern(64).subarray(12, 20));
    expect(storage.view.getUint32(offset + 2)).toBe(new DataView(pattern(64).buffer).getUint32(14));
  });

  it('serves a range longer than a page, growing its scratch buffer (page mode)', () => {
    const storage = open(file(), { pageSize: 16, wholeFileSizeMax: 0 });
    storage.write(0, pattern(1000));
    storage.flush();
    const offset = storage.locate(7, 500);
    expect(storage.bytes.subarray(offset, offset + 500)).toEqual(pattern(1000).subarray(7, 507));
  });

  it('throws CorruptDatabaseError past the end, with the position', () => {
    const storage = open(file());
    storage.write(0, pattern(10));
    expect(() => storage.locate(8, 4)).toThrow(CorruptDatabaseError);
    try {
      storage.locate(8, 4);
    } catch (error) {
      expect((error as CorruptDatabaseError).position).toBe(8);
    }
  });

  it('keeps working with a cache of one page and dirty pages to evict (page mode)', () => {
    const storage = open(file(), { pageSize: 16, cacheSize: 16, wholeFileSizeMax: 0 });
    storage.write(0, pattern(100));
    for (let position = 0; position + 8 <= 100; position += 5) {
      const offset = storage.locate(position, 8);
      expect(storage.bytes.subarray(offset, offset + 8)).toEqual(pattern(100).subarray(position, position + 8));
    }
    // Evicting the first dirty page flushed them all.
    expect(fs.statSync(file()).size).toBe(100);
  });

  it('evicts the least recently used clean page (page mode)', () => {
    fs.writeFileSync(file(), pattern(64));
    const storage = open(file(), { readOnly: true, pageSize: 16, cacheSize: 32, wholeFileSizeMax: 0 });
    storage.locate(0, 1);
    storage.locate(16, 1);
    storage.locate(0, 1); // page 0 is now the most recent
    storage.locate(32, 1); // evicts page 1
    expect(storage.stats.readCalls).toBe(3);
    storage.locate(0, 1);
    expect(storage.stats.readCalls).toBe(3);
    storage.locate(16, 1);
    expect(storage.stats.readCalls).toBe(4);
  });
});

describe('FileStorage in whole-file mode', () => {
  it('holds a file up to wholeFileSizeMax in memory and reads each page once, on first use', () => {
    fs.writeFileSync(file(), pattern(10_000));
    const storage = open(file(), { readOnly: true, pageSize: 1024, wholeFileSizeMax: 10_000 });
    expect(storage.wholeFile).toBe(true);
    expect(storage.stats.readCalls).toBe(0);
    const expected = pattern(10_000);
    for (let round = 0; round < 3; round++) {
      for (let position = 0; position + 40 <= 10_000; position += 97) {
        const offset = storage.locate(position, 40);
        expect(storage.bytes.subarray(offset, offset + 40)).toEqual(expected.subarray(position, position + 40));
      }
    }
    expect(storage.stats.readCalls).toBe(Math.ceil(10_000 / 1024));
    expect(readAll(storage)).toEqual(expected);
    expect(storage.stats.readCalls).toBe(Math.ceil(10_000 / 1024));
  });

  it('reads a run of unread pages with one readSync', () => {
    fs.writeFileSync(file(), pattern(4096));
    const storage = open(file(), { readOnly: true, pageSize: 64 });
    storage.locate(1000, 8);
    expect(storage.stats.readCalls).toBe(1);
    expect(readAll(storage)).toEqual(pattern(4096));
    // Before the page read first and after it: two runs.
    expect(storage.stats.readCalls).toBe(3);
  });

  it('uses the page cache for a file larger than wholeFileSizeMax', () => {
    fs.writeFileSync(file(), pattern(5000));
    const storage = open(file(), { readOnly: true, pageSize: 1024, wholeFileSizeMax: 4999 });
    expect(storage.wholeFile).toBe(false);
    expect(readAll(storage)).toEqual(pattern(5000));
  });

  it('holds no more than the file (rounded up to a segment) within wholeFileSizeMax, then switches to the page cache with everything flushed', () => {
    const budget = 300_000;
    const segment = 64 * 256;
    const storage = open(file(), { pageSize: 256, wholeFileSizeMax: budget, cacheSize: 4096 });
    const model = new MemoryStorage();
    let switchedAt = -1;
    for (let i = 0; i < 400; i++) {
      const chunk = pattern(1000, i);
      storage.write(storage.size(), chunk);
      model.write(model.size(), chunk);
      if (storage.wholeFile) {
        expect(storage.memorySize).toBe(Math.min(budget, Math.ceil(storage.size() / segment) * segment));
      } else if (switchedAt < 0) {
        switchedAt = storage.size();
        // The switch flushed what memory held: the file has all but the write that passed the budget.
        expect(fs.statSync(file()).size).toBe(switchedAt - 1000);
      }
    }
    expect(switchedAt).toBe(301_000);
    expect(storage.memorySize).toBeLessThanOrEqual(4096);
    expect(readAll(storage)).toEqual(model.toBytes());
    storage.close();
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(model.toBytes());
  });

  it('appends across segment boundaries, including appends that end exactly at one', () => {
    const storage = open(file(), { pageSize: 16 }); // 1 KiB segments
    const model = new MemoryStorage();
    const sizes = [1000, 24, 8, 1024, 1016, 8, 9, 2048, 1];
    for (const [i, size] of sizes.entries()) {
      storage.write(storage.size(), pattern(size, i));
      model.write(model.size(), pattern(size, i));
      const offset = storage.locate(storage.size() - 1, 1);
      expect(storage.bytes[offset]).toBe(model.toBytes()[model.size() - 1]);
    }
    expect(storage.appendZeros(1024 * 3 - (storage.size() % 1024))).toBe(model.appendZeros(1024 * 3 - (model.size() % 1024)));
    storage.write(storage.size(), pattern(5, 99));
    model.write(model.size(), pattern(5, 99));
    expect(readAll(storage)).toEqual(model.toBytes());
    storage.close();
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(model.toBytes());
  });

  it('takes memory only for the segments it reads from', () => {
    fs.writeFileSync(file(), pattern(1 << 20));
    const storage = open(file(), { readOnly: true, pageSize: 1024 });
    expect(storage.memorySize).toBe(0);
    storage.locate(500_000, 100);
    expect(storage.memorySize).toBe(64 * 1024);
    expect(storage.stats.readCalls).toBe(1);
    readAll(storage);
    expect(storage.memorySize).toBe(1 << 20);
  });

  it('serves a range across two segments from a copy, and reads it into both', () => {
    fs.writeFileSync(file(), pattern(4096));
    const storage = open(file(), { readOnly: true, pageSize: 16 }); // 1 KiB segments
    const offset = storage.locate(1020, 10);
    expect(storage.bytes.subarray(offset, offset + 10)).toEqual(pattern(4096).subarray(1020, 1030));
    expect(storage.stats.readCalls).toBe(2);
    const inside = storage.locate(1024, 6);
    expect(inside).toBe(0);
    expect(storage.bytes.subarray(0, 6)).toEqual(pattern(4096).subarray(1024, 1030));
    expect(storage.stats.readCalls).toBe(2);
  });

  it('keeps appended bytes in memory until a flush, then writes them with one writeSync per segment', () => {
    const storage = open(file(), { pageSize: 16 }); // 1 KiB segments
    for (let i = 0; i < 100; i++) storage.write(storage.size(), pattern(37, i));
    storage.write(500, pattern(9, 200)); // a rewrite inside the unflushed tail
    expect(storage.stats.writeCalls).toBe(0);
    expect(fs.statSync(file()).size).toBe(0);
    storage.flush();
    expect(storage.stats.writeCalls).toBe(Math.ceil(3700 / 1024));
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(readAll(storage));
  });

  it('writes a rewrite of flushed bytes as exactly its range', () => {
    fs.writeFileSync(file(), pattern(4096, 1));
    const storage = open(file(), { pageSize: 1024 });
    storage.write(12, pattern(24, 2)); // as a history header write
    storage.write(3000, pattern(100, 3)); // crosses no page; not read, only patched
    storage.flush();
    expect(storage.stats.writeCalls).toBe(2);
    const expected = pattern(4096, 1);
    expected.set(pattern(24, 2), 12);
    expected.set(pattern(100, 3), 3000);
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(expected);
    expect(readAll(storage)).toEqual(expected);
  });

  it('reads a page before a write that covers only part of it, and not before one that covers it', () => {
    fs.writeFileSync(file(), pattern(256, 1));
    const storage = open(file(), { pageSize: 64 });
    storage.write(64, pattern(64, 2)); // all of page 1
    expect(storage.stats.readCalls).toBe(0);
    storage.write(130, pattern(4, 3)); // part of page 2
    expect(storage.stats.readCalls).toBe(1);
    const expected = pattern(256, 1);
    expected.set(pattern(64, 2), 64);
    expected.set(pattern(4, 3), 130);
    expect(readAll(storage)).toEqual(expected);
  });

  it('honours an explicit writeBufferSize', () => {
    const storage = open(file(), { pageSize: 64, writeBufferSize: 100 });
    // Flushes once 120 and 240 bytes are dirty; the last 60 wait.
    for (let i = 0; i < 10; i++) storage.write(storage.size(), pattern(30, i));
    expect(storage.stats.writeCalls).toBe(2);
    expect(fs.statSync(file()).size).toBe(240);
  });

  it('refuses a wholeFileSizeMax that is negative, fractional or past 4 GiB', () => {
    expect(() => open(file(), { wholeFileSizeMax: -1 })).toThrow(StrataError);
    expect(() => open(file(), { wholeFileSizeMax: 1.5 })).toThrow(StrataError);
    expect(() => open(file(), { wholeFileSizeMax: 2 ** 32 + 1 })).toThrow(StrataError);
  });
});

describe('FileStorage memoryBudget', () => {
  it('reads a file larger than the budget through a page cache of at most the budget', () => {
    fs.writeFileSync(file(), pattern(100_000));
    const storage = open(file(), { readOnly: true, pageSize: 1024, memoryBudget: 16 * 1024 });
    expect(storage.wholeFile).toBe(false);
    expect(locateAll(storage)).toEqual(pattern(100_000));
    expect(storage.memorySize).toBeLessThanOrEqual(16 * 1024);
  });

  it('caps a larger wholeFileSizeMax and cacheSize at the budget', () => {
    fs.writeFileSync(file(), pattern(100_000));
    const storage = open(file(), { readOnly: true, pageSize: 1024, memoryBudget: 50_000, wholeFileSizeMax: 1_000_000, cacheSize: 1_000_000 });
    expect(storage.wholeFile).toBe(false);
    expect(locateAll(storage)).toEqual(pattern(100_000));
    expect(storage.memorySize).toBeLessThanOrEqual(50_000);
  });

  it('holds a file within the budget whole, as wholeFileSizeMax did', () => {
    fs.writeFileSync(file(), pattern(40_000));
    const storage = open(file(), { readOnly: true, pageSize: 1024, memoryBudget: 50_000 });
    expect(storage.wholeFile).toBe(true);
    expect(readAll(storage)).toEqual(pattern(40_000));
  });

  it('writes a transaction past the budget to the file before any flush, and never holds more than the budget', () => {
    const budget = 32 * 1024;
    const storage = open(file(), { pageSize: 1024, memoryBudget: budget });
    const model = new MemoryStorage();
    for (let i = 0; i < 60; i++) {
      const chunk = pattern(4096, i);
      storage.write(storage.size(), chunk);
      model.write(model.size(), chunk);
      expect(storage.memorySize).toBeLessThanOrEqual(budget);
    }
    // 240 KB written and never flushed: all but the last write buffer is already in the file.
    expect(fs.statSync(file()).size).toBeGreaterThan(model.size() - budget);
    expect(locateAll(storage)).toEqual(model.toBytes());
    storage.truncate(1000);
    expect(fs.statSync(file()).size).toBe(1000);
    expect(readAll(storage)).toEqual(model.toBytes().subarray(0, 1000));
  });

  it('cuts the page cache out of the segments it held when a writer outgrows the budget, so the switch does not hold the budget twice', () => {
    const budget = 64 * 1024;
    const storage = open(file(), { pageSize: 256, memoryBudget: budget }); // 16 KiB segments
    const model = new MemoryStorage();
    for (let i = 0; i < 30; i++) {
      storage.write(storage.size(), pattern(4096, i));
      model.write(model.size(), pattern(4096, i));
    }
    expect(storage.wholeFile).toBe(false);
    const offset = storage.locate(1000, 8);
    // A page of 256 bytes whose buffer is a 16 KiB segment: no new buffer was made for it.
    expect(storage.bytes.length).toBe(256);
    expect(storage.bytes.buffer.byteLength).toBe(16 * 1024);
    expect(storage.bytes.subarray(offset, offset + 8)).toEqual(model.toBytes().subarray(1000, 1008));
    expect(locateAll(storage)).toEqual(model.toBytes());
    expect(storage.memorySize).toBeLessThanOrEqual(budget);
  });

  it('refuses a memoryBudget that is negative, fractional or not a number', () => {
    expect(() => open(file(), { memoryBudget: -1 })).toThrow(InvalidArgumentError);
    expect(() => open(file(), { memoryBudget: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => open(file(), { memoryBudget: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => open(file(), { memoryBudget: '8' as unknown as number })).toThrow(InvalidArgumentError);
  });
});

describe('FileStorage.refresh', () => {
  for (const wholeFileSizeMax of [1_000_000, 0]) {
    const mode = wholeFileSizeMax === 0 ? 'page mode' : 'whole-file mode';

    it(`shows a reader what a writer appended since (${mode})`, () => {
      const writer = open(file(), { pageSize: 64 });
      writer.write(0, pattern(1000, 1));
      writer.flush();
      const reader = open(file(), { readOnly: true, pageSize: 64, wholeFileSizeMax });
      expect(locateAll(reader)).toEqual(pattern(1000, 1));
      writer.write(1000, pattern(500, 2));
      writer.write(12, pattern(24, 3)); // the header changes too
      writer.flush();
      reader.refresh(1000);
      const expected = new Uint8Array(1500);
      expected.set(pattern(1000, 1));
      expected.set(pattern(500, 2), 1000);
      expected.set(pattern(24, 3), 12);
      expect(reader.size()).toBe(1500);
      expect(locateAll(reader)).toEqual(expected);
    });

    it(`drops what it read past the stable size, which a writer may change in place (${mode})`, () => {
      const writer = open(file(), { pageSize: 64 });
      writer.write(0, pattern(1000, 1)); // committed: 1000 bytes
      writer.write(1000, pattern(500, 2)); // a running transaction's blocks, flushed early
      writer.flush();
      const reader = open(file(), { readOnly: true, pageSize: 64, wholeFileSizeMax });
      locateAll(reader); // reads the uncommitted bytes too, as a page holding committed ones would
      writer.write(1100, pattern(50, 3)); // the transaction changes its block in place
      writer.write(1500, pattern(100, 4));
      writer.flush();
      reader.refresh(1000);
      const expected = new Uint8Array(1600);
      expected.set(pattern(1000, 1));
      expected.set(pattern(500, 2), 1000);
      expected.set(pattern(50, 3), 1100);
      expected.set(pattern(100, 4), 1500);
      expect(locateAll(reader)).toEqual(expected);
    });

    it(`survives a new writer cutting away a tail the reader saw (${mode})`, () => {
      const first = open(file(), { pageSize: 64 });
      first.write(0, pattern(1000, 1)); // committed: 1000 bytes
      first.write(1000, pattern(500, 2)); // never committed
      first.close();
      const reader = open(file(), { readOnly: true, pageSize: 64, wholeFileSizeMax });
      expect(reader.size()).toBe(1500);
      // Recovery by the next writer: cut to the committed size, then new blocks.
      const second = open(file(), { pageSize: 64 });
      second.truncate(1000);
      // The page holding the committed size also held cut bytes: the committed ones still read.
      const offset = reader.locate(970, 30);
      expect(reader.bytes.subarray(offset, offset + 30)).toEqual(pattern(1000, 1).subarray(970, 1000));
      second.write(1000, pattern(300, 5));
      second.close();
      reader.refresh(1000);
      const expected = new Uint8Array(1300);
      expected.set(pattern(1000, 1));
      expected.set(pattern(300, 5), 1000);
      expect(reader.size()).toBe(1300);
      expect(locateAll(reader)).toEqual(expected);
    });
  }

  it('moves a reader to the page cache when the file grows past wholeFileSizeMax', () => {
    const writer = open(file(), { pageSize: 64 });
    writer.write(0, pattern(1000, 1));
    writer.flush();
    const reader = open(file(), { readOnly: true, pageSize: 64, wholeFileSizeMax: 2000 });
    expect(reader.wholeFile).toBe(true);
    locateAll(reader);
    writer.write(1000, pattern(1500, 2));
    writer.flush();
    reader.refresh(1000);
    expect(reader.wholeFile).toBe(false);
    const expected = new Uint8Array(2500);
    expected.set(pattern(1000, 1));
    expected.set(pattern(1500, 2), 1000);
    expect(locateAll(reader)).toEqual(expected);
  });

  it('grows a reader buffer to a larger file within the budget', () => {
    const writer = open(file(), { pageSize: 64 });
    writer.write(0, pattern(1000, 1));
    writer.flush();
    const reader = open(file(), { readOnly: true, pageSize: 64, wholeFileSizeMax: 100_000 });
    locateAll(reader);
    for (let i = 2; i < 40; i++) {
      writer.write(writer.size(), pattern(1000, i));
      writer.flush();
      reader.refresh(writer.size() - 1000);
      expect(reader.wholeFile).toBe(true);
      expect(reader.bytes.length).toBeLessThanOrEqual(100_000);
      expect(locateAll(reader)).toEqual(new Uint8Array(fs.readFileSync(file())));
    }
  });
});

describe('FileStorage.truncate', () => {
  it('cuts inside a dirty page and keeps the bytes before the cut', () => {
    const storage = open(file(), { pageSize: 64 });
    storage.write(0, pattern(50, 1));
    storage.flush();
    storage.write(50, pattern(100, 2)); // dirty from 50 to 150, across pages 0, 1, 2
    storage.truncate(90);
    storage.write(90, pattern(5, 3));
    const expected = new Uint8Array(95);
    expected.set(pattern(50, 1));
    expected.set(pattern(40, 2), 50);
    expected.set(pattern(5, 3), 90);
    expect(readAll(storage)).toEqual(expected);
    storage.close();
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(expected);
  });

  it('cuts before the dirty range of a page, leaving it clean', () => {
    const storage = open(file(), { pageSize: 64 });
    storage.write(0, pattern(20, 1));
    storage.flush();
    storage.write(20, pattern(20, 2));
    storage.truncate(10);
    storage.flush();
    expect(storage.stats.writeCalls).toBe(1);
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(pattern(10, 1));
  });

  it('shrinks the file when it held more', () => {
    const storage = open(file(), { pageSize: 16 });
    storage.write(0, pattern(100));
    storage.flush();
    storage.truncate(33);
    expect(fs.statSync(file()).size).toBe(33);
    expect(() => storage.locate(30, 4)).toThrow(CorruptDatabaseError);
    storage.write(33, pattern(3, 9));
    const offset = storage.locate(30, 6);
    expect(Array.from(storage.bytes.subarray(offset, offset + 6))).toEqual([...pattern(100).subarray(30, 33), ...pattern(3, 9)]);
  });

  it('refuses to grow', () => {
    const storage = open(file());
    storage.write(0, pattern(10));
    expect(() => storage.truncate(11)).toThrow(StrataError);
  });
});

describe('FileStorage.sync', () => {
  it('flushes then fdatasyncs once', () => {
    const storage = open(file(), { preallocationSize: 0 });
    storage.write(0, pattern(10));
    storage.sync();
    expect(storage.stats.syncCalls).toBe(1);
    expect(storage.stats.writeCalls).toBe(1);
    expect(fs.statSync(file()).size).toBe(10);
  });
});

describe('FileStorage preallocation', () => {
  const fileBytes = () => new Uint8Array(fs.readFileSync(file()));

  it('writes zeros past the data when a sync grows the file, overwrites them at the next syncs, and cuts them on close', () => {
    const storage = open(file());
    storage.write(0, pattern(10, 1));
    storage.sync();
    // At least 64 KiB (or the data's size), at most preallocationSize.
    expect(fs.statSync(file()).size).toBe(10 + 64 * 1024);
    expect(fileBytes().subarray(0, 10)).toEqual(pattern(10, 1));
    expect(fileBytes().subarray(10).every((byte) => byte === 0)).toBe(true);
    expect(storage.stats.writeCalls).toBe(2);
    storage.write(10, pattern(10, 2));
    storage.sync();
    expect(fs.statSync(file()).size).toBe(10 + 64 * 1024);
    expect(storage.stats.writeCalls).toBe(3);
    storage.close();
    const expected = new Uint8Array(20);
    expected.set(pattern(10, 1));
    expected.set(pattern(10, 2), 10);
    expect(fileBytes()).toEqual(expected);
  });

  it('reserves again once the data passes the zeros, never more than preallocationSize', () => {
    const storage = open(file(), { preallocationSize: 100 });
    storage.write(0, pattern(10, 1));
    storage.sync();
    expect(fs.statSync(file()).size).toBe(110);
    storage.write(10, pattern(50, 2));
    storage.sync();
    expect(fs.statSync(file()).size).toBe(110);
    storage.write(60, pattern(200, 3));
    storage.sync();
    expect(fs.statSync(file()).size).toBe(360);
    expect(readAll(storage).subarray(60)).toEqual(pattern(200, 3));
  });

  it('drops the zeros with the data when a truncation cuts into the data', () => {
    const storage = open(file());
    storage.write(0, pattern(100, 1));
    storage.sync();
    storage.truncate(40);
    expect(fileBytes()).toEqual(pattern(40, 1));
    storage.write(40, pattern(5, 2));
    storage.close();
    expect(fs.statSync(file()).size).toBe(45);
  });

  it('writes no zeros on a flush, on a sync after a truncation (as recovery does), or with preallocationSize 0', () => {
    const storage = open(file());
    storage.write(0, pattern(100, 1));
    storage.flush();
    expect(fs.statSync(file()).size).toBe(100);
    storage.close();
    const recovering = open(file());
    recovering.truncate(50);
    recovering.sync();
    expect(fs.statSync(file()).size).toBe(50);
    const other = open(file('other'), { preallocationSize: 0 });
    other.write(0, pattern(100, 1));
    other.sync();
    expect(fs.statSync(file('other')).size).toBe(100);
  });

  it('works the same in page mode', () => {
    const storage = open(file(), { wholeFileSizeMax: 0, pageSize: 64 });
    storage.write(0, pattern(100, 1));
    storage.sync();
    expect(fs.statSync(file()).size).toBe(100 + 64 * 1024);
    storage.write(100, pattern(100, 2));
    storage.sync();
    expect(fs.statSync(file()).size).toBe(100 + 64 * 1024);
    const expected = new Uint8Array(200);
    expected.set(pattern(100, 1));
    expected.set(pattern(100, 2), 100);
    expect(locateAll(storage)).toEqual(expected);
    storage.close();
    expect(fileBytes()).toEqual(expected);
  });

  it('refuses a negative or fractional preallocationSize', () => {
    expect(() => open(file(), { preallocationSize: -1 })).toThrow(StrataError);
    expect(() => open(file(), { preallocationSize: 0.5 })).toThrow(StrataError);
  });
});

describe('FileStorage read-only', () => {
  it('refuses writes, truncation and sync and leaves the file alone', () => {
    fs.writeFileSync(file(), pattern(100));
    const storage = open(file(), { readOnly: true });
    expect(storage.readOnly).toBe(true);
    expect(() => storage.write(0, pattern(1))).toThrow(ReadOnlyError);
    expect(() => storage.write(100, pattern(1))).toThrow(ReadOnlyError);
    expect(() => storage.truncate(50)).toThrow(ReadOnlyError);
    expect(() => storage.sync()).toThrow(ReadOnlyError);
    storage.flush();
    storage.close();
    expect(new Uint8Array(fs.readFileSync(file()))).toEqual(pattern(100));
  });
});

describe('FileStorage.close', () => {
  it('flushes, and later calls throw CLOSED', () => {
    const storage = open(file());
    storage.write(0, pattern(10));
    storage.close();
    expect(fs.statSync(file()).size).toBe(10);
    for (const call of [() => storage.size(), () => storage.locate(0, 1), () => storage.read(0, new Uint8Array(1)), () => storage.write(0, pattern(1)), () => storage.flush()]) {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StrataError);
      expect((caught as StrataError).code).toBe('CLOSED');
    }
    storage.close();
  });

  // The caches mark a closed storage by a logical size of -1, so that the hot
  // paths' range checks refuse it without a check of their own: every call, in
  // both modes and after a switch, must still report the close.
  for (const [mode, options] of [
    ['whole-file mode', {}],
    ['page mode', { wholeFileSizeMax: 0 }],
    ['page mode after a switch', { wholeFileSizeMax: 64, pageSize: 16 }],
  ] as const) {
    it(`refuses every call after close with CLOSED, and holds nothing (${mode})`, () => {
      const storage = open(file(), options);
      storage.write(0, pattern(100));
      if (mode === 'page mode after a switch') expect(storage.wholeFile).toBe(false);
      storage.close();
      expect(storage.wholeFile).toBe(false);
      expect(storage.memorySize).toBe(0);
      const calls = [
        () => storage.size(),
        () => storage.locate(0, 0),
        () => storage.locate(0, 1),
        () => storage.read(0, new Uint8Array(0)),
        () => storage.write(0, pattern(1)),
        () => storage.write(100, pattern(1)),
        () => storage.appendZeros(1),
        () => storage.appendCopy(0, 1),
        () => storage.truncate(0),
        () => storage.flush(),
        () => storage.sync(),
        () => storage.refresh(),
        () => storage.confirmWriter(0, new Uint8Array(1)),
      ];
      for (const call of calls) {
        let caught: unknown;
        try {
          call();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(StrataError);
        expect((caught as StrataError).code).toBe('CLOSED');
      }
      expect(fs.statSync(file()).size).toBe(100);
    });
  }
});

type Operation =
  | { kind: 'write'; at: number; size: number; seed: number }
  | { kind: 'appendToBoundary'; boundary: number; seed: number }
  | { kind: 'appendZeros'; size: number }
  | { kind: 'appendCopy'; at: number; size: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'read'; at: number; size: number }
  | { kind: 'locate'; at: number; size: number }
  | { kind: 'flush' }
  | { kind: 'reopen' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  // `at` is taken modulo size + 1, so -1 (half of the writes) appends: files then
  // outgrow the cache, and overwrites land in flushed, evicted pages.
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), at: fc.oneof(fc.constant(-1), fc.nat()), size: fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 150 })), seed: fc.nat({ max: 255 }) }) },
  // Up to the next multiple of a whole-file segment size (64 pages): edges random sizes rarely hit.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('appendToBoundary' as const), boundary: fc.constantFrom(64, 1024, 4096), seed: fc.nat({ max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('appendZeros' as const), size: fc.nat({ max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('appendCopy' as const), at: fc.nat(), size: fc.nat({ max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), at: fc.nat(), size: fc.nat({ max: 200 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('locate' as const), at: fc.nat(), size: fc.nat({ max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
);

const configuration = fc.record({
  pageSize: fc.constantFrom(1, 16, 64), // whole-file segments of 64 pages: 64 bytes, 1 KiB, 4 KiB
  cachePages: fc.integer({ min: 1, max: 4 }),
  writeBufferSize: fc.constantFrom(undefined, 0, 1, 64, 100_000),
  // Page mode only; whole-file mode throughout; whole-file mode until the file passes 300 bytes.
  wholeFileSizeMax: fc.constantFrom(0, 1_000_000, 300),
});

describe('FileStorage against MemoryStorage', () => {
  it('holds the same bytes under random writes, appends, truncations, flushes, reads and reopens, in both modes', () => {
    let run = 0;
    fc.assert(
      fc.property(configuration, fc.array(operation, { maxLength: 60 }), (config, operations) => {
        const filePath = file(`model-${run++}`);
        const options: FileStorageOptions = { pageSize: config.pageSize, cacheSize: config.pageSize * config.cachePages, wholeFileSizeMax: config.wholeFileSizeMax };
        if (config.writeBufferSize !== undefined) options.writeBufferSize = config.writeBufferSize;
        let storage = FileStorage.open(filePath, options);
        const model = new MemoryStorage();
        try {
          for (const step of operations) {
            const size = model.size();
            switch (step.kind) {
              case 'write': {
                const at = step.at < 0 ? size : step.at % (size + 1);
                storage.write(at, pattern(step.size, step.seed));
                model.write(at, pattern(step.size, step.seed));
                break;
              }
              case 'appendToBoundary': {
                const count = step.boundary - (size % step.boundary);
                storage.write(size, pattern(count, step.seed));
                model.write(size, pattern(count, step.seed));
                break;
              }
              case 'appendZeros':
                expect(storage.appendZeros(step.size)).toBe(model.appendZeros(step.size));
                break;
              case 'appendCopy': {
                const length = Math.min(step.size, size);
                const at = step.at % (size - length + 1);
                expect(storage.appendCopy(at, length)).toBe(model.appendCopy(at, length));
                break;
              }
              case 'truncate': {
                const at = step.at % (size + 1);
                storage.truncate(at);
                model.truncate(at);
                break;
              }
              case 'read': {
                const length = Math.min(step.size, size);
                const at = step.at % (size - length + 1);
                const actual = new Uint8Array(length);
                storage.read(at, actual);
                expect(actual).toEqual(model.toBytes().subarray(at, at + length));
                break;
              }
              case 'locate': {
                const length = Math.min(step.size, size);
                const at = step.at % (size - length + 1);
                const offset = storage.locate(at, length);
                expect(storage.bytes.subarray(offset, offset + length)).toEqual(model.toBytes().subarray(at, at + length));
                break;
              }
              case 'flush':
                storage.flush();
                break;
              case 'reopen':
                storage.close();
                storage = FileStorage.open(filePath, options);
                break;
            }
            expect(storage.size()).toBe(model.size());
          }
          expect(readAll(storage)).toEqual(model.toBytes());
          storage.close();
          expect(new Uint8Array(fs.readFileSync(filePath))).toEqual(model.toBytes());
        } finally {
          storage.close();
          fs.rmSync(filePath, { force: true });
        }
      }),
      { numRuns: Number(process.env.STRATADB_PROPERTY_RUNS ?? 1000) },
    );
  });
});
