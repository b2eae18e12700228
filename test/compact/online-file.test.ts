// Online compaction of a database file (src/compact/compact-file.ts,
// swap-file.ts, Database.compact): the file is replaced atomically, the
// writer goes on on the new file, snapshots taken before stay readable,
// readers move on refresh, leftovers of killed compactions are removed, and a
// compaction is refused while another writer holds the file.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FileStorage, open } from '../../src/node.js';
import { InvalidArgumentError, LockedError, ReadOnlyError, TransactionError } from '../../src/errors.js';
import { verifyDatabase } from '../../src/history/verify.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stratadb-compact-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function history(path: string, commits: number): Promise<void> {
  const db = await open(path);
  for (let i = 0; i < commits; i++) db.transact((tx) => tx.set(['items', `k${i % 20}`], { i, text: 'x'.repeat(40) }), { meta: { step: i } });
  db.close();
}

describe('db.compact on a file', () => {
  it('replaces the file and goes on writing to the new one', async () => {
    const path = join(dir, 'a.xit');
    await history(path, 60);
    const db = await open(path);
    const before = db.snapshot();
    const inodeBefore = statSync(path).ino;
    const latest = db.snapshot().toJS() as { items: Record<string, unknown> };
    const result = db.compact();
    expect(statSync(path).ino).not.toBe(inodeBefore);
    expect(result.momentsBefore).toBe(60);
    expect(result.sizeBefore).toBeGreaterThan(0);
    expect(db.snapshot().toJS()).toEqual(latest);
    // The old snapshot reads the old file, still open.
    expect(before.toJS()).toEqual(latest);
    db.set(['after'], 1);
    expect(db.get(['after'])).toBe(1);
    expect(verifyDatabase(db.engine).ok).toBe(true);
    db.close();
    // No sibling left; the reopened file holds the commit made after the swap.
    expect(readdirSync(dir).filter((name) => name !== 'a.xit')).toEqual([]);
    const again = await open(path, { readOnly: true });
    expect(again.get(['after'])).toBe(1);
    expect((again.snapshot().toJS() as typeof latest).items.k3).toEqual(latest.items.k3);
    again.close();
  });

  it('a reader keeps its snapshots and moves to the new file on refresh', async () => {
    const path = join(dir, 'b.xit');
    await history(path, 30);
    const writer = await open(path);
    const reader = await open(path, { readOnly: true });
    const held = reader.snapshot();
    const heldJs = held.toJS();
    const oldEngine = reader.engine;
    writer.compact();
    writer.set(['new'], 'after the swap');
    // Before refresh the reader still reads the old file: its moment is whole.
    expect(reader.get(['new'])).toBeUndefined();
    reader.refresh();
    expect(reader.engine).not.toBe(oldEngine);
    expect(reader.get(['new'])).toBe('after the swap');
    expect(held.toJS()).toEqual(heldJs);
    writer.set(['new'], 'again');
    reader.refresh();
    expect(reader.get(['new'])).toBe('again');
    reader.close();
    writer.close();
  });

  it('removes siblings a killed compaction left, and never opens one as the database', async () => {
    const path = join(dir, 'c.xit');
    await history(path, 5);
    const leftover = `${path}.compacting-999999-0-7.tmp`;
    writeFileSync(leftover, 'half a database');
    const reader = await open(path, { readOnly: true });
    expect(existsSync(leftover)).toBe(true); // a reader removes nothing
    reader.close();
    const db = await open(path);
    expect(existsSync(leftover)).toBe(false);
    writeFileSync(leftover, 'again');
    db.compact();
    expect(existsSync(leftover)).toBe(false);
    db.close();
  });

  it('refuses a file opened as a storage, which it could only copy into memory', async () => {
    const path = join(dir, 'e.xit');
    await history(path, 3);
    const db = await open(FileStorage.open(path));
    expect(() => db.compact()).toThrow(InvalidArgumentError);
    expect(db.momentCount).toBe(3);
    db.close();
  });

  it('refuses on a read-only handle, inside a transaction, and while another writer holds the file', async () => {
    const path = join(dir, 'd.xit');
    await history(path, 3);
    const writer = await open(path);
    const reader = await open(path, { readOnly: true });
    expect(() => reader.compact()).toThrow(ReadOnlyError);
    expect(() => writer.transact(() => writer.compact())).toThrow(TransactionError);
    // A second writer (here or in another process) cannot even open the file to compact it.
    await expect(open(path)).rejects.toThrow(LockedError);
    reader.close();
    writer.close();
  });
});

describe('a reader of a compacted file', () => {
  // The collector, exposed at run time: the test needs to know when nothing reads the old file any more.
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc') as () => void;
  /** Collects, then lets finalization callbacks run. */
  async function collectAll(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      collect();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('closes the replaced file once no snapshot or view of it is left, and not before', async () => {
    const path = join(dir, 'r.xit');
    await history(path, 30);
    const reader = await open(path, { readOnly: true });
    const writer = await open(path);
    let snapshot: ReturnType<typeof reader.snapshot> | undefined = reader.snapshot(5);
    const oldStorage = reader.engine.storage as FileStorage;
    writer.compact();
    writer.set(['after'], 1);
    reader.refresh();
    expect(reader.get(['after'])).toBe(1);
    // Still read by the snapshot: open, and readable after a collection.
    await collectAll();
    expect(oldStorage.toJSON().closed).toBe(false);
    expect(snapshot.get(['items', 'k5', 'i'])).toBe(5);
    expect(snapshot.get(['items', 'k5', 'text'])).toBe('x'.repeat(40));
    // Nothing reads it now: the collector lets the database close it, which frees the old file's disk space.
    snapshot = undefined;
    await collectAll();
    expect(oldStorage.toJSON().closed).toBe(true);
    expect(reader.get(['after'])).toBe(1);
    reader.close();
    writer.close();
  });
});
