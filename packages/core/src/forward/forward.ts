/**
 * The forward (noising) process q (catalogue C3, C4, C5, C7, C8).
 * Tensor functions act on a batch x of shape [B, …]; `t` is one step for the whole batch or one per example.
 * The noise is always an argument: the caller draws it (e.g. `rng.normalTensor(x.shape)`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertSchedule, assertStep, assertStepOrZero, oneMinusAlphaBar, type NoiseSchedule } from '../schedule/schedule.js';
import { assertBatched, assertSameTensorShape, coefficientTable, perExample, type Steps } from '../util/tensor.js';
import { logGaussian } from '../probability/log-density.js';
import { assertFiniteArray, assertFiniteResult, assertIntegerInRange, assertNonNegative, DomainError } from '../util/validate.js';

/** Mean coefficient and variance of a Gaussian transition x ↦ N(mean·x, variance). */
export interface GaussianTransition {
  /** The factor multiplying the previous state. */
  readonly mean: number;
  /** The variance of the added noise. */
  readonly variance: number;
}

/**
 * C3 — one forward step q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I): the coefficients.
 * The squares of the two weights sum to 1 (α_t + β_t = 1), which is what keeps a unit-variance input at unit variance.
 *
 * ```tex
 * q(x_t\mid x_{t-1}) = \mathcal N\big(\sqrt{\alpha_t}\,x_{t-1},\ \beta_t I\big)
 * ```
 * Source: S0 公式1–2, S3, Ho et al. 2020 Eq. 2.
 */
export function forwardStepTransition(schedule: NoiseSchedule, t: number): GaussianTransition {
  assertStep('forwardStepTransition', schedule, t);
  return { mean: Math.sqrt(schedule.alphas[t]!), variance: schedule.betas[t]! };
}

/**
 * C3 — sample one forward step: x_t = √α_t x_{t−1} + √(1 − α_t) z.
 *
 * ```tex
 * x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{1-\alpha_t}\,z,\qquad z\sim\mathcal N(0,I)
 * ```
 * Source: S0 公式1–2, S3.
 * @param xPrev - x_{t−1}, shape [B, …]
 * @param t - the step 1..T (one, or one per example)
 * @param z - standard normal noise, same shape as xPrev
 */
export function forwardStep(schedule: NoiseSchedule, xPrev: tf.Tensor, t: Steps, z: tf.Tensor): tf.Tensor {
  assertSchedule('forwardStep', schedule);
  assertBatched('forwardStep', 'xPrev', xPrev);
  assertSameTensorShape('forwardStep', 'xPrev', xPrev, 'z', z);
  const sqrtAlpha = coefficientTable(schedule, 'sqrtAlpha', (s) => Math.sqrt(schedule.alphas[s]!));
  const sqrtBeta = coefficientTable(schedule, 'sqrtBeta', (s) => Math.sqrt(schedule.betas[s]!));
  return tf.tidy(() => {
    const signal = perExample('forwardStep', schedule, sqrtAlpha, t, xPrev.shape[0]!, xPrev.rank);
    const noise = perExample('forwardStep', schedule, sqrtBeta, t, xPrev.shape[0]!, xPrev.rank);
    return tf.add(tf.mul(xPrev, signal), tf.mul(z, noise));
  });
}

/**
 * C4 — k consecutive steps merged into one Gaussian: from x_{t−k} to x_t,
 * x_t = √(α_t⋯α_{t−k+1}) x_{t−k} + √(1 − α_t⋯α_{t−k+1}) z̄ (A4 applied k − 1 times).
 *
 * ```tex
 * x_t = \sqrt{\alpha_t\alpha_{t-1}}\,x_{t-2} + \sqrt{1-\alpha_t\alpha_{t-1}}\,\bar z
 * ```
 * Source: S0 公式3–4 (two steps), 公式5–6 (three), S3.
 * @param t - the last step, 1..T
 * @param k - how many steps are merged, 1..t
 */
export function mergedStepsTransition(schedule: NoiseSchedule, t: number, k: number): GaussianTransition {
  assertStep('mergedStepsTransition', schedule, t);
  assertIntegerInRange('mergedStepsTransition', 'k', k, 1, t);
  let prod = 1;
  let logProd = 0; // 1 − ∏α_s as −expm1(Σ log1p(−β_s)): the difference 1 − ∏α_s cancels when the β's are small
  for (let s = t - k + 1; s <= t; s++) {
    prod *= schedule.alphas[s]!;
    logProd += Math.log1p(-schedule.betas[s]!);
  }
  return { mean: Math.sqrt(prod), variance: -Math.expm1(logProd) };
}

/**
 * C5 — the closed form q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I): the coefficients. Defined for t = 0 too (identity).
 *
 * ```tex
 * q(x_t\mid x_0) = \mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t)I\big)
 * ```
 * Source: S0 公式7, S2, S3, S4 "公式64", Ho et al. 2020 Eq. 4.
 */
export function forwardMarginal(schedule: NoiseSchedule, t: number): GaussianTransition {
  assertStepOrZero('forwardMarginal', schedule, t);
  return { mean: Math.sqrt(schedule.alphaBars[t]!), variance: oneMinusAlphaBar(schedule, t) }; // no cancellation at small t
}

/**
 * C5 — sample x_t straight from x_0: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (S4's `q_sample`, DDPM Algorithm 1 line 5).
 *
 * ```tex
 * x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon
 * ```
 * Source: S0 公式7, S4 "公式64".
 * @param x0 - clean data, shape [B, …]
 * @param t - step(s) in 1..T
 * @param eps - standard normal noise, same shape as x0
 */
export function qSample(schedule: NoiseSchedule, x0: tf.Tensor, t: Steps, eps: tf.Tensor): tf.Tensor {
  assertSchedule('qSample', schedule);
  assertBatched('qSample', 'x0', x0);
  assertSameTensorShape('qSample', 'x0', x0, 'eps', eps);
  const sqrtAb = coefficientTable(schedule, 'sqrtAlphaBar', (s) => Math.sqrt(schedule.alphaBars[s]!), 0);
  const sqrtOneMinusAb = coefficientTable(schedule, 'sqrtOneMinusAlphaBar', (s) => Math.sqrt(1 - schedule.alphaBars[s]!), 0);
  return tf.tidy(() => {
    const signal = perExample('qSample', schedule, sqrtAb, t, x0.shape[0]!, x0.rank);
    const noise = perExample('qSample', schedule, sqrtOneMinusAb, t, x0.shape[0]!, x0.rank);
    return tf.add(tf.mul(x0, signal), tf.mul(eps, noise));
  });
}

/**
 * C8 — the unscaled chain x_t = x_{t−1} + ε_t that S3 starts from: Var(x_t) = Var(x_0) + t·σ², growing without
 * bound, where the DDPM step's √α_t factor keeps a unit variance at 1.
 *
 * ```tex
 * x_t = x_{t-1} + \varepsilon_t \;\Rightarrow\; \operatorname{Var}(x_t) = \operatorname{Var}(x_0) + t\,\sigma^2
 * ```
 * Source: S3 (the naive chain before the DDPM step).
 * @param t - number of steps, an integer >= 0
 * @param var0 - Var(x_0)
 * @param noiseVariance - σ², the variance of each ε_t
 */
export function unscaledChainVariance(t: number, var0 = 1, noiseVariance = 1): number {
  assertIntegerInRange('unscaledChainVariance', 't', t, 0, Number.MAX_SAFE_INTEGER);
  assertNonNegative('unscaledChainVariance', 'var0', var0);
  assertNonNegative('unscaledChainVariance', 'noiseVariance', noiseVariance);
  return assertFiniteResult('unscaledChainVariance', 't', var0 + t * noiseVariance, 'variance var0 + t·noiseVariance');
}

/**
 * Var(x_t) under the DDPM chain C3 started from Var(x_0) = v0: ᾱ_t v0 + 1 − ᾱ_t (equal to 1 when v0 = 1).
 * The counterpart of {@link unscaledChainVariance} for C8's comparison.
 */
export function scaledChainVariance(schedule: NoiseSchedule, t: number, var0 = 1): number {
  assertStepOrZero('scaledChainVariance', schedule, t);
  assertNonNegative('scaledChainVariance', 'var0', var0);
  const ab = schedule.alphaBars[t]!;
  return assertFiniteResult('scaledChainVariance', 'var0', ab * var0 + 1 - ab, 'variance');
}

/**
 * C7 — the Markov joint of the forward chain for one coordinate: log q(x_{1:T} | x_0) = Σ_t log q(x_t | x_{t−1}).
 *
 * ```tex
 * q(x_{1:T}\mid x_0)=\prod_{t=1}^{T} q(x_t\mid x_{t-1})
 * ```
 * Source: S3 (the Markov chain), Ho et al. 2020 Eq. 2.
 * @param xs - the path x_0, x_1, …, x_T (length T + 1)
 */
export function forwardJointLogDensity(schedule: NoiseSchedule, xs: ArrayLike<number>): number {
  assertSchedule('forwardJointLogDensity', schedule);
  assertFiniteArray('forwardJointLogDensity', 'xs', xs);
  if (xs.length !== schedule.T + 1) {
    throw new DomainError('forwardJointLogDensity', 'xs', `the path x_0..x_T (length ${schedule.T + 1})`, `length ${xs.length}`);
  }
  assertFiniteArray('forwardJointLogDensity', 'xs', xs);
  let s = 0;
  for (let t = 1; t <= schedule.T; t++) s += logGaussian(xs[t]!, Math.sqrt(schedule.alphas[t]!) * xs[t - 1]!, schedule.betas[t]!);
  return assertFiniteResult('forwardJointLogDensity', 'xs', s, 'log-density');
}
