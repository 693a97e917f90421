#!/usr/bin/env node
/**
 * `pnpm train <model> [options]` — train a model from the command line with a progress bar (steps/s, loss, ETA),
 * checkpoints (JSON + binary weights in a folder; `--resume` continues from one) and PNG sample grids.
 *
 * Models: `ddpm2d` (MLP on a 2-D toy set), `ddpm` (UNet on MNIST), `cddpm` (conditional UNet with classifier-free
 * guidance). Run with `--help` for the options.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import cliProgress from 'cli-progress';
import { describeBackend, selectBackend, type BackendName } from '../nn/backend.js';
import { MlpDenoiser } from '../models/mlp.js';
import { UNet } from '../models/unet.js';
import type { DenoiserModel } from '../models/types.js';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { pointsTensor, toy2d, type Toy2dName } from '../data/toy2d.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { loadCheckpoint, readManifest, saveCheckpoint } from './checkpoint.js';
import { sampleModel, trainDdpm, type Dataset } from './ddpm.js';
import { imageGridPng, scatterPng, writePng } from './png.js';

const HELP = `Usage: pnpm train <ddpm2d|ddpm|cddpm> [options]
  --steps N          training steps (default 2000 for ddpm2d, 500 for the UNets)
  --batch N          batch size (default 1024 / 32)
  --micro N          micro-batches per step, gradients accumulated (default 1 / 2)
  --lr X             Adam learning rate (default 2e-3 / 1e-3)
  --T N              diffusion steps of the linear schedule (default 100 for ddpm2d, 1000 for UNets)
  --dataset NAME     ddpm2d data: gaussianMixture | twoMoons | swissRoll (default twoMoons)
  --limit N          MNIST training images to use (default 60000)
  --filters a,b,c    UNet widths (default 64,128,256)
  --out DIR          checkpoint folder (default checkpoints/<model>, git-ignored)
  --every N          checkpoint + sample grid every N steps (default 500)
  --resume           continue from the checkpoint in --out
  --guidance W       classifier-free guidance weight for cddpm samples (default 3)
  --backend NAME     auto | node-gpu | node | wasm | cpu (default: DDPM_BACKEND or auto)
  --seed N           random seed (default 0)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string' }, batch: { type: 'string' }, micro: { type: 'string' }, lr: { type: 'string' }, T: { type: 'string' },
    dataset: { type: 'string' }, limit: { type: 'string' }, filters: { type: 'string' }, out: { type: 'string' }, every: { type: 'string' },
    resume: { type: 'boolean' }, guidance: { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' },
  },
});
const kind = positionals[0];
if (values.help || !kind || !['ddpm2d', 'ddpm', 'cddpm'].includes(kind)) {
  console.log(HELP);
  process.exit(values.help ? 0 : 1);
}
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const is2d = kind === 'ddpm2d';
const steps = num(values.steps, is2d ? 2000 : 500);
const batch = num(values.batch, is2d ? 1024 : 32);
const micro = num(values.micro, is2d ? 1 : 2);
const lr = num(values.lr, is2d ? 2e-3 : 1e-3);
const T = num(values.T, is2d ? 100 : 1000);
const every = num(values.every, 500);
const out = path.resolve(values.out ?? path.join('checkpoints', kind));
const rng = createRng(num(values.seed, 0));

const choice = await selectBackend(values.backend ? { backend: values.backend as BackendName } : {});
console.log(`backend: ${describeBackend(choice)}`);
const schedule = is2d ? linearSchedule(T, 1e-4, 0.1) : linearSchedule(T);

let data: Dataset;
let model: DenoiserModel;
if (is2d) {
  const name = (values.dataset ?? 'twoMoons') as Toy2dName;
  data = { x: pointsTensor(toy2d(name, 8192, rng)) };
  model = new MlpDenoiser(rng);
} else {
  const mnist = loadMnist('train', values.limit ? Number(values.limit) : undefined);
  data = { x: mnistTensor(mnist), ...(kind === 'cddpm' ? { labels: mnist.labels } : {}) };
  const filters = values.filters ? values.filters.split(',').map(Number) : [64, 128, 256];
  model = new UNet(rng, { filters, numClasses: kind === 'cddpm' ? 10 : 0 });
}
let start = 0;
if (values.resume && existsSync(path.join(out, 'model.json'))) {
  const m = readManifest(out);
  loadCheckpoint(out, model);
  start = m.step;
  console.log(`resumed from ${out} at step ${start}`);
}
console.log(`${kind}: ${model.params.count.toLocaleString()} parameters, ${data.x.shape[0]} examples, T = ${T}, batch ${batch} (${micro} micro-batches)`);

function writeSamples(step: number) {
  const n = is2d ? 1000 : kind === 'cddpm' ? 20 : 16;
  const labels = kind === 'cddpm' ? Array.from({ length: n }, (_, i) => i % 10) : undefined;
  const s = sampleModel(model, schedule, n, rng, { sampler: 'ddim', ddimSteps: 50, ...(labels ? { labels, guidance: num(values.guidance, 3) } : {}) });
  const file = path.join(out, `samples-${String(step).padStart(6, '0')}.png`);
  writePng(file, is2d ? scatterPng(s.dataSync()) : imageGridPng(s, kind === 'cddpm' ? 10 : 8));
  s.dispose();
  return file;
}

const bar = new cliProgress.SingleBar(
  { format: '{bar} {value}/{total} | {speed} steps/s | loss {loss} | ETA {eta_formatted}', etaBuffer: 50 },
  cliProgress.Presets.shades_classic,
);
bar.start(start + steps, start, { speed: '-', loss: '-' });
let ema: number | undefined;
let lastSaved = start;
trainDdpm(model, data, rng, {
  schedule, steps, batchSize: batch, learningRate: lr, microBatches: micro, startStep: start,
  onStep: ({ step, loss, seconds }) => {
    ema = ema === undefined ? loss : 0.98 * ema + 0.02 * loss;
    bar.update(step, { speed: (1 / seconds).toFixed(2), loss: ema.toFixed(4) });
    if (step % every === 0) {
      saveCheckpoint(out, model, step, { schedule: { name: schedule.name, T }, backend: choice.name });
      writeSamples(step);
      lastSaved = step;
    }
  },
});
bar.stop();
const end = start + steps;
if (lastSaved !== end) saveCheckpoint(out, model, end, { schedule: { name: schedule.name, T }, backend: choice.name });
console.log(`checkpoint: ${out} (step ${end}); samples: ${writeSamples(end)}`);
tf.disposeVariables();
