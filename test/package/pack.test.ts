// What users install: `npm pack` holds the built package and its documents and
// nothing else (no tests, benchmarks, examples, TypeScript sources or source
// maps), the metadata is complete, and the tarball installed into a fresh
// project (from the npm cache, no registry round trip when it is warm) imports
// as 'stratadb', 'stratadb/engine', 'stratadb/testing' and 'stratadb/node'
// without immutable.js (an optional peer), type-checks with skipLibCheck off
// (its declarations are sound), and writes and reads a database.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, any>;
// npm's own command line, run by this Node (no shell); `npm test` sets
// npm_execpath to it, and a standard Node install keeps it beside node.
const npmCli = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')].find(
  (path): path is string => path !== undefined && /npm-cli\.js$/.test(path) && existsSync(path),
);

function npm(args: string[], cwd: string): string {
  if (npmCli === undefined) throw new Error('npm-cli.js not found beside this Node; run the tests through npm');
  return execFileSync(process.execPath, [npmCli, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
    // The fresh project must not pick up this repository's settings, and the
    // install does not need the audit and funding round trips.
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
}

let packed: string[] | undefined;

/** The files `npm pack` would put in the tarball (asked once per run: each ask starts npm). --ignore-scripts: `npm test` has built dist/ already. */
function packedFiles(): string[] {
  if (packed === undefined) {
    const [report] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root)) as Array<{ files: Array<{ path: string }> }>;
    packed = report!.files.map((file) => file.path).sort();
  }
  return [...packed];
}

describe('npm pack', () => {
  it('holds the built package, README.md, FORMAT.md and LICENSE, and no tests, benchmarks, sources or source maps', () => {
    const files = packedFiles();
    const entries = ['index', 'engine', 'testing', 'immutable', 'node'].flatMap((name) => [`dist/src/${name}.js`, `dist/src/${name}.d.ts`]);
    expect(files).toEqual(expect.arrayContaining(['FORMAT.md', 'README.md', 'LICENSE', 'package.json', ...entries, 'dist/src/cli/main.js']));
    const stray = files.filter((path) => !['FORMAT.md', 'README.md', 'LICENSE', 'package.json'].includes(path) && !/^dist\/src\/.+(?<!\.test)\.(js|d\.ts)$/.test(path));
    expect(stray).toEqual([]);
    expect(files.filter((path) => /(^|\/)(test|bench|examples)\/|\.map$/.test(path))).toEqual([]);
  });

  it('holds every file the manifest points at (main, types, exports, bin)', () => {
    const files = new Set(packedFiles());
    const targets: string[] = [manifest.main, manifest.types, ...Object.values(manifest.bin as Record<string, string>)];
    for (const entry of Object.values(manifest.exports as Record<string, string | Record<string, string>>)) {
      targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
    }
    for (const target of targets) expect(files.has(target.replace(/^\.\//, '')), target).toBe(true);
  });
});

describe('package.json', () => {
  it('has the metadata a registry page and a bundler need, and builds dist/ on install from git (prepare)', () => {
    expect(manifest.keywords).toEqual(expect.arrayContaining(['database', 'immutable', 'xitdb']));
    expect(manifest.engines.node).toMatch(/^>=\d+/);
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the stratadb authors\n/);
    // immutable.js is an optional peer: the value API never imports it, 'stratadb/immutable' does.
    expect(manifest.dependencies?.immutable).toBeUndefined();
    expect(manifest.peerDependencies.immutable).toBeDefined();
    expect(manifest.peerDependenciesMeta.immutable.optional).toBe(true);
    expect(manifest.type).toBe('module');
    expect(manifest.scripts.prepare).toBe('npm run build');
    expect(manifest.description.length).toBeGreaterThan(20);
  });
});

describe('the packed tarball', () => {
  it('installs into a fresh project, type-checks, and writes and reads a database through stratadb and stratadb/node', () => {
    const work = mkdtempSync(join(tmpdir(), 'stratadb-pack-'));
    npm(['pack', '--ignore-scripts', '--pack-destination', work], root);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const project = join(work, 'project');
    execFileSync('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-stratadb', version: '1.0.0', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', '--no-package-lock', join(work, tarball!)], project);
    expect(existsSync(join(project, 'node_modules', 'stratadb', 'dist', 'src', 'index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', 'stratadb', 'test'))).toBe(false);
    // An optional peer is not installed: everything below runs without immutable.js.
    expect(existsSync(join(project, 'node_modules', 'immutable'))).toBe(false);

    writeFileSync(
      join(project, 'main.mjs'),
      `import { open as openMemory } from 'stratadb';
import { open } from 'stratadb/node';
import { MemoryStorage, openEngine } from 'stratadb/engine';
import { tinyHasher } from 'stratadb/testing';

const engine = await openEngine(new MemoryStorage(), { hasher: tinyHasher(1) });
engine.transact((root) => root.hashMap().put('k').writeUint(1));
const memory = await openMemory();
memory.set(['greeting'], 'hello');
const copy = await openMemory(memory.bytes());
const file = await open('data.xit');
file.transact((tx) => {
  tx.set(['todos'], ['write', 'read']);
  tx.set(['copied'], copy.get(['greeting']));
});
file.close();
const again = await open('data.xit', { readOnly: true });
console.log(JSON.stringify({ todos: again.get(['todos']).toJS(), copied: again.get(['copied']), moments: again.momentCount }));
again.close();
`,
    );
    const output = execFileSync(process.execPath, [join(project, 'main.mjs')], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(output)).toEqual({ todos: ['write', 'read'], copied: 'hello', moments: 1 });

    // The command line is installed too, with its dependencies (commander, cli-progress), and reads the file just written.
    const stratadb = (args: string[]): string => execFileSync(join(project, 'node_modules', '.bin', 'stratadb'), args, { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(stratadb(['info', 'data.xit', '--json']))).toMatchObject({ moments: 1 });
    expect(stratadb(['get', 'data.xit', 'todos.1'])).toBe('"read"\n');
    expect(stratadb(['verify', 'data.xit'])).toMatch(/^ok: 1 moments/);

    // The types resolve through the exports map, as a TypeScript user's editor does.
    writeFileSync(
      join(project, 'typed.ts'),
      `import { open, type Database } from 'stratadb/node';
import { MemoryStorage, openEngine } from 'stratadb/engine';
import { FaultStorage } from 'stratadb/testing';
interface App { title: string }
const db: Database<App> = await open<App>('typed.xit');
const title: string | undefined = db.get(['title']);
const engine = await openEngine(new MemoryStorage());
const faulty: FaultStorage | undefined = undefined;
export { title, engine, faulty };
`,
    );
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), 'typed.ts'],
      { cwd: project, encoding: 'utf8', timeout: 120_000 },
    );
  });
});
