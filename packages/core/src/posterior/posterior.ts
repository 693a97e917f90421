/**
 * The reverse process: the Bayes posterior q(x_{t−1} | x_t, x_0) and the model's p_θ(x_{t−1} | x_t)
 * (catalogue D1–D7). Scalar coefficients are float64; functions on data take tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gaussianLogPdf } from '../probability/gaussian.js';
import { logGaussian } from '../probability/log-density.js';
import { assertSchedule, assertStep, oneMinusAlphaBar, type NoiseSchedule } from '../schedule/schedule.js';
import { assertBatched, assertSameTensorShape, coefficientTable, perExample, type Steps } from '../util/tensor.js';
import { assertFinite, assertFiniteResult, assertInInterval, DomainError } from '../util/validate.js';

/** The two weights of the posterior mean μ̃_t = x0Coef · x_0 + xtCoef · x_t. */
export interface PosteriorMeanCoefficients {
  readonly x0Coef: number;
  readonly xtCoef: number;
}

/**
 * D2 — the weights of the posterior mean.
 *
 * ```tex
 * \tilde\mu_t(x_t,x_0)=\frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1-\bar\alpha_t}\,x_0
 *   +\frac{\sqrt{\alpha_t}\,(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\,x_t
 * ```
 * Source: S0 公式9, S3, Ho et al. 2020 Eq. 7.
 */
export function posteriorMeanCoefficients(schedule: NoiseSchedule, t: number): PosteriorMeanCoefficients {
  assertStep('posteriorMeanCoefficients', schedule, t);
  // 1 − ᾱ without cancellation (1 − ᾱ_1 = β_1 = 1e-4 computed as a difference is 813 ulps off).
  const oneMinusAb = oneMinusAlphaBar(schedule, t);
  return {
    x0Coef: (Math.sqrt(schedule.alphaBars[t - 1]!) * schedule.betas[t]!) / oneMinusAb,
    xtCoef: (Math.sqrt(schedule.alphas[t]!) * oneMinusAlphaBar(schedule, t - 1)) / oneMinusAb,
  };
}

/**
 * D3 — the posterior variance β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (zero at t = 1: x_0 is then known).
 *
 * ```tex
 * \tilde\beta_t=\frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\,\beta_t
 * ```
 * Source: S0 公式9, S3, Ho et al. 2020 Eq. 7.
 */
export function posteriorVariance(schedule: NoiseSchedule, t: number): number {
  assertStep('posteriorVariance', schedule, t);
  return (oneMinusAlphaBar(schedule, t - 1) / oneMinusAlphaBar(schedule, t)) * schedule.betas[t]!;
}

/**
 * D1 — the posterior density by Bayes' rule, evaluated term by term (scalar, one coordinate):
 * log q(x_{t−1} | x_t, x_0) = log q(x_t | x_{t−1}) + log q(x_{t−1} | x_0) − log q(x_t | x_0).
 * Needs t >= 2 (at t = 1 the prior q(x_0 | x_0) is a point mass).
 *
 * ```tex
 * q(x_{t-1}\mid x_t,x_0)=\frac{q(x_t\mid x_{t-1},x_0)\,q(x_{t-1}\mid x_0)}{q(x_t\mid x_0)}
 * ```
 * Source: S0 公式8–9, S3 (Bayes), A1.
 */
export function posteriorLogDensityByBayes(schedule: NoiseSchedule, t: number, xPrev: number, xt: number, x0: number): number {
  assertStep('posteriorLogDensityByBayes', schedule, t);
  if (t < 2) throw new DomainError('posteriorLogDensityByBayes', 't', `an integer in 2..${schedule.T} (q(x_0|x_0) is a point mass)`, t);
  assertFinite('posteriorLogDensityByBayes', 'xPrev', xPrev);
  assertFinite('posteriorLogDensityByBayes', 'xt', xt);
  assertFinite('posteriorLogDensityByBayes', 'x0', x0);
  const { alphas, alphaBars, betas } = schedule;
  // Each of the three log-densities must be finite: −∞ + … − (−∞) would be NaN.
  const term = (x: number, mean: number, variance: number) =>
    assertFiniteResult('posteriorLogDensityByBayes', 'xPrev, xt, x0', logGaussian(x, mean, variance), 'log-density of every factor of Bayes\' rule');
  return (
    term(xt, Math.sqrt(alphas[t]!) * xPrev, betas[t]!) +
    term(xPrev, Math.sqrt(alphaBars[t - 1]!) * x0, 1 - alphaBars[t - 1]!) -
    term(xt, Math.sqrt(alphaBars[t]!) * x0, 1 - alphaBars[t]!)
  );
}

/**
 * D2 — the posterior mean on data tensors: μ̃_t = c₀ x_0 + c_t x_t.
 * @param x0 - shape [B, …]; @param xt - same shape; @param t - step(s) in 1..T
 */
export function posteriorMean(schedule: NoiseSchedule, x0: tf.Tensor, xt: tf.Tensor, t: Steps): tf.Tensor {
  assertSchedule('posteriorMean', schedule);
  assertBatched('posteriorMean', 'x0', x0);
  assertSameTensorShape('posteriorMean', 'x0', x0, 'xt', xt);
  const c0 = coefficientTable(schedule, 'x0Coef', (s) => posteriorMeanCoefficients(schedule, s).x0Coef);
  const ct = coefficientTable(schedule, 'xtCoef', (s) => posteriorMeanCoefficients(schedule, s).xtCoef);
  return tf.tidy(() => {
    const a = perExample('posteriorMean', schedule, c0, t, x0.shape[0]!, x0.rank);
    const b = perExample('posteriorMean', schedule, ct, t, x0.shape[0]!, x0.rank);
    return tf.add(tf.mul(x0, a), tf.mul(xt, b));
  });
}

/**
 * D4 — x_0 recovered from x_t and the noise: x̂_0 = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t (C5 solved for x_0).
 *
 * ```tex
 * \hat x_0=\frac{x_t-\sqrt{1-\bar\alpha_t}\,\varepsilon}{\sqrt{\bar\alpha_t}}
 * ```
 * Source: S0 公式10, S3.
 */
export function predictX0FromEps(schedule: NoiseSchedule, xt: tf.Tensor, eps: tf.Tensor, t: Steps): tf.Tensor {
  assertSchedule('predictX0FromEps', schedule);
  assertBatched('predictX0FromEps', 'xt', xt);
  assertSameTensorShape('predictX0FromEps', 'xt', xt, 'eps', eps);
  const invSqrtAb = coefficientTable(schedule, 'invSqrtAlphaBar', (s) => 1 / Math.sqrt(schedule.alphaBars[s]!));
  const sqrtOneMinusAb = coefficientTable(schedule, 'sqrtOneMinusAlphaBar', (s) => Math.sqrt(1 - schedule.alphaBars[s]!), 0);
  return tf.tidy(() => {
    const a = perExample('predictX0FromEps', schedule, invSqrtAb, t, xt.shape[0]!, xt.rank);
    const b = perExample('predictX0FromEps', schedule, sqrtOneMinusAb, t, xt.shape[0]!, xt.rank);
    return tf.mul(tf.sub(xt, tf.mul(eps, b)), a);
  });
}

/**
 * D8 — the noise recovered from x_t and x_0: ε = (x_t − √ᾱ_t x_0)/√(1 − ᾱ_t), the inverse of D4 (C5 solved for ε).
 * Scalar form, float64, one coordinate; 1 − ᾱ_t is taken without cancellation ({@link oneMinusAlphaBar}).
 *
 * ```tex
 * \varepsilon=\frac{x_t-\sqrt{\bar\alpha_t}\,x_0}{\sqrt{1-\bar\alpha_t}}
 * ```
 * Source: C5 solved for ε; improved-diffusion's `_predict_eps_from_xstart` (Nichol & Dhariwal 2021) and DDIM's
 * sampler (Song et al. 2021) use it to turn a predicted x_0 back into noise.
 */
export function epsFromX0(schedule: NoiseSchedule, t: number, x0: number, xt: number): number {
  assertStep('epsFromX0', schedule, t);
  assertFinite('epsFromX0', 'x0', x0);
  assertFinite('epsFromX0', 'xt', xt);
  return assertFiniteResult('epsFromX0', 'x0/xt', (xt - Math.sqrt(schedule.alphaBars[t]!) * x0) / Math.sqrt(oneMinusAlphaBar(schedule, t)), 'noise ε');
}

/**
 * D8 — {@link epsFromX0} on data tensors: ε = (x_t − √ᾱ_t x_0)/√(1 − ᾱ_t), the inverse of {@link predictX0FromEps}.
 * @param xt - shape [B, …]; @param x0 - same shape; @param t - step(s) in 1..T
 */
export function predictEpsFromX0(schedule: NoiseSchedule, xt: tf.Tensor, x0: tf.Tensor, t: Steps): tf.Tensor {
  assertSchedule('predictEpsFromX0', schedule);
  assertBatched('predictEpsFromX0', 'xt', xt);
  assertSameTensorShape('predictEpsFromX0', 'xt', xt, 'x0', x0);
  const sqrtAb = coefficientTable(schedule, 'sqrtAlphaBar', (s) => Math.sqrt(schedule.alphaBars[s]!), 0);
  const invSqrtOneMinusAb = coefficientTable(schedule, 'invSqrtOneMinusAlphaBar', (s) => 1 / Math.sqrt(oneMinusAlphaBar(schedule, s)));
  return tf.tidy(() => {
    const a = perExample('predictEpsFromX0', schedule, sqrtAb, t, xt.shape[0]!, xt.rank);
    const k = perExample('predictEpsFromX0', schedule, invSqrtOneMinusAb, t, xt.shape[0]!, xt.rank);
    return tf.mul(tf.sub(xt, tf.mul(x0, a)), k);
  });
}

/**
 * D5 — the posterior mean in noise form: μ̃_t = (x_t − β_t/√(1 − ᾱ_t) · ε) / √α_t (D2 with D4 substituted).
 *
 * ```tex
 * \tilde\mu_t=\frac{1}{\sqrt{\alpha_t}}\Big(x_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\varepsilon\Big)
 * ```
 * Source: S0 公式11–12, S3, Ho et al. 2020 Eq. 11.
 */
export function posteriorMeanFromEps(schedule: NoiseSchedule, xt: tf.Tensor, eps: tf.Tensor, t: Steps): tf.Tensor {
  assertSchedule('posteriorMeanFromEps', schedule);
  assertBatched('posteriorMeanFromEps', 'xt', xt);
  assertSameTensorShape('posteriorMeanFromEps', 'xt', xt, 'eps', eps);
  const epsCoef = coefficientTable(schedule, 'epsCoef', (s) => schedule.betas[s]! / Math.sqrt(1 - schedule.alphaBars[s]!));
  const scale = coefficientTable(schedule, 'invSqrtAlpha', (s) => 1 / Math.sqrt(schedule.alphas[s]!));
  return tf.tidy(() => {
    const c = perExample('posteriorMeanFromEps', schedule, epsCoef, t, xt.shape[0]!, xt.rank);
    const k = perExample('posteriorMeanFromEps', schedule, scale, t, xt.shape[0]!, xt.rank);
    return tf.mul(tf.sub(xt, tf.mul(eps, c)), k);
  });
}

/**
 * Which variance the reverse step uses (D6): β_t (S0's and S4's code), β̃_t (the posterior's, D3), or one of the
 * reference codebases' conventions for t = 1, where β̃_1 = 0:
 * - `'fixedlarge'`: β_t, except β̃_2 at t = 1 (Ho et al.'s `diffusion_utils_2.py`, model_var_type 'fixedlarge':
 *   `log(append(posterior_variance[1], betas[1:]))`, "to get a better decoder log likelihood");
 * - `'fixedsmall'`: β̃_t, except β̃_2 at t = 1 (their 'fixedsmall' reads `posterior_log_variance_clipped`,
 *   `log(append(posterior_variance[1], posterior_variance[1:]))`; improved-diffusion does the same);
 * - `'clamped'`: max(β̃_t, 1e-20), the older floor of `diffusion_utils.py` (`np.log(np.maximum(posterior_variance,
 *   1e-20))`), which the released CIFAR-10/LSUN sampler uses.
 */
export type ReverseVarianceChoice = 'beta' | 'betaTilde' | 'fixedlarge' | 'fixedsmall' | 'clamped';

/** The floor `diffusion_utils.py` puts under β̃_t before its log (so log β̃_1 = log 1e-20 ≈ −46). */
export const POSTERIOR_VARIANCE_FLOOR = 1e-20;

/**
 * D6 — the variance σ_t² of p_θ(x_{t−1} | x_t) = N(μ_θ, σ_t² I): β_t (upper bound, S0/S4 code) or β̃_t (lower
 * bound, the true posterior's). Ho et al. report both give similar samples; the choice is shown, not hidden.
 * The three reference conventions differ from these only at t = 1 (see {@link ReverseVarianceChoice}); the
 * samplers add no noise at t = 1 (F2), so they matter for the bound's decoder term L_0, not for samples.
 *
 * ```tex
 * \sigma_t^2\in\{\beta_t,\ \tilde\beta_t\},\qquad \tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t,
 * \qquad \sigma_1^2 = \tilde\beta_2\ (\text{fixedlarge, fixedsmall}),\quad \max(\tilde\beta_1, 10^{-20})\ (\text{clamped})
 * ```
 * Source: S0 (its code drops the factor (1−ᾱ_{t−1})/(1−ᾱ_t)), S4, Ho et al. 2020 §3.2 and its code
 * (github.com/hojonathanho/diffusion, diffusion_tf/diffusion_utils.py and diffusion_utils_2.py).
 */
export function reverseVariance(schedule: NoiseSchedule, t: number, choice: ReverseVarianceChoice): number {
  assertStep('reverseVariance', schedule, t);
  switch (choice) {
    case 'beta':
      return schedule.betas[t]!;
    case 'betaTilde':
      return posteriorVariance(schedule, t);
    case 'fixedlarge':
      return t === 1 ? betaTildeAtOne(schedule, 'reverseVariance') : schedule.betas[t]!;
    case 'fixedsmall':
      return t === 1 ? betaTildeAtOne(schedule, 'reverseVariance') : posteriorVariance(schedule, t);
    case 'clamped':
      return Math.max(posteriorVariance(schedule, t), POSTERIOR_VARIANCE_FLOOR);
    default:
      throw new DomainError('reverseVariance', 'choice', "'beta', 'betaTilde', 'fixedlarge', 'fixedsmall' or 'clamped'", choice);
  }
}

/** β̃_2, the stand-in for β̃_1 = 0 in the clipped conventions (needs T ≥ 2). */
function betaTildeAtOne(schedule: NoiseSchedule, fn: string): number {
  if (schedule.T < 2) throw new DomainError(fn, 'schedule.T', 'at least 2 (β̃_2 stands in for β̃_1)', schedule.T);
  return posteriorVariance(schedule, 2);
}

/**
 * D7 — improved DDPM's learned variance: interpolate β_t and β̃_t in log space with v ∈ [0, 1].
 * At t = 1, β̃_1 = 0 and its log is −∞; like Nichol & Dhariwal we use β̃_2 there (the "clipped" log variance).
 *
 * ```tex
 * \Sigma_\theta(x_t,t)=\exp\big(v\log\beta_t+(1-v)\log\tilde\beta_t\big)
 * ```
 * Source: S1 (improved DDPM), Nichol & Dhariwal 2021 Eq. 15.
 * @param v - interpolation weight in [0, 1] (the network's output)
 */
export function learnedVariance(schedule: NoiseSchedule, t: number, v: number): number {
  assertStep('learnedVariance', schedule, t);
  assertFinite('learnedVariance', 'v', v);
  assertInInterval('learnedVariance', 'v', v, 0, 1);
  return Math.exp(v * Math.log(schedule.betas[t]!) + (1 - v) * clippedLogPosteriorVariance(schedule, t));
}

/** log β̃_t, with β̃_1 (= 0) replaced by β̃_2 so the log is finite (Nichol & Dhariwal 2021's convention). */
export function clippedLogPosteriorVariance(schedule: NoiseSchedule, t: number): number {
  assertStep('clippedLogPosteriorVariance', schedule, t);
  if (t === 1) {
    if (schedule.T < 2) throw new DomainError('clippedLogPosteriorVariance', 'schedule.T', 'at least 2 (β̃_2 stands in for β̃_1)', schedule.T);
    return Math.log(posteriorVariance(schedule, 2));
  }
  return Math.log(posteriorVariance(schedule, t));
}

/**
 * D7 — the learned log-variance on data tensors: log Σ_θ = v log β_t + (1 − v) log β̃_t per element, with the
 * clipped log β̃ of {@link clippedLogPosteriorVariance} (β̃_2 stands in at t = 1). Working in log space keeps Σ
 * positive whatever v the network outputs; like Nichol & Dhariwal, v is not clamped here (the scalar
 * {@link learnedVariance} restricts it to [0, 1]), so a model may extrapolate past β_t or below β̃_t.
 *
 * ```tex
 * \log\Sigma_\theta(x_t,t)=v\log\beta_t+(1-v)\log\tilde\beta_t
 * ```
 * Source: S1 (improved DDPM), Nichol & Dhariwal 2021 Eq. 15.
 * @param t - step(s) in 1..T, one for the batch or one per example
 * @param v - the interpolation weight, shape [B, …] (the network's second output)
 */
export function learnedLogVariance(schedule: NoiseSchedule, t: Steps, v: tf.Tensor): tf.Tensor {
  assertSchedule('learnedLogVariance', schedule);
  assertBatched('learnedLogVariance', 'v', v);
  const logBetaTilde = coefficientTable(schedule, 'clippedLogBetaTilde', (s) => clippedLogPosteriorVariance(schedule, s));
  // log β_t − log β̃_t in float64: the two logs are close at large t, their float32 difference would lose digits.
  const logRatio = coefficientTable(schedule, 'logBetaOverBetaTilde', (s) => Math.log(schedule.betas[s]!) - clippedLogPosteriorVariance(schedule, s));
  return tf.tidy(() => {
    const lo = perExample('learnedLogVariance', schedule, logBetaTilde, t, v.shape[0]!, v.rank);
    const span = perExample('learnedLogVariance', schedule, logRatio, t, v.shape[0]!, v.rank);
    return tf.add(tf.mul(v, span), lo);
  });
}
