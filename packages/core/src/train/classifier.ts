/**
 * `pnpm train classifier [options]` — the MNIST classifier that judges generated digits (models/classifier.ts),
 * trained from the command line with a progress bar, measured on the 10 000 test digits and saved as a checkpoint.
 * The quality scripts, the notebooks and the shipped weights' tests read samples through it.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trainAndSaveClassifier, type LoadedClassifier } from '../models/classifier.js';
import { describeBackend, selectBackend, type BackendName } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { DomainError } from '../util/validate.js';
import { assertCheckpointWritable } from './checkpoint.js';
import { MAX_BATCH, MAX_STEPS, numberOption, refuseBadOptions } from './options.js';
import { LossDisplay } from './progress.js';

export const CLASSIFIER_HELP = `Usage: pnpm train classifier [options]
  --steps N          Adam steps (default 1500: 1.6 epochs of 64 digits, 98.5 % on the test digits)
  --batch N          batch size (default 64)
  --lr X             Adam learning rate (default 2e-3)
  --limit N          MNIST training images to use (default 60000)
  --out DIR          checkpoint folder (default checkpoints/classifier, git-ignored; replaced if it exists)
  --backend NAME     auto | node-gpu | node | wasm | cpu (default: DDPM_BACKEND or auto)
  --seed N           random seed (default 0)`;

const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;

export interface ClassifierCliResult extends LoadedClassifier {
  /** Checkpoint folder. */
  readonly out: string;
}

/**
 * `pnpm train classifier …` on command-line arguments (without the node and script names, the model first): pick
 * the backend, train, measure on the test digits, save. Returns undefined after printing the help; bad options throw
 * a DomainError naming the option.
 */
export async function runClassifierCli(argv: readonly string[], log: (line: string) => void = console.log): Promise<ClassifierCliResult | undefined> {
  const { values, positionals } = refuseBadOptions(() =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        steps: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, limit: { type: 'string' },
        out: { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' },
      },
    }),
  );
  if (values.help) {
    log(CLASSIFIER_HELP);
    return undefined;
  }
  if (positionals[0] !== 'classifier' || positionals.length > 1) throw new DomainError('pnpm train', 'model', "'classifier'", positionals.join(' ') || '(none)');
  const steps = numberOption('steps', values.steps, 1500, { integer: true, min: 1, max: MAX_STEPS });
  const batchSize = numberOption('batch', values.batch, 64, { integer: true, min: 1, max: MAX_BATCH });
  const learningRate = numberOption('lr', values.lr, 2e-3, { positive: true });
  const trainLimit = numberOption('limit', values.limit, 60000, { integer: true, min: 1, max: 60000 });
  const seed = numberOption('seed', values.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const backend = values.backend ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new DomainError('pnpm train', '--backend', BACKENDS.join(' | '), backend);
  const out = path.resolve(values.out ?? path.join('checkpoints', 'classifier'));
  // Found now rather than after the training time is spent: a read-only or full --out (weights ≈ 0.6 MB).
  assertCheckpointWritable('pnpm train', '--out', out, 2e6);

  const choice = await selectBackend(backend === 'auto' ? {} : { backend: backend as BackendName });
  log(`backend: ${describeBackend(choice)}`);
  const display = new LossDisplay(log, 0.98, 3);
  display.start(steps, 0);
  let result: LoadedClassifier;
  try {
    result = trainAndSaveClassifier(out, createRng(seed), {
      steps, batchSize, learningRate, trainLimit,
      onStep: (s) => {
        display.step(s);
        if (s.step % 500 === 0) display.note(`step ${s.step}/${steps}: loss ${display.loss} (moving average)`);
      },
    }, { seed });
  } finally {
    display.stop();
  }
  log(`checkpoint: ${out} (${steps} steps, ${result.trainSeconds.toFixed(0)} s of training); test accuracy ${(100 * result.testAccuracy).toFixed(2)} %`);
  return { ...result, out };
}
