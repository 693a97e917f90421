/**
 * Descriptive statistics for the numeric checks: means, variances and their standard errors, in float64.
 * A Monte Carlo check compares an estimate with its expected value within k standard errors (the tests use k = 6).
 */
import { assertFiniteArray, assertInteger, DomainError } from '../util/validate.js';

/** Sample mean. */
export function mean(xs: ArrayLike<number>): number {
  assertFiniteArray('mean', 'xs', xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Unbiased sample variance (divides by n − 1). */
export function variance(xs: ArrayLike<number>): number {
  assertFiniteArray('variance', 'xs', xs);
  if (xs.length < 2) throw new DomainError('variance', 'xs', 'at least 2 values', `length ${xs.length}`);
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return s / (xs.length - 1);
}

/** Standard error of the sample mean, √(s²/n). */
export function standardError(xs: ArrayLike<number>): number {
  return Math.sqrt(variance(xs) / xs.length);
}

/**
 * Standard error of the unbiased sample variance, from the fourth central moment:
 * Var(s²) ≈ (μ₄ − σ⁴ (n−3)/(n−1)) / n.
 */
export function varianceStandardError(xs: ArrayLike<number>): number {
  const n = xs.length;
  const m = mean(xs);
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - m;
    m2 += d * d;
    m4 += d ** 4;
  }
  m2 /= n;
  m4 /= n;
  return Math.sqrt(Math.max(m4 - (m2 * m2 * (n - 3)) / (n - 1), 0) / n);
}

/** Column `j` of a row-major n×d matrix stored flat. */
export function column(flat: ArrayLike<number>, d: number, j: number): Float64Array {
  assertInteger('column', 'd', d, 1);
  if (flat.length % d !== 0) throw new DomainError('column', 'flat', `a length divisible by d = ${d}`, `length ${flat.length}`);
  const n = flat.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = flat[i * d + j]!;
  return out;
}
