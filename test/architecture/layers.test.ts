// The house's layering, checked on the sources: folders in order errors and base,
// format, hash and storage, core, the structures (trie, rrb, hamt, btree-list,
// sorted), the table of their kinds, cursor, diff,
// history, compact, api, cli; each imports only lower layers or itself. The entry
// points (src/index.ts, engine.ts, testing.ts, immutable.ts, node.ts; open.ts below the API) sit on top. And no source
// file grows past 800 lines: one concept per file.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

/** Rank of each layer; a file may import ranks at or below its own. Equal ranks may import each other only within one folder. */
const RANK: Record<string, number> = {
  errors: 0,
  // Argument checks and how public objects show themselves: used by every layer, importing only errors.
  base: 0.5,
  format: 1,
  hash: 2,
  storage: 2,
  core: 3,
  trie: 4,
  rrb: 4,
  hamt: 4,
  'btree-list': 4,
  sorted: 4,
  // The table of structure kinds: it names every structure folder, and everything above reads it.
  kinds: 4.5,
  cursor: 5,
  // The structural diff: walks two values through the kinds' blocks and cursors; history and the API use it.
  diff: 5.5,
  history: 6,
  // Compaction: copies moments block by block into a new database; the API and CLI run it online.
  compact: 6.2,
  // open.ts picks the built-in hashers and opens an engine: above history, below the API.
  open: 6.5,
  api: 7,
  // Replication on NATS JetStream: above the API (it publishes a Database's commits), Node only, its own entry point.
  replication: 7.5,
  cli: 8,
  // The entry points: the browser-safe ones (value API, engine, test doubles,
  // immutable.js copies), and the Node one that extends the value API's.
  index: 9,
  engine: 9,
  testing: 9,
  immutable: 9,
  node: 10,
};

/** Imports that break the rules today, each to be removed by the architecture work; the list may only shrink. */
const KNOWN_WRONG_WAY = new Set<string>([]);

/** Files over the size limit today, to be split; the list may only shrink. */
const KNOWN_LARGE = new Set<string>([]);

const LINES_MAX = 800;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a source file: its folder under src, or its own name for a file at the top. */
function layerOf(path: string): string {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 ? (parts[0] as string) : (parts[0] as string).replace(/\.ts$/, '');
}

function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)) found.push(match[1] as string);
  for (const match of text.matchAll(/import\('(\.[^']+)'\)/g)) found.push(match[1] as string);
  return found.map((spec) => resolve(dirname(path), spec.replace(/\.js$/, '.ts')));
}

describe('the layers of src', () => {
  const files = sources(SRC);

  it('know every folder', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((layer) => RANK[layer] === undefined);
    expect(unknown).toEqual([]);
  });

  it('import only lower layers or their own', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        // The command line is a program on top of the package: nothing imports it.
        const ok = ((RANK[to] as number) < (RANK[from] as number) && to !== 'cli') || to === from;
        const edge = `${relative(SRC, file)} -> ${relative(SRC, target)}`;
        if (!ok && !KNOWN_WRONG_WAY.has(edge)) wrong.push(edge);
      }
    }
    expect(wrong).toEqual([]);
  });

  it(`keep every file under ${LINES_MAX} lines`, () => {
    const large = files
      .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ file, lines }) => lines > LINES_MAX && !KNOWN_LARGE.has(file));
    expect(large).toEqual([]);
  });

  it('has no stale entry in its lists of known exceptions', () => {
    const edges = new Set(files.flatMap((file) => importsOf(file).map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`)));
    expect([...KNOWN_WRONG_WAY].filter((edge) => !edges.has(edge))).toEqual([]);
    const large = new Set(files.filter((file) => readFileSync(file, 'utf8').split('\n').length > LINES_MAX).map((file) => relative(SRC, file)));
    expect([...KNOWN_LARGE].filter((file) => !large.has(file))).toEqual([]);
  });
});
