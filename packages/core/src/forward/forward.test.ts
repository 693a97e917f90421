import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { linearSchedule, s2Schedule } from '../schedule/schedule.js';
import { ksTwoSample } from '../stats/two-sample.js';
import { mean, standardError, variance, varianceStandardError } from '../stats/descriptive.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import {
  forwardJointLogDensity,
  forwardMarginal,
  forwardStep,
  forwardStepTransition,
  mergedStepsTransition,
  qSample,
  scaledChainVariance,
  unscaledChainVariance,
} from './forward.js';
import { gaussianLogPdf } from '../probability/gaussian.js';

beforeAll(useCpuBackend);
const schedule = linearSchedule(1000);
/** Monte Carlo tolerance: 6 standard errors (a false alarm has probability ~2e-9 per check). */
const K = 6;

describe('C3 one forward step', () => {
  it('C3 weights: √α_t² + √β_t² = 1 for every t', () => {
    for (let t = 1; t <= schedule.T; t++) {
      const { mean: m, variance: v } = forwardStepTransition(schedule, t);
      assertClose(m * m + v, 1, { abs: 4 * EPS }, `t=${t}`);
    }
  });

  it('C3 a unit-variance input keeps unit variance and zero mean (Monte Carlo, 6 SE)', () => {
    const rng = createRng(testSeed(11));
    const n = 20000;
    const x = rng.normalTensor([n, 1]);
    const t = 700;
    const xt = toFloat64(forwardStep(schedule, x, t, rng.normalTensor([n, 1])));
    expect(Math.abs(mean(xt))).toBeLessThan(K * standardError(xt));
    expect(Math.abs(variance(xt) - 1)).toBeLessThan(K * varianceStandardError(xt));
  });

  it('C3 tensor step equals √α_t x + √β_t z elementwise, with per-example t', () => {
    const rng = createRng(testSeed(12));
    const x = rng.normalTensor([3, 2]);
    const z = rng.normalTensor([3, 2]);
    const ts = [1, 500, 1000];
    const out = toFloat64(forwardStep(schedule, x, ts, z));
    const xs = toFloat64(x);
    const zs = toFloat64(z);
    for (let i = 0; i < 6; i++) {
      const t = ts[Math.floor(i / 2)]!;
      const expected = Math.sqrt(1 - schedule.betas[t]!) * xs[i]! + Math.sqrt(schedule.betas[t]!) * zs[i]!;
      // float32 arithmetic: a few ulps (2^-24 relative) of the terms' magnitudes.
      const tol = 4 * 2 ** -24 * (Math.abs(xs[i]!) + Math.abs(zs[i]!) + 1);
      assertClose(out[i]!, expected, { abs: tol }, `out[${i}]`);
    }
  });

  it('C3 rejects mismatched noise and out-of-range steps', () => {
    const x = tf.zeros([2, 3]);
    expect(() => forwardStep(schedule, x, 1, tf.zeros([2, 2]))).toThrow(/forwardStep: argument 'z' must be a tensor of the same shape/);
    expect(() => forwardStep(schedule, x, 1001, tf.zeros([2, 3]))).toThrow(/1\.\.1000/);
    expect(() => forwardStep(schedule, x, [1], tf.zeros([2, 3]))).toThrow(/one step per example/);
  });
});

describe('C4 merged steps', () => {
  it('C4 two single steps compose exactly into the merged transition (A3 + A4 algebra)', () => {
    for (const t of [2, 3, 50, 999, 1000]) {
      const s1 = forwardStepTransition(schedule, t - 1);
      const s2 = forwardStepTransition(schedule, t);
      // x_t = m2 (m1 x + √v1 z1) + √v2 z2: mean factor m2 m1, variance m2² v1 + v2.
      const merged = mergedStepsTransition(schedule, t, 2);
      assertClose(merged.mean, s2.mean * s1.mean, { rel: 4 * EPS }, `mean t=${t}`);
      assertClose(merged.variance, s2.mean ** 2 * s1.variance + s2.variance, { abs: 8 * EPS }, `variance t=${t}`);
    }
  });

  it('C4 three steps (S0 公式5–6) equal the two-step merge followed by one step', () => {
    const t = 400;
    const three = mergedStepsTransition(schedule, t, 3);
    const two = mergedStepsTransition(schedule, t - 1, 2);
    const one = forwardStepTransition(schedule, t);
    assertClose(three.mean, one.mean * two.mean, { rel: 4 * EPS }, 'mean');
    assertClose(three.variance, one.mean ** 2 * two.variance + one.variance, { abs: 8 * EPS }, 'variance');
  });

  it('C4 iterating two steps and one merged step give the same distribution (KS, level 1e-3)', () => {
    const rng = createRng(testSeed(13));
    const n = 4000;
    const t = 300;
    const x0 = tf.fill([n, 1], 1.5);
    const twoSteps = forwardStep(schedule, forwardStep(schedule, x0, t - 1, rng.normalTensor([n, 1])), t, rng.normalTensor([n, 1]));
    const m = mergedStepsTransition(schedule, t, 2);
    const merged = tf.add(tf.mul(x0, m.mean), tf.mul(rng.normalTensor([n, 1]), Math.sqrt(m.variance)));
    expect(ksTwoSample(toFloat64(twoSteps), toFloat64(merged)).pValue).toBeGreaterThan(1e-3);
  });

  it('C4 rejects k outside 1..t', () => {
    expect(() => mergedStepsTransition(schedule, 3, 4)).toThrow("mergedStepsTransition: argument 'k' must be an integer in 1..3; received 4");
  });
});

describe('C5 closed form q(x_t | x_0)', () => {
  it('C5 the closed-form coefficients equal the composition of all t single steps', () => {
    for (const t of [1, 2, 10, 250, 1000]) {
      let m = 1;
      let v = 0;
      for (let s = 1; s <= t; s++) {
        const step = forwardStepTransition(schedule, s);
        v = step.mean ** 2 * v + step.variance;
        m *= step.mean;
      }
      const closed = forwardMarginal(schedule, t);
      assertClose(closed.mean, m, { rel: 64 * EPS }, `mean t=${t}`);
      assertClose(closed.variance, v, { abs: 64 * EPS }, `variance t=${t}`);
    }
  });

  it('C5 iterating C3 t times matches qSample in moments (6 SE) and distribution (KS, level 1e-3)', () => {
    const rng = createRng(testSeed(14));
    const n = 4000;
    const t = 60;
    const x0 = tf.fill([n, 1], 2);
    let x: tf.Tensor = x0;
    for (let s = 1; s <= t; s++) x = forwardStep(schedule, x, s, rng.normalTensor([n, 1]));
    const iterated = toFloat64(x);
    const closed = toFloat64(qSample(schedule, x0, t, rng.normalTensor([n, 1])));
    const { mean: mc, variance: vc } = forwardMarginal(schedule, t);
    for (const [name, xs] of [['iterated', iterated], ['closed', closed]] as const) {
      expect(Math.abs(mean(xs) - 2 * mc), `${name} mean`).toBeLessThan(K * standardError(xs));
      expect(Math.abs(variance(xs) - vc), `${name} variance`).toBeLessThan(K * varianceStandardError(xs));
    }
    expect(ksTwoSample(iterated, closed).pValue).toBeGreaterThan(1e-3);
  });

  it('C5 qSample with per-example t uses each example its own ᾱ_t', () => {
    const x0 = tf.tensor2d([[1], [1], [1]]);
    const eps = tf.tensor2d([[0.5], [0.5], [0.5]]);
    const ts = [1, 10, 1000];
    const out = toFloat64(qSample(schedule, x0, ts, eps));
    ts.forEach((t, i) => {
      const ab = schedule.alphaBars[t]!;
      assertClose(out[i]!, Math.sqrt(ab) + 0.5 * Math.sqrt(1 - ab), { abs: 1e-6 }, `t=${t}`);
    });
  });

  it('C5 noise coefficients keep float32 precision at small t (formed in float64, not as 1 − float32(ᾱ_t))', () => {
    // With x_0 = 0 and ε = 1, x_t = √(1 − ᾱ_t). At t = 1 that is √β_1 = 0.01; forming 1 − ᾱ_1 in float32 would be
    // off by ~3e-4 relative, float64 coefficients are off by one float32 rounding (6e-8 relative).
    for (const t of [1, 2, 3]) {
      const out = qSample(schedule, tf.zeros([2, 1]), [t, t], tf.ones([2, 1])).dataSync()[0]!;
      assertClose(out, Math.sqrt(1 - schedule.alphaBars[t]!), { rel: 2 ** -23 }, `t=${t}`);
      const step = forwardStep(schedule, tf.zeros([1, 1]), [t], tf.ones([1, 1])).dataSync()[0]!;
      assertClose(step, Math.sqrt(schedule.betas[t]!), { rel: 2 ** -23 }, `step t=${t}`);
    }
  });

  it('C5 rejects a step outside 1..T and noise of another shape', () => {
    expect(() => qSample(schedule, tf.zeros([2, 2]), 0, tf.zeros([2, 2]))).toThrow("qSample: argument 't' must be an integer in 1..1000; received 0");
    expect(() => qSample(schedule, tf.zeros([2, 2]), 5, tf.zeros([2]))).toThrow(/same shape/);
  });
});

describe('C6, C7, C8', () => {
  it('C6 q(x_T | x_0) is within KL 1e-4 of N(0,1) for |x_0| ≤ 1 (linear, T = 1000)', () => {
    const { mean: m, variance: v } = forwardMarginal(schedule, schedule.T);
    // A9 with p = N(m x0, v), q = N(0, 1): ½(v + m²x0² − 1 − log v).
    const kl = 0.5 * (v + m * m - 1 - Math.log(v));
    expect(kl).toBeLessThan(1e-4);
    expect(forwardMarginal(s2Schedule(1000), 1000).mean).toBeLessThan(Math.exp(-5));
  });

  it('C7 the joint log-density is the sum of the one-step log-densities', () => {
    const small = linearSchedule(5, 0.1, 0.4);
    const xs = [0.3, -0.2, 1.1, 0.4, -0.7, 0.05];
    let expected = 0;
    for (let t = 1; t <= 5; t++) expected += gaussianLogPdf(xs[t]!, Math.sqrt(small.alphas[t]!) * xs[t - 1]!, small.betas[t]!);
    assertClose(forwardJointLogDensity(small, xs), expected, { rel: 8 * EPS }, 'log q(x_1:T|x_0)');
    expect(() => forwardJointLogDensity(small, xs.slice(1))).toThrow(/x_0\.\.x_T \(length 6\)/);
    expect(() => forwardJointLogDensity(small, [0.3, -0.2, Number.NaN, 0.4, -0.7, 0.05])).toThrow("forwardJointLogDensity: argument 'xs[2]' must be a finite number; received NaN");
  });

  it('C7 equals the T-dimensional Gaussian with Cov(x_s, x_t) = √(ᾱ_t/ᾱ_s)(1 − ᾱ_s), s ≤ t (an independent form)', () => {
    // Unrolling x_t = √(α_t) x_{t−1} + √β_t ε_t gives x_t = √ᾱ_t x_0 + Σ_{r≤t} √(ᾱ_t/ᾱ_r) √β_r ε_r, so x_{1:T} is jointly
    // Gaussian with mean √ᾱ_t x_0 and, for s ≤ t, Cov = Σ_{r≤s} √(ᾱ_s ᾱ_t)/ᾱ_r β_r = √(ᾱ_t/ᾱ_s)(1 − ᾱ_s). Its log-density,
    // via a Cholesky factor, must equal the product of one-step densities.
    const small = linearSchedule(5, 0.1, 0.4);
    const T = small.T;
    const ab = small.alphaBars;
    const rng = createRng(testSeed(14));
    for (let trial = 0; trial < 20; trial++) {
      const xs = Array.from({ length: T + 1 }, () => 1.5 * rng.normal());
      const cov = Array.from({ length: T }, (_, i) =>
        Array.from({ length: T }, (_, j) => {
          const [s, t] = [Math.min(i, j) + 1, Math.max(i, j) + 1];
          return Math.sqrt(ab[t]! / ab[s]!) * (1 - ab[s]!);
        }),
      );
      // Cholesky L Lᵀ = Σ, then log N = −½ (T log 2π + 2 Σ log L_ii + ‖L⁻¹ (x − μ)‖²).
      const L = cov.map((row) => row.map(() => 0));
      for (let i = 0; i < T; i++) {
        for (let j = 0; j <= i; j++) {
          let sum = cov[i]![j]!;
          for (let k = 0; k < j; k++) sum -= L[i]![k]! * L[j]![k]!;
          L[i]![j] = i === j ? Math.sqrt(sum) : sum / L[j]![j]!;
        }
      }
      const z: number[] = [];
      let logDet = 0;
      for (let i = 0; i < T; i++) {
        let r = xs[i + 1]! - Math.sqrt(ab[i + 1]!) * xs[0]!;
        for (let k = 0; k < i; k++) r -= L[i]![k]! * z[k]!;
        z.push(r / L[i]![i]!);
        logDet += Math.log(L[i]![i]!);
      }
      const logN = -0.5 * (T * Math.log(2 * Math.PI) + 2 * logDet + z.reduce((a, v) => a + v * v, 0));
      assertClose(forwardJointLogDensity(small, xs), logN, { rel: 1e-12, abs: 1e-12 }, `log q(x_1:T|x_0), trial ${trial}`);
    }
  });

  it('C7 ancestral sampling of the joint has the C5 marginal at every t (6 SE)', () => {
    const small = linearSchedule(8, 0.05, 0.5);
    const rng = createRng(testSeed(15));
    const n = 20000;
    const x0 = -1;
    const draws: Float64Array[] = Array.from({ length: 9 }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      let x = x0;
      for (let t = 1; t <= 8; t++) {
        x = Math.sqrt(small.alphas[t]!) * x + Math.sqrt(small.betas[t]!) * rng.normal();
        draws[t]![i] = x;
      }
    }
    for (let t = 1; t <= 8; t++) {
      const { mean: m, variance: v } = forwardMarginal(small, t);
      expect(Math.abs(mean(draws[t]!) - m * x0)).toBeLessThan(K * standardError(draws[t]!));
      expect(Math.abs(variance(draws[t]!) - v)).toBeLessThan(K * varianceStandardError(draws[t]!));
    }
  });

  it('C8 the unscaled chain x_t = x_{t-1} + ε has variance 1 + t; the scaled chain stays at 1 (Monte Carlo, 6 SE)', () => {
    const rng = createRng(testSeed(16));
    const n = 20000;
    const t = 50;
    const naive = new Float64Array(n);
    const scaled = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let a = rng.normal();
      let b = a;
      for (let s = 1; s <= t; s++) {
        a += rng.normal();
        b = Math.sqrt(schedule.alphas[s]!) * b + Math.sqrt(schedule.betas[s]!) * rng.normal();
      }
      naive[i] = a;
      scaled[i] = b;
    }
    expect(Math.abs(variance(naive) - unscaledChainVariance(t))).toBeLessThan(K * varianceStandardError(naive));
    expect(Math.abs(variance(scaled) - scaledChainVariance(schedule, t))).toBeLessThan(K * varianceStandardError(scaled));
    assertClose(scaledChainVariance(schedule, t), 1, { abs: 4 * EPS }, 'scaled variance');
  });

  it('C8 Var(x_t) = Var(x_0) + t σ² for any start and noise variance (Monte Carlo with Var(x_0) = 4, σ² = 1/4, 6 SE)', () => {
    // With the defaults 1 and 1 a formula that ignored Var(x_0) or σ² would still give 1 + t; these values tell them apart
    // (4 + 20/4 = 9, against 1 + 5 = 6 without Var(x_0) and 4 + 20 = 24 without σ²).
    const rng = createRng(testSeed(18));
    const n = 20000;
    const t = 20;
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let x = 2 * rng.normal();
      for (let s = 1; s <= t; s++) x += 0.5 * rng.normal();
      xs[i] = x;
    }
    expect(Math.abs(variance(xs) - unscaledChainVariance(t, 4, 0.25))).toBeLessThan(K * varianceStandardError(xs));
    // Started from Var(x_0) = 4, the DDPM chain keeps ᾱ_t·4 + 1 − ᾱ_t: simulate it too.
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let y = 2 * rng.normal();
      for (let s = 1; s <= t; s++) y = Math.sqrt(schedule.alphas[s]!) * y + Math.sqrt(schedule.betas[s]!) * rng.normal();
      ys[i] = y;
    }
    expect(Math.abs(variance(ys) - scaledChainVariance(schedule, t, 4))).toBeLessThan(K * varianceStandardError(ys));
  });

  it('H S3 the naive chain x_t = x_{t-1} + ε is not the DDPM forward process: its variance is not C5’s', () => {
    for (const t of [1, 10, 1000]) {
      // C5 with unit-variance data gives variance exactly 1; the naive chain gives 1 + t.
      expect(unscaledChainVariance(t)).toBeGreaterThan(scaledChainVariance(schedule, t) + 0.5);
    }
  });

  it('H S3 noise weight β_t instead of √β_t shrinks the variance: the unit-variance check fails for it', () => {
    const rng = createRng(testSeed(17));
    const n = 5000;
    const right = new Float64Array(n);
    const wrong = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let r = rng.normal();
      let w = r;
      for (let t = 1; t <= schedule.T; t++) {
        const b = schedule.betas[t]!;
        r = Math.sqrt(1 - b) * r + Math.sqrt(b) * rng.normal(); // C3
        w = Math.sqrt(1 - b) * w + b * rng.normal(); // as S3 writes it
      }
      right[i] = r;
      wrong[i] = w;
    }
    // The same check for both chains run over all T steps from unit variance: |Var(x_T) − 1| < 6 SE.
    // C3 passes; S3's form loses β_t − β_t² of variance per step and ends far below 1.
    expect(Math.abs(variance(right) - 1)).toBeLessThan(K * varianceStandardError(right));
    expect(Math.abs(variance(wrong) - 1)).toBeGreaterThan(K * varianceStandardError(wrong));
  });
});
