/**
 * `pnpm bench`: training-step and sampling times on the selected backend, printed as a markdown table.
 * Targets (2 cores, PyTorch CPU for reference): MLP step (batch 1024) ≤ 1.5 × 7 ms; UNet step (batch 32) ≤ 3 × 765 ms.
 * Options: --only mlp|unet|sample, --reps N, --backend wasm|cpu|node|node-gpu (or DDPM_BACKEND), --threads N (wasm
 * threads, or DDPM_WASM_THREADS), --workers 1,2 (thread counts for the data-parallel training steps of train/parallel.ts;
 * default 1 and the count pnpm train would use, one per core up to 4). Each row gives the median wall time and the median CPU time of this process: on a
 * machine shared with other work the wall time includes waiting for a core, the CPU time mostly does not.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { describeBackend, selectBackend, wasmThreadsInUse, type BackendName } from '../src/nn/backend.js';
import { MlpDenoiser } from '../src/models/mlp.js';
import { createRng } from '../src/random/rng.js';
import { linearSchedule } from '../src/schedule/schedule.js';
import { applyGradients, ddpmTrainStep, drawTrainingNoise, sampleModel } from '../src/train/ddpm.js';
import { GradientWorkers } from '../src/train/parallel.js';
import { defaultWorkers } from '../src/train/cli.js';
import { intOption } from './options.js';
import type { DenoiserModel } from '../src/models/types.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, reps: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, workers: { type: 'string' } } });
const choice = await selectBackend({
  ...(values.backend ? { backend: values.backend as BackendName } : {}),
  ...(values.threads ? { wasmThreads: Number(values.threads) } : {}),
});
const loadBefore = os.loadavg()[0]!;
const reps = Number(values.reps ?? 10);
// Training steps are timed at each of these thread counts (default: 1, and the count pnpm train would use).
const askedWorkers = values.workers?.split(',').map((w) => intOption('pnpm bench', 'workers', w, 1));
const rows: string[][] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall and process-CPU milliseconds (all threads) of n calls after `warm` unmeasured ones. */
async function timeIt(fn: () => void | Promise<void>, n: number, warm = 2): Promise<{ wall: number; cpu: number }> {
  for (let i = 0; i < warm; i++) await fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function formatMs({ wall, cpu }: { wall: number; cpu: number }): string {
  return wall >= 1000 ? `${(wall / 1000).toFixed(2)} s (CPU ${(cpu / 1000).toFixed(2)} s)` : `${wall.toFixed(1)} ms (CPU ${cpu.toFixed(1)} ms)`;
}

/**
 * One Adam step of `batch` in `microBatches` parts, on each thread count of --workers: with N > 1 the batch is cut
 * into N shards computed on N threads at once (each shard in max(1, microBatches / N) parts).
 */
async function benchStep(label: string, model: DenoiserModel, batch: number, microBatches: number, target: string, n: number, warm = 2) {
  const rng = createRng(1);
  const schedule = linearSchedule(1000);
  const x0 = rng.normalTensor([batch, ...model.dataShape]);
  const labels = model.numClasses > 0 ? Int32Array.from({ length: batch }, (_, i) => i % model.numClasses) : null;
  const defaultCount = defaultWorkers(batch, microBatches, choice.name, wasmThreadsInUse() ?? 1);
  for (const workers of askedWorkers ?? (defaultCount > 1 ? [1, defaultCount] : [1])) {
    const opt = tf.train.adam(1e-3);
    let t: { wall: number; cpu: number };
    let parts: string;
    if (workers > 1) {
      const perShard = Math.max(1, microBatches / workers);
      const pool = await GradientWorkers.start(model, schedule, workers - 1, choice.name);
      t = await timeIt(async () => {
        const noise = drawTrainingNoise(model, schedule, x0.shape, labels, rng);
        applyGradients(model, opt, (await pool.gradients(x0, noise, perShard)).grads);
        noise.eps.dispose();
      }, n, warm);
      await pool.dispose();
      parts = ` (${workers} threads × ${perShard > 1 ? `${perShard}×` : ''}${batch / workers / perShard})`;
    } else {
      t = await timeIt(() => void ddpmTrainStep(model, opt, schedule, x0, labels, rng, { microBatches }), n, warm);
      parts = microBatches > 1 ? ` (${microBatches}×${batch / microBatches})` : '';
    }
    opt.dispose();
    rows.push([label, `${batch}${parts}`, formatMs(t), target]);
  }
  x0.dispose();
}

async function benchSample(label: string, model: DenoiserModel, n: number, sampler: 'ddpm' | 'ddim', steps: number) {
  const schedule = linearSchedule(1000);
  const rng = createRng(2);
  const t = await timeIt(() => sampleModel(model, schedule, n, rng, { sampler, ddimSteps: steps }).dispose(), 1, 0);
  rows.push([label, `${n} samples`, formatMs(t), `${sampler === 'ddpm' ? 1000 : steps} network calls`]);
}

const only = values.only;
if (!only || only === 'mlp' || only === 'sample') {
  const mlp = new MlpDenoiser(createRng(3));
  if (!only || only === 'mlp') await benchStep('MLP 2+32 → 256×3 → 2, Adam step', mlp, 1024, 1, '≤ 10.5 ms (1.5 × PyTorch 7 ms)', reps * 3);
  if (!only || only === 'sample') {
    await benchSample('MLP, DDPM sampling (T = 1000)', mlp, 1024, 'ddpm', 1000);
    await benchSample('MLP, DDIM sampling (50 steps)', mlp, 1024, 'ddim', 50);
  }
  mlp.params.dispose();
}
if (!only || only === 'unet' || only === 'sample') {
  const { UNet } = await import('../src/models/unet.js').catch(() => ({ UNet: undefined }));
  if (UNet) {
    const unet = new UNet(createRng(4));
    if (!only || only === 'unet') await benchStep(`S4 UNet (${(unet.params.count / 1e6).toFixed(2)} M params), Adam step`, unet, 32, 2, '≤ 2.3 s (3 × PyTorch 765 ms)', Math.max(1, Math.ceil(reps / 5)), 1);
    if (!only || only === 'sample') {
      await benchSample('S4 UNet, DDIM sampling (50 steps)', unet, 4, 'ddim', 50);
    }
    unet.params.dispose();
  }
}

console.log(`\nBackend: **${describeBackend(choice)}** (tfjs ${tf.version_core}), Node ${process.version}, ${os.cpus().length} cores, load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}\n`);
console.log('| workload | batch | median time (CPU of this process) | target / note |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
