// The main entry is browser-safe: no module reachable from dist/src/index.js
// imports a Node built-in. (The Node entry, dist/src/node.js, may.)

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

describe('the browser-safe entry', () => {
  it('reaches no Node built-in module from dist/src/index.js', () => {
    const graph = reachableImports(join(root, 'dist', 'src', 'index.js'));
    expect(graph.size).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const [file, specifiers] of graph) {
      for (const specifier of specifiers) if (specifier.startsWith('node:') || builtins.has(specifier)) offenders.push(`${file} imports ${specifier}`);
    }
    expect(offenders).toEqual([]);
  });

  it('is what the package exports map names as "."', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
    expect(pkg.exports['.']?.default).toBe('./dist/src/index.js');
    expect(pkg.exports['./node']?.default).toBe('./dist/src/node.js');
    // The Node entry does use Node: it is the one place for that.
    const nodeGraph = reachableImports(join(root, 'dist', 'src', 'node.js'));
    expect([...nodeGraph.values()].flat().some((s) => s.startsWith('node:'))).toBe(true);
  });
});
