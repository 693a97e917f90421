/**
 * Guidance (catalogue F5, F6): steering a sampler towards a class, with a classifier or without one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRng, type Rng } from '../random/rng.js';
import { assertSameTensorShape, assertTensor } from '../util/tensor.js';
import { assertArray, assertFinite, assertFunction, assertInInterval, assertIntegerInRange, assertNonNegative, DomainError } from '../util/validate.js';

/** A conditional noise predictor; `labels` null asks for the unconditional branch ε_θ(x_t, ∅). */
export type ConditionalEpsModel = (xt: tf.Tensor, t: number, labels: tf.Tensor | null) => tf.Tensor;

/**
 * The largest guidance weight (and classifier-guidance scale·variance) accepted: samplers use 0–10; past 10^6 the
 * float32 tensors of ε̂ = ε_u + w(ε_c − ε_u) overflow or keep none of ε_u's digits.
 */
export const MAX_GUIDANCE = 1e6;

/**
 * F5 — classifier guidance: shift the reverse-step mean by s · Σ · ∇_{x_t} log p_φ(y | x_t).
 *
 * ```tex
 * \tilde\mu=\mu_\theta(x_t,t)+s\,\Sigma\,\nabla_{x_t}\log p_\phi(y\mid x_t)
 * ```
 * Source: S1 (classifier guidance), Dhariwal & Nichol 2021 Algorithm 1.
 * @param logClassifier - x_t ↦ log p_φ(y | x_t) summed over the batch (a scalar), differentiable with tf.grad
 * @param variance - Σ, the step's variance σ_t² (scalar, isotropic)
 * @param scale - s >= 0
 */
export function classifierGuidedMean(
  mean: tf.Tensor,
  xt: tf.Tensor,
  logClassifier: (x: tf.Tensor) => tf.Scalar,
  variance: number,
  scale: number,
): tf.Tensor {
  assertSameTensorShape('classifierGuidedMean', 'mean', mean, 'xt', xt);
  assertFunction('classifierGuidedMean', 'logClassifier', logClassifier);
  assertNonNegative('classifierGuidedMean', 'variance', variance);
  assertNonNegative('classifierGuidedMean', 'scale', scale);
  if (!(scale * variance <= MAX_GUIDANCE)) {
    throw new DomainError('classifierGuidedMean', 'scale', `a number with scale·variance <= ${MAX_GUIDANCE} (float32: a larger shift overflows or swamps the mean)`, `${scale} (scale·variance = ${scale * variance})`);
  }
  const grad = tf.grad(logClassifier)(xt);
  const out = tf.tidy(() => tf.add(mean, tf.mul(grad, scale * variance)));
  grad.dispose();
  return out;
}

/**
 * F6 — classifier-free guidance: ε̃ = ε_θ(x_t, ∅) + w (ε_θ(x_t, c) − ε_θ(x_t, ∅)). w = 1 is plain conditioning
 * (what S4's sampler does), w = 0 unconditional, w > 1 amplifies the condition.
 *
 * ```tex
 * \tilde\varepsilon_\theta(x_t,c)=\varepsilon_\theta(x_t,\varnothing)+w\big(\varepsilon_\theta(x_t,c)-\varepsilon_\theta(x_t,\varnothing)\big)
 * ```
 * Source: S1 (GLIDE / classifier-free guidance), Ho & Salimans 2022 Eq. 6.
 */
export function classifierFreeGuidance(epsUncond: tf.Tensor, epsCond: tf.Tensor, w: number): tf.Tensor {
  assertSameTensorShape('classifierFreeGuidance', 'epsUncond', epsUncond, 'epsCond', epsCond);
  assertFinite('classifierFreeGuidance', 'w', w);
  assertInInterval('classifierFreeGuidance', 'w', w, -MAX_GUIDANCE, MAX_GUIDANCE);
  return tf.tidy(() => tf.add(epsUncond, tf.mul(tf.sub(epsCond, epsUncond), w)));
}

/** F6 — a guided ε model from a conditional one: two passes (conditional, unconditional) mixed with weight w. */
export function guidedEpsModel(model: ConditionalEpsModel, labels: tf.Tensor, w: number) {
  assertFunction('guidedEpsModel', 'model', model);
  assertTensor('guidedEpsModel', 'labels', labels);
  assertFinite('guidedEpsModel', 'w', w);
  assertInInterval('guidedEpsModel', 'w', w, -MAX_GUIDANCE, MAX_GUIDANCE);
  return (xt: tf.Tensor, t: number): tf.Tensor =>
    tf.tidy(() => classifierFreeGuidance(model(xt, t, null), model(xt, t, labels), w));
}

/**
 * F6 — per-example label dropout for classifier-free training: each label independently becomes `nullLabel`
 * with probability p (S4 uses p = 0.15 but draws once per batch; see the errata).
 *
 * ```tex
 * c_b\leftarrow\varnothing\ \text{with probability}\ p,\ \text{independently for each example}\ b
 * ```
 * Source: S4 (its CDDPM training), S1, Ho & Salimans 2022 Algorithm 1.
 * @param nullLabel - the token for "no condition" (e.g. the number of classes)
 */
export function dropLabels(labels: ArrayLike<number>, p: number, rng: Rng, nullLabel: number): Int32Array {
  assertArray('dropLabels', 'labels', labels);
  assertInInterval('dropLabels', 'p', p, 0, 1);
  assertRng('dropLabels', 'rng', rng);
  assertIntegerInRange('dropLabels', 'nullLabel', nullLabel, 0, 2 ** 31 - 1); // stored in an Int32Array
  if (labels.length === 0) throw new DomainError('dropLabels', 'labels', 'a non-empty array of integer labels', '[] (empty)');
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    assertIntegerInRange('dropLabels', `labels[${i}]`, labels[i]!, 0, 2 ** 31 - 1);
    // A label equal to the null token would read as "dropped" in training and as ∅ when sampling.
    if (labels[i] === nullLabel) throw new DomainError('dropLabels', `labels[${i}]`, `a class label other than nullLabel = ${nullLabel}`, labels[i]);
    out[i] = rng.uniform() < p ? nullLabel : labels[i]!;
  }
  return out;
}
