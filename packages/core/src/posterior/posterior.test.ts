import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { cosineSchedule, linearSchedule, oneMinusAlphaBar, scheduleFromBetas } from '../schedule/schedule.js';
import { gaussianLogPdf } from '../probability/gaussian.js';
import { mean, standardError, variance, varianceStandardError } from '../stats/descriptive.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { qSample } from '../forward/forward.js';
import {
  clippedLogPosteriorVariance,
  learnedLogVariance,
  learnedVariance,
  posteriorLogDensityByBayes,
  posteriorMean,
  posteriorMeanCoefficients,
  posteriorMeanFromEps,
  posteriorVariance,
  epsFromX0,
  predictEpsFromX0,
  predictX0FromEps,
  reverseVariance,
} from './posterior.js';

beforeAll(useCpuBackend);
const schedule = linearSchedule(1000);

describe('D1–D3 the Bayes posterior', () => {
  it('D1 Bayes holds pointwise: log q(x_t|x_{t-1}) + log q(x_{t-1}|x_0) − log q(x_t|x_0) = log N(x_{t-1}; μ̃_t, β̃_t)', () => {
    const rng = createRng(testSeed(21));
    for (const sch of [schedule, cosineSchedule(1000), linearSchedule(20, 0.01, 0.3)]) {
      for (let k = 0; k < 300; k++) {
        const t = rng.int(2, sch.T);
        const x0 = 2 * rng.normal();
        const xt = rng.normal() * 1.5;
        const xPrev = rng.normal() * 1.5;
        const bayes = posteriorLogDensityByBayes(sch, t, xPrev, xt, x0);
        const { x0Coef, xtCoef } = posteriorMeanCoefficients(sch, t);
        const closed = gaussianLogPdf(xPrev, x0Coef * x0 + xtCoef * xt, posteriorVariance(sch, t));
        // The Bayes sum cancels terms up to ~x²/β_t (1e5 at small t) down to an O(1) result, so the error scales with
        // the terms, not the result. The stored ᾱ_t = fl(ᾱ_{t−1}α_t) makes 1 − ᾱ_t off by ~EPS/(1 − ᾱ_t) relative,
        // so allow 256 EPS/(1 − ᾱ_t) of the terms' magnitudes (worst seen over 1000 seed offsets: 49).
        const { alphas, alphaBars, betas } = sch;
        const scale =
          Math.abs(gaussianLogPdf(xt, Math.sqrt(alphas[t]!) * xPrev, betas[t]!)) +
          Math.abs(gaussianLogPdf(xPrev, Math.sqrt(alphaBars[t - 1]!) * x0, 1 - alphaBars[t - 1]!)) +
          Math.abs(gaussianLogPdf(xt, Math.sqrt(alphaBars[t]!) * x0, 1 - alphaBars[t]!)) +
          Math.abs(closed);
        assertClose(bayes, closed, { abs: (256 * EPS * scale) / (1 - alphaBars[t]!) }, `${sch.name} t=${t}`);
      }
    }
  });

  it('D1 a wrong posterior mean (x_0 and x_t weights swapped) breaks the pointwise identity', () => {
    const t = 500;
    const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
    const bayes = posteriorLogDensityByBayes(schedule, t, 0.3, 0.8, -1);
    const swapped = gaussianLogPdf(0.3, xtCoef * -1 + x0Coef * 0.8, posteriorVariance(schedule, t));
    expect(Math.abs(bayes - swapped)).toBeGreaterThan(1e-3);
  });

  it('D2 the posterior density integrates to 1 and has mean μ̃_t and variance β̃_t (quadrature)', () => {
    const t = 37;
    const x0 = 0.7;
    const xt = -0.4;
    const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
    const mu = x0Coef * x0 + xtCoef * xt;
    const v = posteriorVariance(schedule, t);
    // Trapezoid rule over μ̃ ± 12 sd with 4001 nodes: error far below 1e-10 for a Gaussian integrand.
    const sd = Math.sqrt(v);
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    const n = 4000;
    const h = (24 * sd) / n;
    for (let i = 0; i <= n; i++) {
      const x = mu - 12 * sd + i * h;
      const w = (i === 0 || i === n ? 0.5 : 1) * h * Math.exp(posteriorLogDensityByBayes(schedule, t, x, xt, x0));
      m0 += w;
      m1 += w * x;
      m2 += w * x * x;
    }
    assertClose(m0, 1, { abs: 1e-9 }, 'mass');
    assertClose(m1 / m0, mu, { abs: 1e-9 }, 'mean');
    assertClose(m2 / m0 - (m1 / m0) ** 2, v, { rel: 1e-7 }, 'variance');
  });

  it('D3 β̃_t ≤ β_t, β̃_1 = 0, and β̃_t → β_t as ᾱ_t → 0', () => {
    expect(posteriorVariance(schedule, 1)).toBe(0);
    for (let t = 2; t <= schedule.T; t++) expect(posteriorVariance(schedule, t)).toBeLessThanOrEqual(schedule.betas[t]!);
    assertClose(posteriorVariance(schedule, 1000), schedule.betas[1000]!, { rel: 1e-4 }, 'β̃_T vs β_T');
  });

  it('D2 Monte Carlo: given x_t, the x_{t-1} of a forward path has mean μ̃_t and variance β̃_t (6 SE)', () => {
    // Draw x_{t-1} ~ q(x_{t-1}|x_0) and x_t ~ q(x_t|x_{t-1}); regress x_{t-1} on x_t: with x_0 fixed the pair is jointly
    // Gaussian, so E[x_{t-1}|x_t] is linear in x_t with slope xtCoef and Var[x_{t-1}|x_t] = β̃_t.
    const rng = createRng(testSeed(22));
    const t = 10;
    const x0 = 1.3;
    const n = 40000;
    const prev = new Float64Array(n);
    const cur = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = Math.sqrt(schedule.alphaBars[t - 1]!) * x0 + Math.sqrt(1 - schedule.alphaBars[t - 1]!) * rng.normal();
      cur[i] = Math.sqrt(schedule.alphas[t]!) * prev[i]! + Math.sqrt(schedule.betas[t]!) * rng.normal();
    }
    const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
    const residual = prev.map((p, i) => p - (x0Coef * x0 + xtCoef * cur[i]!));
    expect(Math.abs(mean(residual))).toBeLessThan(6 * standardError(residual));
    expect(Math.abs(variance(residual) - posteriorVariance(schedule, t))).toBeLessThan(6 * varianceStandardError(residual));
  });
});

describe('D2, D4, D5 on tensors', () => {
  it('D4 inverts C5 exactly, to float32 rounding amplified by 1/√ᾱ_t (each element its own bound)', () => {
    const rng = createRng(testSeed(23));
    const x0 = rng.normalTensor([64, 2]);
    const eps = rng.normalTensor([64, 2]);
    const ts = Array.from({ length: 64 }, () => rng.int(1, 999));
    const xt = qSample(schedule, x0, ts, eps);
    const back = toFloat64(predictX0FromEps(schedule, xt, eps, ts));
    const want = toFloat64(x0);
    const [x, e] = [toFloat64(xt), toFloat64(eps)];
    // x̂0 = (x_t − √(1−ᾱ) ε)/√ᾱ in float32: x_t, the product and the difference each carry a relative rounding of
    // 2^-24, all divided by √ᾱ_t (≈ 1/157 near T). Bound: 8 such roundings of the larger term, over √ᾱ_t. A wrong
    // coefficient (e.g. 1 − ᾱ for √(1 − ᾱ)) is off by O(|ε|) ≫ this.
    for (let i = 0; i < want.length; i++) {
      const t = ts[Math.floor(i / 2)]!;
      const a = schedule.alphaBars[t]!;
      const bound = (8 * 2 ** -24 * (Math.abs(x[i]!) + Math.sqrt(1 - a) * Math.abs(e[i]!) + Math.sqrt(a) * Math.abs(want[i]!))) / Math.sqrt(a);
      assertClose(back[i]!, want[i]!, { abs: bound }, `x0[${i}] (t = ${t})`);
    }
  });

  it('D5 the ε-form mean equals D2 with D4 substituted (random t per example)', () => {
    const rng = createRng(testSeed(24));
    const xt = rng.normalTensor([50, 3]);
    const eps = rng.normalTensor([50, 3]);
    const ts = Array.from({ length: 50 }, () => rng.int(1, 1000));
    const viaEps = toFloat64(posteriorMeanFromEps(schedule, xt, eps, ts));
    const x0Hat = toFloat64(predictX0FromEps(schedule, xt, eps, ts));
    const viaX0 = toFloat64(posteriorMean(schedule, predictX0FromEps(schedule, xt, eps, ts), xt, ts));
    const [x, e] = [toFloat64(xt), toFloat64(eps)];
    // Both paths round in float32. The x̂0 path carries x̂0's rounding, that of x_t and √(1−ᾱ) ε before they cancel,
    // over √ᾱ_t (D4), into the x0 coefficient. Bound: 16 roundings of each term's size. A wrong D5 coefficient is off
    // by O(|ε| β_t/√(1−ᾱ_t)), far more.
    for (let i = 0; i < viaEps.length; i++) {
      const t = ts[Math.floor(i / 3)]!;
      const a = schedule.alphaBars[t]!;
      const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
      const x0HatTerms = (Math.abs(x[i]!) + Math.sqrt(1 - a) * Math.abs(e[i]!)) / Math.sqrt(a) + Math.abs(x0Hat[i]!);
      const size = x0Coef * x0HatTerms + xtCoef * Math.abs(x[i]!) + Math.abs(viaEps[i]!);
      assertClose(viaEps[i]!, viaX0[i]!, { abs: 16 * 2 ** -24 * size }, `μ̃[${i}] (t = ${t})`);
    }
  });

  it('D5 the scalar identity holds in float64 at every t', () => {
    for (let t = 1; t <= schedule.T; t++) {
      const { alphas, alphaBars, betas } = schedule;
      const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
      // μ̃ = c0 (x_t − √(1−ᾱ) ε)/√ᾱ + ct x_t; read off the x_t and ε coefficients and compare with D5's.
      const xtWeight = x0Coef / Math.sqrt(alphaBars[t]!) + xtCoef;
      const epsWeight = (-x0Coef * Math.sqrt(1 - alphaBars[t]!)) / Math.sqrt(alphaBars[t]!);
      // 1 − ᾱ_t is computed by subtraction: its relative error is ~EPS/(1 − ᾱ_t) (1e-12 at t = 1), hence the bound.
      const rel = (16 * EPS) / (1 - alphaBars[t]!);
      assertClose(xtWeight, 1 / Math.sqrt(alphas[t]!), { rel }, `x_t weight t=${t}`);
      assertClose(epsWeight, -betas[t]! / (Math.sqrt(1 - alphaBars[t]!) * Math.sqrt(alphas[t]!)), { rel }, `ε weight t=${t}`);
    }
  });

  it('D2 tensor mean matches the scalar coefficients', () => {
    const x0 = tf.tensor2d([[1], [-2]]);
    const xt = tf.tensor2d([[0.5], [0.25]]);
    const out = toFloat64(posteriorMean(schedule, x0, xt, [3, 900]));
    [3, 900].forEach((t, i) => {
      const c = posteriorMeanCoefficients(schedule, t);
      assertClose(out[i]!, c.x0Coef * [1, -2][i]! + c.xtCoef * [0.5, 0.25][i]!, { abs: 1e-6 }, `t=${t}`);
    });
    expect(() => posteriorMean(schedule, x0, tf.zeros([3, 1]), 3)).toThrow(/posteriorMean: argument 'xt' must be a tensor of the same shape/);
  });
});

describe('D6, D7 the reverse variance', () => {
  it('D6 σ_t² is β_t (S0/S4 code) or β̃_t, and they differ exactly by (1−ᾱ_{t−1})/(1−ᾱ_t)', () => {
    for (const t of [2, 10, 100, 1000]) {
      const ratio = oneMinusAlphaBar(schedule, t - 1) / oneMinusAlphaBar(schedule, t);
      assertClose(reverseVariance(schedule, t, 'betaTilde'), ratio * reverseVariance(schedule, t, 'beta'), { rel: 4 * EPS }, `t=${t}`);
    }
    expect(() => reverseVariance(schedule, 5, 'sigma' as never)).toThrow(/'beta', 'betaTilde', 'fixedlarge', 'fixedsmall' or 'clamped'/);
  });

  it('D6 the reference codes differ only at t = 1: fixedlarge and fixedsmall use β̃_2 there, clamped uses 1e-20', () => {
    const bt2 = posteriorVariance(schedule, 2);
    expect(reverseVariance(schedule, 1, 'betaTilde')).toBe(0);
    expect(reverseVariance(schedule, 1, 'fixedlarge')).toBe(bt2);
    expect(reverseVariance(schedule, 1, 'fixedsmall')).toBe(bt2);
    expect(reverseVariance(schedule, 1, 'clamped')).toBe(1e-20);
    for (const t of [2, 10, 1000]) {
      expect(reverseVariance(schedule, t, 'fixedlarge')).toBe(schedule.betas[t]);
      expect(reverseVariance(schedule, t, 'fixedsmall')).toBe(posteriorVariance(schedule, t));
      expect(reverseVariance(schedule, t, 'clamped')).toBe(posteriorVariance(schedule, t));
    }
    // fixedsmall's variance at t = 1 is the exp of the clipped log variance D7 uses
    assertClose(Math.log(reverseVariance(schedule, 1, 'fixedsmall')), clippedLogPosteriorVariance(schedule, 1), { rel: 2 * EPS }, 'log');
  });

  it('D7 v = 1 gives β_t, v = 0 gives β̃_t, and log Σ is linear in v', () => {
    for (const t of [2, 50, 999]) {
      assertClose(learnedVariance(schedule, t, 1), schedule.betas[t]!, { rel: 8 * EPS }, 'v=1');
      assertClose(learnedVariance(schedule, t, 0), posteriorVariance(schedule, t), { rel: 8 * EPS }, 'v=0');
      const mid = Math.log(learnedVariance(schedule, t, 0.5));
      assertClose(mid, 0.5 * (Math.log(schedule.betas[t]!) + Math.log(posteriorVariance(schedule, t))), { abs: 1e-12 }, 'v=0.5');
    }
    assertClose(clippedLogPosteriorVariance(schedule, 1), Math.log(posteriorVariance(schedule, 2)), { rel: 0 }, 't=1 clip');
    expect(() => learnedVariance(schedule, 3, 1.5)).toThrow("learnedVariance: argument 'v' must be a number in [0, 1]; received 1.5");
    expect(() => learnedVariance(schedule, 3, Number.NaN)).toThrow(/finite/);
  });

  it('D7 tensor learnedLogVariance equals log learnedVariance at 2000 random (t, v), t per example and t = 1 clipped', () => {
    const rng = createRng(testSeed(71));
    for (const sch of [schedule, cosineSchedule(1000), linearSchedule(10, 1e-3, 0.4)]) {
      const n = 2000;
      const ts = Array.from({ length: n }, (_, i) => (i < 20 ? 1 : rng.int(1, sch.T)));
      // v read back after its float32 rounding, so the scalar reference sees exactly the tensor's input.
      const vT = tf.tensor(Float32Array.from(rng.uniforms(2 * n)), [n, 2]);
      const v = toFloat64(vT);
      const got = toFloat64(learnedLogVariance(sch, ts, vT));
      for (let i = 0; i < 2 * n; i++) {
        const t = ts[i >> 1]!;
        const want = Math.log(learnedVariance(sch, t, v[i]!));
        // float32: log β̃_t and log β_t − log β̃_t are rounded once each (2⁻²⁴ relative), then v·span and the sum once
        // more; so |error| ≤ 2⁻²⁴ (|log β̃_t| + 2|v·span| + 2|result|) < 2⁻²² (|log β̃_t| + |span| + |result|).
        const lo = clippedLogPosteriorVariance(sch, t);
        const span = Math.log(sch.betas[t]!) - lo;
        assertClose(got[i]!, want, { abs: 2 ** -22 * (Math.abs(lo) + Math.abs(span) + Math.abs(want)) }, `${sch.name} t=${t} v=${v[i]}`);
      }
    }
    // One t for the whole batch; v outside [0, 1] extrapolates in log space (not clamped, as in improved DDPM).
    const one = toFloat64(learnedLogVariance(schedule, 300, tf.tensor([[-0.5], [1.5]])));
    const [lb, lbt] = [Math.log(schedule.betas[300]!), Math.log(posteriorVariance(schedule, 300))];
    assertClose(one[0]!, lbt - 0.5 * (lb - lbt), { rel: 1e-6 }, 'v=-0.5');
    assertClose(one[1]!, lb + 0.5 * (lb - lbt), { rel: 1e-6 }, 'v=1.5');
    expect(() => learnedLogVariance(schedule, [1, 2], tf.zeros([3, 2]))).toThrow(/^learnedLogVariance: argument 't' must be one step per example \(length 3\)/);
    expect(() => learnedLogVariance(schedule, [0, 2], tf.zeros([2, 2]))).toThrow(/^learnedLogVariance: argument 't\[0\]'/);
  });

  it('D1 rejects t = 1 (point-mass prior) and steps outside 1..T', () => {
    expect(() => posteriorLogDensityByBayes(schedule, 1, 0, 0, 0)).toThrow(/2\.\.1000/);
    expect(() => posteriorLogDensityByBayes(schedule, 3, Number.NaN, 0, 0)).toThrow(/^posteriorLogDensityByBayes: argument 'xPrev' must be a finite/);
    expect(() => posteriorVariance(schedule, 1001)).toThrow(/1\.\.1000/);
  });
});

describe('D8 ε from x_0', () => {
  it('D8 inverts C5 and D4: ε recovered from (x_0, x_t) on tensors and as a scalar', () => {
    const rng = createRng(testSeed(81));
    const x0 = tf.tensor2d(Float32Array.from({ length: 12 }, () => rng.normal()), [4, 3]);
    const eps = tf.tensor2d(Float32Array.from({ length: 12 }, () => rng.normal()), [4, 3]);
    const ts = [2, 50, 500, 1000];
    const xt = qSample(schedule, x0, ts, eps);
    const back = toFloat64(predictEpsFromX0(schedule, xt, x0, ts));
    // float32: x_t carries ~1e-7·|x_t|, divided by √(1 − ᾱ_t) ≥ √(1 − ᾱ_2) = 0.017
    toFloat64(eps).forEach((e, i) => assertClose(back[i]!, e, { abs: 2e-5 }, `ε[${i}]`));
    const x0Again = toFloat64(predictX0FromEps(schedule, xt, predictEpsFromX0(schedule, xt, x0, ts), ts));
    toFloat64(x0).forEach((v, i) => assertClose(x0Again[i]!, v, { abs: 2e-5 }, `x0[${i}]`));
    // scalar: x_t = √ᾱ x_0 + √(1 − ᾱ) ε in float64, then back
    for (const t of [1, 10, 999]) {
      const xs = Math.sqrt(schedule.alphaBars[t]!) * 0.4 + Math.sqrt(oneMinusAlphaBar(schedule, t)) * -1.3;
      assertClose(epsFromX0(schedule, t, 0.4, xs), -1.3, { abs: 1e-12 }, `t=${t}`);
    }
  });
});

describe('D7 the clipped log β̃ at its smallest schedules', () => {
  it('D7 clippedLogPosteriorVariance: T = 2 uses β̃_2 at t = 1, T = 1 has no β̃_2 and says so', () => {
    const two = scheduleFromBetas([0.1, 0.2]);
    // β̃_2 = (1 − ᾱ_1)/(1 − ᾱ_2) β_2 = 0.1/(1 − 0.9·0.8) · 0.2; the log of a few-ulp quotient.
    assertClose(clippedLogPosteriorVariance(two, 1), Math.log((0.1 / (1 - 0.9 * 0.8)) * 0.2), { abs: 8 * EPS }, 'T=2, t=1');
    expect(() => clippedLogPosteriorVariance(scheduleFromBetas([0.1]), 1)).toThrow(/^clippedLogPosteriorVariance: argument 'schedule\.T' must be at least 2/);
  });
});
