/**
 * A3, A4 — how Gaussians transform: an affine map of one, and the sum of independent ones (S0 appendix, S3).
 * These two rules are all the forward process needs to merge steps (C4) and reach the closed form (C5).
 */
import { assertFinite, assertFiniteResult, assertNonNegative, assertObject } from '../util/validate.js';

/** A univariate Gaussian by its mean and variance. */
export interface Gaussian1D {
  readonly mean: number;
  readonly variance: number;
}

/**
 * A3 — X ~ N(μ, σ²) ⇒ aX + b ~ N(aμ + b, a²σ²).
 *
 * ```tex
 * X\sim\mathcal N(\mu,\sigma^2)\;\Rightarrow\; aX+b\sim\mathcal N(a\mu+b,\ a^2\sigma^2)
 * ```
 * Source: S0 appendix.
 */
export function affineGaussian(x: Gaussian1D, a: number, b: number): Gaussian1D {
  assertObject('affineGaussian', 'x', x);
  assertFinite('affineGaussian', 'x.mean', x.mean);
  assertNonNegative('affineGaussian', 'x.variance', x.variance);
  assertFinite('affineGaussian', 'a', a);
  assertFinite('affineGaussian', 'b', b);
  const mean = assertFiniteResult('affineGaussian', 'a', a * x.mean + b, 'mean aμ + b');
  const v = a * a * x.variance;
  const variance = Number.isFinite(v) ? v : (Math.abs(a) * Math.sqrt(x.variance)) ** 2; // a² may overflow where a²σ² does not
  return { mean, variance: assertFiniteResult('affineGaussian', 'a', variance, 'variance a²σ²') };
}

/**
 * A4 — the sum of independent Gaussians is Gaussian; means add and variances add.
 *
 * ```tex
 * \mathcal N(\mu_1,\sigma_1^2)+\mathcal N(\mu_2,\sigma_2^2)=\mathcal N(\mu_1+\mu_2,\ \sigma_1^2+\sigma_2^2)
 * ```
 * Source: S0 appendix, S3.
 */
export function sumOfIndependentGaussians(...terms: Gaussian1D[]): Gaussian1D {
  let mean = 0;
  let variance = 0;
  terms.forEach((g, i) => {
    assertObject('sumOfIndependentGaussians', `terms[${i}]`, g);
    assertFinite('sumOfIndependentGaussians', `terms[${i}].mean`, g.mean);
    assertNonNegative('sumOfIndependentGaussians', `terms[${i}].variance`, g.variance);
    mean += g.mean;
    variance += g.variance;
  });
  assertFiniteResult('sumOfIndependentGaussians', 'terms', mean, 'sum of means');
  return { mean, variance: assertFiniteResult('sumOfIndependentGaussians', 'terms', variance, 'sum of variances') };
}

/** Φ(x), the standard normal CDF, via erfc with |error| < 1.2e-7 (Numerical Recipes' Chebyshev fit). */
export function standardNormalCdf(x: number): number {
  assertFinite('standardNormalCdf', 'x', x);
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}
