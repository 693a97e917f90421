/**
 * One comparison helper for numeric tests: relative and absolute tolerance, explicit non-finite handling,
 * and a failure message that shows input, result, expected value, difference and tolerance.
 */

/** float64 machine epsilon, 2^-52. */
export const EPS = Number.EPSILON;

export interface Tolerance {
  /** Relative tolerance, as a multiple of |expected|. */
  rel?: number;
  /** Absolute tolerance. */
  abs?: number;
}

/**
 * Throws unless |actual − expected| ≤ max(abs, rel·|expected|). NaN never matches; ±Infinity matches only itself.
 * @param label - what is compared (printed on failure)
 */
export function assertClose(actual: number, expected: number, tol: Tolerance, label = 'value'): void {
  const { rel = 0, abs = 0 } = tol;
  if (Number.isNaN(actual) || Number.isNaN(expected)) {
    throw new Error(`${label}: got ${actual}, expected ${expected} (NaN never matches)`);
  }
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) {
    if (actual === expected) return;
    throw new Error(`${label}: got ${actual}, expected ${expected}`);
  }
  const diff = Math.abs(actual - expected);
  const bound = Math.max(abs, rel * Math.abs(expected));
  if (!(diff <= bound)) {
    throw new Error(`${label}: got ${actual}, expected ${expected}, |diff| ${diff.toExponential(3)} > tolerance ${bound.toExponential(3)}`);
  }
}

/** Elementwise {@link assertClose} over two arrays of equal length. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label = 'array'): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) assertClose(actual[i]!, expected[i]!, tol, `${label}[${i}]`);
}

/**
 * The seed a test uses: its own fixed seed plus `TEST_SEED_OFFSET` from the environment (default 0). Rerunning the
 * suite with other offsets checks that no Monte Carlo test passes only by the luck of one seed.
 */
export function testSeed(seed: number): number {
  const offset = Number(process.env.TEST_SEED_OFFSET ?? 0);
  if (!Number.isInteger(offset)) throw new Error(`TEST_SEED_OFFSET must be an integer; received ${process.env.TEST_SEED_OFFSET}`);
  return seed + offset;
}

/**
 * The spacing of doubles at x (one ulp): 2^(e−52) for 2^e ≤ |x| < 2^(e+1), the smallest subnormal 2^−1074 below
 * 2^−1022. n correctly rounded operations move a result by at most about n ulps (each ≤ ½ ulp of its own result,
 * and a relative error 2^−53 is at most 1 ulp), so a bound in ulps is a count of roundings times a condition number.
 */
export function ulp(x: number): number {
  if (!Number.isFinite(x)) throw new Error(`ulp: ${x} has no ulp`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const biasedExponent = view.getUint16(0) >> 4;
  return biasedExponent === 0 ? 2 ** -1074 : 2 ** (biasedExponent - 1075);
}

/**
 * An exact value as two doubles, hi + lo (hi the double nearest it, lo the rest), or ±∞ as `null` with its sign
 * in the string: the form of test/reference/*.json, so errors are measured exactly rather than to ±½ ulp.
 */
export type ReferenceValue = readonly [hi: number | null, lo: number | null, digits: string];

/** |actual − exact| in ulps of the exact value (the difference `actual − hi` is exact by Sterbenz when close). */
export function ulpsError(actual: number, ref: ReferenceValue): number {
  const [hi, lo, digits] = ref;
  if (hi === null || lo === null) return actual === (digits.startsWith('-') ? -Infinity : Infinity) ? 0 : Infinity;
  if (!Number.isFinite(actual)) return Infinity;
  return Math.abs(actual - hi - lo) / ulp(hi);
}

/**
 * Throws unless `actual` is within `n` ulps of the exact value `ref`. Say in the test why n: the number of
 * roundings between the inputs and the result, times the condition number where cancellation amplifies them.
 * @param label - what is compared (printed on failure, with the error in ulps and the 40-digit reference)
 */
export function expectUlps(actual: number, ref: ReferenceValue, n: number, label = 'value'): void {
  const err = ulpsError(actual, ref);
  if (!(err <= n)) throw new Error(`${label}: got ${actual}, exact ${ref[2]}: ${err.toPrecision(3)} ulps > ${n}`);
}
