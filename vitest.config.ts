import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Two test files at a time on the 2-core CI machine (vitest's default is one fewer than the
    // cores: a serial suite, run three times by .ci/run, took 13-14 of its 15 minutes). Tests that
    // time subprocesses bound them generously, and kill.test.ts finds its processes by a marker.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
