// `npm test`: the build (scripts/build.mjs), then the type-check of src/,
// examples/ and test/ (`tsc -p tsconfig.test.json`) and the vitest run at the
// same time. The type-check needs about 14 s of one core, and vitest's first
// files (the isolated project: processes, elections, timers) leave most of a
// core idle on a two-core machine, so running both at once takes the
// type-check off the suite's wall time; it runs at a lower priority, so it
// takes only what vitest leaves. Arguments after `npm test --` go to vitest
// (.ci/run passes its reporters that way). vitest's output streams as it runs;
// the type-check's is printed whole after it, so the two never interleave.
// The exit code is vitest's when it failed, else the type-check's: a type
// error fails `npm test` as it did when the two ran one after the other.

import { spawn, spawnSync } from 'node:child_process';
import { setPriority } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

/** Runs `args` with this Node; resolves to its exit code (1 when killed by a signal). */
function run(args, options) {
  const child = spawn(process.execPath, args, { cwd: root, ...options });
  children.push(child);
  const exited = new Promise((resolveExit, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolveExit(code ?? (signal === null ? 1 : 128 + (signalNumbers[signal] ?? 0))));
  });
  return { child, exited };
}

const signalNumbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const children = [];
// A signal to `npm test` (CI cancelling a job) reaches both runs.
for (const signal of Object.keys(signalNumbers)) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}

const started = performance.now();
const seconds = (ms) => `${((ms - started) / 1000).toFixed(1)} s`;
const typecheck = run([tsc, '-p', join(root, 'tsconfig.test.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
try {
  setPriority(typecheck.child.pid, 10);
} catch {
  // Not allowed on this system: the type-check runs at vitest's priority.
}
let typecheckOutput = '';
typecheck.child.stdout.setEncoding('utf8').on('data', (text) => (typecheckOutput += text));
typecheck.child.stderr.setEncoding('utf8').on('data', (text) => (typecheckOutput += text));

const tests = run([vitest, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });

// When each ended, from the start of both: whether the type-check kept up.
let typecheckEnd = 0;
let testsEnd = 0;
const [testsCode, typecheckCode] = await Promise.all([tests.exited.finally(() => (testsEnd = performance.now())), typecheck.exited.finally(() => (typecheckEnd = performance.now()))]);
const timing = `(tsc done at ${seconds(typecheckEnd)}, vitest at ${seconds(testsEnd)})`;
if (typecheckCode === 0) {
  console.log(`\ntsc -p tsconfig.test.json: no type errors ${timing}`);
} else {
  console.error(`\ntsc -p tsconfig.test.json failed (exit code ${typecheckCode}) ${timing}:\n${typecheckOutput}`);
}
process.exit(testsCode !== 0 ? testsCode : typecheckCode);
