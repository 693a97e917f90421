/**
 * `pnpm --filter @ddpm-derived/core quality`: sample quality of the 2-D DDPM on each toy dataset, measured by the
 * energy distance (stats.energyTwoSample) between model samples and fresh data, next to the same statistic for a
 * second fresh data sample (what a perfect model would get) and for N(0, I) (what an untrained sampler gets).
 */
import { describeBackend, selectBackend } from '../src/nn/backend.js';
import { MlpDenoiser } from '../src/models/mlp.js';
import { pointsTensor, toy2d, TOY_2D_NAMES } from '../src/data/toy2d.js';
import { createRng } from '../src/random/rng.js';
import { linearSchedule } from '../src/schedule/schedule.js';
import { energyTwoSample } from '../src/stats/two-sample.js';
import { sampleModel, trainDdpm } from '../src/train/ddpm.js';

const choice = await selectBackend();
const steps = Number(process.env.QUALITY_STEPS ?? 1500);
const n = 500;
const rows: string[] = [];
for (const name of TOY_2D_NAMES) {
  const rng = createRng(2026);
  const schedule = linearSchedule(100, 1e-4, 0.1);
  const model = new MlpDenoiser(rng, { hidden: 128 });
  const data = { x: pointsTensor(toy2d(name, 8192, rng)) };
  const t0 = performance.now();
  trainDdpm(model, data, rng, { schedule, steps, batchSize: 256, learningRate: 3e-3 });
  const secs = (performance.now() - t0) / 1000;
  const ref = toy2d(name, n, rng);
  const e = (a: ArrayLike<number>) => energyTwoSample(a, ref, 2, rng, 100);
  const ddpm = sampleModel(model, schedule, n, rng);
  const ddim = sampleModel(model, schedule, n, rng, { sampler: 'ddim', ddimSteps: 20 });
  const [eD, eI, eData, eNoise] = [e(ddpm.dataSync()), e(ddim.dataSync()), e(toy2d(name, n, rng)), e(rng.normals(2 * n))];
  const f = (r: { statistic: number; pValue: number }) => `${r.statistic.toFixed(4)} (p ${r.pValue.toFixed(2)})`;
  rows.push(`| ${name} | ${steps} × 256 in ${secs.toFixed(0)} s | ${f(eD)} | ${f(eI)} | ${f(eData)} | ${f(eNoise)} |`);
  ddpm.dispose();
  ddim.dispose();
  data.x.dispose();
  model.params.dispose();
}
console.log(`\nBackend: ${describeBackend(choice)}; ${n} samples each; energy distance to ${n} fresh data points (permutation p-value)\n`);
console.log('| dataset | training | DDPM (T = 100) | DDIM (20 steps) | fresh data | N(0, I) |');
console.log('|---|---|---|---|---|---|');
rows.forEach((r) => console.log(r));
