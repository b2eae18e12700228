// Helpers for tests that run real processes: a pid certainly dead, and a small
// seeded generator so a failing random run can be replayed from its seed.

import { execFileSync } from 'node:child_process';

/** A pid that certainly belonged to a process that has exited. */
export function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
}

/** xorshift32 in [0, 1): deterministic for a seed. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
