import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../random/rng.js';
import { assertAllClose, assertClose, testSeed } from '../testing/expect-close.js';
import { mean, standardError } from './descriptive.js';
import { featureMoments, frechetDistance, frechetDistanceOfFeatures, kernelDistance, symmetricEigen, symmetricMatrixSqrt, unbiasedMmd2, type FeatureMoments } from './feature-distances.js';

/** A random orthogonal n×n matrix (Gram–Schmidt of normals), row-major. */
function orthogonal(n: number, rng: Rng): Float64Array {
  const q = rng.normals(n * n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i * n + j]! * q[i * n + k]!;
      for (let i = 0; i < n; i++) q[i * n + j]! -= dot * q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j]! ** 2;
    for (let i = 0; i < n; i++) q[i * n + j]! /= Math.sqrt(norm);
  }
  return q;
}

/** Q diag(λ) Qᵀ. */
function fromEigen(q: Float64Array, values: readonly number[]): Float64Array {
  const n = values.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j]! += q[i * n + k]! * values[k]! * q[j * n + k]!;
  return out;
}

function matMul(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j]! += a[i * n + k]! * b[k * n + j]!;
  return out;
}

const moments = (mu: number[], cov: number[]): FeatureMoments => ({ dimension: mu.length, count: 2, mean: Float64Array.from(mu), covariance: Float64Array.from(cov) });

describe('A14 eigendecomposition and matrix square root', () => {
  it('A14 symmetricEigen: [[2, 1], [1, 2]] has eigenvalues 3 and 1 with vectors (1, ±1)/√2', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    assertAllClose(values, [3, 1], { abs: 9e-16 }, 'values'); // one rotation: a few roundings, 2 ulps of 3
    // Column 0 is ±(1, 1)/√2, column 1 ±(1, −1)/√2.
    assertClose(Math.abs(vectors[0]! * vectors[2]!), 0.5, { abs: 4e-16 }, 'v0 · v0 components');
    expect(Math.sign(vectors[0]!)).toBe(Math.sign(vectors[2]!));
    expect(Math.sign(vectors[1]!)).toBe(-Math.sign(vectors[3]!));
  });

  it('A14 symmetricEigen recovers known eigenvalues of Q diag(λ) Qᵀ at n = 40, with V orthogonal and V Λ Vᵀ = A', () => {
    const n = 40;
    const lambdas = Array.from({ length: n }, (_, i) => 10 - 0.25 * i); // 10 .. 0.25, distinct
    const a = fromEigen(orthogonal(n, createRng(testSeed(1))), lambdas);
    const { values, vectors } = symmetricEigen(a, n);
    // Jacobi's accuracy: a small multiple of ε·‖A‖ (‖A‖ = 10); 1e-13 is ~450 ε·‖A‖.
    assertAllClose(values, lambdas, { abs: 1e-13 }, 'eigenvalues');
    const vtv = matMul(Float64Array.from({ length: n * n }, (_, k) => vectors[(k % n) * n + Math.floor(k / n)]!), vectors, n);
    assertAllClose(vtv, fromEigen(Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)), Array(n).fill(1)), { abs: 1e-13 }, 'VᵀV = I');
    assertAllClose(fromEigen(vectors, Array.from(values)), a, { abs: 1e-13 }, 'V Λ Vᵀ');
  });

  it('A14 symmetricMatrixSqrt of a diagonal matrix is the elementwise root; of Q diag(λ) Qᵀ it is Q diag(√λ) Qᵀ', () => {
    assertAllClose(symmetricMatrixSqrt([4, 0, 0, 0, 9, 0, 0, 0, 0.25], 3), [2, 0, 0, 0, 3, 0, 0, 0, 0.5], { abs: 4e-16 }, 'diag');
    const q = orthogonal(6, createRng(testSeed(2)));
    const lambdas = [5, 3, 2, 1, 0.5, 0];
    assertAllClose(symmetricMatrixSqrt(fromEigen(q, lambdas), 6), fromEigen(q, lambdas.map(Math.sqrt)), { abs: 1e-8 }, 'Q √Λ Qᵀ'); // the zero eigenvalue: √(1e-16) = 1e-8 of rounding
  });

  it('A14 symmetricMatrixSqrt of a 2×2 matrix matches the closed form (M + √det M · I)/√(tr M + 2√det M)', () => {
    const m = [5, 2, 2, 3];
    const sd = Math.sqrt(5 * 3 - 4);
    const k = Math.sqrt(5 + 3 + 2 * sd);
    assertAllClose(symmetricMatrixSqrt(m, 2), [(5 + sd) / k, 2 / k, 2 / k, (3 + sd) / k], { rel: 1e-15, abs: 1e-15 }, '√M');
  });

  it('A14 symmetricMatrixSqrt refuses a matrix that is not symmetric or not positive semi-definite, by name', () => {
    expect(() => symmetricMatrixSqrt([1, 2, 0, 1], 2)).toThrow("symmetricMatrixSqrt: argument 'matrix' must be a symmetric matrix");
    expect(() => symmetricMatrixSqrt([1, 0, 0, -1], 2)).toThrow("symmetricMatrixSqrt: argument 'matrix' must be a positive semi-definite matrix");
    expect(() => symmetricMatrixSqrt([1, 0, 0], 2)).toThrow("symmetricMatrixSqrt: argument 'matrix' must be 2×2 = 4 values");
  });
});

describe('A14 the Fréchet distance', () => {
  it('A14 frechetDistance in one dimension is (μ₁ − μ₂)² + (σ₁ − σ₂)²', () => {
    assertClose(frechetDistance(moments([1], [4]), moments([-2], [9])), 9 + 1, { rel: 1e-15 }, 'd_F²');
    expect(frechetDistance(moments([3], [2]), moments([3], [2]))).toBe(0);
  });

  it('A14 frechetDistance of diagonal and of commuting covariances is ‖Δμ‖² + Σ(√a_i − √b_i)²', () => {
    const a = [4, 1, 0.25];
    const b = [1, 1, 4];
    const expected = 1 + 4 + 0 + (2 - 1) ** 2 + 0 + (0.5 - 2) ** 2;
    const diag = (v: number[]) => v.flatMap((x, i) => v.map((_, j) => (i === j ? x : 0)));
    assertClose(frechetDistance(moments([1, 0, 2], diag(a)), moments([0, 2, 2], diag(b))), expected, { rel: 1e-14 }, 'diagonal');
    // The same eigenvalues in a common rotated basis: Σ₁ and Σ₂ commute, the distance only sees the rotation in μ.
    const q = orthogonal(3, createRng(testSeed(3)));
    const rotate = (v: number[]) => Array.from({ length: 3 }, (_, i) => v.reduce((s, x, k) => s + q[i * 3 + k]! * x, 0));
    const got = frechetDistance(moments(rotate([1, 0, 2]), Array.from(fromEigen(q, a))), moments(rotate([0, 2, 2]), Array.from(fromEigen(q, b))));
    assertClose(got, expected, { rel: 1e-13 }, 'commuting');
  });

  it('A14 frechetDistance of two non-commuting 2×2 covariances: the trace term is √(tr Σ₁Σ₂ + 2√det Σ₁Σ₂); the product of roots fails', () => {
    const s1 = [2, 1, 1, 1];
    const s2 = [1, 0, 0, 3];
    // tr √(Σ₁Σ₂): the eigenvalues of Σ₁Σ₂ are those of the PSD Σ₁^{1/2}Σ₂Σ₁^{1/2}, so (Σ√λ)² = tr + 2√det.
    const p = matMul(s1, s2, 2);
    const traceSqrt = Math.sqrt(p[0]! + p[3]! + 2 * Math.sqrt(p[0]! * p[3]! - p[1]! * p[2]!));
    const expected = 3 + 4 - 2 * traceSqrt;
    const got = frechetDistance(moments([0, 0], s1), moments([0, 0], s2));
    assertClose(got, expected, { rel: 1e-14 }, 'd_F²');
    // The wrong form tr(Σ₁^{1/2} Σ₂^{1/2}) (right only when they commute) misses by more than 100× the tolerance.
    const wrong = 3 + 4 - 2 * [0, 3].reduce((s, i) => s + matMul(symmetricMatrixSqrt(s1, 2), symmetricMatrixSqrt(s2, 2), 2)[i]!, 0);
    expect(Math.abs(wrong - expected)).toBeGreaterThan(1e-12 * 100 * expected);
  });

  it('A14 featureMoments is the mean and the (n − 1) covariance, by hand; refuses a ragged set', () => {
    // Rows (1, 2), (3, 2), (5, 8): mean (3, 4); deviations (−2, −2), (0, −2), (2, 4).
    const m = featureMoments([1, 2, 3, 2, 5, 8], 2);
    assertAllClose(m.mean, [3, 4], { abs: 0 }, 'mean');
    assertAllClose(m.covariance, [8 / 2, 12 / 2, 12 / 2, 24 / 2], { rel: 1e-15 }, 'covariance');
    expect(() => featureMoments([1, 2, 3], 2)).toThrow("featureMoments: argument 'features' must be at least 2 rows of d = 2 features");
  });
});

describe('A15 the kernel distance (KID)', () => {
  it('A15 unbiasedMmd2 by hand: X = {0, 1}, Y = {1, 2} in one dimension gives 1 + 27 − 2·37/4 = 9.5', () => {
    // k(x, y) = (xy + 1)³: k(0,1) = 1; k(1,2) = 27; cross terms k(0,1), k(0,2), k(1,1), k(1,2) = 1, 1, 8, 27.
    expect(unbiasedMmd2([0, 1], [1, 2], 1)).toBe(9.5);
    // d = 2 divides x·y by 2: X = {(1,1), (0,0)}, Y = {(1,0), (0,1)}: k_xx = 1, k_yy = 1, cross (1.5³·2 + 1 + 1)/4.
    assertClose(unbiasedMmd2([1, 1, 0, 0], [1, 0, 0, 1], 2), 1 + 1 - (2 * (2 * 1.5 ** 3 + 2)) / 4, { rel: 1e-15 }, 'd = 2');
  });

  it('A15 kernelDistance of equal distributions is 0 within 6 SE; the biased form (i = j kept) is not', () => {
    const rng = createRng(testSeed(4));
    const d = 4;
    const [m, blocks] = [4000, 40];
    const x = rng.normals(m * d);
    const y = rng.normals(m * d);
    const kid = kernelDistance(x, y, d, blocks);
    expect(kid.n).toBe(blocks);
    expect(Math.abs(kid.value)).toBeLessThan(6 * kid.standardError);
    assertClose(kid.value, mean(kid.blocks), { rel: 1e-12 }, 'KID = mean of blocks');
    assertClose(kid.standardError, standardError(kid.blocks), { rel: 1e-12 }, 'SE = sd/√B');
    // Block b is rows [100b, 100b + 100) of each set: check one block against unbiasedMmd2 directly.
    expect(kid.blocks[3]).toBe(unbiasedMmd2(x.subarray(300 * d, 400 * d), y.subarray(300 * d, 400 * d), d));
    // The V-statistic (diagonal kept) adds (E k(x, x) − E k(x, x'))(1/m + 1/n) > 0: it fails the same check.
    const kernelMean = (u: Float64Array, v: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 100; i++) for (let j = 0; j < 100; j++) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += u[i * d + k]! * v[j * d + k]!;
        s += (dot / d + 1) ** 3;
      }
      return s / 1e4;
    };
    const biased = Array.from({ length: blocks }, (_, b) => {
      const [bx, by] = [x.subarray(b * 100 * d, (b + 1) * 100 * d), y.subarray(b * 100 * d, (b + 1) * 100 * d)];
      return kernelMean(bx, bx) + kernelMean(by, by) - 2 * kernelMean(bx, by);
    });
    expect(mean(biased)).toBeGreaterThan(6 * standardError(biased));
  });

  it('A15 kernelDistance of N(μ₁, 1) against N(μ₂, 2) in one dimension matches the population MMD² from moments, within 6 SE', () => {
    // For independent x, y: E(xy + 1)³ = E x³ E y³ + 3 E x² E y² + 3 E x E y + 1; N(μ, s²) has E x = μ, E x² = μ² + s², E x³ = μ³ + 3μs².
    const mom = (mu: number, s2: number) => [mu, mu * mu + s2, mu ** 3 + 3 * mu * s2] as const;
    const K = (a: readonly number[], b: readonly number[]) => a[2]! * b[2]! + 3 * a[1]! * b[1]! + 3 * a[0]! * b[0]! + 1;
    const [a, b] = [mom(0.3, 1), mom(-0.2, 2)];
    const population = K(a, a) + K(b, b) - 2 * K(a, b);
    const rng = createRng(testSeed(5));
    const n = 6000;
    const x = rng.normals(n).map((z) => 0.3 + z);
    const y = rng.normals(n).map((z) => -0.2 + Math.SQRT2 * z);
    const kid = kernelDistance(x, y, 1, 30);
    expect(Math.abs(kid.value - population)).toBeLessThan(6 * kid.standardError);
    expect(kid.value).toBeGreaterThan(6 * kid.standardError); // and the difference is seen
  });

  it('A15 kernelDistance refuses too few rows per block, by name', () => {
    expect(() => kernelDistance([0, 1, 2], [0, 1, 2], 1, 2)).toThrow("kernelDistance: argument 'blocks' must be");
    expect(() => unbiasedMmd2([1], [1, 2], 1)).toThrow("unbiasedMmd2: argument 'x' must be at least 2 rows of d = 1 features");
  });
});

describe('A14 A15 against scipy and numpy (test/reference/feature-distances.json)', () => {
  const ref = JSON.parse(readFileSync(new URL('../../test/reference/feature-distances.json', import.meta.url), 'utf8')) as {
    sqrtm: Array<{ n: number; rank: number; matrix: number[]; sqrt: number[] }>;
    features: Array<{ d: number; x: number[]; y: number[]; fid: number; mmd2u: number }>;
  };

  it('A14 symmetricMatrixSqrt matches scipy.linalg.sqrtm on random PSD matrices (n = 2..16, one of rank 3 in 6)', () => {
    for (const c of ref.sqrtm) {
      // Full rank: both methods are backward stable, ~1e-14 of the entries (order 1). Rank-deficient: the root of a
      // rounding-level eigenvalue ε·‖A‖ is √ε ≈ 1e-8, in either method.
      const tol = c.rank === c.n ? 1e-12 : 1e-7;
      assertAllClose(symmetricMatrixSqrt(c.matrix, c.n), c.sqrt, { abs: tol }, `sqrtm n = ${c.n}, rank ${c.rank}`);
    }
  });

  it('A14 frechetDistanceOfFeatures and A15 unbiasedMmd2 match pytorch-fid\'s formula (scipy) and numpy\'s MMD²_u', () => {
    for (const c of ref.features) {
      assertClose(frechetDistanceOfFeatures(c.x, c.y, c.d), c.fid, { rel: 1e-11, abs: 1e-12 }, `FID d = ${c.d}`);
      assertClose(unbiasedMmd2(c.x, c.y, c.d), c.mmd2u, { rel: 1e-12, abs: 1e-12 }, `MMD²_u d = ${c.d}`);
    }
  });
});
