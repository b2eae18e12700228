// The browser entries are browser-safe: no module reachable from
// dist/src/index.js, engine.js, testing.js or immutable.js imports a Node
// built-in (the Node entry, dist/src/node.js, may), and only immutable.js's
// entry reaches the optional peer immutable.js.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const builtins = new Set(builtinModules);

/** Every import specifier of every module reachable from `entry`, by module. */
function reachableImports(entry: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (found.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
      (match) => (match[1] ?? match[2] ?? match[3]) as string,
    );
    found.set(file, specifiers);
    for (const specifier of specifiers) if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier));
  }
  return found;
}

describe('the browser-safe entries', () => {
  it.each(['index', 'engine', 'testing', 'immutable'])('reach no Node built-in module from dist/src/%s.js', (name) => {
    const graph = reachableImports(join(root, 'dist', 'src', `${name}.js`));
    expect(graph.size).toBeGreaterThan(name === 'index' || name === 'engine' ? 20 : 2);
    const offenders: string[] = [];
    for (const [file, specifiers] of graph) {
      for (const specifier of specifiers) if (specifier.startsWith('node:') || builtins.has(specifier)) offenders.push(`${file} imports ${specifier}`);
    }
    expect(offenders).toEqual([]);
  });

  it.each(['index', 'engine', 'testing', 'node'])('reach no immutable.js from dist/src/%s.js (an optional peer: only stratadb/immutable imports it)', (name) => {
    const graph = reachableImports(join(root, 'dist', 'src', `${name}.js`));
    expect([...graph.values()].flat().filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtins.has(specifier))).toEqual([]);
  });

  it('have immutable.js reached from dist/src/immutable.js', () => {
    const graph = reachableImports(join(root, 'dist', 'src', 'immutable.js'));
    expect([...graph.values()].flat()).toContain('immutable');
  });

  it('are what the package exports map names', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
    expect(pkg.exports['.']?.default).toBe('./dist/src/index.js');
    for (const name of ['engine', 'testing', 'immutable', 'node']) expect(pkg.exports[`./${name}`]?.default).toBe(`./dist/src/${name}.js`);
    // The Node entry does use Node: it is the one place for that.
    const nodeGraph = reachableImports(join(root, 'dist', 'src', 'node.js'));
    expect([...nodeGraph.values()].flat().some((s) => s.startsWith('node:'))).toBe(true);
  });
});
