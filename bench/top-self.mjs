// Summarises a .cpuprofile from `node --cpu-prof`: the functions with the most
// self time, as a markdown table. Usage: node top-self.mjs FILE [COUNT]

import fs from 'node:fs';

const [file, countArg] = process.argv.slice(2);
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const count = Number(countArg ?? 15);

// Each sample names the node that was on top of the stack; time deltas weigh them.
const self = new Map();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
let total = 0;
// Samples inside node:inspector belong to stopping the profiler (a "dispatch"
// frame that takes the time since the last sample); they are not the workload's.
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
const inInspector = (node) => {
  for (let at = node; at !== undefined; at = parentOf.get(at.id)) if (at.callFrame.url.startsWith('node:inspector')) return true;
  return false;
};
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  if (inInspector(node)) continue;
  const delta = profile.timeDeltas[i] ?? 0;
  const frame = node.callFrame;
  const where = frame.url ? `${frame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${frame.lineNumber + 1}` : '';
  const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  self.set(name, (self.get(name) ?? 0) + delta);
  total += delta;
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
console.log('| self % | self ms | function |');
console.log('| --- | --- | --- |');
for (const [name, micros] of top) console.log(`| ${((micros / total) * 100).toFixed(1)} | ${(micros / 1000).toFixed(0)} | ${name} |`);
