// A writer keeps its exclusivity or stops: when its lock file is removed or
// replaced while it runs (a user's rm, a cleanup script), a second writer can
// open the file; the first one must then refuse to commit, write nothing, and
// leave the second one's commits intact. Never do both report success.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, lockPath, LockedError, openFile, FileStorage } from '../../src/node.js';
import { openEngine, verifyDatabase } from '../../src/engine.js';

const folder = (): string => mkdtempSync(join(tmpdir(), 'stratadb-exclusive-'));

describe('a writer whose lock file was removed', () => {
  it('refuses its next commit once a second writer got in, and the second writer loses nothing', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const first = await open(path);
    first.set(['by'], 'first');
    rmSync(lockPath(path));
    const second = await open(path);
    second.set(['by'], 'second');
    second.set(['second-only'], 1);
    // Before the fix both commits succeeded and wrote over each other.
    expect(() => first.set(['by'], 'first again')).toThrow(LockedError);
    expect(() => first.set(['other'], 2)).toThrow(LockedError);
    first.close(); // must not flush or cut anything of the second writer's file
    second.set(['after'], 3);
    expect(second.momentCount).toBe(4);
    second.close();
    const reader = await open(path, { readOnly: true });
    expect(reader.get(['by'])).toBe('second');
    expect(reader.get(['after'])).toBe(3);
    expect(reader.get(['other'])).toBeUndefined();
    reader.close();
    const engine = await openFile(path, { readOnly: true });
    expect(verifyDatabase(engine).problems).toEqual([]);
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses when the second writer has opened but not committed yet', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const first = await open(path);
    first.set(['k'], 1);
    rmSync(lockPath(path));
    const second = await open(path);
    expect(() => first.set(['k'], 2)).toThrow(LockedError);
    first.close();
    second.set(['k'], 3);
    second.close();
    const reader = await open(path, { readOnly: true });
    expect(reader.get(['k'])).toBe(3);
    expect(reader.momentCount).toBe(2);
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses when its lock file was replaced by another holder, or only removed', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const first = await open(path);
    first.set(['k'], 1);
    writeFileSync(lockPath(path), JSON.stringify({ pid: 1, host: hostname(), since: new Date().toISOString() }));
    expect(() => first.set(['k'], 2)).toThrow(/lock file .* was replaced by the lock of process 1 /);
    first.close();
    rmSync(lockPath(path));
    const again = await open(path);
    again.set(['k'], 5);
    rmSync(lockPath(path));
    expect(() => again.set(['k'], 6)).toThrow(LockedError);
    again.close();
    const reader = await open(path, { readOnly: true });
    expect(reader.get(['k'])).toBe(5);
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses when another writer changed the header, whatever the lock file says', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    const a = await open(path);
    a.set(['k'], 1);
    // A writer that takes no lock (lock: false): a's lock file stays a's, only the header tells.
    const b = await openEngine(FileStorage.open(path, { lock: false }));
    b.transact((root) => root.hashMap().put('k').writeUint(2));
    expect(() => a.set(['k'], 3)).toThrow(/another writer changed its header/);
    a.close();
    b.transact((root) => root.hashMap().put('j').writeUint(4));
    b.close();
    const reader = await open(path, { readOnly: true });
    expect(reader.get(['k'])).toBe(2);
    expect(reader.get(['j'])).toBe(4);
    expect(reader.momentCount).toBe(3);
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
