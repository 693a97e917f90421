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
