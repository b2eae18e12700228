// `stratadb compact`: output, --json, exit codes, the lock, progress only on a terminal.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { folder, run } from '../cli/support.js';
import { open } from '../../src/node.js';

async function sample(path: string, commits = 30): Promise<void> {
  const db = await open(path);
  for (let i = 0; i < commits; i++) db.set(['n', `k${i % 5}`], i);
  db.close();
}

describe('stratadb compact', () => {
  it('compacts and reports, as text and as JSON', async () => {
    const path = join(folder(), 'db.xit');
    await sample(path);
    const inode = statSync(path).ino;
    const text = await run(['compact', path]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^kept \d+ of 30 moments: \d+ -> \d+ bytes\n$/);
    expect(statSync(path).ino).not.toBe(inode);
    const json = await run(['compact', path, '--keep-last', '3', '--json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.out) as Record<string, unknown>;
    expect(result.file).toBe(path);
    expect(typeof result.sizeAfter).toBe('number');
    const db = await open(path, { readOnly: true });
    expect(db.get(['n', 'k4'])).toBe(29);
    db.close();
  });

  it('refuses a file another writer holds (LockedError, exit 1), a missing file (exit 1), and two keep options (exit 2)', async () => {
    const dir = folder();
    const path = join(dir, 'db.xit');
    await sample(path, 3);
    const writer = await open(path);
    const locked = await run(['compact', path]);
    expect(locked.code).toBe(1);
    expect(locked.err).toMatch(/cannot compact .* while another writer has it open.*\[LOCKED\]/);
    writer.close();
    expect((await run(['compact', join(dir, 'missing.xit')])).code).toBe(1);
    const both = await run(['compact', path, '--keep-last', '2', '--thin']);
    expect(both.code).toBe(2);
    expect((await run(['compact', path, '--since', 'not a date'])).code).toBe(2);
  });

  it('drops paths with --drop and keeps by time with --since and --thin', async () => {
    const path = join(folder(), 'db.xit');
    const db = await open(path);
    for (let i = 0; i < 12; i++) db.set(['user'], { name: 'a', token: `t${i}` });
    db.close();
    const dropped = await run(['compact', path, '--keep-last', '4', '--drop', 'user.token', '--json']);
    expect(dropped.code).toBe(0);
    expect(JSON.parse(dropped.out)).toMatchObject({ moments: 4, momentsBefore: 12 });
    const after = await open(path, { readOnly: true });
    for (const snapshot of after.moments()) expect(snapshot.toJS()).toEqual({ user: { name: 'a' } });
    after.close();
    expect((await run(['compact', path, '--since', '2000-01-01', '--json'])).code).toBe(0);
    const thin = await run(['compact', path, '--thin', '--json']);
    expect(JSON.parse(thin.out)).toMatchObject({ moments: 4 });
  });

  it('draws a progress bar only on a terminal', async () => {
    const path = join(folder(), 'db.xit');
    await sample(path, 10);
    const piped = await run(['compact', path]);
    expect(piped.progress).toBe('');
    const tty = await run(['compact', path], { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.progress).toContain('compact');
  });
});
