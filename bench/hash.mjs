// The xx16 key hash on its two engines: the WebAssembly module (the default)
// and the pure-JS fallback used where a Content-Security-Policy refuses
// WebAssembly. Hashes per second by key size, both engines in the same run,
// taking turns. Needs no peers: `npm run build` at the top, then `node hash.mjs`.

import { Xxh64Pair } from '../dist/src/hash/xxh64-wasm.js';
import { Xxh64PairJs } from '../dist/src/hash/xxh64-js.js';
import { XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW } from '../dist/src/hash/xxhash128.js';
import { machineLine, rate, randomBytes, timed, fmt } from './common.mjs';

/**
 * Measured runs per engine and key size, taking turns. The table keeps the
 * fastest: this is pure CPU work, so on a shared machine a slower run measures
 * the other load, not the hash.
 */
const RUNS = Number(process.env.RUNS ?? 9);
/** Bytes hashed per measured run and key size: enough for ~50 ms of work. */
const BYTES_PER_RUN = Number(process.env.HASH_BYTES ?? 16 * 1024 * 1024);

const engines = {
  wasm: new Xxh64Pair(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW),
  js: new Xxh64PairJs(XXHASH128_SEED_HIGH, XXHASH128_SEED_LOW),
};
const out = new Uint8Array(16);

// One loop per engine, written out twice on purpose: a shared loop would make its
// hashInto call polymorphic and slow both engines down (by about 2x for the JS
// engine on 16-byte keys), which the library, holding one hasher, never sees.
function hashAllWasm(keys, count) {
  let check = 0;
  for (let i = 0; i < count; i++) {
    engines.wasm.hashInto(keys[i % keys.length], out);
    check += out[i & 15];
  }
  return check;
}
function hashAllJs(keys, count) {
  let check = 0;
  for (let i = 0; i < count; i++) {
    engines.js.hashInto(keys[i % keys.length], out);
    check += out[i & 15];
  }
  return check;
}
const loops = { wasm: hashAllWasm, js: hashAllJs };

console.log('### xx16 key hash: WebAssembly vs pure JS\n');
console.log(`Fastest of ${RUNS} runs after a warm-up; ${BYTES_PER_RUN / 2 ** 20} MiB (at most 2,000,000 keys) per run.\n`);
console.log(`${machineLine()}\n`);
console.log('| key bytes | wasm hashes/s | js hashes/s | js MB/s | wasm ÷ js |');
console.log('| --- | --- | --- | --- | --- |');
// 1,000,000 rather than 1 MiB: the wasm engine hashes keys above 1 MiB - 16 in a
// throwaway instance, which would measure instantiation, not hashing.
for (const size of [16, 64, 1024, 65536, 1_000_000]) {
  const count = Math.max(1, Math.min(2_000_000, Math.floor(BYTES_PER_RUN / size)));
  // Up to 256 distinct keys (at most 16 MiB of them), so that no engine sees one
  // key over and over; plain Uint8Arrays, as the engine passes.
  const keyCount = Math.max(1, Math.min(256, Math.floor((16 * 1024 * 1024) / size)));
  const keys = randomBytes(keyCount, size, size).map((key) => new Uint8Array(key.buffer, key.byteOffset, key.length));
  let check = 0;
  const ms = { wasm: Infinity, js: Infinity };
  // One warm-up run each, then RUNS measured runs each.
  for (let run = 0; run <= RUNS; run++) {
    for (const [name, loop] of Object.entries(loops)) {
      const elapsed = timed(() => {
        check += loop(keys, count);
      });
      if (run > 0) ms[name] = Math.min(ms[name], elapsed);
    }
  }
  const perSecond = (name) => (count / ms[name]) * 1000;
  console.log(
    `| ${size.toLocaleString('en-US')} | ${rate(perSecond('wasm'))} | ${rate(perSecond('js'))} | ${fmt((perSecond('js') * size) / 1e6)} | ${fmt(perSecond('wasm') / perSecond('js'))} |`,
  );
  if (check < 0) console.log('unreachable');
}
console.log('');
