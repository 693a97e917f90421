import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointsTensor, toy2d, TOY_2D_NAMES } from '../data/toy2d.js';
import { randomBatch } from '../data/batch.js';
import { MlpDenoiser } from '../models/mlp.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { assertAllClose, assertClose, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { ddimSample, ddimTimesteps, ddpmSample, ddpmSampleLearnedVariance, type EpsModel } from '../sampling/samplers.js';
import { perExampleVlbTerm, trainingInput } from '../objective/objective.js';
import { learnedLogVariance } from '../posterior/posterior.js';
import { accumulateGradients, ddpmLoss, ddpmTrainStep, ddpmVlbTerms, drawTrainingNoise, epsVarianceModelOf, sampleModel, trainDdpm } from './ddpm.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

/** L_simple on a fixed evaluation batch (fixed t and ε), so before/after numbers differ only by the weights. */
function evalLoss(model: MlpDenoiser, schedule: ReturnType<typeof linearSchedule>, x0: tf.Tensor, seed: number, labels: tf.Tensor | null = null) {
  const r = createRng(seed);
  const t = Float64Array.from({ length: x0.shape[0]! }, () => r.int(1, schedule.T));
  const eps = r.normalTensor(x0.shape);
  const l = ddpmLoss(model, schedule, x0, t, eps, labels);
  const v = l.dataSync()[0]!;
  l.dispose();
  eps.dispose();
  return v;
}

describe('E4 DDPM training of the 2-D MLP denoiser', () => {
  it('toy2d: each dataset draws n finite points from its seed, reproducibly', () => {
    for (const name of TOY_2D_NAMES) {
      const a = toy2d(name, 100, createRng(3));
      expect(a.length).toBe(200);
      expect(a.every(Number.isFinite)).toBe(true);
      expect(Array.from(toy2d(name, 100, createRng(3)))).toEqual(Array.from(a));
    }
    expect(() => toy2d('spiral' as never, 10, createRng(1))).toThrow(/toy2d: argument 'name' must be one of/);
    expect(() => toy2d('twoMoons', 0, createRng(1))).toThrow(/toy2d: argument 'n'/);
  });

  it('E4 smoke: 40 Adam steps lower L_simple on a fixed held-out batch (a sign-flipped gradient would raise it)', () => {
    const rng = createRng(testSeed(11));
    const schedule = linearSchedule(100, 1e-4, 0.1);
    const model = new MlpDenoiser(rng, { hidden: 64 });
    const data = { x: pointsTensor(toy2d('gaussianMixture', 512, rng)) };
    const held = pointsTensor(toy2d('gaussianMixture', 256, rng));
    const before = evalLoss(model, schedule, held, 99);
    const { losses } = trainDdpm(model, data, rng, { schedule, steps: 40, batchSize: 128, learningRate: 3e-3 });
    const after = evalLoss(model, schedule, held, 99);
    expect(losses.length).toBe(40);
    // An untrained net's loss is ≈ E‖ε‖²/d + output variance ≈ 1 or more; a net that learned only the mean of ε
    // (zero) gets 1; learning the score of an 8-mode mixture gets well below. 0.8× is far from both failure modes.
    expect(after).toBeLessThan(0.8 * before);
    data.x.dispose();
    held.dispose();
    model.params.dispose();
  });

  it('E4 gradient accumulation over 4 micro-batches gives the same update as the full batch', () => {
    const schedule = linearSchedule(50, 1e-4, 0.1);
    const x0 = pointsTensor(toy2d('twoMoons', 64, createRng(5)));
    const run = (m: number) => {
      const model = new MlpDenoiser(createRng(7), { hidden: 16 });
      const w0 = model.params.list.map((v) => Float64Array.from(v.dataSync()));
      const loss = ddpmTrainStep(model, tf.train.sgd(1), schedule, x0, null, createRng(8), { microBatches: m });
      const dw = model.params.list.map((v, i) => Float64Array.from(v.dataSync(), (x, j) => x - w0[i]![j]!));
      model.params.dispose();
      return { loss, dw };
    };
    const full = run(1);
    const acc = run(4);
    // Same t, ε and weights: the loss and the update agree to float32 rounding of sums over 64 examples
    // (abs 1e-5 on O(0.1) quantities); weighting each micro-batch by 1 instead of 1/4 would make them 4× apart.
    assertClose(acc.loss, full.loss, { rel: 1e-5 }, 'loss');
    full.dw.forEach((d, i) => assertAllClose(acc.dw[i]!, d, { abs: 1e-5, rel: 1e-4 }, `update ${i}`));
    expect(Math.max(...full.dw.map((d) => Math.max(...d.map(Math.abs))))).toBeGreaterThan(1e-3);
  });
});

describe('D7 improved DDPM: learned variance trained with L_hybrid', () => {
  it('D7 ddpmLoss picks L_hybrid for a model with a variance head and rejects it for one without; the head is opt-in', () => {
    const schedule = linearSchedule(50, 1e-3, 0.2);
    const rng = createRng(testSeed(33));
    const plain = new MlpDenoiser(createRng(1), { hidden: 8 });
    const learned = new MlpDenoiser(createRng(1), { hidden: 8, learnVariance: true });
    // Same seed, same ε path: the head is added after every existing parameter, and the old config is unchanged.
    expect(plain.config).toEqual({ dim: 2, hidden: 8, layers: 3, timeDim: 32, numClasses: 0 });
    expect(learned.params.list.length).toBe(plain.params.list.length + 2);
    const x0 = pointsTensor(toy2d('twoMoons', 16, rng));
    const t = Float64Array.from({ length: 16 }, () => rng.int(1, schedule.T));
    const eps = rng.normalTensor([16, 2]);
    const simple = ddpmLoss(learned, schedule, x0, t, eps, null, { objective: 'simple' }).dataSync()[0]!;
    const hybrid = ddpmLoss(learned, schedule, x0, t, eps).dataSync()[0]!;
    // L_hybrid − L_simple = λ T/(d ln 2) · mean L_vlb, with L_vlb from the same model's ε and Σ.
    const vlb = toFloat64(ddpmVlbTerms(learned, schedule, x0, t, eps, 'learned'));
    const expected = simple + ((0.001 * schedule.T) / (2 * Math.LN2)) * (vlb.reduce((a, b) => a + b, 0) / 16);
    assertClose(hybrid, expected, { rel: 1e-5 }, 'L_hybrid'); // float32 sums over 16 × 2
    assertClose(ddpmLoss(plain, schedule, x0, t, eps).dataSync()[0]!, simple, { rel: 1e-6 }, 'same ε path');
    expect(() => ddpmLoss(plain, schedule, x0, t, eps, null, { objective: 'hybrid' })).toThrow(/^ddpmLoss: argument 'objective' must be 'simple' for a model without a variance head/);
    expect(() => sampleModel(plain, schedule, 4, rng, { variance: 'learned' })).toThrow(/^sampleModel: argument 'variance'/);
    expect(() => plain.predictWithVariance(x0, t)).toThrow(/^MlpDenoiser.predictWithVariance: argument 'options.learnVariance'/);
    [plain, learned].forEach((m) => m.params.dispose());
  });
});

describe('F6 classifier-free guidance in training and sampling', () => {
  it('F6 drawTrainingNoise drops each label with probability pUncond (binomial, 6 SE) and keeps the others', () => {
    const model = new MlpDenoiser(createRng(1), { hidden: 8, numClasses: 3 });
    const schedule = linearSchedule(10);
    const B = 4000;
    const labels = Int32Array.from({ length: B }, (_, i) => i % 3);
    for (const p of [0.1, 0.5]) {
      const noise = drawTrainingNoise(model, schedule, [B, 2], labels, createRng(testSeed(41)), p);
      noise.eps.dispose();
      const drawn = noise.labels!;
      // ∅ is label numClasses = 3; every other label must be the example's own.
      const dropped = drawn.filter((l) => l === 3).length;
      drawn.forEach((l, i) => expect(l === 3 || l === labels[i]).toBe(true));
      expect(Math.abs(dropped / B - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / B));
    }
    model.params.dispose();
  });

  it('F6 drawTrainingNoise draws t uniformly from 1..T, both ends included (each count within 6 SE of B/T)', () => {
    const model = new MlpDenoiser(createRng(1), { hidden: 8 });
    const T = 10;
    const B = 20000;
    const noise = drawTrainingNoise(model, linearSchedule(T), [B, 2], null, createRng(testSeed(42)));
    noise.eps.dispose();
    const counts = new Array<number>(T + 2).fill(0);
    for (const t of noise.t) counts[t]! += 1;
    expect(counts[0]).toBe(0);
    expect(counts[T + 1]).toBe(0);
    // Each count is Binomial(B, 1/T): mean B/T, standard deviation √(B (1/T)(1 − 1/T)).
    const sd = Math.sqrt(B * (1 / T) * (1 - 1 / T));
    for (let t = 1; t <= T; t++) expect(Math.abs(counts[t]! - B / T), `count of t=${t}`).toBeLessThan(6 * sd);
    model.params.dispose();
  });

  it('F6 sampleModel guides with ε(x, ∅) + w (ε(x, c) − ε(x, ∅)): the same samples as that mix written out (DDIM and DDPM)', () => {
    const schedule = linearSchedule(20, 1e-3, 0.2);
    // An untrained conditional net: its label embedding already makes ε(x, c) and ε(x, ∅) differ.
    const model = new MlpDenoiser(createRng(testSeed(43)), { hidden: 16, numClasses: 3 });
    const n = 6;
    const classes = [0, 1, 2, 0, 1, 2];
    const labels = tf.tensor1d(Int32Array.from(classes), 'int32');
    const w = 3;
    /** ε̃ computed elementwise in float64 from the two passes: `mix(u, c)`, with u = ε(x, ∅) and c = ε(x, c). */
    const written = (mix: (u: number, c: number) => number) => (xt: tf.Tensor, t: number) => {
      const u = model.predict(xt, t, null);
      const c = model.predict(xt, t, labels);
      const [ud, cd] = [u.dataSync(), c.dataSync()];
      expect(Math.max(...ud.map((x, i) => Math.abs(x - cd[i]!)))).toBeGreaterThan(1e-2);
      const out = tf.tensor(Float32Array.from(ud, (x, i) => mix(x, cd[i]!)), u.shape);
      u.dispose();
      c.dispose();
      return out;
    };
    const f6 = written((u, c) => u + w * (c - u));
    const swapped = written((u, c) => c + w * (u - c));
    const seed = testSeed(44);
    const ddim = { timesteps: ddimTimesteps(schedule.T, 5), eta: 0 };
    const cases = [
      { options: { sampler: 'ddim', ddimSteps: 5 } as const, by: (eps: EpsModel) => ddimSample(schedule, eps, [n, 2], createRng(seed), ddim) },
      { options: { variance: 'beta' } as const, by: (eps: EpsModel) => ddpmSample(schedule, eps, [n, 2], createRng(seed), { variance: 'beta' }) },
    ];
    for (const { options, by } of cases) {
      const got = toFloat64(sampleModel(model, schedule, n, createRng(seed), { ...options, labels: classes, guidance: w }));
      const want = toFloat64(by(f6));
      const wrong = toFloat64(by(swapped));
      // Same x_T and z (same seed): the two agree to float32 rounding over ≤ 20 steps (abs 1e-4 on O(1) values);
      // the mix with ε(x, c) and ε(x, ∅) swapped lands ≥ 0.01 away somewhere.
      assertAllClose(got, want, { abs: 1e-4 }, `${options.sampler ?? 'ddpm'} guided sample`);
      expect(Math.max(...got.map((x, i) => Math.abs(x - wrong[i]!)))).toBeGreaterThan(1e-2);
    }
    labels.dispose();
    model.params.dispose();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Mutation testing (docs/BENCHMARKS.md, "Reliability"): fast checks of what ddpm-training.test.ts alone reached.

describe('E1/D7 ddpmVlbTerms and the training loop’s controls (tiny models, a few steps)', () => {
  const schedule = linearSchedule(10, 1e-3, 0.2);

  it('E1/D7 ddpmVlbTerms with σ² = β_t is v ≡ 1, with β̃_t v ≡ 0, in perExampleVlbTerm (D7’s log-variance mix)', () => {
    const rng = createRng(testSeed(45));
    const model = new MlpDenoiser(createRng(2), { hidden: 8 });
    const x0 = pointsTensor(toy2d('twoMoons', 6, rng));
    const t = Float64Array.from([1, 2, 4, 6, 8, 10]);
    const eps = rng.normalTensor([6, 2]);
    const xt = trainingInput(schedule, x0, t, eps);
    const epsPred = model.predict(xt, t, null);
    for (const [variance, v] of [['beta', 1], ['betaTilde', 0]] as const) {
      const got = toFloat64(ddpmVlbTerms(model, schedule, x0, t, eps, variance));
      const want = toFloat64(perExampleVlbTerm(schedule, x0, xt, t, epsPred, learnedLogVariance(schedule, t, tf.fill([6, 2], v))));
      got.forEach((g, i) => assertClose(g, want[i]!, { rel: 1e-5, abs: 1e-5 }, `${variance}[${i}]`)); // the same float32 ops
    }
    expect(() => ddpmVlbTerms(model, schedule, x0, t, eps, 'learned')).toThrow(/^ddpmVlbTerms: argument 'variance' must be 'beta' or 'betaTilde' for a model without a variance head/);
    expect(() => ddpmVlbTerms(model, schedule, x0, t, eps, 'sigma' as never)).toThrow(/^ddpmVlbTerms: argument 'variance' must be 'learned', 'beta' or 'betaTilde'/);
    model.params.dispose();
  });

  it('E4 trainDdpm: onStep sees steps startStep + 1, …; returning false stops after that step with its losses', () => {
    const rng = createRng(testSeed(46));
    const model = new MlpDenoiser(createRng(3), { hidden: 8 });
    const data = { x: pointsTensor(toy2d('twoMoons', 32, rng)) };
    const seen: number[] = [];
    const result = trainDdpm(model, data, rng, { schedule, steps: 5, batchSize: 8, startStep: 7, onStep: ({ step, loss }) => (seen.push(step), expect(Number.isFinite(loss)).toBe(true), step < 9) });
    expect(seen).toEqual([8, 9]);
    expect(result.step).toBe(9);
    expect(result.losses.length).toBe(2);
    expect(Array.from(result.losses).every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    const full = trainDdpm(model, data, rng, { schedule, steps: 3, batchSize: 8 });
    expect([full.step, full.losses.length]).toEqual([3, 3]);
    data.x.dispose();
    model.params.dispose();
  });

  it('E4 trainDdpm refuses a batch that micro-batches do not divide, labels of the wrong count, an empty dataset, a bad objective or λ', () => {
    const model = new MlpDenoiser(createRng(3), { hidden: 8 });
    const x = tf.zeros([8, 2]);
    const base = { schedule, steps: 1, batchSize: 4 };
    expect(() => trainDdpm(model, { x }, createRng(1), { ...base, microBatches: 3 })).toThrow(/^trainDdpm: argument 'microBatches' must be a divisor of the batch size 4; received 3/);
    expect(() => trainDdpm(model, { x, labels: new Int32Array(7) }, createRng(1), base)).toThrow(/^trainDdpm: argument 'data.labels' must be 8 labels \(one per example\); received 7/);
    expect(() => trainDdpm(model, { x: tf.zeros([0, 2]) }, createRng(1), base)).toThrow(/^trainDdpm: argument 'data.x' must be a tensor of examples \[N ≥ 1, …\]/);
    expect(() => trainDdpm(model, { x: tf.zeros([8]) }, createRng(1), base)).toThrow(/^trainDdpm: argument 'data.x' must be a tensor of examples \[N ≥ 1, …\]/);
    expect(() => trainDdpm(model, { x }, createRng(1), { ...base, objective: 'vlb' as never })).toThrow(/^trainDdpm: argument 'objective' must be 'simple' or 'hybrid'; received vlb/);
    expect(() => trainDdpm(model, { x }, createRng(1), { ...base, objective: 'hybrid' })).toThrow(/^trainDdpm: argument 'objective' must be 'simple' for a model without a variance head/);
    expect(() => trainDdpm(model, { x }, createRng(1), { ...base, vlbWeight: -1 })).toThrow(/^trainDdpm: argument 'vlbWeight' must be a finite number >= 0; received -1/);
    expect(() => trainDdpm(model, { x }, createRng(1), { ...base, batchSize: 0 })).toThrow(/^trainDdpm: argument 'batchSize' must be an integer in 1\.\./);
    expect(() => trainDdpm(model, { x }, createRng(1), { ...base, startStep: Number.MAX_SAFE_INTEGER })).toThrow(/^trainDdpm: argument 'startStep' must be an integer in 0\.\./);
    expect(() => ddpmTrainStep(model, tf.train.sgd(1), schedule, x, null, createRng(1), { microBatches: 3 })).toThrow(/^ddpmTrainStep: argument 'microBatches' must be a divisor of the batch size 8; received 3/);
    expect(() => accumulateGradients(model, schedule, x, { t: new Float64Array(8).fill(1), eps: tf.zeros([8, 2]), labels: null }, 1, 3)).toThrow(/^accumulateGradients: argument 'microBatches' must be a divisor of the batch size 8; received 3/);
    expect(() => drawTrainingNoise(new MlpDenoiser(createRng(1), { hidden: 8, numClasses: 3 }), schedule, [4, 2], null, createRng(1))).toThrow(/^drawTrainingNoise: argument 'labels' must be int labels for a conditional model/);
    model.params.dispose();
  });

  it('F6 + D7 a guided learned-variance sample mixes ε as F6 and takes v from the conditional pass', () => {
    const model = new MlpDenoiser(createRng(testSeed(47)), { hidden: 16, numClasses: 3, learnVariance: true });
    const n = 4;
    const classes = [0, 1, 2, 1];
    const labels = tf.tensor1d(Int32Array.from(classes), 'int32');
    const w = 2.5;
    const written = (xt: tf.Tensor, t: number) => {
      const u = model.predict(xt, t, null);
      const c = model.predictWithVariance(xt, t, labels);
      const eps = tf.add(u, tf.mul(tf.sub(c.eps, u), w));
      u.dispose();
      c.eps.dispose();
      return { eps, v: c.v };
    };
    const seed = testSeed(48);
    const got = toFloat64(sampleModel(model, schedule, n, createRng(seed), { labels: classes, guidance: w }));
    const want = toFloat64(ddpmSampleLearnedVariance(schedule, written, [n, 2], createRng(seed)));
    assertAllClose(got, want, { abs: 1e-4 }, 'guided learned-variance sample'); // float32 over 10 steps
    const plain = toFloat64(sampleModel(model, schedule, n, createRng(seed), { labels: classes }));
    expect(Math.max(...plain.map((x, i) => Math.abs(x - got[i]!)))).toBeGreaterThan(1e-3);
    expect(() => epsVarianceModelOf(new MlpDenoiser(createRng(1), { hidden: 8 }))).toThrow(/^epsVarianceModelOf: argument 'model' must be a model with a variance head/);
    labels.dispose();
    model.params.dispose();
  });
});

describe('E4/F1/F4/D7 sampleModel’s paths and the step’s bookkeeping (tiny models)', () => {
  const schedule = linearSchedule(10, 1e-3, 0.2);

  it('F1/F4/D7 each path of sampleModel is the sampler it names, with its options passed on', () => {
    const plain = new MlpDenoiser(createRng(testSeed(49)), { hidden: 8 });
    const learned = new MlpDenoiser(createRng(testSeed(50)), { hidden: 8, learnVariance: true, numClasses: 2 });
    const seed = testSeed(51);
    const eps: EpsModel = (x, t) => plain.predict(x, t, null);
    const same = (a: tf.Tensor, b: tf.Tensor, what: string) => assertAllClose(toFloat64(a), toFloat64(b), { abs: 1e-5 }, what);
    same(sampleModel(plain, schedule, 3, createRng(seed)), ddpmSample(schedule, eps, [3, 2], createRng(seed)), 'ddpm, β');
    same(sampleModel(plain, schedule, 3, createRng(seed), { variance: 'betaTilde' }), ddpmSample(schedule, eps, [3, 2], createRng(seed), { variance: 'betaTilde' }), 'ddpm, β̃');
    same(
      sampleModel(plain, schedule, 3, createRng(seed), { sampler: 'ddim', ddimSteps: 4, eta: 1 }),
      ddimSample(schedule, eps, [3, 2], createRng(seed), { timesteps: ddimTimesteps(10, 4), eta: 1 }),
      'ddim, η = 1',
    );
    const steps: number[] = [];
    same(
      sampleModel(learned, schedule, 3, createRng(seed), { onStep: ({ t }) => steps.push(t) }),
      ddpmSampleLearnedVariance(schedule, (x, t) => learned.predictWithVariance(x, t, null), [3, 2], createRng(seed)),
      'learned Σ, unconditional',
    );
    expect(steps).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const labels = tf.tensor1d(Int32Array.from([0, 1, 1]), 'int32');
    same(
      sampleModel(learned, schedule, 3, createRng(seed), { labels: [0, 1, 1] }),
      ddpmSampleLearnedVariance(schedule, (x, t) => learned.predictWithVariance(x, t, labels), [3, 2], createRng(seed)),
      'learned Σ, conditional (w = 1)',
    );
    labels.dispose();
    expect(() => sampleModel(learned, schedule, 2, createRng(1), { labels: [0] })).toThrow(/^sampleModel: argument 'labels' must be 2 labels \(one per sample\); received 1/);
    expect(() => sampleModel(learned, schedule, 2, createRng(1), { labels: 5 as never })).toThrow(/^sampleModel: argument 'labels' must be an array/);
    expect(() => sampleModel(plain, schedule, 2, createRng(1), { onStep: 5 as never })).toThrow(/^sampleModel: argument 'onStep' must be a function/);
    [plain, learned].forEach((m) => m.params.dispose());
  });

  it('E4 a training step and a sample leave no tensors behind (micro-batches, labels, guidance)', () => {
    const model = new MlpDenoiser(createRng(4), { hidden: 8, numClasses: 3 });
    const x0 = pointsTensor(toy2d('twoMoons', 8, createRng(5)));
    const labels = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]);
    const opt = tf.train.sgd(1e-3);
    ddpmTrainStep(model, opt, schedule, x0, labels, createRng(6)); // creates the optimizer's state once
    const before = tf.memory().numTensors;
    for (const microBatches of [1, 4]) ddpmTrainStep(model, opt, schedule, x0, labels, createRng(6), { microBatches });
    expect(tf.memory().numTensors).toBe(before);
    const noise = drawTrainingNoise(model, schedule, x0.shape, labels, createRng(7));
    const { grads } = accumulateGradients(model, schedule, x0, noise, 1, 1);
    grads.forEach((g) => g.dispose());
    // The caller owns the noise: still usable after the gradients were taken.
    expect(toFloat64(noise.eps).length).toBe(16);
    noise.eps.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const s = sampleModel(model, schedule, 3, createRng(8), { labels: [0, 1, 2], guidance: 2 });
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x0.dispose();
    opt.dispose();
    model.params.dispose();
  });

  it('E4/D7 the loss trainDdpm reports for a step is L_simple, or L_hybrid with the λ asked for, of the batch and noise it drew', () => {
    const model = new MlpDenoiser(createRng(testSeed(52)), { hidden: 8, learnVariance: true });
    const data = { x: pointsTensor(toy2d('twoMoons', 64, createRng(9))) };
    for (const [objective, vlbWeight] of [['simple', 0.001], ['hybrid', 0.5]] as const) {
      // The draws of the first step, in trainDdpm's order: the batch, then t and ε (drawTrainingNoise).
      const r = createRng(testSeed(53));
      const { x: batch } = randomBatch(data.x, null, 16, r);
      const noise = drawTrainingNoise(model, schedule, batch.shape, null, r);
      const want = ddpmLoss(model, schedule, batch, noise.t, noise.eps, null, { objective, vlbWeight }).dataSync()[0]!;
      const got = trainDdpm(model, data, createRng(testSeed(53)), { schedule, steps: 1, batchSize: 16, learningRate: 1e-9, objective, vlbWeight }).losses[0]!;
      assertClose(got, want, { rel: 1e-6 }, `${objective}, λ = ${vlbWeight}`); // the same float32 graph
      batch.dispose();
      noise.eps.dispose();
    }
    data.x.dispose();
    model.params.dispose();
  });
});
