// Operational basics: stats (cheap, and reachable bytes on demand) and
// consistent backups of a database in use.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, backup, type MapView } from '../../src/node.js';
import { MemoryStorage, dumpDatabase } from '../../src/engine.js';

describe('Database.stats', () => {
  it('reports sizes and moments, and how much of the file the latest moment reaches', async () => {
    const db = await open();
    expect(db.stats()).toMatchObject({ moments: 0, committedSize: 180, fileSize: 180 });
    db.set(['big'], 'x'.repeat(10_000));
    const afterBig = db.stats({ reachable: true });
    expect(afterBig.reachableBytes).toBeGreaterThan(10_000);
    expect(afterBig.reachableBytes).toBeLessThan(afterBig.committedSize);
    // Replacing the value leaves the old one in history: the file grows, the latest moment shrinks.
    db.set(['big'], 'small');
    const after = db.stats({ reachable: true });
    expect(after.moments).toBe(2);
    expect(after.committedSize).toBeGreaterThan(afterBig.committedSize);
    expect(after.reachableBytes).toBeLessThan(1000);
    expect(after.fileSize).toBe(after.committedSize);
  });

  it('counts shared structures once', async () => {
    const db = await open();
    db.set(['a'], { list: Array.from({ length: 1000 }, (_, i) => i) });
    const one = db.stats({ reachable: true }).reachableBytes!;
    db.transact((tx) => {
      tx.clone(['a'], ['b']);
      tx.clone(['a'], ['c']);
    });
    const three = db.stats({ reachable: true }).reachableBytes!;
    expect(three - one).toBeLessThan(2000);
  });
});

describe('backup', () => {
  it('copies a database in use into a file that opens as a normal database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratadb-backup-'));
    try {
      const db = await open(join(dir, 'live.xit'));
      for (let i = 0; i < 20; i++) db.set(['n'], i);
      db.set(['doc'], { title: 'kept' });
      const result = backup(db, join(dir, 'copy.xit'));
      expect(result.moments).toBe(21);
      // The writer goes on; the copy is the state at the backup.
      db.set(['n'], 99);
      db.close();
      const copy = await open(join(dir, 'copy.xit'), { readOnly: true });
      expect(copy.momentCount).toBe(21);
      expect(copy.get(['n'])).toBe(19);
      expect((copy.get(['doc']) as MapView).toJS()).toEqual({ title: 'kept' });
      copy.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the committed state even from inside a running transaction', async () => {
    const db = await open();
    db.set(['n'], 1);
    const target = new MemoryStorage();
    db.transact((tx) => {
      tx.set(['n'], 2);
      db.backup(target);
    });
    const copy = await open(target.toBytes());
    expect(copy.momentCount).toBe(1);
    expect(copy.get(['n'])).toBe(1);
    expect(dumpDatabase(copy.engine).moments).toHaveLength(1);
  });
});
