/**
 * A time-conditioned MNIST classifier p_φ(y | x_t, t), trained on noisy images x_t ~ q(x_t | x_0) (C5) at every
 * step t of a schedule: the classifier whose gradient ∇_{x_t} log p_φ(y | x_t, t) classifier guidance adds to each
 * reverse step (F5, Dhariwal & Nichol 2021 §4 and Algorithm 1). Not one of the articles' models: S1 describes
 * classifier guidance; the classifier here is our small stand-in for Dhariwal & Nichol's UNet-encoder classifier.
 *
 * Architecture (on [B, size, size, 1] images in the DDPM's layout, 16×16 for the quick preset): the judge's
 * space-to-depth stem (each 2×2 pixel block becomes 4 channels, lossless and 4× cheaper per convolution; see
 * models/classifier.ts), then per block a 3×3 conv whose output gets a per-channel bias from the step's G1
 * sinusoidal features (the UNet's way of conditioning on t, models/unet.ts), swish, 2×2 average pool; flatten,
 * Dense(`hidden`) plus its own bias from t, swish, Dense(10) logits. Swish and average pooling rather than ReLU and
 * max-pool: the sampler follows this network's input gradient, which is then smooth in x_t.
 */
import * as tf from '@tensorflow/tfjs-core';
import { randomBatch } from '../data/batch.js';
import { timestepEmbedding } from '../embedding/embedding.js';
import { qSample } from '../forward/forward.js';
import { applyConv, applyDense, avgPool2x2, conv, dense, ParamStore, swish, type Conv, type Dense } from '../nn/layers.js';
import { assertRng, type Rng } from '../random/rng.js';
import type { LogClassifier } from '../sampling/samplers.js';
import { assertSchedule, type NoiseSchedule } from '../schedule/schedule.js';
import { assertTensor } from '../util/tensor.js';
import { assertArray, assertCount, assertFunction, assertInInterval, assertObject, DomainError } from '../util/validate.js';
import { stepsFor } from './labels.js';
import type { StepBatch } from './types.js';

export interface NoisyClassifierOptions {
  /** Channels of the conv blocks after the space-to-depth stem (default [32, 64]). */
  readonly widths?: readonly number[];
  /** Width of the hidden Dense layer (default 128). */
  readonly hidden?: number;
  /** Image side, a multiple of 2^(number of blocks + 1) (default 16, the quick preset's). */
  readonly size?: number;
  /** Width of the G1 sinusoidal features of t (default 32, even). */
  readonly timeDim?: number;
  readonly numClasses?: number;
}

/** p_φ(y | x_t, t): class scores of noisy images at their diffusion step. See the module comment for the layers. */
export class NoisyClassifier {
  readonly kind = 'noisy-classifier';
  readonly params: ParamStore;
  readonly config: Record<string, unknown>;
  readonly numClasses: number;
  readonly size: number;
  private readonly timeDim: number;
  private readonly widths: number[];
  private readonly time: Dense;
  private readonly blocks: { conv: Conv; time: Dense }[] = [];
  private readonly hidden: Dense;
  private readonly hiddenTime: Dense;
  private readonly out: Dense;

  constructor(rng: Rng, options: NoisyClassifierOptions = {}) {
    const fn = 'NoisyClassifier';
    assertRng(fn, 'rng', rng);
    assertObject(fn, 'options', options);
    const { widths = [32, 64], hidden = 128, size = 16, timeDim = 32, numClasses = 10 } = options;
    if (!Array.isArray(widths) || widths.length < 1) throw new DomainError(fn, 'widths', 'a non-empty list of conv widths', Array.isArray(widths) ? '[]' : widths);
    // Widths up to 2^12 and sizes up to 2^12: beyond, the weights or one activation would not fit in memory.
    widths.forEach((w, i) => assertCount(fn, `widths[${i}]`, w, 1, 2 ** 12));
    assertCount(fn, 'hidden', hidden, 1, 2 ** 16);
    assertCount(fn, 'timeDim', timeDim, 2, 2 ** 12);
    if (timeDim % 2) throw new DomainError(fn, 'timeDim', 'an even integer (sin/cos pairs)', timeDim);
    assertCount(fn, 'numClasses', numClasses, 2, 2 ** 16);
    if (!Number.isInteger(size) || size <= 0 || size > 2 ** 12 || size % 2 ** (widths.length + 1)) throw new DomainError(fn, 'size', `a positive multiple of 2^${widths.length + 1}`, size);
    this.config = { widths: [...widths], hidden, size, timeDim, numClasses };
    this.numClasses = numClasses;
    this.size = size;
    this.timeDim = timeDim;
    this.widths = [...widths];
    const ps = (this.params = new ParamStore(rng));
    // One shared layer of time features, then a per-layer projection to that layer's channel biases.
    const timeHidden = 2 * timeDim;
    this.time = dense(ps, 'time', timeDim, timeHidden);
    widths.forEach((w, i) => this.blocks.push({ conv: conv(ps, `conv${i}`, 3, i === 0 ? 4 : widths[i - 1]!, w), time: dense(ps, `conv${i}/time`, timeHidden, w) }));
    const side = size / 2 ** (widths.length + 1);
    this.hidden = dense(ps, 'hidden', side * side * widths[widths.length - 1]!, hidden);
    this.hiddenTime = dense(ps, 'hidden/time', timeHidden, hidden);
    this.out = dense(ps, 'logits', hidden, numClasses);
  }

  /**
   * Class scores (unnormalised log-probabilities) [B, numClasses] of noisy images x_t [B, size, size, 1] at step t
   * (one step for the batch, or one per example; any finite t ≥ 0, as the UNet takes it).
   */
  logits(xt: tf.Tensor4D, t: StepBatch): tf.Tensor2D {
    return this.logitsAs('NoisyClassifier.logits', xt, t);
  }

  /** xt is a live tensor of images [B ≥ 1, size, size, 1]; returns B. */
  private assertImages(fn: string, x: tf.Tensor4D): number {
    assertTensor(fn, 'xt', x);
    if (x.rank !== 4 || x.shape[1] !== this.size || x.shape[2] !== this.size || x.shape[3] !== 1 || x.shape[0] === 0) {
      throw new DomainError(fn, 'xt', `images [B ≥ 1, ${this.size}, ${this.size}, 1]`, `[${x.shape}]`);
    }
    return x.shape[0];
  }

  private logitsAs(fn: string, x: tf.Tensor4D, t: StepBatch): tf.Tensor2D {
    const B = this.assertImages(fn, x);
    const steps = stepsFor(fn, t, B);
    return tf.tidy(() => {
      const H = this.size;
      const features = applyDense(this.time, timestepEmbedding(steps, this.timeDim), 'swish');
      // Space-to-depth: [B, H/2, 2, W/2, 2] → [B, H/2, W/2, 2·2] (a transpose; its gradient is one too).
      let h = tf.reshape(tf.transpose(tf.reshape(x, [B, H / 2, 2, H / 2, 2]), [0, 1, 3, 2, 4]), [B, H / 2, H / 2, 4]) as tf.Tensor4D;
      this.blocks.forEach((blk, i) => {
        const bias = tf.reshape(applyDense(blk.time, features), [B, 1, 1, this.widths[i]!]);
        h = avgPool2x2(swish(tf.add(applyConv(blk.conv, h), bias) as tf.Tensor4D));
      });
      const flat = tf.reshape(h, [B, -1]) as tf.Tensor2D;
      const hid = swish(tf.add(applyDense(this.hidden, flat), applyDense(this.hiddenTime, features)) as tf.Tensor2D);
      return applyDense(this.out, hid);
    });
  }

  /** log p_φ(y | x_t, t) for every class, [B, numClasses] (log-softmax of the logits). */
  logProbabilities(xt: tf.Tensor4D, t: StepBatch): tf.Tensor2D {
    return tf.tidy(() => tf.logSoftmax(this.logitsAs('NoisyClassifier.logProbabilities', xt, t)));
  }

  /** Mean cross-entropy −(1/B) Σ_b log p_φ(y_b | x_t,b, t_b) (nats) with int labels [B]. */
  loss(xt: tf.Tensor4D, t: StepBatch, labels: tf.Tensor1D): tf.Scalar {
    const fn = 'NoisyClassifier.loss';
    assertTensor(fn, 'labels', labels);
    if (labels.rank !== 1 || (xt instanceof tf.Tensor && labels.shape[0] !== xt.shape[0])) throw new DomainError(fn, 'labels', 'one label per image [B]', `shape [${labels.shape}]`);
    assertLabelValues(fn, 'labels', labels.dataSync(), this.numClasses);
    return tf.tidy(() => {
      const logp = tf.logSoftmax(this.logitsAs(fn, xt, t));
      const onehot = tf.oneHot(tf.cast(labels, 'int32'), this.numClasses);
      return tf.neg(tf.mean(tf.sum(tf.mul(logp, onehot), 1))) as tf.Scalar;
    });
  }

  /** The most likely class of each noisy image at step t, evaluated in chunks of `batchSize` (the wasm heap is finite). */
  classify(xt: tf.Tensor4D, t: StepBatch, batchSize = 500): Int32Array {
    const fn = 'NoisyClassifier.classify';
    const N = this.assertImages(fn, xt);
    assertCount(fn, 'batchSize', batchSize, 1);
    const steps = stepsFor(fn, t, N);
    const out = new Int32Array(N);
    for (let s = 0; s < N; s += batchSize) {
      const n = Math.min(batchSize, N - s);
      const pred = tf.tidy(() => tf.argMax(this.logitsAs(fn, tf.slice(xt, s, n) as tf.Tensor4D, steps.subarray(s, s + n)), 1));
      out.set(pred.dataSync() as Int32Array, s);
      pred.dispose();
    }
    return out;
  }
}

/** Every label an integer class in 0..classes − 1. */
function assertLabelValues(fn: string, arg: string, labels: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i]! < 0 || labels[i]! >= classes) throw new DomainError(fn, `${arg}[${i}]`, `an integer class in 0..${classes - 1}`, labels[i]);
  }
}

/**
 * F5's log-classifier for the guided samplers: (x_t, t) ↦ Σ_b log p_φ(y_b | x_t,b, t), a scalar whose gradient in x_t
 * is each example's ∇ log p_φ(y_b | x_t,b, t) (the sum decouples the examples). `labels`: the class asked of each sample.
 */
export function logClassifierOf(model: NoisyClassifier, labels: ArrayLike<number>): LogClassifier {
  const fn = 'logClassifierOf';
  if (!(model instanceof NoisyClassifier)) throw new DomainError(fn, 'model', 'a NoisyClassifier', model);
  assertArray(fn, 'labels', labels);
  if (labels.length === 0) throw new DomainError(fn, 'labels', 'a non-empty array of class labels, one per sample', '[] (empty)');
  assertLabelValues(fn, 'labels', labels, model.numClasses);
  const onehot = Float32Array.from({ length: labels.length * model.numClasses }, (_, k) => (k % model.numClasses === labels[Math.floor(k / model.numClasses)] ? 1 : 0));
  return (xt: tf.Tensor, t: number): tf.Scalar => {
    if (xt.shape[0] !== labels.length) throw new DomainError(fn, 'xt', `a batch of ${labels.length} images (one per label)`, `[${xt.shape}]`);
    return tf.tidy(() => tf.sum(tf.mul(model.logProbabilities(xt as tf.Tensor4D, t), tf.tensor2d(onehot, [labels.length, model.numClasses]))) as tf.Scalar);
  };
}

export interface NoisyClassifierTrainOptions {
  /** The DDPM's schedule: t ~ U{1..T} and x_t from its q(x_t | x_0), exactly what its sampler produces. */
  readonly schedule: NoiseSchedule;
  readonly steps: number;
  readonly batchSize: number;
  /** Adam learning rate (default 2e-3) when no optimizer is passed. */
  readonly learningRate?: number;
  /** An optimizer to continue with (a resumed run's Adam). */
  readonly optimizer?: tf.Optimizer;
  /** Called after each step; return false to stop. */
  readonly onStep?: (info: { step: number; loss: number; seconds: number }) => void | boolean;
}

/**
 * Train p_φ(y | x_t, t) with Adam: each step draws a batch of clean digits x_0 with replacement, then for each its
 * own t ~ U{1..T} and ε ~ N(0, I), in this order from the seeded `rng`, and forms x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε
 * (C5, {@link qSample}); the loss is the cross-entropy of the clean label (Dhariwal & Nichol 2021 §4). Returns the
 * per-step losses.
 */
export function trainNoisyClassifier(model: NoisyClassifier, x0: tf.Tensor4D, labels: Int32Array, rng: Rng, options: NoisyClassifierTrainOptions): Float64Array {
  const fn = 'trainNoisyClassifier';
  if (!(model instanceof NoisyClassifier)) throw new DomainError(fn, 'model', 'a NoisyClassifier', model);
  assertTensor(fn, 'x0', x0);
  if (x0.rank !== 4 || x0.shape[1] !== model.size || x0.shape[2] !== model.size || x0.shape[3] !== 1 || x0.shape[0] === 0) {
    throw new DomainError(fn, 'x0', `images [N ≥ 1, ${model.size}, ${model.size}, 1]`, `[${x0.shape}]`);
  }
  assertArray(fn, 'labels', labels);
  assertRng(fn, 'rng', rng);
  assertObject(fn, 'options', options);
  const { schedule, steps, batchSize, learningRate = 2e-3, optimizer, onStep } = options;
  assertSchedule(fn, schedule, 'schedule');
  assertCount(fn, 'steps', steps, 0, 1e9);
  assertCount(fn, 'batchSize', batchSize, 1);
  assertInInterval(fn, 'learningRate', learningRate, 0, 1e3, { lo: true }); // Adam steps beyond 10^3 only overflow
  if (optimizer !== undefined && !(optimizer instanceof tf.Optimizer)) throw new DomainError(fn, 'optimizer', 'a tf.Optimizer', optimizer);
  if (onStep !== undefined) assertFunction(fn, 'onStep', onStep);
  const N = x0.shape[0];
  if (labels.length !== N) throw new DomainError(fn, 'labels', `${N} labels (one per image)`, labels.length);
  assertLabelValues(fn, 'labels', labels, model.numClasses);
  const opt = optimizer ?? tf.train.adam(learningRate);
  const losses = new Float64Array(steps);
  try {
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      const batch = randomBatch(x0, labels, batchSize, rng);
      const t = Int32Array.from({ length: batchSize }, () => rng.int(1, schedule.T));
      const eps = rng.normalTensor([batchSize, model.size, model.size, 1]);
      const xt = qSample(schedule, batch.x, t, eps) as tf.Tensor4D;
      const yb = tf.tensor1d(batch.labels!, 'int32');
      const value = opt.minimize(() => model.loss(xt, t, yb), true, model.params.list) as tf.Scalar;
      losses[s] = value.dataSync()[0]!;
      [value, batch.x, eps, xt, yb].forEach((x) => x.dispose());
      if (onStep?.({ step: s + 1, loss: losses[s]!, seconds: (performance.now() - t0) / 1000 }) === false) return losses.slice(0, s + 1);
    }
    return losses;
  } finally {
    if (!optimizer) opt.dispose();
  }
}
