/**
 * `npx tsx bench/learned-variance.ts` (env QUALITY_STEPS, COOLDOWN_STEPS): what improved DDPM's learned variance (D7) buys on the 2-D toy setup of
 * `quality.ts` (two moons, T = 100, MLP 128×3). Two models from one seed: ε only with L_simple, and ε + v with L_hybrid.
 * Reports Σ_t L_{t−1} per held-out point (nats, every t, one ε per (point, t) shared by all variance choices, so the
 * differences are paired), the energy distance of DDPM samples to fresh data, and the Adam step time of both losses.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, selectBackend } from '../src/nn/backend.js';
import { MlpDenoiser } from '../src/models/mlp.js';
import { pointsTensor, toy2d } from '../src/data/toy2d.js';
import { createRng } from '../src/random/rng.js';
import { linearSchedule } from '../src/schedule/schedule.js';
import { mean, standardError } from '../src/stats/descriptive.js';
import { energyTwoSample } from '../src/stats/two-sample.js';
import { ddpmTrainStep, ddpmVlbTerms, sampleModel, trainDdpm } from '../src/train/ddpm.js';

const choice = await selectBackend();
const steps = Number(process.env.QUALITY_STEPS ?? 1500);
const coolDown = Number(process.env.COOLDOWN_STEPS ?? 500);
const schedule = linearSchedule(100, 1e-4, 0.1);
const T = schedule.T;
const n = 500;

const models: Record<string, MlpDenoiser> = {};
const trainSeconds: Record<string, number> = {};
for (const learnVariance of [false, true]) {
  const rng = createRng(2026);
  const model = new MlpDenoiser(rng, { hidden: 128, learnVariance });
  const data = { x: pointsTensor(toy2d('twoMoons', 8192, rng)) };
  const t0 = performance.now();
  trainDdpm(model, data, rng, { schedule, steps, batchSize: 256, learningRate: 3e-3 });
  // A cool-down at a lower rate: the constant-rate iterate is noisy, and the learned variance at small t suffers most.
  if (coolDown) trainDdpm(model, data, rng, { schedule, steps: coolDown, batchSize: 256, learningRate: 5e-4 });
  const key = learnVariance ? 'hybrid' : 'simple';
  trainSeconds[key] = (performance.now() - t0) / 1000;
  models[key] = model;
  data.x.dispose();
}

const rng = createRng(7);
const held = toy2d('twoMoons', n, rng);
const x0 = tf.tensor2d(Float32Array.from({ length: n * T * 2 }, (_, i) => held[2 * Math.floor(i / (2 * T)) + (i % 2)]!), [n * T, 2]);
const ts = Float64Array.from({ length: n * T }, (_, i) => (i % T) + 1);
const eps = rng.normalTensor([n * T, 2]);
const perPoint = (model: MlpDenoiser, variance: 'learned' | 'beta' | 'betaTilde') => {
  const l = ddpmVlbTerms(model, schedule, x0, ts, eps, variance).dataSync();
  const out = new Float64Array(n);
  for (let i = 0; i < l.length; i++) out[Math.floor(i / T)]! += l[i]!;
  return out;
};
const reference = perPoint(models.simple!, 'beta');
const rows: string[] = [];
for (const [key, variance] of [['simple', 'beta'], ['simple', 'betaTilde'], ['hybrid', 'beta'], ['hybrid', 'betaTilde'], ['hybrid', 'learned']] as const) {
  const l = perPoint(models[key]!, variance);
  const d = l.map((x, i) => x - reference[i]!);
  const ref = toy2d('twoMoons', n, createRng(11));
  const s = sampleModel(models[key]!, schedule, n, createRng(12), { variance });
  const e = energyTwoSample(s.dataSync(), ref, 2, createRng(13), 100);
  s.dispose();
  rows.push(`| L_${key} | ${variance} | ${mean(l).toFixed(3)} | ${mean(d).toFixed(3)} ± ${standardError(d).toFixed(3)} | ${e.statistic.toFixed(4)} (p ${e.pValue.toFixed(2)}) |`);
}

// Step time, batch 1024, the bench's MLP width (256).
const stepMs: Record<string, number> = {};
for (const learnVariance of [false, true]) {
  const r = createRng(3);
  const model = new MlpDenoiser(r, { learnVariance });
  const opt = tf.train.adam(1e-3);
  const x = pointsTensor(toy2d('twoMoons', 1024, r));
  const times: number[] = [];
  for (let i = 0; i < 18; i++) {
    const t0 = performance.now();
    ddpmTrainStep(model, opt, linearSchedule(1000), x, null, r);
    if (i >= 3) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  stepMs[learnVariance ? 'hybrid' : 'simple'] = times[times.length >> 1]!;
}

console.log(`\nBackend: ${describeBackend(choice)}; two moons, T = ${T}, ${steps} Adam steps × 256 at 3e-3 + ${coolDown} at 5e-4 (L_simple ${trainSeconds.simple!.toFixed(0)} s, L_hybrid ${trainSeconds.hybrid!.toFixed(0)} s)`);
console.log(`Σ_t L_{t−1} per held-out point (nats, ${n} points × all ${T} steps); Δ paired against L_simple with σ² = β_t; energy distance of ${n} DDPM samples to ${n} fresh points\n`);
console.log('| trained with | σ² in L_vlb and the sampler | Σ_t L_{t−1} | Δ vs L_simple + β_t (± SE) | energy distance |');
console.log('|---|---|---|---|---|');
rows.forEach((r) => console.log(r));
console.log(`\nAdam step, MLP 256×3, batch 1024: L_simple ${stepMs.simple!.toFixed(1)} ms, L_hybrid ${stepMs.hybrid!.toFixed(1)} ms (median of 15)`);
