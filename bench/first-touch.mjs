// What a commit's block copies cost when they land in memory never touched
// before (the first write to each 4 KiB page faults it in) against memory
// already touched: 144-byte copyWithin calls (one index block, what
// WholeFileCache.appendCopy does per copied block) across fresh 1 MiB arrays
// (a whole-file segment each) and across one reused array. On a VM the fault
// is far dearer than the copy (bench/README.md, session 7).
//
// Run: `node first-touch.mjs` (ARRAYS=40, ROUNDS=3).

const ARRAYS = Number(process.env.ARRAYS ?? 40);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SIZE = 1 << 20;
const BLOCK = 144;
const copies = ARRAYS * Math.ceil(SIZE / BLOCK);
let sink = 0;
for (let round = 0; round < ROUNDS; round++) {
  let start = performance.now();
  for (let k = 0; k < ARRAYS; k++) {
    const fresh = new Uint8Array(SIZE);
    for (let offset = 0; offset < SIZE; offset += BLOCK) fresh.copyWithin(offset, 0, BLOCK);
    sink += fresh[5];
  }
  const freshMs = performance.now() - start;
  const touched = new Uint8Array(SIZE).fill(1);
  start = performance.now();
  for (let k = 0; k < ARRAYS; k++) {
    for (let offset = 0; offset < SIZE; offset += BLOCK) touched.copyWithin(offset, 0, BLOCK);
    sink += touched[5];
  }
  const touchedMs = performance.now() - start;
  console.log(`${BLOCK}-byte copies: into fresh memory ${((freshMs * 1e6) / copies).toFixed(0)} ns each, into touched memory ${((touchedMs * 1e6) / copies).toFixed(0)} ns each`);
}
if (sink < 0) console.log(sink);
