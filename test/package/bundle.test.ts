// What a browser app pays for the value API: a program that opens a memory
// database, writes and reads, bundled from dist/src/index.js ('stratadb') with
// esbuild, minified, as an app's bundler would. immutable.js, the engine's
// tools that the value API does not reach (verifyDatabase and the structure
// checkers among them), and the test doubles stay out.
//
// Sizes (esbuild 0.28, minified, ESM, platform browser):
//   before the entry points split (immutable.js imported by the value API): 183.1 KB
//     (157 KB when issue 18 was filed; 63 KB of it immutable.js)
//   after (immutable.js optional, in 'stratadb/immutable'): 120.1 KB, 39 KB gzipped
//   with the diff, change feed, commit trailers, sorted maps, gen-2 lists: 182.9 KB, 57.7 KB gzipped
//   structure checkers out of the kind table (2026-12-07): 171.6 KB, 54.0 KB gzipped
// Issue 18 asks for 60 KB minified, which this API does not reach by
// splitting: a program of the engine entry alone (openEngine, one map write)
// bundles to 124 KB (cursors 31 KB, history 22, hashes 12, RRB lists 12,
// sorted maps 10, core 10, gen-2 lists 8, format 6, HAMT 5, array lists 3.5),
// and the value API adds its views, values and paths (about 24 KB) and the diff
// behind db.diff, subscribe, watch and revertChanges (16 KB). SIZE_MAX guards
// what was reached, and is to come down as code is split, not to go up. On a
// failure the log line names each folder's share.

import { build, type Metafile } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = join(root, 'dist', 'src', 'index.js');

/**
 * The ceiling for the minified bundle below, in bytes: a guard against growth
 * nobody chose, not the 60 KB goal of issue 18, which is not reached. 120.1 KB
 * when the entry points split; 161.7 KB once the value API gained the diff,
 * the change feed and commit trailers; 182.9 KB with sorted maps and gen-2
 * lists, which the kind table brought in whole (every kind's reader, writer and
 * checker); 171.6 KB on 2026-12-07, once the checkers left the table for
 * kinds/verifiers.ts, which only verifyDatabase reaches; 192.7 KB with
 * compaction (issue 16), a chosen growth to be decided on: db.compact on a
 * memory database brings the copier and excision (compact 18.0 KB, a method
 * cannot be tree-shaken). Registering the memory compactor from a separate
 * entry would bring it back under 173 KB at the cost of db.compact working
 * on memory databases only after that import. Sorted maps in the value API
 * (sortedMap, sortedSet, their views, range, the ordered key encoding, their
 * diff and merge) added 16.0 KB on the sorted-api branch before this merge
 * (182.9 to 198.9 KB), and measure 213.0 KB merged with compaction (192.7 KB
 * without them): raised on purpose to 214 KB, reported to the lead. 214.8 KB
 * in session 8: the scans' read-ahead (core/read-ahead.ts, sorted/read-ahead.ts,
 * the direct byte copy; 1.4 KB) that brought sorted scans past half of
 * sorted-btree's speed, and retired-engines.ts: raised to 216 KB. 219.4 KB in
 * session 9: batched transactions (transactBatched on Database and Engine,
 * the queue, savepoints in tx-state.ts, the undo journal; 4.6 KB), a chosen
 * growth for issue 14's group commit: raised to 220 KB. 219.8 KB with session
 * 9's hash map walk (a block per visit, hamtItems). 220.1 KB in session 10:
 * ClosedError and tx.set's one-pass path walk (0.3 KB, the walk 0.89-0.92x
 * the time of the check-then-walk it replaced): raised to 221 KB. 223.0 KB
 * with session 10's hostile-input work (unknown options refused by name so
 * that a misspelt readOnly or keep cannot fall back to a default that writes
 * or drops history; revoked proxies, throwing getters and non-iterables
 * refused with typed errors; 2.9 KB): raised on purpose to 224 KB. 224.1 KB
 * with the rest of that work (sorted keys excised by their ordered encoding,
 * keep predicates checked, view arguments checked): 225 KB. 226.8 KB with
 * attackfiles' merge: the diff walks on a stack of its own with its work
 * bounded by the data (no RangeError at any depth, no 2^60 changes for a DAG),
 * the value walk and ls bounded likewise, the gen-2 list differ: 227 KB
 * (227.0 KB with ls refusing an over-long list before its first row). A
 * one-shot delete that finds nothing commits nothing (0.1 KB): 228 KB.
 * 227.8 KB in session 11: a transaction whose write failed part-way refuses
 * to go on or commit (0.7 KB). 229.0 KB with the gen-2 list differ that skips
 * the B-tree nodes two moments share (1.0 KB; a subscriber of a long gen-2
 * list paid its length per commit): raised on purpose to 230 KB. 229.6 KB in
 * session 12 with the byte pool that readBytes copies values into (0.2 KB).
 */
const SIZE_MAX = 230 * 1024;

/** A value-API program, as a browser app would write it against 'stratadb'. */
const PROGRAM = `
import { open, linkedList } from 'stratadb';
const db = await open();
db.transact((tx) => {
  tx.set(['users', 'alice'], { name: 'Alice', visits: 1, tags: new Set(['admin']) });
  tx.set(['queue'], linkedList(['a', 'b']));
});
db.update(['users', 'alice', 'visits'], (n) => (n ?? 0) + 1);
const copy = await open(db.bytes());
console.log(copy.get(['users', 'alice'])?.toJS(), db.momentCount);
`;

async function bundle(): Promise<{ size: number; inputs: string[]; contributing: string[]; byFolder: string }> {
  const result = await build({
    stdin: { contents: PROGRAM, resolveDir: root, loader: 'js' },
    alias: { stratadb: entry },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const metafile = result.metafile as Metafile;
  const output = Object.values(metafile.outputs)[0]!;
  // The modules whose code is in the output (an imported module whose exports are all unused adds nothing).
  const contributing = Object.entries(output.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : []));
  // Bytes by folder of dist/src (cursor, history, ...), largest first: what a failure below should look at.
  const folders = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const folder = /dist\/src\/([^/]+)\//.exec(input)?.[1] ?? 'other';
    folders.set(folder, (folders.get(folder) ?? 0) + bytesInOutput);
  }
  const byFolder = [...folders].sort((a, b) => b[1] - a[1]).map(([folder, bytes]) => `${folder} ${(bytes / 1024).toFixed(1)}`).join(', ');
  return { size: result.outputFiles[0]!.contents.length, inputs: Object.keys(metafile.inputs), contributing, byFolder };
}

describe('the browser bundle of a value-API program', () => {
  it(`is at most ${SIZE_MAX / 1024} KB minified, without immutable.js, the test doubles, node:* or the structure checkers`, async () => {
    expect(existsSync(entry), 'run `npm run build` first').toBe(true);
    const { size, inputs, contributing, byFolder } = await bundle();
    console.log(`value-API bundle: ${(size / 1024).toFixed(1)} KB minified, ${contributing.length} modules (KB by folder: ${byFolder})`);
    expect(inputs.some((input) => input.includes('dist/src/api/database.js'))).toBe(true);
    expect(inputs.filter((input) => /node_modules\/immutable|test-hashers|fault-storage|file-storage|node:/.test(input))).toEqual([]);
    // verifyDatabase ('stratadb/engine') and the structure checkers of the tests: none of it is reached from 'stratadb'.
    expect(contributing.filter((input) => /\/verify\.js$|verify-context|verifiers|tree-check|sorted\/check/.test(input))).toEqual([]);
    expect(size).toBeLessThanOrEqual(SIZE_MAX);
  });
});
