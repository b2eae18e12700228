import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test files that must each run in a fresh module graph: they spawn, kill or
// wait on other processes and threads, mock modules, change process-wide
// state (environment, globals, the working directory), or build and run the
// package the way users do. Their folders also hold files that do none of
// this (the command line run in-process through cli/support.ts, the crash
// tests on simulated storage, replication's tails without a server, the lock
// exclusivity in one process): those share a module graph (below), which
// saves loading the sources again for each of them. A new file in these
// folders that needs a process of its own goes in this list.
const ISOLATED = [
  'test/concurrency/kill.test.ts',
  'test/concurrency/lock-cli.test.ts',
  'test/concurrency/lock-files.test.ts',
  'test/concurrency/lock-fuzz.test.ts',
  'test/concurrency/lock-threads.test.ts',
  'test/concurrency/locks.test.ts',
  'test/concurrency/readers.test.ts',
  'test/soak/**',
  'test/package/**',
  'test/browser/**',
  'test/cli/progress.test.ts',
  'test/cli/readme-session.test.ts',
  'test/cli.test.ts',
  'test/docs.test.ts',
  'test/examples.test.ts',
  'test/browser-safe.test.ts',
  // Start and kill nats-server clusters and writer processes.
  'test/replication/cli.test.ts',
  'test/replication/cluster.test.ts',
  'test/replication/epochs.test.ts',
  'test/replication/failover.test.ts',
  'test/replication/replicate.test.ts',
  'test/hash/xxh64-js.test.ts',
  // Online compaction: child processes killed or reading, worker threads from dist/.
  'test/compact/online-kill.test.ts',
  'test/compact/online-readers.test.ts',
  'test/compact/online-auto.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Byte arrays and arrays of primitives compared without vitest's deep compare (the file says why).
    setupFiles: ['test/support/equality-testers.ts'],
    // vitest's default for `run` is one worker fewer than the cores: on the
    // 2-core machines this project runs on (CI too), one file at a time. The
    // isolated files (first in the queue) wait on child processes, clusters
    // and timers (replication, kill, soak, docs, pack): with one worker per
    // core a core sat idle for about a fifth of their phase. One worker more
    // than the cores fills it, and the shared files start on a worker as soon
    // as the isolated queue runs out; measured on 2 cores with no results
    // cache, as on CI, `npm test` took 111.6 and 120.2 s against 118.9 and
    // 127.7 s with two workers (runs alternated; test/README.md).
    maxWorkers: availableParallelism() + 1,
    projects: [
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ISOLATED.map((pattern) => (pattern.endsWith('.ts') ? pattern : `${pattern}/*.test.ts`)),
        },
      },
      {
        // Everything else reads and writes databases in its own temporary files
        // and memory, and shares each worker's module graph with the files
        // before it, as one long-lived application would: loading the sources
        // once per worker instead of once per file halved the CPU time of
        // these files (test/README.md).
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED.map((pattern) => (pattern.endsWith('.ts') ? pattern : `${pattern}/*.test.ts`)),
          isolate: false,
        },
      },
    ],
  },
});
