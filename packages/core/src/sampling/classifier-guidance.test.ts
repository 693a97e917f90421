/**
 * F5 on the samplers: classifier-guided DDPM (F1) and DDIM with η = 1 (F4), with a (randomly initialised) noisy
 * classifier's log-likelihood as log p_φ(y | x_t, t).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { logClassifierOf, NoisyClassifier } from '../models/noisy-classifier.js';
import { posteriorVariance } from '../posterior/posterior.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { classifierGuidedDdimSample, classifierGuidedDdpmSample, ddimSample, ddimSigma, ddpmSample, type EpsModel, type LogClassifier } from './samplers.js';

beforeAll(useCpuBackend);

// A short chain (T = 10, β up to 0.2) so that σ_T² is large and the first step's shift well above float32 rounding.
const schedule = linearSchedule(10, 1e-3, 0.2);
const shape = [3, 8, 8, 1];
const labels = [0, 2, 1];
const epsModel: EpsModel = (x) => tf.mul(x, 0.3);
let classifier: NoisyClassifier;
let logClassifier: LogClassifier;
beforeAll(() => {
  classifier = new NoisyClassifier(createRng(testSeed(5)), { widths: [6], hidden: 16, size: 8, timeDim: 8, numClasses: 3 });
  logClassifier = logClassifierOf(classifier, labels);
});

/** The first state a sampler reaches (after its first step from xT), kept past the sampler's disposal. */
function firstStep(run: (onStep: (info: { x: tf.Tensor }) => void) => tf.Tensor): Float64Array {
  let first: Float64Array | undefined;
  run(({ x }) => {
    first ??= toFloat64(x);
  }).dispose();
  return first!;
}

/** ∇_x L(x) by central differences, coordinate by coordinate, in float32 as the network computes. */
function finiteDifferenceGradient(L: (x: tf.Tensor) => number, x: Float64Array, h: number): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const plus = Float32Array.from(x);
    const minus = Float32Array.from(x);
    plus[i]! += h;
    minus[i]! -= h;
    g[i] = (L(tf.tensor(plus, shape)) - L(tf.tensor(minus, shape))) / (2 * h);
  }
  return g;
}

describe('F5 classifier-guided samplers', () => {
  it('F5 s = 0 reproduces the unguided DDPM (σ² = β and β̃) and DDIM η = 1 samplers bit for bit from the same seed; s = 1 does not', () => {
    const seed = testSeed(21);
    for (const variance of ['beta', 'betaTilde'] as const) {
      const plain = toFloat64(ddpmSample(schedule, epsModel, shape, createRng(seed), { variance }));
      const guided = toFloat64(classifierGuidedDdpmSample(schedule, epsModel, logClassifier, shape, createRng(seed), { scale: 0, variance }));
      expect(guided).toEqual(plain);
      const pushed = toFloat64(classifierGuidedDdpmSample(schedule, epsModel, logClassifier, shape, createRng(seed), { scale: 1, variance }));
      expect(pushed).not.toEqual(plain);
    }
    const timesteps = [1, 4, 7, 10];
    const plain = toFloat64(ddimSample(schedule, epsModel, shape, createRng(seed), { timesteps, eta: 1 }));
    expect(toFloat64(classifierGuidedDdimSample(schedule, epsModel, logClassifier, shape, createRng(seed), { scale: 0, timesteps }))).toEqual(plain);
    expect(toFloat64(classifierGuidedDdimSample(schedule, epsModel, logClassifier, shape, createRng(seed), { scale: 1, timesteps }))).not.toEqual(plain);
  });

  // The first step from the same x_T with the same z differs from the unguided one by exactly F5's shift
  // Δ = s σ² ∇_x log p_φ(y | x_T, T). ∇ is checked against central differences of log p_φ (h = 0.01, float32):
  // round-off in L (|L| ≈ 3.3, ulp ≈ 2.4e-7) contributes ≲ 2.4e-7/(2h) ≈ 1.2e-5 per coordinate, the h²/6 · L'''
  // truncation about as much for a unit-scale network, so a tolerance of 2e-4 is ~8× the error budget, while a
  // flipped sign, a missing s or the wrong σ² is off by the gradient itself (its largest entry is required ≥ 50× the
  // tolerance). Δ · ∇ > 0 is the first-order statement that the step moves log p_φ(y | x) up.
  it.each([
    ['DDPM, σ² = β_T', 'beta', () => schedule.betas[10]!],
    ['DDPM, σ² = β̃_T', 'betaTilde', () => posteriorVariance(schedule, 10)],
    ['DDIM η = 1, σ² = σ_10→6(1)²', 'ddim', () => ddimSigma(schedule, 10, 6, 1) ** 2],
  ] as const)('F5 %s: the first guided step is the unguided one shifted by s σ² ∇ log p_φ(y | x_T, T) (finite differences)', (_name, kind, sigma2) => {
    const seed = testSeed(33);
    const xT = createRng(testSeed(34)).normalTensor(shape);
    const s = 2;
    const step = (scale: number) =>
      firstStep((onStep) =>
        kind === 'ddim'
          ? classifierGuidedDdimSample(schedule, epsModel, logClassifier, shape, createRng(seed), { scale, timesteps: [2, 6, 10], xT, onStep })
          : classifierGuidedDdpmSample(schedule, epsModel, logClassifier, shape, createRng(seed), { scale, variance: kind, xT, onStep }),
      );
    const unguided = step(0);
    const guided = step(s);
    const L = (x: tf.Tensor) => tf.tidy(() => logClassifier(x, 10).dataSync()[0]!);
    const grad = finiteDifferenceGradient(L, toFloat64(xT), 0.01);
    const tolerance = 2e-4;
    expect(Math.max(...grad.map(Math.abs))).toBeGreaterThan(50 * tolerance);
    let worst = 0;
    let ascent = 0;
    for (let i = 0; i < grad.length; i++) {
      const shiftOverScale = (guided[i]! - unguided[i]!) / (s * sigma2());
      worst = Math.max(worst, Math.abs(shiftOverScale - grad[i]!));
      ascent += (guided[i]! - unguided[i]!) * grad[i]!;
    }
    expect(worst).toBeLessThan(tolerance);
    expect(ascent).toBeGreaterThan(0);
    xT.dispose();
  });

  it('F5 DDIM: the last jump (to t = 0) has σ = 0 and is not guided: a one-step chain from x_τ ignores s', () => {
    const xT = createRng(testSeed(40)).normalTensor(shape);
    const run = (scale: number) => toFloat64(classifierGuidedDdimSample(schedule, epsModel, logClassifier, shape, createRng(1), { scale, timesteps: [4], xT }));
    expect(run(5)).toEqual(run(0));
    xT.dispose();
  });

  it('F5 logClassifierOf is Σ_b log softmax(f_φ(x_b, t))[y_b], and its gradient decouples the examples', () => {
    const x = createRng(testSeed(41)).normalTensor(shape) as tf.Tensor4D;
    const logits = classifier.logits(x, 7).arraySync();
    const want = labels.reduce((acc, y, b) => {
      const row = logits[b]!;
      const max = Math.max(...row);
      return acc + row[y]! - max - Math.log(row.reduce((z, v) => z + Math.exp(v - max), 0));
    }, 0);
    expect(logClassifier(x, 7).dataSync()[0]!).toBeCloseTo(want, 4); // float32 sums of three log-probabilities
    // Example 0's gradient does not depend on example 1's image: change image 1, and row 0 of ∇ stays the same.
    const grad0 = toFloat64(tf.grad((v: tf.Tensor) => logClassifier(v, 7))(x)).slice(0, 64);
    const moved = tf.concat([tf.slice(x, 0, 1), tf.add(tf.slice(x, 1, 1), 1), tf.slice(x, 2, 1)]);
    const grad0Moved = toFloat64(tf.grad((v: tf.Tensor) => logClassifier(v, 7))(moved)).slice(0, 64);
    expect(grad0Moved).toEqual(grad0);
    expect(() => logClassifierOf(classifier, [0, 3])).toThrow("logClassifierOf: argument 'labels[1]' must be an integer class in 0..2; received 3");
    expect(() => logClassifierOf(classifier, [])).toThrow(/logClassifierOf: argument 'labels' must be a non-empty array/);
    expect(() => logClassifier(tf.zeros([2, 8, 8, 1]), 7)).toThrow("logClassifierOf: argument 'xt' must be a batch of 3 images (one per label); received [2,8,8,1]");
    x.dispose();
  });

  it('bad input is refused naming the sampler and the argument', () => {
    const r = () => createRng(1);
    const ddpm = (o: object, lc: unknown = logClassifier) => () => classifierGuidedDdpmSample(schedule, epsModel, lc as LogClassifier, shape, r(), o as { scale: number });
    const ddim = (o: object) => () => classifierGuidedDdimSample(schedule, epsModel, logClassifier, shape, r(), o as { scale: number });
    expect(ddpm({ scale: -1 })).toThrow("classifierGuidedDdpmSample: argument 'scale' must be a number in [0, 1000000]; received -1");
    expect(ddpm({})).toThrow(/classifierGuidedDdpmSample: argument 'scale' must be a number in \[0, 1000000\]; received undefined/);
    expect(ddpm({ scale: Number.NaN })).toThrow(/classifierGuidedDdpmSample: argument 'scale'/);
    expect(ddpm({ scale: 2e6 })).toThrow(/classifierGuidedDdpmSample: argument 'scale'/);
    expect(ddpm({ scale: 1, variance: 'learned' })).toThrow(/classifierGuidedDdpmSample: argument 'variance'/);
    expect(ddpm({ scale: 1 }, 5)).toThrow(/classifierGuidedDdpmSample: argument 'logClassifier' must be a function/);
    expect(ddim({ scale: 1, timesteps: [5, 3] })).toThrow(/classifierGuidedDdimSample: argument 'timesteps\[1\]' must be greater than timesteps\[0\] = 5/);
    expect(ddim({ scale: 1, timesteps: [1, 5] })).toThrow(/classifierGuidedDdimSample: argument 'timesteps' must be a sequence ending at T = 10/);
    expect(ddim({ scale: 1, xT: tf.zeros([2, 8, 8, 1]) })).toThrow(/classifierGuidedDdimSample: argument 'xT' must be a tensor of the requested shape/);
  });
});
