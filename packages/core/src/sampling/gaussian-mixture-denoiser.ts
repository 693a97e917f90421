/**
 * The optimal noise predictor for Gaussian-mixture data, in closed form. It lets every sampler be checked end to
 * end without training: driven by it, a correct sampler must reproduce the mixture.
 *
 * For data x_0 ~ Σ_k w_k N(μ_k, s_k² I) in R^d, C5 gives q(x_t) = Σ_k w_k N(√ᾱ_t μ_k, (ᾱ_t s_k² + 1 − ᾱ_t) I).
 * The optimal ε-predictor under L_simple (E4) is E[ε | x_t] = (x_t − √ᾱ_t E[x_0 | x_t]) / √(1 − ᾱ_t), where
 * E[x_0 | x_t] = Σ_k r_k(x_t) (μ_k + √ᾱ_t s_k² / v_k(t) · (x_t − √ᾱ_t μ_k)) and r_k are the posterior
 * responsibilities of the components (A1 over components, A5 densities).
 */
import * as tf from '@tensorflow/tfjs-core';
import { drawComponent } from '../probability/mixture.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertSchedule, assertStep, type NoiseSchedule } from '../schedule/schedule.js';
import { assertTensor } from '../util/tensor.js';
import { assertCount, assertFiniteArray, assertInInterval, assertObject, assertPositive, assertProbabilityVector, DomainError, MAX_COUNT } from '../util/validate.js';
import type { EpsModel } from './samplers.js';

/** A mixture of isotropic Gaussians in R^d. */
export interface IsotropicGaussianMixture {
  readonly weights: readonly number[];
  /** K means, each of length d. */
  readonly means: readonly (readonly number[])[];
  /** K variances s_k² (isotropic). */
  readonly variances: readonly number[];
}

/** Check a mixture and return its dimension d. */
export function assertIsotropicMixture(fn: string, m: IsotropicGaussianMixture): number {
  assertObject(fn, 'mixture', m);
  assertProbabilityVector(fn, 'mixture.weights', m.weights);
  const K = m.weights.length;
  if (!Array.isArray(m.means)) throw new DomainError(fn, 'mixture.means', 'an array of mean vectors', m.means);
  assertFiniteArray(fn, 'mixture.variances', m.variances);
  if (m.means.length !== K) throw new DomainError(fn, 'mixture.means', `${K} mean vectors (one per weight)`, `${m.means.length} means`);
  if (m.variances.length !== K) throw new DomainError(fn, 'mixture.variances', `${K} variances (one per weight)`, `${m.variances.length} variances`);
  m.means.forEach((mu, k) => assertFiniteArray(fn, `mixture.means[${k}]`, mu));
  const d = m.means[0]!.length;
  m.means.forEach((mu, k) => {
    if (mu.length !== d) throw new DomainError(fn, `mixture.means[${k}]`, `length ${d} like means[0]`, `length ${mu.length}`);
  });
  m.variances.forEach((v, k) => assertPositive(fn, `mixture.variances[${k}]`, v));
  return d;
}

/** n draws from the mixture, row-major flat (n × d), float64. */
export function sampleIsotropicMixture(m: IsotropicGaussianMixture, n: number, rng: Rng): Float64Array {
  const d = assertIsotropicMixture('sampleIsotropicMixture', m);
  assertCount('sampleIsotropicMixture', 'n', n, 0, Math.floor(MAX_COUNT / d));
  assertRng('sampleIsotropicMixture', 'rng', rng);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const k = drawComponent(m.weights, rng);
    const sd = Math.sqrt(m.variances[k]!);
    for (let j = 0; j < d; j++) out[i * d + j] = m.means[k]![j]! + sd * rng.normal();
  }
  return out;
}

/**
 * The optimal ε_θ*(x_t, t) for mixture data, as an {@link EpsModel} on tensors of shape [B, d].
 */
export function gaussianMixtureEpsModel(schedule: NoiseSchedule, m: IsotropicGaussianMixture): EpsModel {
  assertSchedule('gaussianMixtureEpsModel', schedule);
  const d = assertIsotropicMixture('gaussianMixtureEpsModel', m);
  // The model works in float32 tensors: means and variances whose squares fit float32 (|x| <= 1e15).
  m.means.forEach((mu, k) => mu.forEach((x, j) => assertInInterval('gaussianMixtureEpsModel', `mixture.means[${k}][${j}]`, x, -1e15, 1e15)));
  m.variances.forEach((v, k) => assertInInterval('gaussianMixtureEpsModel', `mixture.variances[${k}]`, v, 1e-30, 1e15));
  const K = m.weights.length;
  const logW = m.weights.map((w) => (w > 0 ? Math.log(w) : -1e30));
  return (xt: tf.Tensor, t: number) => {
    assertStep('gaussianMixtureEpsModel', schedule, t);
    assertTensor('gaussianMixtureEpsModel', 'xt', xt);
    if (xt.rank !== 2 || xt.shape[1] !== d) throw new DomainError('gaussianMixtureEpsModel', 'xt', `a tensor of shape [B, ${d}]`, `shape [${xt.shape.join(', ')}]`);
    const ab = schedule.alphaBars[t]!;
    const sa = Math.sqrt(ab);
    return tf.tidy(() => {
      const logits: tf.Tensor[] = [];
      const condMeans: tf.Tensor[] = [];
      for (let k = 0; k < K; k++) {
        const v = ab * m.variances[k]! + 1 - ab;
        const mk = tf.tensor1d(m.means[k]!.map((x) => sa * x));
        const diff = tf.sub(xt, mk);
        // log w_k + log N(x_t; √ᾱ μ_k, v I), dropping the shared −d/2 log 2π.
        logits.push(tf.sub(logW[k]! - 0.5 * d * Math.log(v), tf.div(tf.sum(tf.square(diff), 1), 2 * v)));
        // E[x_0 | x_t, k] = μ_k + √ᾱ s_k² / v · (x_t − √ᾱ μ_k)
        condMeans.push(tf.add(tf.tensor1d(m.means[k]! as number[]), tf.mul(diff, (sa * m.variances[k]!) / v)));
      }
      const resp = tf.softmax(tf.stack(logits, 1), 1); // [B, K]
      const stacked = tf.stack(condMeans, 1); // [B, K, d]
      const x0Mean = tf.sum(tf.mul(stacked, tf.expandDims(resp, 2)), 1); // [B, d]
      return tf.div(tf.sub(xt, tf.mul(x0Mean, sa)), Math.sqrt(1 - ab));
    });
  };
}
