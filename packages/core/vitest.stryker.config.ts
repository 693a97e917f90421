import { defineConfig } from 'vitest/config';

/**
 * The vitest config Stryker runs (`pnpm mutation`, see stryker.config.mjs). Stryker 9's vitest runner puts every run
 * in one worker thread (it overrides the forks pool of vitest.config.ts), and each mutant reruns the tests that reach
 * it, so the slow end-to-end tests would cost minutes per mutant:
 * - formula folders: their unit tests and test/reference (every float64 scalar against mpmath, in ulps; < 1 s) —
 *   not the training, model and end-to-end files (the formulas' own tests must catch a wrong formula without a
 *   15-second training run to notice it), nor test/fuzz (one 15-second test that reaches nearly every mutant);
 * - train/: the fast tests of the mutated train/ files (stryker.config.mjs, TRAIN_FILES): tiny models, a few steps
 *   each (≤ 2 s). Left out: ddpm-training.test.ts (two real training runs, 15–80 s each), cli.test.ts,
 *   autoencoder.test.ts and parallel.test.ts (smoke runs of the CLIs and of worker threads, seconds to minutes each,
 *   for files that are not mutated).
 * test/catalogue.test.ts is never run: it reads docs/ from the repository root, outside Stryker's sandbox, and
 * exercises no mutated code.
 */
const trainRun = (process.env.STRYKER_FOLDERS ?? '').split(',').includes('train');
const TRAIN_TEST_NAMES = ['ddpm', 'ema', 'checkpoint', 'checkpoint-durability', 'checkpoint-format', 'options', 'validation'];
// STRYKER_TRAIN_TESTS=checkpoint-durability runs only some of them (with STRYKER_TRAIN_FILES and --mutate line ranges:
// a quick first pass on a loaded machine; a mutant it leaves is then checked with the other files).
const chosenTrainTests = (process.env.STRYKER_TRAIN_TESTS ?? TRAIN_TEST_NAMES.join(',')).split(',').map((n) => n.trim()).filter(Boolean);
for (const n of chosenTrainTests) if (!TRAIN_TEST_NAMES.includes(n)) throw new Error(`STRYKER_TRAIN_TESTS: unknown test file '${n}'; allowed: ${TRAIN_TEST_NAMES.join(', ')}`);
const TRAIN_TESTS = chosenTrainTests.map((n) => `src/train/${n}.test.ts`);

export default defineConfig({
  test: {
    include: trainRun ? TRAIN_TESTS : ['src/**/*.test.ts', 'test/reference/*.test.ts'],
    exclude: trainRun ? [] : ['src/train/**', 'src/models/**', 'src/nn/**', 'src/data/**', 'src/sampling/end-to-end.test.ts'],
    testTimeout: trainRun ? 120_000 : 60_000,
    // One module graph for all files of a run: tfjs is loaded once per run instead of once per test file (the formula
    // tests all pin the cpu backend, and their memory checks compare tensor counts before and after, not absolutely).
    // train/'s files pick their backend (wasm or cpu) in beforeAll and put cpu back in afterAll, so they share too.
    isolate: false,
    // As in vitest.config.ts: data checks on, so the refusals of non-finite tensors are exercised.
    setupFiles: ['./src/testing/data-checks-setup.ts'],
  },
});
