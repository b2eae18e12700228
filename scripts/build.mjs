// The build (`npm run build`, `prepare`): tsc in build mode, which compiles only
// what changed since the last build (tsconfig.json is composite, so it keeps a
// build-info file in dist/) and re-emits outputs that went missing; then every
// output whose source file is gone is removed, so a renamed or deleted module
// never lingers in dist/ (and so in the package). A clean build is `rm -rf dist`
// first; `npm test` builds every time, and in CI right after `npm ci`'s
// prepare built everything, so the second build costs seconds, not a full compile.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Every TypeScript source under `dir`, relative to the root. */
function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /(?<!\.d)\.ts$/.test(name) ? [relative(root, path)] : [];
  });
}

// tsc's build mode trusts its build-info file and does not notice an output
// deleted by hand: then build everything again.
const missing = ['src', 'examples'].flatMap((top) => sources(join(root, top))).some((source) => !existsSync(join(root, 'dist', source.replace(/\.ts$/, '.js'))));
if (missing) rmSync(join(root, 'dist', 'tsconfig.tsbuildinfo'), { force: true });
execFileSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });

/** The source a dist file was emitted from: dist/src/a/b.js, .d.ts, .js.map, .d.ts.map -> src/a/b.ts. */
function sourceOf(output) {
  const base = relative(join(root, 'dist'), output).replace(/(\.d)?\.ts\.map$|\.js\.map$|\.d\.ts$|\.js$/, '.ts');
  return join(root, base);
}

function prune(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (/\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(name) && !existsSync(sourceOf(path))) {
      rmSync(path);
    }
  }
}

for (const top of ['src', 'examples']) if (existsSync(join(root, 'dist', top))) prune(join(root, 'dist', top));
