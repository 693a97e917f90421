/**
 * DDPM training (E4, Algorithm 1) for any {@link DenoiserModel}, callable from code with a per-step callback
 * (notebooks and the CLI use it): t ~ U{1..T} and ε ~ N(0, I) per example from the passed-in Rng, x_t = qSample,
 * loss = L_simple, or improved DDPM's L_hybrid = L_simple + λ L_vlb for a model that learns its variance (D7).
 * Conditional models get classifier-free training: each example's label is dropped to ∅
 * independently with probability `pUncond` (F6, not S4's one draw per batch). Gradients can be accumulated over
 * micro-batches (the wasm heap is 4 GiB). Sampling wraps the sampling/ functions (F1, F4, F6).
 */
import * as tf from '@tensorflow/tfjs-core';
import { learnsVariance, type DenoiserModel } from '../models/types.js';
import { assertTensor } from '../util/tensor.js';
import { hybridLoss, perExampleVlbTerm, simpleLoss, trainingInput } from '../objective/objective.js';
import { learnedLogVariance } from '../posterior/posterior.js';
import { randomBatch } from '../data/batch.js';
import { assertRng, type Rng } from '../random/rng.js';
import { classifierGuidedDdimSample, classifierGuidedDdpmSample, ddimSample, ddimTimesteps, ddpmSample, ddpmSampleLearnedVariance, type EpsModel, type EpsVarianceModel, type StepCallback } from '../sampling/samplers.js';
import { logClassifierOf, NoisyClassifier } from '../models/noisy-classifier.js';
import type { ReverseVarianceChoice } from '../posterior/posterior.js';
import { classifierFreeGuidance, dropLabels, guidedEpsModel, MAX_GUIDANCE } from '../sampling/guidance.js';
import { assertSchedule, type NoiseSchedule } from '../schedule/schedule.js';
import { assertArray, assertFinite, assertInInterval, assertInteger, assertIntegerInRange, assertNonNegative, assertObject, assertPositive, DomainError, MAX_COUNT } from '../util/validate.js';
import { MAX_STEPS as MAX_TRAINING_STEPS } from './options.js';

/** A dataset in memory: examples [N, …dataShape] (float32) and optional int labels. */
export interface Dataset {
  readonly x: tf.Tensor;
  readonly labels?: Int32Array;
}

/**
 * The training loss: 'simple' (E4, ε only) or 'hybrid' (D7, L_simple + λ L_vlb with the stop-gradient on the mean,
 * for models that learn their variance). Default: 'hybrid' for such models, else 'simple'.
 */
export type DdpmObjective = 'simple' | 'hybrid';

/** Which loss to train with and λ, the weight of L_vlb in the hybrid loss (default 0.001, Nichol & Dhariwal). */
export interface DdpmLossOptions {
  readonly objective?: DdpmObjective;
  readonly vlbWeight?: number;
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
  /** L_simple or L_hybrid (see {@link DdpmObjective}). */
  readonly objective?: DdpmObjective;
  /** λ of the hybrid loss (default 0.001). */
  readonly vlbWeight?: number;
}

export interface DdpmTrainResult {
  readonly losses: Float64Array;
  readonly optimizer: tf.Optimizer;
  readonly step: number;
}


/** The objective a model trains with: the one asked for, checked against the model, or its default. */
function resolveObjective(fn: string, model: DenoiserModel, options: DdpmLossOptions): { objective: DdpmObjective; vlbWeight: number } {
  // undefined (not null, not 0) means the default: a null would otherwise pass as "unset" without a word.
  const objective = options.objective === undefined ? (learnsVariance(model) ? 'hybrid' : 'simple') : options.objective;
  if (objective !== 'simple' && objective !== 'hybrid') throw new DomainError(fn, 'objective', "'simple' or 'hybrid'", String(objective));
  if (objective === 'hybrid' && !learnsVariance(model)) {
    throw new DomainError(fn, 'objective', "'simple' for a model without a variance head ('hybrid' needs one, e.g. MlpDenoiser { learnVariance: true })", objective);
  }
  const vlbWeight = options.vlbWeight === undefined ? 0.001 : options.vlbWeight;
  assertNonNegative(fn, 'vlbWeight', vlbWeight);
  return { objective, vlbWeight };
}

/**
 * E4 — the L_simple loss of one (micro-)batch, with t and ε given (so it is testable with fixed noise); for a model
 * that learns its variance, by default the hybrid loss L_simple + λ L_vlb instead (D7, {@link hybridLoss}).
 * @param t - per-example steps in 1..T
 * @param labels - int labels (∅ = numClasses) for conditional models, else null
 */
export function ddpmLoss(
  model: DenoiserModel,
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  t: ArrayLike<number>,
  eps: tf.Tensor,
  labels: tf.Tensor | null = null,
  options: DdpmLossOptions = {},
): tf.Scalar {
  const { objective, vlbWeight } = resolveObjective('ddpmLoss', model, options);
  return tf.tidy(() => {
    const xt = trainingInput(schedule, x0, t, eps);
    // resolveObjective guarantees 'hybrid' only for a model with a variance head.
    if (objective === 'hybrid' && learnsVariance(model)) {
      const out = model.predictWithVariance(xt, t, labels);
      return hybridLoss(schedule, x0, xt, t, eps, out.eps, out.v, vlbWeight);
    }
    return simpleLoss(eps, model.predict(xt, t, labels));
  });
}

/** A reverse variance the model can use: a fixed choice of D6, or 'learned' only for a model with a variance head. */
function assertVarianceChoice(fn: string, model: DenoiserModel, variance: ReverseVarianceChoice | 'learned'): void {
  if (variance !== 'learned' && variance !== 'beta' && variance !== 'betaTilde') throw new DomainError(fn, 'variance', "'learned', 'beta' or 'betaTilde'", String(variance));
  if (variance === 'learned' && !learnsVariance(model)) throw new DomainError(fn, 'variance', "'beta' or 'betaTilde' for a model without a variance head", variance);
}

/**
 * E1 with D7 — the bound's term L_{t−1} per example for a trained model at the given t and ε (nats, summed over
 * coordinates, {@link perExampleVlbTerm}), with Σ_θ the model's learned variance or a fixed σ_t² = β_t or β̃_t
 * (the clipped β̃ of D7 at t = 1, so the fixed choices are v ≡ 1 and v ≡ 0). T times its mean over uniform t
 * estimates Σ_t L_{t−1}, the part of the bound the model controls.
 * @param variance - 'learned' (needs a variance head), 'beta' or 'betaTilde'
 */
export function ddpmVlbTerms(
  model: DenoiserModel,
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  t: ArrayLike<number>,
  eps: tf.Tensor,
  variance: ReverseVarianceChoice | 'learned' = 'learned',
  labels: tf.Tensor | null = null,
): tf.Tensor1D {
  assertVarianceChoice('ddpmVlbTerms', model, variance);
  return tf.tidy(() => {
    const xt = trainingInput(schedule, x0, t, eps);
    const { eps: epsPred, v } =
      variance === 'learned' && learnsVariance(model)
        ? model.predictWithVariance(xt, t, labels)
        : { eps: model.predict(xt, t, labels), v: tf.fill(x0.shape, variance === 'beta' ? 1 : 0) };
    return perExampleVlbTerm(schedule, x0, xt, t, epsPred, learnedLogVariance(schedule, t, v));
  });
}

/** The randomness of one training step beyond the batch: per-example t, ε and (conditional models) the labels after dropout. */
export interface TrainingNoise {
  readonly t: Float64Array;
  readonly eps: tf.Tensor;
  readonly labels: Int32Array | null;
}

/**
 * Draw t ~ U{1..T}, ε ~ N(0, I) and the label dropout (F6) for a whole batch, in this order, so that a step's update
 * does not depend on how the batch is later split (micro-batches, or shards on worker threads).
 */
export function drawTrainingNoise(model: DenoiserModel, schedule: NoiseSchedule, x0Shape: readonly number[], labels: Int32Array | null, rng: Rng, pUncond = 0.1): TrainingNoise {
  assertInInterval('drawTrainingNoise', 'pUncond', pUncond, 0, 1);
  const conditional = model.numClasses > 0;
  if (conditional && !labels) throw new DomainError('drawTrainingNoise', 'labels', 'int labels for a conditional model', 'null');
  const B = x0Shape[0]!;
  const t = Float64Array.from({ length: B }, () => rng.int(1, schedule.T));
  const eps = rng.normalTensor([...x0Shape]);
  return { t, eps, labels: conditional ? dropLabels(labels!, pUncond, rng, model.numClasses) : null };
}

/**
 * The gradients of `weight` × (the mean loss over x0), accumulated over `microBatches` equal parts (each weighted by
 * its share, so the sum equals the one-pass gradient). Returns the weighted loss and one gradient per variable in
 * `model.params.list` order; the caller owns the gradients. `weight` = shard size / batch size lets shards computed
 * apart (worker threads) add up to the whole batch's gradient.
 */
export function accumulateGradients(
  model: DenoiserModel,
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  noise: TrainingNoise,
  weight = 1,
  microBatches = 1,
  lossOptions: DdpmLossOptions = {},
): { loss: number; grads: tf.Tensor[] } {
  const B = x0.shape[0]!;
  const m = microBatches;
  assertInteger('accumulateGradients', 'microBatches', m, 1);
  assertPositive('accumulateGradients', 'weight', weight);
  if (B % m) throw new DomainError('accumulateGradients', 'microBatches', `a divisor of the batch size ${B}`, m);
  const vars = model.params.list;
  const mb = B / m;
  let loss = 0;
  let acc: tf.Tensor[] | undefined;
  for (let j = 0; j < m; j++) {
    const t = noise.t.subarray(j * mb, (j + 1) * mb);
    const eps = m === 1 ? noise.eps : tf.slice(noise.eps, j * mb, mb);
    const xb = m === 1 ? x0 : tf.slice(x0, j * mb, mb);
    const lb = noise.labels ? tf.tensor1d(noise.labels.subarray(j * mb, (j + 1) * mb), 'int32') : null;
    const { value, grads } = tf.variableGrads(() => tf.mul(ddpmLoss(model, schedule, xb, t, eps, lb, lossOptions), weight / m) as tf.Scalar, vars);
    loss += value.dataSync()[0]!;
    // A variable the loss does not reach (the variance head under objective 'simple') gets no gradient from tfjs:
    // its gradient is zero, not missing.
    const g = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
    if (!acc) acc = g;
    else {
      const next = acc.map((a, i) => tf.add(a, g[i]!));
      acc.forEach((a) => a.dispose());
      g.forEach((x) => x.dispose());
      acc = next;
    }
    value.dispose();
    lb?.dispose();
    if (eps !== noise.eps) eps.dispose();
    if (xb !== x0) xb.dispose();
  }
  return { loss, grads: acc! };
}

/** Apply gradients given in `model.params.list` order with the optimizer, then dispose of them. */
export function applyGradients(model: DenoiserModel, optimizer: tf.Optimizer, grads: tf.Tensor[]): void {
  const vars = model.params.list;
  if (grads.length !== vars.length) throw new DomainError('applyGradients', 'grads', `${vars.length} gradients (one per variable)`, grads.length);
  grads.forEach((g, i) => {
    if (g.shape.join() !== vars[i]!.shape.join()) throw new DomainError('applyGradients', `grads[${i}]`, `shape [${vars[i]!.shape}]`, `[${g.shape}]`);
  });
  const named: Record<string, tf.Tensor> = {};
  model.params.list.forEach((v, i) => (named[v.name] = grads[i]!));
  optimizer.applyGradients(named);
  grads.forEach((g) => g.dispose());
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
  options: { microBatches?: number; pUncond?: number } & DdpmLossOptions = {},
): number {
  const B = x0.shape[0]!;
  const m = options.microBatches ?? 1;
  assertInteger('ddpmTrainStep', 'microBatches', m, 1);
  if (B % m) throw new DomainError('ddpmTrainStep', 'microBatches', `a divisor of the batch size ${B}`, m);
  const lossOptions = resolveObjective('ddpmTrainStep', model, options);
  const noise = drawTrainingNoise(model, schedule, x0.shape, labels, rng, options.pUncond ?? 0.1);
  try {
    const { loss, grads } = accumulateGradients(model, schedule, x0, noise, 1, m, lossOptions);
    applyGradients(model, optimizer, grads);
    return loss;
  } finally {
    noise.eps.dispose();
  }
}

/**
 * The checks a training loop makes before its first step (named after `fn`), and what they resolve: the loss options
 * and the optimizer to use (the one passed in, else a new Adam).
 */
export function prepareTraining(
  fn: string,
  model: DenoiserModel,
  data: Dataset,
  options: Pick<DdpmTrainOptions, 'steps' | 'batchSize' | 'learningRate' | 'optimizer' | 'objective' | 'vlbWeight' | 'startStep' | 'microBatches' | 'pUncond'> & { readonly onStep?: unknown },
): { lossOptions: { objective: DdpmObjective; vlbWeight: number }; optimizer: tf.Optimizer } {
  const { steps, batchSize, learningRate = 1e-3, objective, vlbWeight } = options;
  // steps sizes the loss array: a bound turns a typo (1e20) into this message rather than an allocation failure.
  assertIntegerInRange(fn, 'steps', steps, 0, MAX_TRAINING_STEPS);
  assertIntegerInRange(fn, 'batchSize', batchSize, 1, MAX_COUNT);
  assertPositive(fn, 'learningRate', learningRate);
  if (options.startStep !== undefined) assertIntegerInRange(fn, 'startStep', options.startStep, 0, Number.MAX_SAFE_INTEGER - steps);
  if (options.microBatches !== undefined) {
    assertInteger(fn, 'microBatches', options.microBatches, 1);
    if (batchSize % options.microBatches) throw new DomainError(fn, 'microBatches', `a divisor of the batch size ${batchSize}`, options.microBatches);
  }
  if (options.pUncond !== undefined) assertInInterval(fn, 'pUncond', options.pUncond, 0, 1);
  if (options.onStep !== undefined && typeof options.onStep !== 'function') throw new DomainError(fn, 'onStep', 'a function', String(options.onStep));
  if (options.optimizer !== undefined && !(options.optimizer instanceof tf.Optimizer)) throw new DomainError(fn, 'optimizer', 'a tf.Optimizer', String(options.optimizer));
  assertObject(fn, 'data', data);
  assertTensor(fn, 'data.x', data.x); // live, and finite when data checks are on
  if (data.x.rank < 2 || data.x.shape[0] === 0) throw new DomainError(fn, 'data.x', 'a tensor of examples [N ≥ 1, …]', data?.x ? `[${data.x.shape}]` : String(data?.x));
  if (data.x.shape.slice(1).join() !== model.dataShape.join()) throw new DomainError(fn, 'data.x', `examples of the model's shape [N, ${model.dataShape}]`, `[${data.x.shape}]`);
  if (model.numClasses > 0 && !data.labels) throw new DomainError(fn, 'data.labels', 'int labels for a conditional model', 'none');
  const N = data.x.shape[0]!;
  if (data.labels && data.labels.length !== N) throw new DomainError(fn, 'data.labels', `${N} labels (one per example)`, data.labels.length);
  const lossOptions = resolveObjective(fn, model, { objective, vlbWeight });
  return { lossOptions, optimizer: options.optimizer ?? tf.train.adam(learningRate) };
}

/** Algorithm 1 for `steps` steps on random batches of `data`; calls `onStep` after each (return false to stop). */
export function trainDdpm(model: DenoiserModel, data: Dataset, rng: Rng, options: DdpmTrainOptions): DdpmTrainResult {
  assertObject('trainDdpm', 'options', options);
  assertSchedule('trainDdpm', options.schedule, 'schedule');
  assertRng('trainDdpm', 'rng', rng);
  const { schedule, steps, batchSize, microBatches = 1, pUncond = 0.1, startStep = 0, onStep } = options;
  const { lossOptions, optimizer } = prepareTraining('trainDdpm', model, data, options);
  const losses = new Float64Array(steps);
  let step = startStep;
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const { x: x0, labels: lb } = randomBatch(data.x, data.labels ?? null, batchSize, rng);
    const loss = ddpmTrainStep(model, optimizer, schedule, x0, lb, rng, { microBatches, pUncond, ...lossOptions });
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
  /**
   * The DDPM sampler's σ_t²: 'learned' (the model's Σ_θ, D7; the default for a model with a variance head), or
   * fixed 'beta' (the default otherwise) or 'betaTilde' (D6). DDIM uses its own σ(η) and ignores this.
   */
  readonly variance?: ReverseVarianceChoice | 'learned';
  readonly onStep?: StepCallback;
}

/** ε_θ as the sampler's EpsModel: unconditional, conditional, or guided (F6's {@link guidedEpsModel}, weight w). */
export function epsModelOf(model: DenoiserModel, labels?: tf.Tensor, guidance = 1): EpsModel {
  if (!labels) return (xt, t) => model.predict(xt, t, null);
  if (guidance === 1) return (xt, t) => model.predict(xt, t, labels);
  return guidedEpsModel((xt, t, l) => model.predict(xt, t, l), labels, guidance);
}

/** ε_θ and v (D7) as the learned-variance sampler's model; guided: ε mixed as in F6, v from the conditional pass. */
export function epsVarianceModelOf(model: DenoiserModel, labels?: tf.Tensor, guidance = 1): EpsVarianceModel {
  if (!learnsVariance(model)) throw new DomainError('epsVarianceModelOf', 'model', 'a model with a variance head (learnsVariance)', model.kind);
  if (!labels) return (xt, t) => model.predictWithVariance(xt, t, null);
  if (guidance === 1) return (xt, t) => model.predictWithVariance(xt, t, labels);
  return (xt, t) => {
    const cond = model.predictWithVariance(xt, t, labels);
    const eps = tf.tidy(() => classifierFreeGuidance(model.predict(xt, t, null), cond.eps, guidance));
    cond.eps.dispose();
    return { eps, v: cond.v };
  };
}

/** Draw n samples from a trained model with DDPM (F1; with its learned Σ_θ if it has one, D7) or DDIM (F4), optionally guided (F6). */
export function sampleModel(model: DenoiserModel, schedule: NoiseSchedule, n: number, rng: Rng, options: SampleOptions = {}): tf.Tensor {
  // Checked here first, so that the samplers' own checks never speak for this function.
  assertSchedule('sampleModel', schedule);
  assertIntegerInRange('sampleModel', 'n', n, 1, MAX_COUNT);
  assertRng('sampleModel', 'rng', rng);
  assertObject('sampleModel', 'options', options);
  const sampler = options.sampler === undefined ? 'ddpm' : options.sampler;
  // A misspelt sampler ('ddmi') would otherwise fall through to DDPM without a word.
  if (sampler !== 'ddpm' && sampler !== 'ddim') throw new DomainError('sampleModel', 'sampler', "'ddpm' or 'ddim'", String(sampler));
  // DDIM's settings are checked even when DDPM is asked for (callers pass one set of options to both).
  if (options.ddimSteps !== undefined) assertIntegerInRange('sampleModel', 'ddimSteps', options.ddimSteps, 1, schedule.T);
  if (options.eta !== undefined) assertInInterval('sampleModel', 'eta', options.eta, 0, 1);
  if (options.labels !== undefined) assertArray('sampleModel', 'labels', options.labels);
  if (options.guidance !== undefined) {
    assertInInterval('sampleModel', 'guidance', options.guidance, -MAX_GUIDANCE, MAX_GUIDANCE);
    if (!options.labels) throw new DomainError('sampleModel', 'guidance', 'used with labels (classifier-free guidance needs a class to guide to)', options.guidance);
  }
  if (options.onStep !== undefined && typeof options.onStep !== 'function') throw new DomainError('sampleModel', 'onStep', 'a function', String(options.onStep));
  const shape = [n, ...model.dataShape];
  const variance = options.variance === undefined ? (learnsVariance(model) ? 'learned' : 'beta') : options.variance;
  assertVarianceChoice('sampleModel', model, variance);
  let labels: tf.Tensor | undefined;
  if (options.labels) {
    if (options.labels.length !== n) throw new DomainError('sampleModel', 'labels', `${n} labels (one per sample)`, options.labels.length);
    if (model.numClasses === 0) throw new DomainError('sampleModel', 'labels', 'none for an unconditional model', `${n} labels`);
    for (let i = 0; i < n; i++) {
      // numClasses itself is ∅, the unconditional label (F6).
      assertIntegerInRange('sampleModel', `labels[${i}]`, options.labels[i]!, 0, model.numClasses);
    }
    labels = tf.tensor1d(Int32Array.from(options.labels), 'int32');
  }
  const eps = epsModelOf(model, labels, options.guidance ?? 1);
  try {
    if (sampler === 'ddim') {
      return ddimSample(schedule, eps, shape, rng, { timesteps: ddimTimesteps(schedule.T, options.ddimSteps ?? 50), eta: options.eta ?? 0, onStep: options.onStep });
    }
    if (variance === 'learned') {
      return ddpmSampleLearnedVariance(schedule, epsVarianceModelOf(model, labels, options.guidance ?? 1), shape, rng, { onStep: options.onStep });
    }
    return ddpmSample(schedule, eps, shape, rng, { variance, onStep: options.onStep });
  } finally {
    labels?.dispose();
  }
}

export interface ClassifierGuidedSampleModelOptions {
  /** The guidance scale s ≥ 0 of F5 (0: unguided). */
  readonly scale: number;
  /** 'ddim' (default: η = 1 over `ddimSteps` evenly spaced steps, F4) or 'ddpm' (all T ancestral steps, F1). */
  readonly sampler?: 'ddpm' | 'ddim';
  /** DDIM's steps (default 50, as the `pnpm train` grids and the guided-accuracy figures). */
  readonly ddimSteps?: number;
  /** The DDPM sampler's σ_t²: 'beta' (default) or 'betaTilde' (D6). DDIM uses its own σ(η = 1). */
  readonly variance?: ReverseVarianceChoice;
  readonly xT?: tf.Tensor;
  readonly onStep?: StepCallback;
}

/**
 * Draw one sample per label from an unconditional model, guided towards that label by a noisy classifier (F5,
 * Dhariwal & Nichol 2021 Algorithm 1): DDIM with η = 1 ({@link classifierGuidedDdimSample}) or ancestral DDPM
 * ({@link classifierGuidedDdpmSample}), with the log-classifier x ↦ Σ_b log p_φ(y_b | x, t) of {@link logClassifierOf}.
 */
export function sampleClassifierGuided(
  model: DenoiserModel,
  schedule: NoiseSchedule,
  classifier: NoisyClassifier,
  labels: ArrayLike<number>,
  rng: Rng,
  options: ClassifierGuidedSampleModelOptions,
): tf.Tensor {
  const fn = 'sampleClassifierGuided';
  assertObject(fn, 'model', model);
  if (typeof (model as { predict?: unknown }).predict !== 'function' || !Array.isArray(model.dataShape)) throw new DomainError(fn, 'model', 'a denoiser (predict, dataShape)', model);
  if (model.numClasses > 0) throw new DomainError(fn, 'model', 'an unconditional model (numClasses = 0): the classifier does the conditioning', model.numClasses);
  assertSchedule(fn, schedule);
  if (!(classifier instanceof NoisyClassifier)) throw new DomainError(fn, 'classifier', 'a NoisyClassifier', classifier);
  const shape = [model.dataShape[0], model.dataShape[1], model.dataShape[2]];
  if (shape.join() !== `${classifier.size},${classifier.size},1`) {
    throw new DomainError(fn, 'classifier', `a classifier of the model's images [${model.dataShape}]`, `one of [${classifier.size}, ${classifier.size}, 1]`);
  }
  assertArray(fn, 'labels', labels);
  assertIntegerInRange(fn, 'labels.length', labels.length, 1, MAX_COUNT);
  assertRng(fn, 'rng', rng);
  assertObject(fn, 'options', options);
  const sampler = options.sampler === undefined ? 'ddim' : options.sampler;
  if (sampler !== 'ddpm' && sampler !== 'ddim') throw new DomainError(fn, 'sampler', "'ddpm' or 'ddim'", String(sampler));
  const ddimSteps = options.ddimSteps ?? 50;
  assertIntegerInRange(fn, 'ddimSteps', ddimSteps, 1, schedule.T);
  assertInInterval(fn, 'scale', options.scale, 0, MAX_GUIDANCE);
  if (options.variance !== undefined && options.variance !== 'beta' && options.variance !== 'betaTilde') throw new DomainError(fn, 'variance', "'beta' or 'betaTilde'", String(options.variance));
  for (let i = 0; i < labels.length; i++) assertIntegerInRange(fn, `labels[${i}]`, labels[i]!, 0, classifier.numClasses - 1);
  if (options.xT !== undefined) {
    assertTensor(fn, 'xT', options.xT);
    if (options.xT.shape.join() !== [labels.length, ...model.dataShape].join()) throw new DomainError(fn, 'xT', `a tensor of shape [${[labels.length, ...model.dataShape].join(', ')}] (one image per label)`, `shape [${options.xT.shape.join(', ')}]`);
  }
  if (options.onStep !== undefined && typeof options.onStep !== 'function') throw new DomainError(fn, 'onStep', 'a function', String(options.onStep));
  const logClassifier = logClassifierOf(classifier, labels);
  const epsModel: EpsModel = (xt, t) => model.predict(xt, t, null);
  const batchShape = [labels.length, ...model.dataShape];
  const common = { scale: options.scale, ...(options.xT ? { xT: options.xT } : {}), ...(options.onStep ? { onStep: options.onStep } : {}) };
  try {
    if (sampler === 'ddpm') return classifierGuidedDdpmSample(schedule, epsModel, logClassifier, batchShape, rng, { ...common, ...(options.variance ? { variance: options.variance } : {}) });
    return classifierGuidedDdimSample(schedule, epsModel, logClassifier, batchShape, rng, { ...common, timesteps: ddimTimesteps(schedule.T, ddimSteps) });
  } catch (e) {
    // A chain that overflowed is refused by the sampler naming the scale: say it in this function's name.
    if (e instanceof DomainError && e.arg === 'scale') throw new DomainError(fn, 'scale', e.allowed, e.received);
    throw e;
  }
}
