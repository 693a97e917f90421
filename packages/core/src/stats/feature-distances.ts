/**
 * Distances between two sets of feature vectors, the way generative models are compared: the Fréchet distance
 * between the Gaussians fitted to each set (FID when the features are a classifier's), and the kernel distance KID,
 * an unbiased MMD² with a cubic polynomial kernel. Everything is float64. Features are row-major: n rows of d values,
 * passed as one flat array with its row length d.
 */
import { assertCount, assertFiniteArray, assertFiniteResult, assertObject, DomainError } from '../util/validate.js';

/** An eigendecomposition A = V diag(λ) Vᵀ of a symmetric n×n matrix: `values` descending, `vectors` column j for λ_j (row-major n×n). */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

/** The largest matrix side the O(n³) routines accept (a 1024×1024 Jacobi sweep is about 10⁹ operations). */
export const MAX_MATRIX_SIDE = 1024;

/** A symmetric n×n matrix, flat row-major, finite; symmetric to 1e-9 of its largest entry (rounding in a product). */
function assertSymmetric(fn: string, arg: string, matrix: ArrayLike<number>, n: number): void {
  assertCount(fn, 'n', n, 1, MAX_MATRIX_SIDE);
  assertFiniteArray(fn, arg, matrix);
  if (matrix.length !== n * n) throw new DomainError(fn, arg, `${n}×${n} = ${n * n} values (row-major)`, `${matrix.length} values`);
  let scale = 0;
  for (let i = 0; i < matrix.length; i++) scale = Math.max(scale, Math.abs(matrix[i]!));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const gap = Math.abs(matrix[i * n + j]! - matrix[j * n + i]!);
      if (gap > 1e-9 * scale) throw new DomainError(fn, arg, 'a symmetric matrix (a_ij = a_ji to 1e-9 of its largest entry)', `a[${i}][${j}] − a[${j}][${i}] = ${gap}`);
    }
  }
}

/**
 * A14 — the eigendecomposition of a symmetric matrix by cyclic Jacobi rotations: each rotation zeroes one
 * off-diagonal pair, and sweeps repeat until the off-diagonal mass is below float64 rounding of the diagonal.
 * Slow (O(n³) per sweep, a few sweeps) but simple and accurate to a few ulps of the largest eigenvalue, which is
 * what the Fréchet distance's matrix square root needs at the classifier's 128 features.
 *
 * ```tex
 * A=V\Lambda V^\top,\qquad V^\top V=I,\qquad A'=J_{pq}^\top A\,J_{pq},\ \ \tan\phi=\frac{\operatorname{sgn}\theta}{|\theta|+\sqrt{\theta^2+1}},\ \ \theta=\frac{a_{qq}-a_{pp}}{2a_{pq}}
 * ```
 * Source: Jacobi 1846; Golub & Van Loan, Matrix Computations §8.5 (the cyclic Jacobi method).
 * @param matrix - n×n, symmetric, row-major
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  assertSymmetric('symmetricEigen', 'matrix', matrix, n);
  return jacobiEigen(matrix, n);
}

/** {@link symmetricEigen} on a checked matrix. Works on A / max|a_ij| (so ‖A‖_F² cannot overflow) and scales back. */
function jacobiEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(matrix[i]!));
  const a = new Float64Array(n * n);
  if (scale > 0) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (matrix[i * n + j]! / scale + matrix[j * n + i]! / scale);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    // Converged when what is left off the diagonal is below rounding of the whole matrix (‖A‖_F² · ε²).
    if (off <= total * 1e-32) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        // The smaller root of t² + 2θt − 1 = 0 (|φ| ≤ π/4: the rotation that converges); for huge θ, t ≈ 1/(2θ).
        const t = Number.isFinite(theta * theta) ? Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1)) : 1 / (2 * theta);
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]! * scale);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/**
 * Eigenvalues below −1e-9·λ_max mark a matrix that is not positive semi-definite; smaller negative ones are
 * rounding (a covariance of fewer rows than columns is singular) and count as 0.
 */
function clampedEigenvalues(fn: string, arg: string, values: Float64Array): Float64Array {
  const top = Math.max(0, ...values);
  return values.map((l) => {
    if (l < -1e-9 * top) throw new DomainError(fn, arg, 'a positive semi-definite matrix (no eigenvalue below −1e-9·λ_max)', `eigenvalue ${l}`);
    return Math.max(l, 0);
  });
}

/**
 * A14 — the principal square root of a symmetric positive semi-definite matrix, V diag(√λ) Vᵀ from
 * {@link symmetricEigen}: the unique PSD S with S·S = A.
 *
 * ```tex
 * A^{1/2}=V\operatorname{diag}(\sqrt{\lambda_1},\dots,\sqrt{\lambda_n})V^\top
 * ```
 * Source: Higham, Functions of Matrices (2008) §6.1; scipy.linalg.sqrtm computes the same matrix by a Schur method.
 * @param matrix - n×n, symmetric PSD, row-major
 */
export function symmetricMatrixSqrt(matrix: ArrayLike<number>, n: number): Float64Array {
  assertSymmetric('symmetricMatrixSqrt', 'matrix', matrix, n);
  return psdSqrt('symmetricMatrixSqrt', 'matrix', matrix, n);
}

/** {@link symmetricMatrixSqrt} of a checked matrix; `fn` and `arg` name a matrix that is not PSD. */
function psdSqrt(fn: string, arg: string, matrix: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = jacobiEigen(matrix, n);
  const roots = clampedEigenvalues(fn, arg, values).map(Math.sqrt);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k]! * roots[k]! * vectors[j * n + k]!;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** The mean and covariance of a set of feature vectors (d values each), float64. */
export interface FeatureMoments {
  readonly dimension: number;
  readonly count: number;
  readonly mean: Float64Array;
  /** d×d, row-major, divided by n − 1 (numpy's `np.cov`, as pytorch-fid and TTUR compute it). */
  readonly covariance: Float64Array;
}

/** n ≥ 2 rows of d finite features, flat. */
function assertFeatures(fn: string, arg: string, features: ArrayLike<number>, d: number, minRows = 2): number {
  assertCount(fn, 'd', d, 1, MAX_MATRIX_SIDE);
  assertFiniteArray(fn, arg, features);
  if (features.length % d !== 0 || features.length / d < minRows) {
    throw new DomainError(fn, arg, `at least ${minRows} rows of d = ${d} features (a length that is a multiple of d)`, `${features.length} values`);
  }
  return features.length / d;
}

/**
 * A14 — the sample mean and covariance of feature vectors, the Gaussian the Fréchet distance fits to each set.
 * Two passes (the mean first, then centred products), so large means do not cancel the covariance's digits.
 *
 * ```tex
 * \mu=\frac1n\sum_i f_i,\qquad \Sigma=\frac1{n-1}\sum_i (f_i-\mu)(f_i-\mu)^\top
 * ```
 * Source: Heusel et al. 2017 (TTUR) §3 and their code (`np.mean`, `np.cov(rowvar=False)`).
 * @param features - n ≥ 2 rows of d values, flat row-major
 */
export function featureMoments(features: ArrayLike<number>, d: number): FeatureMoments {
  const n = assertFeatures('featureMoments', 'features', features, d);
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j]! += features[i * d + j]!;
  for (let j = 0; j < d; j++) mu[j]! /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = features[i * d + j]! - mu[j]!;
    for (let j = 0; j < d; j++) {
      const rj = row[j]!;
      if (rj === 0) continue;
      for (let k = j; k < d; k++) cov[j * d + k]! += rj * row[k]!;
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      cov[j * d + k]! /= n - 1;
      cov[k * d + j] = cov[j * d + k]!;
    }
  }
  if (!mu.every(Number.isFinite) || !cov.every(Number.isFinite)) throw new DomainError('featureMoments', 'features', 'values whose mean and covariance are finite in float64', 'an overflow');
  return { dimension: d, count: n, mean: mu, covariance: cov };
}

function assertMoments(fn: string, arg: string, m: FeatureMoments): void {
  assertObject(fn, arg, m);
  assertCount(fn, `${arg}.dimension`, m.dimension, 1, MAX_MATRIX_SIDE);
  const d = m.dimension;
  if (!(m.mean instanceof Float64Array) || m.mean.length !== d) throw new DomainError(fn, `${arg}.mean`, `a Float64Array of ${d} values`, m.mean);
  assertFiniteArray(fn, `${arg}.mean`, m.mean);
  if (!(m.covariance instanceof Float64Array) || m.covariance.length !== d * d) throw new DomainError(fn, `${arg}.covariance`, `a Float64Array of ${d}×${d} values`, m.covariance);
  assertSymmetric(fn, `${arg}.covariance`, m.covariance, d);
}

/**
 * A14 — the Fréchet (2-Wasserstein) distance between the Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂): FID when they are fitted
 * to a classifier's features of samples and of real images. The trace of the geometric-mean term is taken as
 * Σ √λ_i of the symmetric PSD matrix Σ₁^{1/2} Σ₂ Σ₁^{1/2}, which has the eigenvalues of Σ₁Σ₂ (so no non-symmetric
 * square root is needed, and the result is real). Biased upwards at finite n (Bińkowski et al. 2018): compare
 * figures only at equal n, beside the real-versus-real floor.
 *
 * ```tex
 * d_F^2=\|\mu_1-\mu_2\|^2+\operatorname{tr}\Sigma_1+\operatorname{tr}\Sigma_2-2\operatorname{tr}\big(\Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2}\big)^{1/2}
 * ```
 * Source: Dowson & Landau 1982; Heusel et al. 2017 (TTUR, the FID) Eq. 6.
 */
export function frechetDistance(a: FeatureMoments, b: FeatureMoments): number {
  const fn = 'frechetDistance';
  assertMoments(fn, 'a', a);
  assertMoments(fn, 'b', b);
  if (a.dimension !== b.dimension) throw new DomainError(fn, 'b', `moments of the same dimension as a (${a.dimension})`, b.dimension);
  const d = a.dimension;
  let meanGap = 0;
  let traces = 0;
  for (let j = 0; j < d; j++) {
    meanGap += (a.mean[j]! - b.mean[j]!) ** 2;
    traces += a.covariance[j * d + j]! + b.covariance[j * d + j]!;
  }
  const s = psdSqrt(fn, 'a.covariance', a.covariance, d);
  // M = S Σ₂ S, symmetric up to rounding: formed as (S Σ₂) S and symmetrised.
  const sb = matMul(s, b.covariance, d);
  const m = matMul(sb, s, d);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const avg = 0.5 * (m[i * d + j]! + m[j * d + i]!);
      m[i * d + j] = avg;
      m[j * d + i] = avg;
    }
  }
  if (!m.every(Number.isFinite) || !Number.isFinite(meanGap + traces)) throw new DomainError(fn, 'a, b', 'moments whose products and traces are finite in float64', 'an overflow');
  const roots = clampedEigenvalues(fn, 'b.covariance', jacobiEigen(m, d).values);
  let traceSqrt = 0;
  for (const l of roots) traceSqrt += Math.sqrt(l);
  // Rounding can leave a distance of two equal Gaussians a few ulps below zero.
  return Math.max(0, meanGap + traces - 2 * traceSqrt);
}

function matMul(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const xik = x[i * n + k]!;
      if (xik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += xik * y[k * n + j]!;
    }
  }
  return out;
}

/**
 * A14 — {@link frechetDistance} between two sets of feature vectors (each n ≥ 2 rows of d values), through
 * {@link featureMoments}.
 */
export function frechetDistanceOfFeatures(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  const fn = 'frechetDistanceOfFeatures';
  assertFeatures(fn, 'x', x, d);
  assertFeatures(fn, 'y', y, d);
  const restate = (arg: string, f: () => FeatureMoments | number) => {
    try {
      return f();
    } catch (e) {
      if (e instanceof DomainError) throw new DomainError(fn, arg, e.allowed, e.received);
      throw e;
    }
  };
  const [a, b] = [restate('x', () => featureMoments(x, d)) as FeatureMoments, restate('y', () => featureMoments(y, d)) as FeatureMoments];
  return restate('x, y', () => frechetDistance(a, b)) as number;
}

/** k(x, y) = (x·y/d + 1)³ between row i of `a` and row j of `b`. */
function cubicKernel(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let dot = 0;
  for (let k = 0; k < d; k++) dot += a[i * d + k]! * b[j * d + k]!;
  return (dot / d + 1) ** 3;
}

/**
 * A15 — the unbiased estimate of the squared maximum mean discrepancy between the distributions of two sets of
 * feature vectors, with the cubic polynomial kernel k(x, y) = (x·y/d + 1)³ of KID. The within-set sums leave out
 * i = j (that is what makes it unbiased: MMD²_u has mean exactly MMD², zero for equal distributions, and can be
 * negative).
 *
 * ```tex
 * \widehat{\mathrm{MMD}}^2_u=\frac{1}{m(m-1)}\sum_{i\ne j}k(x_i,x_j)+\frac{1}{n(n-1)}\sum_{i\ne j}k(y_i,y_j)-\frac{2}{mn}\sum_{i,j}k(x_i,y_j),
 * \qquad k(x,y)=\Big(\frac{x^\top y}{d}+1\Big)^3
 * ```
 * Source: Gretton et al. 2012 (Lemma 6, MMD²_u); Bińkowski et al. 2018 (Demystifying MMD GANs) §5, the KID kernel.
 * @param x - m ≥ 2 rows of d features, flat; @param y - n ≥ 2 rows of d features, flat
 */
export function unbiasedMmd2(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  const m = assertFeatures('unbiasedMmd2', 'x', x, d);
  const n = assertFeatures('unbiasedMmd2', 'y', y, d);
  return assertFiniteResult('unbiasedMmd2', 'x, y', mmd2Rows(x, 0, m, y, 0, n, d), 'MMD² (the cubic kernel overflows for features beyond ~1e100)');
}

/** MMD²_u of rows [xs, xs + m) of x against rows [ys, ys + n) of y. */
function mmd2Rows(x: ArrayLike<number>, xs: number, m: number, y: ArrayLike<number>, ys: number, n: number, d: number): number {
  let kxx = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) kxx += cubicKernel(x, xs + i, x, xs + j, d);
  let kyy = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) kyy += cubicKernel(y, ys + i, y, ys + j, d);
  let kxy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) kxy += cubicKernel(x, xs + i, y, ys + j, d);
  // Each unordered pair counted once above: Σ_{i≠j} = 2 Σ_{i<j}.
  return (2 * kxx) / (m * (m - 1)) + (2 * kyy) / (n * (n - 1)) - (2 * kxy) / (m * n);
}

/** KID: the mean of the blocks' MMD²_u with its standard error over the blocks, and each block's value. */
export interface KernelDistance {
  readonly value: number;
  readonly standardError: number;
  /** Number of blocks (the standard error is over these). */
  readonly n: number;
  readonly blocks: Float64Array;
}

/**
 * A15 — the kernel distance KID with its standard error by blocks: both sets are cut into `blocks` disjoint
 * consecutive blocks (sizes ⌊m/B⌋ and ⌊n/B⌋, the remainders left out), MMD²_u ({@link unbiasedMmd2}) is computed
 * between block b of x and block b of y, and KID is the mean of the B values with standard error sd/√B. Blocks as in
 * Bińkowski et al.'s code (which averages over subsets); disjoint here, so the B values are independent and the
 * standard error is honest. Each block's estimate is unbiased, so is their mean. Rows are taken as independent
 * draws in their given order: shuffle a set that is sorted (e.g. by label) first.
 *
 * ```tex
 * \mathrm{KID}=\frac1B\sum_{b=1}^{B}\widehat{\mathrm{MMD}}^2_u\big(X^{(b)},Y^{(b)}\big),\qquad \mathrm{SE}=\frac{\operatorname{sd}_b}{\sqrt B}
 * ```
 * Source: Bińkowski et al. 2018 §5 and Appendix (KID, its block/subset estimate).
 * @param blocks - B ≥ 2 (default 10); each block needs at least 2 rows of each set
 */
export function kernelDistance(x: ArrayLike<number>, y: ArrayLike<number>, d: number, blocks = 10): KernelDistance {
  const fn = 'kernelDistance';
  const m = assertFeatures(fn, 'x', x, d);
  const n = assertFeatures(fn, 'y', y, d);
  assertCount(fn, 'blocks', blocks, 2, Math.floor(Math.min(m, n) / 2));
  const bm = Math.floor(m / blocks);
  const bn = Math.floor(n / blocks);
  const values = Float64Array.from({ length: blocks }, (_, b) => mmd2Rows(x, b * bm, bm, y, b * bn, bn, d));
  values.forEach((v) => assertFiniteResult(fn, 'x, y', v, 'MMD² of a block (the cubic kernel overflows for features beyond ~1e100)'));
  const value = assertFiniteResult(fn, 'x, y', values.reduce((a, v) => a + v / blocks, 0), 'KID');
  const spread = values.reduce((a, v) => a + ((v - value) / blocks) * ((v - value) / (blocks - 1)), 0); // (Σ(v − v̄)²/(B − 1))/B, scaled to stay finite
  return { value, standardError: assertFiniteResult(fn, 'x, y', Math.sqrt(spread), 'standard error'), n: blocks, blocks: values };
}
