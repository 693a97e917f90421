#!/usr/bin/env node
/**
 * `pnpm train <model> [options]` — train a model from the command line with a progress bar (steps/s, loss, ETA),
 * checkpoints (one verified unit per save, train/checkpoint.ts; `--resume` continues one bit for bit) and PNG sample grids.
 *
 * Models: `ddpm2d` (MLP on a 2-D toy set), `ddpm` (UNet on MNIST), `cddpm` (conditional UNet with classifier-free
 * guidance), `dit` and `cdit` (the Diffusion Transformer of S3, unconditional and with classifier-free guidance),
 * `ldm` and `cldm` (S1's latent diffusion: a KL or VQ first stage, train/first-stage.ts, then a UNet or DiT DDPM on
 * its scaled latents); `ae` `vae` `cvae` (train/autoencoder.ts), `classifier` (the judge, train/classifier.ts) and
 * `noisy-classifier` (classifier guidance's p_φ(y | x_t, t), train/noisy-classifier.ts) have front ends of their
 * own. Run with `--help` for the options. The UNets default to the `quick` preset, small enough to draw
 * recognisable digits after minutes on a CPU; `--preset s4` is S4's full-size model.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, selectBackend, wasmThreadsInUse, type BackendName } from '../nn/backend.js';
import { MlpDenoiser } from '../models/mlp.js';
import { UNet, type UNetOptions } from '../models/unet.js';
import { DiT, type DiTOptions } from '../models/dit.js';
import { learnsVariance, type DenoiserModel } from '../models/types.js';
import { loadMnist, mnistTensor, type MnistData } from '../data/mnist.js';
import { pointsTensor, toy2d, TOY_2D_NAMES, type Toy2dName } from '../data/toy2d.js';
import { createRng, restoreRng, type RngState } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { assertInteger, DomainError } from '../util/validate.js';
import { assertCheckpointWritable, hasCheckpoint, loadCheckpoint, loadOptimizerState, optimizerState, readManifest, saveCheckpoint, type CheckpointManifest } from './checkpoint.js';
import { encodeAll, firstStageDecoder, loadFirstStage, trainAndSaveFirstStage, type FirstStage } from './first-stage.js';
import type { FirstStageRegularizer } from '../models/latent-autoencoder.js';
import { sampleModel, type Dataset } from './ddpm.js';
import { trainDdpmParallel } from './parallel.js';
import { WeightAverage } from './ema.js';
import { MAX_BATCH, MAX_SAMPLES, MAX_STEPS, MAX_T, numberOption, TrainingStopped } from './options.js';
import { LossDisplay } from './progress.js';
import { imageGridPng, scatterPng, writePng } from './png.js';
import { AUTOENCODER_HELP, AUTOENCODER_KINDS, runAutoencoderCli } from './autoencoder.js';
import { CLASSIFIER_HELP, runClassifierCli } from './classifier.js';
import { NOISY_CLASSIFIER_HELP, runNoisyClassifierCli } from './noisy-classifier.js';

/**
 * Training settings of the MNIST UNets. `quick`: MNIST average-pooled 2× to 16×16, UNet widths 16/32/64 and the
 * full-resolution input skip (0.33 M parameters, ~21 ms per example per step on wasm against ~90 ms for the same
 * widths at 32×32): 0.2 s per step of 32 on one thread of a 2-core machine, 0.15 s on both (`--workers`, the default),
 * so cddpm's 1500 steps take ~4 min and draw guided digits; ddpm's 5000 take ~13 min (docs/BENCHMARKS.md). Without the input skip the same model
 * still drew noise after 500 steps (its ε error at t = T was 0.15, amplified 1/√ᾱ_T ≈ 160× by DDIM).
 * `s4`: S4's model as it is, 32×32 and widths 64/128/256 (5.1 M parameters).
 */
export const UNET_PRESETS = {
  // The unconditional model needs more steps than the guided one for digits: at 1500 steps 16 % of its samples read
  // as a digit, at 5000 36–38 % (77 % for real digits at 16×16); guidance gets cddpm there in 1500 (docs/BENCHMARKS.md).
  quick: { size: 16, filters: [16, 32, 64], inputSkip: true, steps: 1500, unconditionalSteps: 5000, batch: 32, micro: 1, lr: 2e-3 },
  s4: { size: 32, filters: [64, 128, 256], inputSkip: false, steps: 500, unconditionalSteps: 500, batch: 32, micro: 2, lr: 1e-3 },
} as const;
export type UNetPresetName = keyof typeof UNET_PRESETS;

/**
 * Training settings of the MNIST DiTs (`dit`, `cdit`). `quick`: the same 16×16 MNIST as the quick UNets, patches of
 * 2×2 (64 tokens), width 64, 4 blocks of 4 heads (0.32 M parameters, about the quick UNet's count); Adam at 1e-3.
 */
export const DIT_PRESETS = {
  quick: { size: 16, patch: 2, dim: 64, depth: 4, heads: 4, steps: 1500, unconditionalSteps: 5000, batch: 32, micro: 1, lr: 1e-3 },
} as const;

/**
 * Training settings of latent diffusion (`ldm`, `cldm`). The first stage maps 16×16 MNIST to 4×4×4 latents (f = 4,
 * c = 4: 64 numbers for 256 pixels); 2000 Adam steps of 64 take ~3 min on one thread and reconstruct test digits
 * to a squared error of ~6 per image (Σx² ≈ 229). The denoiser then works on 16 positions instead of 256: a UNet of
 * widths 32/64 (4×4 → 2×2 → 1×1) or a DiT with 1×1 patches (16 tokens), each step a fraction of a pixel model's.
 */
export const LDM_PRESETS = {
  quick: {
    size: 16, firstStageSteps: 2000, firstStageBatch: 64, steps: 1500, unconditionalSteps: 5000, batch: 32, micro: 1,
    unet: { filters: [32, 64], lr: 2e-3 },
    dit: { patch: 1, dim: 64, depth: 4, heads: 4, lr: 1e-3 },
  },
} as const;

export const HELP = `Usage: pnpm train <ddpm2d|ddpm|cddpm|dit|cdit|ldm|cldm> [options]   (autoencoders: pnpm train <ae|vae|cvae> --help; the judge: pnpm train classifier --help;
                                                   classifier guidance's noisy classifier: pnpm train noisy-classifier --help)
  dit, cdit          S3's Diffusion Transformer on 16×16 MNIST (cdit: with labels, dropped 10 % of the time for
                     classifier-free guidance): patches 2×2, width 64, 4 blocks of 4 heads; --patch, --dim, --depth,
                     --heads change them; --steps, --batch, --lr, --workers, --resume, --every as for the UNets
  ldm, cldm          S1's latent diffusion (cldm: with labels and classifier-free guidance): a first stage maps
                     16×16 MNIST to 4×4×4 latents, then a DDPM learns the latents scaled to unit variance (B8);
                     samples are decoded. --denoiser unet (widths 32,64) | dit (1×1 patches); --regularizer kl
                     (default) | vq; --ae-steps N first-stage steps (default 2000); the first stage is saved in
                     <out>/first-stage and reused by a later run there, or taken from --first-stage DIR
  --preset NAME      UNet settings: quick (16×16 MNIST, widths 16,32,64 plus a full-resolution input skip; guided
                     digits in ~4 min, unguided in ~13 min on 2 CPU cores) | s4 (S4's 32×32 UNet as it is, widths 64,128,256; hours on a CPU)
                     (default quick); the options below override it
  --steps N          training steps (default 2000 for ddpm2d; quick: 1500 for cddpm and cdit, 5000 for ddpm and dit; s4 500)
  --batch N          batch size (default 1024; 32)
  --micro N          micro-batches per step, gradients accumulated (default 1; quick 1, s4 2)
  --lr X             Adam learning rate (default 2e-3; quick 2e-3, s4 1e-3)
  --T N              diffusion steps of the linear schedule (default 100 for ddpm2d, 1000 for UNets)
  --dataset NAME     ddpm2d data: gaussianMixture | twoMoons | swissRoll (default twoMoons)
  --learn-variance   ddpm2d: improved DDPM's learned variance (D7): a variance head, trained with L_hybrid, and
                     samples drawn by DDPM with the learned Σ_θ (DDIM would ignore it)
  --limit N          MNIST training images to use (default 60000)
  --size N           image side: 32 (MNIST as S4 pads it) or 16 (2×2 average-pooled) (quick 16, s4 32)
  --filters a,b,c    UNet widths, multiples of 8 (quick 16,32,64; s4 64,128,256)
  --out DIR          checkpoint folder (default checkpoints/<model>, git-ignored): checkpoint.json points at the
                     current step-NNNNNN/ folder (weights, Adam state, weight average, checksums); checked for
                     room before training
  --workers N        threads that compute each batch's gradient in shards, this one included; each runs its own
                     single-threaded backend (default: one per core, at most 4, splitting the batch evenly; 1 on
                     tfjs-node, which threads each op itself). On 2 cores, 2 threads took 0.69× (MLP), 0.8× (quick
                     UNet) and 0.55× (S4 UNet) of the 1-thread step time
  --every N          checkpoint + sample grid every N steps (default 500)
  --minutes M        a wall-clock budget: training stops at the first step that ends after M minutes from the start
                     of this command (a latent run's first stage, if trained now, counts), --steps being the most
                     it takes; the checkpoint and grid are saved there. For comparisons at equal time
  --resume           continue from the checkpoint in --out (refused if there is none or it is damaged): its model
                     settings, T, seed, batch, micro, lr and --ema are kept, and with its saved Adam state, weight
                     average and random stream the run goes on bit for bit as if it had not stopped. A loss that
                     becomes NaN/∞ stops any run (exit 1) and keeps the last good checkpoint
  --ema D            also keep an exponential moving average of the weights, decay D in [0, 1) (default 0 = off;
                     Ho et al. use 0.9999); sample grids then use it; saved in the checkpoint (ema.bin)
  --guidance W       classifier-free guidance weight for cddpm and cdit samples (default 3)
  --samples N        samples in each grid (default 1000 points for ddpm2d, 32 for ddpm and dit, 20 for cddpm and cdit)
  --eta η            the grids' DDIM sampler (50 steps): η in [0, 1], 0 deterministic, 1 as random as DDPM
                     (default 1: on the quick preset it reads as digits far more often, docs/BENCHMARKS.md)
  --backend NAME     auto | node-gpu | node | wasm | cpu (default: DDPM_BACKEND or auto)
  --seed N           random seed (default 0)`;

const MODELS = ['ddpm2d', 'ddpm', 'cddpm', 'dit', 'cdit', 'ldm', 'cldm'] as const;
type ModelName = (typeof MODELS)[number];

/**
 * The default --workers: one single-threaded wasm (or cpu) backend per core, counting the threads of a threaded wasm
 * build, at most 4 (measured here on 2 cores only), and a count whose shards split the batch evenly. Data-parallel
 * steps took 0.69× (MLP) to 0.55× (S4 UNet) of the one-thread time on 2 cores. The native backends (tfjs-node, -gpu)
 * spread each op over the cores themselves, so with them: 1.
 */
export function defaultWorkers(batch: number, micro: number, backend: BackendName = 'wasm', threadsPerBackend = 1): number {
  assertInteger('defaultWorkers', 'batch', batch, 1);
  assertInteger('defaultWorkers', 'micro', micro, 1);
  assertInteger('defaultWorkers', 'threadsPerBackend', threadsPerBackend, 1);
  if (backend === 'node' || backend === 'node-gpu') return 1;
  for (let w = Math.min(4, Math.floor(os.availableParallelism() / threadsPerBackend)); w > 1; w--) if (batch % (w * micro) === 0) return w;
  return 1;
}

export interface TrainCliResult {
  readonly model: ModelName;
  /** Checkpoint folder. */
  readonly out: string;
  /** Step count of the saved checkpoint. */
  readonly step: number;
  /** The last sample grid written. */
  readonly samples: string;
  /** Per-step losses of this run. */
  readonly losses: Float64Array;
}

/**
 * Run the trainer on command-line arguments (without the node and script names). Returns undefined after printing
 * the help. Bad options throw a {@link DomainError} naming the option.
 */
export async function runTrainCli(argv: readonly string[], log: (line: string) => void = console.log): Promise<TrainCliResult | undefined> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      preset: { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' }, micro: { type: 'string' }, lr: { type: 'string' },
      T: { type: 'string' }, dataset: { type: 'string' }, limit: { type: 'string' }, size: { type: 'string' }, filters: { type: 'string' },
      out: { type: 'string' }, every: { type: 'string' }, resume: { type: 'boolean' }, guidance: { type: 'string' }, samples: { type: 'string' },
      patch: { type: 'string' }, dim: { type: 'string' }, depth: { type: 'string' }, heads: { type: 'string' },
      minutes: { type: 'string' }, denoiser: { type: 'string' }, regularizer: { type: 'string' }, 'first-stage': { type: 'string' }, 'ae-steps': { type: 'string' },
      backend: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' }, 'learn-variance': { type: 'boolean' }, ema: { type: 'string' }, eta: { type: 'string' }, workers: { type: 'string' },
    },
  });
  const kind = positionals[0];
  if (values.help) {
    log(HELP);
    return undefined;
  }
  if (!MODELS.includes(kind as ModelName)) throw new DomainError('pnpm train', 'model', MODELS.join(' | '), kind ?? 'nothing');
  if (positionals.length > 1) throw new DomainError('pnpm train', 'model', 'one model name', positionals.join(' '));
  const model = kind as ModelName;
  const is2d = model === 'ddpm2d';
  // Latent diffusion: the same DDPM training on a first stage's latents instead of pixels.
  const isLatent = model === 'ldm' || model === 'cldm';
  const out = path.resolve(values.out ?? path.join('checkpoints', model));
  // --resume continues the checkpoint in --out, verified; a missing, empty or damaged one is refused, never
  // silently replaced by a run from scratch.
  const resumeFrom = values.resume ? readManifest(out) : undefined;
  for (const flag of ['denoiser', 'regularizer', 'first-stage', 'ae-steps'] as const) {
    if (!isLatent && values[flag] !== undefined) throw new DomainError('pnpm train', `--${flag}`, 'used with ldm or cldm only', model);
  }
  const denoiser = values.denoiser ?? (resumeFrom?.kind === 'dit' ? 'dit' : 'unet');
  if (denoiser !== 'unet' && denoiser !== 'dit') throw new DomainError('pnpm train', '--denoiser', 'unet | dit', denoiser);
  const isDit = model === 'dit' || model === 'cdit' || (isLatent && denoiser === 'dit');
  // The label-conditioned models, trained with label dropout and sampled with classifier-free guidance (F6).
  const conditional = model === 'cddpm' || model === 'cdit' || model === 'cldm';
  type Preset = (typeof UNET_PRESETS)[UNetPresetName] | (typeof DIT_PRESETS)['quick'] | LatentPreset;
  const presets: Record<string, Preset> = isLatent ? latentPresets(denoiser) : isDit ? DIT_PRESETS : UNET_PRESETS;
  const presetName = (values.preset ?? 'quick') as UNetPresetName;
  if (!(presetName in presets)) throw new DomainError('pnpm train', '--preset', Object.keys(presets).join(' | '), values.preset);
  const preset = presets[presetName]!;
  if (!isDit) {
    for (const flag of ['patch', 'dim', 'depth', 'heads'] as const) {
      if (values[flag] !== undefined) throw new DomainError('pnpm train', `--${flag}`, 'used with dit or cdit only', model);
    }
  } else if (values.filters !== undefined) throw new DomainError('pnpm train', '--filters', 'used with the UNets only (a DiT takes --dim, --depth, --heads, --patch)', model);

  const saved = resumeFrom?.meta ?? {};
  const notes: string[] = [];
  /** A resumed run keeps the checkpoint's training settings unless the flag says otherwise (and then says so). */
  const keptSetting = (name: string, given: string | undefined, value: number, savedValue: unknown): number => {
    if (!resumeFrom || typeof savedValue !== 'number') return value;
    if (given === undefined) return savedValue;
    if (value !== savedValue) notes.push(`--${name} ${value} instead of the checkpoint's ${savedValue}: the run no longer continues exactly`);
    return value;
  };

  const steps = numberOption('steps', values.steps, is2d ? 2000 : conditional ? preset.steps : preset.unconditionalSteps, { integer: true, min: 0, max: MAX_STEPS });
  const batch = keptSetting('batch', values.batch, numberOption('batch', values.batch, is2d ? 1024 : preset.batch, { integer: true, min: 1, max: MAX_BATCH }), saved.batch);
  const micro = keptSetting('micro', values.micro, numberOption('micro', values.micro, is2d ? 1 : preset.micro, { integer: true, min: 1 }), saved.micro);
  if (batch % micro) throw new DomainError('pnpm train', '--micro', `a divisor of --batch ${batch}`, micro);
  // An explicit count is checked now; the default depends on the backend chosen below.
  const askedWorkers = values.workers === undefined ? undefined : numberOption('workers', values.workers, 1, { integer: true, min: 1, max: 64 });
  if (askedWorkers !== undefined && batch % (askedWorkers * micro)) {
    throw new DomainError('pnpm train', '--workers', `a count with --workers × --micro dividing --batch ${batch}`, askedWorkers);
  }
  const lr = keptSetting('lr', values.lr, numberOption('lr', values.lr, is2d ? 2e-3 : preset.lr, { positive: true }), saved.lr);
  let T = numberOption('T', values.T, is2d ? 100 : 1000, { integer: true, min: 2, max: MAX_T });
  const every = numberOption('every', values.every, 500, { integer: true, min: 1 });
  const minutes = values.minutes === undefined ? undefined : numberOption('minutes', values.minutes, 0, { positive: true });
  if (minutes !== undefined && minutes > 7 * 24 * 60) throw new DomainError('pnpm train', '--minutes', 'a budget of at most a week (10080 minutes)', values.minutes);
  const budgetSeconds = minutes === undefined ? undefined : 60 * minutes;
  // Off by default: on the quick preset it did not measurably improve samples (docs/BENCHMARKS.md, quality:ddpm).
  const emaDecay = keptSetting('ema', values.ema, numberOption('ema', values.ema, 0, { finite: true }), resumeFrom?.ema?.decay);
  if (!(emaDecay >= 0 && emaDecay < 1)) throw new DomainError('pnpm train', '--ema', 'a decay in [0, 1) (0 = off)', values.ema);
  const eta = numberOption('eta', values.eta, 1, { finite: true });
  if (!(eta >= 0 && eta <= 1)) throw new DomainError('pnpm train', '--eta', 'a number in [0, 1]', values.eta);
  const guidance = numberOption('guidance', values.guidance, 3, { finite: true });
  const nSamples = numberOption('samples', values.samples, is2d ? 1000 : conditional ? 20 : 32, { integer: true, min: 1, max: MAX_SAMPLES });
  const seed = numberOption('seed', values.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const limit = numberOption('limit', values.limit, 60000, { integer: true, min: 1, max: 60000 });
  let size = numberOption('size', values.size, preset.size, { integer: true, min: 16, max: 32 });
  if (size !== 16 && size !== 32) throw new DomainError('pnpm train', '--size', '16 or 32', size);
  let filters: number[] = 'filters' in preset ? [...preset.filters] : [];
  if (values.filters !== undefined) {
    filters = values.filters.split(',').map((f) => numberOption('filters', f, 0, { integer: true, min: 8, max: 4096 }));
    filters.forEach((f) => {
      if (f % 8) throw new DomainError('pnpm train', '--filters', 'widths that are multiples of 8 (GroupNorm has 8 groups)', values.filters);
    });
  }
  if (values['learn-variance'] && !is2d) throw new DomainError('pnpm train', '--learn-variance', 'used with ddpm2d only (the UNets and the DiTs have no variance head)', model);
  // A DiT's architecture: its preset, changed by --patch, --dim, --depth, --heads (refused above for the other models).
  const ditOptions: DiTOptions | undefined = 'patch' in preset ? {
    size,
    patch: numberOption('patch', values.patch, preset.patch, { integer: true, min: 1, max: 16 }),
    dim: numberOption('dim', values.dim, preset.dim, { integer: true, min: 4, max: 1024 }),
    depth: numberOption('depth', values.depth, preset.depth, { integer: true, min: 1, max: 64 }),
    heads: numberOption('heads', values.heads, preset.heads, { integer: true, min: 1, max: 64 }),
    numClasses: conditional ? 10 : 0,
  } : undefined;
  const dataset = (values.dataset ?? 'twoMoons') as Toy2dName;
  if (!TOY_2D_NAMES.includes(dataset)) throw new DomainError('pnpm train', '--dataset', TOY_2D_NAMES.join(' | '), dataset);

  // A resumed run keeps the checkpoint's architecture and schedule, whatever the flags say.
  if (resumeFrom) {
    const expectedKind = is2d ? 'mlp' : isDit ? 'dit' : 'unet';
    if (resumeFrom.kind !== expectedKind) throw new DomainError('pnpm train', '--resume', `a checkpoint of a ${model} model in --out`, `${out} (kind '${resumeFrom.kind}')`);
    const classes = Number((resumeFrom.config as { numClasses?: number }).numClasses ?? 0);
    if (conditional !== classes > 0) throw new DomainError('pnpm train', '--resume', `a checkpoint of a ${model} model in --out`, `${out} (numClasses = ${classes})`);
    // A latent denoiser's size is the latent's; the image size is the first stage's (read below).
    if (!is2d && !isLatent) size = (resumeFrom.config as UNetOptions | DiTOptions).size ?? size;
    const ckptT = (resumeFrom.meta.schedule as { T?: number } | undefined)?.T;
    if (ckptT !== undefined) {
      if (values.T !== undefined && ckptT !== T) throw new DomainError('pnpm train', '--T', `the checkpoint's T = ${ckptT} when resuming`, T);
      T = ckptT;
    }
  } else if (hasCheckpoint(out)) {
    notes.push(`${out} holds a checkpoint; this run starts from scratch and replaces it (--resume continues it)`);
  }
  // One stream draws the toy data and the initial weights, so a resumed run rebuilds the same data from the seed.
  let runSeed = seed;
  if (resumeFrom) {
    const ckptSeed = resumeFrom.meta.seed as number | undefined;
    if (ckptSeed !== undefined) {
      if (values.seed !== undefined && ckptSeed !== seed) throw new DomainError('pnpm train', '--seed', `the checkpoint's seed = ${ckptSeed} when resuming`, seed);
      runSeed = ckptSeed;
    }
  }
  const rng = createRng(runSeed);

  const choice = await selectBackend(values.backend ? { backend: values.backend as BackendName } : {});
  const workers = askedWorkers ?? defaultWorkers(batch, micro, choice.name, wasmThreadsInUse() ?? 1);
  log(`backend: ${describeBackend(choice)}${workers > 1 ? `, one per thread on ${workers} threads (--workers)` : ''}`);
  const schedule = is2d ? linearSchedule(T, 1e-4, 0.1) : linearSchedule(T);
  // --minutes counts from here: the data, a first stage trained now, the steps and their checkpoints.
  const budgetStart = performance.now();

  let data: Dataset;
  let net: DenoiserModel;
  let firstStage: FirstStage | undefined;
  if (isLatent) {
    const mnist = loadMnist('train', limit);
    firstStage = await prepareFirstStage({ values, out, resumeFrom, size, mnist, seed: runSeed, log, preset: preset as LatentPreset });
    size = firstStage.model.imageShape[0];
    const images = mnistTensor(mnist, size);
    // One posterior draw per image from a stream of its own, so a resumed run rebuilds the same latents.
    const latents = encodeAll(firstStage.model, images, createRng((runSeed + 0x9e3779b9) >>> 0));
    images.dispose();
    const scale = firstStage.scale;
    data = { x: tf.tidy(() => tf.mul(latents, scale)) as tf.Tensor4D, ...(conditional ? { labels: mnist.labels } : {}) };
    latents.dispose();
    const [side, , channels] = firstStage.model.latentShape;
    if (isDit) {
      net = new DiT(rng, resumeFrom ? resumeFrom.config : { ...ditOptions, size: side, channels });
    } else {
      const unetOptions: UNetOptions = resumeFrom ? resumeFrom.config : { filters, size: side, channels, numClasses: conditional ? 10 : 0 };
      filters = [...(unetOptions.filters ?? filters)];
      net = new UNet(rng, unetOptions);
    }
  } else if (is2d) {
    data = { x: pointsTensor(toy2d(dataset, 8192, rng)) };
    // A resumed run keeps the checkpoint's variance head (or its absence), like the rest of its architecture.
    net = new MlpDenoiser(rng, resumeFrom ? resumeFrom.config : { learnVariance: values['learn-variance'] === true });
  } else {
    const mnist = loadMnist('train', limit);
    data = { x: mnistTensor(mnist, size), ...(conditional ? { labels: mnist.labels } : {}) };
    if (isDit) {
      net = new DiT(rng, resumeFrom ? resumeFrom.config : ditOptions);
    } else {
      const inputSkip = 'inputSkip' in preset && preset.inputSkip;
      const unetOptions: UNetOptions = resumeFrom ? resumeFrom.config : { filters, size, numClasses: conditional ? 10 : 0, inputSkip };
      filters = [...(unetOptions.filters ?? filters)];
      net = new UNet(rng, unetOptions);
    }
  }
  let start = 0;
  const optimizer = tf.train.adam(lr);
  // The training stream (batches, t, ε, label dropout): a resumed run continues the saved one, and with Adam's saved
  // state (moments and its running β products) and the weight average takes bit for bit the steps the uninterrupted
  // run would have.
  let trainRng = rng;
  let average: WeightAverage | undefined;
  if (resumeFrom) {
    loadCheckpoint(out, net);
    start = resumeFrom.step;
    const savedStream = resumeFrom.meta.rngState as RngState | undefined;
    trainRng = savedStream ? restoreRng(savedStream) : createRng(runSeed + start * 7919);
    const notLoaded = await loadOptimizerState(out, optimizer);
    if (notLoaded) notes.push(`${notLoaded}: Adam restarts`);
    if (!savedStream) notes.push('no saved random stream: a new one starts');
  }
  // The weight average is saved in the same checkpoint (ema.bin); resuming continues it and its warm-up, or starts
  // it from the loaded weights if the checkpoint kept none.
  if (emaDecay > 0) {
    const kept = resumeFrom?.ema;
    average = new WeightAverage(net.params, emaDecay, kept ? kept.updates : 0);
    if (kept) loadCheckpoint(out, { kind: net.kind, config: net.config, params: average }, { weights: 'ema' });
    else if (resumeFrom) notes.push('the checkpoint kept no weight average: it starts from the loaded weights');
  }
  if (resumeFrom) log(`resumed from ${out} at step ${start}`);
  for (const note of notes) log(`note: ${note}`);
  // Found now rather than at the first checkpoint, after the training time is spent: a read-only or full --out.
  const checkpointBytes = 4 * net.params.count * (3 + (average ? 1 : 0));
  assertCheckpointWritable('pnpm train', '--out', out, checkpointBytes + 1e6);

  // Training time so far (a resumed run adds its own), with checkpoints and sample grids: the shipped weights'
  // manifest records it (weights/manifest.json).
  const savedSeconds = typeof saved.trainSeconds === 'number' ? saved.trainSeconds : 0;
  const trainSeconds = () => savedSeconds + (performance.now() - t0) / 1000;
  // A latent model records its first stage (relative to --out when inside it) and the scale its data were taken at.
  const firstStageMeta = firstStage ? { firstStage: { folder: relativeIfInside(out, firstStage.folder), scale: firstStage.scale, regularizer: firstStage.model.regularizer } } : {};
  const meta = () => ({ schedule: { name: schedule.name, T }, backend: choice.name, preset: is2d ? undefined : presetName, batch, micro, lr, seed: runSeed, workers, trainSeconds: trainSeconds(), rngState: trainRng.state(), ...firstStageMeta });
  const saveAll = async (step: number) => {
    const state = await optimizerState(optimizer);
    saveCheckpoint(out, net, step, meta(), { optimizer: state, ...(average ? { ema: { vars: average.vars, decay: emaDecay, updates: average.updates } } : {}) });
  };
  const ditShape = () => {
    const c = net.config as Required<DiTOptions>;
    return `patches ${c.patch}×${c.patch}, width ${c.dim}, ${c.depth} blocks of ${c.heads} heads`;
  };
  const latentShape = firstStage ? `${firstStage.model.latentShape.join('×')} latents of ${size}×${size} images (${firstStage.model.regularizer.toUpperCase()} first stage, s = ${firstStage.scale.toFixed(3)}), ${isDit ? 'DiT, ' : 'UNet '}` : '';
  const shape = is2d ? '2-D points' : `${firstStage ? latentShape : `${size}×${size} images, `}${isDit ? ditShape() : `widths ${filters.join(',')}`} (preset ${presetName})`;
  log(`${model}: ${net.params.count.toLocaleString()} parameters, ${data.x.shape[0]} ${shape}, T = ${T}, batch ${batch}${workers > 1 ? ` in ${workers} shards on as many threads` : ''}${micro > 1 ? ` (${micro} micro-batches${workers > 1 ? ' each' : ''})` : ''}, lr ${lr}`);

  const writeSamples = (step: number): string => {
    const labels = conditional ? Array.from({ length: nSamples }, (_, i) => i % 10) : undefined;
    // DDIM ignores a learned variance, so a model with a variance head is sampled by DDPM with its Σ_θ (D7).
    const sampler = learnsVariance(net) ? { sampler: 'ddpm' as const } : { sampler: 'ddim' as const, ddimSteps: Math.min(50, T), eta };
    // The same seeded draws at every checkpoint, so grids compare across steps (and leave the training stream alone).
    const draw = () => sampleModel(net, schedule, nSamples, createRng((runSeed + 1) >>> 0), { ...sampler, ...(labels ? { labels, guidance } : {}) });
    const drawn = average ? average.withAveraged(draw) : draw();
    // A latent model's samples are latents ×s: divided by s and decoded into images (S1).
    const s = firstStage ? firstStageDecoder(firstStage)(drawn as tf.Tensor4D) : drawn;
    if (s !== drawn) drawn.dispose();
    // 16×16 samples are shown at 32×32 (nearest neighbour), the size of the digits they were pooled from.
    const shown = is2d || size === 32 ? s : tf.image.resizeNearestNeighbor(s as tf.Tensor4D, [32, 32]);
    const file = path.join(out, `samples-${String(step).padStart(6, '0')}.png`);
    writePng(file, is2d ? scatterPng(s.dataSync()) : imageGridPng(shown, conditional ? 10 : 8));
    if (shown !== s) shown.dispose();
    s.dispose();
    return file;
  };

  const display = new LossDisplay(log, 0.98, 4);
  display.start(start + steps, start);
  let lastSaved = resumeFrom ? start : undefined;
  let lastSamples = '';
  let diverged: { step: number; loss: number } | undefined;
  let budgetStop: number | undefined;
  const t0 = performance.now();
  let result: Awaited<ReturnType<typeof trainDdpmParallel>>;
  const dispose = () => {
    data.x.dispose();
    firstStage?.model.params.dispose();
    average?.dispose();
    net.params.dispose();
    optimizer.dispose();
  };
  try {
    result = await trainDdpmParallel(net, data, trainRng, {
      schedule, steps, batchSize: batch, optimizer, microBatches: micro, startStep: start, workers, backend: choice.name,
      onStep: async ({ step, loss, seconds }) => {
        // A non-finite loss means the weights are (or are about to be) NaN: stop before anything of it is saved.
        if (!Number.isFinite(loss)) {
          diverged = { step, loss };
          return false;
        }
        average?.update();
        display.step({ step, loss, seconds });
        if (step % every === 0) {
          await saveAll(step);
          lastSamples = writeSamples(step);
          lastSaved = step;
          display.note(`step ${step}/${start + steps}: loss ${display.loss} (moving average), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
        }
        if (budgetSeconds !== undefined && step < start + steps && (performance.now() - budgetStart) / 1000 >= budgetSeconds) {
          budgetStop = step;
          return false;
        }
      },
    });
  } catch (e) {
    dispose();
    // A checkpoint that could not be written (disk full, folder gone) leaves the previous one in place.
    if (e instanceof DomainError || !(e as NodeJS.ErrnoException).code) throw e;
    throw new TrainingStopped(`pnpm train: could not write a checkpoint into ${out} (${(e as Error).message}); ${lastGood(out, lastSaved)}`);
  } finally {
    display.stop();
  }
  if (diverged) {
    dispose();
    throw new TrainingStopped(
      `pnpm train: the loss became ${diverged.loss} at step ${diverged.step} (learning rate ${lr}); training stopped and nothing after it was saved; ${lastGood(out, lastSaved)}`,
    );
  }
  const end = budgetStop ?? start + steps;
  if (budgetStop !== undefined) log(`--minutes ${values.minutes}: the budget ended training at step ${budgetStop} of ${start + steps}`);
  const savedNow = lastSaved === end;
  if (!savedNow) await saveAll(end);
  const samples = savedNow && lastSamples ? lastSamples : writeSamples(end);
  log(`checkpoint: ${out} (step ${end}); samples: ${samples}`);
  const losses = result.losses;
  dispose();
  return { model, out, step: end, samples, losses };
}

type LatentPreset = ReturnType<typeof latentPresets>['quick'];
/** The quick latent preset flattened for one denoiser, in the shape the pixel presets have (filters or patch…). */
function latentPresets(denoiser: 'unet' | 'dit') {
  const { unet, dit, ...common } = LDM_PRESETS.quick;
  return { quick: { ...common, ...(denoiser === 'dit' ? dit : unet) } };
}

/**
 * The first stage of a latent run: --first-stage DIR (must hold one), else the one a previous run left in
 * <out>/first-stage (or the resumed checkpoint's), else one trained now and saved there, with a progress bar.
 */
async function prepareFirstStage(args: {
  values: Record<string, string | boolean | undefined>; out: string; resumeFrom: CheckpointManifest | undefined;
  size: number; mnist: MnistData; seed: number; log: (line: string) => void; preset: LatentPreset;
}): Promise<FirstStage> {
  const { values, out, resumeFrom, size, mnist, seed, log, preset } = args;
  const regularizer = (values.regularizer as string | undefined) ?? undefined;
  if (regularizer !== undefined && regularizer !== 'kl' && regularizer !== 'vq') throw new DomainError('pnpm train', '--regularizer', 'kl | vq', regularizer);
  const aeSteps = numberOption('ae-steps', values['ae-steps'] as string | undefined, preset.firstStageSteps, { integer: true, min: 1, max: MAX_STEPS });
  const recorded = (resumeFrom?.meta.firstStage as { folder?: string } | undefined)?.folder;
  const given = values['first-stage'] as string | undefined;
  const folder = given ? path.resolve(given) : recorded ? path.resolve(out, recorded) : path.join(out, 'first-stage');
  const arg = given ? '--first-stage' : '--out';
  if (given || resumeFrom || hasCheckpoint(folder)) {
    if (given && !hasCheckpoint(folder)) throw new DomainError('pnpm train', '--first-stage', 'a folder holding a first stage (pnpm train ldm saves one in <out>/first-stage)', folder);
    const stage = loadFirstStage('pnpm train', arg, folder);
    if (regularizer !== undefined && regularizer !== stage.model.regularizer) {
      throw new DomainError('pnpm train', '--regularizer', `the first stage's '${stage.model.regularizer}' (${folder}); another --out trains a new one`, regularizer);
    }
    if (values.size !== undefined && stage.model.imageShape[0] !== size) {
      throw new DomainError('pnpm train', '--size', `the first stage's image size ${stage.model.imageShape[0]} (${folder})`, size);
    }
    if (values['ae-steps'] !== undefined) log(`note: --ae-steps is ignored: the first stage in ${folder} is reused as it is`);
    log(`first stage: ${folder} (${stage.model.regularizer.toUpperCase()}, ${stage.model.params.count.toLocaleString()} parameters, scale s = ${stage.scale.toFixed(4)}), reused`);
    return stage;
  }
  // The first stage learns from the same training digits as the denoiser (all 60 000 unless --limit says fewer).
  const images = mnistTensor(mnist, size);
  const rng = createRng((seed + 0x7f4a7c15) >>> 0);
  log(`first stage: training a ${(regularizer ?? 'kl').toUpperCase()} autoencoder on ${size}×${size} digits for ${aeSteps} steps of ${preset.firstStageBatch}`);
  const display = new LossDisplay(log, 0.98, 2);
  display.start(aeSteps, 0);
  let stage: FirstStage;
  try {
    stage = trainAndSaveFirstStage(folder, images, rng, {
      regularizer: (regularizer ?? 'kl') as FirstStageRegularizer, steps: aeSteps, batchSize: preset.firstStageBatch, seed,
      onStep: (info) => display.step(info),
    });
  } finally {
    display.stop();
    images.dispose();
  }
  log(`first stage: saved in ${folder} (latents ${stage.model.latentShape.join('×')}, loss ${display.loss}, scale s = ${stage.scale.toFixed(4)})`);
  return stage;
}

function relativeIfInside(parent: string, child: string): string {
  const rel = path.relative(parent, child);
  return rel.startsWith('..') || path.isAbsolute(rel) ? child : rel;
}

/** Where a stopped run's last complete checkpoint is, for the message that says it stopped. */
function lastGood(out: string, step: number | undefined): string {
  return step === undefined ? `no checkpoint was written by this run (${out} is unchanged)` : `the last good checkpoint is ${out} at step ${step} (pnpm train … --resume continues it)`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // ae | vae | cvae are S4's autoencoders (train/autoencoder.ts), with options of their own.
  // `pnpm train -- cddpm --steps 9` passes the `--` through; parseArgs would read every later option as a positional.
  const args = process.argv[2] === '--' ? process.argv.slice(3) : process.argv.slice(2);
  const autoencoder = (AUTOENCODER_KINDS as readonly string[]).includes(args[0] ?? '');
  const classifier = args[0] === 'classifier';
  const noisyClassifier = args[0] === 'noisy-classifier';
  const run = autoencoder ? runAutoencoderCli : classifier ? runClassifierCli : noisyClassifier ? runNoisyClassifierCli : runTrainCli;
  try {
    if (!(await run(args))) process.exit(0);
  } catch (e) {
    // A run that stopped (diverged, could not save): say why and where its last checkpoint is; exit non-zero.
    if (e instanceof TrainingStopped) {
      console.error(e.message);
      process.exit(1);
    }
    // Bad options: the message names the option; no stack trace.
    if (e instanceof DomainError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message}\n\n${autoencoder ? AUTOENCODER_HELP : classifier ? CLASSIFIER_HELP : noisyClassifier ? NOISY_CLASSIFIER_HELP : HELP}`);
      process.exit(2);
    }
    throw e;
  }
}
