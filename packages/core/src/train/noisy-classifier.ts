/**
 * `pnpm train noisy-classifier [options]` — the time-conditioned classifier p_φ(y | x_t, t) of classifier guidance
 * (models/noisy-classifier.ts, F5), trained on MNIST digits noised by q(x_t | x_0) (C5) with the schedule of the DDPM
 * it will guide (the quick preset's: 16×16 digits, the linear schedule with T = 1000), so that it sees exactly the x_t
 * that DDPM's sampler passes through. Progress bar, resumable checkpoints (bit for bit, as the other trainers), and
 * at the end its accuracy on the 10 000 test digits at t uniform in 1..T.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { NoisyClassifier, trainNoisyClassifier, type NoisyClassifierOptions } from '../models/noisy-classifier.js';
import { describeBackend, selectBackend, type BackendName } from '../nn/backend.js';
import { noisyClassifierAccuracy } from '../quality/measures.js';
import type { Estimate } from '../quality/judge.js';
import { createRng, restoreRng, type RngState } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { assertInteger, assertIntegerInRange, assertPositive, DomainError } from '../util/validate.js';
import { assertCheckpointWritable, loadCheckpoint, loadOptimizerState, optimizerState, readManifest, saveCheckpoint } from './checkpoint.js';
import { MAX_BATCH, MAX_STEPS, MAX_T, numberOption, refuseBadOptions, TrainingStopped } from './options.js';
import { LossDisplay } from './progress.js';

/** The default number of Adam steps of `pnpm train noisy-classifier`. */
export const NOISY_CLASSIFIER_STEPS = 3000;

export const NOISY_CLASSIFIER_HELP = `Usage: pnpm train noisy-classifier [options]
  --steps N          Adam steps (default ${NOISY_CLASSIFIER_STEPS})
  --batch N          batch size (default 64); each digit gets its own t ~ U{1..T} and ε
  --lr X             Adam learning rate (default 2e-3)
  --T N              steps of the linear schedule (default 1000, the ddpm quick preset's)
  --size N           image side: 16 (MNIST 2×2 average-pooled, the quick preset's) or 32 (default 16)
  --limit N          MNIST training images to use (default 60000)
  --out DIR          checkpoint folder (default checkpoints/noisy-classifier, git-ignored)
  --every N          checkpoint every N steps (default 500)
  --test-limit N     MNIST test digits the final accuracy is measured on (default 10000)
  --resume           continue from the checkpoint in --out (refused if there is none or it is damaged): its
                     architecture, T, batch, lr and seed are kept, and with its saved Adam state and random stream
                     the run goes on bit for bit. A loss that becomes NaN/∞ stops the run (exit 1) and keeps the
                     last good checkpoint
  --backend NAME     auto | node-gpu | node | wasm | cpu (default: DDPM_BACKEND or auto)
  --seed N           random seed (default 0)`;

const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;

export interface NoisyClassifierRunOptions {
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly T: number;
  readonly size: number;
  /** Training digits (undefined = all 60 000). */
  readonly limit: number | undefined;
  readonly out: string;
  readonly every: number;
  readonly resume: boolean;
  readonly backend: BackendName | 'auto' | undefined;
  readonly seed: number;
  /** Which options were given (a resumed run keeps the checkpoint's value of the others). */
  readonly given?: ReadonlySet<'batch' | 'lr' | 'T' | 'seed'>;
  /** Test digits to measure on at the end (default all 10 000). */
  readonly testLimit?: number;
}

/** Parse `pnpm train noisy-classifier` arguments. Returns null for `--help`; bad options throw a DomainError naming the option. */
export function parseNoisyClassifierArgs(argv: readonly string[]): NoisyClassifierRunOptions | null {
  const { values, positionals } = refuseBadOptions(() =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        steps: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, T: { type: 'string' }, size: { type: 'string' },
        limit: { type: 'string' }, 'test-limit': { type: 'string' }, out: { type: 'string' }, every: { type: 'string' }, resume: { type: 'boolean' },
        backend: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' },
      },
    }),
  );
  if (values.help) return null;
  if (positionals[0] !== 'noisy-classifier' || positionals.length > 1) throw new DomainError('pnpm train', 'model', "'noisy-classifier'", positionals.join(' ') || '(none)');
  const backend = values.backend ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new DomainError('pnpm train', '--backend', BACKENDS.join(' | '), backend);
  const size = numberOption('size', values.size, 16, { integer: true, min: 16, max: 32 });
  if (size !== 16 && size !== 32) throw new DomainError('pnpm train', '--size', '16 or 32', size);
  const given = new Set<'batch' | 'lr' | 'T' | 'seed'>();
  if (values.batch !== undefined) given.add('batch');
  if (values.lr !== undefined) given.add('lr');
  if (values.T !== undefined) given.add('T');
  if (values.seed !== undefined) given.add('seed');
  return {
    steps: numberOption('steps', values.steps, NOISY_CLASSIFIER_STEPS, { integer: true, min: 0, max: MAX_STEPS }),
    batchSize: numberOption('batch', values.batch, 64, { integer: true, min: 1, max: MAX_BATCH }),
    learningRate: numberOption('lr', values.lr, 2e-3, { positive: true }),
    T: numberOption('T', values.T, 1000, { integer: true, min: 2, max: MAX_T }),
    size,
    limit: values.limit === undefined ? undefined : numberOption('limit', values.limit, 0, { integer: true, min: 1, max: 60000 }),
    ...(values['test-limit'] === undefined ? {} : { testLimit: numberOption('test-limit', values['test-limit'], 0, { integer: true, min: 1, max: 10000 }) }),
    out: path.resolve(values.out ?? path.join('checkpoints', 'noisy-classifier')),
    every: numberOption('every', values.every, 500, { integer: true, min: 1 }),
    resume: values.resume ?? false,
    backend: backend as BackendName | 'auto',
    seed: numberOption('seed', values.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 1 }),
    given,
  };
}

export interface NoisyClassifierRunResult {
  readonly model: NoisyClassifier;
  /** Step reached (including a resumed run's earlier steps). */
  readonly step: number;
  /** Seconds of training, a resumed run's earlier ones included (as the checkpoint records). */
  readonly trainSeconds: number;
  /** Accuracy on the test digits, each noised once at its own t ~ U{1..T} (noisyClassifierAccuracy). */
  readonly testAccuracy: Estimate;
}

/**
 * Train (or resume) the noisy classifier per `options`, saving a checkpoint every `every` steps and at the end, then
 * measure it on the test digits at t uniform in 1..T (recorded in the checkpoint's meta as `testAccuracy`).
 */
export async function runNoisyClassifierTraining(
  options: NoisyClassifierRunOptions,
  hooks: {
    onStart?: (info: { start: number; total: number; params: number; examples: number; notes: readonly string[] }) => void;
    onStep?: (info: { step: number; loss: number; seconds: number }) => void;
    onCheckpoint?: (info: { step: number }) => void;
  } = {},
): Promise<NoisyClassifierRunResult> {
  const fn = 'runNoisyClassifierTraining';
  const { steps, out, every } = options;
  assertIntegerInRange(fn, 'steps', steps, 0, MAX_STEPS);
  assertIntegerInRange(fn, 'batchSize', options.batchSize, 1, MAX_BATCH);
  assertPositive(fn, 'learningRate', options.learningRate);
  assertIntegerInRange(fn, 'T', options.T, 2, MAX_T);
  if (options.size !== 16 && options.size !== 32) throw new DomainError(fn, 'size', '16 or 32', options.size);
  if (options.limit !== undefined) assertIntegerInRange(fn, 'limit', options.limit, 1, 60000);
  if (options.testLimit !== undefined) assertIntegerInRange(fn, 'testLimit', options.testLimit, 1, 10000);
  assertInteger(fn, 'every', every, 1);
  assertIntegerInRange(fn, 'seed', options.seed, 0, 2 ** 32 - 1);
  if (typeof out !== 'string' || out === '') throw new DomainError(fn, 'out', 'a folder path', String(out));

  // A resumed run keeps the checkpoint's settings (a flag that changes one says so: the run then no longer continues
  // exactly); its architecture, T and seed cannot change.
  const m = options.resume ? readManifest(out) : undefined;
  if (m && m.kind !== 'noisy-classifier') throw new DomainError('pnpm train', '--resume', 'a noisy-classifier checkpoint in --out', `${out} (kind '${m.kind}')`);
  const saved = m?.meta ?? {};
  const notes: string[] = [];
  const kept = (name: 'batch' | 'lr', value: number, savedValue: unknown): number => {
    if (!m || typeof savedValue !== 'number') return value;
    if (!options.given?.has(name)) return savedValue;
    if (value !== savedValue) notes.push(`--${name} ${value} instead of the checkpoint's ${savedValue}: the run no longer continues exactly`);
    return value;
  };
  const batchSize = kept('batch', options.batchSize, saved['batchSize']);
  const learningRate = kept('lr', options.learningRate, saved['learningRate']);
  const savedT = (saved['schedule'] as { T?: number } | undefined)?.T;
  if (m && options.given?.has('T') && savedT !== undefined && savedT !== options.T) throw new DomainError('pnpm train', '--T', `the checkpoint's T = ${savedT} when resuming`, options.T);
  const T = m && typeof savedT === 'number' ? savedT : options.T;
  const savedSeed = saved['seed'];
  if (m && options.given?.has('seed') && typeof savedSeed === 'number' && savedSeed !== options.seed) throw new DomainError('pnpm train', '--seed', `the checkpoint's seed = ${savedSeed} when resuming`, options.seed);
  const seed = m && typeof savedSeed === 'number' ? savedSeed : options.seed;
  const schedule = linearSchedule(T);

  const rng = createRng(seed);
  const model = new NoisyClassifier(rng, m ? (m.config as NoisyClassifierOptions) : { size: options.size });
  const optimizer = tf.train.adam(learningRate);
  let start = 0;
  let trainRng = rng;
  if (m) {
    loadCheckpoint(out, model);
    start = m.step;
    const stream = m.meta.rngState as RngState | undefined;
    trainRng = stream ? restoreRng(stream) : createRng((seed + start * 7919) >>> 0);
    if (!stream) notes.push('no saved random stream: a new one starts');
    const why = await loadOptimizerState(out, optimizer);
    if (why) notes.push(`${why}: Adam restarts`);
  }
  // Found now rather than at the first checkpoint: a read-only or full --out (weights and Adam's two moments).
  assertCheckpointWritable('pnpm train', '--out', out, 3 * 4 * model.params.count + 1e6);
  const train = loadMnist('train', options.limit);
  const x = mnistTensor(train, model.size);
  hooks.onStart?.({ start, total: start + steps, params: model.params.count, examples: train.count, notes });

  const savedSeconds = typeof saved['trainSeconds'] === 'number' ? (saved['trainSeconds'] as number) : 0;
  const t0 = performance.now();
  const trainSeconds = () => savedSeconds + (performance.now() - t0) / 1000;
  const meta = (extra: Record<string, unknown> = {}) => ({
    schedule: { name: schedule.name, T }, backend: tf.getBackend(), batchSize, learningRate, trainDigits: train.count, seed, workers: 1,
    trainSeconds: trainSeconds(), rngState: trainRng.state(), ...extra,
  });
  let lastSaved = m ? start : undefined;
  const checkpoint = async (step: number, extra?: Record<string, unknown>) => {
    saveCheckpoint(out, model, step, meta(extra), { optimizer: await optimizerState(optimizer) });
    lastSaved = step;
    hooks.onCheckpoint?.({ step });
  };
  let step = start;
  const end = start + steps;
  let diverged: { step: number; loss: number } | undefined;
  let last = performance.now();
  try {
    // Train up to each checkpoint, then save it (saving the optimizer's state is asynchronous).
    while (step < end && !diverged) {
      trainNoisyClassifier(model, x, train.labels, trainRng, {
        schedule, steps: Math.min(every - (step % every), end - step), batchSize, optimizer,
        onStep: ({ loss }) => {
          step++;
          // A non-finite loss: the weights are (or are about to be) NaN; stop before anything of it is saved.
          if (!Number.isFinite(loss)) {
            diverged = { step, loss };
            return false;
          }
          const now = performance.now();
          hooks.onStep?.({ step, loss, seconds: (now - last) / 1000 });
          last = now;
          return true;
        },
      });
      if (!diverged && step % every === 0 && step < end) await checkpoint(step);
    }
  } finally {
    x.dispose();
  }
  if (diverged) {
    optimizer.dispose();
    model.params.dispose();
    const where = lastSaved === undefined ? `no checkpoint was written by this run (${out} is unchanged)` : `the last good checkpoint is ${out} at step ${lastSaved}`;
    throw new TrainingStopped(`pnpm train: the loss became ${diverged.loss} at step ${diverged.step} (learning rate ${learningRate}); training stopped and nothing after it was saved; ${where}`);
  }
  const seconds = trainSeconds();
  // The test digits, each noised at its own t ~ U{1..T}, from a stream of their own (not the training stream).
  const test = loadMnist('test', options.testLimit);
  const xt = mnistTensor(test, model.size);
  const measureRng = createRng((seed + 1) >>> 0);
  const tTest = Int32Array.from({ length: test.count }, () => measureRng.int(1, T));
  const testAccuracy = noisyClassifierAccuracy(model, schedule, xt, test.labels, tTest, measureRng);
  xt.dispose();
  await checkpoint(step, { trainSeconds: seconds, testAccuracy: testAccuracy.value, testDigits: test.count, testProtocol: 'each test digit noised once at its own t ~ U{1..T}' });
  optimizer.dispose();
  return { model, step, trainSeconds: seconds, testAccuracy };
}

export interface NoisyClassifierCliResult extends NoisyClassifierRunResult {
  /** Checkpoint folder. */
  readonly out: string;
  /** Per-step losses of this run. */
  readonly losses: Float64Array;
}

/**
 * `pnpm train noisy-classifier …` on command-line arguments (without the node and script names, the model first):
 * pick the backend, train with a progress bar, measure, save. Returns undefined after printing the help.
 */
export async function runNoisyClassifierCli(argv: readonly string[], log: (line: string) => void = console.log): Promise<NoisyClassifierCliResult | undefined> {
  const options = parseNoisyClassifierArgs(argv);
  if (!options) {
    log(NOISY_CLASSIFIER_HELP);
    return undefined;
  }
  const choice = await selectBackend(options.backend && options.backend !== 'auto' ? { backend: options.backend } : {});
  log(`backend: ${describeBackend(choice)}`);
  const display = new LossDisplay(log, 0.98, 3);
  let result: NoisyClassifierRunResult;
  try {
    result = await runNoisyClassifierTraining(options, {
      onStart: ({ start, total, params, examples, notes }) => {
        if (start > 0) log(`resumed from ${options.out} at step ${start}`);
        for (const note of notes) log(`note: ${note}`);
        log(`noisy-classifier: ${params.toLocaleString()} parameters, ${examples} training digits at ${options.size}×${options.size}, t ~ U{1..T}, batch ${options.batchSize}`);
        display.start(total, start);
      },
      onStep: (s) => display.step(s),
      onCheckpoint: ({ step }) => display.note(`step ${step}: loss ${display.loss} (moving average)`),
    });
  } finally {
    display.stop();
  }
  const a = result.testAccuracy;
  log(`checkpoint: ${options.out} (step ${result.step}, ${result.trainSeconds.toFixed(0)} s of training); test accuracy at t ~ U{1..T}: ${(100 * a.value).toFixed(2)} % ± ${(100 * a.standardError).toFixed(2)} (${a.n} digits)`);
  return { ...result, out: options.out, losses: Float64Array.from(display.losses) };
}
