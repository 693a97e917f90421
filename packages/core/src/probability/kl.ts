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
import {
  assertCount,
  assertFinite,
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
 * Source: S3 (KL divergence section).
 */
export function klDiscrete(p: ArrayLike<number>, q: ArrayLike<number>): number {
  assertProbabilityVector('klDiscrete', 'p', p);
  assertProbabilityVector('klDiscrete', 'q', q);
  assertSameLength('klDiscrete', 'p', p, 'q', q);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! === 0) continue;
    if (q[i]! === 0) return Infinity;
    s += p[i]! * Math.log(p[i]! / q[i]!);
  }
  return Math.max(s, 0); // rounding can leave −1e-17 when p = q
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
 * Source: S3 (KL of two Gaussians).
 * @param var1 - σ₁² > 0; @param var2 - σ₂² > 0 (variances, not standard deviations)
 */
export function klGaussian(mean1: number, var1: number, mean2: number, var2: number): number {
  assertFinite('klGaussian', 'mean1', mean1);
  assertPositive('klGaussian', 'var1', var1);
  assertFinite('klGaussian', 'mean2', mean2);
  assertPositive('klGaussian', 'var2', var2);
  // The ratio under/overflows for variances far apart (1e300 vs 1e-300): then log σ₂² − log σ₁², not log 0 = −∞ (NaN).
  const ratio = var2 / var1;
  const logRatio = ratio > 0 && ratio < Infinity ? Math.log(ratio) : Math.log(var2) - Math.log(var1);
  return 0.5 * logRatio + (var1 + (mean1 - mean2) ** 2) / (2 * var2) - 0.5;
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
  let s = 0;
  for (let i = 0; i < mean1.length; i++) {
    s += klGaussian(mean1[i]!, typeof var1 === 'number' ? var1 : var1[i]!, mean2[i]!, typeof var2 === 'number' ? var2 : var2[i]!);
  }
  return s;
}

/**
 * A10 — the same KL in (mean, log-variance) form, the parameterisation encoders output (no exp/log round trip).
 *
 * ```tex
 * KL=\frac12\sum_i\Big[\ell_{2,i}-\ell_{1,i}+e^{\ell_{1,i}-\ell_{2,i}}+(\mu_{1,i}-\mu_{2,i})^2e^{-\ell_{2,i}}-1\Big],\quad \ell=\log\sigma^2
 * ```
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
    const dm = mean1[i]! - mean2[i]!;
    // Equal means contribute 0 even when e^{−ℓ₂} overflows (ℓ₂ < −709), not 0·∞ = NaN.
    s += -d + Math.expm1(d) + (dm === 0 ? 0 : dm * dm * Math.exp(-logVar2[i]!));
  }
  return 0.5 * s;
}
