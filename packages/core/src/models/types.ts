import type * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../nn/layers.js';
import type { EpsAndVariance } from '../sampling/samplers.js';
import { assertObject } from '../util/validate.js';
import { stepsFor } from './labels.js';

/** Per-example steps: one step for the whole batch, or one per example (integers in 1..T). */
export type StepBatch = number | ArrayLike<number>;

/**
 * A trainable noise predictor ε_θ(x_t, t[, c]). `labels` (int32 [B]) is only used by conditional models; null asks for
 * the unconditional branch ε_θ(x_t, ∅) (classifier-free guidance).
 */
export interface DenoiserModel {
  readonly kind: string;
  readonly params: ParamStore;
  /** The constructor options, saved with checkpoints so a model can be rebuilt. */
  readonly config: Record<string, unknown>;
  /** Number of classes for a conditional model (label `numClasses` is the null label), else 0. */
  readonly numClasses: number;
  /** The shape of one example, e.g. [2] or [32, 32, 1]. */
  readonly dataShape: readonly number[];
  predict(xt: tf.Tensor, t: StepBatch, labels?: tf.Tensor | null): tf.Tensor;
}

export function stepsArray(t: StepBatch, batch: number): Float64Array {
  return stepsFor('stepsArray', t, batch);
}

// What a variance head returns is what the learned-variance sampler consumes: one type for both.
export type { EpsAndVariance } from '../sampling/samplers.js';

/**
 * A denoiser that also outputs its reverse variance as v per element (D7: log Σ_θ = v log β_t + (1 − v) log β̃_t).
 * `predict` still returns ε_θ alone, so every ε-only caller (L_simple, the fixed-variance samplers) works unchanged.
 */
export interface VarianceDenoiserModel extends DenoiserModel {
  readonly learnsVariance: true;
  predictWithVariance(xt: tf.Tensor, t: StepBatch, labels?: tf.Tensor | null): EpsAndVariance;
}

/** Whether a model learns its variance (was built with a variance head, so `predictWithVariance` works). */
export function learnsVariance(model: DenoiserModel): model is VarianceDenoiserModel {
  assertObject('learnsVariance', 'model', model);
  const m = model as Partial<VarianceDenoiserModel>;
  return m.learnsVariance === true && typeof m.predictWithVariance === 'function';
}
