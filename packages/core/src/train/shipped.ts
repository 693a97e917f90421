/**
 * The trained weights shipped with the repository, in `weights/` at its root ({@link shippedWeightsDir}): one checkpoint folder per model (the
 * format of train/checkpoint.ts, weights only, without Adam's state) and `weights/manifest.json`, which says for each
 * the exact `pnpm train` command that made it, its seed, training time, backend and the quality figures measured on
 * it, each with its protocol, sample size, seed and standard error. `pnpm --filter @ddpm-derived/core ship-weights`
 * (bench/ship-weights.ts) writes them; test/shipped/shipped-weights.test.ts loads every one and re-measures each
 * figure on a smaller, independent sample.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { ConvAutoencoder, type ConvAutoencoderOptions } from '../models/autoencoder.js';
import { MnistClassifier, type MnistClassifierOptions } from '../models/classifier.js';
import { NoisyClassifier, type NoisyClassifierOptions } from '../models/noisy-classifier.js';
import { UNet, type UNetOptions } from '../models/unet.js';
import { DiT, type DiTOptions } from '../models/dit.js';
import { LatentAutoencoder, type LatentAutoencoderOptions } from '../models/latent-autoencoder.js';
import { classifierAccuracy, cvaePriorAccuracy, digitShare, guidedAccuracy, noisyClassifierAccuracy, reconstructionError } from '../quality/measures.js';
import type { Estimate } from '../quality/judge.js';
import { createRng, type Rng } from '../random/rng.js';
import { linearSchedule, type NoiseSchedule } from '../schedule/schedule.js';
import { assertCount, assertIntegerInRange, DomainError } from '../util/validate.js';
import { heldOutElbo } from './autoencoder.js';
import { loadCheckpoint, readManifest } from './checkpoint.js';
import { assignCheckpointWeights, checkModelMatches, type CheckpointFiles, type CheckpointManifest } from './checkpoint-format.js';
import { firstStageDecoder, loadFirstStage, type FirstStage } from './first-stage.js';

/**
 * `weights/` at the repository's root (this file is src/train/shipped.ts or dist/train/shipped.js in packages/core).
 * A function, not a constant: the module is also bundled for the site's browser worker, where there is no file path.
 */
export function shippedWeightsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../weights');
}

/** How a figure is measured. Every measure but `cvaePriorAccuracy` and the samplers' runs on n MNIST test digits. */
export type FigureProtocol =
  | { readonly measure: 'classifierAccuracy' }
  | { readonly measure: 'reconstructionError' }
  /** B5's one-sample ELBO in nats per image with the Gaussian decoder N(x̂, s² I) (s² = ½: S4's loss). */
  | { readonly measure: 'elbo'; readonly decoderVariance: number }
  /** n prior samples, n/10 per digit, decoded with their label. */
  | { readonly measure: 'cvaePriorAccuracy' }
  /** n samples, n/10 per digit, DDIM with η, guidance weight w (F6). */
  | { readonly measure: 'guidedAccuracy'; readonly guidance: number; readonly ddimSteps: number; readonly eta: number }
  /** n unconditional samples, DDIM with η; a sample counts when one digit gets probability ≥ 0.9. */
  | { readonly measure: 'digitShare'; readonly ddimSteps: number; readonly eta: number }
  /** The noisy classifier on n test digits, each noised once (C5) at step t, or at its own t ~ U{1..T} ('uniform'). */
  | { readonly measure: 'noisyClassifierAccuracy'; readonly t: number | 'uniform' };

/** A recorded figure: what was measured, how, on how many draws with which seed, and the smaller re-measurement the tests make. */
export interface ShippedFigure {
  readonly label: string;
  readonly protocol: FigureProtocol;
  readonly value: number;
  readonly standardError: number;
  readonly n: number;
  readonly seed: number;
  /** The test's re-measurement: its sample size and seed (a different seed: an independent sample). */
  readonly check: { readonly n: number; readonly seed: number };
}

export interface ShippedModel {
  /** Folder name under weights/ (e.g. `cddpm`). */
  readonly name: string;
  readonly description: string;
  /** The exact command that trained it, run at the repository's root. */
  readonly command: string;
  readonly seed: number;
  readonly steps: number;
  readonly trainSeconds: number;
  readonly backend: string;
  readonly workers: number;
  readonly parameters: number;
  /** Size of the shipped weights.bin. */
  readonly bytes: number;
  readonly figures: readonly ShippedFigure[];
}

export interface ShippedManifest {
  readonly format: 1;
  /** The machine the figures were measured on. */
  readonly machine: string;
  readonly models: readonly ShippedModel[];
}

/**
 * What a latent diffusion denoiser (pnpm train ldm | cldm) needs besides itself: the first stage it learned the
 * latents of, and the decoder of its samples (z = sample / s, then D(z); S1).
 */
export interface LatentParts {
  readonly firstStage: FirstStage;
  readonly decode: (scaled: tf.Tensor4D) => tf.Tensor4D;
}

/**
 * A shipped model loaded and verified (checksums, finiteness), with its manifest entry; UNets and DiTs also with
 * their schedule, and with their first stage and decoder when they are latent diffusion's.
 */
export type LoadedShipped =
  | ({ readonly entry: ShippedModel; readonly kind: 'unet'; readonly model: UNet; readonly schedule: NoiseSchedule } & Partial<LatentParts>)
  | ({ readonly entry: ShippedModel; readonly kind: 'dit'; readonly model: DiT; readonly schedule: NoiseSchedule } & Partial<LatentParts>)
  | { readonly entry: ShippedModel; readonly kind: 'ae' | 'vae' | 'cvae'; readonly model: ConvAutoencoder }
  | { readonly entry: ShippedModel; readonly kind: 'classifier'; readonly model: MnistClassifier }
  | { readonly entry: ShippedModel; readonly kind: 'noisy-classifier'; readonly model: NoisyClassifier; readonly schedule: NoiseSchedule };

/** Read weights/manifest.json (or `dir`'s), refusing a missing or malformed one by name. */
export function readShippedManifest(dir: string = shippedWeightsDir()): ShippedManifest {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) throw new DomainError('readShippedManifest', 'dir', 'a folder holding manifest.json (the shipped weights)', dir);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DomainError('readShippedManifest', 'manifest.json', 'valid JSON', `${file}: ${(e as Error).message}`);
  }
  return checkShippedManifest(parsed, file);
}

/**
 * The parsed weights/manifest.json checked (format 1, models with folder-safe names and figure lists) and returned as
 * a ShippedManifest; `file` names it in the refusal. No file access: the site's browser worker checks the manifest it
 * fetched with it.
 */
export function checkShippedManifest(parsed: unknown, file: string, fn = 'readShippedManifest'): ShippedManifest {
  const m = parsed as ShippedManifest;
  if (m?.format !== 1 || !Array.isArray(m.models)) throw new DomainError(fn, 'manifest.json', '{ format: 1, models: [...] }', file);
  for (const entry of m.models) {
    // A folder name and a URL path segment as it is: lower-case letters and digits, words joined by single hyphens.
    if (typeof entry?.name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(entry.name) || !Array.isArray(entry.figures)) {
      throw new DomainError(fn, 'manifest.json', 'models with a lower-case name (letters, digits, inner hyphens) and a figures list', `${file}: ${JSON.stringify(entry?.name)}`);
    }
  }
  return m;
}

/** The shipped model `name`, loaded from weights/ and verified by the checkpoint loader; refused by name if absent or damaged. */
export function loadShipped(name: string, dir: string = shippedWeightsDir()): LoadedShipped {
  const entry = readShippedManifest(dir).models.find((m) => m.name === name);
  if (!entry) throw new DomainError('loadShipped', 'name', `one of the models in ${path.join(dir, 'manifest.json')}`, name);
  return { entry, ...loadModelFolder(path.join(dir, name), 'loadShipped') } as LoadedShipped;
}

/**
 * The model a checkpoint folder holds (a training run's or a shipped one), built from its recorded kind and
 * configuration and loaded verified; a UNet, a DiT and a noisy classifier also with the linear schedule of their recorded T.
 */
export function loadModelFolder(folder: string, fn = 'loadModelFolder'): DistributiveOmit<LoadedShipped, 'entry'> {
  const ckpt = readManifest(folder);
  const built = modelFromManifest(ckpt, folder, fn);
  loadCheckpoint(folder, built.model);
  if (built.kind !== 'unet' && built.kind !== 'dit') return built;
  const recorded = firstStageRecord(ckpt.meta, folder, fn);
  return recorded ? { ...built, ...loadRecordedFirstStage(recorded, folder, fn) } : built;
}

/** A checkpoint's model as {@link modelFromManifest} builds it: its initial weights, not yet the saved ones. */
export type BuiltModel = DistributiveOmit<LoadedShipped, 'entry' | 'firstStage' | 'decode'>;

/**
 * The model a checkpoint's manifest describes, built from its recorded kind and configuration (with fresh weights,
 * which the caller overwrites with the checkpoint's), and for a UNet, a DiT and a noisy classifier the linear
 * schedule of the recorded T. Reads no file: {@link loadModelFolder} uses it on disk, the site's browser worker on
 * a checkpoint it fetched. `where` names the checkpoint in refusals.
 */
export function modelFromManifest(ckpt: CheckpointManifest, where: string, fn = 'modelFromManifest'): BuiltModel {
  if (typeof ckpt?.kind !== 'string' || typeof ckpt.config !== 'object' || typeof ckpt.meta !== 'object') {
    throw new DomainError(fn, 'manifest', 'a checkpoint manifest (readManifest, readCheckpointFiles) with kind, config and meta', `${where} (${ckpt === null ? 'null' : typeof ckpt})`);
  }
  const rng = createRng(0); // the initial weights are overwritten by the checkpoint's
  switch (ckpt.kind) {
    case 'unet':
      return { kind: 'unet', model: new UNet(rng, ckpt.config as UNetOptions), schedule: recordedSchedule(ckpt.meta, 'UNet', where, fn) };
    case 'dit':
      return { kind: 'dit', model: new DiT(rng, ckpt.config as DiTOptions), schedule: recordedSchedule(ckpt.meta, 'DiT', where, fn) };
    case 'ae':
    case 'vae':
    case 'cvae':
      return { kind: ckpt.kind, model: new ConvAutoencoder(rng, ckpt.config as ConvAutoencoderOptions) };
    case 'classifier':
      return { kind: 'classifier', model: new MnistClassifier(rng, ckpt.config as MnistClassifierOptions) };
    case 'noisy-classifier':
      return { kind: 'noisy-classifier', model: new NoisyClassifier(rng, ckpt.config as NoisyClassifierOptions), schedule: recordedSchedule(ckpt.meta, 'noisy-classifier', where, fn) };
    default:
      throw new DomainError(fn, 'folder', 'a unet, dit, autoencoder, classifier or noisy-classifier checkpoint', `${where} (kind '${ckpt.kind}')`);
  }
}

/**
 * A shipped model assembled from checkpoint files already read and verified ({@link readCheckpointFiles}: pointer,
 * checksums, finiteness), as {@link loadShipped} assembles it from disk: built by {@link modelFromManifest}, given the
 * saved weights, and for a latent denoiser with its first stage, whose files `stage` holds (its scale must be the
 * recorded one). Reads no file: the site's browser worker fetches the files and calls this. `where` names the
 * checkpoint (e.g. `weights/cldm`) in refusals.
 */
export function shippedFromFiles(entry: ShippedModel, files: CheckpointFiles, where: string, stage?: CheckpointFiles): LoadedShipped {
  const fn = 'shippedFromFiles';
  if (typeof entry?.name !== 'string') throw new DomainError(fn, 'entry', 'a model of weights/manifest.json (readShippedManifest)', JSON.stringify(entry) ?? String(entry));
  for (const [arg, given] of [['files', files], ['stage', stage]] as const) {
    if (given === undefined && arg === 'stage') continue;
    if (typeof given?.manifest !== 'object' || !(given.weights instanceof Float32Array)) {
      throw new DomainError(fn, arg, 'checkpoint files as readCheckpointFiles returns them ({ manifest, pointer, weights })', given === null ? 'null' : typeof given);
    }
  }
  const built = modelFromManifest(files.manifest, where, fn);
  checkModelMatches(fn, files.manifest, built.model);
  assignCheckpointWeights(files.manifest, built.model, files.weights);
  const recorded = built.kind === 'unet' || built.kind === 'dit' ? firstStageRecord(files.manifest.meta, where, fn) : undefined;
  if (!recorded) return { entry, ...built } as LoadedShipped;
  const stageWhere = `${where}/${recorded.folder}`;
  const refuse = (allowed: string, received: string) => {
    built.model.params.dispose();
    return new DomainError(fn, 'stage', allowed, received);
  };
  if (!stage) throw refuse(`the files of the first stage ${stageWhere} (a latent denoiser decodes through it)`, 'none');
  const scale = stage.manifest.meta.scale;
  if (stage.manifest.kind !== 'latent-autoencoder') throw refuse('a first-stage checkpoint (kind latent-autoencoder)', `${stageWhere} (kind '${stage.manifest.kind}')`);
  if (scale !== recorded.scale) throw refuse(`a first stage of scale s = ${recorded.scale} (the one the denoiser learned)`, `${stageWhere} (s = ${String(scale)})`);
  const model = new LatentAutoencoder(createRng(0), stage.manifest.config as LatentAutoencoderOptions);
  checkModelMatches(fn, stage.manifest, model);
  assignCheckpointWeights(stage.manifest, model, stage.weights);
  const firstStage: FirstStage = { model, scale, folder: stageWhere };
  return { entry, ...built, firstStage, decode: firstStageDecoder(firstStage) } as LoadedShipped;
}

/**
 * The first stage a latent denoiser's meta names, { folder, scale } (the folder relative to the checkpoint's, or
 * absolute), or nothing for a pixel model; a malformed record is refused by name. Reads no file.
 */
export function firstStageRecord(meta: Record<string, unknown>, where: string, fn = 'firstStageRecord'): { readonly folder: string; readonly scale: number } | undefined {
  const recorded = meta.firstStage as { folder?: unknown; scale?: unknown } | undefined;
  if (recorded === undefined) return undefined;
  if (typeof recorded?.folder !== 'string' || typeof recorded.scale !== 'number') {
    throw new DomainError(fn, 'folder', 'a latent checkpoint whose meta.firstStage is { folder, scale }', `${where} (${JSON.stringify(recorded)})`);
  }
  return { folder: recorded.folder, scale: recorded.scale };
}

/** The recorded first stage loaded verified; its scale must be the one the denoiser's data were taken at. */
function loadRecordedFirstStage(recorded: { folder: string; scale: number }, folder: string, fn: string): LatentParts {
  const stageFolder = path.resolve(folder, recorded.folder);
  const firstStage = loadFirstStage(fn, 'folder', stageFolder);
  if (firstStage.scale !== recorded.scale) {
    firstStage.model.params.dispose();
    throw new DomainError(fn, 'folder', `a first stage of scale s = ${recorded.scale} (the one the denoiser learned)`, `${stageFolder} (s = ${firstStage.scale})`);
  }
  return { firstStage, decode: firstStageDecoder(firstStage) };
}

/** The linear schedule of the T a checkpoint recorded in meta.schedule.T: a model trained on t ∈ 1..T needs that T back. */
function recordedSchedule(meta: Record<string, unknown>, kind: string, folder: string, fn: string): NoiseSchedule {
  const T = (meta.schedule as { T?: number } | undefined)?.T;
  if (typeof T !== 'number') throw new DomainError(fn, 'folder', `a ${kind} checkpoint that records its schedule (meta.schedule.T)`, folder);
  return linearSchedule(T);
}

/** A latent diffusion run (pnpm train ldm | cldm) loaded from its folder: the denoiser, its schedule, its first stage. */
export interface LoadedLatentDiffusion extends LatentParts {
  readonly denoiser: UNet | DiT;
  readonly schedule: NoiseSchedule;
}

/** Load what `pnpm train ldm | cldm` saved in `folder`; a pixel model's or another kind's folder is refused by name. */
export function loadLatentDiffusion(folder: string, fn = 'loadLatentDiffusion'): LoadedLatentDiffusion {
  const loaded = loadModelFolder(folder, fn);
  if ((loaded.kind !== 'unet' && loaded.kind !== 'dit') || !loaded.firstStage || !loaded.decode) {
    loaded.model.params.dispose();
    throw new DomainError(fn, 'folder', 'a latent diffusion checkpoint (pnpm train ldm | cldm: meta.firstStage { folder, scale })', `${folder} (kind '${loaded.kind}')`);
  }
  return { denoiser: loaded.model, schedule: loaded.schedule, firstStage: loaded.firstStage, decode: loaded.decode };
}

/** Omit from each member of a union (TypeScript's Omit would merge the members). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** n test digits: all 10 000 in order when n = 10 000, otherwise n drawn without replacement with `rng`. */
function testDigits(n: number, rng: Rng, side: number): { x: tf.Tensor4D; labels: Int32Array } {
  const test = loadMnist('test');
  const all = mnistTensor(test, side);
  if (n === test.count) return { x: all, labels: test.labels };
  const order = Int32Array.from({ length: test.count }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = rng.int(i, test.count - 1); // a partial Fisher–Yates shuffle: the first n are a uniform subset
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const pick = order.slice(0, n);
  const x = tf.tidy(() => tf.gather(all, tf.tensor1d(pick, 'int32')) as tf.Tensor4D);
  all.dispose();
  return { x, labels: Int32Array.from(pick, (i) => test.labels[i]!) };
}

/**
 * Measure one figure of a shipped model by its protocol on `n` draws with `seed`: the value the manifest records
 * (with the recorded n and seed) or the tests' smaller re-measurement (the figure's `check`). `judge` is the
 * classifier that reads samples (the shipped `classifier`).
 */
export function measureFigure(loaded: LoadedShipped, protocol: FigureProtocol, n: number, seed: number, judge?: MnistClassifier): Estimate {
  const fn = 'measureFigure';
  assertCount(fn, 'n', n, 2, 10000);
  assertIntegerInRange(fn, 'seed', seed, 0, 2 ** 32 - 1);
  const rng = createRng(seed);
  const needJudge = (): MnistClassifier => {
    if (!judge) throw new DomainError(fn, 'judge', `the classifier that reads samples (for '${protocol.measure}')`, 'undefined');
    return judge;
  };
  const wrong = (kind: string) => new DomainError(fn, 'loaded', `a shipped ${kind} (for '${protocol.measure}')`, `'${loaded.entry.name}' (${loaded.kind})`);
  switch (protocol.measure) {
    case 'classifierAccuracy': {
      if (loaded.kind !== 'classifier') throw wrong('classifier');
      const { x, labels } = testDigits(n, rng, loaded.model.size);
      const result = classifierAccuracy(loaded.model, x, labels);
      x.dispose();
      return result;
    }
    case 'reconstructionError':
    case 'elbo': {
      if (loaded.kind !== 'ae' && loaded.kind !== 'vae' && loaded.kind !== 'cvae') throw wrong('autoencoder');
      const { x, labels } = testDigits(n, rng, 32);
      const cvaeLabels = loaded.kind === 'cvae' ? labels : null;
      try {
        if (protocol.measure === 'reconstructionError') return reconstructionError(loaded.model, x, cvaeLabels);
        const e = heldOutElbo(loaded.model, x, cvaeLabels, rng, { decoderVariance: protocol.decoderVariance });
        return { value: e.elbo, standardError: e.standardError, n: e.images };
      } finally {
        x.dispose();
      }
    }
    case 'cvaePriorAccuracy': {
      if (loaded.kind !== 'cvae') throw wrong('cvae');
      if (n % 10) throw new DomainError(fn, 'n', 'a multiple of 10 (n/10 samples per digit)', n);
      return cvaePriorAccuracy(loaded.model, needJudge(), rng, n / 10);
    }
    case 'guidedAccuracy': {
      if (loaded.kind !== 'unet' && loaded.kind !== 'dit') throw wrong('conditional UNet or DiT');
      if (n % 10) throw new DomainError(fn, 'n', 'a multiple of 10 (n/10 samples per digit)', n);
      const { guidance, ddimSteps, eta } = protocol;
      const decode = loaded.decode ? { decode: loaded.decode } : {};
      return guidedAccuracy(loaded.model, loaded.schedule, needJudge(), rng, { perDigit: n / 10, guidance, ddimSteps, eta, ...decode });
    }
    case 'noisyClassifierAccuracy': {
      if (loaded.kind !== 'noisy-classifier') throw wrong('noisy classifier');
      const { x, labels } = testDigits(n, rng, loaded.model.size);
      const { T } = loaded.schedule;
      const t = protocol.t === 'uniform' ? Int32Array.from({ length: n }, () => rng.int(1, T)) : protocol.t;
      if (typeof t === 'number') assertIntegerInRange(fn, 'protocol.t', t, 1, T);
      try {
        return noisyClassifierAccuracy(loaded.model, loaded.schedule, x, labels, t, rng);
      } finally {
        x.dispose();
      }
    }
    case 'digitShare': {
      if (loaded.kind !== 'unet' && loaded.kind !== 'dit') throw wrong('UNet or DiT');
      const decode = loaded.decode ? { decode: loaded.decode } : {};
      return digitShare(loaded.model, loaded.schedule, needJudge(), rng, { n, ddimSteps: protocol.ddimSteps, eta: protocol.eta, ...decode });
    }
    default:
      throw new DomainError(fn, 'protocol', 'a known measure', JSON.stringify(protocol));
  }
}

/** Free a loaded model's weights. */
export function disposeShipped(loaded: LoadedShipped): void {
  loaded.model.params.dispose();
  if ('firstStage' in loaded) loaded.firstStage?.model.params.dispose();
}
