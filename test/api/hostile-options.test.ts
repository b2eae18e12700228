// Options as careless callers pass them: a misspelt option, or a flag given as
// text. Each must be refused before anything is opened or rewritten, never
// fall back to its default (a default that writes a file meant to be read, or
// keeps only the latest moment of a history meant to be kept).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, open as openMemory } from '../../src/index.js';
import { open as openPath } from '../../src/node.js';
import { FileStorage, backup, breakStaleLock, openFile, readLockHolder } from '../../src/node.js';
import { MemoryStorage, openEngine } from '../../src/engine.js';

const folders: string[] = [];
function fileIn(): string {
  const folder = mkdtempSync(join(tmpdir(), 'stratadb-options-'));
  folders.push(folder);
  return join(folder, 'db.xit');
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('compact options', () => {
  it('a misspelt option is refused and every moment stays, not compacted to the latest', async () => {
    const db = await openMemory(undefined, { durability: 'flush' });
    for (let i = 0; i < 5; i++) db.set(['n'], i);
    expect(() => db.compact({ kep: { last: 3 } } as never)).toThrow(/compact has no option "kep"/);
    expect(() => db.compact({ keep: { last: 3 }, dorp: [['n']] } as never)).toThrow(InvalidArgumentError);
    expect(db.momentCount).toBe(5);
    expect(db.snapshot(0).get(['n'])).toBe(0);
    expect(db.compact({ keep: { last: 3 } }).moments).toBe(3);
  });
});

describe('open options', () => {
  it('open() refuses an option it does not take', async () => {
    await expect(openMemory(undefined, { readonly: true } as never)).rejects.toThrow(/open has no option "readonly"/);
  });

  it('open(path) refuses a misspelt readOnly before it takes the writer lock or creates the file', async () => {
    const path = fileIn();
    await expect(openPath(path, { readonly: true } as never)).rejects.toThrow(InvalidArgumentError);
    const db = await openPath(path, { durability: 'flush' });
    db.set(['a'], 1);
    db.close();
    await expect(openPath(path, { readonly: true } as never)).rejects.toThrow(/open has no option "readonly"/);
    // The options of the file storage and autoCompact are still taken.
    const reader = await openPath(path, { readOnly: true, cacheSize: 1 << 20, wholeFileSizeMax: 0 });
    expect(reader.get(['a'])).toBe(1);
    reader.close();
  });

  it('a flag given as text is refused, not read as true', async () => {
    const path = fileIn();
    await expect(openPath(path, { readOnly: 'no' } as never)).rejects.toThrow(/readOnly must be true or false, got string/);
    await expect(openMemory(undefined, { readOnly: 'false' } as never)).rejects.toThrow(InvalidArgumentError);
    expect(() => FileStorage.open(path, { create: 'yes' } as never)).toThrow(/create must be true or false/);
  });

  it('autoCompact refuses a misspelt keep or threshold', async () => {
    const path = fileIn();
    await expect(openPath(path, { autoCompact: { when: { fileSizeOver: 1 }, kep: { last: 10 } } } as never)).rejects.toThrow(/autoCompact has no option "kep"/);
    await expect(openPath(path, { autoCompact: { when: { fileSizeOver: 1, growthRatoi: 2 } } } as never)).rejects.toThrow(/autoCompact.when has no option "growthRatoi"/);
  });
});

describe('a clock that gives no number', () => {
  it('commits with the previous time instead of failing the commit with a TypeError', async () => {
    let time: unknown = 1000;
    const db = await openMemory(undefined, { clock: () => time as number });
    db.set(['a'], 1);
    for (const bad of [5n, '2000', { valueOf: () => 3000 }, undefined]) {
      time = bad;
      db.set(['a'], 2);
      expect(db.snapshot().time).toBe(1000);
    }
    time = 4000;
    db.set(['a'], 3);
    expect(db.snapshot().time).toBe(4000);
    expect(db.momentCount).toBe(6);
  });
});

describe('options of reads', () => {
  it('subscribe, diff, moments and stats refuse a misspelt option instead of widening to everything or ignoring it', async () => {
    const db = await openMemory();
    db.set(['users', 'a'], 1);
    db.set(['other'], 1);
    expect(() => db.subscribe(() => undefined, { pth: ['users'] } as never)).toThrow(/subscribe has no option "pth" \(it takes path, onError\)/);
    expect(() => db.watch(['users'])).not.toThrow();
    expect(() => [...db.diff(0, 1, { pth: ['users'] } as never)]).toThrow(/diff has no option "pth"/);
    expect(() => [...db.snapshot(0).diff(db.snapshot(1), { pth: ['users'] } as never)]).toThrow(InvalidArgumentError);
    // A limit that is no whole number above 0 would compare without bound ('x' never compares greater).
    for (const maxValues of ['x', 0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => [...db.diff(0, 1, { maxValues } as never)], String(maxValues)).toThrow(/maxValues is a whole number of values above 0/);
    }
    expect([...db.diff(0, 1, { maxValues: 1000 })].length).toBeGreaterThan(0);
    expect(() => [...db.moments({ revrse: true } as never)]).toThrow(/moments has no option "revrse"/);
    expect(() => [...db.moments({ reverse: 'yes' } as never)]).toThrow(/reverse must be true or false/);
    expect(() => db.stats({ reachabl: true } as never)).toThrow(/stats has no option "reachabl"/);
    expect([...db.moments({ reverse: true })].map((moment) => moment.index)).toEqual([1, 0]);
    expect([...db.diff(0, 1, { path: ['users'] })]).toEqual([]);
  });
});

describe('options of the cursor-level open calls', () => {
  it('openEngine and openFile refuse a misspelt option before opening, and take every real one', async () => {
    await expect(openEngine(new MemoryStorage(), { readonly: true } as never)).rejects.toThrow(/openEngine has no option "readonly"/);
    const path = fileIn();
    await expect(openFile(path, { readonly: true } as never)).rejects.toThrow(/openFile has no option "readonly"/);
    const writer = await openFile(path, { durability: 'flush', history: true, cacheSize: 1 << 20, lockTimeoutMs: 0 });
    writer.transact((root) => root.hashMap().put('a').writeUint(1));
    writer.close();
    const reader = await openFile(path, { readOnly: true, wholeFileSizeMax: 0 });
    expect(reader.readOnly).toBe(true);
    expect(reader.moment(-1).asHashMap().get('a')?.readUint()).toBe(1n);
    reader.close();
  });
});

describe('node helpers given arguments of the wrong kind', () => {
  it('backup refuses what is no database before creating the target; the lock helpers refuse a path that is no string', async () => {
    const path = fileIn();
    for (const bad of [undefined, null, 5, {}, '']) {
      expect(() => backup(bad as never, path)).toThrow(/^backup copies a Database or an Engine, got /);
      if (typeof bad === 'string') continue;
      expect(() => readLockHolder(bad as never)).toThrow(/^a database path must be a string, got /);
      expect(() => breakStaleLock(bad as never)).toThrow(InvalidArgumentError);
    }
    expect(existsSync(path)).toBe(false);
    const db = await openMemory();
    db.set(['a'], 1);
    expect(() => backup(db, 5 as never)).toThrow(/^the backup path must be a string, got number$/);
    expect(backup(db, path).moments).toBe(1);
    expect(readLockHolder(path)).toBeUndefined();
  });
});
