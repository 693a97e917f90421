/**
 * A11, A12 — Jensen's inequality and the evidence lower bound it yields; maximum likelihood as minimum KL.
 *
 * The running example is the linear-Gaussian latent model z ~ N(0, 1), x | z ~ N(a z + b, s²), where every
 * quantity (evidence, posterior, ELBO) has a closed form, so the bounds can be checked exactly.
 */
import { assertFinite, assertFiniteArray, assertFiniteResult, assertObject, assertPositive, assertProbabilityVector, assertSameLength, DomainError } from '../util/validate.js';
import { logGaussian } from './log-density.js';
import { klGaussian } from './kl.js';

/** z ~ N(0, 1), x | z ~ N(a z + b, s²). */
export interface LinearGaussianModel {
  readonly a: number;
  readonly b: number;
  /** s², the observation noise variance (> 0). */
  readonly noiseVariance: number;
}

function assertModel(fn: string, m: LinearGaussianModel): void {
  assertObject(fn, 'model', m);
  assertFinite(fn, 'model.a', m.a);
  assertFinite(fn, 'model.b', m.b);
  assertPositive(fn, 'model.noiseVariance', m.noiseVariance);
}

/**
 * A11 / B2 — the exact evidence log p(x) of the linear-Gaussian model: x ~ N(b, a² + s²) (A3 + A4).
 */
export function linearGaussianLogEvidence(m: LinearGaussianModel, x: number): number {
  assertModel('linearGaussianLogEvidence', m);
  assertFinite('linearGaussianLogEvidence', 'x', x);
  const variance = assertFiniteResult('linearGaussianLogEvidence', 'model', m.a * m.a + m.noiseVariance, 'evidence variance a² + s²');
  return assertFiniteResult('linearGaussianLogEvidence', 'x', logGaussian(x, m.b, variance), 'log-evidence');
}

/** The exact posterior p(z | x) = N(a(x − b)/(a² + s²), s²/(a² + s²)) of the linear-Gaussian model. */
export function linearGaussianPosterior(m: LinearGaussianModel, x: number): { mean: number; variance: number } {
  assertModel('linearGaussianPosterior', m);
  assertFinite('linearGaussianPosterior', 'x', x);
  const d = assertFiniteResult('linearGaussianPosterior', 'model', m.a * m.a + m.noiseVariance, 'evidence variance a² + s²');
  const direct = (m.a * (x - m.b)) / d;
  const mean = assertFiniteResult('linearGaussianPosterior', 'x', Number.isFinite(direct) ? direct : (m.a / d) * (x - m.b), 'posterior mean');
  return { mean, variance: m.noiseVariance / d };
}

/**
 * A11 — the evidence lower bound for a Gaussian q(z) = N(μ_q, σ_q²) in the linear-Gaussian model:
 * ELBO = E_q[log p(x|z)] − KL(q(z) ‖ p(z)) ≤ log p(x), with equality iff q is the exact posterior.
 * Jensen's inequality log E[X] ≥ E[log X] applied to p(x) = E_q[p(x,z)/q(z)] gives it.
 *
 * ```tex
 * \log p(x)=\log\mathbb E_{q}\Big[\frac{p(x,z)}{q(z)}\Big]\ \ge\ \mathbb E_q\Big[\log\frac{p(x,z)}{q(z)}\Big]
 *   =\mathbb E_q[\log p(x\mid z)]-KL(q(z)\,\|\,p(z))
 * ```
 * Source: S3 (names Jensen and the ELBO); B5 is the same bound for the VAE.
 */
export function linearGaussianElbo(m: LinearGaussianModel, x: number, qMean: number, qVariance: number): number {
  assertModel('linearGaussianElbo', m);
  assertFinite('linearGaussianElbo', 'x', x);
  assertFinite('linearGaussianElbo', 'qMean', qMean);
  assertPositive('linearGaussianElbo', 'qVariance', qVariance);
  const s2 = m.noiseVariance;
  // E_q[(x − a z − b)²] = (x − a μ_q − b)² + a² σ_q².
  const expectedLogLik = -0.5 * Math.log(2 * Math.PI * s2) - ((x - m.a * qMean - m.b) ** 2 + m.a * m.a * qVariance) / (2 * s2);
  assertFiniteResult('linearGaussianElbo', 'x', expectedLogLik, 'expected log-likelihood');
  return assertFiniteResult('linearGaussianElbo', 'qMean', expectedLogLik - klGaussian(qMean, qVariance, 0, 1), 'ELBO');
}

/**
 * A11 — Jensen's gap log E[X] − E[log X] ≥ 0 for a sample of positive values (zero iff all values are equal).
 *
 * ```tex
 * \log\mathbb E[X]\ \ge\ \mathbb E[\log X]
 * ```
 */
export function jensenGap(xs: ArrayLike<number>): number {
  assertFiniteArray('jensenGap', 'xs', xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    if (!(xs[i]! > 0)) throw new DomainError('jensenGap', `xs[${i}]`, 'a number > 0', xs[i]);
    s += xs[i]!;
  }
  // With y_i = x_i/c − 1 about c = the mean, the gap is mean g(y_i) − g(ȳ), g(y) = y − log1p(y) ≥ 0 and ȳ ≈ 0:
  // no cancellation. log E[X] − E[log X] as written loses all digits when the values are close (gap ~ 1e-13).
  // The mean through the largest value when the plain sum overflows (values near 1.8e308).
  let top = 0;
  for (let i = 0; i < xs.length; i++) top = Math.max(top, xs[i]!);
  let scaled = 0;
  for (let i = 0; i < xs.length; i++) scaled += xs[i]! / top;
  const c = Number.isFinite(s) ? s / xs.length : top * (scaled / xs.length);
  let yMean = 0;
  let gMean = 0;
  for (let i = 0; i < xs.length; i++) {
    const y = (xs[i]! - c) / c;
    yMean += y / xs.length;
    gMean += xMinusLog1p(y) / xs.length;
  }
  return Math.max(gMean - xMinusLog1p(yMean), 0);
}

/** y − log1p(y) ≥ 0, by its series Σ_{k≥2} (−1)^k y^k/k for |y| < 0.1 (terms to y^20), directly beyond. */
function xMinusLog1p(y: number): number {
  if (Math.abs(y) >= 0.1) return y - Math.log1p(y);
  let sum = 0;
  for (let k = 20; k >= 2; k--) sum = sum * -y + 1 / k;
  return y * y * sum;
}

/**
 * A12 — the average log-likelihood (1/n) Σ log N(x_i; μ, σ²) of data under a Gaussian. Maximising it over (μ, σ²)
 * gives the sample mean and the (biased, 1/n) sample variance; it equals −KL(P_data ‖ P_θ) − H(P_data), so
 * maximising likelihood is minimising KL from the data distribution.
 *
 * ```tex
 * \arg\max_\theta\prod_i P_\theta(x_i)=\arg\max_\theta\sum_i\log P_\theta(x_i)=\arg\min_\theta KL(P_{data}\,\|\,P_\theta)
 * ```
 * Source: S3 (maximum likelihood).
 */
export function gaussianAverageLogLikelihood(xs: ArrayLike<number>, mean: number, variance: number): number {
  assertFiniteArray('gaussianAverageLogLikelihood', 'xs', xs);
  assertFinite('gaussianAverageLogLikelihood', 'mean', mean);
  assertPositive('gaussianAverageLogLikelihood', 'variance', variance);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += logGaussian(xs[i]!, mean, variance);
  return assertFiniteResult('gaussianAverageLogLikelihood', 'xs', s / xs.length, 'average log-likelihood');
}

/** A12 — the maximum-likelihood Gaussian for the data: sample mean and 1/n variance. */
export function gaussianMaximumLikelihood(xs: ArrayLike<number>): { mean: number; variance: number } {
  assertFiniteArray('gaussianMaximumLikelihood', 'xs', xs);
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i]!;
  m /= xs.length;
  if (!Number.isFinite(m)) {
    m = 0; // the sum overflowed: average the scaled values
    for (let i = 0; i < xs.length; i++) m += xs[i]! / xs.length;
  }
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - m) ** 2;
  v /= xs.length;
  assertFiniteResult('gaussianMaximumLikelihood', 'xs', v, 'variance');
  if (!(v > 0)) throw new DomainError('gaussianMaximumLikelihood', 'xs', 'at least two distinct values', 'all equal');
  return { mean: m, variance: v };
}

/**
 * A12 — discrete form: the average log-likelihood of data with empirical distribution p under a model q equals
 * −KL(p ‖ q) − H(p), so argmax over q of the likelihood is argmin of KL(p ‖ q).
 *
 * ```tex
 * \sum_i p_i\log q_i=-KL(p\,\|\,q)-H(p),\qquad H(p)=-\sum_i p_i\log p_i
 * ```
 * Source: S3 (maximum likelihood).
 * @param p - the data's empirical distribution, a probability vector; @param q - the model, a probability vector
 * @returns Σ_i p_i log q_i (the expected log-likelihood per observation); −∞ when some q_i = 0 < p_i
 */
export function expectedLogLikelihoodDiscrete(p: ArrayLike<number>, q: ArrayLike<number>): number {
  assertProbabilityVector('expectedLogLikelihoodDiscrete', 'p', p);
  assertProbabilityVector('expectedLogLikelihoodDiscrete', 'q', q);
  assertSameLength('expectedLogLikelihoodDiscrete', 'p', p, 'q', q);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! === 0) continue;
    if (q[i]! === 0) return -Infinity;
    s += p[i]! * Math.log(q[i]!);
  }
  return s;
}
