import { defineConfig } from 'vitest/config';

/**
 * The vitest config Stryker runs (`pnpm mutation`, see stryker.config.mjs). Stryker 9's vitest runner puts every run
 * in one worker thread (it overrides the forks pool of vitest.config.ts), and each mutant reruns the tests that reach
 * it, so the slow end-to-end tests would cost minutes per mutant:
 * - formula folders: their unit tests only — not the training, model and end-to-end files (the formulas' own tests
 *   must catch a wrong formula without a 15-second training run to notice it);
 * - train/: train's own tests, with the timeout raised for the instrumented code.
 * test/catalogue.test.ts is never run: it reads docs/ from the repository root, outside Stryker's sandbox, and
 * exercises no mutated code.
 */
const trainRun = (process.env.STRYKER_FOLDERS ?? '').split(',').includes('train');

export default defineConfig({
  test: {
    include: trainRun ? ['src/train/**/*.test.ts'] : ['src/**/*.test.ts'],
    exclude: trainRun ? [] : ['src/train/**', 'src/models/**', 'src/nn/**', 'src/data/**', 'src/sampling/end-to-end.test.ts'],
    testTimeout: trainRun ? 300_000 : 60_000,
    // One module graph for all files of a run: tfjs is loaded once per run instead of once per test file (the formula
    // tests all pin the cpu backend, and their memory checks compare tensor counts before and after, not absolutely).
    isolate: !trainRun ? false : true,
  },
});
