/**
 * A5 — the Gaussian mixture P(x) = Σ_i w_i N(x | μ_i, σ_i²): density, log-density (log-sum-exp) and a sampler.
 */
import { assertRng, type Rng } from '../random/rng.js';
import { assertCount, assertFinite, assertFiniteArray, assertFiniteResult, assertObject, assertPositive, assertProbabilityVector, assertSameLength } from '../util/validate.js';
import { logGaussian } from './log-density.js';

/** A univariate Gaussian mixture. */
export interface GaussianMixture1D {
  readonly weights: readonly number[];
  readonly means: readonly number[];
  readonly variances: readonly number[];
}

/** Validate a mixture's parameters (weights a probability vector; variances > 0; equal lengths). */
export function assertMixture(fn: string, m: GaussianMixture1D): void {
  assertObject(fn, 'mixture', m);
  assertProbabilityVector(fn, 'mixture.weights', m.weights);
  assertFiniteArray(fn, 'mixture.means', m.means);
  assertSameLength(fn, 'mixture.weights', m.weights, 'mixture.means', m.means);
  assertFiniteArray(fn, 'mixture.variances', m.variances);
  assertSameLength(fn, 'mixture.weights', m.weights, 'mixture.variances', m.variances);
  m.variances.forEach((v, i) => assertPositive(fn, `mixture.variances[${i}]`, v));
}

/**
 * A5 — log P(x) for a Gaussian mixture, by log-sum-exp (stable far in the tails).
 *
 * ```tex
 * P(x)=\sum_i w_i\,\mathcal N(x\mid\mu_i,\sigma_i^2),\qquad w_i\ge0,\ \sum_i w_i=1
 * ```
 * Source: S3 (Gaussian mixture model).
 */
export function mixtureLogPdf(m: GaussianMixture1D, x: number): number {
  assertMixture('mixtureLogPdf', m);
  assertFinite('mixtureLogPdf', 'x', x);
  return assertFiniteResult('mixtureLogPdf', 'x', logSumExpMixture(m, x), 'log-density');
}

/** log Σ w_i N(x | μ_i, σ_i²) by log-sum-exp; −Infinity when every term's log is below float64's range. */
function logSumExpMixture(m: GaussianMixture1D, x: number): number {
  const logs = m.weights.map((w, i) => (w > 0 ? Math.log(w) + logGaussian(x, m.means[i]!, m.variances[i]!) : -Infinity));
  const top = Math.max(...logs);
  if (top === -Infinity) return -Infinity; // all terms −∞: −∞ − (−∞) would be NaN
  return top + Math.log(logs.reduce((s, l) => s + Math.exp(l - top), 0));
}

/** A5 — P(x) for a Gaussian mixture. */
export function mixturePdf(m: GaussianMixture1D, x: number): number {
  assertMixture('mixturePdf', m);
  assertFinite('mixturePdf', 'x', x);
  return Math.exp(logSumExpMixture(m, x)); // a density below float64's range is 0
}

/** A5 — n draws from the mixture: pick component i with probability w_i, then draw from N(μ_i, σ_i²). */
export function sampleMixture(m: GaussianMixture1D, n: number, rng: Rng): Float64Array {
  assertMixture('sampleMixture', m);
  assertCount('sampleMixture', 'n', n, 0);
  assertRng('sampleMixture', 'rng', rng);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = drawComponent(m.weights, rng);
    out[k] = m.means[i]! + Math.sqrt(m.variances[i]!) * rng.normal();
  }
  return out;
}

/**
 * The first step of sampling any mixture: component i with probability w_i (inverse CDF of one uniform).
 * The weights are assumed validated (a probability vector); rounding leftovers fall to the last component of
 * positive weight, so a component of weight 0 is never drawn.
 */
export function drawComponent(weights: readonly number[], rng: Rng): number {
  assertProbabilityVector('drawComponent', 'weights', weights);
  assertRng('drawComponent', 'rng', rng);
  let u = rng.uniform();
  let last = weights.length - 1;
  while (last > 0 && !(weights[last]! > 0)) last--;
  let i = 0;
  while (i < last && u >= weights[i]!) u -= weights[i++]!;
  return i;
}
