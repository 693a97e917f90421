import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { gaussianLogPdf } from '../probability/gaussian.js';
import { klDiagonalGaussian, klGaussian, klMonteCarlo } from '../probability/kl.js';
import { logNormalCdf, logNormalIntervalProbability, normalCdfTanh } from '../probability/normal-cdf.js';
import {
  clippedLogPosteriorVariance,
  learnedLogVariance,
  learnedVariance,
  posteriorLogDensityByBayes,
  posteriorMeanCoefficients,
  posteriorVariance,
} from '../posterior/posterior.js';
import { mean, standardError, variance, varianceStandardError } from '../stats/descriptive.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import {
  epsilonLossWeight,
  equalVarianceGaussianKl,
  gaussianDataReverseStep,
  gaussianDecoderTerm,
  hybridLoss,
  perExampleVlbTerm,
  priorTerm,
  reductionRatio,
  s2MeanMatchingLoss,
  s2RotatedLoss,
  s2TwoNoiseLoss,
  simpleLoss,
  trainingInput,
  variationalBound,
  vlbTerm,
} from './objective.js';
import { discretizedGaussianDecoderNll, discretizedGaussianLogLikelihood } from './decoder.js';

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

  it('E1 vlbTerm (2-D, per-coordinate σ²) equals a Monte Carlo KL with log q from Bayes (D1), within 6 SE', () => {
    // KL(q ‖ p) = E_q[log q − log p]; log q(x_{t−1}|x_t,x_0) by Bayes' rule (not the D2/D3 closed form vlbTerm uses),
    // draws x_{t−1} ~ N(μ̃, β̃) per coordinate. The estimate's own standard error sets the tolerance: 6 SE.
    const rng = createRng(testSeed(58));
    const t = 37;
    const x0 = [0.9, -0.4];
    const xt = [0.3, 1.2];
    const muTheta = [0.5, 0.8];
    const sigma2 = [schedule.betas[t]!, 2 * posteriorVariance(schedule, t)];
    const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
    const bt = posteriorVariance(schedule, t);
    const muTilde = x0.map((x, i) => x0Coef * x + xtCoef * xt[i]!);
    const n = 20000;
    const ratios = Float64Array.from({ length: n }, () => {
      let r = 0;
      for (let i = 0; i < 2; i++) {
        const z = muTilde[i]! + Math.sqrt(bt) * rng.normal();
        r += posteriorLogDensityByBayes(schedule, t, z, xt[i]!, x0[i]!) - gaussianLogPdf(z, muTheta[i]!, sigma2[i]!);
      }
      return r;
    });
    const kl = vlbTerm(schedule, t, x0, xt, muTheta, sigma2);
    expect(Math.abs(mean(ratios) - kl)).toBeLessThan(K * standardError(ratios));
    // And it is the sum of the two one-coordinate terms (A10), to rounding.
    const sum = vlbTerm(schedule, t, [x0[0]!], [xt[0]!], [muTheta[0]!], sigma2[0]!) + vlbTerm(schedule, t, [x0[1]!], [xt[1]!], [muTheta[1]!], sigma2[1]!);
    assertClose(kl, sum, { rel: 8 * EPS, abs: 8 * EPS }, 'sum over coordinates');
  });

  it('E1 priorTerm L_T equals klMonteCarlo of q(x_T|x_0) against N(0,1) (6 SE) and variationalBound’s L_T', () => {
    const rng = createRng(testSeed(59));
    const x0 = 1.7;
    const T = schedule.T;
    const m = Math.sqrt(schedule.alphaBars[T]!) * x0;
    const v = 1 - schedule.alphaBars[T]!;
    const mc = klMonteCarlo((z) => gaussianLogPdf(z, m, v), (z) => gaussianLogPdf(z, 0, 1), (r) => m + Math.sqrt(v) * r.normal(), 20000, rng);
    const LT = priorTerm(schedule, [x0]);
    expect(Math.abs(mc.estimate - LT)).toBeLessThan(K * mc.standardError);
    assertClose(LT, variationalBound(schedule, x0, exact).LT, { rel: 8 * EPS, abs: 8 * EPS }, 'same L_T');
  });

  it('E1 variationalBound’s L_0 and L_{t−1} are the averages of gaussianDecoderTerm and vlbTerm over q (6 SE)', () => {
    // The closed-form expectations in variationalBound against per-draw terms averaged over x_1 or x_t ~ q(·|x_0).
    const rng = createRng(testSeed(60));
    const x0 = -0.6;
    const n = 20000;
    const L = variationalBound(schedule, x0, exact, qT);
    const draw = (t: number) => Math.sqrt(schedule.alphaBars[t]!) * x0 + Math.sqrt(1 - schedule.alphaBars[t]!) * rng.normal();
    const p1 = exact(1);
    const l0 = Float64Array.from({ length: n }, () => gaussianDecoderTerm([x0], [p1.intercept + p1.slope * draw(1)], p1.variance));
    expect(Math.abs(mean(l0) - L.L0)).toBeLessThan(K * standardError(l0));
    for (const t of [2, 60, 199]) {
      const p = exact(t);
      const lt = Float64Array.from({ length: n }, () => {
        const xt = draw(t);
        return vlbTerm(schedule, t, [x0], [xt], [p.intercept + p.slope * xt], p.variance);
      });
      expect(Math.abs(mean(lt) - L.Lt[t]!)).toBeLessThan(K * standardError(lt));
    }
  });

  it('E1 bad inputs throw DomainErrors naming the argument', () => {
    expect(() => vlbTerm(schedule, 1, [0], [0], [0], 1)).toThrow(/vlbTerm: argument 't' must be an integer in 2\.\.200/);
    expect(() => vlbTerm(schedule, 201, [0], [0], [0], 1)).toThrow(/vlbTerm: argument 't' must be an integer in 1\.\.200; received 201/);
    expect(() => vlbTerm(schedule, 5, [Number.NaN], [0], [0], 1)).toThrow(/vlbTerm: argument 'x0\[0\]' must be a finite number; received NaN/);
    expect(() => vlbTerm(schedule, 5, [0], [Infinity], [0], 1)).toThrow(/vlbTerm: argument 'xt\[0\]' must be a finite number; received Infinity/);
    expect(() => vlbTerm(schedule, 5, [0, 1], [0, 1], [0], 1)).toThrow(/vlbTerm: argument 'muTheta' must be an array of the same length as 'x0' \(2\); received length 1/);
    expect(() => vlbTerm(schedule, 5, [], [], [], 1)).toThrow(/vlbTerm: argument 'x0' must be a non-empty array/);
    expect(() => vlbTerm(schedule, 5, [0], [0], [0], 0)).toThrow(/vlbTerm: argument 'sigma2' must be a finite number > 0; received 0/);
    expect(() => vlbTerm(schedule, 5, [0, 0], [0, 0], [0, 0], [1, -1])).toThrow(/vlbTerm: argument 'sigma2\[1\]' must be a finite number > 0/);
    expect(() => priorTerm(schedule, [-Infinity])).toThrow(/priorTerm: argument 'x0\[0\]' must be a finite number; received -Infinity/);
    expect(() => gaussianDecoderTerm([0], [0], Number.NaN)).toThrow(/gaussianDecoderTerm: argument 'sigma2'/);
    expect(() => variationalBound(schedule, Number.NaN, exact)).toThrow(/variationalBound: argument 'x0' must be a finite number; received NaN/);
  });

  it('E1 rejects a non-positive reverse variance', () => {
    expect(() => variationalBound(schedule, 0, (t) => ({ ...exact(t), variance: 0 }))).toThrow(/variationalBound: argument 'reverse\(2\)\.variance' must be a finite number > 0/);
  });
});

describe('E2, E3 from KL to the ε loss', () => {
  const schedule = linearSchedule(1000);

  it('E2 E3 bad inputs throw DomainErrors naming the argument', () => {
    expect(() => equalVarianceGaussianKl([Number.NaN], [0], 1)).toThrow(/equalVarianceGaussianKl: argument 'muTilde\[0\]' must be a finite number; received NaN/);
    expect(() => equalVarianceGaussianKl([0], [0, 1], 1)).toThrow(/equalVarianceGaussianKl: argument 'muTheta' must be an array of the same length as 'muTilde' \(1\); received length 2/);
    expect(() => equalVarianceGaussianKl([], [], 1)).toThrow(/equalVarianceGaussianKl: argument 'muTilde' must be a non-empty array/);
    expect(() => equalVarianceGaussianKl([0], [0], Infinity)).toThrow(/equalVarianceGaussianKl: argument 'sigma2' must be a finite number > 0; received Infinity/);
    expect(() => epsilonLossWeight(schedule, 0, 1)).toThrow(/epsilonLossWeight: argument 't' must be an integer in 1\.\.1000; received 0/);
    expect(() => epsilonLossWeight(schedule, 3, -1)).toThrow(/epsilonLossWeight: argument 'sigma2' must be a finite number > 0; received -1/);
  });

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

  it('E4 bad inputs throw DomainErrors naming the argument', () => {
    const a = tf.zeros([2, 3]);
    expect(() => simpleLoss(a, tf.zeros([2, 4]))).toThrow(/simpleLoss: argument 'epsPred' must be a tensor of the same shape as 'eps' \[2, 3\]; received shape \[2, 4\]/);
    expect(() => simpleLoss(tf.scalar(1), tf.scalar(1))).toThrow(/simpleLoss: argument 'eps' must be a tensor with a batch axis/);
    expect(() => simpleLoss(a, a, 'sum' as never)).toThrow(/simpleLoss: argument 'reduction' must be 'sumPerExampleMeanOverBatch' or 'meanOverAll'; received sum/);
    expect(() => trainingInput(schedule, a, 0, a)).toThrow(/trainingInput: argument 't' must be an integer in 1\.\.1000; received 0/);
    expect(() => trainingInput(schedule, a, [1, 1001], a)).toThrow(/trainingInput: argument 't\[1\]' must be an integer in 1\.\.1000; received 1001/);
    expect(() => trainingInput(schedule, a, [1, 2, 3], a)).toThrow(/trainingInput: argument 't' must be one step per example \(length 2\); received length 3/);
    expect(() => trainingInput(schedule, a, 1, tf.zeros([3, 2]))).toThrow(/trainingInput: argument 'eps' must be a tensor of the same shape as 'x0'/);
  });

  it('E4 L_simple is the mean squared ε error and trainingInput is C5', () => {
    const eps = tf.tensor2d([[1, 2], [0, -1]]);
    const pred = tf.tensor2d([[0, 2], [1, 1]]);
    assertClose(simpleLoss(eps, pred).dataSync()[0]!, (1 + 0 + 1 + 4) / 4, { abs: 1e-6 }, 'mean');
    const x0 = tf.tensor2d([[1], [2]]);
    const e = tf.tensor2d([[0.5], [-0.5]]);
    const xt = toFloat64(trainingInput(schedule, x0, [10, 20], e));
    assertClose(xt[1]!, Math.sqrt(schedule.alphaBars[20]!) * 2 - 0.5 * Math.sqrt(1 - schedule.alphaBars[20]!), { abs: 1e-6 }, 'x_t');
  });

  it('E4 the gradient of L_simple (both reductions) through a linear ε_θ matches float64 central differences', () => {
    // ε_θ(x_t) = x_t W. tf.grad gives ∂L/∂W in float32. The reference differentiates the SAME float32 inputs
    // (x_t, ε read back exactly as float64) with a float64 re-implementation of the loss: L is quadratic in W, so the
    // central difference (L(W + hE) − L(W − hE)) / 2h has no truncation error at all and its rounding is
    // ~ EPS·L/h ≈ 1e-13. What remains is tf's float32 arithmetic: ~ 1e-7 relative per operation over ~24-term sums,
    // so rel 1e-5 + abs 1e-5 is a safe bound; a wrong gradient (e.g. a dropped factor 2) is off by O(1).
    const rng = createRng(testSeed(54));
    const [B, d] = [8, 3];
    const x0 = rng.normalTensor([B, d]);
    const eps = rng.normalTensor([B, d]);
    const ts = Array.from({ length: B }, () => rng.int(1, 1000));
    const xt = trainingInput(schedule, x0, ts, eps);
    const W0 = rng.normalTensor([d, d]);
    const [x64, e64, w64] = [toFloat64(xt), toFloat64(eps), toFloat64(W0)];
    for (const reduction of ['meanOverAll', 'sumPerExampleMeanOverBatch'] as const) {
      const g = tf.grad((W: tf.Tensor) => simpleLoss(eps, tf.matMul(xt, W), reduction))(W0).dataSync();
      const divisor = reduction === 'meanOverAll' ? B * d : B;
      const loss64 = (w: Float64Array) => {
        let s = 0;
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < d; j++) {
            let pred = 0;
            for (let k = 0; k < d; k++) pred += x64[b * d + k]! * w[k * d + j]!;
            s += (e64[b * d + j]! - pred) ** 2;
          }
        }
        return s / divisor;
      };
      const h = 1e-3;
      for (let i = 0; i < d * d; i++) {
        const up = Float64Array.from(w64);
        const down = Float64Array.from(w64);
        up[i]! += h;
        down[i]! -= h;
        const fd = (loss64(up) - loss64(down)) / (2 * h);
        assertClose(g[i]!, fd, { abs: 1e-5, rel: 1e-5 }, `${reduction} ∂L/∂W[${i}]`);
      }
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

  it('E5 S2’s ‖x_{t−1} − μ(x_t)‖² equals (b_t²/a_t²)‖ε_t − ε_θ‖² = (β_t/α_t)‖ε_t − ε_θ‖² for random inputs', () => {
    // A float64 identity: the only error is rounding in forming x_t and undoing it (relative ~1e-13 at worst when
    // a_t is near 1 and the difference is small compared with x_t; 1e-10 leaves margin, a wrong weight is off by O(1)).
    const rng = createRng(testSeed(61));
    for (let k = 0; k < 200; k++) {
      const t = rng.int(1, 1000);
      const xPrev = rng.normals(3);
      const epsT = rng.normals(3);
      let pred: Float64Array = new Float64Array(3);
      const lhs = s2MeanMatchingLoss(schedule, t, xPrev, epsT, (xt) => (pred = xt.map((x) => 0.6 * x - 0.1)));
      const sq = epsT.reduce((s, e, i) => s + (e - pred[i]!) ** 2, 0);
      assertClose(lhs, (schedule.betas[t]! / schedule.alphas[t]!) * sq, { rel: 1e-10, abs: 1e-300 }, `t=${t}`);
    }
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
    expect(() => s2TwoNoiseLoss(schedule, 1, [0], [0], [0], epsTheta)).toThrow(/s2TwoNoiseLoss: argument 't' must be an integer in 2\.\.1000/);
  });

  it('E5 bad inputs throw DomainErrors naming the argument', () => {
    expect(() => s2TwoNoiseLoss(schedule, 5, [Number.NaN], [0], [0], epsTheta)).toThrow(/s2TwoNoiseLoss: argument 'x0\[0\]' must be a finite number; received NaN/);
    expect(() => s2TwoNoiseLoss(schedule, 5, [0], [0, 1], [0], epsTheta)).toThrow(/s2TwoNoiseLoss: argument 'epsBarPrev' must be an array of the same length as 'x0'/);
    expect(() => s2RotatedLoss(schedule, 5, [0], [Infinity], epsTheta)).toThrow(/s2RotatedLoss: argument 'eps\[0\]' must be a finite number; received Infinity/);
    expect(() => s2RotatedLoss(schedule, 5, [0, 1], [0, 1], () => [0])).toThrow(/s2RotatedLoss: argument 'epsTheta\(x_t\)' must be an array of the same length as 'x0' \(2\); received length 1/);
    expect(() => s2MeanMatchingLoss(schedule, 0, [0], [0], epsTheta)).toThrow(/s2MeanMatchingLoss: argument 't' must be an integer in 1\.\.1000; received 0/);
    expect(() => s2MeanMatchingLoss(schedule, 3, [], [], epsTheta)).toThrow(/s2MeanMatchingLoss: argument 'xPrev' must be a non-empty array/);
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

describe('D7 learned variance: L_vlb on tensors and the hybrid loss', () => {
  const sch = linearSchedule(100, 1e-3, 0.1);

  /** A batch with some examples at t = 1 (the decoder term) and the rest at random t; everything also as float64. */
  function batch(seed: number, B: number, d: number) {
    const rng = createRng(testSeed(seed));
    const ts = Array.from({ length: B }, (_, i) => (i < Math.ceil(B / 10) ? 1 : rng.int(1, sch.T)));
    const x0 = rng.normalTensor([B, d]);
    const eps = rng.normalTensor([B, d]);
    const xt = trainingInput(sch, x0, ts, eps);
    // A model that is off: ε_θ = ε + 0.3 noise, v uniform in [0.05, 0.95].
    const epsPred = tf.add(eps, tf.mul(rng.normalTensor([B, d]), 0.3));
    const v = tf.tensor(Float32Array.from(rng.uniforms(B * d), (u) => 0.05 + 0.9 * u), [B, d]);
    const f64 = { x0: toFloat64(x0), xt: toFloat64(xt), epsPred: toFloat64(epsPred), v: toFloat64(v) };
    return { B, d, ts, x0, eps, xt, epsPred, v, f64 };
  }

  /** μ_θ of D5 in float64 from the float32 inputs. */
  function muTheta64(t: number, xt: ArrayLike<number>, epsPred: ArrayLike<number>): Float64Array {
    const c = sch.betas[t]! / Math.sqrt(1 - sch.alphaBars[t]!);
    return Float64Array.from(xt, (x, i) => (x - c * epsPred[i]!) / Math.sqrt(sch.alphas[t]!));
  }

  /** One example's E1 term from the scalar functions: vlbTerm for t > 1, gaussianDecoderTerm at t = 1; Σ from learnedVariance. */
  function scalarTerm(t: number, x0: ArrayLike<number>, xt: ArrayLike<number>, epsPred: ArrayLike<number>, v: ArrayLike<number>): number {
    const mu = muTheta64(t, xt, epsPred);
    const sigma2 = Float64Array.from(v, (vi) => learnedVariance(sch, t, vi));
    return t === 1 ? gaussianDecoderTerm(x0, mu, sigma2) : vlbTerm(sch, t, x0, xt, mu, sigma2);
  }

  it('D7 + E1 perExampleVlbTerm equals the scalar vlbTerm (t > 1) and gaussianDecoderTerm (t = 1) with Σ = learnedVariance', () => {
    const { B, d, ts, x0, xt, epsPred, v, f64 } = batch(81, 400, 3);
    const got = toFloat64(perExampleVlbTerm(sch, x0, xt, ts, epsPred, learnedLogVariance(sch, ts, v)));
    for (let b = 0; b < B; b++) {
      const t = ts[b]!;
      const sl = (a: Float64Array) => a.subarray(b * d, (b + 1) * d);
      const want = scalarTerm(t, sl(f64.x0), sl(f64.xt), sl(f64.epsPred), sl(f64.v));
      // A float32 error bound, derived per coordinate: μ̃ and μ_θ come from ~6 float32 ops on numbers ≤ |x_0| + |x_t| +
      // |ε_θ| (every coefficient here is ≤ 1.06), so each is off by δ ≤ 2⁻²⁰(|x_0| + |x_t| + |ε_θ|) and gap² by
      // 2|gap|δ + δ²; log Σ carries ≤ 2⁻²² (|log Σ| + 10) (the D7 posterior test) and exp(−log Σ) that much relative
      // error; the few remaining ops add 2⁻²⁴ of the term's parts each. Twice the sum is the tolerance; a wrong term (a
      // lost ½, β̃ dropped, the decoder's log 2π missing) is off by ≥ 0.1 relative.
      let tol = 0;
      const mu = muTheta64(t, sl(f64.xt), sl(f64.epsPred));
      const { x0Coef, xtCoef } = posteriorMeanCoefficients(sch, t);
      for (let i = 0; i < d; i++) {
        const k = b * d + i;
        const s2 = learnedVariance(sch, t, f64.v[k]!);
        const gap = x0Coef * f64.x0[k]! + xtCoef * f64.xt[k]! - mu[i]!;
        const delta = 2 ** -20 * (Math.abs(f64.x0[k]!) + Math.abs(f64.xt[k]!) + Math.abs(f64.epsPred[k]!));
        const quad = (posteriorVariance(sch, t) + gap * gap) / s2;
        const logErr = 2 ** -22 * (Math.abs(Math.log(s2)) + 10);
        tol += (2 * Math.abs(gap) * delta + delta * delta) / s2 + logErr * (1 + quad) + 2 ** -22 * (Math.abs(Math.log(s2)) + quad + 2);
      }
      assertClose(got[b]!, want, { abs: 2 * tol }, `example ${b}, t=${t}`);
    }
  });

  it('D7 the stop-gradient is real: λ L_vlb adds exactly 0 to ∂/∂ε_θ, and its v gradient equals float64 central differences', () => {
    const { B, d, ts, x0, eps, xt, epsPred, v, f64 } = batch(82, 8, 2);
    const [gEps, gV] = tf.grads((e: tf.Tensor, w: tf.Tensor) => hybridLoss(sch, x0, xt, ts, eps, e, w))([epsPred, v]);
    const gSimple = tf.grad((e: tf.Tensor) => simpleLoss(eps, e))(epsPred);
    // Bit for bit: the hybrid's ε gradient is L_simple's plus an exact zero.
    expect(Array.from(gEps!.dataSync())).toEqual(Array.from(gSimple.dataSync()));
    // …and that zero is the stop-gradient's doing: L_vlb itself does depend on ε_θ (through μ_θ).
    const gVlbEps = toFloat64(tf.grad((e: tf.Tensor) => tf.sum(perExampleVlbTerm(sch, x0, xt, ts, e, learnedLogVariance(sch, ts, v))))(epsPred));
    expect(Math.max(...gVlbEps.map(Math.abs))).toBeGreaterThan(1e-2);

    // The v gradient of λ T/(d ln 2) · mean_b L_vlb(b) (L_simple has none), by central differences on a float64
    // re-implementation over the same float32 inputs. h = 1e-4: L is smooth in v (the exp of a linear function), so the
    // truncation error h² L'''/6 is ~1e-8 of the gradient and the rounding EPS·L/h ~ 1e-12; the float32 gradient
    // itself is good to ~1e-6 relative. rel 1e-4 covers both; a missing factor (λ, T, ½, ln 2) is off by ≥ 30 %.
    const weight = (0.001 * sch.T) / (d * Math.LN2);
    const loss64 = (vv: Float64Array) => {
      let s = 0;
      for (let b = 0; b < B; b++) {
        const sl = (a: Float64Array) => a.subarray(b * d, (b + 1) * d);
        s += scalarTerm(ts[b]!, sl(f64.x0), sl(f64.xt), sl(f64.epsPred), sl(vv));
      }
      return (weight * s) / B;
    };
    const g = toFloat64(gV!);
    const h = 1e-4;
    for (let k = 0; k < B * d; k++) {
      const up = Float64Array.from(f64.v);
      const down = Float64Array.from(f64.v);
      up[k]! += h;
      down[k]! -= h;
      assertClose(g[k]!, (loss64(up) - loss64(down)) / (2 * h), { rel: 1e-4, abs: 1e-9 }, `dL/dv[${k}] (t=${ts[k >> 1]})`);
    }
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-4);
  });

  it('D7 for Gaussian data the exact reverse variance is learnedVariance(t, v*) with v* in [0, 1] (t ≥ 2): the bound is tight; β_t, β̃_t leave a gap that grows as T shrinks', () => {
    // One coordinate of data N(m, s²) (s² < 1), the exact reverse means (gaussianDataReverseStep) and q(x_T) as prior.
    // With the exact variances the bound is tight (the E1 test above); D7 can express them, a fixed σ² = β_t
    // or β̃_t cannot. That is what the learned variance buys, and most with few steps (each of the T terms is off by
    // O(β_t²) ∝ 1/T², so the total gap shrinks like 1/T).
    // Averaged over x_0 ~ N(m, s²) the bound is ≥ the data's entropy ½ log(2πe s²) for every model (cross-entropy ≥
    // entropy), with equality for the exact one. L(x_0) is quadratic in x_0, so the 3-node Gauss–Hermite rule (exact to
    // degree 5) gives the average exactly: weights 2/3, 1/6, 1/6 at m, m ± √3 s.
    const m = 0.3;
    for (const s2 of [0.05, 0.3, 0.8]) {
      const nodes = [m, m + Math.sqrt(3 * s2), m - Math.sqrt(3 * s2)];
      const weights = [2 / 3, 1 / 6, 1 / 6];
      const entropy = 0.5 * Math.log(2 * Math.PI * Math.E * s2);
      const gaps: number[] = [];
      for (const T of [10, 20, 100, 1000]) {
        const S = linearSchedule(T, 0.1 / T, Math.min(20 / T, 0.5));
        const exact = (t: number) => gaussianDataReverseStep(S, m, s2, t);
        const qT = { mean: Math.sqrt(S.alphaBars[T]!) * m, variance: S.alphaBars[T]! * s2 + 1 - S.alphaBars[T]! };
        const bound = (variance: (t: number) => number) =>
          nodes.reduce((acc, x0, i) => acc + weights[i]! * variationalBound(S, x0, (t) => ({ ...exact(t), variance: variance(t) }), qT).total, 0);
        let clamped = false;
        const vStar = (t: number) => {
          const lo = clippedLogPosteriorVariance(S, t);
          const v = (Math.log(exact(t).variance) - lo) / (Math.log(S.betas[t]!) - lo);
          // For t ≥ 2 the D7 range holds: β̃_t ≤ exact variance ≤ β_t (up to rounding of the log ratio). At t = 1 the
          // clipped β̃_2 can exceed the exact decoder variance (s² = 0.05, T = 10): the clipping's cost, v clamped to 0.
          if (t >= 2) {
            expect(v).toBeGreaterThanOrEqual(-1e-9);
            expect(v).toBeLessThanOrEqual(1 + 1e-9);
          } else if (v < 0) clamped = true;
          return Math.min(1, Math.max(0, v));
        };
        const gapLearned = bound((t) => learnedVariance(S, t, vStar(t))) - entropy;
        const gapBeta = bound((t) => S.betas[t]!) - entropy;
        const gapBetaTilde = bound((t) => Math.exp(clippedLogPosteriorVariance(S, t))) - entropy;
        // T terms of size ≤ ~10 accumulate ~1e-12 of rounding (as in the tightness test above).
        if (!clamped) assertClose(gapLearned, 0, { abs: 1e-9 }, `s²=${s2} T=${T} learned`);
        expect(gapLearned).toBeGreaterThan(-1e-9);
        expect(gapLearned).toBeLessThan(Math.min(gapBeta, gapBetaTilde) - 1e-6);
        gaps.push(Math.min(gapBeta, gapBetaTilde));
      }
      // The best fixed choice's gap falls with T: ≥ 10× from T = 10 to T = 1000 (1/T would give 100×).
      for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeLessThan(gaps[i - 1]!);
      expect(gaps[0]!).toBeGreaterThan(10 * gaps.at(-1)!);
    }
  });

  it('D7 bad inputs throw DomainErrors naming the argument', () => {
    const { ts, x0, eps, xt, epsPred, v } = batch(83, 4, 2);
    expect(() => hybridLoss(sch, x0, xt, ts, eps, epsPred, v, -1)).toThrow(/^hybridLoss: argument 'lambda'/);
    expect(() => hybridLoss(sch, x0, xt, ts, eps, epsPred, tf.zeros([4, 3]))).toThrow(/^hybridLoss: argument 'v' must be a tensor of the same shape/);
    expect(() => perExampleVlbTerm(sch, x0, xt, ts, epsPred, tf.zeros([4]))).toThrow(/^perExampleVlbTerm: argument 'logVariance'/);
    expect(() => perExampleVlbTerm(sch, x0, xt, [1, 2, 3], epsPred, tf.zeros([4, 2]))).toThrow(/^perExampleVlbTerm: argument 't' must be one step per example/);
  });
});

describe('E7 the discretised decoder L_0', () => {
  const bins = Array.from({ length: 256 }, (_, k) => (2 * k) / 255 - 1);

  it('E7 the 256 bin probabilities sum to 1 for any mean and scale, with the exact Φ and with the tanh one', () => {
    for (const [mean, logScale] of [[0, -1], [0.8, -6], [-1.3, 0.7], [0.02, -9]] as const) {
      const exact = bins.reduce((s, x) => s + Math.exp(discretizedGaussianLogLikelihood(x, mean, logScale)), 0);
      assertClose(exact, 1, { abs: 1e-12 }, `exact Φ, N(${mean}, e^${2 * logScale})`);
      // tanh: its edge bins use Φ̃ at one end, interior bins differences of Φ̃, so the sum telescopes to 1 too
      // (up to the 1e-12 floors: at most 256 of them)
      const tanh = bins.reduce((s, x) => s + Math.exp(discretizedGaussianLogLikelihood(x, mean, logScale, 'tanh')), 0);
      assertClose(tanh, 1, { abs: 256 * 1e-12 + 1e-12 }, `tanh Φ, N(${mean}, e^${2 * logScale})`);
    }
  });

  it('E7 a narrow decoder puts its mass on the mean’s bin; the tanh and exact decoders agree to the approximation’s 3e-4', () => {
    const mean = bins[140]!;
    expect(discretizedGaussianLogLikelihood(mean, mean, -10)).toBeCloseTo(0, 12); // σ = 4.5e-5 ≪ the bin's 3.9e-3
    expect(discretizedGaussianLogLikelihood(bins[141]!, mean, -10)).toBeLessThan(-1000);
    for (const x of [bins[0]!, bins[100]!, bins[255]!]) {
      const pe = Math.exp(discretizedGaussianLogLikelihood(x, 0.1, -1.5));
      const pt = Math.exp(discretizedGaussianLogLikelihood(x, 0.1, -1.5, 'tanh'));
      expect(Math.abs(pe - pt), `x=${x}`).toBeLessThan(6e-4); // two Φ̃ values, each within 3e-4
    }
    // NLL of an image is the sum over its pixels
    const img = [bins[3]!, bins[200]!, bins[255]!];
    assertClose(
      discretizedGaussianDecoderNll(img, [0, 0.5, 0.9], -2),
      -img.reduce((s, x, i) => s + discretizedGaussianLogLikelihood(x, [0, 0.5, 0.9][i]!, -2), 0),
      { rel: 4 * EPS },
      'sum',
    );
    expect(() => discretizedGaussianLogLikelihood(1.5, 0, 0)).toThrow(/argument 'x'/);
    expect(() => discretizedGaussianLogLikelihood(0, 0, 0, 'logistic' as never)).toThrow(/'exact' or 'tanh'/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Mutation testing (docs/BENCHMARKS.md, "Reliability"): checks for what the first Stryker run of objective/ left open.

describe('E5 S2’s two estimators, term by term for given noise', () => {
  const schedule = linearSchedule(1000);
  const t = 400;
  const [a, b] = [Math.sqrt(schedule.alphas[t]!), Math.sqrt(schedule.betas[t]!)];
  const [aBar, bBar, bBarPrev] = [Math.sqrt(schedule.alphaBars[t]!), Math.sqrt(1 - schedule.alphaBars[t]!), Math.sqrt(1 - schedule.alphaBars[t - 1]!)];
  const x0 = [0.7, -1.2];
  const epsBarPrev = [0.4, -0.9];
  const epsT = [-1.1, 0.3];
  const eps = [0.8, 1.5];
  const epsTheta = (xt: Float64Array) => xt.map((x) => 0.6 * x - 0.1);
  // Each side is a few float64 roundings of O(1) terms: 1e-14 relative.
  const tol = { rel: 1e-14, abs: 1e-15 };

  it('E5 two-noise form: x_t = √ᾱ_t x_0 + √α_t √(1 − ᾱ_{t−1}) ε̄_{t−1} + √β_t ε_t, loss ‖ε_t − ε_θ(x_t)‖²', () => {
    let seen: Float64Array = new Float64Array(0);
    const loss = s2TwoNoiseLoss(schedule, t, x0, epsBarPrev, epsT, (xt) => epsTheta((seen = xt)));
    const xt = x0.map((x, i) => aBar * x + a * bBarPrev * epsBarPrev[i]! + b * epsT[i]!);
    xt.forEach((x, i) => assertClose(seen[i]!, x, tol, `x_t[${i}]`));
    assertClose(loss, xt.reduce((s, x, i) => s + (epsT[i]! - (0.6 * x - 0.1)) ** 2, 0), tol, 'loss');
  });

  it('E5 rotated form: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, loss ‖(b_t/b̄_t) ε − ε_θ(x_t)‖² + d (a_t b̄_{t−1}/b̄_t)²', () => {
    let seen: Float64Array = new Float64Array(0);
    const loss = s2RotatedLoss(schedule, t, x0, eps, (xt) => epsTheta((seen = xt)));
    const xt = x0.map((x, i) => aBar * x + bBar * eps[i]!);
    xt.forEach((x, i) => assertClose(seen[i]!, x, tol, `x_t[${i}]`));
    const expected = xt.reduce((s, x, i) => s + ((b / bBar) * eps[i]! - (0.6 * x - 0.1)) ** 2, 0) + 2 * ((a * bBarPrev) / bBar) ** 2;
    assertClose(loss, expected, tol, 'loss');
  });

  it('E5 t = 2 is the first step with an ε̄_{t−1}: accepted by both', () => {
    expect(Number.isFinite(s2RotatedLoss(schedule, 2, x0, eps, epsTheta))).toBe(true);
    expect(Number.isFinite(s2TwoNoiseLoss(schedule, 2, x0, epsBarPrev, epsT, epsTheta))).toBe(true);
  });
});

describe('E6 reductionRatio: the shapes it accepts', () => {
  it('E6 a batch axis alone is ratio 1; every axis must be an integer in 1..2³¹ − 1, one bad axis is enough to refuse', () => {
    expect(reductionRatio([3])).toBe(1);
    expect(reductionRatio([2, 2 ** 31 - 1])).toBe(2 ** 31 - 1);
    for (const shape of [[2, 0], [2, 1.5], [2, 2 ** 31], [2, 3, -1], [4, 4, 0, 4], [Number.NaN]]) {
      expect(() => reductionRatio(shape), `[${shape}]`).toThrow(/^reductionRatio: argument 'shape' must be a shape \[B, …\] of positive integers/);
    }
  });
});

describe('E7 the discretised decoder: edge bins, tanh form, refusals', () => {
  const h = 1 / 255;

  it('E7 the edge bins are x < −0.999 and x > 0.999, as in the reference code: ±0.999 themselves are interior bins', () => {
    const [mean, logScale] = [-0.9, -2];
    const s = Math.exp(logScale);
    for (const x of [-0.999, 0.999]) {
      assertClose(discretizedGaussianLogLikelihood(x, mean, logScale), logNormalIntervalProbability((x - mean - h) / s, (x - mean + h) / s), { rel: 8 * EPS }, `x = ${x}`);
    }
    assertClose(discretizedGaussianLogLikelihood(-1, mean, logScale), logNormalCdf((-1 - mean + h) / s), { rel: 8 * EPS }, 'x = −1');
    assertClose(discretizedGaussianLogLikelihood(1, mean, logScale), logNormalCdf(-(1 - mean - h) / s), { rel: 8 * EPS }, 'x = 1');
  });

  it("E7 cdf 'tanh' is the reference code's formula: log max(Φ̃(hi) − Φ̃(lo), 1e-12) with Ho et al.'s tanh Φ̃", () => {
    const [x, mean, logScale] = [0.2, 0.05, -3];
    const s = Math.exp(logScale);
    const [lo, hi] = [(x - mean - h) / s, (x - mean + h) / s];
    const got = discretizedGaussianLogLikelihood(x, mean, logScale, 'tanh');
    assertClose(got, Math.log(normalCdfTanh(hi) - normalCdfTanh(lo)), { rel: 1e-12 }, 'tanh bin');
    // Not the exact Φ: the two differ by far more than rounding here.
    expect(Math.abs(got - discretizedGaussianLogLikelihood(x, mean, logScale))).toBeGreaterThan(1e-4);
    // A bin 30σ out: the floor 1e-12 binds in the tanh form; the exact form keeps going (−450 nats).
    expect(discretizedGaussianLogLikelihood(0.9, -0.6, Math.log(0.05), 'tanh')).toBe(Math.log(1e-12));
    expect(discretizedGaussianLogLikelihood(0.9, -0.6, Math.log(0.05))).toBeLessThan(-400);
  });

  it('E7 refuses a bin whose ends in units of σ are not finite, or that has no width, naming why', () => {
    // σ = e^−800: (x − mean ± 1/255)/σ overflows at both ends.
    expect(() => discretizedGaussianLogLikelihood(0, 0.5, -800)).toThrow(/^discretizedGaussianLogLikelihood: argument 'mean\/logScale' must be values for which \(x − mean ± 1\/255\)\/σ is finite/);
    // σ = e^709.78·…: 1/σ is finite, (1 − 1/255)/σ is finite, (1 + 1/255)/σ is not — one end alone is enough.
    expect(() => discretizedGaussianLogLikelihood(0, -1, -709.78)).toThrow(/argument 'mean\/logScale' must be values for which \(x − mean ± 1\/255\)\/σ is finite/);
    // σ = e^800: both ends are 0 in units of σ; an interior bin has no width, an edge bin is still half the line.
    expect(() => discretizedGaussianLogLikelihood(0, 0, 800)).toThrow(/^discretizedGaussianLogLikelihood: argument 'logScale' must be values for which the bin width 2\/\(255σ\) is nonzero/);
    assertClose(discretizedGaussianLogLikelihood(-1, 0, 800), Math.log(0.5), { rel: 2 * EPS }, 'x = −1, σ = e^800');
    assertClose(discretizedGaussianLogLikelihood(1, 0, 800), Math.log(0.5), { rel: 2 * EPS }, 'x = 1, σ = e^800');
  });

  it('E7 refuses, by its own name, a mean more than 1e154 σ from the bin (the log-likelihood is beyond float64)', () => {
    const far = /^discretizedGaussianLogLikelihood: argument 'mean\/logScale' must be values with \|x − mean\|\/σ below 1e\+154/;
    // σ = e^−330 ≈ 4.5e-144 and |x − mean| ≈ 1e13: the ends are ≈ 2.2e156 σ out and the bin still has a width in
    // float64 (a larger |x − mean| would merge its two ends, which is refused as a bin without width instead).
    const ls = -330;
    expect(() => discretizedGaussianLogLikelihood(0, 1e13, ls)).toThrow(far); // both ends far below the mean
    expect(() => discretizedGaussianLogLikelihood(0, -1e13, ls)).toThrow(far); // both ends far above
    expect(() => discretizedGaussianLogLikelihood(-1, 1e13, ls)).toThrow(far); // lowest bin, mean far above
    expect(() => discretizedGaussianLogLikelihood(1, -1e13, ls)).toThrow(far); // highest bin, mean far below
    // The edge bins on the mean's side hold all the mass: log 1 = 0.
    expect(Math.abs(discretizedGaussianLogLikelihood(-1, -1e13, ls))).toBe(0);
    expect(Math.abs(discretizedGaussianLogLikelihood(1, 1e13, ls))).toBe(0);
  });

  it('E7 the image NLL checks every pixel and takes one log σ per pixel', () => {
    const img = [-1, 0.2, 1];
    const means = [-0.8, 0.1, 0.7];
    const logScales = [-2, -1, -3];
    const perPixel = img.reduce((s, x, i) => s - discretizedGaussianLogLikelihood(x, means[i]!, logScales[i]!), 0);
    assertClose(discretizedGaussianDecoderNll(img, means, logScales), perPixel, { rel: 4 * EPS }, 'per-pixel σ');
    expect(() => discretizedGaussianDecoderNll([0, 1.5], [0, 0], -1)).toThrow(/^discretizedGaussianDecoderNll: argument 'x\[1\]' must be a number in \[-1, 1\]/);
    expect(() => discretizedGaussianDecoderNll([0, 0], [0, 0], [-1, Number.NaN])).toThrow(/^discretizedGaussianDecoderNll: argument 'logScales\[1\]' must be a finite number/);
    expect(() => discretizedGaussianDecoderNll([0, 0], [0, 0], [-1])).toThrow(/^discretizedGaussianDecoderNll: argument 'logScales' must be an array of the same length/);
    expect(() => discretizedGaussianDecoderNll([0, 0], [0, 0], Number.NaN)).toThrow(/^discretizedGaussianDecoderNll: argument 'logScales' must be a finite number/);
  });
});
