import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { ksTwoSample } from '../stats/two-sample.js';
import { mean, standardError, variance, varianceStandardError } from '../stats/descriptive.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { bayesPosterior, bayesRule } from './bayes.js';
import { diagonalGaussianLogPdf, gaussianLogPdf, gaussianPdf } from './gaussian.js';
import { affineGaussian, standardNormalCdf, sumOfIndependentGaussians } from './gaussian-algebra.js';
import { logNormalCdf, logNormalIntervalProbability, normalCdf, normalCdfTanh } from './normal-cdf.js';
import { klDiagonalGaussian, klDiagonalGaussianLogVar, klDiscrete, klGaussian, klMonteCarlo, klQuadrature } from './kl.js';
import {
  expectedLogLikelihoodDiscrete,
  gaussianAverageLogLikelihood,
  gaussianMaximumLikelihood,
  jensenGap,
  linearGaussianElbo,
  linearGaussianLogEvidence,
  linearGaussianPosterior,
} from './likelihood.js';
import { drawComponent, mixtureLogPdf, mixturePdf, sampleMixture } from './mixture.js';

/** Monte Carlo tolerance: 6 standard errors. */
const K = 6;

/** ∫ f on [lo, hi] by the trapezoid rule with n subintervals. */
function trapezoid(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = 0.5 * (f(lo) + f(hi));
  for (let i = 1; i < n; i++) s += f(lo + i * h);
  return s * h;
}

describe('A1 Bayes', () => {
  it('A1 posterior = prior × likelihood / evidence, matched by counting joint outcomes', () => {
    // A disease test: joint frequencies counted over a population of 1e6 give the posterior directly.
    const prior = [0.01, 0.99];
    const sensitivity = [0.95, 0.08]; // P(positive | sick), P(positive | healthy)
    const population = 1_000_000;
    const positiveSick = population * prior[0]! * sensitivity[0]!;
    const positiveHealthy = population * prior[1]! * sensitivity[1]!;
    const post = bayesPosterior(prior, sensitivity);
    assertClose(post[0]!, positiveSick / (positiveSick + positiveHealthy), { rel: 4 * EPS }, 'P(sick|+)');
    assertClose(post[0]! + post[1]!, 1, { abs: 2 * EPS }, 'normalised');
    assertClose(bayesRule(0.01, 0.95, 0.01 * 0.95 + 0.99 * 0.08), post[0]!, { rel: 4 * EPS }, 'pair form');
  });

  it('A1 rejects a prior that does not sum to 1 and an impossible evidence', () => {
    expect(() => bayesPosterior([0.5, 0.6], [0.1, 0.2])).toThrow(/bayesPosterior: argument 'prior' must be probabilities summing to 1/);
    expect(() => bayesPosterior([0.5, 0.5], [0, 0])).toThrow(/P\(B\) > 0/);
    expect(() => bayesRule(0.5, 0.5, 0)).toThrow(/bayesRule: argument 'pB' must be a number in \(0, 1\]/);
  });
});

describe('A2 Gaussian density', () => {
  it('A2 integrates to 1 with mean μ and variance σ² (quadrature)', () => {
    const m = 1.3;
    const v = 0.7;
    const sd = Math.sqrt(v);
    const lo = m - 12 * sd;
    const hi = m + 12 * sd;
    assertClose(trapezoid((x) => gaussianPdf(x, m, v), lo, hi), 1, { abs: 1e-10 }, 'mass');
    assertClose(trapezoid((x) => x * gaussianPdf(x, m, v), lo, hi), m, { abs: 1e-10 }, 'mean');
    assertClose(trapezoid((x) => (x - m) ** 2 * gaussianPdf(x, m, v), lo, hi), v, { abs: 1e-10 }, 'variance');
  });

  it('A2 log form equals the log of the density formula; diagonal form is the sum over coordinates', () => {
    const direct = (x: number, m: number, v: number) => Math.exp(-((x - m) ** 2) / (2 * v)) / (Math.sqrt(v) * Math.sqrt(2 * Math.PI));
    for (const [x, m, v] of [[0, 0, 1], [2, -1, 0.3], [-4, 1, 9]] as const) {
      assertClose(gaussianLogPdf(x, m, v), Math.log(direct(x, m, v)), { rel: 8 * EPS, abs: 8 * EPS }, `x=${x}`);
    }
    assertClose(diagonalGaussianLogPdf([1, 2], [0, 1], [1, 4]), gaussianLogPdf(1, 0, 1) + gaussianLogPdf(2, 1, 4), { rel: 2 * EPS }, 'diag');
    assertClose(diagonalGaussianLogPdf([1, 2], [0, 1], 2), gaussianLogPdf(1, 0, 2) + gaussianLogPdf(2, 1, 2), { rel: 2 * EPS }, 'scalar var');
  });

  it('A2 rejects σ² ≤ 0, NaN and ±Inf', () => {
    expect(() => gaussianLogPdf(0, 0, 0)).toThrow("gaussianLogPdf: argument 'variance' must be a finite number > 0; received 0");
    expect(() => gaussianLogPdf(Number.NaN, 0, 1)).toThrow(/argument 'x' must be a finite number; received NaN/);
    expect(() => gaussianLogPdf(0, Infinity, 1)).toThrow(/'mean'/);
    expect(() => diagonalGaussianLogPdf([1, 2], [0], 1)).toThrow(/same length/);
  });

  it('H S3 "standard normal when μ=1, σ=0": σ = 0 has no density, and N(1, ·) is not standard', () => {
    // The wrong parameters, as S3 wrote them, are rejected: a Gaussian needs σ² > 0.
    expect(() => gaussianPdf(0, 1, 0)).toThrow(/variance' must be a finite number > 0/);
    // The same standard-normal check (mass ½ below 0, by A3's Φ) passes for μ = 0, σ = 1 and fails for μ = 1.
    const massBelowZero = (m: number, v: number) => trapezoid((x) => gaussianPdf(x, m, v), -40, 0);
    assertClose(massBelowZero(0, 1), 0.5, { abs: 1e-9 }, 'N(0,1)');
    expect(Math.abs(massBelowZero(1, 1) - 0.5)).toBeGreaterThan(0.3);
  });

  it('H S3 "P(z) ~ N(1, 0)": the VAE prior is N(0, 1); N(1, 0) is rejected and N(1,1) has the wrong KL to it', () => {
    expect(() => klGaussian(0, 1, 1, 0)).toThrow(/'var2' must be a finite number > 0/);
    expect(klGaussian(0, 1, 0, 1)).toBe(0);
    expect(klGaussian(0, 1, 1, 1)).toBeGreaterThan(0.4); // = ½ exactly
  });
});

describe('A3, A4 Gaussian algebra', () => {
  it('A3 aX + b has mean aμ + b and variance a²σ² (Monte Carlo, 6 SE) and a normal shape (KS vs Φ)', () => {
    const rng = createRng(testSeed(31));
    const n = 20000;
    const x = { mean: 0.5, variance: 2 };
    const { mean: m, variance: v } = affineGaussian(x, -1.5, 3);
    const ys = rng.normals(n).map((z) => -1.5 * (x.mean + Math.sqrt(x.variance) * z) + 3);
    expect(Math.abs(mean(ys) - m)).toBeLessThan(K * standardError(ys));
    expect(Math.abs(variance(ys) - v)).toBeLessThan(K * varianceStandardError(ys));
    // Standardise with the predicted moments and compare with fresh standard normals (two-sample KS, level 1e-3).
    const standardised = ys.map((y) => (y - m) / Math.sqrt(v));
    expect(ksTwoSample(standardised, rng.normals(n)).pValue).toBeGreaterThan(1e-3);
  });

  it('A3 Φ agrees with the A2 density integrated by quadrature', () => {
    for (const x of [-3, -1, 0, 0.5, 2.5]) assertClose(standardNormalCdf(x), trapezoid((u) => gaussianPdf(u, 0, 1), -40, x, 40000), { abs: 2e-7 }, `Φ(${x})`);
  });

  it('A4 the sum of independent Gaussians has summed means and variances (Monte Carlo, 6 SE; KS)', () => {
    const rng = createRng(testSeed(32));
    const n = 20000;
    const g1 = { mean: 1, variance: 0.5 };
    const g2 = { mean: -3, variance: 2 };
    const g3 = { mean: 0.25, variance: 0.1 };
    const s = sumOfIndependentGaussians(g1, g2, g3);
    const draw = (g: { mean: number; variance: number }) => g.mean + Math.sqrt(g.variance) * rng.normal();
    const xs = Float64Array.from({ length: n }, () => draw(g1) + draw(g2) + draw(g3));
    expect(Math.abs(mean(xs) - s.mean)).toBeLessThan(K * standardError(xs));
    expect(Math.abs(variance(xs) - s.variance)).toBeLessThan(K * varianceStandardError(xs));
    expect(ksTwoSample(xs, Float64Array.from({ length: n }, () => draw(s))).pValue).toBeGreaterThan(1e-3);
    // A wrong rule (adding standard deviations) fails the same variance check.
    const wrongVariance = (Math.sqrt(0.5) + Math.sqrt(2) + Math.sqrt(0.1)) ** 2;
    expect(Math.abs(variance(xs) - wrongVariance)).toBeGreaterThan(K * varianceStandardError(xs));
  });

  it('A3/A4 reject negative variances', () => {
    expect(() => affineGaussian({ mean: 0, variance: -1 }, 1, 0)).toThrow("affineGaussian: argument 'x.variance' must be a finite number >= 0; received -1");
    expect(() => sumOfIndependentGaussians({ mean: 0, variance: 1 }, { mean: Number.NaN, variance: 1 })).toThrow(/terms\[1\]\.mean/);
  });
});

describe('A5 Gaussian mixture', () => {
  const mix = { weights: [0.2, 0.5, 0.3], means: [-2, 0, 3], variances: [0.3, 1, 0.5] };

  it('A5 the density integrates to 1 and its log is stable in the far tail', () => {
    assertClose(trapezoid((x) => mixturePdf(mix, x), -30, 30, 60000), 1, { abs: 1e-9 }, 'mass');
    const far = mixtureLogPdf(mix, 60);
    expect(Number.isFinite(far)).toBe(true);
    // Far out the widest component (σ² = 1) dominates by e^-1400: the log-sum-exp must return its term, not −∞.
    assertClose(far, Math.log(0.5) + gaussianLogPdf(60, 0, 1), { abs: 1e-9 }, 'tail dominated by the widest component');
  });

  it('A5 the sampler matches the mixture mean and variance (6 SE)', () => {
    const rng = createRng(testSeed(33));
    const xs = sampleMixture(mix, 40000, rng);
    const m = mix.weights.reduce((s, w, i) => s + w * mix.means[i]!, 0);
    const second = mix.weights.reduce((s, w, i) => s + w * (mix.variances[i]! + mix.means[i]! ** 2), 0);
    expect(Math.abs(mean(xs) - m)).toBeLessThan(K * standardError(xs));
    expect(Math.abs(variance(xs) - (second - m * m))).toBeLessThan(K * varianceStandardError(xs));
  });

  it('A5 a component of weight 0 is never drawn, even by the largest uniform (rounding leftovers)', () => {
    // 0.1 + 0.2 + 0.7 leaves u − 0.1 − 0.2 ≥ 0.7 for u = 1 − 2⁻⁵³ (a value the 53-bit generator can return).
    const top = { uniform: () => 1 - 2 ** -53 } as unknown as Parameters<typeof drawComponent>[1];
    expect(drawComponent([0.1, 0.2, 0.7, 0], top)).toBe(2);
    expect(drawComponent([0, 1, 0], top)).toBe(1);
    expect(drawComponent([0, 1, 0], { uniform: () => 0 } as unknown as Parameters<typeof drawComponent>[1])).toBe(1);
  });

  it('A5 rejects weights that are not a probability vector', () => {
    expect(() => mixturePdf({ weights: [0.5, 0.6], means: [0, 1], variances: [1, 1] }, 0)).toThrow(/mixture\.weights/);
    expect(() => mixturePdf({ weights: [1.2, -0.2], means: [0, 1], variances: [1, 1] }, 0)).toThrow(/mixture\.weights\[1\]/);
    expect(() => mixturePdf({ weights: [1], means: [0], variances: [0] }, 0)).toThrow(/variances\[0\]/);
  });
});

describe('A6–A10 KL divergence', () => {
  it('A6 discrete KL against a hand-expanded sum, with 0·log 0 = 0 and +∞ off the support', () => {
    const p = [0.5, 0.25, 0.25, 0];
    const q = [0.25, 0.25, 0.25, 0.25];
    assertClose(klDiscrete(p, q), 0.5 * Math.log(2) + 0 + 0, { rel: 4 * EPS }, 'KL');
    expect(klDiscrete(q, p)).toBe(Infinity);
  });

  it('A7 quadrature and Monte Carlo estimators agree with the A9 closed form', () => {
    const [m1, v1, m2, v2] = [0.3, 0.5, -1, 2];
    const exact = klGaussian(m1, v1, m2, v2);
    const logP = (x: number) => gaussianLogPdf(x, m1, v1);
    const logQ = (x: number) => gaussianLogPdf(x, m2, v2);
    assertClose(klQuadrature(logP, logQ, m1 - 15, m1 + 15, 30000), exact, { abs: 1e-9 }, 'quadrature');
    const mc = klMonteCarlo(logP, logQ, (r) => m1 + Math.sqrt(v1) * r.normal(), 20000, createRng(testSeed(34)));
    expect(Math.abs(mc.estimate - exact)).toBeLessThan(K * mc.standardError);
  });

  it('A7 the Monte Carlo standard error is sd(log p/q)/√n (known exactly for equal-variance Gaussians)', () => {
    // p = N(0,1), q = N(m,1): log p(x) − log q(x) = −m x + m²/2, so its sd is |m| and the SE must be |m|/√n.
    const m = 0.8;
    const n = 20000;
    const mc = klMonteCarlo((x) => gaussianLogPdf(x, 0, 1), (x) => gaussianLogPdf(x, m, 1), (r) => r.normal(), n, createRng(testSeed(39)));
    // A sample sd of normal data has relative standard error 1/√(2(n−1)); allow 6 of them.
    assertClose(mc.standardError, m / Math.sqrt(n), { rel: K / Math.sqrt(2 * (n - 1)) }, 'SE');
    expect(Math.abs(mc.estimate - (m * m) / 2)).toBeLessThan(K * mc.standardError);
  });

  it('A8 KL ≥ 0, = 0 for p = q, and asymmetric (property test, 200 random pairs)', () => {
    const simplex = fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 2, maxLength: 6 }).map((w) => {
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / s);
    });
    fc.assert(
      fc.property(simplex, simplex, (p, q0) => {
        const q = q0.slice(0, p.length);
        while (q.length < p.length) q.push(0.1);
        const s = q.reduce((a, b) => a + b, 0);
        const qn = q.map((x) => x / s);
        expect(klDiscrete(p, qn)).toBeGreaterThanOrEqual(0);
        expect(klDiscrete(p, p)).toBeLessThan(8 * EPS);
        // "= 0 only if p = q", quantified by Pinsker: KL ≥ ½‖p − q‖₁² (slack for rounding when p ≈ q).
        const l1 = p.reduce((a, pi, i) => a + Math.abs(pi - qn[i]!), 0);
        expect(klDiscrete(p, qn)).toBeGreaterThanOrEqual(0.5 * l1 * l1 - 16 * EPS);
      }),
      { seed: 35, numRuns: 200 },
    );
    // Asymmetry, with the Gaussian closed form: KL(N(0,1)‖N(0,4)) ≠ KL(N(0,4)‖N(0,1)).
    expect(Math.abs(klGaussian(0, 1, 0, 4) - klGaussian(0, 4, 0, 1))).toBeGreaterThan(0.1);
  });

  it('A9 the univariate closed form matches quadrature over a grid of parameters', () => {
    for (const [m1, v1, m2, v2] of [[0, 1, 0, 1], [1, 0.2, -0.5, 3], [-2, 5, 2, 0.5], [0, 1e-2, 0, 1]] as const) {
      const sd = Math.sqrt(v1);
      const q = klQuadrature((x) => gaussianLogPdf(x, m1, v1), (x) => gaussianLogPdf(x, m2, v2), m1 - 14 * sd, m1 + 14 * sd, 40000);
      assertClose(klGaussian(m1, v1, m2, v2), q, { abs: 1e-8 }, `KL(${m1},${v1}‖${m2},${v2})`);
    }
  });

  it('A10 the diagonal form is the sum of A9 and its (mean, log-variance) form agrees', () => {
    const m1 = [0.1, -2, 3];
    const v1 = [0.5, 2, 1];
    const m2 = [0, 0, 1];
    const v2 = [1, 0.3, 4];
    const sum = m1.reduce((s, _, i) => s + klGaussian(m1[i]!, v1[i]!, m2[i]!, v2[i]!), 0);
    assertClose(klDiagonalGaussian(m1, v1, m2, v2), sum, { rel: 4 * EPS }, 'diagonal');
    assertClose(klDiagonalGaussianLogVar(m1, v1.map(Math.log), m2, v2.map(Math.log)), sum, { rel: 64 * EPS }, 'log-variance form');
    expect(() => klDiagonalGaussian([0, 1], [1, 1], [0], 1)).toThrow(/klDiagonalGaussian: argument 'mean2' must be an array of the same length/);
  });

  it('A10 extreme but valid parameters give a number, not NaN (ratio underflow, e^{−ℓ} overflow)', () => {
    expect(klDiagonalGaussianLogVar([0], [-800], [0], [-800])).toBe(0);
    // A KL beyond float64 is refused by name, not returned as ∞: ½e^800 and ½·1e600.
    expect(() => klDiagonalGaussianLogVar([1], [-800], [0], [-800])).toThrow(/klDiagonalGaussianLogVar: argument 'mean1\/logVar1\/mean2\/logVar2' must be values for which the KL fits in float64; received KL Infinity/);
    expect(() => klGaussian(0, 1e300, 0, 1e-300)).toThrow(/klGaussian: argument 'mean1\/var1\/mean2\/var2' must be values for which the KL fits in float64/);
    // Δμ² overflows but Δμ²/σ₂² does not: taken by logs. Tolerance: exp of a sum of logs near 521 carries 521·2^−53
    // relative error from the sum's rounding, and the reference 10^(400 − 400 log10 e) about 226·ln10·2^−53; 1e-12 covers both.
    assertClose(klGaussian(1e200, 1e100, 0, 1e100), 5e299, { rel: 1e-12 }, 'equal variances: Δμ²/2σ₂² = 1e400/2e100');
    assertClose(klDiagonalGaussianLogVar([1e200], [0], [0], [400]), 0.5 * (Math.expm1(-400) + 400 + 10 ** (400 - 400 * Math.LOG10E)), { rel: 1e-12 }, 'Δμ² = 1e400, ℓ₂ = 400');
    assertClose(klGaussian(0, 1e-300, 0, 1e300), 0.5 * (Math.log(1e300) - Math.log(1e-300)) - 0.5, { rel: 4 * EPS }, 'σ₁² ≪ σ₂²');
  });
});

describe('A11, A12 Jensen, ELBO and maximum likelihood', () => {
  const model = { a: 1.5, b: -0.5, noiseVariance: 0.4 };

  it('A11 Jensen: log E[X] ≥ E[log X], with a positive gap unless X is constant', () => {
    const rng = createRng(testSeed(36));
    expect(jensenGap(rng.uniforms(1000).map((u) => u + 0.1))).toBeGreaterThan(0);
    expect(jensenGap([2, 2, 2])).toBe(0);
    expect(() => jensenGap([1, -1])).toThrow("jensenGap: argument 'xs[1]' must be a number > 0; received -1");
  });

  it('A11 the Jensen gap of a sample is log of its arithmetic over its geometric mean (both averages over n)', () => {
    // {1, 4}: arithmetic mean 5/2, geometric mean 2, gap log(5/4); {1, 1, 1, e³}: log((3 + e³)/4) − 3/4.
    // Positivity alone holds for any divisor; these values pin the 1/n of both averages. Rounding: a few ulps of the logs.
    assertClose(jensenGap([1, 4]), Math.log(5 / 4), { abs: 8 * EPS }, 'gap{1,4}');
    assertClose(jensenGap([1, 1, 1, Math.exp(3)]), Math.log((3 + Math.exp(3)) / 4) - 3 / 4, { abs: 16 * EPS }, 'gap{1,1,1,e³}');
    // Lognormal X = e^{σZ}: log E[X] = σ²/2 and E[log X] = 0, so the sample gap tends to σ²/2. To first order its error
    // is the mean of u_i = X_i/E[X] − σZ_i; 6 standard errors of u, computed from the draws, bound it.
    const rng = createRng(testSeed(37));
    const sigma = 0.5;
    const zs = rng.normals(20000);
    const xs = zs.map((z) => Math.exp(sigma * z));
    const us = zs.map((z, i) => xs[i]! / Math.exp(sigma ** 2 / 2) - sigma * z);
    expect(Math.abs(jensenGap(xs) - sigma ** 2 / 2)).toBeLessThan(6 * standardError(us));
  });

  it('A11 ELBO ≤ log p(x) for any q, with equality at the exact posterior', () => {
    const rng = createRng(testSeed(37));
    for (let k = 0; k < 200; k++) {
      const x = 3 * rng.normal();
      const logpx = linearGaussianLogEvidence(model, x);
      const qm = 2 * rng.normal();
      const qv = Math.exp(rng.normal());
      expect(linearGaussianElbo(model, x, qm, qv)).toBeLessThanOrEqual(logpx + 1e-12);
      const post = linearGaussianPosterior(model, x);
      assertClose(linearGaussianElbo(model, x, post.mean, post.variance), logpx, { abs: 1e-12 }, `x=${x}`);
    }
  });

  it('A11 the evidence p(x) = ∫ p(z) p(x|z) dz by quadrature equals the closed form', () => {
    const x = 0.8;
    const integral = trapezoid((z) => gaussianPdf(z, 0, 1) * gaussianPdf(x, model.a * z + model.b, model.noiseVariance), -12, 12, 20000);
    assertClose(Math.log(integral), linearGaussianLogEvidence(model, x), { abs: 1e-10 }, 'log p(x)');
  });

  it('A12 the ML estimate maximises the average log-likelihood (any perturbation lowers it)', () => {
    const rng = createRng(testSeed(38));
    const xs = rng.normals(500).map((z) => 2 + 0.7 * z);
    const ml = gaussianMaximumLikelihood(xs);
    const best = gaussianAverageLogLikelihood(xs, ml.mean, ml.variance);
    for (const [dm, dv] of [[0.01, 0], [-0.01, 0], [0, 0.01], [0, -0.01], [0.05, 0.05]] as const) {
      expect(gaussianAverageLogLikelihood(xs, ml.mean + dm, ml.variance + dv)).toBeLessThan(best);
    }
    // Stationary there: both central differences vanish. h = 1e-5 leaves truncation ~h²/σ⁶ and rounding ~EPS/h, both
    // < 1e-10; the unbiased 1/(n−1) variance would give ∂/∂σ² = −1/(2(n−1)σ²) ≈ −2e-3.
    const h = 1e-5;
    const dMean = (gaussianAverageLogLikelihood(xs, ml.mean + h, ml.variance) - gaussianAverageLogLikelihood(xs, ml.mean - h, ml.variance)) / (2 * h);
    const dVar = (gaussianAverageLogLikelihood(xs, ml.mean, ml.variance + h) - gaussianAverageLogLikelihood(xs, ml.mean, ml.variance - h)) / (2 * h);
    expect(Math.abs(dMean)).toBeLessThan(1e-8);
    expect(Math.abs(dVar)).toBeLessThan(1e-8);
  });

  it('A12 expected log-likelihood = −KL(p‖q) − H(p): maximising likelihood minimises KL', () => {
    const p = [0.1, 0.6, 0.3];
    const entropy = -p.reduce((s, pi) => s + pi * Math.log(pi), 0);
    for (const q of [[0.2, 0.5, 0.3], [1 / 3, 1 / 3, 1 / 3], p]) {
      assertClose(expectedLogLikelihoodDiscrete(p, q), -klDiscrete(p, q) - entropy, { abs: 8 * EPS }, `q=${q}`);
    }
    expect(expectedLogLikelihoodDiscrete([0.5, 0.5], [1, 0])).toBe(-Infinity);
    expect(() => expectedLogLikelihoodDiscrete([0.5, 0.5], [1])).toThrow(/expectedLogLikelihoodDiscrete: argument 'q' must be an array of the same length/);
    expect(() => expectedLogLikelihoodDiscrete([0.5, 0.5], [-1, 2])).toThrow(/argument 'q\[0\]'/);
    expect(() => expectedLogLikelihoodDiscrete([], [])).toThrow(/non-empty/);
  });
});

describe('A13 the standard normal CDF', () => {
  it('A13 Φ(0) = ½, Φ(x) + Φ(−x) = 1, log Φ continuous where its evaluation switches, and Φ′ = φ', () => {
    expect(normalCdf(0)).toBe(0.5);
    for (const x of [0.3, 0.7071, 1, 2.5, 6]) assertClose(normalCdf(x) + normalCdf(-x), 1, { abs: 2 * EPS }, `x=${x}`);
    // series below z = x/√2 = ½, continued fraction above: the two sides of the switch agree
    const x0 = -Math.SQRT1_2;
    assertClose(logNormalCdf(x0 * (1 - 1e-15)), logNormalCdf(x0 * (1 + 1e-15)), { rel: 8 * EPS }, 'log Φ across z = ½');
    // central difference: error h²/6·|φ''| ≤ 1e-11 at h = 1e-5, rounding ε/h ≈ 2e-11
    for (const x of [-3, -0.5, 0.2, 1.7]) assertClose((normalCdf(x + 1e-5) - normalCdf(x - 1e-5)) / 2e-5, gaussianPdf(x, 0, 1), { abs: 1e-10 }, `Φ′(${x})`);
    expect(logNormalCdf(-40)).toBeCloseTo(-804.6084420137538, 9); // Φ(−40) underflows, its log does not
  });

  it('A13 the tanh approximation is within 3e-4 of Φ and is a CDF (odd about ½, increasing)', () => {
    let worst = 0;
    let prev = 0;
    for (let x = -8; x <= 8; x += 0.005) {
      const p = normalCdfTanh(x);
      worst = Math.max(worst, Math.abs(p - normalCdf(x)));
      expect(p).toBeGreaterThanOrEqual(prev);
      prev = p;
      assertClose(p + normalCdfTanh(-x), 1, { abs: 2 * EPS }, `x=${x}`);
    }
    expect(worst).toBeLessThan(3e-4);
    expect(worst).toBeGreaterThan(1e-4); // an approximation, not Φ itself
  });

  it('A13 log P(a < X ≤ b) is the log of Φ(b) − Φ(a) where that difference is accurate, and finite in the far tails', () => {
    for (const [a, b] of [[-1, 0.5], [0.2, 0.9], [-2.5, -1.5], [-0.01, 0.01]] as const) {
      assertClose(logNormalIntervalProbability(a, b), Math.log(normalCdf(b) - normalCdf(a)), { abs: 1e-13 }, `(${a}, ${b}]`);
    }
    // a bin 100σ out: Φ(b) − Φ(a) is 1 − 1 = 0 in float64, the mass is e^{−5000}·…
    const far = logNormalIntervalProbability(100, 100.5);
    expect(far).toBeLessThan(-5000);
    expect(Number.isFinite(far)).toBe(true);
    // the two tails are mirror images
    assertClose(logNormalIntervalProbability(-100.5, -100), far, { rel: 4 * EPS }, 'mirror');
    expect(() => logNormalIntervalProbability(1, 1)).toThrow(/argument 'b'/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Mutation testing (docs/BENCHMARKS.md, "Reliability"): each check below pins a branch, a bound or a refusal that
// the tests above left open. Reference values marked "mpmath" are from Debian's python3 + mpmath at 60 digits.

describe('A1 Bayes: the pair form and its refusals', () => {
  it('A1 P(A|B) = P(A)P(B|A)/P(B) reaches 1 exactly when P(B) = P(A)P(B|A); a smaller P(B) is refused, naming P(A)·P(B|A)', () => {
    expect(bayesRule(0.25, 1, 0.25)).toBe(1);
    expect(bayesRule(0.5, 0.5, 0.5)).toBe(0.5);
    expect(() => bayesRule(0.5, 0.5, 0.2)).toThrow("bayesRule: argument 'pB' must be at least P(A)·P(B|A) = 0.25; received 0.2");
    expect(() => bayesPosterior([0.5, 0.5], [0.5, 1.5])).toThrow(/bayesPosterior: argument 'likelihood\[1\]' must be a number in \[0, 1\]/);
  });
});

describe('A2, A3 Gaussians where a square overflows', () => {
  it('A3 a² may overflow where a²σ² does not: a = 1e200, σ² = 1e-300 gives (1e200·1e-150)² = 1e100', () => {
    // Three roundings (√σ², the product, the square): 8 ulps.
    assertClose(affineGaussian({ mean: 0, variance: 1e-300 }, 1e200, 1).variance, 1e100, { rel: 8 * EPS }, 'a²σ²');
  });

  it('A2 log N(x; μ, σ²) where (x − μ)² overflows but the log-density does not: through z = (x − μ)/σ', () => {
    // x − μ = 3e154, σ² = 1e308: (x − μ)² = 9e308 overflows, z = 3, so log N = −½ log(2π·1e308) − 9/2.
    const expected = -0.5 * (Math.log(2 * Math.PI) + Math.log(1e308)) - 4.5;
    assertClose(gaussianLogPdf(2e154, -1e154, 1e308), expected, { rel: 8 * EPS }, 'log N');
  });

  it('A2 the diagonal form refuses a per-coordinate variance that is not > 0 or not one per coordinate', () => {
    expect(() => diagonalGaussianLogPdf([1, 2], [0, 0], [1, 0])).toThrow(/diagonalGaussianLogPdf: argument 'variance\[1\]' must be a finite number > 0; received 0/);
    expect(() => diagonalGaussianLogPdf([1, 2], [0, 0], [1])).toThrow(/diagonalGaussianLogPdf: argument 'variance' must be an array of the same length/);
    expect(() => diagonalGaussianLogPdf([1, 2], [0, 0], [1, Number.NaN])).toThrow("diagonalGaussianLogPdf: argument 'variance[1]' must be a finite number; received NaN");
  });
});

describe('A5 mixture: zero weights, underflow and the sampler', () => {
  const mix = { weights: [0.2, 0.5, 0.3], means: [-2, 0, 3], variances: [0.3, 1, 0.5] };

  it('A5 a component of weight 0 adds nothing to the density', () => {
    const withZero = { weights: [0, 0.4, 0.6], means: [5, 0, 1], variances: [1, 1, 2] };
    const direct = 0.4 * gaussianPdf(0.7, 0, 1) + 0.6 * gaussianPdf(0.7, 1, 2);
    assertClose(mixturePdf(withZero, 0.7), direct, { rel: 8 * EPS }, 'P(x)');
    assertClose(mixtureLogPdf(withZero, 0.7), Math.log(direct), { abs: 8 * EPS }, 'log P(x)');
  });

  it('A5 a density below float64 everywhere is 0, and its log is refused by name (not NaN)', () => {
    // (x − μ)/σ = 1e300/1e-150 overflows: every term's log is −∞.
    const narrow = { weights: [0.5, 0.5], means: [0, 1], variances: [1e-300, 1e-300] };
    expect(mixturePdf(narrow, 1e300)).toBe(0);
    expect(() => mixtureLogPdf(narrow, 1e300)).toThrow(/mixtureLogPdf: argument 'x' must be .*; received log-density -Infinity/);
  });

  it('A5 the sampler has the mixture CDF Σ w_i Φ((x − μ_i)/σ_i) (one-sample KS by the A13 Φ, level 1e-3)', () => {
    const rng = createRng(testSeed(40));
    const n = 4000;
    const xs = Array.from(sampleMixture(mix, n, rng)).sort((a, b) => a - b);
    const cdf = (x: number) => mix.weights.reduce((s, w, i) => s + w * normalCdf((x - mix.means[i]!) / Math.sqrt(mix.variances[i]!)), 0);
    let d = 0;
    xs.forEach((x, i) => (d = Math.max(d, Math.abs(cdf(x) - i / n), Math.abs(cdf(x) - (i + 1) / n))));
    // Kolmogorov: P(√n D > 1.95) ≈ 1e-3.
    expect(Math.sqrt(n) * d).toBeLessThan(1.95);
  });

  it('A5 n draws and then n more from one generator are the 2n draws of one call (the sampler uses n draws, no more)', () => {
    const both = sampleMixture(mix, 10, createRng(testSeed(41)));
    const r = createRng(testSeed(41));
    const first = sampleMixture(mix, 5, r);
    const second = sampleMixture(mix, 5, r);
    expect([...first, ...second]).toEqual([...both]);
  });
});

describe('A6, A7 KL estimators: validation and the exact arithmetic of each rule', () => {
  const logUniform = (x: number) => (x >= 0 && x <= 1 ? 0 : -Infinity);
  /** q(x) = e^{−x}/(1 − e^{−1}) on [0, 1]: log p − log q = x + log(1 − e^{−1}) is linear, so the trapezoid is exact. */
  const logTruncatedExp = (x: number) => -x - Math.log(1 - Math.exp(-1));

  it('A7 trapezoid rule: exact (to rounding) for a linear integrand, with half weights at both ends', () => {
    // KL(U[0,1] ‖ q) = ∫₀¹ (x + log(1 − e^{−1})) dx = ½ + log(1 − e^{−1}).
    const exact = 0.5 + Math.log(1 - Math.exp(-1));
    assertClose(klQuadrature(logUniform, logTruncatedExp, 0, 1, 10), exact, { abs: 16 * EPS }, 'KL, 10 nodes');
    assertClose(klQuadrature(logUniform, logTruncatedExp, 0, 1, 2), exact, { abs: 16 * EPS }, 'KL, 2 nodes');
  });

  it('A7 points where log p = −∞ (outside the support) contribute 0 (0·log 0 = 0), not NaN', () => {
    // Over [−1, 2] with p = U[0, 1] and q = N(0, 1): ∫₀¹ −log N(x; 0, 1) dx = ½ log 2π + 1/6. The trapezoid's error
    // comes from the jumps of p at 0 and 1: at most h·max|integrand| = 3/30000 · 1.42.
    const got = klQuadrature(logUniform, (x) => gaussianLogPdf(x, 0, 1), -1, 2, 30000);
    assertClose(got, 0.5 * Math.log(2 * Math.PI) + 1 / 6, { abs: 2e-4 }, 'KL(U ‖ N)');
  });

  it('A7 quadrature refuses an empty or infinite interval and a log-density that is NaN or +∞', () => {
    const logN = (x: number) => gaussianLogPdf(x, 0, 1);
    expect(() => klQuadrature(logN, logN, 1, 1)).toThrow("klQuadrature: argument 'hi' must be a number > lo (1); received 1");
    expect(() => klQuadrature(logN, logN, 1, 0)).toThrow(/argument 'hi' must be a number > lo/);
    expect(() => klQuadrature(logN, logN, -1e308, 1e308)).toThrow(/klQuadrature: argument 'hi' must be a number with hi − lo finite/);
    expect(() => klQuadrature(() => Number.NaN, logN, 0, 1)).toThrow(/klQuadrature: argument 'logP' must be a log-density/);
    expect(() => klQuadrature(() => Infinity, logN, 0, 1)).toThrow(/klQuadrature: argument 'logP' must be a log-density/);
    expect(() => klQuadrature(logN, () => Number.NaN, 0, 1)).toThrow(/klQuadrature: argument 'logQ' must be a log-density \(not NaN\)/);
  });

  it('A7 Monte Carlo: the mean of the n log-ratios and sd/√n with the n − 1 variance, exactly for given draws', () => {
    // A "sampler" returning 1, 2, 3, 4 with log p − log q = x: mean 5/2, unbiased variance 5/3, SE √(5/12).
    const draws = [1, 2, 3, 4];
    let k = 0;
    const mc = klMonteCarlo(() => 0, (x) => -x, () => draws[k++]!, 4, createRng(1));
    expect(k).toBe(4);
    assertClose(mc.estimate, 2.5, { rel: 2 * EPS }, 'estimate');
    assertClose(mc.standardError, Math.sqrt(5 / 12), { rel: 4 * EPS }, 'SE');
    expect(mc.n).toBe(4);
  });

  it('A7 Monte Carlo refuses a log-ratio that is not finite, or whose squares overflow', () => {
    expect(() => klMonteCarlo(() => 0, () => -Infinity, (r) => r.normal(), 10, createRng(1))).toThrow(/klMonteCarlo: argument 'logQ' must be finite wherever p has mass/);
    expect(() => klMonteCarlo(() => 1e200, () => 0, (r) => r.normal(), 10, createRng(1))).toThrow(/klMonteCarlo: argument 'logQ' must be log-ratios whose squares sum to a finite number/);
  });
});

describe('A9, A10 Gaussian KL: each evaluation path against mpmath', () => {
  it('A9 near, moderately apart and far apart variances (series of e^ℓ − 1 − ℓ, and r − 1 − log r)', () => {
    // [μ₁, σ₁², μ₂, σ₂², mpmath KL]. σ² = 10 and 20 check that the series is chosen by the ratio, not by σ² ≤ 2.
    const cases = [
      [0, 10 * (1 + 1e-9), 0, 10, 2.500000412035205e-19],
      [0.5, 20.000001, 0, 20, 0.006250000000000625],
      [0, 0.3, 0, 0.2, 0.047267445945917785881],
      [0, 0.2, 0, 0.3, 0.036065887387415508903],
      [0, 1.7, 0, 1, 0.084685874468914792741],
      [0, 1, 0, 1.7, 0.059431772589908722149],
    ] as const;
    // Series path: ≤ 2 ulps (kl.ts); r − 1 − log r with r ∈ [1/2, 2]: a few roundings of O(1) terms, 16 ulps.
    for (const [m1, v1, m2, v2, ref] of cases) assertClose(klGaussian(m1, v1, m2, v2), ref, { rel: 16 * EPS }, `KL(${m1},${v1}‖${m2},${v2})`);
  });

  it('A9/A10 a KL beyond float64 is refused as +∞, never NaN; per-coordinate variances are checked one by one', () => {
    expect(() => klGaussian(0, 1e300, 0, 1e-300)).toThrow(/klGaussian: argument 'mean1\/var1\/mean2\/var2' must be values for which the KL fits in float64; received KL Infinity/);
    expect(() => klDiagonalGaussian([0, 0], [1, 0], [0, 0], 1)).toThrow(/klDiagonalGaussian: argument 'var1\[1\]' must be a finite number > 0/);
    expect(() => klDiagonalGaussian([0, 0], 1, [0, 0], [1, -1])).toThrow(/klDiagonalGaussian: argument 'var2\[1\]' must be a finite number > 0/);
    expect(() => klDiagonalGaussian([0, 0], [1], [0, 0], 1)).toThrow(/klDiagonalGaussian: argument 'var1' must be an array of the same length/);
    expect(() => klDiagonalGaussian([0, 0], [1, Number.NaN], [0, 0], 1)).toThrow("klDiagonalGaussian: argument 'var1[1]' must be a finite number; received NaN");
  });
});

describe('A11, A12 where sums overflow and series take over', () => {
  it('A11/A12 the model is checked: finite a and b, noise variance > 0', () => {
    expect(() => linearGaussianLogEvidence({ a: Number.NaN, b: 0, noiseVariance: 1 }, 0)).toThrow(/linearGaussianLogEvidence: argument 'model.a'/);
    expect(() => linearGaussianLogEvidence({ a: 1, b: Infinity, noiseVariance: 1 }, 0)).toThrow(/argument 'model.b'/);
    expect(() => linearGaussianPosterior({ a: 1, b: 0, noiseVariance: 0 }, 0)).toThrow(/linearGaussianPosterior: argument 'model.noiseVariance' must be a finite number > 0/);
  });

  it('A11 the exact posterior mean a(x − b)/(a² + s²) where a(x − b) overflows but the mean does not', () => {
    // a = 1e150, x − b = 1e200: a(x − b) = 1e350, a² + s² = 1e300 + 1, mean = 1e50, variance 1e-300. Four roundings.
    const post = linearGaussianPosterior({ a: 1e150, b: -1e199, noiseVariance: 1 }, 9e199);
    assertClose(post.mean, 1e50, { rel: 8 * EPS }, 'posterior mean');
    assertClose(post.variance, 1e-300, { rel: 2 * EPS }, 'posterior variance');
  });

  it('A11 Jensen gap: its evaluation near equality (series) and where the sum overflows (scaled mean)', () => {
    // |y| < 0.1 for every value: the series branch. mpmath values; the difference of logs written out in float64 would
    // itself be off by 2e-12 relative for the second (the cancellation the series avoids).
    assertClose(jensenGap([1, 1.1]), 0.0011350742672695749659, { rel: 1e-14 }, 'gap{1, 1.1}');
    assertClose(jensenGap([1, 1.02, 0.99]), 0.000077026278448578668978, { rel: 1e-14 }, 'gap{1, 1.02, 0.99}');
    // The gap is scale-free: {1.5, 0.5}·1e308, whose sum overflows, has the gap of {1.5, 0.5}, −½ log(3/4).
    assertClose(jensenGap([1.5e308, 0.5e308]), -0.5 * Math.log(0.75), { rel: 1e-14 }, 'gap{1.5e308, 0.5e308}');
    assertClose(jensenGap([0.5e308, 1.5e308, 1e308]), Math.log(1) - (Math.log(0.5) + Math.log(1.5)) / 3, { rel: 1e-14 }, 'gap, 3 huge values');
    expect(() => jensenGap([1, 0])).toThrow("jensenGap: argument 'xs[1]' must be a number > 0; received 0");
  });

  it('A12 the ML Gaussian refuses data without spread, also where the sum overflows (not a variance overflow)', () => {
    expect(() => gaussianMaximumLikelihood([2, 2, 2])).toThrow("gaussianMaximumLikelihood: argument 'xs' must be at least two distinct values; received all equal");
    expect(() => gaussianMaximumLikelihood([1e308, 1e308])).toThrow(/must be at least two distinct values/);
  });

  it('A12 Σ p_i log q_i skips p_i = 0 (0·log 0 = 0) and is −∞ where q_i = 0 < p_i', () => {
    expect(expectedLogLikelihoodDiscrete([1, 0], [1, 0])).toBe(0);
    assertClose(expectedLogLikelihoodDiscrete([0.5, 0, 0.5], [0.25, 0, 0.75]), 0.5 * Math.log(0.25) + 0.5 * Math.log(0.75), { abs: 4 * EPS }, 'Σ p log q');
  });
});

describe('A13 log Φ and log P(a < X ≤ b) on every path, against mpmath', () => {
  it('A13 Φ and log Φ beyond the tails: Φ(±1e301) is 0 and 1 (not NaN), log Φ accepts its bound and refuses below it', () => {
    expect(normalCdf(1e301)).toBe(1);
    expect(normalCdf(-1e301)).toBe(0);
    // log Φ(x) ≈ −x²/2 at x = −1e154: −5e307 (the −log(−x√(2π)) term, 355, is below half an ulp of it).
    assertClose(logNormalCdf(-1e154), -5e307, { rel: 4 * EPS }, 'log Φ(−1e154)');
    expect(() => logNormalCdf(-2e154)).toThrow(/logNormalCdf: argument 'x' must be values >= -1e\+154/);
    assertClose(logNormalCdf(5), -2.8665161296376359338e-7, { rel: 8 * EPS }, 'log Φ(5) (mpmath)');
    // The far lower tail to 45 ulps of mpmath (of the float64 −37.3): x²/2 ≈ 696 is formed without rounding there
    // (Dekker's split), whose rounding alone could cost up to 696·2⁻⁵³ ≈ 8e-14 relative.
    assertClose(normalCdf(-37.3), 8.2054948449307733469e-305, { rel: 1e-14 }, 'Φ(−37.3) (mpmath)');
  });

  it('A13 log P(a < X ≤ b): straddling 0, in either tail (both ways of forming the log-ratio), narrow, half-infinite', () => {
    // [a, b, mpmath log(Φ(b) − Φ(a))]
    const cases = [
      [-2, 1.5, -0.093824350733989966932],
      [2, 4, -3.7845774380253265525],
      [-4, -2, -3.7845774380253265525],
      [0.3, 2.5, -0.97848822872124216701],
      [-2.5, -0.3, -0.97848822872124216701],
      [-2, 0, -0.73971509285233547296],
      [0, 2, -0.73971509285233547296],
      [3, 3 + 2 ** -30, -26.213353951400015886],
      [-3 - 2 ** -30, -3, -26.213353951400015886],
    ] as const;
    // A few roundings of O(1) logs and of log1mexp: 1e-14 relative (≈ 45 ulps) is far inside what a wrong branch
    // costs (the tail paths lose 1e-7 on the bin of width 2⁻³⁰, the others are off by O(1)).
    for (const [a, b, ref] of cases) assertClose(logNormalIntervalProbability(a, b), ref, { rel: 1e-14 }, `(${a}, ${b}]`);
    expect(logNormalIntervalProbability(-Infinity, Infinity)).toBe(0);
    assertClose(logNormalIntervalProbability(-Infinity, -1), logNormalCdf(-1), { rel: 2 * EPS }, '(−∞, −1]');
    assertClose(logNormalIntervalProbability(-Infinity, 1), logNormalCdf(1), { rel: 2 * EPS }, '(−∞, 1]');
    assertClose(logNormalIntervalProbability(2, Infinity), logNormalCdf(-2), { rel: 2 * EPS }, '(2, ∞)');
    // Both ends ~1e154 out: log Φ(a) and log Φ(b) are each −∞-close, the ratio of continued fractions is not.
    assertClose(logNormalIntervalProbability(-2e154, -1e154), -5e307, { rel: 4 * EPS }, '(−2e154, −1e154]');
    assertClose(logNormalIntervalProbability(1e154, 2e154), -5e307, { rel: 4 * EPS }, '(1e154, 2e154]');
  });

  it('A13 log P(a < X ≤ b) refuses NaN, a = +∞, b = −∞, b ≤ a, and an interval wholly beyond ±1e154', () => {
    const f = logNormalIntervalProbability;
    expect(() => f(Number.NaN, 1)).toThrow("logNormalIntervalProbability: argument 'a' must be a number < +∞; received NaN");
    expect(() => f(Infinity, Infinity)).toThrow(/argument 'a' must be a number < \+∞; received Infinity/);
    expect(() => f('0' as unknown as number, 1)).toThrow(/argument 'a' must be a number < \+∞/);
    expect(() => f(0, Number.NaN)).toThrow("logNormalIntervalProbability: argument 'b' must be a number > −∞; received NaN");
    expect(() => f(-Infinity, -Infinity)).toThrow(/argument 'b' must be a number > −∞; received -Infinity/);
    expect(() => f(0, '1' as unknown as number)).toThrow(/argument 'b' must be a number > −∞/);
    const beyond = /logNormalIntervalProbability: argument 'a\/b' must be an interval reaching above -1e\+154 and below 1e\+154/;
    expect(() => f(-3e154, -2e154)).toThrow(beyond);
    expect(() => f(2e154, 3e154)).toThrow(beyond);
  });
});
