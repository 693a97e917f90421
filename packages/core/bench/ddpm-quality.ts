/**
 * `pnpm --filter @ddpm-derived/core quality:ddpm [options]`: how many samples of an unconditional DDPM (`pnpm train
 * ddpm`) read as digits, and whether sampling with the weight average (`pnpm train --ema`'s `<out>/ema`,
 * train/ema.ts) gives more than the last training iterate (`<out>`). Both checkpoints of one run draw from the same
 * seeded generator (the same x_T and DDIM noise), so the comparison is paired.
 *
 * "Reads as a digit" is measured by the MNIST classifier of models/classifier.ts: a sample counts when the
 * classifier gives one digit probability ≥ 0.9. Real test digits sent through the model's resolution (32 → 16 → 32
 * for the quick preset) give the rate a perfect sampler would reach. The paired difference's standard error is
 * √((b + c) − (b − c)²/n)/n with b, c the samples that only one of the two gets right (McNemar).
 *
 * Options: --checkpoint DIR (default checkpoints/ddpm) --classifier DIR --n N (default 200) --ddim STEPS (default 50)
 * --sampler ddim|ddpm (default ddim) --eta η (DDIM, default 1, as the pnpm train grids) --seed N --grid FILE (a PNG: the last iterate's samples above the average's, same x_T per column) --backend NAME.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
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

const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    checkpoint: { type: 'string', default: 'checkpoints/ddpm' }, classifier: { type: 'string', default: defaultJudgeDir() },
    n: { type: 'string', default: '200' }, ddim: { type: 'string', default: '50' }, seed: { type: 'string', default: '0' },
    grid: { type: 'string' }, backend: { type: 'string' }, eta: { type: 'string', default: '1' }, sampler: { type: 'string', default: 'ddim' },
  },
});
const n = intOption('ddpm-quality', 'n', values.n, 2);
const ddimSteps = intOption('ddpm-quality', 'ddim', values.ddim, 1);
const seed = intOption('ddpm-quality', 'seed', values.seed, 0);
const CONFIDENT = 0.9;
const eta = etaOption('ddpm-quality', values.eta);
if (values.sampler !== 'ddim' && values.sampler !== 'ddpm') throw new RangeError(`ddpm-quality: --sampler must be ddim or ddpm; received ${values.sampler}`);
const sampler = values.sampler;

const choice = await selectBackend(values.backend ? { backend: values.backend as BackendName } : {});
const classifier = loadOrTrainClassifier(values.classifier, createRng(seed), {});
const judgeSize = classifier.model.size;

/** Per image: does the classifier give some digit probability ≥ 0.9? And which digit it picks. */
function judge(x: tf.Tensor4D): { confident: boolean[]; digits: number[] } {
  return tf.tidy(() => {
    const p = tf.softmax(classifier.model.logits(asClassifierInput(x, judgeSize)));
    const top = tf.max(p, 1).dataSync();
    return { confident: Array.from(top, (q) => q >= CONFIDENT), digits: Array.from(tf.argMax(p, 1).dataSync()) };
  });
}

// Without a weight average in the checkpoint (a run trained without --ema) only the last iterate is rated.
const runs: { name: string; dir: string; weights: 'model' | 'ema' }[] = [
  { name: 'last iterate', dir: values.checkpoint, weights: 'model' },
  ...(readManifest(values.checkpoint).ema ? [{ name: 'weight average', dir: values.checkpoint, weights: 'ema' as const }] : []),
];
const results: { name: string; step: number; confident: boolean[]; digits: number[]; seconds: number }[] = [];
const gridRows: tf.Tensor[] = [];
let size = 32;
for (const run of runs) {
  const manifest = readManifest(run.dir);
  const config = manifest.config as UNetOptions;
  if (manifest.kind !== 'unet' || (config.numClasses ?? 0) > 0) throw new RangeError(`ddpm-quality: ${run.dir} must hold an unconditional UNet (pnpm train ddpm)`);
  const model = new UNet(createRng(seed), config);
  loadCheckpoint(run.dir, model, { weights: run.weights });
  size = model.dataShape[0]!;
  const schedule = linearSchedule((manifest.meta.schedule as { T: number }).T);
  const t0 = performance.now();
  const samples = sampleModel(model, schedule, n, createRng(seed + 1), { sampler, ddimSteps, eta }) as tf.Tensor4D;
  const seconds = (performance.now() - t0) / 1000;
  results.push({ name: run.name, step: manifest.step, ...judge(samples), seconds });
  if (values.grid) gridRows.push(tf.slice(samples, 0, Math.min(n, 16)));
  samples.dispose();
  model.params.dispose();
  console.error(`${run.name}: sampled in ${seconds.toFixed(0)} s`);
}

const test = loadMnist('test', 2000);
const real = tf.tidy(() => judge(mnistTensor(test, size)));
const rate = (c: boolean[]) => c.filter(Boolean).length / c.length;
const se = (p: number, m: number) => Math.sqrt((p * (1 - p)) / m);
const pct = (x: number) => (100 * x).toFixed(1);

console.log(`\nBackend: ${describeBackend(choice)}. Checkpoint ${values.checkpoint} (${size}×${size}); ${sampler === 'ddim' ? `DDIM ${ddimSteps} steps, η = ${eta}` : `DDPM, all T steps, σ² = β_t`}, ${n} samples from the same x_T for both.`);
console.log(`Classifier: ${values.classifier} (test accuracy ${pct(classifier.testAccuracy)} %). A sample "reads as a digit" when one digit gets probability ≥ ${CONFIDENT}.\n`);
console.log('| weights | step | read as a digit | ± s.e. | samples per digit 0–9 | sampling time |');
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  const hist = Array.from({ length: 10 }, (_, d) => r.digits.filter((x, i) => x === d && r.confident[i]).length);
  console.log(`| ${r.name} | ${r.step} | ${pct(rate(r.confident))} % | ${pct(se(rate(r.confident), n))} | ${hist.join(' ')} | ${r.seconds.toFixed(0)} s |`);
}
console.log(`| real test digits through ${size}×${size} | — | ${pct(rate(real.confident))} % | ${pct(se(rate(real.confident), test.count))} | | |`);
const [a, b] = results as [(typeof results)[0], (typeof results)[0] | undefined];
if (b) {
  const onlyA = a.confident.filter((c, i) => c && !b.confident[i]).length;
  const onlyB = b.confident.filter((c, i) => c && !a.confident[i]).length;
  const diff = (onlyB - onlyA) / n;
  const diffSe = Math.sqrt(onlyA + onlyB - (onlyB - onlyA) ** 2 / n) / n;
  console.log(`\nWeight average − last iterate: ${diff >= 0 ? '+' : ''}${pct(diff)} points ± ${pct(diffSe)} (paired; ${onlyB} samples read only with the average, ${onlyA} only with the last iterate).`);
}
if (values.grid) {
  const grid = tf.concat(gridRows);
  const shown = size === 32 ? grid : tf.image.resizeNearestNeighbor(grid as tf.Tensor4D, [32, 32]);
  writePng(values.grid, imageGridPng(shown, Math.min(n, 16)));
  console.log(`Grid (${b ? 'top: last iterate, bottom: weight average, same x_T per column' : 'the last iterate'}): ${values.grid}`);
}
