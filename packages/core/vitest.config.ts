import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // tfjs keeps global engine state; one fork per file keeps backends and memory checks independent.
    pool: 'forks',
    // Vitest's default leaves one core idle; the files are independent, so use both of a 2-core machine.
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    testTimeout: 60_000,
    // Data checks on in every test file (off by default for speed): see src/util/tensor.ts setDataChecks.
    setupFiles: ['./src/testing/data-checks-setup.ts'],
  },
});
