import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // tfjs keeps global engine state; one fork per file keeps backends and memory checks independent.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
