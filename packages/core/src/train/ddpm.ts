/**
 * DDPM training (E4, Algorithm 1) for any {@link DenoiserModel}, callable from code with a per-step callback
 * (notebooks and the CLI use it): t ~ U{1..T} and ε ~ N(0, I) per example from the passed-in Rng, x_t = qSample,
 * loss = L_simple. Conditional models get classifier-free training: each example's label is dropped to ∅
 * independently with probability `pUncond` (F6, not S4's one draw per batch). Gradients can be accumulated over
 * micro-batches (the wasm heap is 4 GiB). Sampling wraps the sampling/ functions (F1, F4, F6).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DenoiserModel } from '../models/types.js';
import { simpleLoss, trainingInput } from '../objective/objective.js';
import type { Rng } from '../random/rng.js';
import { ddimSample, ddimTimesteps, ddpmSample, type EpsModel, type StepCallback } from '../sampling/samplers.js';
import { classifierFreeGuidance, dropLabels } from '../sampling/guidance.js';
import type { NoiseSchedule } from '../schedule/schedule.js';
import { assertInInterval, assertInteger, assertPositive, DomainError } from '../util/validate.js';

/** A dataset in memory: examples [N, …dataShape] (float32) and optional int labels. */
export interface Dataset {
  readonly x: tf.Tensor;
  readonly labels?: Int32Array;
}

export interface TrainStepInfo {
  /** 1-based step count (including steps of a resumed run). */
  readonly step: number;
  readonly loss: number;
  /** Seconds this step took. */
  readonly seconds: number;
}

export interface DdpmTrainOptions {
  readonly schedule: NoiseSchedule;
  readonly steps: number;
  readonly batchSize: number;
  /** Adam learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** Split each batch into this many micro-batches and accumulate gradients (default 1). */
  readonly microBatches?: number;
  /** Probability of dropping a label to ∅ per example (conditional models; default 0.1). */
  readonly pUncond?: number;
  /** Step count to start from (resuming). */
  readonly startStep?: number;
  /** An optimizer to continue with (default: a new Adam). */
  readonly optimizer?: tf.Optimizer;
  readonly onStep?: (info: TrainStepInfo) => void | boolean;
}

export interface DdpmTrainResult {
  readonly losses: Float64Array;
  readonly optimizer: tf.Optimizer;
  readonly step: number;
}

/** Draw a batch of example indices (with replacement). */
function batchIndices(n: number, size: number, rng: Rng): Int32Array {
  const idx = new Int32Array(size);
  for (let i = 0; i < size; i++) idx[i] = rng.int(0, n - 1);
  return idx;
}

/**
 * E4 — the L_simple loss of one (micro-)batch, with t and ε given (so it is testable with fixed noise).
 * @param t - per-example steps in 1..T
 * @param labels - int labels (∅ = numClasses) for conditional models, else null
 */
export function ddpmLoss(model: DenoiserModel, schedule: NoiseSchedule, x0: tf.Tensor, t: ArrayLike<number>, eps: tf.Tensor, labels: tf.Tensor | null = null): tf.Scalar {
  return tf.tidy(() => simpleLoss(eps, model.predict(trainingInput(schedule, x0, t, eps), t, labels)));
}

/**
 * E4 — one optimizer step of Algorithm 1 on the batch x0 (gradients accumulated over `microBatches` equal parts,
 * each weighted by its share, so the update equals the full-batch one). Returns the batch loss.
 */
export function ddpmTrainStep(
  model: DenoiserModel,
  optimizer: tf.Optimizer,
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  labels: Int32Array | null,
  rng: Rng,
  options: { microBatches?: number; pUncond?: number } = {},
): number {
  const B = x0.shape[0]!;
  const m = options.microBatches ?? 1;
  assertInteger('ddpmTrainStep', 'microBatches', m, 1);
  if (B % m) throw new DomainError('ddpmTrainStep', 'microBatches', `a divisor of the batch size ${B}`, m);
  const pUncond = options.pUncond ?? 0.1;
  assertInInterval('ddpmTrainStep', 'pUncond', pUncond, 0, 1);
  const conditional = model.numClasses > 0;
  if (conditional && !labels) throw new DomainError('ddpmTrainStep', 'labels', 'int labels for a conditional model', 'null');
  const vars = model.params.list;
  const mb = B / m;
  // Draw t, ε and the label dropout for the whole batch first, so the update does not depend on m.
  const tAll = Float64Array.from({ length: B }, () => rng.int(1, schedule.T));
  const epsAll = rng.normalTensor(x0.shape);
  const lAll = conditional ? dropLabels(labels!, pUncond, rng, model.numClasses) : null;
  let total = 0;
  let acc: tf.Tensor[] | undefined;
  for (let j = 0; j < m; j++) {
    const t = tAll.subarray(j * mb, (j + 1) * mb);
    const eps = m === 1 ? epsAll : tf.slice(epsAll, j * mb, mb);
    const xb = m === 1 ? x0 : tf.slice(x0, j * mb, mb);
    const lb = lAll ? tf.tensor1d(lAll.subarray(j * mb, (j + 1) * mb), 'int32') : null;
    const { value, grads } = tf.variableGrads(() => tf.mul(ddpmLoss(model, schedule, xb, t, eps, lb), 1 / m) as tf.Scalar, vars);
    total += value.dataSync()[0]!;
    const g = vars.map((v) => grads[v.name]!);
    if (!acc) acc = g;
    else {
      const next = acc.map((a, i) => tf.add(a, g[i]!));
      acc.forEach((a) => a.dispose());
      g.forEach((x) => x.dispose());
      acc = next;
    }
    value.dispose();
    lb?.dispose();
    if (eps !== epsAll) eps.dispose();
    if (xb !== x0) xb.dispose();
  }
  epsAll.dispose();
  const named: Record<string, tf.Tensor> = {};
  vars.forEach((v, i) => (named[v.name] = acc![i]!));
  optimizer.applyGradients(named);
  acc!.forEach((a) => a.dispose());
  return total;
}

/** Algorithm 1 for `steps` steps on random batches of `data`; calls `onStep` after each (return false to stop). */
export function trainDdpm(model: DenoiserModel, data: Dataset, rng: Rng, options: DdpmTrainOptions): DdpmTrainResult {
  const { schedule, steps, batchSize, learningRate = 1e-3, microBatches = 1, pUncond = 0.1, startStep = 0, onStep } = options;
  assertInteger('trainDdpm', 'steps', steps, 0);
  assertInteger('trainDdpm', 'batchSize', batchSize, 1);
  assertPositive('trainDdpm', 'learningRate', learningRate);
  const N = data.x.shape[0]!;
  if (data.labels && data.labels.length !== N) throw new DomainError('trainDdpm', 'data.labels', `${N} labels (one per example)`, data.labels.length);
  const optimizer = options.optimizer ?? tf.train.adam(learningRate);
  const losses = new Float64Array(steps);
  let step = startStep;
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const idx = batchIndices(N, batchSize, rng);
    const x0 = tf.tidy(() => tf.gather(data.x, tf.tensor1d(idx, 'int32')));
    const lb = data.labels ? Int32Array.from(idx, (i) => data.labels![i]!) : null;
    const loss = ddpmTrainStep(model, optimizer, schedule, x0, lb, rng, { microBatches, pUncond });
    x0.dispose();
    losses[s] = loss;
    step++;
    if (onStep?.({ step, loss, seconds: (performance.now() - t0) / 1000 }) === false) return { losses: losses.slice(0, s + 1), optimizer, step };
  }
  return { losses, optimizer, step };
}

export interface SampleOptions {
  /** 'ddpm' (F1, all T steps) or 'ddim' (F4, `ddimSteps` steps, η = `eta`). Default 'ddpm'. */
  readonly sampler?: 'ddpm' | 'ddim';
  readonly ddimSteps?: number;
  readonly eta?: number;
  /** Class labels (conditional models), one per sample. */
  readonly labels?: ArrayLike<number>;
  /** Classifier-free guidance weight w (F6); 1 = plain conditioning. Default 1. */
  readonly guidance?: number;
  readonly onStep?: StepCallback;
}

/** ε_θ as the sampler's EpsModel: unconditional, conditional, or guided (two passes mixed with weight w). */
export function epsModelOf(model: DenoiserModel, labels?: tf.Tensor, guidance = 1): EpsModel {
  if (!labels) return (xt, t) => model.predict(xt, t, null);
  if (guidance === 1) return (xt, t) => model.predict(xt, t, labels);
  return (xt, t) => tf.tidy(() => classifierFreeGuidance(model.predict(xt, t, null), model.predict(xt, t, labels), guidance));
}

/** Draw n samples from a trained model with DDPM (F1) or DDIM (F4), optionally guided (F6). */
export function sampleModel(model: DenoiserModel, schedule: NoiseSchedule, n: number, rng: Rng, options: SampleOptions = {}): tf.Tensor {
  assertInteger('sampleModel', 'n', n, 1);
  const shape = [n, ...model.dataShape];
  let labels: tf.Tensor | undefined;
  if (options.labels) {
    if (options.labels.length !== n) throw new DomainError('sampleModel', 'labels', `${n} labels (one per sample)`, options.labels.length);
    labels = tf.tensor1d(Int32Array.from(options.labels), 'int32');
  }
  const eps = epsModelOf(model, labels, options.guidance ?? 1);
  try {
    if (options.sampler === 'ddim') {
      return ddimSample(schedule, eps, shape, rng, { timesteps: ddimTimesteps(schedule.T, options.ddimSteps ?? 50), eta: options.eta ?? 0, onStep: options.onStep });
    }
    return ddpmSample(schedule, eps, shape, rng, { onStep: options.onStep });
  } finally {
    labels?.dispose();
  }
}
