import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
  },
});
