/**
 * `pnpm --filter @ddpm-derived/core quality:cfg [options]`: how often classifier-free guided samples of a trained
 * conditional DDPM (F6: ε̃ = ε(∅) + w (ε(c) − ε(∅))) are read as the digit they were asked for, per guidance weight w,
 * by the MNIST classifier of models/classifier.ts (loaded from its checkpoint, or trained and saved on first use).
 *
 * For each w the sampler starts from the same seeded generator (the same x_T and, for η > 0, the same noise draws),
 * so the weights are compared on paired draws. w = 0 is the unconditional model (the asked digit plays no part: the rate is the share of that digit among
 * unconditional samples, ≈ 10 %); w = 1 is plain conditioning. A 16×16 model's samples are brought to the
 * classifier's 32×32 by bilinear upsampling; the classifier's accuracy on real test digits sent through the same
 * 32 → 16 → 32 round trip is printed as the ceiling a perfect sampler would reach.
 *
 * Options: --checkpoint DIR (default checkpoints/cddpm) --classifier DIR (default weights/classifier, the shipped judge)
 * --n N samples per digit and weight (default 20) --weights 0,1,2,3,5 --ddim STEPS (default 50) --eta η (default 1, as the pnpm train grids) --seed N
 * --grid FILE (a PNG: one row per weight, one sample per digit) --backend NAME.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, mnistTensor } from '../src/data/mnist.js';
import { asClassifierInput, loadOrTrainClassifier } from '../src/models/classifier.js';
import { UNet, type UNetOptions } from '../src/models/unet.js';
import { describeBackend, selectBackend, type BackendName } from '../src/nn/backend.js';
import { createRng } from '../src/random/rng.js';
import { linearSchedule } from '../src/schedule/schedule.js';
import { loadCheckpoint, readManifest } from '../src/train/checkpoint.js';
import { sampleModel } from '../src/train/ddpm.js';
import { imageGridPng, writePng } from '../src/train/png.js';
import { defaultJudgeDir, etaOption, intOption } from './options.js';

// `pnpm … quality:cfg -- --n 50` passes the `--` through; parseArgs would read everything after it as positionals.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    checkpoint: { type: 'string', default: 'checkpoints/cddpm' }, classifier: { type: 'string', default: defaultJudgeDir() },
    n: { type: 'string', default: '20' }, weights: { type: 'string', default: '0,1,2,3,5' }, ddim: { type: 'string', default: '50' },
    seed: { type: 'string', default: '0' }, grid: { type: 'string' }, backend: { type: 'string' }, eta: { type: 'string', default: '1' },
  },
});
const n = intOption('cfg-quality', 'n', values.n, 1);
const ddimSteps = intOption('cfg-quality', 'ddim', values.ddim, 1);
const seed = intOption('cfg-quality', 'seed', values.seed, 0);
const eta = etaOption('cfg-quality', values.eta);
const weights = values.weights.split(',').map(Number);
if (weights.some((w) => !Number.isFinite(w))) throw new RangeError(`cfg-quality: --weights must be finite numbers; received ${values.weights}`);

const choice = await selectBackend(values.backend ? { backend: values.backend as BackendName } : {});
const manifest = readManifest(values.checkpoint);
const config = manifest.config as UNetOptions;
if (manifest.kind !== 'unet' || !(config.numClasses! > 0)) throw new RangeError(`cfg-quality: ${values.checkpoint} must hold a conditional UNet (pnpm train cddpm)`);
const model = new UNet(createRng(seed), config);
loadCheckpoint(values.checkpoint, model);
const T = (manifest.meta.schedule as { T: number }).T;
const schedule = linearSchedule(T);
const size = model.dataShape[0]!;
const classifier = loadOrTrainClassifier(values.classifier, createRng(seed), {});
const judgeSize = classifier.model.size;


// Ceiling: real test digits brought to the model's size and back.
const test = loadMnist('test', 2000);
const ceiling = tf.tidy(() => {
  const pred = classifier.model.classify(asClassifierInput(mnistTensor(test, size), judgeSize));
  return pred.reduce((acc, p, i) => acc + (p === test.labels[i] ? 1 : 0), 0) / test.count;
});

const asked = Int32Array.from({ length: 10 * n }, (_, i) => i % 10);
const rows: { w: number; rate: number; se: number; perDigit: number[]; seconds: number }[] = [];
const gridRows: tf.Tensor[] = [];
for (const w of weights) {
  const t0 = performance.now();
  const rng = createRng(seed + 1); // the same x_T for every w
  // w = 0 is ε(∅) alone (exactly what F6 gives), so one network pass per step suffices.
  const samples = sampleModel(model, schedule, asked.length, rng, { sampler: 'ddim', ddimSteps, eta, ...(w === 0 ? {} : { labels: asked, guidance: w }) }) as tf.Tensor4D;
  const seconds = (performance.now() - t0) / 1000;
  const judged = asClassifierInput(samples, judgeSize);
  const pred = classifier.model.classify(judged);
  if (judged !== samples) judged.dispose();
  const hits = Array.from({ length: 10 }, () => 0);
  pred.forEach((p, i) => (hits[asked[i]!]! += p === asked[i] ? 1 : 0));
  const rate = hits.reduce((a, b) => a + b, 0) / asked.length;
  rows.push({ w, rate, se: Math.sqrt((rate * (1 - rate)) / asked.length), perDigit: hits.map((h) => h / n), seconds });
  if (values.grid) gridRows.push(tf.slice(samples, 0, 10));
  samples.dispose();
  console.error(`w = ${w}: ${(100 * rate).toFixed(1)} % in ${seconds.toFixed(0)} s`);
}

const pct = (x: number) => (100 * x).toFixed(1);
console.log(`\nBackend: ${describeBackend(choice)}. Model: ${values.checkpoint} (step ${manifest.step}, ${size}×${size}, widths ${config.filters}, T = ${T}).`);
console.log(`Sampler: DDIM, ${ddimSteps} steps, η = ${eta}; ${n} samples per digit and weight (${asked.length} per weight), the same x_T for every weight.`);
console.log(`Classifier: ${values.classifier} (${classifier.trained ? `trained now in ${classifier.trainSeconds.toFixed(0)} s` : 'loaded'}; test accuracy ${pct(classifier.testAccuracy)} %; on ${test.count} test digits sent through ${size}×${size}: ${pct(ceiling)} %).\n`);
console.log('| w | classified as the asked digit | ± s.e. | ' + Array.from({ length: 10 }, (_, d) => `${d}`).join(' | ') + ' | sampling time |');
console.log('|---|---|---|' + '---|'.repeat(10) + '---|');
for (const r of rows) {
  console.log(`| ${r.w} | ${pct(r.rate)} % | ${pct(r.se)} | ${r.perDigit.map((p) => pct(p)).join(' | ')} | ${r.seconds.toFixed(0)} s |`);
}
if (values.grid) {
  const grid = tf.concat(gridRows);
  const shown = size === 32 ? grid : tf.image.resizeNearestNeighbor(grid as tf.Tensor4D, [32, 32]);
  writePng(values.grid, imageGridPng(shown, 10));
  console.log(`\nGrid (one row per weight ${weights.join(', ')}; columns: digits 0–9): ${values.grid}`);
}
