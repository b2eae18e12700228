// The writer process of diff.mjs's cross-process latency: commits one key
// COMMITS times to the file in argv[2], GAP_MS apart, and after each commit
// returns sends the parent { moment, start, at } (when the commit began and
// returned: wall-clock ms with sub-ms
// precision, performance.timeOrigin + performance.now(), comparable across
// processes on one machine).

import { open } from '../dist/src/node.js';

const [path, commitsText, gapText, durability] = process.argv.slice(2);
const commits = Number(commitsText);
const gap = Number(gapText);
const db = await open(path, { durability });
for (let i = 0; i < commits; i++) {
  const start = performance.timeOrigin + performance.now();
  db.set(['tick'], i);
  process.send({ moment: db.momentCount - 1, start, at: performance.timeOrigin + performance.now() });
  await new Promise((resolve) => setTimeout(resolve, gap));
}
db.close();
process.send({ done: true });
