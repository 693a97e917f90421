/**
 * Two-sample tests: do two sets of draws come from the same distribution?
 * Used to check the closed-form forward process against the iterated chain, and samplers against their data.
 */
import { assertRng, type Rng } from '../random/rng.js';
import { assertCount, assertFiniteArray, assertFiniteResult, assertInInterval, DomainError } from '../util/validate.js';

export interface TwoSampleResult {
  /** The test statistic (KS: sup |F_a − F_b|; energy: the energy distance). */
  readonly statistic: number;
  /** P(statistic at least this large | both samples from one distribution). */
  readonly pValue: number;
}

/**
 * Kolmogorov's limiting distribution: P(K > λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}.
 */
export function kolmogorovSurvival(lambda: number): number {
  assertInInterval('kolmogorovSurvival', 'lambda', lambda, 0, Infinity, { hi: true });
  if (lambda < 0.2) return 1; // the series converges slowly there and the value is 1 to 1e-9
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(Math.max(2 * sum, 0), 1);
}

/**
 * Two-sample Kolmogorov–Smirnov test with the asymptotic p-value (Stephens' small-sample correction
 * λ = (√n_e + 0.12 + 0.11/√n_e)·D, n_e = n_a n_b/(n_a + n_b)).
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): TwoSampleResult {
  assertFiniteArray('ksTwoSample', 'a', a);
  assertFiniteArray('ksTwoSample', 'b', b);
  const xs = Float64Array.from(a).sort();
  const ys = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < xs.length && j < ys.length) {
    const v = Math.min(xs[i]!, ys[j]!);
    while (i < xs.length && xs[i]! <= v) i++;
    while (j < ys.length && ys[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / xs.length - j / ys.length));
  }
  const ne = (xs.length * ys.length) / (xs.length + ys.length);
  const sq = Math.sqrt(ne);
  return { statistic: d, pValue: kolmogorovSurvival((sq + 0.12 + 0.11 / sq) * d) };
}

function meanPairDistance(p: Float64Array, ia: Int32Array, ib: Int32Array, dim: number): number {
  let s = 0;
  for (const i of ia) {
    for (const j of ib) {
      let d2 = 0;
      for (let k = 0; k < dim; k++) d2 += (p[i * dim + k]! - p[j * dim + k]!) ** 2;
      s += Math.sqrt(d2);
    }
  }
  return s / (ia.length * ib.length);
}

/**
 * Energy distance E = 2E|X−Y| − E|X−X'| − E|Y−Y'| between two samples of points in R^dim (row-major, flat),
 * with a permutation p-value from `permutations` random relabellings (Székely & Rizzo 2004).
 * Zero exactly when the distributions agree; the permutation test is exact in level for any dim.
 * Cost is O((n_a + n_b)² · permutations): keep samples at a few hundred points.
 */
export function energyTwoSample(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dim: number,
  rng: Rng,
  permutations = 200,
): TwoSampleResult {
  assertCount('energyTwoSample', 'dim', dim, 1);
  // Each permutation costs O((n_a + n_b)^2) distances: bound their product so a call finishes.
  assertCount('energyTwoSample', 'permutations', permutations, 1, 1e6);
  assertRng('energyTwoSample', 'rng', rng);
  assertFiniteArray('energyTwoSample', 'a', a);
  assertFiniteArray('energyTwoSample', 'b', b);
  if (a.length % dim || b.length % dim) {
    throw new DomainError('energyTwoSample', 'a/b', `flat arrays whose lengths are multiples of dim = ${dim}`, `${a.length}, ${b.length}`);
  }
  const na = a.length / dim;
  const nb = b.length / dim;
  if ((permutations + 1) * (na + nb) ** 2 > 1e10) {
    throw new DomainError('energyTwoSample', 'permutations', `at most ${Math.floor(1e10 / (na + nb) ** 2) - 1} for ${na + nb} points (10^10 distances)`, permutations);
  }
  const pooled = new Float64Array(a.length + b.length);
  pooled.set(Array.from(a), 0);
  pooled.set(Array.from(b), a.length);
  const idx = Int32Array.from({ length: na + nb }, (_, i) => i);
  const energy = (order: Int32Array) => {
    const ia = order.subarray(0, na);
    const ib = order.subarray(na);
    return 2 * meanPairDistance(pooled, ia, ib, dim) - meanPairDistance(pooled, ia, ia, dim) - meanPairDistance(pooled, ib, ib, dim);
  };
  const observed = assertFiniteResult('energyTwoSample', 'a/b', energy(idx), 'energy distance');
  let atLeast = 0;
  const perm = idx.slice();
  for (let r = 0; r < permutations; r++) {
    for (let i = perm.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      const tmp = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = tmp;
    }
    if (energy(perm) >= observed) atLeast++;
  }
  return { statistic: observed, pValue: (atLeast + 1) / (permutations + 1) };
}
