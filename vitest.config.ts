import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // vitest's default for `run` is one worker fewer than the cores: on the
    // 2-core machines this project runs on (CI too), one file at a time, and
    // the suite's longest files wait on child processes (kill, soak, docs,
    // pack) with a core idle. One worker per core, at least two. Files keep
    // their own process each (the default forks pool, isolated): several
    // spawn and kill processes, change process state, or hold module state.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
