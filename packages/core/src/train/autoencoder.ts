/**
 * `pnpm train ae|vae|cvae [options]` — S4's autoencoders trained on MNIST from the command line, with a progress bar
 * (steps/s, loss, ETA), resumable checkpoints and PNG grids (AE: originals above reconstructions; VAE: originals,
 * reconstructions, then samples from the prior; CVAE: one row of prior samples per digit 0–9). Also the VAE's
 * evidence lower bound (B5) on held-out digits, in nats per image.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { gaussianElbo, klToStandardNormal } from '../autoencoder/losses.js';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { ConvAutoencoder, trainAutoencoder, type AutoencoderKind, type ConvAutoencoderOptions } from '../models/autoencoder.js';
import { describeBackend, selectBackend, type BackendName } from '../nn/backend.js';
import { createRng, restoreRng, type Rng, type RngState } from '../random/rng.js';
import { mean, standardError } from '../stats/descriptive.js';
import { assertInteger, assertIntegerInRange, assertPositive, DomainError } from '../util/validate.js';
import { MAX_BATCH, MAX_STEPS, numberOption, refuseBadOptions, TrainingStopped } from './options.js';
import { assertCheckpointWritable, loadCheckpoint, loadOptimizerState, optimizerState, readManifest, saveCheckpoint } from './checkpoint.js';
import { LossDisplay } from './progress.js';
import { imageGridPng, writePng } from './png.js';

export const AUTOENCODER_KINDS: readonly AutoencoderKind[] = ['ae', 'vae', 'cvae'];

export const AUTOENCODER_HELP = `Usage: pnpm train <ae|vae|cvae> [options]
  --steps N          training steps (default 1500)
  --batch N          batch size (default 32)
  --lr X             Adam learning rate (default 1e-3)
  --dim N            channels of every conv layer (default 16; S4 uses 64, ~4× slower per step)
  --latent N         latent size d (default 16)
  --head N           VAE/CVAE: width of the hidden layer before μ and log σ² (default 2d, as S4; a 2-D latent wants
                     more, e.g. 64: S4's 4 units confine μ to a cone of the plane)
  --limit N          MNIST training images to use (default 60000)
  --out DIR          checkpoint folder (default checkpoints/<model>, git-ignored)
  --every N          checkpoint + PNG grid every N steps (default 200)
  --resume           continue from the checkpoint in --out (refused if there is none or it is damaged; its
                     architecture and lr are kept; with its saved Adam state and random stream the run goes on bit
                     for bit as if it had not stopped). A loss that becomes NaN/∞ stops the run (exit 1) and keeps
                     the last good checkpoint
  --backend NAME     auto | node-gpu | node | wasm | cpu (default: DDPM_BACKEND or auto)
  --seed N           random seed (default 0)`;

export interface AutoencoderRunOptions {
  readonly kind: AutoencoderKind;
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Whether --lr was given (a resumed run otherwise keeps the checkpoint's learning rate). */
  readonly learningRateGiven?: boolean;
  readonly dim: number;
  readonly latent: number;
  /** Hidden width of the μ / log σ² heads (default 2·latent, S4's). */
  readonly head?: number;
  /** Training digits (undefined = all 60 000). */
  readonly limit: number | undefined;
  readonly out: string;
  readonly every: number;
  readonly resume: boolean;
  readonly backend: BackendName | 'auto' | undefined;
  readonly seed: number;
}

/**
 * Parse `pnpm train ae|vae|cvae` arguments (the model first). Returns null for `--help`; throws a DomainError
 * naming the option for an unknown model, option or malformed value.
 */
export function parseAutoencoderArgs(argv: readonly string[]): AutoencoderRunOptions | null {
  const { values, positionals } = refuseBadOptions(() =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        steps: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, dim: { type: 'string' }, latent: { type: 'string' }, head: { type: 'string' },
        limit: { type: 'string' }, out: { type: 'string' }, every: { type: 'string' }, resume: { type: 'boolean' },
        backend: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' },
      },
    }),
  );
  if (values.help) return null;
  const kind = positionals[0] as AutoencoderKind;
  if (!AUTOENCODER_KINDS.includes(kind)) throw new DomainError('pnpm train', 'model', "'ae', 'vae' or 'cvae'", positionals[0] ?? '(none)');
  if (positionals.length > 1) throw new DomainError('pnpm train', 'model', 'a single model name', positionals.join(' '));
  const backend = values.backend as BackendName | 'auto' | undefined;
  if (backend !== undefined && !['auto', 'node-gpu', 'node', 'wasm', 'cpu'].includes(backend)) {
    throw new DomainError('pnpm train', '--backend', "one of 'auto', 'node-gpu', 'node', 'wasm', 'cpu'", backend);
  }
  return {
    kind,
    steps: numberOption('steps', values.steps, 1500, { integer: true, min: 0, max: MAX_STEPS }),
    batchSize: numberOption('batch', values.batch, 32, { integer: true, min: 1, max: MAX_BATCH }),
    learningRate: numberOption('lr', values.lr, 1e-3, { positive: true }),
    learningRateGiven: values.lr !== undefined,
    dim: numberOption('dim', values.dim, 16, { integer: true, min: 1, max: 1024 }),
    latent: numberOption('latent', values.latent, 16, { integer: true, min: 1, max: 4096 }),
    ...(values.head === undefined ? {} : { head: numberOption('head', values.head, 0, { integer: true, min: 1, max: 4096 }) }),
    limit: values.limit === undefined ? undefined : numberOption('limit', values.limit, 0, { integer: true, min: 1, max: 60000 }),
    out: path.resolve(values.out ?? path.join('checkpoints', kind)),
    every: numberOption('every', values.every, 200, { integer: true, min: 1 }),
    resume: values.resume ?? false,
    backend,
    seed: numberOption('seed', values.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 2 }),
  };
}

/**
 * The images of a model's PNG grid and its column count, from `digits` (test images [n ≥ 10, 32, 32, 1]):
 * AE — 10 originals above their reconstructions; VAE — 10 originals, their reconstructions (decoded at z = μ), then
 * 3 rows of decoded prior draws z ~ N(0, I); CVAE — for each digit 0–9 a row of 8 prior draws decoded with that label.
 */
export function autoencoderGrid(model: ConvAutoencoder, digits: tf.Tensor4D, rng: Rng): { images: tf.Tensor4D; cols: number } {
  if (digits.rank !== 4 || digits.shape[0] < 10) throw new DomainError('autoencoderGrid', 'digits', 'images [n ≥ 10, H, W, 1]', `[${digits.shape}]`);
  if (model.kind === 'cvae') {
    const cols = 8;
    const labels = tf.tensor1d(Int32Array.from({ length: 10 * cols }, (_, i) => Math.floor(i / cols)), 'int32');
    const z = rng.normalTensor([10 * cols, model.latent]) as tf.Tensor2D;
    const images = model.decode(z, labels);
    labels.dispose();
    z.dispose();
    return { images, cols };
  }
  const images = tf.tidy(() => {
    const originals = tf.slice(digits, 0, 10) as tf.Tensor4D;
    const rows: tf.Tensor4D[] = [originals, model.decode(model.encode(originals).mu)];
    if (model.kind === 'vae') rows.push(model.decode(rng.normalTensor([30, model.latent]) as tf.Tensor2D));
    return tf.concat(rows, 0) as tf.Tensor4D;
  });
  return { images, cols: 10 };
}

/** Write {@link autoencoderGrid} as a PNG file. */
export function writeAutoencoderGrid(file: string, model: ConvAutoencoder, digits: tf.Tensor4D, rng: Rng): void {
  const { images, cols } = autoencoderGrid(model, digits, rng);
  writePng(file, imageGridPng(images, cols));
  images.dispose();
}

export interface ElboEstimate {
  /** Mean one-sample ELBO per image (nats) and its standard error over the images. */
  readonly elbo: number;
  readonly standardError: number;
  /** Mean squared reconstruction error Σ_i (x_i − x̂_i)² per image at the sampled z, and mean KL(q(z|x) ‖ N(0, I)) (nats). */
  readonly sse: number;
  readonly kl: number;
  readonly images: number;
  /** The decoder variance s² the ELBO was computed with. */
  readonly decoderVariance: number;
}

/**
 * B5 — the evidence lower bound of a VAE/CVAE on images x, averaged over the images: one reparameterised draw
 * z ~ q(z|x) per image (noise from the seeded `rng`), Gaussian decoder p(x|z) = N(x̂(z), s² I) on the [−1, 1]-scaled
 * pixels, so the result is a log-density in nats per image (of the 32·32 = 1024 continuous pixel values). s² = ½
 * is the decoder S4's loss implies (then −ELBO = ‖x − x̂‖² + KL + (d/2) log π). For the CVAE it bounds log p(x | y).
 *
 * ```tex
 * \mathrm{ELBO}(x)=\log\mathcal N\big(x;\hat x(z),s^2I\big)-KL\big(q(z\mid x)\,\|\,\mathcal N(0,I)\big),\quad z=\mu+\sigma\odot\varepsilon
 * ```
 * Source: S3 (ELBO), S4 (the VAE's loss); Kingma & Welling 2014.
 */
export function heldOutElbo(model: ConvAutoencoder, x: tf.Tensor4D, labels: Int32Array | null, rng: Rng, options: { decoderVariance?: number; batchSize?: number } = {}): ElboEstimate {
  const { decoderVariance = 0.5, batchSize = 200 } = options;
  if (model.kind === 'ae') throw new DomainError('heldOutElbo', 'model', "a 'vae' or 'cvae' (an AE has no likelihood)", model.kind);
  if (model.kind === 'cvae' && (!labels || labels.length !== x.shape[0])) {
    throw new DomainError('heldOutElbo', 'labels', `${x.shape[0]} int labels for a CVAE`, labels ? labels.length : 'null');
  }
  assertPositive('heldOutElbo', 'decoderVariance', decoderVariance);
  assertInteger('heldOutElbo', 'batchSize', batchSize, 1);
  const N = x.shape[0];
  if (N < 2) throw new DomainError('heldOutElbo', 'x', 'at least 2 images (for a standard error)', N);
  const perImage = new Float64Array(N);
  let sse = 0;
  let kl = 0;
  for (let s = 0; s < N; s += batchSize) {
    const n = Math.min(batchSize, N - s);
    const eps = rng.normalTensor([n, model.latent]);
    const [elboB, sseB, klB] = tf.tidy(() => {
      const xb = tf.slice(x, s, n) as tf.Tensor4D;
      const lb = labels ? tf.tensor1d(labels.subarray(s, s + n), 'int32') : null;
      const o = model.forward(xb, eps, lb);
      return [
        gaussianElbo(xb, o.xHat, o.mu!, o.logVar!, decoderVariance),
        tf.sum(tf.squaredDifference(xb, o.xHat), [1, 2, 3]),
        klToStandardNormal(o.mu!, o.logVar!),
      ];
    });
    perImage.set(elboB!.dataSync(), s);
    sse += (sseB!.dataSync() as Float32Array).reduce((a, v) => a + v, 0);
    kl += (klB!.dataSync() as Float32Array).reduce((a, v) => a + v, 0);
    [eps, elboB!, sseB!, klB!].forEach((t) => t.dispose());
  }
  return { elbo: mean(perImage), standardError: standardError(perImage), sse: sse / N, kl: kl / N, images: N, decoderVariance };
}

/** The AE/VAE/CVAE saved in `dir` by `pnpm train` (its architecture from the checkpoint), with the checkpoint's step. */
export function loadAutoencoder(dir: string): { model: ConvAutoencoder; step: number } {
  const m = readManifest(dir);
  if (!(AUTOENCODER_KINDS as readonly string[]).includes(m.kind)) throw new DomainError('loadAutoencoder', 'dir', 'a folder holding an ae, vae or cvae checkpoint', `${dir} (kind '${m.kind}')`);
  const model = new ConvAutoencoder(createRng(0), m.config as ConvAutoencoderOptions);
  loadCheckpoint(dir, model);
  return { model, step: m.step };
}

export interface AutoencoderRunResult {
  readonly model: ConvAutoencoder;
  /** Step reached (including a resumed run's earlier steps). */
  readonly step: number;
  readonly grid: string;
  readonly seconds: number;
}

/**
 * Train (or resume) an AE/VAE/CVAE on MNIST per `options`, saving a checkpoint and a PNG grid (of test digits)
 * every `every` steps and at the end. `onStep` receives each step's loss and duration (the CLI's progress bar).
 */
export async function runAutoencoderTraining(
  options: AutoencoderRunOptions,
  hooks: {
    onStart?: (info: { start: number; total: number; params: number; examples: number; notResumed?: string }) => void;
    onStep?: (info: { step: number; loss: number; seconds: number }) => void;
    onCheckpoint?: (info: { step: number; grid: string }) => void;
  } = {},
): Promise<AutoencoderRunResult> {
  const { kind, steps, batchSize, out, every } = options;
  // The same bounds as the command line's, for callers that build the options themselves (the benchmarks).
  const fn = 'runAutoencoderTraining';
  if (!AUTOENCODER_KINDS.includes(kind)) throw new DomainError(fn, 'kind', "'ae', 'vae' or 'cvae'", String(kind));
  assertIntegerInRange(fn, 'steps', steps, 0, MAX_STEPS);
  assertIntegerInRange(fn, 'batchSize', batchSize, 1, MAX_BATCH);
  assertPositive(fn, 'learningRate', options.learningRate);
  assertInteger(fn, 'dim', options.dim, 1);
  assertInteger(fn, 'latent', options.latent, 1);
  if (options.head !== undefined) {
    assertInteger(fn, 'head', options.head, 1);
    if (kind === 'ae') throw new DomainError('pnpm train', '--head', 'used with vae or cvae (the AE has no μ / log σ² head)', options.head);
  }
  if (options.limit !== undefined) assertIntegerInRange(fn, 'limit', options.limit, 1, 60000);
  assertInteger(fn, 'every', every, 1);
  assertIntegerInRange(fn, 'seed', options.seed, 0, 2 ** 32 - 2);
  if (typeof out !== 'string' || out === '') throw new DomainError(fn, 'out', 'a folder path', String(out));
  const rng = createRng(options.seed);
  let model: ConvAutoencoder;
  let start = 0;
  // The batches and the VAE's ε: a resumed run continues the saved stream and Adam's saved state, so it takes bit for
  // bit the steps the uninterrupted run would have. A missing or damaged checkpoint is refused (readManifest).
  let trainRng = rng;
  const notResumed: string[] = [];
  const m = options.resume ? readManifest(out) : undefined;
  // A resumed run keeps its learning rate unless --lr says otherwise.
  const savedRate = m?.meta.learningRate;
  const learningRate = m && options.learningRateGiven !== true && typeof savedRate === 'number' ? savedRate : options.learningRate;
  if (m && learningRate !== savedRate) notResumed.push(`learning rate ${learningRate} instead of the checkpoint's ${String(savedRate)}`);
  const optimizer = tf.train.adam(learningRate);
  if (m) {
    if (m.kind !== kind) throw new DomainError('pnpm train', '--out', `a folder holding a '${kind}' checkpoint to resume`, `${out} (kind '${m.kind}')`);
    model = new ConvAutoencoder(rng, m.config as ConvAutoencoderOptions);
    loadCheckpoint(out, model);
    start = m.step;
    const saved = m.meta.rngState as RngState | undefined;
    trainRng = saved ? restoreRng(saved) : createRng((options.seed + start) >>> 0);
    if (!saved) notResumed.push('no saved random stream: a new one starts');
    const why = await loadOptimizerState(out, optimizer);
    if (why) notResumed.push(`${why}: Adam restarts`);
  } else {
    model = new ConvAutoencoder(rng, { kind, dim: options.dim, latent: options.latent, ...(options.head === undefined ? {} : { head: options.head }) });
  }
  // Found now rather than at the first checkpoint: a read-only or full --out.
  assertCheckpointWritable('pnpm train', '--out', out, 3 * 4 * model.params.count + 1e6);
  const train = loadMnist('train', options.limit);
  const x = mnistTensor(train);
  const test = loadMnist('test', 10);
  const digits = mnistTensor(test);
  hooks.onStart?.({ start, total: start + steps, params: model.params.count, examples: train.count, ...(notResumed.length ? { notResumed: notResumed.join('; ') } : {}) });
  const gridSeed = options.seed + 1; // the same prior draws in every grid, so grids compare across steps
  // Training time so far (a resumed run adds its own), with checkpoints and grids: the shipped weights' manifest
  // records it (weights/manifest.json).
  const savedSeconds = typeof m?.meta.trainSeconds === 'number' ? m.meta.trainSeconds : 0;
  const meta = () => ({ backend: tf.getBackend(), batchSize, learningRate, trainDigits: train.count, seed: options.seed, trainSeconds: savedSeconds + (performance.now() - t0) / 1000, rngState: trainRng.state() });
  let grid = path.join(out, 'grid.png');
  let lastSaved = m ? start : undefined;
  const checkpoint = async (step: number) => {
    saveCheckpoint(out, model, step, meta(), { optimizer: await optimizerState(optimizer) });
    lastSaved = step;
    grid = path.join(out, `grid-${String(step).padStart(6, '0')}.png`);
    writeAutoencoderGrid(grid, model, digits, createRng(gridSeed));
    hooks.onCheckpoint?.({ step, grid });
  };
  const dispose = () => {
    optimizer.dispose();
    x.dispose();
    digits.dispose();
  };
  const t0 = performance.now();
  let last = performance.now();
  let step = start;
  const end = start + steps;
  let diverged: { step: number; loss: number } | undefined;
  // Train up to each checkpoint, then save it (saving the optimizer's state is asynchronous).
  while (step < end && !diverged) {
    trainAutoencoder(model, x, kind === 'cvae' ? train.labels : null, trainRng, {
      steps: Math.min(every - (step % every), end - step), batchSize, optimizer,
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
    if (!diverged && step % every === 0) await checkpoint(step);
  }
  if (diverged) {
    dispose();
    model.params.dispose();
    const where = lastSaved === undefined ? `no checkpoint was written by this run (${out} is unchanged)` : `the last good checkpoint is ${out} at step ${lastSaved}`;
    throw new TrainingStopped(`pnpm train: the loss became ${diverged.loss} at step ${diverged.step} (learning rate ${learningRate}); training stopped and nothing after it was saved; ${where}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (lastSaved !== step) await checkpoint(step);
  dispose();
  return { model, step, grid, seconds };
}

export interface AutoencoderCliResult {
  readonly kind: AutoencoderKind;
  /** Checkpoint folder. */
  readonly out: string;
  /** Step count of the saved checkpoint. */
  readonly step: number;
  /** The last PNG grid written. */
  readonly grid: string;
  /** Per-step losses of this run. */
  readonly losses: Float64Array;
}

/**
 * `pnpm train ae|vae|cvae …` on command-line arguments (without the node and script names): pick the backend,
 * train with a progress bar, save. Returns undefined after printing the help; bad options throw a DomainError.
 */
export async function runAutoencoderCli(argv: readonly string[], log: (line: string) => void = console.log): Promise<AutoencoderCliResult | undefined> {
  const options = parseAutoencoderArgs(argv);
  if (!options) {
    log(AUTOENCODER_HELP);
    return undefined;
  }
  const choice = await selectBackend(options.backend ? { backend: options.backend } : {});
  log(`backend: ${describeBackend(choice)}`);
  const display = new LossDisplay(log, 0.95, 1);
  let result: AutoencoderRunResult;
  try {
    result = await runAutoencoderTraining(options, {
      onStart: ({ start, total, params, examples, notResumed }) => {
        if (start > 0) log(`resumed from ${options.out} at step ${start}${notResumed ? ` (${notResumed})` : ''}`);
        log(`${options.kind}: ${params.toLocaleString()} parameters, ${examples} training digits, batch ${options.batchSize}, lr ${options.learningRate}`);
        display.start(total, start);
      },
      onStep: (s) => display.step(s),
      onCheckpoint: ({ step, grid }) => display.note(`step ${step}: loss ${display.loss}, grid ${grid}`),
    });
  } finally {
    display.stop();
  }
  log(`checkpoint: ${options.out} (step ${result.step}, ${result.seconds.toFixed(0)} s of training); grid: ${result.grid}`);
  result.model.params.dispose();
  return { kind: options.kind, out: options.out, step: result.step, grid: result.grid, losses: Float64Array.from(display.losses) };
}
