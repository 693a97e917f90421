/**
 * A2 — the Gaussian density, its log, and the diagonal multivariate form (float64 scalars).
 */
import { assertFinite, assertFiniteArray, assertPositive, assertSameLength } from '../util/validate.js';

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
  return -0.5 * (LOG_2PI + Math.log(variance)) - ((x - mean) * (x - mean)) / (2 * variance);
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
  return Math.exp(gaussianLogPdf(x, mean, variance));
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
  assertFiniteArray('diagonalGaussianLogPdf', 'x', x);
  assertSameLength('diagonalGaussianLogPdf', 'x', x, 'mean', mean);
  if (typeof variance !== 'number') assertSameLength('diagonalGaussianLogPdf', 'x', x, 'variance', variance);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = typeof variance === 'number' ? variance : variance[i]!;
    s += gaussianLogPdf(x[i]!, mean[i]!, v);
  }
  return s;
}
