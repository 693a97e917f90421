/**
 * A small convolutional MNIST classifier, the judge of generated digits: trained here (seeded), it tells how often a
 * conditional model's sample for digit k is read as k. Not one of the articles' models; it only measures them.
 *
 * Architecture (on 32×32×1 images in [−1, 1], the layout of `mnistTensor`): space-to-depth (each 2×2 pixel block
 * becomes 4 channels, 32×32×1 → 16×16×4, lossless), two blocks of 3×3 conv + ReLU + 2×2 max-pool (channels
 * `widths`, 16 → 8 → 4), flatten, Dense(`hidden`) + ReLU, Dense(10) logits. Built from nn/layers, so it trains on
 * the wasm backend too. The space-to-depth stem is for speed: a convolution over the full 32×32 grid is the costliest
 * layer (with the earlier im2col convolutions, 0.47 s per step of 64 without the stem against 0.13 s with it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomBatch } from '../data/batch.js';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { applyConv, applyDense, conv, dense, maxPool2x2, ParamStore, type Conv, type Dense } from '../nn/layers.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertRank, assertTensor } from '../util/tensor.js';
import { hasCheckpoint, loadCheckpoint, readManifest, saveCheckpoint } from '../train/checkpoint.js';
import { assertArray, assertCount, assertIntegerInRange, assertFunction, assertInInterval, assertObject, DomainError } from '../util/validate.js';

export interface MnistClassifierOptions {
  /** Channels of the conv blocks after the space-to-depth stem (default [32, 64]). */
  readonly widths?: readonly number[];
  /** Width of the hidden Dense layer (default 128). */
  readonly hidden?: number;
  /** Image side, a multiple of 2^(number of blocks + 1) (default 32). */
  readonly size?: number;
  readonly numClasses?: number;
}

export class MnistClassifier {
  readonly kind = 'classifier';
  readonly params: ParamStore;
  readonly config: Record<string, unknown>;
  readonly numClasses: number;
  readonly size: number;
  private readonly blocks: Conv[] = [];
  private readonly hidden: Dense;
  private readonly out: Dense;

  constructor(rng: Rng, options: MnistClassifierOptions = {}) {
    assertRng('MnistClassifier', 'rng', rng);
    assertObject('MnistClassifier', 'options', options);
    const { widths = [32, 64], hidden = 128, size = 32, numClasses = 10 } = options;
    if (!Array.isArray(widths)) throw new DomainError('MnistClassifier', 'widths', 'at least one conv width', widths);
    if (widths.length < 1) throw new DomainError('MnistClassifier', 'widths', 'at least one conv width', '[]');
    // Widths up to 2^12 and sizes up to 2^12: beyond, the weights or one activation would not fit in memory.
    widths.forEach((w, i) => assertCount('MnistClassifier', `widths[${i}]`, w, 1, 2 ** 12));
    assertCount('MnistClassifier', 'hidden', hidden, 1, 2 ** 16);
    assertCount('MnistClassifier', 'numClasses', numClasses, 2, 2 ** 16);
    if (!Number.isInteger(size) || size <= 0 || size > 2 ** 12 || size % 2 ** (widths.length + 1)) throw new DomainError('MnistClassifier', 'size', `a positive multiple of 2^${widths.length + 1}`, size);
    this.config = { widths: [...widths], hidden, size, numClasses };
    this.numClasses = numClasses;
    this.size = size;
    const ps = (this.params = new ParamStore(rng));
    widths.forEach((w, i) => this.blocks.push(conv(ps, `conv${i}`, 3, i === 0 ? 4 : widths[i - 1]!, w)));
    const side = size / 2 ** (widths.length + 1);
    this.hidden = dense(ps, 'hidden', side * side * widths[widths.length - 1]!, hidden);
    this.out = dense(ps, 'logits', hidden, numClasses);
  }

  /** Class scores (unnormalised log-probabilities) [B, numClasses] for images [B, size, size, 1]. */
  logits(x: tf.Tensor4D): tf.Tensor2D {
    return this.logitsAs('MnistClassifier.logits', x);
  }

  /**
   * The penultimate layer's activations [B, hidden] (after its ReLU) for images [B, size, size, 1]: the features the
   * Fréchet and kernel distances compare (the role Inception's pool3 features play for FID); `logits` is one Dense
   * layer on top of them.
   */
  features(x: tf.Tensor4D): tf.Tensor2D {
    return this.featuresAs('MnistClassifier.features', x);
  }

  private featuresAs(fn: string, x: tf.Tensor4D): tf.Tensor2D {
    assertTensor(fn, 'x', x);
    if (x.rank !== 4 || x.shape[1] !== this.size || x.shape[2] !== this.size || x.shape[3] !== 1) {
      throw new DomainError(fn, 'x', `images [B, ${this.size}, ${this.size}, 1]`, `[${x.shape}]`);
    }
    return tf.tidy(() => {
      const [B, H, W] = x.shape;
      // Space-to-depth: [B, H/2, 2, W/2, 2] → [B, H/2, W/2, 2·2] (a transpose; its gradient is one too).
      let h = tf.reshape(tf.transpose(tf.reshape(x, [B, H / 2, 2, W / 2, 2]), [0, 1, 3, 2, 4]), [B, H / 2, W / 2, 4]) as tf.Tensor4D;
      for (const c of this.blocks) h = maxPool2x2(tf.relu(applyConv(c, h)));
      const f = tf.reshape(h, [B, -1]) as tf.Tensor2D;
      return tf.relu(applyDense(this.hidden, f)) as tf.Tensor2D;
    });
  }

  private logitsAs(fn: string, x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => applyDense(this.out, this.featuresAs(fn, x)));
  }

  /** Mean cross-entropy −(1/B) Σ_b log softmax(logits_b)[y_b] (nats) of a batch with int labels [B]. */
  loss(x: tf.Tensor4D, labels: tf.Tensor1D): tf.Scalar {
    const fn = 'MnistClassifier.loss';
    assertTensor(fn, 'labels', labels);
    if (labels.rank !== 1 || (x instanceof tf.Tensor && labels.shape[0] !== x.shape[0])) throw new DomainError(fn, 'labels', 'one label per image [B]', `shape [${labels.shape}]`);
    labels.dataSync().forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l >= this.numClasses) throw new DomainError(fn, `labels[${i}]`, `an integer class in 0..${this.numClasses - 1}`, l);
    });
    return tf.tidy(() => {
      const logp = tf.logSoftmax(this.logitsAs(fn, x));
      const onehot = tf.oneHot(tf.cast(labels, 'int32'), this.numClasses);
      return tf.neg(tf.mean(tf.sum(tf.mul(logp, onehot), 1))) as tf.Scalar;
    });
  }

  /** The most likely class of each image, evaluated in chunks of `batchSize` (the wasm heap is finite). */
  classify(x: tf.Tensor4D, batchSize = 500): Int32Array {
    assertTensor('MnistClassifier.classify', 'x', x);
    assertCount('MnistClassifier.classify', 'batchSize', batchSize, 1);
    const N = x.shape[0]!;
    const out = new Int32Array(N);
    for (let s = 0; s < N; s += batchSize) {
      const n = Math.min(batchSize, N - s);
      const pred = tf.tidy(() => tf.argMax(this.logitsAs('MnistClassifier.classify', tf.slice(x, s, n) as tf.Tensor4D), 1));
      out.set(pred.dataSync() as Int32Array, s);
      pred.dispose();
    }
    return out;
  }
}

/** Share of `predicted` equal to `labels`. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  assertArray('accuracy', 'predicted', predicted);
  assertArray('accuracy', 'labels', labels);
  if (labels.length === 0) throw new DomainError('accuracy', 'labels', 'a non-empty array of labels', '[] (empty)');
  for (const [name, xs] of [['predicted', predicted], ['labels', labels]] as const) {
    for (let i = 0; i < xs.length; i++) assertIntegerInRange('accuracy', `${name}[${i}]`, xs[i]!, 0, 2 ** 31 - 1); // class labels (int32)
  }
  if (predicted.length !== labels.length || labels.length === 0) {
    throw new DomainError('accuracy', 'predicted', `${labels.length} (> 0) predictions, one per label`, predicted.length);
  }
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}

export interface ClassifierTrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  /** Adam learning rate (default 2e-3). */
  readonly learningRate?: number;
  readonly onStep?: (info: { step: number; loss: number; seconds: number }) => void | boolean;
}

/**
 * Train with Adam on random batches (drawn with replacement from the seeded `rng`) of images x [N, size, size, 1]
 * and their int labels. Returns the per-step losses.
 */
export function trainClassifier(model: MnistClassifier, x: tf.Tensor4D, labels: Int32Array, rng: Rng, options: ClassifierTrainOptions): Float64Array {
  const fn = 'trainClassifier';
  if (!(model instanceof MnistClassifier)) throw new DomainError(fn, 'model', 'an MnistClassifier', model);
  assertRank(fn, 'x', x, 4, `images [N, ${model.size}, ${model.size}, 1]`);
  assertArray(fn, 'labels', labels);
  assertRng(fn, 'rng', rng);
  assertObject(fn, 'options', options);
  const { steps, batchSize, learningRate = 2e-3, onStep } = options;
  assertCount(fn, 'steps', steps, 0, 1e9);
  assertCount(fn, 'batchSize', batchSize, 1);
  assertInInterval(fn, 'learningRate', learningRate, 0, 1e3, { lo: true }); // Adam steps beyond 10^3 only overflow
  if (x.shape[1] !== model.size || x.shape[2] !== model.size || x.shape[3] !== 1) throw new DomainError(fn, 'x', `images [N, ${model.size}, ${model.size}, 1]`, `shape [${x.shape}]`);
  if (onStep !== undefined) assertFunction(fn, 'onStep', onStep);
  const N = x.shape[0];
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i]! < 0 || labels[i]! >= model.numClasses) throw new DomainError(fn, `labels[${i}]`, `an integer class in 0..${model.numClasses - 1}`, labels[i]);
  }
  if (labels.length !== N) throw new DomainError('trainClassifier', 'labels', `${N} labels (one per image)`, labels.length);
  const opt = tf.train.adam(learningRate);
  const losses = new Float64Array(steps);
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const batch = randomBatch(x, labels, batchSize, rng);
    const xb = batch.x;
    const yb = tf.tensor1d(batch.labels!, 'int32');
    const value = opt.minimize(() => model.loss(xb, yb), true, model.params.list) as tf.Scalar;
    losses[s] = value.dataSync()[0]!;
    value.dispose();
    xb.dispose();
    yb.dispose();
    if (onStep?.({ step: s + 1, loss: losses[s]!, seconds: (performance.now() - t0) / 1000 }) === false) {
      opt.dispose();
      return losses.slice(0, s + 1);
    }
  }
  opt.dispose();
  return losses;
}

export interface LoadOrTrainClassifierOptions extends MnistClassifierOptions {
  /** Training steps when no checkpoint exists (default 1500). */
  readonly steps?: number;
  /** Batch size (default 64). */
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Training digits to use (default all 60 000) and test digits to measure on (default all 10 000). */
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** Called after each training step (e.g. a progress bar). */
  readonly onStep?: ClassifierTrainOptions['onStep'];
}

export interface LoadedClassifier {
  readonly model: MnistClassifier;
  /** False when the weights came from the checkpoint. */
  readonly trained: boolean;
  /** Accuracy on the MNIST test digits (all 10 000 by default), measured when it was trained (stored in the checkpoint). */
  readonly testAccuracy: number;
  /** Seconds of training (stored in the checkpoint). */
  readonly trainSeconds: number;
}

/**
 * Where the classifier is kept by default (relative to the working directory; `checkpoints/` is git-ignored). A plain
 * string, not `path.join`: this module is also bundled for the site's browser worker, where `path` is a stub.
 */
export const DEFAULT_CLASSIFIER_DIR = 'checkpoints/classifier';

/**
 * The MNIST classifier saved in `dir` (e.g. {@link DEFAULT_CLASSIFIER_DIR}), or, when the folder holds no
 * checkpoint, one trained now on the 60 000 training digits with the seeded `rng`, measured on the 10 000 test
 * digits and saved there (accuracy and training time go into the checkpoint's metadata).
 */
export function loadOrTrainClassifier(dir: string, rng: Rng, options: LoadOrTrainClassifierOptions = {}): LoadedClassifier {
  if (hasCheckpoint(dir)) {
    const m = readManifest(dir);
    if (m.kind !== 'classifier') throw new DomainError('loadOrTrainClassifier', 'dir', 'a folder holding a classifier checkpoint', `${dir} (kind '${m.kind}')`);
    const model = new MnistClassifier(rng, m.config as MnistClassifierOptions);
    loadCheckpoint(dir, model);
    return { model, trained: false, testAccuracy: Number(m.meta['testAccuracy']), trainSeconds: Number(m.meta['trainSeconds']) };
  }
  return trainAndSaveClassifier(dir, rng, options);
}

/**
 * Train a classifier with the seeded `rng` on the MNIST training digits (all 60 000 unless `trainLimit`), measure it
 * on the test digits and save it in `dir` with its accuracy, training time and settings in the checkpoint's metadata
 * (what `pnpm train classifier` runs; `meta` adds to that metadata, e.g. the seed). Replaces a checkpoint in `dir`.
 */
export function trainAndSaveClassifier(dir: string, rng: Rng, options: LoadOrTrainClassifierOptions = {}, meta: Record<string, unknown> = {}): LoadedClassifier {
  const { steps = 1500, batchSize = 64, learningRate = 2e-3, trainLimit, testLimit, onStep, ...arch } = options;
  const model = new MnistClassifier(rng, arch);
  const train = loadMnist('train', trainLimit);
  const x = mnistTensor(train);
  const t0 = performance.now();
  trainClassifier(model, x, train.labels, rng, { steps, batchSize, learningRate, ...(onStep ? { onStep } : {}) });
  const trainSeconds = (performance.now() - t0) / 1000;
  x.dispose();
  const test = loadMnist('test', testLimit);
  const xt = mnistTensor(test);
  const testAccuracy = accuracy(model.classify(xt), test.labels);
  xt.dispose();
  saveCheckpoint(dir, model, steps, { testAccuracy, testDigits: test.count, trainDigits: train.count, trainSeconds, batchSize, learningRate, backend: tf.getBackend(), ...meta });
  return { model, trained: true, testAccuracy, trainSeconds };
}

/**
 * Images at a model's side as the classifier sees them: resized bilinearly (half-pixel centres) to the classifier's
 * side and clipped to [−1, 1], or `x` itself when it already has that side. How the quality scripts and the site's
 * judge show 16×16 samples to the 32×32 classifier, so that both read them alike.
 */
export function asClassifierInput(x: tf.Tensor4D, classifierSide: number): tf.Tensor4D {
  assertTensor('asClassifierInput', 'x', x);
  if (x.rank !== 4 || x.shape[3] !== 1) throw new DomainError('asClassifierInput', 'x', 'images [B, H, W, 1]', `[${x.shape}]`);
  assertCount('asClassifierInput', 'classifierSide', classifierSide, 1, 2 ** 12);
  if (x.shape[1] === classifierSide && x.shape[2] === classifierSide) return x;
  return tf.tidy(() => tf.clipByValue(tf.image.resizeBilinear(x, [classifierSide, classifierSide], false, true), -1, 1));
}
