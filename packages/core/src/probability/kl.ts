/**
 * A6–A10 — Kullback–Leibler divergence: discrete, continuous (quadrature and Monte Carlo), and the closed forms
 * between Gaussians that the VAE (B4) and the diffusion bound (E1, E2) use.
 *
 * A8 — the properties every function here satisfies: KL(p‖q) ≥ 0 (Gibbs' inequality, from Jensen A11), = 0 iff
 * p = q, and KL(p‖q) ≠ KL(q‖p) in general (S3). The tests check them by property testing.
 *
 * ```tex
 * KL(P\,\|\,Q)\ge0,\qquad KL(P\,\|\,Q)=0\iff P=Q,\qquad KL(P\,\|\,Q)\ne KL(Q\,\|\,P)
 * ```
 */
import { assertRng, type Rng } from '../random/rng.js';
import { expMinusOneMinusX, halfSquaredOverVariance, klDiagonalGaussianTerm, klGaussianTerm } from './kl-terms.js';
import {
  assertCount,
  assertFinite,
  assertFiniteResult,
  assertFiniteArray,
  assertFunction,
  assertPositive,
  assertProbabilityVector,
  assertSameLength,
  DomainError,
} from '../util/validate.js';

/**
 * A6 — discrete KL: KL(p‖q) = Σ_i p_i log(p_i / q_i), with 0 log 0 = 0; +∞ when some q_i = 0 < p_i.
 *
 * ```tex
 * KL(P\,\|\,Q)=\sum_i p_i\log\frac{p_i}{q_i}
 * ```
 * Evaluated as Σ q_i h(d_i) + Σ(p_i − q_i), d = p/q − 1, h(d) = (1 + d) log1p(d) − d ≥ 0, so p and q 1e-9 apart
 * give their KL (2e-18) instead of 0.
 * Source: S3 (KL divergence section).
 */
export function klDiscrete(p: ArrayLike<number>, q: ArrayLike<number>): number {
  assertProbabilityVector('klDiscrete', 'p', p);
  assertProbabilityVector('klDiscrete', 'q', q);
  assertSameLength('klDiscrete', 'p', p, 'q', q);
  // p log(p/q) = q h(d) + (p − q) with d = (p − q)/q and h(d) = (1 + d) log1p(d) − d ≥ 0: the h terms carry the
  // KL without cancellation (h by its series near 0), and Σ(p − q) — zero for normalised inputs — is summed with
  // compensation. Summing p log(p/q) directly returns 0 for p, q 1e-9 apart (the KL, 2e-18, is lost in rounding).
  let s = 0;
  let residual = 0;
  let compensation = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! === 0) continue; // 0 log 0 = 0
    if (q[i]! === 0) return Infinity;
    const diff = p[i]! - q[i]!;
    s += q[i]! * onePlusXLogOnePlusXMinusX(diff / q[i]!);
    const next = residual + diff;
    compensation += Math.abs(residual) >= Math.abs(diff) ? residual - next + diff : diff - next + residual;
    residual = next;
  }
  return Math.max(s + (residual + compensation), 0); // non-normalised inputs can leave −1e-17 when p ≈ q
}

/** (1 + d) log1p(d) − d, by its series Σ_{k≥2} (−1)^k d^k/(k(k−1)) for |d| < 0.1 (terms to d^18). */
function onePlusXLogOnePlusXMinusX(d: number): number {
  if (Math.abs(d) >= 0.1) return (1 + d) * Math.log1p(d) - d;
  let sum = 0;
  for (let k = 18; k >= 2; k--) sum = sum * -d + 1 / (k * (k - 1));
  return d * d * sum;
}

/**
 * A7 — continuous KL by the trapezoid rule on [lo, hi]: ∫ p(x) log(p(x)/q(x)) dx.
 * The interval must hold essentially all of p's mass.
 *
 * ```tex
 * KL(P\,\|\,Q)=\int p(x)\log\frac{p(x)}{q(x)}\,dx
 * ```
 * Source: S3.
 * @param logP - log p(x); @param logQ - log q(x); @param nodes - number of subintervals (>= 2)
 */
export function klQuadrature(
  logP: (x: number) => number,
  logQ: (x: number) => number,
  lo: number,
  hi: number,
  nodes = 20000,
): number {
  assertFunction('klQuadrature', 'logP', logP);
  assertFunction('klQuadrature', 'logQ', logQ);
  assertFinite('klQuadrature', 'lo', lo);
  assertFinite('klQuadrature', 'hi', hi);
  if (!(hi > lo)) throw new DomainError('klQuadrature', 'hi', `a number > lo (${lo})`, hi);
  if (!Number.isFinite(hi - lo)) throw new DomainError('klQuadrature', 'hi', `a number with hi − lo finite (lo = ${lo})`, hi);
  assertCount('klQuadrature', 'nodes', nodes, 2, 1e8); // 10^8 evaluations of each density: about a minute
  const h = (hi - lo) / nodes;
  let s = 0;
  for (let i = 0; i <= nodes; i++) {
    const x = lo + i * h;
    const lp = logP(x);
    if (lp === -Infinity) continue;
    const lq = logQ(x);
    if (Number.isNaN(lp) || lp === Infinity) throw new DomainError('klQuadrature', 'logP', 'a log-density: a number < Infinity, or −Infinity', `${lp} at x = ${x}`);
    if (Number.isNaN(lq)) throw new DomainError('klQuadrature', 'logQ', 'a log-density (not NaN)', `NaN at x = ${x}`);
    const w = i === 0 || i === nodes ? 0.5 : 1;
    s += w * Math.exp(lp) * (lp - lq);
  }
  return s * h;
}

/** A Monte Carlo estimate with its standard error. */
export interface MonteCarloEstimate {
  readonly estimate: number;
  readonly standardError: number;
  readonly n: number;
}

/**
 * A7 — the Monte Carlo estimator of KL: (1/n) Σ log(p(x_i)/q(x_i)), x_i ~ p, with its standard error.
 *
 * ```tex
 * KL(P\,\|\,Q)\approx\frac1n\sum_{i=1}^{n}\log\frac{p(x_i)}{q(x_i)},\qquad x_i\sim P
 * ```
 * Source: S3.
 * @param sampleP - draws one x from p using the generator
 */
export function klMonteCarlo(
  logP: (x: number) => number,
  logQ: (x: number) => number,
  sampleP: (rng: Rng) => number,
  n: number,
  rng: Rng,
): MonteCarloEstimate {
  assertFunction('klMonteCarlo', 'logP', logP);
  assertFunction('klMonteCarlo', 'logQ', logQ);
  assertFunction('klMonteCarlo', 'sampleP', sampleP);
  assertCount('klMonteCarlo', 'n', n, 2, 1e8); // 10^8 draws: about a minute
  assertRng('klMonteCarlo', 'rng', rng);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = sampleP(rng);
    const r = logP(x) - logQ(x);
    if (!Number.isFinite(r)) throw new DomainError('klMonteCarlo', 'logQ', 'finite wherever p has mass', `log p − log q = ${r} at x = ${x}`);
    s += r;
    s2 += r * r;
  }
  if (!Number.isFinite(s2)) throw new DomainError('klMonteCarlo', 'logQ', 'log-ratios whose squares sum to a finite number', `Σ (log p − log q)² = ${s2}`);
  const mean = s / n;
  const variance = Math.max((s2 - n * mean * mean) / (n - 1), 0);
  return { estimate: mean, standardError: Math.sqrt(variance / n), n };
}

/**
 * A9 — KL between univariate Gaussians, KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)).
 *
 * ```tex
 * KL=\log\frac{\sigma_2}{\sigma_1}+\frac{\sigma_1^2+(\mu_1-\mu_2)^2}{2\sigma_2^2}-\frac12
 * ```
 * Evaluated as ½(r − 1 − log r) + (μ₁ − μ₂)²/2σ₂², r = σ₁²/σ₂², with r − 1 − log r = e^ℓ − 1 − ℓ by its series
 * near ℓ = log r = 0: ≤ 2 ulps from mpmath at r = 1 ± 1e-12 … 1 ± 1e-4, where the sum above is > 10⁵ ulps off.
 * Source: S3 (KL of two Gaussians).
 * @param var1 - σ₁² > 0; @param var2 - σ₂² > 0 (variances, not standard deviations)
 */
export function klGaussian(mean1: number, var1: number, mean2: number, var2: number): number {
  assertFinite('klGaussian', 'mean1', mean1);
  assertPositive('klGaussian', 'var1', var1);
  assertFinite('klGaussian', 'mean2', mean2);
  assertPositive('klGaussian', 'var2', var2);
  return assertFiniteResult('klGaussian', 'mean1/var1/mean2/var2', klGaussianTerm(mean1, var1, mean2, var2), 'KL');
}

/**
 * A10 — KL between diagonal Gaussians: the sum of A9 over coordinates. A scalar variance applies to all.
 *
 * ```tex
 * KL\big(\mathcal N(\mu_1,\operatorname{diag}\sigma_1^2)\,\|\,\mathcal N(\mu_2,\operatorname{diag}\sigma_2^2)\big)
 *  =\sum_{i=1}^{d}\Big[\log\frac{\sigma_{2,i}}{\sigma_{1,i}}+\frac{\sigma_{1,i}^2+(\mu_{1,i}-\mu_{2,i})^2}{2\sigma_{2,i}^2}-\frac12\Big]
 * ```
 * Source: S3; S4 uses its special case B4.
 */
export function klDiagonalGaussian(
  mean1: ArrayLike<number>,
  var1: ArrayLike<number> | number,
  mean2: ArrayLike<number>,
  var2: ArrayLike<number> | number,
): number {
  assertFiniteArray('klDiagonalGaussian', 'mean1', mean1);
  assertFiniteArray('klDiagonalGaussian', 'mean2', mean2);
  assertSameLength('klDiagonalGaussian', 'mean1', mean1, 'mean2', mean2);
  for (const [name, v] of [['var1', var1], ['var2', var2]] as const) {
    if (typeof v === 'number') assertPositive('klDiagonalGaussian', name, v);
    else {
      assertFiniteArray('klDiagonalGaussian', name, v);
      assertSameLength('klDiagonalGaussian', 'mean1', mean1, name, v);
      for (let i = 0; i < v.length; i++) assertPositive('klDiagonalGaussian', `${name}[${i}]`, v[i]!);
    }
  }
  return assertFiniteResult('klDiagonalGaussian', 'mean1/var1/mean2/var2', klDiagonalGaussianTerm(mean1, var1, mean2, var2), 'KL');
}

/**
 * A10 — the same KL in (mean, log-variance) form, the parameterisation encoders output (no exp/log round trip).
 *
 * ```tex
 * KL=\frac12\sum_i\Big[\ell_{2,i}-\ell_{1,i}+e^{\ell_{1,i}-\ell_{2,i}}+(\mu_{1,i}-\mu_{2,i})^2e^{-\ell_{2,i}}-1\Big],\quad \ell=\log\sigma^2
 * ```
 * Evaluated as ½Σ[(e^d − 1 − d) + Δμ² e^{−ℓ₂}] with d = ℓ₁ − ℓ₂ and e^d − 1 − d by its series near 0, so a KL of
 * nearly equal Gaussians keeps every digit (test/reference: ≤ 2 ulps from mpmath at d = ±1e-8 … 0.6, where
 * expm1(d) − d is > 10⁴ ulps off at d = 1e-8).
 */
export function klDiagonalGaussianLogVar(
  mean1: ArrayLike<number>,
  logVar1: ArrayLike<number>,
  mean2: ArrayLike<number>,
  logVar2: ArrayLike<number>,
): number {
  const fn = 'klDiagonalGaussianLogVar';
  assertFiniteArray(fn, 'mean1', mean1);
  assertFiniteArray(fn, 'logVar1', logVar1);
  assertFiniteArray(fn, 'mean2', mean2);
  assertFiniteArray(fn, 'logVar2', logVar2);
  assertSameLength(fn, 'mean1', mean1, 'logVar1', logVar1);
  assertSameLength(fn, 'mean1', mean1, 'mean2', mean2);
  assertSameLength(fn, 'mean1', mean1, 'logVar2', logVar2);
  let s = 0;
  for (let i = 0; i < mean1.length; i++) {
    const d = logVar1[i]! - logVar2[i]!;
    // e^d − 1 − d by its series near d = 0 (expm1(d) − d cancels to 1e-16/d relative error there); a d beyond
    // float64 (ℓ₁ − ℓ₂ = ±2e308) makes the term as large, +∞ (expm1(∞) − ∞ would be NaN).
    const varianceTerm = Number.isFinite(d) ? expMinusOneMinusX(d) : Infinity;
    // Equal means contribute 0 even when e^{−ℓ₂} overflows (ℓ₂ < −709), not 0·∞ = NaN.
    s += varianceTerm + 2 * halfSquaredOverVariance(mean1[i]! - mean2[i]!, logVar2[i]!);
  }
  return assertFiniteResult(fn, 'mean1/logVar1/mean2/logVar2', 0.5 * s, 'KL');
}
