/**
 * `pnpm --filter @ddpm-derived/core quality:classifier-guidance [-- options]`: classifier guidance (F5) measured on
 * the shipped weights, beside classifier-free guidance (F6), with their costs.
 *
 * 1. The noisy classifier's accuracy on test digits noised at each t of --t (noisyClassifierAccuracy, one x_t per digit).
 * 2. For each scale s of --scales: the unconditional DDPM (weights/ddpm) guided towards digit k by the noisy
 *    classifier (weights/noisy-classifier), --n samples per digit, DDIM 50 with η = 1 (classifierGuidedAccuracy), read
 *    by the judge (weights/classifier); the same seed at every s, so the scales are compared on the same x_T and z.
 *    Time per sample: wall-clock of sampling and judging divided by the samples.
 * 3. The same for classifier-free guidance of weights/cddpm at each w of --cfg (guidedAccuracy), and the unguided
 *    ddpm (sampleModel), for the costs side by side.
 *
 * Options: --n N per digit (default 10: n = 100 per setting) --scales 0,1,3,10 --cfg 3 --t 1,50,100,200,300,500,700,1000
 * --test N test digits for the accuracy against t (default 1000) --ddim STEPS (default 50) --sampler ddim | ddpm
 * (default ddim; ddpm: the ancestral sampler over all T steps) --seed N (default 0)
 * --noisy DIR (default weights/noisy-classifier) --backend NAME.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadMnist, mnistTensor } from '../src/data/mnist.js';
import type { MnistClassifier } from '../src/models/classifier.js';
import type { NoisyClassifier } from '../src/models/noisy-classifier.js';
import { describeBackend, selectBackend, type BackendName } from '../src/nn/backend.js';
import { classifierGuidedAccuracy, guidedAccuracy, noisyClassifierAccuracy } from '../src/quality/measures.js';
import { createRng } from '../src/random/rng.js';
import { sampleModel } from '../src/train/ddpm.js';
import { loadModelFolder, loadShipped, shippedWeightsDir } from '../src/train/shipped.js';
import { intOption } from './options.js';

const script = 'classifier-guidance';
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    n: { type: 'string', default: '10' }, scales: { type: 'string', default: '0,1,3,10' }, cfg: { type: 'string', default: '3' },
    t: { type: 'string', default: '1,50,100,200,300,500,700,1000' }, test: { type: 'string', default: '1000' }, ddim: { type: 'string', default: '50' },
    seed: { type: 'string', default: '0' }, sampler: { type: 'string', default: 'ddim' }, noisy: { type: 'string', default: path.join(shippedWeightsDir(), 'noisy-classifier') }, backend: { type: 'string' },
  },
});
const perDigit = intOption(script, 'n', values.n, 1);
const ddimSteps = intOption(script, 'ddim', values.ddim, 1);
const seed = intOption(script, 'seed', values.seed, 0);
const testCount = intOption(script, 'test', values.test, 1);
const list = (name: string, raw: string) => {
  const xs = raw === '' ? [] : raw.split(',').map(Number);
  if (xs.some((x) => !Number.isFinite(x))) throw new RangeError(`${script}: --${name} must be finite numbers separated by commas; received ${raw}`);
  return xs;
};
const scales = list('scales', values.scales);
const sampler = values.sampler as 'ddim' | 'ddpm';
if (sampler !== 'ddim' && sampler !== 'ddpm') throw new RangeError(`${script}: --sampler must be ddim or ddpm; received ${values.sampler}`);
const cfgWeights = list('cfg', values.cfg);
const steps = list('t', values.t);

const choice = await selectBackend(values.backend ? { backend: values.backend as BackendName } : {});
console.log(`backend: ${describeBackend(choice)}`);
const noisy = loadModelFolder(values.noisy, script);
if (noisy.kind !== 'noisy-classifier') throw new RangeError(`${script}: --noisy ${values.noisy} holds a '${noisy.kind}', not a noisy classifier`);
const classifier: NoisyClassifier = noisy.model;
const ddpm = loadShipped('ddpm');
if (ddpm.kind !== 'unet') throw new RangeError(`${script}: weights/ddpm is not a UNet`);
if (ddpm.schedule.name !== noisy.schedule.name) throw new RangeError(`${script}: the classifier was trained with ${noisy.schedule.name}, the DDPM with ${ddpm.schedule.name}`);
const judge = loadShipped('classifier').model as MnistClassifier;
const samplerName = sampler === 'ddim' ? `DDIM ${ddimSteps} with η = 1` : `ancestral DDPM (all ${ddpm.schedule.T} steps, σ² = β_t)`;
const fmt = (e: { value: number; standardError: number; n: number }) => `${(100 * e.value).toFixed(1)} % ± ${(100 * e.standardError).toFixed(1)} (n = ${e.n})`;

// 1. Accuracy against t.
const test = loadMnist('test', testCount);
const x0 = mnistTensor(test, classifier.size);
console.log(`\nnoisy classifier (${values.noisy}) on ${test.count} test digits, each noised once at t:`);
for (const t of steps) console.log(`  t = ${t}: ${fmt(noisyClassifierAccuracy(classifier, noisy.schedule, x0, test.labels, t, createRng(seed + t)))}`);
x0.dispose();

// 2. Classifier guidance against s.
const n = 10 * perDigit;
console.log(`\nclassifier guidance (F5) of weights/ddpm, ${samplerName}, ${perDigit} per digit, read by the judge as the digit asked for:`);
// A short warm-up run first, so that the first scale's time does not include building the kernels.
classifierGuidedAccuracy(ddpm.model, ddpm.schedule, classifier, judge, createRng(seed), { perDigit: 1, scale: 1, ddimSteps: 2 });
for (const scale of scales) {
  const t0 = performance.now();
  const e = classifierGuidedAccuracy(ddpm.model, ddpm.schedule, classifier, judge, createRng(seed), { perDigit, scale, ddimSteps, sampler });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`  s = ${scale}: ${fmt(e)}; ${(seconds / n).toFixed(3)} s per sample; per digit ${Array.from(e.perDigit, (p) => p.toFixed(2)).join(' ')}`);
}

// 3. The costs beside it: the unguided ddpm, and classifier-free guidance of the conditional model.
{
  const t0 = performance.now();
  sampleModel(ddpm.model, ddpm.schedule, n, createRng(seed), { sampler: 'ddim', ddimSteps, eta: 1 }).dispose();
  console.log(`\nunguided weights/ddpm, DDIM ${ddimSteps} η = 1: ${((performance.now() - t0) / 1000 / n).toFixed(3)} s per sample (sampling only)`);
}
if (cfgWeights.length) {
  const cddpm = loadShipped('cddpm');
  if (cddpm.kind !== 'unet') throw new RangeError(`${script}: weights/cddpm is not a UNet`);
  console.log(`classifier-free guidance (F6) of weights/cddpm, DDIM ${ddimSteps} with η = 1, ${perDigit} per digit:`);
  guidedAccuracy(cddpm.model, cddpm.schedule, judge, createRng(seed), { perDigit: 1, guidance: 3, ddimSteps: 2, eta: 1 });
  for (const w of cfgWeights) {
    const t0 = performance.now();
    const e = guidedAccuracy(cddpm.model, cddpm.schedule, judge, createRng(seed), { perDigit, guidance: w, ddimSteps, eta: 1 });
    console.log(`  w = ${w}: ${fmt(e)}; ${((performance.now() - t0) / 1000 / n).toFixed(3)} s per sample`);
  }
}
