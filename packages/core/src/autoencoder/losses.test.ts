import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { klDiagonalGaussian } from '../probability/kl.js';
import { diagonalGaussianLogPdf, gaussianPdf } from '../probability/gaussian.js';
import { linearGaussianElbo, linearGaussianLogEvidence, linearGaussianPosterior } from '../probability/likelihood.js';
import { mean, standardError, variance, varianceStandardError } from '../stats/descriptive.js';
import { assertClose, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import {
  concatCondition,
  gaussianElbo,
  klToStandardNormal,
  marginalLikelihoodMonteCarlo,
  reconstructionLoss,
  reparameterize,
  vaeLoss,
} from './losses.js';

beforeAll(useCpuBackend);
const K = 6;

describe('B1 reconstruction loss', () => {
  it('B1 sums squared errors per example and averages over the batch; meanOverAll divides by pixels too', () => {
    const x = tf.tensor3d([[[1, 2], [3, 4]], [[0, 0], [0, 1]]]);
    const xHat = tf.tensor3d([[[1, 0], [3, 5]], [[1, 0], [0, 0]]]);
    // Example 1: 0 + 4 + 0 + 1 = 5; example 2: 1 + 0 + 0 + 1 = 2.
    assertClose(reconstructionLoss(x, xHat).dataSync()[0]!, (5 + 2) / 2, { abs: 1e-6 }, 'S4 reduction');
    assertClose(reconstructionLoss(x, xHat, 'meanOverAll').dataSync()[0]!, (5 + 2) / 8, { abs: 1e-6 }, 'mean reduction');
  });

  it('B1 rejects shape mismatches and unknown reductions', () => {
    expect(() => reconstructionLoss(tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow(/reconstructionLoss: argument 'xHat' must be a tensor of the same shape as 'x' \[2, 3\]; received shape \[2, 4\]/);
    expect(() => reconstructionLoss(tf.zeros([2, 3]), tf.zeros([2, 3]), 'sum' as never)).toThrow(/'reduction'/);
  });
});

describe('B2 the VAE marginal', () => {
  it('B2 P(x) = E_{z~N(0,1)}[P(x|z)] by Monte Carlo matches the closed-form evidence (6 SE)', () => {
    const model = { a: 1.2, b: 0.3, noiseVariance: 0.5 };
    const x = 1.1;
    const draws = createRng(testSeed(41)).normals(50000);
    const mc = marginalLikelihoodMonteCarlo((z) => gaussianPdf(x, model.a * z + model.b, model.noiseVariance), draws);
    expect(Math.abs(mc.estimate - Math.exp(linearGaussianLogEvidence(model, x)))).toBeLessThan(K * mc.standardError);
    // Its standard error is sd(P(x|z))/√n, and that sd has a closed form: N(y; m, v)² = N(y; m, v/2)/(2√(πv)), so
    // E[P(x|z)²] = N(x; b, a² + v/2)/(2√(πv)).
    const v = model.noiseVariance;
    const second = gaussianPdf(x, model.b, model.a ** 2 + v / 2) / (2 * Math.sqrt(Math.PI * v));
    const sd = Math.sqrt(second - Math.exp(2 * linearGaussianLogEvidence(model, x)));
    // A sample sd's relative standard error is ½√((κ − 1)/n), κ the kurtosis (estimated from the same draws).
    const ls = Array.from(draws, (z) => gaussianPdf(x, model.a * z + model.b, v));
    const m = mean(ls);
    const kurtosis = mean(ls.map((l) => (l - m) ** 4)) / mean(ls.map((l) => (l - m) ** 2)) ** 2;
    assertClose(mc.standardError, sd / Math.sqrt(draws.length), { rel: K * 0.5 * Math.sqrt((kurtosis - 1) / draws.length) }, 'SE');
  });
});

describe('B3 reparameterisation', () => {
  it('B3 z = μ + σ ε has mean μ and variance σ² (Monte Carlo, 6 SE)', () => {
    const rng = createRng(testSeed(42));
    const n = 20000;
    const mu = tf.fill([n, 1], -0.7);
    const logVar = tf.fill([n, 1], Math.log(2.5));
    const z = toFloat64(reparameterize(mu, logVar, rng.normalTensor([n, 1])));
    expect(Math.abs(mean(z) + 0.7)).toBeLessThan(K * standardError(z));
    expect(Math.abs(variance(z) - 2.5)).toBeLessThan(K * varianceStandardError(z));
  });

  it('B3 gradients flow to μ and log σ² and match central finite differences', () => {
    const eps = tf.tensor1d([0.3, -1.2, 0.8]);
    const mu0 = tf.tensor1d([0.1, 0.5, -0.4]);
    const lv0 = tf.tensor1d([-0.2, 0.3, 0.0]);
    // f(μ, ℓ) = Σ z², z = μ + e^{ℓ/2} ε: ∂f/∂μ = 2z, ∂f/∂ℓ = z ε e^{ℓ/2}.
    const f = (mu: tf.Tensor, lv: tf.Tensor) => tf.sum(tf.square(reparameterize(mu, lv, eps))) as tf.Scalar;
    const [gMu, gLv] = tf.grads((mu: tf.Tensor, lv: tf.Tensor) => f(mu, lv))([mu0, lv0]);
    const h = 1e-2; // float32: central differences with h = 1e-2 have truncation error O(h²) ≈ 1e-4 and rounding ≈ 1e-5
    for (const [which, g] of [['mu', gMu!], ['logVar', gLv!]] as const) {
      const gs = g.dataSync();
      for (let i = 0; i < 3; i++) {
        const bump = tf.tensor1d([0, 1, 2].map((j) => (j === i ? h : 0)));
        const plus = which === 'mu' ? f(tf.add(mu0, bump), lv0) : f(mu0, tf.add(lv0, bump));
        const minus = which === 'mu' ? f(tf.sub(mu0, bump), lv0) : f(mu0, tf.sub(lv0, bump));
        const fd = (plus.dataSync()[0]! - minus.dataSync()[0]!) / (2 * h);
        assertClose(gs[i]!, fd, { abs: 2e-3, rel: 2e-3 }, `∂/∂${which}[${i}]`);
      }
    }
  });
});

describe('B4 KL to the standard normal and the VAE loss', () => {
  it('B4 equals A10 with the standard normal, per example', () => {
    const rng = createRng(testSeed(43));
    const mu = rng.normalTensor([4, 3]);
    const logVar = rng.normalTensor([4, 3]);
    const kl = toFloat64(klToStandardNormal(mu, logVar));
    const m = toFloat64(mu);
    const lv = toFloat64(logVar);
    for (let b = 0; b < 4; b++) {
      const mb = Array.from(m.subarray(3 * b, 3 * b + 3));
      const vb = Array.from(lv.subarray(3 * b, 3 * b + 3), Math.exp);
      assertClose(kl[b]!, klDiagonalGaussian(mb, vb, [0, 0, 0], 1), { rel: 1e-5, abs: 1e-6 }, `example ${b}`); // float32
    }
  });

  it('B4 is zero exactly at μ = 0, log σ² = 0 and the VAE loss is B1 + B4', () => {
    for (const v of klToStandardNormal(tf.zeros([2, 5]), tf.zeros([2, 5])).dataSync()) expect(Math.abs(v)).toBe(0);
    const x = tf.tensor2d([[1, 0], [0, 1]]);
    const xHat = tf.tensor2d([[0, 0], [0, 0]]);
    const mu = tf.tensor2d([[1], [0]]);
    const lv = tf.tensor2d([[0], [0]]);
    // B1: (1 + 1)/2 = 1; B4: example 1 ½·1 = 0.5, example 2 0 → mean 0.25.
    assertClose(vaeLoss(x, xHat, mu, lv).dataSync()[0]!, 1.25, { abs: 1e-6 }, 'VAE loss');
  });
});

describe('B5 ELBO', () => {
  const model = { a: 1.5, b: -0.5, noiseVariance: 0.4 };

  it('B5 the tensor ELBO estimate averages to the closed-form ELBO (6 SE) and stays ≤ log p(x)', () => {
    const rng = createRng(testSeed(44));
    const n = 20000;
    const x = 0.9;
    for (const [qm, qv] of [[0.1, 0.5], [linearGaussianPosterior(model, x).mean, linearGaussianPosterior(model, x).variance]] as const) {
      const mu = tf.fill([n, 1], qm);
      const lv = tf.fill([n, 1], Math.log(qv));
      const z = reparameterize(mu, lv, rng.normalTensor([n, 1]));
      const xHat = tf.add(tf.mul(z, model.a), model.b);
      const elbo = toFloat64(gaussianElbo(tf.fill([n, 1], x), xHat, mu, lv, model.noiseVariance));
      const exact = linearGaussianElbo(model, x, qm, qv);
      expect(Math.abs(mean(elbo) - exact)).toBeLessThan(K * standardError(elbo) + 1e-5); // + float32 rounding
      expect(exact).toBeLessThanOrEqual(linearGaussianLogEvidence(model, x) + 1e-12);
    }
    // At the exact posterior the bound is tight.
    const post = linearGaussianPosterior(model, x);
    assertClose(linearGaussianElbo(model, x, post.mean, post.variance), linearGaussianLogEvidence(model, x), { abs: 1e-12 }, 'tight');
  });

  it('B5 per example it is Σ_i log N(x_i; x̂_i, s²) − KL(q ‖ N(0, I)) for several pixels and latents (A2, A10)', () => {
    const rng = createRng(testSeed(45));
    const [B, D, L, s2] = [3, 4, 2, 0.7];
    const x = rng.normalTensor([B, D]);
    const xHat = rng.normalTensor([B, D]);
    const mu = rng.normalTensor([B, L]);
    const lv = rng.normalTensor([B, L]);
    const elbo = toFloat64(gaussianElbo(x, xHat, mu, lv, s2));
    const [xs, hs, ms, ls] = [x, xHat, mu, lv].map(toFloat64) as [Float64Array, Float64Array, Float64Array, Float64Array];
    for (let b = 0; b < B; b++) {
      const logLik = diagonalGaussianLogPdf(xs.subarray(D * b, D * b + D), hs.subarray(D * b, D * b + D), s2);
      const kl = klDiagonalGaussian(ms.subarray(L * b, L * b + L), Array.from(ls.subarray(L * b, L * b + L), Math.exp), [0, 0], 1);
      assertClose(elbo[b]!, logLik - kl, { rel: 1e-5, abs: 1e-5 }, `example ${b}`); // float32
    }
  });

  it('B5 rejects a non-positive decoder variance, and one so small that the float32 ELBO overflows', () => {
    expect(() => gaussianElbo(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), 0)).toThrow(/'decoderVariance' must be a finite number >= 1e-30 .*; received 0/);
    expect(() => gaussianElbo(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), 1e-31)).toThrow(/gaussianElbo: argument 'decoderVariance'/);
  });

  it('B5 a decoder variance whose 2π s² overflows float64 still gives −(d/2) log(2π s²) − ‖x − x̂‖²/2s² − KL', () => {
    // x = x̂ and μ = log σ² = 0: the ELBO is the normaliser alone, −½ (log 2π + log 1e308) ≈ −355.5 (float32 rounding: 4 ulps).
    const elbo = gaussianElbo(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), 1e308).dataSync()[0]!;
    assertClose(elbo, -0.5 * (Math.log(2 * Math.PI) + 308 * Math.LN10), { rel: 4 * 2 ** -23 }, 'ELBO at s² = 1e308');
  });

  it('B5 rejects an encoder batch that differs from the data batch (B4 too: no silent broadcast)', () => {
    expect(() => gaussianElbo(tf.zeros([4, 3]), tf.zeros([4, 3]), tf.zeros([1, 2]), tf.zeros([1, 2]), 1)).toThrow(/gaussianElbo: argument 'mu' must be a tensor with the batch size of 'x' \(4\); received shape \[1, 2\]/);
    expect(() => vaeLoss(tf.zeros([4, 3]), tf.zeros([4, 3]), tf.zeros([2, 2]), tf.zeros([2, 2]))).toThrow(/vaeLoss: argument 'mu' must be a tensor with the batch size of 'x' \(4\)/);
  });
});

describe('B6 CVAE conditioning', () => {
  it('B6 concatenates the label embedding on the last axis and keeps both parts intact', () => {
    const x = tf.ones([2, 4, 4, 1]);
    const e = tf.fill([2, 4, 4, 1], 7);
    const joined = concatCondition(x, e);
    expect(joined.shape).toEqual([2, 4, 4, 2]);
    const d = joined.dataSync();
    expect(d[0]).toBe(1);
    expect(d[1]).toBe(7);
    expect(concatCondition(tf.zeros([3, 8]), tf.zeros([3, 2])).shape).toEqual([3, 10]);
    expect(() => concatCondition(tf.zeros([3, 8]), tf.zeros([2, 2]))).toThrow(/concatCondition: argument 'labelEmbedding' must be a tensor of rank 2 whose leading axes match x \[3, \*\]/);
  });
});

describe('B4 the stable VAE KL', () => {
  it('B4 its gradients are μ and ½(e^v − 1), on both sides of the series/direct switch at |v| = ½', () => {
    const mu = tf.tensor2d([[0.3, -1.2, 0, 2]]);
    const lv = tf.tensor2d([[1e-3, -0.49, 0.51, -3]]);
    const [gMu, gLv] = tf.grads((m: tf.Tensor, l: tf.Tensor) => tf.sum(klToStandardNormal(m, l)))([mu, lv]);
    const v = lv.dataSync();
    gMu!.dataSync().forEach((g, i) => assertClose(g, mu.dataSync()[i]!, { abs: 1e-7 }, `∂/∂μ[${i}]`));
    // float32: e^v − 1 carries ~1e-7 absolute
    gLv!.dataSync().forEach((g, i) => assertClose(g, 0.5 * Math.expm1(v[i]!), { abs: 2e-7 }, `∂/∂v[${i}]`));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Mutation testing (docs/BENCHMARKS.md, "Reliability"): checks for branches and refusals the tests above left open.

describe('B1–B6 batches of scalars, and the refusals', () => {
  it('B1/B4/B5 a rank-1 batch (one number per example) is its own per-example sum', () => {
    const x = tf.tensor1d([1, 2, -1]);
    const xHat = tf.tensor1d([0, 2, 1]);
    // squared errors 1, 0, 4: S4's reduction averages them over the batch, as meanOverAll does.
    assertClose(reconstructionLoss(x, xHat).dataSync()[0]!, 5 / 3, { rel: 1e-6 }, 'B1 [B]');
    const mu = tf.tensor1d([0.5, 0, -1]);
    const lv = tf.tensor1d([0, 0.2, -1]);
    const kl = toFloat64(klToStandardNormal(mu, lv));
    [0.5, 0, -1].forEach((m, i) => assertClose(kl[i]!, klDiagonalGaussian([m], [Math.exp([0, 0.2, -1][i]!)], [0], 1), { rel: 1e-6, abs: 1e-7 }, `B4 [${i}]`));
    const elbo = toFloat64(gaussianElbo(x, xHat, mu, lv, 0.5));
    [1, 2, -1].forEach((xi, i) => {
      const want = diagonalGaussianLogPdf([xi], [[0, 2, 1][i]!], 0.5) - kl[i]!;
      assertClose(elbo[i]!, want, { rel: 1e-6, abs: 1e-6 }, `B5 [${i}]`);
    });
  });

  it('B5 refuses an infinite decoder variance; B2 refuses fewer than 2 draws and likelihoods that are negative, NaN or overflow', () => {
    expect(() => gaussianElbo(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), Infinity)).toThrow(/^gaussianElbo: argument 'decoderVariance' must be a finite number >= 1e-30/);
    // The bound itself is allowed: x = x̂, so the ELBO is −½ log(2π·1e-30) ≈ 33.6 (float32).
    assertClose(gaussianElbo(tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), tf.zeros([1, 1]), 1e-30).dataSync()[0]!, -0.5 * Math.log(2 * Math.PI * 1e-30), { rel: 1e-6 }, 'ELBO at s² = 1e-30');
    expect(() => marginalLikelihoodMonteCarlo(() => 1, [0.5])).toThrow("marginalLikelihoodMonteCarlo: argument 'priorDraws' must be at least 2 draws; received length 1");
    expect(() => marginalLikelihoodMonteCarlo(() => -0.1, [0, 1])).toThrow("marginalLikelihoodMonteCarlo: argument 'likelihood' must be a finite density >= 0; received -0.1");
    expect(() => marginalLikelihoodMonteCarlo(() => Number.NaN, [0, 1])).toThrow(/argument 'likelihood' must be a finite density >= 0; received NaN/);
    expect(() => marginalLikelihoodMonteCarlo(() => 1e200, [0, 1])).toThrow(/^marginalLikelihoodMonteCarlo: argument 'likelihood' must be densities whose squares sum to a finite number/);
    expect(marginalLikelihoodMonteCarlo(() => 0, [0, 1]).estimate).toBe(0);
  });

  it('B2 the estimate is the mean of p(x|z_i) and its SE sd/√n with the n − 1 variance, exactly for given draws', () => {
    // p(x|z) = z for draws 1, 2, 3, 4: mean 5/2, unbiased variance 5/3, SE √(5/12).
    const mc = marginalLikelihoodMonteCarlo((z) => z, [1, 2, 3, 4]);
    assertClose(mc.estimate, 2.5, { rel: 2 ** -52 }, 'estimate');
    assertClose(mc.standardError, Math.sqrt(5 / 12), { rel: 4 * 2 ** -52 }, 'SE');
  });

  it('B6 the label embedding must have the rank of x and its leading axes', () => {
    expect(() => concatCondition(tf.zeros([3, 4, 2]), tf.zeros([3, 2]))).toThrow(/^concatCondition: argument 'labelEmbedding' must be a tensor of rank 3 whose leading axes match x \[3, 4, \*\]/);
    expect(() => concatCondition(tf.zeros([3, 4, 2]), tf.zeros([3, 5, 1]))).toThrow(/^concatCondition: argument 'labelEmbedding' must be a tensor of rank 3/);
    expect(concatCondition(tf.zeros([3, 4, 2]), tf.zeros([3, 4, 5])).shape).toEqual([3, 4, 7]);
  });
});
