/**
 * Descriptive statistics for the numeric checks: means, variances and their standard errors, in float64.
 * A Monte Carlo check compares an estimate with its expected value within k standard errors (the tests use k = 6).
 */
import { assertFiniteArray, assertFiniteResult, assertInteger, assertIntegerInRange, DomainError } from '../util/validate.js';

/** Sample mean. */
export function mean(xs: ArrayLike<number>): number {
  assertFiniteArray('mean', 'xs', xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  if (Number.isFinite(s)) return s / xs.length;
  // The sum overflowed (entries near ±1.8e308): average the scaled values instead.
  let scaled = 0;
  for (let i = 0; i < xs.length; i++) scaled += xs[i]! / xs.length;
  return scaled;
}

/** Unbiased sample variance (divides by n − 1). */
export function variance(xs: ArrayLike<number>): number {
  return sampleVariance('variance', xs);
}

/** The unbiased sample variance, its checks in the name of `fn`. */
function sampleVariance(fn: string, xs: ArrayLike<number>): number {
  assertFiniteArray(fn, 'xs', xs);
  if (xs.length < 2) throw new DomainError(fn, 'xs', 'at least 2 values', `length ${xs.length}`);
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return assertFiniteResult(fn, 'xs', s / (xs.length - 1), 'variance');
}

/** Standard error of the sample mean, √(s²/n). */
export function standardError(xs: ArrayLike<number>): number {
  return Math.sqrt(sampleVariance('standardError', xs) / xs.length);
}

/**
 * Standard error of the unbiased sample variance, from the fourth central moment:
 * Var(s²) ≈ (μ₄ − σ⁴ (n−3)/(n−1)) / n.
 */
export function varianceStandardError(xs: ArrayLike<number>): number {
  assertFiniteArray('varianceStandardError', 'xs', xs);
  if (xs.length < 2) throw new DomainError('varianceStandardError', 'xs', 'at least 2 values', `length ${xs.length}`);
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
  assertFiniteResult('varianceStandardError', 'xs', m4, 'fourth central moment');
  return Math.sqrt(Math.max(m4 - (m2 * m2 * (n - 3)) / (n - 1), 0) / n);
}

/** Column `j` of a row-major n×d matrix stored flat. */
export function column(flat: ArrayLike<number>, d: number, j: number): Float64Array {
  assertFiniteArray('column', 'flat', flat);
  assertInteger('column', 'd', d, 1);
  assertIntegerInRange('column', 'j', j, 0, d - 1);
  if (flat.length % d !== 0) throw new DomainError('column', 'd', `a divisor of the length of flat (${flat.length})`, d);
  const n = flat.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = flat[i * d + j]!;
  return out;
}
