/**
 * The two slow training tests of train/ddpm.ts (~15 s and ~5 s on an idle machine, over a minute under load): a real
 * 2-D DDPM and improved DDPM's learned variance. Kept apart from ddpm.test.ts so that the mutation run of train/
 * (vitest.stryker.config.ts) can leave them out: each mutant reached by them would cost minutes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointsTensor, toy2d } from '../data/toy2d.js';
import { MlpDenoiser } from '../models/mlp.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { standardError } from '../stats/descriptive.js';
import { energyTwoSample } from '../stats/two-sample.js';
import { testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { ddpmVlbTerms, sampleModel, trainDdpm } from './ddpm.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

describe('E4 + F1 a 2-D DDPM trained for real', () => {
  it('E4 + F1 a 2-D DDPM trained for real (~15 s) samples two moons: energy distance ≪ that of N(0, I)', () => {
    const rng = createRng(testSeed(21));
    const schedule = linearSchedule(100, 1e-4, 0.1);
    const model = new MlpDenoiser(rng, { hidden: 128 });
    const data = { x: pointsTensor(toy2d('twoMoons', 4096, rng)) };
    // 1500 steps at a high rate, then 500 at a low one: Adam at a constant 3e-3 ends on a noisy iterate (one seed
    // in a sweep of 20 landed at 3× the usual distance), the cool-down removes that.
    const steps = Number(process.env.E2E_STEPS ?? 2000);
    trainDdpm(model, data, rng, { schedule, steps: Math.round(0.75 * steps), batchSize: 256, learningRate: 3e-3 });
    trainDdpm(model, data, rng, { schedule, steps: Math.round(0.25 * steps), batchSize: 256, learningRate: 5e-4 });
    const samples = sampleModel(model, schedule, 400, rng);
    const ref = toy2d('twoMoons', 400, rng);
    const vsModel = energyTwoSample(Float64Array.from(samples.dataSync()), ref, 2, rng, 20).statistic;
    const vsNoise = energyTwoSample(rng.normals(800), ref, 2, rng, 20).statistic;
    const vsData = energyTwoSample(toy2d('twoMoons', 400, rng), ref, 2, rng, 20).statistic;
    console.log({ vsModel, vsNoise, vsData });
    // Energy distance between two samples of one law is ≈ 0.02 at n = 400 (vsData); N(0, I) gives ≈ 0.14–0.20. A
    // sampler or model that is wrong (noise left in, a wrong step, an untrained net) lands near or above the N(0, I)
    // level. Over sweeps of 61 seeds the trained model gave at most 0.30·vsNoise, with one outlier at 0.49·vsNoise
    // (TEST_SEED_OFFSET=19: 0.088 against the noise's 0.18, a worse-trained run but half the noise's distance); the bound
    // 0.6·vsNoise admits such runs and still fails anything near the N(0, I) level.
    expect(vsModel).toBeLessThan(0.6 * vsNoise);
    samples.dispose();
    data.x.dispose();
    model.params.dispose();
  }, 180_000); // ~15 s on an idle machine; other jobs on the 2 cores have made it take 70 s
});

describe('D7 improved DDPM: learned variance trained with L_hybrid', () => {
  it('D7 a 2-D MLP trained 300 steps with L_hybrid: held-out L_vlb falls, its Σ_θ beats σ² = β_t and β̃_t (paired, 3 SE), and it samples', () => {
    const rng = createRng(testSeed(31));
    // Few steps (T = 10), where the variance matters most (see the objective's D7 test); data N(0.5, 0.3² I).
    const schedule = linearSchedule(10, 1e-3, 0.4);
    const draw = (n: number) => Float64Array.from(rng.normals(2 * n), (z) => 0.5 + 0.3 * z);
    const model = new MlpDenoiser(rng, { hidden: 64, learnVariance: true });
    const data = { x: pointsTensor(draw(2048)) };
    // Held-out: 800 points, each at every t with its own ε, the same draws for every variance (paired comparison).
    const n = 800;
    const T = schedule.T;
    const held = draw(n);
    const x0 = tf.tensor2d(Float32Array.from({ length: n * T * 2 }, (_, i) => held[2 * Math.floor(i / (2 * T)) + (i % 2)]!), [n * T, 2]);
    const ts = Float64Array.from({ length: n * T }, (_, i) => (i % T) + 1);
    const eps = rng.normalTensor([n * T, 2]);
    /** Σ_t L_{t−1} per held-out point (all T terms, so no 1/T sampling noise), nats. */
    const perPoint = (variance: 'learned' | 'beta' | 'betaTilde') => {
      const terms = ddpmVlbTerms(model, schedule, x0, ts, eps, variance);
      const l = terms.dataSync();
      terms.dispose();
      const out = new Float64Array(n);
      for (let i = 0; i < l.length; i++) out[Math.floor(i / T)]! += l[i]!;
      return out;
    };
    const meanOf = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / a.length;
    const before = meanOf(perPoint('learned'));
    trainDdpm(model, data, rng, { schedule, steps: 300, batchSize: 256, learningRate: 3e-3 }); // objective: 'hybrid' (the default here)
    const learned = perPoint('learned');
    expect(meanOf(learned)).toBeLessThan(0.5 * before); // ≈ 11 → ≈ 4 nats in trial runs
    for (const fixed of ['beta', 'betaTilde'] as const) {
      const other = perPoint(fixed);
      const d = learned.map((x, i) => x - other[i]!);
      const se = standardError(d);
      // Over 8 trial seeds the learned Σ beat β_t by 5–17 SE (0.10–0.28 nats) and β̃_t by > 25 SE (β̃'s t = 1 decoder
      // variance, the clipped β̃_2, is far too small for a net trained this briefly). −3 SE is well inside both.
      expect(meanOf(d), `learned − ${fixed}: ${meanOf(d)} ± ${se}`).toBeLessThan(-3 * se);
    }
    const samples = toFloat64(sampleModel(model, schedule, 400, rng)); // variance: 'learned' (the default here)
    for (const j of [0, 1]) {
      const xs = samples.filter((_, i) => i % 2 === j);
      const m = meanOf(xs);
      const sd = Math.sqrt(meanOf(xs.map((x) => (x - m) ** 2)));
      // Trial runs: means 0.48–0.56, sd 0.34–0.37 (data 0.5, 0.3); noise left in would give sd ≈ 1, none at all < 0.2.
      expect(Math.abs(m - 0.5)).toBeLessThan(0.15);
      expect(sd).toBeGreaterThan(0.2);
      expect(sd).toBeLessThan(0.5);
    }
    [x0, eps, data.x].forEach((x) => x.dispose());
    model.params.dispose();
  });
});
