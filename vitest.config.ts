import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test files that must each run in a fresh module graph: they spawn, kill or
// wait on other processes and threads, mock modules, change process-wide
// state (environment, globals, the working directory), or build and run the
// package the way users do.
const ISOLATED = [
  'test/concurrency/**',
  'test/soak/**',
  'test/crash/**',
  'test/package/**',
  'test/browser/**',
  'test/cli/**',
  'test/cli.test.ts',
  'test/docs.test.ts',
  'test/examples.test.ts',
  'test/browser-safe.test.ts',
  // Start and kill nats-server clusters and writer processes.
  'test/replication/**',
  'test/hash/xxh64-js.test.ts',
  // Online compaction: child processes killed or reading, worker threads from dist/, the CLI.
  'test/compact/online-kill.test.ts',
  'test/compact/online-readers.test.ts',
  'test/compact/online-auto.test.ts',
  'test/compact/online-cli.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Byte arrays and arrays of primitives compared without vitest's deep compare (the file says why).
    setupFiles: ['test/support/equality-testers.ts'],
    // vitest's default for `run` is one worker fewer than the cores: on the
    // 2-core machines this project runs on (CI too), one file at a time, and
    // the suite's longest files wait on child processes (kill, soak, docs,
    // pack) with a core idle. One worker per core, at least two.
    maxWorkers: Math.max(2, availableParallelism()),
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
