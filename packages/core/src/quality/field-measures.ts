/**
 * The measures the papers report, for this project's models: the bound in bits per dimension of a trained
 * denoiser on real images (E8 through {@link variationalBoundBitsPerDim}), and the Fréchet and kernel distances
 * (A14, A15) in the feature space of the judge classifier (its penultimate layer, {@link MnistClassifier.features}),
 * the counterpart of FID's Inception pool3 features for MNIST. The protocol the project reports them with (N, the
 * resolution, the real set, the floor) is written in bench/quality-table.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asClassifierInput, MnistClassifier } from '../models/classifier.js';
import { learnsVariance, type DenoiserModel } from '../models/types.js';
import { variationalBoundBitsPerDim, type BoundEstimate, type BoundOptions } from '../objective/bound.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertSchedule, type NoiseSchedule } from '../schedule/schedule.js';
import { featureMoments, frechetDistance, kernelDistance, type KernelDistance } from '../stats/feature-distances.js';
import { assertTensor } from '../util/tensor.js';
import { assertCount, assertObject, DomainError } from '../util/validate.js';
import { assertClassLabels, assertSquareImages } from './judge.js';

/** The judge's features of a set of images: `count` rows of `dimension` values, flat, float64. */
export interface ImageFeatures {
  readonly features: Float64Array;
  readonly count: number;
  readonly dimension: number;
}

/**
 * The classifier's penultimate-layer features of images of any square side (resized to the classifier's
 * as {@link judgeDigits} does, {@link asClassifierInput}), in chunks, read back as float64.
 */
export function classifierFeatures(classifier: MnistClassifier, x: tf.Tensor4D, batchSize = 250): ImageFeatures {
  const fn = 'classifierFeatures';
  if (!(classifier instanceof MnistClassifier)) throw new DomainError(fn, 'classifier', 'an MnistClassifier', classifier);
  assertSquareImages(fn, 'x', x);
  assertCount(fn, 'batchSize', batchSize, 1);
  const N = x.shape[0];
  const dimension = classifier.config['hidden'] as number;
  const features = new Float64Array(N * dimension);
  for (let s = 0; s < N; s += batchSize) {
    const n = Math.min(batchSize, N - s);
    const f = tf.tidy(() => classifier.features(asClassifierInput(tf.slice(x, s, n) as tf.Tensor4D, classifier.size)));
    features.set(f.dataSync(), s * dimension);
    f.dispose();
  }
  return { features, count: N, dimension };
}

/** FID and KID of one set of images against another, in the judge's feature space. */
export interface FeatureDistances {
  /** The Fréchet distance d_F² of A14 (FID's number). */
  readonly frechet: number;
  /** KID (A15) with its standard error over blocks. */
  readonly kernel: KernelDistance;
  readonly n: { readonly x: number; readonly y: number };
}

/**
 * A14, A15 — the Fréchet distance and the kernel distance between the judge's features of `x` (e.g. samples) and of
 * `y` (e.g. test digits). FID is biased at finite N, so compare it only at equal N and beside the real-versus-real
 * floor (two real sets at the same N); KID is unbiased, its standard error from `kidBlocks` disjoint blocks.
 */
export function featureDistances(classifier: MnistClassifier, x: tf.Tensor4D, y: tf.Tensor4D, kidBlocks = 10): FeatureDistances {
  const fn = 'featureDistances';
  if (!(classifier instanceof MnistClassifier)) throw new DomainError(fn, 'classifier', 'an MnistClassifier', classifier);
  assertSquareImages(fn, 'x', x);
  assertSquareImages(fn, 'y', y);
  const smaller = Math.min(x.shape[0], y.shape[0]);
  assertCount(fn, 'kidBlocks', kidBlocks, 2, Math.max(2, Math.floor(smaller / 2)));
  if (smaller < 2 * kidBlocks) throw new DomainError(fn, 'x', `at least 2·kidBlocks = ${2 * kidBlocks} images in each set`, `${x.shape[0]} and ${y.shape[0]}`);
  const fx = classifierFeatures(classifier, x);
  const fy = classifierFeatures(classifier, y);
  // Features of images far outside [−1, 1] can overflow the moments or the kernel: restated as this function's refusal.
  try {
    return {
      frechet: frechetDistance(featureMoments(fx.features, fx.dimension), featureMoments(fy.features, fy.dimension)),
      kernel: kernelDistance(fx.features, fy.features, fx.dimension, kidBlocks),
      n: { x: fx.count, y: fy.count },
    };
  } catch (e) {
    if (e instanceof DomainError) throw new DomainError(fn, 'x, y', e.allowed, e.received);
    throw e;
  }
}

/**
 * Images brought to the 8-bit grid the discretised decoder's bins are centred on: each pixel x ∈ [−1, 1]
 * rounded to the nearest of k/127.5 − 1 (k = 0..255), as MNIST's bytes are. Needed after average-pooling to 16×16,
 * whose means of 4 bytes fall between the grid's points.
 */
export function quantizeTo8Bit(x: tf.Tensor): tf.Tensor {
  assertTensor('quantizeTo8Bit', 'x', x);
  return tf.tidy(() => tf.sub(tf.div(tf.round(tf.mul(tf.add(tf.clipByValue(x, -1, 1), 1), 127.5)), 127.5), 1));
}

/** Pixels farther than this from the 8-bit grid are refused by {@link modelBitsPerDim} (float32 holds the grid to ~6e-8). */
const GRID_TOLERANCE = 1e-5;

/**
 * E8 — the bound of a trained denoiser on real images x [N, …dataShape] (on the 8-bit grid: {@link quantizeTo8Bit})
 * in bits per dimension, with its standard error over the images, for the variance of `options` (D6; 'learned'
 * needs a model with a variance head, D7). A conditional model is measured with each image's label (p_θ(x | y)),
 * or with `labels: null` on its unconditional branch ε_θ(x_t, ∅) (p_θ(x)).
 */
export function modelBitsPerDim(
  model: DenoiserModel,
  schedule: NoiseSchedule,
  x: tf.Tensor,
  rng: Rng,
  options: BoundOptions & { readonly labels?: Int32Array | null },
): BoundEstimate {
  const fn = 'modelBitsPerDim';
  const shape = (model as { dataShape?: readonly number[] } | null)?.dataShape;
  if (typeof (model as { predict?: unknown } | null)?.predict !== 'function' || !Array.isArray(shape)) throw new DomainError(fn, 'model', 'a denoiser (UNet, MlpDenoiser)', model);
  assertSchedule(fn, schedule);
  assertTensor(fn, 'x', x);
  if (x.rank !== shape.length + 1 || x.shape.slice(1).some((s, i) => s !== shape[i]) || x.shape[0]! < 2) {
    throw new DomainError(fn, 'x', `at least 2 examples of the model's shape [N, ${shape}]`, `[${x.shape}]`);
  }
  assertRng(fn, 'rng', rng);
  assertObject(fn, 'options', options);
  const { labels = null, ...bound } = options;
  const N = x.shape[0]!;
  if (labels !== null) {
    if (model.numClasses === 0) throw new DomainError(fn, 'options.labels', 'null for an unconditional model', labels);
    if (!(labels instanceof Int32Array)) throw new DomainError(fn, 'options.labels', `an Int32Array of ${N} labels, or null`, labels);
    assertClassLabels(fn, 'options.labels', labels, N, model.numClasses);
  }
  if (bound.variance === 'learned' && !learnsVariance(model)) throw new DomainError(fn, 'options.variance', "a fixed choice for a model without a variance head ('learned' needs one, D7)", bound.variance);
  const x0 = Float64Array.from(x.dataSync());
  for (let i = 0; i < x0.length; i++) {
    const v = x0[i]!;
    const onGrid = Math.round((v + 1) * 127.5) / 127.5 - 1;
    if (!(v >= -1 - GRID_TOLERANCE && v <= 1 + GRID_TOLERANCE) || Math.abs(v - onGrid) > GRID_TOLERANCE) {
      throw new DomainError(fn, `x[${i}]`, 'a pixel on the 8-bit grid k/127.5 − 1 of [−1, 1] (quantizeTo8Bit)', v);
    }
    x0[i] = Math.min(1, Math.max(-1, onGrid)); // exactly on the grid in float64
  }
  const d = x0.length / N;
  const denoise = (xt: Float64Array, t: Int32Array, images: Int32Array) => {
    const B = t.length;
    const input = tf.tensor(Float32Array.from(xt), [B, ...shape]);
    const lab = labels ? tf.tensor1d(Int32Array.from(images, (i) => labels[i]!), 'int32') : null;
    try {
      if (bound.variance === 'learned' && learnsVariance(model)) {
        const out = model.predictWithVariance(input, Array.from(t), lab);
        const result = { eps: out.eps.dataSync(), v: out.v.dataSync() };
        out.eps.dispose();
        out.v.dispose();
        return result;
      }
      const eps = model.predict(input, Array.from(t), lab);
      const result = { eps: eps.dataSync() };
      eps.dispose();
      return result;
    } finally {
      input.dispose();
      lab?.dispose();
    }
  };
  try {
    return variationalBoundBitsPerDim(schedule, x0, d, denoise, rng, bound);
  } catch (e) {
    // The bound's refusals in this function's terms: its x0 is our x, its denoiser our model, its options ours.
    if (e instanceof DomainError) throw new DomainError(fn, e.arg.replace(/\bx0\b/g, 'x').replace(/denoise\(x_t\)(\.\w+)?|\bdenoise\b/g, 'model'), e.allowed, e.received);
    throw e;
  }
}
