// Runs every benchmark, each in a fresh Node process (with --expose-gc, for the
// heap measurements), and prints their markdown tables one after the other.
// Run: `npm run all` in bench/ after `npm run build` at the top. N, RUNS and the
// other variables of each script pass through.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { N, machineLine } from './common.mjs';

const here = new URL('.', import.meta.url).pathname;
if (!fs.existsSync(new URL('../dist/src/index.js', import.meta.url))) {
  console.error('dist/ is missing: run `npm run build` at the top of the repository first');
  process.exit(1);
}

const scripts = [
  ['maps.mjs', 'workload 1: in-memory maps'],
  ['lists.mjs', 'workload 2: in-memory lists'],
  ['disk.mjs', 'workloads 3 and 4: on disk, and opening the files'],
  ['open.mjs', 'workload 4: opening memory buffers'],
];

const started = new Date();
console.log(`## Results ${started.toISOString().slice(0, 10)}, N = ${N.toLocaleString('en-US')}\n`);
console.log(`${machineLine()}\n`);
for (const [script, what] of scripts) {
  const start = performance.now();
  process.stderr.write(`${script}: ${what}...\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', script], { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`${script} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  process.stderr.write(`${script}: ${((performance.now() - start) / 1000).toFixed(0)} s\n`);
}
process.stderr.write(`all: ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s\n`);
