import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { learnedVariance, posteriorMeanFromEps, posteriorVariance } from '../posterior/posterior.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { classifierFreeGuidance, classifierGuidedMean, dropLabels, guidedEpsModel } from './guidance.js';
import { gaussianMixtureEpsModel, sampleIsotropicMixture } from './gaussian-mixture-denoiser.js';
import { normalCdf } from '../probability/normal-cdf.js';
import { mean, standardError, variance, varianceStandardError } from '../stats/descriptive.js';
import { ancestralStep, ddimSample, ddimSigma, ddimStep, ddimTimesteps, ddpmSample, ddpmSampleLearnedVariance, greedyStep, learnedVarianceStep } from './samplers.js';

beforeAll(useCpuBackend);
const schedule = linearSchedule(1000);

describe('F1–F3 the DDPM step', () => {
  it('F1 one step equals (x_t − β_t/√(1−ᾱ_t) ε)/√α_t + σ_t z elementwise', () => {
    const rng = createRng(testSeed(71));
    const xt = rng.normalTensor([4, 3]);
    const eps = rng.normalTensor([4, 3]);
    const z = rng.normalTensor([4, 3]);
    const t = 321;
    const [x, e, n] = [toFloat64(xt), toFloat64(eps), toFloat64(z)];
    const { alphas, alphaBars, betas } = schedule;
    for (const choice of ['beta', 'betaTilde'] as const) {
      const out = toFloat64(ancestralStep(schedule, xt, t, eps, z, choice));
      const sigma = Math.sqrt(choice === 'beta' ? betas[t]! : posteriorVariance(schedule, t));
      for (let i = 0; i < 12; i++) {
        const want = (x[i]! - ((1 - alphas[t]!) / Math.sqrt(1 - alphaBars[t]!)) * e[i]!) / Math.sqrt(alphas[t]!) + sigma * n[i]!;
        assertClose(out[i]!, want, { abs: 1e-5 }, `${choice}[${i}]`); // float32
      }
    }
  });

  it('F2 the last step (t = 1) adds no noise: it returns the mean whatever z is', () => {
    const xt = tf.tensor2d([[0.3, -0.2]]);
    const eps = tf.tensor2d([[0.1, 0.5]]);
    const a = toFloat64(ancestralStep(schedule, xt, 1, eps, tf.tensor2d([[5, 5]])));
    const b = toFloat64(ancestralStep(schedule, xt, 1, eps, tf.tensor2d([[-5, 9]])));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).toEqual(Array.from(toFloat64(posteriorMeanFromEps(schedule, xt, eps, 1))));
  });

  it('F3 the greedy step is the F1 mean and a whole greedy run is deterministic', () => {
    const xt = tf.tensor2d([[1, 2]]);
    const eps = tf.tensor2d([[0.5, -0.5]]);
    expect(Array.from(toFloat64(greedyStep(schedule, xt, 50, eps)))).toEqual(Array.from(toFloat64(ancestralStep(schedule, xt, 50, eps, tf.zerosLike(xt)))));
    const small = linearSchedule(20, 0.01, 0.2);
    const model = (x: tf.Tensor) => tf.mul(x, 0.5);
    const xT = tf.tensor2d([[1], [-1]]);
    const a = toFloat64(ddpmSample(small, model, [2, 1], createRng(testSeed(1)), { greedy: true, xT }));
    const b = toFloat64(ddpmSample(small, model, [2, 1], createRng(testSeed(2)), { greedy: true, xT }));
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('F1 the sampler calls back once per step from T down to 1 and validates its shape', () => {
    const small = linearSchedule(5, 0.01, 0.2);
    const seen: number[] = [];
    ddpmSample(small, (x) => tf.zerosLike(x), [2, 1], createRng(testSeed(3)), { onStep: ({ t }) => seen.push(t) });
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    expect(() => ddpmSample(small, (x) => x, [0, 1], createRng(testSeed(3)))).toThrow("ddpmSample: argument 'shape[0]' must be an integer >= 1; received 0");
    // A starting state unlike the requested shape used to be followed silently (the greedy path never drew noise).
    expect(() => ddpmSample(small, (x) => x, [4, 1], createRng(testSeed(3)), { greedy: true, xT: tf.ones([2, 1]) })).toThrow(
      "ddpmSample: argument 'xT' must be a tensor of the requested shape [4, 1]; received shape [2, 1]",
    );
  });
});

describe('F4 DDIM', () => {
  it('F4 with η = 1 on consecutive steps σ² is exactly β̃_t (float64 identity)', () => {
    for (let t = 1; t <= 1000; t++) {
      const s = ddimSigma(schedule, t, t - 1, 1);
      // 1 − ᾱ_t/ᾱ_{t−1} = β_t is formed by subtraction: relative rounding ~EPS/β_t (2e-12 at t = 2), hence the bound.
      assertClose(s * s, posteriorVariance(schedule, t), { rel: (16 * EPS) / schedule.betas[t]! }, `t=${t}`);
    }
  });

  it('F4 with η = 1 on consecutive steps the DDIM step is F1 with σ² = β̃_t (same mean, same noise scale)', () => {
    const rng = createRng(testSeed(72));
    const xt = rng.normalTensor([5, 2]);
    const eps = rng.normalTensor([5, 2]);
    const z = rng.normalTensor([5, 2]);
    for (const t of [2, 40, 700, 1000]) {
      const ddim = toFloat64(ddimStep(schedule, xt, t, t - 1, eps, 1, z));
      const ddpm = toFloat64(ancestralStep(schedule, xt, t, eps, z, 'betaTilde'));
      for (let i = 0; i < 10; i++) assertClose(ddim[i]!, ddpm[i]!, { abs: 2e-4 }, `t=${t}[${i}]`); // float32; 1/√ᾱ_t up to 150 at t=1000
    }
  });

  it('F4 with η = 0 the sampler is deterministic: the same x_T gives the same x_0 whatever the generator', () => {
    const small = linearSchedule(50, 0.001, 0.1);
    const model = (x: tf.Tensor) => tf.mul(x, 0.3);
    const xT = tf.tensor2d([[0.4], [-1.3]]);
    const a = toFloat64(ddimSample(small, model, [2, 1], createRng(testSeed(10)), { xT, eta: 0, timesteps: ddimTimesteps(50, 10) }));
    const b = toFloat64(ddimSample(small, model, [2, 1], createRng(testSeed(99)), { xT, eta: 0, timesteps: ddimTimesteps(50, 10) }));
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = toFloat64(ddimSample(small, model, [2, 1], createRng(testSeed(99)), { xT, eta: 0.5, timesteps: ddimTimesteps(50, 10) }));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('F4 each τ_i is the nearest integer to the evenly spaced 1 + (T − 1)(i − 1)/(S − 1)', () => {
    // Increasing from 1 to T holds for floor and ceil as well; only rounding keeps every τ_i within ½ of its ideal point
    // (floor is off by up to 1 − 1/(S − 1), ceil likewise upwards).
    for (const [T, S] of [[1000, 50], [100, 7], [50, 10], [10, 4]] as const) {
      const taus = ddimTimesteps(T, S);
      taus.forEach((tau, i) => {
        expect(Number.isInteger(tau)).toBe(true);
        expect(Math.abs(tau - (1 + ((T - 1) * i) / (S - 1))), `T=${T}, S=${S}, τ_${i + 1}=${tau}`).toBeLessThanOrEqual(0.5);
      });
    }
    expect(ddimTimesteps(7, 1)).toEqual([7]);
  });

  it('F4 the subsequence is increasing from 1 to T and bad inputs are rejected', () => {
    const taus = ddimTimesteps(1000, 50);
    expect(taus[0]).toBe(1);
    expect(taus.at(-1)).toBe(1000);
    expect(taus).toHaveLength(50);
    for (let i = 1; i < taus.length; i++) expect(taus[i]!).toBeGreaterThan(taus[i - 1]!);
    expect(() => ddimTimesteps(10, 11)).toThrow(/1\.\.10/);
    expect(() => ddimSigma(schedule, 5, 5, 0.5)).toThrow("ddimSigma: argument 'tPrev' must be an integer in 0..4 (earlier than t); received 5");
    expect(() => ddimSigma(schedule, 5, 4, 1.5)).toThrow(/'eta' must be a number in \[0, 1\]/);
    expect(() => ddimSample(schedule, (x) => x, [1, 1], createRng(testSeed(1)), { timesteps: [5, 3] })).toThrow(/strictly increasing/);
    // x ~ N(0, I) is x_T: treating it as x_10 (ᾱ_10 ≈ 1, almost no noise) returned noise as if it were data.
    expect(() => ddimSample(schedule, (x) => x, [1, 1], createRng(testSeed(1)), { timesteps: [1, 5, 10] })).toThrow(/'timesteps' must be a sequence ending at T = 1000/);
    expect(() => ddimSample(schedule, (x) => x, [4, 1], createRng(testSeed(1)), { xT: tf.ones([2, 1]) })).toThrow(/'xT' must be a tensor of the requested shape \[4, 1\]/);
    expect(ddimSample(schedule, (x) => tf.zerosLike(x), [2, 1], createRng(testSeed(1)), { timesteps: [1, 5, 10], xT: tf.ones([2, 1]) }).shape).toEqual([2, 1]);
  });
});

describe('F5, F6 guidance', () => {
  it('F5 the guided mean shifts by s·Σ·∇log p(y|x_t) (logistic classifier, closed-form gradient)', () => {
    const [a, b, s, v] = [1.7, -0.3, 2.5, 0.04];
    const xt = tf.tensor2d([[0.2], [-1], [3]]);
    const mean = tf.tensor2d([[0.1], [0.1], [0.1]]);
    // log σ(a x + b) summed over the batch; ∂/∂x = a (1 − σ(a x + b)).
    // log σ(z) = −softplus(−z). (tf.logSigmoid's customGrad fails under tf.grad when its input is an intermediate.)
    const logClassifier = (x: tf.Tensor) => tf.neg(tf.sum(tf.softplus(tf.neg(tf.add(tf.mul(x, a), b))))) as tf.Scalar;
    const out = toFloat64(classifierGuidedMean(mean, xt, logClassifier, v, s));
    [0.2, -1, 3].forEach((x, i) => {
      const grad = a * (1 - 1 / (1 + Math.exp(-(a * x + b))));
      assertClose(out[i]!, 0.1 + s * v * grad, { abs: 1e-6 }, `x=${x}`);
    });
  });

  it('F6 classifier-free guidance: w = 0 is unconditional, w = 1 conditional, and linear in w', () => {
    const u = tf.tensor1d([1, 2]);
    const c = tf.tensor1d([3, -2]);
    expect(Array.from(classifierFreeGuidance(u, c, 0).dataSync())).toEqual([1, 2]);
    expect(Array.from(classifierFreeGuidance(u, c, 1).dataSync())).toEqual([3, -2]);
    expect(Array.from(classifierFreeGuidance(u, c, 3).dataSync())).toEqual([7, -10]);
    expect(() => classifierFreeGuidance(u, c, Number.NaN)).toThrow(/'w' must be a finite number/);
  });

  it('H S4 its conditional sampler never mixes: that is w = 1, and any w ≠ 1 gives another ε', () => {
    // A toy conditional model: ε(x, c) = x·0.5 + c, ε(x, ∅) = x·0.5.
    const model = (x: tf.Tensor, _t: number, labels: tf.Tensor | null) => (labels ? tf.add(tf.mul(x, 0.5), labels) : tf.mul(x, 0.5));
    const x = tf.tensor2d([[1], [2]]);
    const labels = tf.tensor2d([[1], [-1]]);
    const s4 = Array.from(model(x, 10, labels).dataSync()); // what S4 samples with
    expect(Array.from(guidedEpsModel(model, labels, 1)(x, 10).dataSync())).toEqual(s4);
    expect(Array.from(guidedEpsModel(model, labels, 3)(x, 10).dataSync())).not.toEqual(s4);
  });

  it('F6 per-example dropout drops each label with probability p (binomial, 6 SE) and keeps the rest', () => {
    const rng = createRng(testSeed(73));
    const n = 20000;
    const p = 0.15;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
    const out = dropLabels(labels, p, rng, 10);
    const dropped = out.filter((l) => l === 10).length;
    expect(Math.abs(dropped / n - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / n));
    out.forEach((l, i) => expect(l === 10 || l === labels[i]).toBe(true));
    expect(() => dropLabels([1, 2], 1.5, rng, 10)).toThrow("dropLabels: argument 'p' must be a number in [0, 1]; received 1.5");
    expect(() => dropLabels([], 0.1, rng, 10)).toThrow(/non-empty/);
    // nullLabel = 0 with class 0 in the data would make every class-0 example unconditional, dropped or not.
    expect(() => dropLabels([1, 0], 0.1, rng, 0)).toThrow("dropLabels: argument 'labels[1]' must be a class label other than nullLabel = 0; received 0");
  });

  it('H S4 drops the label for the whole batch with one draw: within-batch drop fractions are only 0 or 1', () => {
    // S4's form, as it trains: one uniform draw per batch decides for every example of that batch.
    const s4DropPerBatch = (labels: Int32Array, p: number, rng: ReturnType<typeof createRng>, nullLabel: number) =>
      rng.uniform() < p ? labels.map(() => nullLabel) : labels.slice();
    const rng = createRng(testSeed(74));
    const p = 0.15;
    const batch = 64;
    const fractions = { perExample: [] as number[], perBatch: [] as number[] };
    for (let b = 0; b < 400; b++) {
      const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
      fractions.perExample.push(dropLabels(labels, p, rng, 10).filter((l) => l === 10).length / batch);
      fractions.perBatch.push(s4DropPerBatch(labels, p, rng, 10).filter((l) => l === 10).length / batch);
    }
    // Classifier-free guidance needs, in every batch, about p·B unconditional examples (binomial: sd √(p(1−p)/B) ≈ 0.045).
    const sd = Math.sqrt((p * (1 - p)) / batch);
    const withinBand = (f: number) => Math.abs(f - p) < 6 * sd;
    expect(fractions.perExample.every(withinBand)).toBe(true);
    expect(fractions.perBatch.every(withinBand)).toBe(false);
    expect(fractions.perBatch.every((f) => f === 0 || f === 1)).toBe(true);
  });
});

describe('F the closed-form mixture denoiser the end-to-end check relies on', () => {
  it('F1 ε*(x_t, t) equals (x_t − √ᾱ_t E[x_0|x_t])/√(1−ᾱ_t) with E[x_0|x_t] by quadrature of Bayes over x_0 (1-D and 2-D)', () => {
    // Independent route: E[x_0|x_t] = ∫ x_0 p(x_0) q(x_t|x_0) dx_0 / ∫ p(x_0) q(x_t|x_0) dx_0 on a grid (trapezoid
    // on Gaussian integrands that vanish at the ends, h under the narrowest width 0.07: error far below float32).
    // The end-to-end samplers cannot see every denoiser error (dropping −(d/2) log v_k from the responsibilities
    // passes them all).
    const cases = [
      { m: { weights: [0.3, 0.7], means: [[-2], [1.5]], variances: [0.25, 0.5] }, h: 1e-3, pts: [[-1.2], [0], [0.4], [2.5]] },
      { m: { weights: [0.5, 0.3, 0.2], means: [[-1.5, 0], [1.5, 1], [0.5, -2]], variances: [0.2, 0.3, 0.15] }, h: 0.04, pts: [[0, 0], [0.5, -1], [-1, 1]] },
    ];
    for (const { m, h, pts } of cases) {
      const d = pts[0]!.length;
      const n = Math.round(16 / h) + 1; // grid on [-8, 8]^d
      const eps = gaussianMixtureEpsModel(schedule, m);
      for (const t of [20, 150, 600]) {
        const ab = schedule.alphaBars[t]!;
        const out = toFloat64(eps(tf.tensor2d(pts), t));
        pts.forEach((x, b) => {
          let z = 0;
          const num = new Float64Array(d);
          for (let g = 0; g < n ** d; g++) {
            const x0 = Array.from({ length: d }, (_, j) => -8 + h * (Math.floor(g / n ** j) % n));
            const prior = m.weights.reduce((s, w, k) => {
              const r2 = x0.reduce((a, v, j) => a + (v - m.means[k]![j]!) ** 2, 0);
              return s + w * Math.exp(-r2 / (2 * m.variances[k]!)) / (2 * Math.PI * m.variances[k]!) ** (d / 2);
            }, 0);
            const like = Math.exp(-x0.reduce((a, v, j) => a + (x[j]! - Math.sqrt(ab) * v) ** 2, 0) / (2 * (1 - ab)));
            z += prior * like;
            x0.forEach((v, j) => (num[j] = num[j]! + v * prior * like));
          }
          for (let j = 0; j < d; j++) {
            const want = (x[j]! - Math.sqrt(ab) * (num[j]! / z)) / Math.sqrt(1 - ab);
            // float32 model: x_t and x̂_0 to ~1e-7, divided by √(1−ᾱ_t) ≥ 0.07 here (t = 20).
            assertClose(out[b * d + j]!, want, { abs: 1e-4 }, `d=${d} t=${t} x=[${x}] axis ${j}`);
          }
        });
      }
    }
  });
});

describe('F1 + D7 sampling with the learned variance', () => {
  it('D7 learnedVarianceStep adds exp(½ log Σ_θ) z per element, log Σ_θ = v log β_t + (1 − v) log β̃_t; none at t = 1', () => {
    const rng = createRng(testSeed(91));
    const [xt, eps, z] = [rng.normalTensor([5, 2]), rng.normalTensor([5, 2]), rng.normalTensor([5, 2])];
    const v = tf.tensor(Float32Array.from(rng.uniforms(10)), [5, 2]);
    const [n, w] = [toFloat64(z), toFloat64(v)];
    const t = 321;
    const mean = toFloat64(posteriorMeanFromEps(schedule, xt, eps, t));
    const out = toFloat64(learnedVarianceStep(schedule, xt, t, eps, v, z));
    for (let i = 0; i < 10; i++) {
      const sigma = Math.sqrt(learnedVariance(schedule, t, w[i]!));
      assertClose(out[i]!, mean[i]! + sigma * n[i]!, { abs: 1e-5 }, `[${i}]`); // float32, values O(1)
    }
    expect(Array.from(learnedVarianceStep(schedule, xt, 1, eps, v, z).dataSync())).toEqual(Array.from(posteriorMeanFromEps(schedule, xt, eps, 1).dataSync()));
    expect(() => learnedVarianceStep(schedule, xt, t, eps, tf.zeros([5]), z)).toThrow(/^learnedVarianceStep: argument 'v'/);
  });

  it('D7 a whole run with v ≡ 1 is ddpmSample with σ² = β_t, with v ≡ 0 the one with β̃_t (same seed, same noise)', () => {
    const sch = linearSchedule(40, 1e-3, 0.2);
    const eps = (xt: tf.Tensor, t: number) => tf.mul(tf.sin(xt), 0.5 + t / 80);
    const fixed = (variance: 'beta' | 'betaTilde') => toFloat64(ddpmSample(sch, eps, [64, 2], createRng(testSeed(92)), { variance }));
    const [withBeta, withBetaTilde] = [fixed('beta'), fixed('betaTilde')];
    // The check can tell the two apart: the runs with β_t and β̃_t end far apart.
    expect(Math.max(...withBeta.map((x, i) => Math.abs(x - withBetaTilde[i]!)))).toBeGreaterThan(0.01);
    for (const [value, want] of [[1, withBeta], [0, withBetaTilde]] as const) {
      const learned = toFloat64(ddpmSampleLearnedVariance(sch, (xt, t) => ({ eps: eps(xt, t), v: tf.fill(xt.shape, value) }), [64, 2], createRng(testSeed(92))));
      // Same draws; the two noise scales, exp(½ log σ²) and √σ², differ in the last float32 bits only, which 40 steps
      // keep at ~1e-6 (the state stays O(1)); 1e-4 leaves room, and is 100× below the β_t-versus-β̃_t difference.
      for (let i = 0; i < learned.length; i++) assertClose(learned[i]!, want[i]!, { abs: 1e-4 }, `v=${value} [${i}]`);
    }
    expect(() => ddpmSampleLearnedVariance(sch, (xt, t) => ({ eps: eps(xt, t), v: tf.zerosLike(xt) }), [], createRng(1))).toThrow(/^ddpmSampleLearnedVariance: argument 'shape'/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Mutation testing (docs/BENCHMARKS.md, "Reliability"): checks for what the first Stryker run of sampling/ left open.

describe('F1, F4 the samplers’ arguments, their callbacks and the steps they take', () => {
  const small = linearSchedule(10, 0.01, 0.2);
  const zeros = (x: tf.Tensor) => tf.zerosLike(x);

  it('F1/F4 a shape is an array with a batch axis ([B] alone is one) and at most 2^28 values, checked before x_T is formed', () => {
    expect(() => ddpmSample(small, zeros, 'ab' as never, createRng(1))).toThrow("ddpmSample: argument 'shape' must be a shape [B, …] (an array); received ab");
    expect(ddpmSample(small, zeros, [3], createRng(1)).shape).toEqual([3]);
    // 2^15 · 2^15 = 2^30 values: refused as a shape, before the given x_T is compared with it (nothing is allocated).
    expect(() => ddpmSample(small, zeros, [2 ** 15, 2 ** 15], createRng(1), { xT: tf.zeros([1, 1]) })).toThrow(/^ddpmSample: argument 'shape' must be at most 2\^28 values in all/);
    expect(() => ddimSample(small, zeros, [2 ** 20, 2 ** 9], createRng(1), { xT: tf.zeros([1, 1]) })).toThrow(/^ddimSample: argument 'shape' must be at most 2\^28 values/);
  });

  it('F1/F4 x_T must be a tensor of the requested shape (also of another rank); onStep a function', () => {
    expect(() => ddpmSample(small, zeros, [2, 1], createRng(1), { xT: [1, 2] as never })).toThrow(/^ddpmSample: argument 'xT' must be a tensor; received/);
    expect(() => ddpmSample(small, zeros, [2, 1], createRng(1), { xT: tf.zeros([2]) })).toThrow("ddpmSample: argument 'xT' must be a tensor of the requested shape [2, 1]; received shape [2]");
    expect(() => ddpmSample(small, zeros, [2, 1], createRng(1), { onStep: 5 as never })).toThrow(/^ddpmSample: argument 'onStep' must be a function/);
  });

  it('F1 the callback sees each step t and the step it reached, t − 1, down to x_0', () => {
    const seen: [number, number][] = [];
    ddpmSample(linearSchedule(4, 0.01, 0.2), zeros, [1, 1], createRng(1), { onStep: ({ t, next }) => seen.push([t, next]) });
    expect(seen).toEqual([[4, 3], [3, 2], [2, 1], [1, 0]]);
  });

  it('F4 ddimStep refuses a τ_{i−1} that is not earlier than t, in its own name', () => {
    const x = tf.zeros([1, 1]);
    expect(() => ddimStep(small, x, 5, 5, x, 0, x)).toThrow("ddimStep: argument 'tPrev' must be an integer in 0..4 (earlier than t); received 5");
    expect(() => ddimStep(small, x, 5, 6, x, 0, x)).toThrow(/^ddimStep: argument 'tPrev'/);
  });

  it('F4 ddimSample: every step of τ down to x_0 (τ_1 → 0 included), with η > 0 drawing z for each, callbacks (t, τ_{i−1})', () => {
    const model = (x: tf.Tensor) => tf.mul(x, 0.3);
    const xT = tf.tensor2d([[0.4], [-1.3]]);
    const taus = [3, 7, 10];
    for (const eta of [0, 1]) {
      const seen: [number, number][] = [];
      const got = toFloat64(ddimSample(small, model, [2, 1], createRng(testSeed(12)), { xT, eta, timesteps: taus, onStep: ({ t, next }) => seen.push([t, next]) }));
      expect(seen).toEqual([[10, 7], [7, 3], [3, 0]]);
      // The same chain written out with ddimStep: z from the same generator, in the same order, when η > 0.
      const rng = createRng(testSeed(12));
      let x: tf.Tensor = xT;
      for (const [t, tPrev] of [[10, 7], [7, 3], [3, 0]] as const) {
        const z = eta > 0 ? rng.normalTensor([2, 1]) : tf.zerosLike(x);
        x = ddimStep(small, x, t, tPrev, model(x), eta, z);
      }
      const want = toFloat64(x);
      want.forEach((w, i) => assertClose(got[i]!, w, { abs: 1e-6 }, `η=${eta} x_0[${i}]`)); // the same float32 ops
    }
  });

  it('F4 ddimSample without x_T runs from T; its τ is checked: null, not numbers, empty, repeated, not ending at T', () => {
    expect(ddimSample(small, zeros, [2, 1], createRng(1), { timesteps: [2, 6, 10] }).shape).toEqual([2, 1]);
    expect(ddimSample(small, zeros, [2, 1], createRng(1)).shape).toEqual([2, 1]);
    const f = (timesteps: unknown) => () => ddimSample(small, zeros, [2, 1], createRng(1), { timesteps: timesteps as number[] });
    expect(f(null)).toThrow("ddimSample: argument 'timesteps' must be an increasing sequence in 1..T, or undefined for every step; received null");
    expect(f('abc')).toThrow("ddimSample: argument 'timesteps' must be a non-empty increasing sequence in 1..T; received abc");
    expect(f([])).toThrow("ddimSample: argument 'timesteps' must be a non-empty increasing sequence in 1..T; received []");
    expect(f([5, 5, 10])).toThrow("ddimSample: argument 'timesteps[1]' must be greater than timesteps[0] = 5 (strictly increasing); received 5");
    expect(f([2, 6, 9])).toThrow("ddimSample: argument 'timesteps' must be a sequence ending at T = 10 (or pass xT, the state at its last step); received a sequence ending at 9");
  });
});

describe('F5, F6 guidance: its bounds', () => {
  it('F5 the guided shift s·Σ may be up to 1e6 (float32), s and Σ enter as their product', () => {
    const x = tf.tensor2d([[0.5, -0.2]]);
    const logClassifier = (v: tf.Tensor) => tf.sum(v) as tf.Scalar; // ∇ = 1
    const shifted = (scale: number, variance: number) => toFloat64(classifierGuidedMean(x, x, logClassifier, variance, scale));
    expect(Array.from(shifted(1e6, 1))).toEqual(Array.from(toFloat64(tf.add(x, 1e6))));
    assertClose(shifted(2e6, 0.25)[0]!, 0.5 + 5e5, { rel: 1e-7 }, 's·Σ = 5e5');
    expect(() => shifted(1e3, 1e4)).toThrow("classifierGuidedMean: argument 'scale' must be a number with scale·variance <= 1000000 (float32: a larger shift overflows or swamps the mean); received 1000 (scale·variance = 10000000)");
    expect(() => shifted(1e7, 1)).toThrow(/argument 'scale' must be a number with scale·variance <= 1000000/);
  });

  it('F6 labels and ∅ are stored as int32: 2^31 − 1 is accepted, 2^31 refused; p = 0 never drops, even when u = 0', () => {
    expect(Array.from(dropLabels([2 ** 31 - 1], 0, createRng(1), 0))).toEqual([2 ** 31 - 1]);
    expect(Array.from(dropLabels([0], 1, createRng(1), 2 ** 31 - 1))).toEqual([2 ** 31 - 1]);
    expect(() => dropLabels([0], 0.5, createRng(1), 2 ** 31)).toThrow(/^dropLabels: argument 'nullLabel' must be an integer in 0\.\.2147483647/);
    expect(() => dropLabels([2 ** 31], 0.5, createRng(1), 0)).toThrow(/^dropLabels: argument 'labels\[0\]' must be an integer in 0\.\.2147483647/);
    // A generator whose uniform() returns 0, a value the 53-bit generator can return: dropped with probability p = 0 is never.
    const zeroUniform = Object.assign(Object.create(createRng(1)), { uniform: () => 0 });
    expect(Array.from(dropLabels([1, 2, 3], 0, zeroUniform, 9))).toEqual([1, 2, 3]);
  });
});

describe('F1 the Gaussian-mixture denoiser: its mixture and its inputs', () => {
  const schedule = linearSchedule(100, 1e-3, 0.1);
  const mix = { weights: [0.3, 0.7], means: [[1, -1], [-2, 0.5]], variances: [0.2, 0.5] };

  it('F1 the mixture is checked: means an array of K vectors of one length, K variances > 0, finite', () => {
    const f = (m: unknown) => () => gaussianMixtureEpsModel(schedule, m as typeof mix);
    expect(f({ ...mix, means: 5 })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.means' must be an array of mean vectors/);
    expect(f({ ...mix, means: [[1, -1]] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.means' must be 2 mean vectors \(one per weight\)/);
    expect(f({ ...mix, variances: [0.2] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.variances' must be 2 variances \(one per weight\)/);
    expect(f({ ...mix, means: [[1, Number.NaN], [0, 0]] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.means\[0\]\[1\]' must be a finite number/);
    expect(f({ ...mix, means: [[1, -1], [0]] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.means\[1\]' must be length 2 like means\[0\]/);
    expect(f({ ...mix, variances: [0.2, 0] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.variances\[1\]' must be a finite number > 0/);
    // float32 bounds of the tensors it builds
    expect(f({ ...mix, means: [[1, -1], [2e15, 0]] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.means\[1\]\[0\]' must be a number in \[-1000000000000000, 1000000000000000\]/);
    expect(f({ ...mix, variances: [0.2, 1e-31] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.variances\[1\]' must be a number in \[1e-30, 1000000000000000\]/);
    expect(f({ ...mix, variances: [2e15, 0.5] })).toThrow(/^gaussianMixtureEpsModel: argument 'mixture.variances\[0\]'/);
  });

  it('F1 ε*(x_t) takes x_t of shape [B, d] only; a component of weight 0 changes nothing', () => {
    const eps = gaussianMixtureEpsModel(schedule, mix);
    expect(() => eps(tf.zeros([4]), 10)).toThrow("gaussianMixtureEpsModel: argument 'xt' must be a tensor of shape [B, 2]; received shape [4]");
    expect(() => eps(tf.zeros([4, 3]), 10)).toThrow("gaussianMixtureEpsModel: argument 'xt' must be a tensor of shape [B, 2]; received shape [4, 3]");
    const withZero = gaussianMixtureEpsModel(schedule, { weights: [0.3, 0, 0.7], means: [[1, -1], [5, 5], [-2, 0.5]], variances: [0.2, 0.1, 0.5] });
    const xt = tf.tensor2d([[0.3, -0.4], [4.9, 5.1], [-1, 1]]);
    for (const t of [1, 50, 100]) {
      const [a, b] = [toFloat64(eps(xt, t)), toFloat64(withZero(xt, t))];
      a.forEach((v, i) => assertClose(b[i]!, v, { abs: 1e-6 }, `t=${t} [${i}]`)); // float32
    }
  });

  it('F1 sampleIsotropicMixture: n points of d coordinates with the mixture’s mean and variance per coordinate (6 SE), normal shape', () => {
    const n = 20000;
    const xs = sampleIsotropicMixture(mix, n, createRng(testSeed(75)));
    expect(xs.length).toBe(2 * n);
    for (const j of [0, 1]) {
      const col = Float64Array.from({ length: n }, (_, i) => xs[2 * i + j]!);
      const m = 0.3 * mix.means[0]![j]! + 0.7 * mix.means[1]![j]!;
      const second = 0.3 * (0.2 + mix.means[0]![j]! ** 2) + 0.7 * (0.5 + mix.means[1]![j]! ** 2);
      expect(Math.abs(mean(col) - m), `mean[${j}]`).toBeLessThan(6 * standardError(col));
      expect(Math.abs(variance(col) - (second - m * m)), `variance[${j}]`).toBeLessThan(6 * varianceStandardError(col));
    }
    // One component: each coordinate is N(μ_j, s²); KS against Φ (√n D < 1.95 at level 1e-3).
    const one = sampleIsotropicMixture({ weights: [1], means: [[3, -2]], variances: [0.25] }, 4000, createRng(testSeed(76)));
    for (const j of [0, 1]) {
      const z = Array.from({ length: 4000 }, (_, i) => (one[2 * i + j]! - [3, -2][j]!) / 0.5).sort((a, b) => a - b);
      let d = 0;
      z.forEach((v, i) => (d = Math.max(d, Math.abs(normalCdf(v) - i / 4000), Math.abs(normalCdf(v) - (i + 1) / 4000))));
      expect(Math.sqrt(4000) * d, `coordinate ${j}`).toBeLessThan(1.95);
    }
    // The d coordinates of a point come from one component: with means (5, 5) and (−5, −5) and s² = 0.01 both
    // coordinates of every point have the same sign.
    const apart = sampleIsotropicMixture({ weights: [0.5, 0.5], means: [[5, 5], [-5, -5]], variances: [0.01, 0.01] }, 500, createRng(testSeed(77)));
    for (let i = 0; i < 500; i++) expect(apart[2 * i]! * apart[2 * i + 1]!, `point ${i}`).toBeGreaterThan(0);
    expect(() => sampleIsotropicMixture(mix, 2 ** 27 + 1, createRng(1))).toThrow(/^sampleIsotropicMixture: argument 'n' must be an integer in 0\.\.134217728/);
  });
});
