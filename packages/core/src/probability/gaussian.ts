/**
 * A2 — the Gaussian density, its log, and the diagonal multivariate form (float64 scalars).
 */
import { logGaussian } from './log-density.js';
import { assertFinite, assertFiniteArray, assertFiniteResult, assertPositive, assertSameLength } from '../util/validate.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * A2 — log N(x; μ, σ²).
 *
 * ```tex
 * \log\mathcal N(x;\mu,\sigma^2) = -\tfrac12\log(2\pi\sigma^2) - \frac{(x-\mu)^2}{2\sigma^2}
 * ```
 * Source: S3 (Gaussian section), S0 appendix.
 * @param variance - σ² > 0 (a variance, not a standard deviation)
 */
export function gaussianLogPdf(x: number, mean: number, variance: number): number {
  assertFinite('gaussianLogPdf', 'x', x);
  assertFinite('gaussianLogPdf', 'mean', mean);
  assertPositive('gaussianLogPdf', 'variance', variance);
  return assertFiniteResult('gaussianLogPdf', 'x', logGaussian(x, mean, variance), 'log-density');
}


/**
 * A2 — N(x; μ, σ²) = exp(−(x−μ)²/2σ²) / (σ√(2π)).
 *
 * ```tex
 * \mathcal N(x;\mu,\sigma^2)=\frac{1}{\sigma\sqrt{2\pi}}\,e^{-\frac{(x-\mu)^2}{2\sigma^2}}
 * ```
 * Source: S3, S0 appendix.
 */
export function gaussianPdf(x: number, mean: number, variance: number): number {
  assertFinite('gaussianPdf', 'x', x);
  assertFinite('gaussianPdf', 'mean', mean);
  assertPositive('gaussianPdf', 'variance', variance);
  return Math.exp(logGaussian(x, mean, variance)); // a log-density of −Infinity is a density that underflows to 0
}

/**
 * A2 — diagonal multivariate log-density: Σ_i log N(x_i; μ_i, σ_i²). A scalar variance applies to every coordinate.
 *
 * ```tex
 * \log\mathcal N(x;\mu,\operatorname{diag}\sigma^2) = \sum_{i=1}^{d}\log\mathcal N(x_i;\mu_i,\sigma_i^2)
 * ```
 */
export function diagonalGaussianLogPdf(
  x: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number> | number,
): number {
  const fn = 'diagonalGaussianLogPdf';
  assertFiniteArray(fn, 'x', x);
  assertFiniteArray(fn, 'mean', mean);
  assertSameLength(fn, 'x', x, 'mean', mean);
  if (typeof variance === 'number') assertPositive(fn, 'variance', variance);
  else {
    assertFiniteArray(fn, 'variance', variance);
    assertSameLength(fn, 'x', x, 'variance', variance);
    for (let i = 0; i < variance.length; i++) assertPositive(fn, `variance[${i}]`, variance[i]!);
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = typeof variance === 'number' ? variance : variance[i]!;
    s += logGaussian(x[i]!, mean[i]!, v);
  }
  return assertFiniteResult(fn, 'x', s, 'log-density');
}
