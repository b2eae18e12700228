// The file storage's memory budget, measured where it matters: the peak
// resident memory of a process that writes a value much larger than the budget
// through the streaming writer, and of one that reads it back. Each runs in a
// child process of its own (from the build), so that the peak is its own.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { Engine } from '../../src/history/engine.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import { sha1Hasher } from '../../src/hash/sha1.js';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = join(root, 'dist', 'src', 'node.js');
const MIB = 1024 * 1024;
const VALUE_MIB = 64;
const BUDGET = 8 * MIB;
// What a process may hold on top of the budget: the fixed overheads that
// FileStorageOptions.memoryBudget lists (1 MiB of flush staging, a page,
// bookkeeping), the child's 1 MiB chunk, and the heap's growth from the work
// itself. Measured on this project's machine: the writer's peak grew by
// 14.4 MiB and the reader's by 8.8 MiB under the 8 MiB budget (66 and 65 MiB
// before the budget existed); with budgets of 2, 16 and 32 MiB the growth was
// the budget plus 4 to 7 MiB.
const OVERHEAD = 12 * MIB;

// Writes VALUE_MIB MiB in 1 MiB chunks (each chunk a different byte) through
// the streaming writer, or reads it back in 4 KiB pieces (smaller than a page,
// so through the page cache) and checks every byte. Prints the peak resident
// size before and after the work, in bytes.
const child = `
import { open } from ${JSON.stringify(entry)};
const [mode, path, budget, mib] = process.argv.slice(1);
const peak = () => process.resourceUsage().maxRSS * 1024;
const db = await open(path, { memoryBudget: Number(budget), readOnly: mode === 'read' });
const chunk = new Uint8Array(1 << 20);
const piece = new Uint8Array(4096);
const before = peak();
if (mode === 'write') {
  db.engine.transact((root) => {
    const writer = root.hashMap().put('value').bytesWriter();
    for (let i = 0; i < Number(mib); i++) {
      chunk.fill(i & 255);
      writer.write(chunk);
    }
    writer.finish();
  });
} else {
  const reader = db.engine.moment(-1).asHashMap().get('value').bytesReader();
  if (reader.size !== Number(mib) << 20) throw new Error('wrong size ' + reader.size);
  for (let at = 0, n; (n = reader.read(piece)) > 0; at += n) {
    const expected = (at >>> 20) & 255;
    if (piece[0] !== expected || piece[n - 1] !== expected) throw new Error('wrong byte at ' + at);
  }
}
db.close();
console.log(JSON.stringify({ before, after: peak() }));
`;

function run(mode: 'write' | 'read', path: string): { before: number; after: number } {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', child, mode, path, String(BUDGET), String(VALUE_MIB)], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(output) as { before: number; after: number };
}

const folder = mkdtempSync(join(tmpdir(), 'stratadb-budget-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const path = join(folder, 'large.xit');

describe('FileStorageOptions.memoryBudget', () => {
  it('keeps a writer of a 64 MiB value under an 8 MiB budget to the budget plus overhead, well below the value', () => {
    const { before, after } = run('write', path);
    expect(statSync(path).size).toBeGreaterThan(VALUE_MIB * MIB);
    expect(after - before).toBeLessThan(BUDGET + OVERHEAD);
  });

  it('keeps a reader of that 64 MiB file under an 8 MiB budget to the budget plus overhead', () => {
    const { before, after } = run('read', path);
    expect(after - before).toBeLessThan(BUDGET + OVERHEAD);
  });

  it('writes a transaction past the budget to the file before its commit, hides it from readers, and an abort cuts it', () => {
    const spillPath = join(folder, 'spill.xit');
    const writer = Engine.open(FileStorage.open(spillPath, { memoryBudget: 64 * 1024 }), { hasher: sha1Hasher });
    writer.transact((root) => root.hashMap().put('small').writeUint(1));
    const committed = writer.committedSize;
    const chunk = new Uint8Array(16 * 1024).fill(7);
    expect(() =>
      writer.transact((root) => {
        const bytes = root.hashMap().put('big').bytesWriter();
        for (let i = 0; i < 32; i++) bytes.write(chunk);
        bytes.finish();
        // 512 KiB under a 64 KiB budget: most of it is in the file already, past the committed size.
        expect(statSync(spillPath).size).toBeGreaterThan(committed + 256 * 1024);
        const reader = Engine.open(FileStorage.open(spillPath, { readOnly: true }), { hasher: sha1Hasher });
        expect(reader.momentCount).toBe(1);
        expect(reader.moment(-1).asHashMap().get('big')).toBeUndefined();
        reader.close();
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(statSync(spillPath).size).toBe(committed);
    expect(writer.momentCount).toBe(1);
    writer.close();
  });
});
