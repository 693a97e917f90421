import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { gaussianLogPdf } from '../probability/gaussian.js';
import { klDiagonalGaussian, klGaussian } from '../probability/kl.js';
import { posteriorMeanCoefficients, posteriorVariance } from '../posterior/posterior.js';
import { mean, standardError, variance, varianceStandardError } from '../stats/descriptive.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import {
  epsilonLossWeight,
  equalVarianceGaussianKl,
  gaussianDataReverseStep,
  reductionRatio,
  s2RotatedLoss,
  s2TwoNoiseLoss,
  simpleLoss,
  trainingInput,
  variationalBound,
} from './objective.js';

beforeAll(useCpuBackend);
const K = 6;

describe('E1 the variational bound', () => {
  const schedule = linearSchedule(200);
  const [m, s2] = [0.7, 0.3];
  const exact = (t: number) => gaussianDataReverseStep(schedule, m, s2, t);
  const qT = { mean: Math.sqrt(schedule.alphaBars[200]!) * m, variance: schedule.alphaBars[200]! * s2 + 1 - schedule.alphaBars[200]! };

  it('E1 is tight, L(x_0) = −log p(x_0), when p_θ is the exact reverse process of Gaussian data', () => {
    for (const x0 of [-1, 0.2, 0.7, 2.5]) {
      const L = variationalBound(schedule, x0, exact, qT);
      // T = 200 terms of size up to ~10: accumulated rounding ~1e-12.
      assertClose(L.total, -gaussianLogPdf(x0, m, s2), { abs: 1e-9 }, `x0=${x0}`);
    }
  });

  /** The model's own marginal p_θ(x_0): push the prior through the linear-Gaussian steps (A3 + A4), exactly. */
  const modelLogDensity = (x0: number, reverse: typeof exact, prior: { mean: number; variance: number }) => {
    let { mean: mu, variance: v } = prior;
    for (let t = schedule.T; t >= 1; t--) {
      const p = reverse(t);
      mu = p.intercept + p.slope * mu;
      v = p.slope * p.slope * v + p.variance;
    }
    return gaussianLogPdf(x0, mu, v);
  };

  it('E1 bounds −log p_θ(x_0) from above for other models (DDPM prior N(0,1); σ² = β_t), strictly', () => {
    const standard = { mean: 0, variance: 1 };
    const widened = (t: number) => ({ ...exact(t), variance: schedule.betas[t]! });
    for (const x0 of [-1, 0.2, 2.5]) {
      for (const [reverse, prior] of [[exact, standard], [widened, qT], [widened, standard]] as const) {
        const L = variationalBound(schedule, x0, reverse, prior).total;
        expect(L).toBeGreaterThan(-modelLogDensity(x0, reverse, prior));
      }
      // The check itself: the exact model with q(x_T) as prior meets the bound with equality.
      assertClose(variationalBound(schedule, x0, exact, qT).total, -modelLogDensity(x0, exact, qT), { abs: 1e-9 }, 'tight');
    }
  });

  it('E1 each L_{t−1} equals a Monte Carlo average of A9 over x_t ~ q(x_t|x_0) (6 SE)', () => {
    const rng = createRng(testSeed(51));
    const x0 = 1.1;
    const t = 120;
    const p = exact(t);
    const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
    const kls = Float64Array.from({ length: 20000 }, () => {
      const xt = Math.sqrt(schedule.alphaBars[t]!) * x0 + Math.sqrt(1 - schedule.alphaBars[t]!) * rng.normal();
      return klGaussian(x0Coef * x0 + xtCoef * xt, posteriorVariance(schedule, t), p.intercept + p.slope * xt, p.variance);
    });
    const L = variationalBound(schedule, x0, exact, qT);
    expect(Math.abs(mean(kls) - L.Lt[t]!)).toBeLessThan(K * standardError(kls));
  });

  it('E1 rejects a non-positive reverse variance', () => {
    expect(() => variationalBound(schedule, 0, (t) => ({ ...exact(t), variance: 0 }))).toThrow(/variationalBound: argument 'reverse\(2\)\.variance' must be a finite number > 0/);
  });
});

describe('E2, E3 from KL to the ε loss', () => {
  const schedule = linearSchedule(1000);

  it('E2 KL between equal-variance Gaussians is exactly ‖μ̃ − μ_θ‖²/2σ² (constant 0)', () => {
    const rng = createRng(testSeed(52));
    for (let k = 0; k < 100; k++) {
      const a = Array.from(rng.normals(4));
      const b = Array.from(rng.normals(4));
      const v = Math.exp(rng.normal());
      assertClose(equalVarianceGaussianKl(a, b, v), klDiagonalGaussian(a, v, b, v), { rel: 64 * EPS, abs: 64 * EPS }, `case ${k}`);
    }
  });

  it('E2 with σ² ≠ β̃_t the KL differs from ‖μ̃ − μ_θ‖²/2σ² by a constant independent of μ_θ', () => {
    const t = 300;
    const bt = posteriorVariance(schedule, t);
    const sigma2 = schedule.betas[t]!;
    const constant = (muTheta: number) => klGaussian(0.4, bt, muTheta, sigma2) - equalVarianceGaussianKl([0.4], [muTheta], sigma2);
    const c0 = constant(-2);
    for (const mu of [-1, 0, 0.4, 3]) assertClose(constant(mu), c0, { abs: 1e-12 }, `μθ=${mu}`);
    assertClose(c0, 0.5 * (Math.log(sigma2 / bt) + bt / sigma2 - 1), { abs: 1e-12 }, 'the constant');
  });

  it('E3 with both means in ε-form (D5), E2 equals the weight β²/(2σ²α(1−ᾱ)) times ‖ε − ε_θ‖²', () => {
    const rng = createRng(testSeed(53));
    for (let k = 0; k < 200; k++) {
      const t = rng.int(1, 1000);
      const sigma2 = t > 1 && rng.uniform() < 0.5 ? posteriorVariance(schedule, t) : schedule.betas[t]!;
      const xt = Array.from(rng.normals(3));
      const eps = Array.from(rng.normals(3));
      const epsTheta = Array.from(rng.normals(3));
      const c = schedule.betas[t]! / Math.sqrt(1 - schedule.alphaBars[t]!);
      const mu = (e: number[]) => xt.map((x, i) => (x - c * e[i]!) / Math.sqrt(schedule.alphas[t]!));
      const lhs = equalVarianceGaussianKl(mu(eps), mu(epsTheta), sigma2);
      const rhs = epsilonLossWeight(schedule, t, sigma2) * eps.reduce((s, e, i) => s + (e - epsTheta[i]!) ** 2, 0);
      assertClose(lhs, rhs, { rel: 1e-12 }, `t=${t}`);
    }
  });
});

describe('E4 the simple loss', () => {
  const schedule = linearSchedule(1000);

  it('E4 L_simple is the mean squared ε error and trainingInput is C5', () => {
    const eps = tf.tensor2d([[1, 2], [0, -1]]);
    const pred = tf.tensor2d([[0, 2], [1, 1]]);
    assertClose(simpleLoss(eps, pred).dataSync()[0]!, (1 + 0 + 1 + 4) / 4, { abs: 1e-6 }, 'mean');
    const x0 = tf.tensor2d([[1], [2]]);
    const e = tf.tensor2d([[0.5], [-0.5]]);
    const xt = toFloat64(trainingInput(schedule, x0, [10, 20], e));
    assertClose(xt[1]!, Math.sqrt(schedule.alphaBars[20]!) * 2 - 0.5 * Math.sqrt(1 - schedule.alphaBars[20]!), { abs: 1e-6 }, 'x_t');
  });

  it('E4 the gradient of L_simple through a linear ε_θ matches central finite differences', () => {
    // ε_θ(x_t) = W x_t with x_t, W small; ∂L/∂W by autodiff vs (L(W + hE) − L(W − hE))/2h.
    const rng = createRng(testSeed(54));
    const x0 = rng.normalTensor([8, 3]);
    const eps = rng.normalTensor([8, 3]);
    const ts = Array.from({ length: 8 }, () => rng.int(1, 1000));
    const xt = trainingInput(schedule, x0, ts, eps);
    const W0 = rng.normalTensor([3, 3]);
    const loss = (W: tf.Tensor) => simpleLoss(eps, tf.matMul(xt, W));
    const g = tf.grad(loss)(W0).dataSync();
    const h = 1e-2; // float32 loss: truncation O(h²) ~ 1e-4, rounding ~ 1e-7/h = 1e-5
    const w = W0.dataSync();
    for (let i = 0; i < 9; i++) {
      const up = Float32Array.from(w);
      const down = Float32Array.from(w);
      up[i]! += h;
      down[i]! -= h;
      const fd = (loss(tf.tensor(up, [3, 3])).dataSync()[0]! - loss(tf.tensor(down, [3, 3])).dataSync()[0]!) / (2 * h);
      assertClose(g[i]!, fd, { abs: 1e-3, rel: 1e-3 }, `∂L/∂W[${i}]`);
    }
  });
});

describe('E5 S2’s variance reduction', () => {
  const schedule = linearSchedule(1000);
  // A fixed, imperfect ε_θ (a linear map of x_t), so the loss is not trivially constant.
  const epsTheta = (xt: Float64Array) => xt.map((x) => 0.6 * x - 0.1);

  it('E5 both estimators have the same mean (6 SE of the difference) and the rotated one a smaller variance', () => {
    const rng = createRng(testSeed(55));
    const n = 20000;
    const t = 400;
    const d = 2;
    const one = new Float64Array(n);
    const two = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x0 = [rng.normal() * 0.5 + 1, rng.normal() * 0.5 - 1];
      one[i] = s2TwoNoiseLoss(schedule, t, x0, rng.normals(d), rng.normals(d), epsTheta);
      two[i] = s2RotatedLoss(schedule, t, x0, rng.normals(d), epsTheta);
    }
    const se = Math.sqrt(standardError(one) ** 2 + standardError(two) ** 2);
    expect(Math.abs(mean(one) - mean(two))).toBeLessThan(K * se);
    // Variance reduction, measured: the gap exceeds 6 standard errors of the two variance estimates combined.
    const seVar = Math.sqrt(varianceStandardError(one) ** 2 + varianceStandardError(two) ** 2);
    expect(variance(one) - variance(two)).toBeGreaterThan(K * seVar);
  });

  it('E5 the rotation is orthonormal: b_t² + a_t² b̄_{t−1}² = b̄_t² at every t', () => {
    for (let t = 2; t <= 1000; t++) {
      const lhs = schedule.betas[t]! + schedule.alphas[t]! * (1 - schedule.alphaBars[t - 1]!);
      assertClose(lhs, 1 - schedule.alphaBars[t]!, { abs: 4 * EPS }, `t=${t}`);
    }
  });

  it('E5 a wrong rotation (dropping the ω constant) fails the equal-mean check', () => {
    const rng = createRng(testSeed(56));
    const n = 20000;
    const t = 400;
    const one = new Float64Array(n);
    const wrong = new Float64Array(n);
    const c = ((Math.sqrt(schedule.alphas[t]!) * Math.sqrt(1 - schedule.alphaBars[t - 1]!)) / Math.sqrt(1 - schedule.alphaBars[t]!)) ** 2;
    for (let i = 0; i < n; i++) {
      one[i] = s2TwoNoiseLoss(schedule, t, [1], rng.normals(1), rng.normals(1), epsTheta);
      wrong[i] = s2RotatedLoss(schedule, t, [1], rng.normals(1), epsTheta) - c;
    }
    const se = Math.sqrt(standardError(one) ** 2 + standardError(wrong) ** 2);
    expect(Math.abs(mean(one) - mean(wrong))).toBeGreaterThan(K * se);
  });

  it('E5 rejects t = 1 (no ε̄_0)', () => {
    expect(() => s2RotatedLoss(schedule, 1, [0], [0], epsTheta)).toThrow(/s2RotatedLoss: argument 't' must be an integer in 2\.\.1000/);
  });
});

describe('E6 batch conventions', () => {
  it('E6 S4’s sum-per-example mean-over-batch equals DDPM’s mean-over-all times the elements per example', () => {
    const rng = createRng(testSeed(57));
    const eps = rng.normalTensor([5, 4, 4, 1]);
    const pred = rng.normalTensor([5, 4, 4, 1]);
    const s4 = simpleLoss(eps, pred, 'sumPerExampleMeanOverBatch').dataSync()[0]!;
    const ddpm = simpleLoss(eps, pred, 'meanOverAll').dataSync()[0]!;
    expect(reductionRatio([5, 4, 4, 1])).toBe(16);
    assertClose(s4, 16 * ddpm, { rel: 1e-6 }, 'ratio'); // float32 sums
    expect(() => reductionRatio([])).toThrow(/reductionRatio: argument 'shape'/);
  });
});
