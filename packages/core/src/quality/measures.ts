/**
 * The quality measures the project reports for its MNIST models, each an {@link Estimate} with its standard error:
 * the classifier's accuracy, the autoencoder's reconstruction error, the share of a diffusion model's samples that
 * read as a digit, the share of guided (F6) or CVAE samples read as the digit asked for; the noisy classifier's
 * accuracy on noised digits and the share of classifier-guided (F5) samples read as the digit asked for. The samplers
 * are those of `sampleModel` (DDIM with η, as the `pnpm train` grids) and `sampleClassifierGuided`. The ELBO of a VAE
 * is `heldOutElbo` (train/autoencoder.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvAutoencoder } from '../models/autoencoder.js';
import { MnistClassifier } from '../models/classifier.js';
import { NoisyClassifier } from '../models/noisy-classifier.js';
import { qSample } from '../forward/forward.js';
import { MAX_GUIDANCE } from '../sampling/guidance.js';
import type { DenoiserModel } from '../models/types.js';
import { assertRng, type Rng } from '../random/rng.js';
import type { NoiseSchedule } from '../schedule/schedule.js';
import { mean, standardError } from '../stats/descriptive.js';
import { sampleClassifierGuided, sampleModel } from '../train/ddpm.js';
import { assertSchedule } from '../schedule/schedule.js';
import { assertRank, assertSteps, type Steps } from '../util/tensor.js';
import { assertCount, assertInInterval, assertObject, DomainError } from '../util/validate.js';
import { assertClassLabels, assertSquareImages, binomialEstimate, CONFIDENT_PROBABILITY, judgeDigits, shareReadAsAsked, shareReadAsDigit, type Estimate } from './judge.js';

/** Samples are drawn (and judged) this many at a time: the activations of a few hundred 16×16 images fit anywhere. */
const CHUNK = 200;

/** The DDIM sampler a measure draws with (F4): steps and η (1 = as random as DDPM; the `pnpm train` grids' default). */
export interface DdimSettings {
  readonly ddimSteps?: number;
  readonly eta?: number;
  /**
   * For latent diffusion (S1): maps the sampler's output to images before the judge reads them (the first stage's
   * decoder of z = sample / s, train/first-stage.ts `firstStageDecoder`); then the model may work on any latent shape.
   */
  readonly decode?: (samples: tf.Tensor4D) => tf.Tensor4D;
}

/** The classifier's accuracy on labelled images, with its binomial standard error. */
export function classifierAccuracy(classifier: MnistClassifier, x: tf.Tensor4D, labels: Int32Array): Estimate {
  if (!(classifier instanceof MnistClassifier)) throw new DomainError('classifierAccuracy', 'classifier', 'an MnistClassifier', classifier);
  assertSquareImages('classifierAccuracy', 'x', x);
  assertClassLabels('classifierAccuracy', 'labels', labels, x.shape[0], classifier.numClasses);
  return shareReadAsAsked(judgeDigits(classifier, x), labels);
}

/** The mean per-image reconstruction error ‖x − x̂‖² (B1 before its batch mean) of an AE (z = the encoder's output), with its standard error over the images. */
export function reconstructionError(model: ConvAutoencoder, x: tf.Tensor4D, labels: Int32Array | null = null): Estimate {
  if (!(model instanceof ConvAutoencoder)) throw new DomainError('reconstructionError', 'model', 'a ConvAutoencoder', model);
  const side = model.config['size'] as number;
  assertRank('reconstructionError', 'x', x, 4);
  if (x.shape[1] !== side || x.shape[2] !== side || x.shape[3] !== 1) throw new DomainError('reconstructionError', 'x', `images [B, ${side}, ${side}, 1] (the model's size)`, `[${x.shape}]`);
  const N = x.shape[0];
  if (N < 2) throw new DomainError('reconstructionError', 'x', 'at least 2 images (for a standard error)', N);
  // A CVAE encodes and decodes with the image's label; the AE and VAE take none.
  if (model.kind === 'cvae') {
    if (!(labels instanceof Int32Array)) throw new DomainError('reconstructionError', 'labels', `an Int32Array of ${N} labels for a CVAE`, labels);
    assertClassLabels('reconstructionError', 'labels', labels, N, model.numClasses);
  } else if (labels !== null) {
    throw new DomainError('reconstructionError', 'labels', `null for a${model.kind === 'ae' ? 'n AE' : ' VAE'} (only a CVAE takes labels)`, labels);
  }
  const perImage = new Float64Array(N);
  for (let s = 0; s < N; s += CHUNK) {
    const n = Math.min(CHUNK, N - s);
    const sse = tf.tidy(() => {
      const xb = tf.slice(x, s, n) as tf.Tensor4D;
      const lb = labels ? tf.tensor1d(labels.subarray(s, s + n), 'int32') : null;
      return tf.sum(tf.squaredDifference(xb, model.decode(model.encode(xb, lb).mu, lb)), [1, 2, 3]);
    });
    perImage.set(sse.dataSync(), s);
    sse.dispose();
  }
  return { value: mean(perImage), standardError: standardError(perImage), n: N };
}

/** The share of a CVAE's prior samples z ~ N(0, I), decoded with label k, that the classifier reads as k (`perDigit` per digit). */
export function cvaePriorAccuracy(model: ConvAutoencoder, classifier: MnistClassifier, rng: Rng, perDigit: number): Estimate {
  if (!(model instanceof ConvAutoencoder) || model.kind !== 'cvae') throw new DomainError('cvaePriorAccuracy', 'model', "a ConvAutoencoder of kind 'cvae'", model);
  if (!(classifier instanceof MnistClassifier)) throw new DomainError('cvaePriorAccuracy', 'classifier', 'an MnistClassifier', classifier);
  if (model.numClasses !== 10) throw new DomainError('cvaePriorAccuracy', 'model', 'a CVAE of the 10 digits (numClasses = 10)', model.numClasses);
  assertRng('cvaePriorAccuracy', 'rng', rng);
  assertCount('cvaePriorAccuracy', 'perDigit', perDigit, 1, 1e5);
  const asked = Int32Array.from({ length: 10 * perDigit }, (_, i) => i % 10);
  const z = rng.normalTensor([asked.length, model.latent]) as tf.Tensor2D;
  const labels = tf.tensor1d(asked, 'int32');
  const samples = model.decode(z, labels);
  const judged = judgeDigits(classifier, samples);
  [z, labels, samples].forEach((t) => t.dispose());
  return shareReadAsAsked(judged, asked);
}

/** Draw n samples in chunks (so memory stays bounded) and judge each chunk as it comes. */
function sampleAndJudge(model: DenoiserModel, schedule: NoiseSchedule, classifier: MnistClassifier, rng: Rng, n: number, labels: Int32Array | undefined, options: Parameters<typeof sampleModel>[4], decode: DdimSettings['decode']) {
  const digits = new Int32Array(n);
  const topProbability = new Float64Array(n);
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s);
    const x = sampleModel(model, schedule, m, rng, { ...options, ...(labels ? { labels: labels.subarray(s, s + m) } : {}) }) as tf.Tensor4D;
    const images = decode ? decode(x) : x;
    const judged = judgeDigits(classifier, images);
    x.dispose();
    images.dispose();
    digits.set(judged.digits, s);
    topProbability.set(judged.topProbability, s);
  }
  return { digits, topProbability };
}

/** The arguments digitShare and guidedAccuracy share: a denoiser of square images, a schedule, the judge, a generator, DDIM's settings. */
function assertSampling(fn: string, model: DenoiserModel, schedule: NoiseSchedule, classifier: MnistClassifier, rng: Rng, options: DdimSettings, judgeArg = 'classifier'): { ddimSteps: number; eta: number; decode?: DdimSettings['decode'] } {
  assertObject(fn, 'options', options);
  const { ddimSteps = 50, eta = 1, decode } = options;
  if (decode !== undefined && typeof decode !== 'function') throw new DomainError(fn, 'options.decode', 'a function from samples to images, or undefined', decode);
  const shape = (model as { dataShape?: readonly number[] } | null)?.dataShape;
  // With a decoder the model works on latents of any shape; without, its samples are what the judge reads.
  const readable = shape?.length === 3 && (decode !== undefined || (shape[0] === shape[1] && shape[2] === 1));
  if (typeof (model as { predict?: unknown } | null)?.predict !== 'function' || !readable) {
    throw new DomainError(fn, 'model', decode ? 'a denoiser of [h, w, c] latents' : 'a denoiser of square greyscale images (dataShape [s, s, 1], e.g. a UNet)', model);
  }
  assertSchedule(fn, schedule);
  if (!(classifier instanceof MnistClassifier)) throw new DomainError(fn, judgeArg, 'an MnistClassifier', classifier);
  assertRng(fn, 'rng', rng);
  assertCount(fn, 'ddimSteps', ddimSteps, 1, schedule.T);
  assertInInterval(fn, 'eta', eta, 0, 1);
  return { ddimSteps, eta, ...(decode ? { decode } : {}) };
}

/**
 * The share of an unconditional model's n samples (DDIM, `ddimSteps`, η) that read as a digit: the classifier gives
 * one digit probability ≥ {@link CONFIDENT_PROBABILITY} = 0.9 ({@link shareReadAsDigit}). Also the count of such samples per digit 0–9.
 */
export function digitShare(model: DenoiserModel, schedule: NoiseSchedule, classifier: MnistClassifier, rng: Rng, options: DdimSettings & { readonly n: number }): Estimate & { readonly perDigit: Int32Array } {
  const { decode, ...sampler } = assertSampling('digitShare', model, schedule, classifier, rng, options);
  if (model.numClasses > 0) throw new DomainError('digitShare', 'model', 'an unconditional model (numClasses = 0; guidedAccuracy measures a conditional one)', model.numClasses);
  assertCount('digitShare', 'n', options.n, 1, 1e6);
  const judged = sampleAndJudge(model, schedule, classifier, rng, options.n, undefined, { sampler: 'ddim', ...sampler }, decode);
  const share = shareReadAsDigit(judged);
  const perDigit = new Int32Array(10);
  judged.digits.forEach((d, i) => {
    if (judged.topProbability[i]! >= CONFIDENT_PROBABILITY) perDigit[d]!++;
  });
  return { ...share, perDigit };
}

/**
 * The share of a conditional model's guided samples read as the digit asked for: `perDigit` samples of each digit
 * 0–9 at guidance weight w (0 = the unconditional model ε(x, ∅) alone, one pass a step; 1 = plain conditioning), DDIM.
 * Also the rate of each digit.
 */
export function guidedAccuracy(
  model: DenoiserModel,
  schedule: NoiseSchedule,
  classifier: MnistClassifier,
  rng: Rng,
  options: DdimSettings & { readonly perDigit: number; readonly guidance: number },
): Estimate & { readonly perDigit: Float64Array } {
  const { decode, ...sampler } = assertSampling('guidedAccuracy', model, schedule, classifier, rng, options);
  assertCount('guidedAccuracy', 'perDigit', options.perDigit, 1, 1e5);
  assertInInterval('guidedAccuracy', 'guidance', options.guidance, -100, 100);
  if (model.numClasses !== 10) throw new DomainError('guidedAccuracy', 'model', 'a conditional model of the 10 digits (numClasses = 10)', model.numClasses);
  const asked = Int32Array.from({ length: 10 * options.perDigit }, (_, i) => i % 10);
  const w = options.guidance;
  // w = 0 is exactly ε(x, ∅) (F6), so the labels play no part and one network pass per step suffices.
  const judged = w === 0
    ? sampleAndJudge(model, schedule, classifier, rng, asked.length, undefined, { sampler: 'ddim', ...sampler }, decode)
    : sampleAndJudge(model, schedule, classifier, rng, asked.length, asked, { sampler: 'ddim', ...sampler, guidance: w }, decode);
  const perDigit = new Float64Array(10);
  judged.digits.forEach((d, i) => {
    if (d === asked[i]) perDigit[asked[i]!]! += 1 / options.perDigit;
  });
  return { ...shareReadAsAsked(judged, asked), perDigit };
}


/**
 * The accuracy of a noisy classifier p_φ(y | x_t, t) on labelled clean digits x_0, each noised once to x_t =
 * √ᾱ_t x_0 + √(1 − ᾱ_t) ε with fresh ε from `rng` (C5, the x_t a DDPM's sampler passes through), with its binomial
 * standard error. `t`: one step for all digits (accuracy against t, point by point) or one per digit (e.g. drawn
 * uniformly in 1..T, the accuracy averaged over t).
 */
export function noisyClassifierAccuracy(classifier: NoisyClassifier, schedule: NoiseSchedule, x0: tf.Tensor4D, labels: Int32Array, t: Steps, rng: Rng): Estimate {
  const fn = 'noisyClassifierAccuracy';
  if (!(classifier instanceof NoisyClassifier)) throw new DomainError(fn, 'classifier', 'a NoisyClassifier', classifier);
  assertSchedule(fn, schedule);
  assertSquareImages(fn, 'x0', x0);
  if (x0.shape[1] !== classifier.size) throw new DomainError(fn, 'x0', `images [N, ${classifier.size}, ${classifier.size}, 1] (the classifier's side)`, `[${x0.shape}]`);
  const N = x0.shape[0];
  assertClassLabels(fn, 'labels', labels, N, classifier.numClasses);
  assertSteps(fn, schedule, t, N);
  assertRng(fn, 'rng', rng);
  const steps = typeof t === 'number' ? new Float64Array(N).fill(t) : Float64Array.from(t);
  const predicted = new Int32Array(N);
  for (let s = 0; s < N; s += CHUNK) {
    const m = Math.min(CHUNK, N - s);
    const ts = steps.subarray(s, s + m);
    const xt = tf.tidy(() => qSample(schedule, tf.slice(x0, s, m), ts, rng.normalTensor([m, classifier.size, classifier.size, 1])) as tf.Tensor4D);
    predicted.set(classifier.classify(xt, ts), s);
    xt.dispose();
  }
  let hits = 0;
  predicted.forEach((p, i) => (hits += p === labels[i] ? 1 : 0));
  return binomialEstimate(hits, N);
}

/**
 * The share of an unconditional model's samples, guided by a noisy classifier towards digit k (F5, classifier
 * guidance at scale s), that the judge reads as k: `perDigit` samples of each digit 0–9, DDIM with η = 1 over
 * `ddimSteps` (default 50, as {@link guidedAccuracy} measures classifier-free guidance) or ancestral DDPM
 * ({@link sampleClassifierGuided}). The judge (the clean-image classifier, 32×32) reads the samples resized by
 * {@link asClassifierInput}. Also the rate of each digit.
 */
export function classifierGuidedAccuracy(
  model: DenoiserModel,
  schedule: NoiseSchedule,
  classifier: NoisyClassifier,
  judge: MnistClassifier,
  rng: Rng,
  options: { readonly perDigit: number; readonly scale: number; readonly sampler?: 'ddpm' | 'ddim'; readonly ddimSteps?: number },
): Estimate & { readonly perDigit: Float64Array } {
  const fn = 'classifierGuidedAccuracy';
  if (!(classifier instanceof NoisyClassifier)) throw new DomainError(fn, 'classifier', 'a NoisyClassifier', classifier);
  const { ddimSteps } = assertSampling(fn, model, schedule, judge, rng, options, 'judge');
  if (classifier.numClasses !== 10) throw new DomainError(fn, 'classifier', 'a classifier of the 10 digits (numClasses = 10)', classifier.numClasses);
  if (model.numClasses > 0) throw new DomainError(fn, 'model', 'an unconditional model (numClasses = 0; guidedAccuracy measures a conditional one)', model.numClasses);
  assertCount(fn, 'perDigit', options.perDigit, 1, 1e5);
  assertInInterval(fn, 'scale', options.scale, 0, MAX_GUIDANCE);
  const sampler = options.sampler === undefined ? 'ddim' : options.sampler;
  if (sampler !== 'ddpm' && sampler !== 'ddim') throw new DomainError(fn, 'sampler', "'ddpm' or 'ddim'", String(sampler));
  const asked = Int32Array.from({ length: 10 * options.perDigit }, (_, i) => i % 10);
  const digits = new Int32Array(asked.length);
  const topProbability = new Float64Array(asked.length);
  for (let s = 0; s < asked.length; s += CHUNK) {
    const m = Math.min(CHUNK, asked.length - s);
    let x: tf.Tensor4D;
    try {
      x = sampleClassifierGuided(model, schedule, classifier, asked.subarray(s, s + m), rng, { scale: options.scale, sampler, ddimSteps }) as tf.Tensor4D;
    } catch (e) {
      if (e instanceof DomainError && e.arg === 'scale') throw new DomainError(fn, 'scale', e.allowed, e.received);
      throw e;
    }
    const judged = judgeDigits(judge, x);
    x.dispose();
    digits.set(judged.digits, s);
    topProbability.set(judged.topProbability, s);
  }
  const perDigit = new Float64Array(10);
  digits.forEach((d, i) => {
    if (d === asked[i]) perDigit[asked[i]!]! += 1 / options.perDigit;
  });
  return { ...shareReadAsAsked({ digits, topProbability }, asked), perDigit };
}
