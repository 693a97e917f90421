// Mutation testing of core's formulas and training code: `pnpm --filter @ddpm-derived/core mutation`.
// CPU is scarce, so run one folder at a time: `STRYKER_FOLDERS=schedule pnpm --filter @ddpm-derived/core mutation`
// (a comma-separated list; default all folders below). Scores and decisions: docs/BENCHMARKS.md,
// "Reliability: mutation testing".
const FOLDERS = ['schedule', 'probability', 'autoencoder', 'forward', 'posterior', 'objective', 'sampling', 'embedding', 'transformer', 'stats', 'train'];
// train/: the files that carry formulas and checks — Algorithm 1's draws (t, ε, label dropout), the losses it picks,
// guidance in sampling, the weight average, checkpoint verification and the option parser. Left out: the two CLI
// front ends (cli.ts, autoencoder.ts: argument plumbing, file layout and logging, reached only by multi-second smoke
// runs), parallel.ts and gradient-worker.ts (worker threads run their own copy of the code, outside Stryker's
// coverage), png.ts and progress.ts (image and log output).
// checkpoint-format.ts holds the manifest and pointer checks (shared with the browser loader).
const TRAIN_FILES = ['ddpm', 'ema', 'checkpoint', 'checkpoint-format', 'options'];
const list = (s) => s.split(',').map((f) => f.trim()).filter(Boolean);
const chosen = list(process.env.STRYKER_FOLDERS ?? FOLDERS.join(','));
for (const f of chosen) if (!FOLDERS.includes(f)) throw new Error(`STRYKER_FOLDERS: unknown folder '${f}'; allowed: ${FOLDERS.join(', ')}`);
// STRYKER_TRAIN_FILES=checkpoint,options narrows train/ to some of its files (a full train/ run is ≈ 30 min at best;
// on a loaded machine it can be split). Its state and report get their own names.
const trainFiles = list(process.env.STRYKER_TRAIN_FILES ?? TRAIN_FILES.join(','));
for (const f of trainFiles) if (!TRAIN_FILES.includes(f)) throw new Error(`STRYKER_TRAIN_FILES: unknown file '${f}'; allowed: ${TRAIN_FILES.join(', ')}`);
const trainPart = chosen.includes('train') && trainFiles.length < TRAIN_FILES.length ? `-${trainFiles.join('+')}` : '';
const runName = (chosen.length === FOLDERS.length ? 'all' : chosen.join('+')) + trainPart;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // pnpm installs the runner beside this package, not beside Stryker's core, so name the plugin explicitly.
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  // Each mutant runs only the tests that reached it.
  coverageAnalysis: 'perTest',
  // Two cores shared by several people: one test process.
  concurrency: 1,
  mutate: [...chosen.flatMap((f) => (f === 'train' ? trainFiles.map((n) => `src/train/${n}.ts`) : [`src/${f}/**/*.ts`])), '!src/**/*.test.ts', '!src/**/index.ts'],
  mutator: {
    // String literals in core are DomainError texts (function, argument, allowed range) and log lines; a mutant
    // that blanks one changes a message, not a number. String comparisons (`reduction === 'sum'`) are still
    // mutated by EqualityOperator / ConditionalExpression, which test the same branch.
    excludedMutations: ['StringLiteral'],
  },
  // Module-level constants run once per test file; Stryker would have to rerun every test for each of them.
  ignoreStatic: true,
  // Reruns test only mutants whose code or tests changed since the last run of the same folders.
  incremental: true,
  incrementalFile: `reports/mutation/${runName}.incremental.json`,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${runName}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  timeoutMS: 30_000,
  cleanTempDir: 'always',
};
