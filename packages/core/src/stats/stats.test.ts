import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { assertAllClose, assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { column, mean, standardError, variance, varianceStandardError } from './descriptive.js';
import { energyTwoSample, kolmogorovSurvival, ksTwoSample } from './two-sample.js';

describe('descriptive statistics', () => {
  // xs = 1..5 by hand: mean 3, deviations −2..2, Σd² = 10, Σd⁴ = 34.
  const xs = [1, 2, 3, 4, 5];

  it('mean, unbiased variance and standard error of 1..5', () => {
    expect(mean(xs)).toBe(3);
    expect(variance(xs)).toBe(10 / 4); // divides by n − 1, not n + 1
    assertClose(standardError(xs), Math.sqrt(2.5 / 5), { rel: 2 * EPS }, 'standardError'); // two roundings
    expect(variance([1, 2])).toBe(0.5); // two values are enough
  });

  it('variance standard error from the fourth central moment, by hand', () => {
    // m2 = 10/5 = 2, m4 = 34/5 = 6.8, n = 5: √((6.8 − 4·2/4)/5) = √0.96.
    assertClose(varianceStandardError(xs), Math.sqrt(0.96), { rel: 8 * EPS }, 'varianceStandardError'); // ~8 roundings
    // A second sample with a non-integer mean: xs = [0, 0, 0, 4], mean 1, d = −1,−1,−1,3:
    // m2 = 12/4 = 3, m4 = 84/4 = 21, n = 4: √((21 − 9·1/3)/4) = √4.5.
    assertClose(varianceStandardError([0, 0, 0, 4]), Math.sqrt(4.5), { rel: 8 * EPS }, 'varianceStandardError');
  });

  it('refuses fewer than two values, by name', () => {
    expect(() => variance([1])).toThrow("variance: argument 'xs' must be at least 2 values; received length 1");
    expect(() => standardError([4])).toThrow("standardError: argument 'xs' must be at least 2 values; received length 1");
    expect(() => varianceStandardError([7])).toThrow("varianceStandardError: argument 'xs' must be at least 2 values");
  });

  it('column j of a row-major matrix', () => {
    const flat = [1, 2, 3, 4, 5, 6]; // 2 rows × 3 columns
    assertAllClose(column(flat, 3, 0), [1, 4], {}, 'column 0');
    assertAllClose(column(flat, 3, 1), [2, 5], {}, 'column 1');
    assertAllClose(column(flat, 3, 2), [3, 6], {}, 'column 2');
    assertAllClose(column(flat, 1, 0), flat, {}, 'one column');
    expect(() => column([1, 2, 3, 4, 5], 2, 0)).toThrow("column: argument 'd' must be a divisor of the length of flat (5); received 2");
  });
});

describe('Kolmogorov–Smirnov', () => {
  it('kolmogorovSurvival matches scipy', () => {
    // Reference: Debian /usr/bin/python3, scipy 1.10.1, scipy.stats.kstwobign.sf(λ). The series is cut after a term
    // below 1e-16, so the absolute error is below ~1e-15: tolerance 1e-14 absolute, or 1e-12 relative in the tail
    // (p < 1e-3, where scipy's own relative accuracy is the bound).
    const reference: [number, number][] = [
      [0.2, 0.999999999999495],
      [0.3, 0.9999906941986655],
      [0.5, 0.9639452436648751],
      [1.0, 0.26999967167735456],
      [1.5, 0.022217962616525127],
      [2.5, 7.453306344157342e-6],
      [6.0, 1.0760372320042276e-31],
    ];
    for (const [lambda, p] of reference) {
      assertClose(kolmogorovSurvival(lambda), p, p < 1e-3 ? { rel: 1e-12 } : { abs: 1e-14 }, `Q(${lambda})`);
    }
    // Below 0.2 the value is 1 to 1e-9 (Q(0.2) = 1 − 5e-13); the truncated series would be far off at λ = 0.01.
    expect(kolmogorovSurvival(0.01)).toBe(1);
    expect(kolmogorovSurvival(0)).toBe(1);
  });

  it('kolmogorovSurvival refuses λ outside [0, ∞), by name', () => {
    expect(() => kolmogorovSurvival(-0.1)).toThrow("kolmogorovSurvival: argument 'lambda' must be a number in [0, Infinity); received -0.1");
    expect(() => kolmogorovSurvival(Infinity)).toThrow('a number in [0, Infinity)');
  });

  it('ksTwoSample statistic by hand, with and without ties', () => {
    // a = 1,2,3 and b = 2.5,4: ECDF gaps 1/3, 2/3, 1/6, 1/2 at 1, 2, 2.5, 3 → D = 2/3 (scipy ks_2samp agrees).
    expect(ksTwoSample([3, 1, 2], [4, 2.5]).statistic).toBeCloseTo(2 / 3, 15);
    // Ties: a = 1,2,2,3 and b = 2,2,4: gaps 1/4, |3/4 − 2/3|, |1 − 2/3| → D = 1/3 (scipy ks_2samp: 0.3333333333333333).
    expect(ksTwoSample([1, 2, 2, 3], [2, 2, 4]).statistic).toBeCloseTo(1 / 3, 15);
    expect(ksTwoSample([1, 2, 3], [1, 2, 3]).statistic).toBe(0);
  });

  it('ksTwoSample p-value is Stephens-corrected Kolmogorov, as scipy computes it', () => {
    // a = 0..19, b = 5.5..24.5: scipy ks_2samp D = 0.3; n_e = 10; p = kstwobign.sf((√10 + 0.12 + 0.11/√10)·0.3)
    // = 0.27526886726742134 (Debian python3, scipy 1.10.1). Tolerance 1e-13 relative: a few roundings of λ times Q's slope.
    const a = Array.from({ length: 20 }, (_, i) => i);
    const b = a.map((x) => x + 5.5);
    const r = ksTwoSample(a, b);
    assertClose(r.statistic, 0.3, { rel: 4 * EPS }, 'D');
    assertClose(r.pValue, 0.27526886726742134, { rel: 1e-13 }, 'p');
    // Unequal sizes: a against its first half has D = 1/2, n_e = n_a n_b/(n_a + n_b) = 20·10/30, so
    // p = kstwobign.sf((√n_e + 0.12 + 0.11/√n_e)·0.5) = 0.04627020517875167 (Debian python3, scipy 1.10.1).
    const half = a.slice(0, 10);
    assertClose(ksTwoSample(a, half).statistic, 0.5, { rel: 4 * EPS }, 'D, unequal sizes');
    assertClose(ksTwoSample(a, half).pValue, 0.04627020517875167, { rel: 1e-12 }, 'p, unequal sizes');
  });

  it('ksTwoSample p-values are roughly uniform under the null and small for a shift', () => {
    const rng = createRng(testSeed(801));
    const trials = 400;
    let below = 0;
    for (let t = 0; t < trials; t++) if (ksTwoSample(rng.normals(60), rng.normals(60)).pValue < 0.1) below++;
    // P(p < 0.1) ≈ 0.1 (the asymptotic p is close to level here); binomial SE √(0.09/400) = 0.015, 6 SE.
    expect(Math.abs(below / trials - 0.1)).toBeLessThan(6 * 0.015);
    // Power: a shift of one σ with 200 points each gives D ≈ 0.38, λ ≈ 3.8, p ~ 1e-12.
    const shifted = rng.normals(200).map((x) => x + 1);
    expect(ksTwoSample(rng.normals(200), shifted).pValue).toBeLessThan(1e-6);
  });
});

describe('energy two-sample test', () => {
  it('energy distance by hand in two dimensions', () => {
    // a = {(0,0), (3,4)}, b = {(3,0)}: E|X−Y| = (3 + 4)/2, E|X−X'| = (0 + 5 + 5 + 0)/4, E|Y−Y'| = 0 → 7 − 2.5 = 4.5.
    const r = energyTwoSample([0, 0, 3, 4], [3, 0], 2, createRng(testSeed(802)), 9);
    assertClose(r.statistic, 4.5, { rel: 4 * EPS }, 'energy');
    // Swapping the samples' roles does not change the distance.
    assertClose(energyTwoSample([3, 0], [0, 0, 3, 4], 2, createRng(testSeed(803)), 9).statistic, 4.5, { rel: 4 * EPS }, 'energy, swapped');
    // dim = 1, a = {0, 2}, b = {1, 5, 6}: E|X−Y| = (1+5+6+1+3+4)/6 = 20/6, E|X−X'| = 4/4, E|Y−Y'| = (4+5+1)·2/9 = 20/9.
    assertClose(energyTwoSample([0, 2], [1, 5, 6], 1, createRng(testSeed(804)), 9).statistic, 40 / 6 - 1 - 20 / 9, { rel: 16 * EPS }, 'energy, 1-D');
  });

  it('one point against one point: every relabelling is as extreme, so p = 1 exactly', () => {
    // The pooled pair relabelled is either (a, b) or (b, a), both with energy 2·|0 − 1| = 2 = observed.
    for (const permutations of [1, 19, 99]) {
      const r = energyTwoSample([0], [1], 1, createRng(testSeed(805)), permutations);
      expect(r.statistic).toBe(2);
      expect(r.pValue).toBe(1);
    }
  });

  it('p-values are roughly uniform under the null and small for a shift', () => {
    const rng = createRng(testSeed(806));
    const trials = 100;
    const permutations = 49;
    let sum = 0;
    for (let t = 0; t < trials; t++) {
      const p = energyTwoSample(rng.normals(30), rng.normals(30), 2, rng, permutations).pValue;
      // (atLeast + 1)/(permutations + 1) with atLeast in 0..permutations
      expect(Math.abs(p * (permutations + 1) - Math.round(p * (permutations + 1)))).toBeLessThan(1e-9);
      sum += p;
    }
    // Under the null p is uniform on {1/50, …, 1}: mean 0.51, SD ≈ 0.29, SE of the mean 0.029; 6 SE.
    expect(Math.abs(sum / trials - 0.51)).toBeLessThan(6 * 0.029);
    // Power: 15 points per sample in R², b shifted by 2 in both coordinates: no relabelling is as extreme.
    const a = rng.normals(30);
    const b = rng.normals(30).map((x) => x + 2);
    expect(energyTwoSample(a, b, 2, rng, permutations).pValue).toBe(1 / (permutations + 1));
  });

  it('refuses arrays that are not whole points, by name', () => {
    const rng = createRng(testSeed(807));
    const msg = "energyTwoSample: argument 'a/b' must be flat arrays whose lengths are multiples of dim = 2";
    expect(() => energyTwoSample([0, 0, 1], [0, 0], 2, rng)).toThrow(`${msg}; received 3, 2`);
    expect(() => energyTwoSample([0, 0], [0, 0, 1], 2, rng)).toThrow(`${msg}; received 2, 3`);
  });
});
