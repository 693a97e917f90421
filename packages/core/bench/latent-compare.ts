/**
 * `pnpm --filter @ddpm-derived/core compare:latent -- NAME=FOLDER …`: pixel diffusion against latent diffusion on
 * MNIST (issue 14, docs/BENCHMARKS.md). For each trained model (a checkpoint folder of `pnpm train cddpm | cdit |
 * cldm | ldm`, or a shipped one in weights/) it prints one table row: parameters, the shape the denoiser works on,
 * the recorded training time, the time of one training step measured here (batch 32, Adam, this process's one
 * thread; after the quality figures, as it changes the weights), the time of 64 samples (DDIM 50, guided at w = 3 for
 * conditional models: two network passes a step), and the quality the shipped classifier reads in the samples:
 * for conditional models the share read as the asked digit at each --weights w (F6), for unconditional ones the
 * share read confidently as some digit; and the Fréchet distance (A14, in the judge's feature space, as
 * quality:table measures it) of --fid N samples (guided at w = 3 when conditional) against N seeded test digits,
 * with the floor of N other test digits against the same ones printed once. Latent models' samples are decoded by
 * their first stage before judging, and their first stage's own reconstructions of those other test digits get a
 * Fréchet distance too: the closest any denoiser on its latents can come.
 *
 * Options: --n N samples per digit and weight (default 20; conditional), --unconditional N samples (default 200),
 * --weights 1,3 --fid N (default 500; 0 skips it) --ddim 50 --eta 1 --seed 0 --backend NAME.
 * Example (from packages/core): compare:latent -- cddpm=../../weights/cddpm cldm=checkpoints/cldm
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { MnistClassifier } from '../src/models/classifier.js';
import type { DenoiserModel } from '../src/models/types.js';
import type { LatentAutoencoder } from '../src/models/latent-autoencoder.js';
import { describeBackend, selectBackend, type BackendName } from '../src/nn/backend.js';
import { digitShare, guidedAccuracy } from '../src/quality/measures.js';
import { featureDistances } from '../src/quality/field-measures.js';
import { loadMnist, mnistTensor } from '../src/data/mnist.js';
import { createRng } from '../src/random/rng.js';
import type { NoiseSchedule } from '../src/schedule/schedule.js';
import { readManifest } from '../src/train/checkpoint.js';
import { ddpmTrainStep, sampleModel } from '../src/train/ddpm.js';
import { loadLatentDiffusion, loadModelFolder } from '../src/train/shipped.js';
import { defaultJudgeDir, etaOption, intOption } from './options.js';

const script = 'compare:latent';
const argv = process.argv.slice(2);
const { values, positionals } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '20' }, fid: { type: 'string', default: '500' }, unconditional: { type: 'string', default: '200' }, weights: { type: 'string', default: '1,3' },
    ddim: { type: 'string', default: '50' }, eta: { type: 'string', default: '1' }, seed: { type: 'string', default: '0' }, backend: { type: 'string' },
  },
});
const perDigit = intOption(script, 'n', values.n, 1);
const unconditionalN = intOption(script, 'unconditional', values.unconditional, 1);
const fidN = intOption(script, 'fid', values.fid, 0);
if (fidN > 0 && (fidN < 20 || fidN % 10)) throw new RangeError(`${script}: --fid must be 0 or a multiple of 10 of at least 20; received ${fidN}`);
const ddimSteps = intOption(script, 'ddim', values.ddim, 1);
const eta = etaOption(script, values.eta);
const seed = intOption(script, 'seed', values.seed, 0);
const weights = values.weights.split(',').map(Number);
if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new RangeError(`${script}: --weights must be non-negative numbers, comma-separated; received ${values.weights}`);
if (positionals.length === 0 || positionals.some((p) => !/^[\w-]+=.+/.test(p))) {
  throw new RangeError(`${script}: give the models as NAME=FOLDER (e.g. cddpm=../../weights/cddpm); received ${positionals.join(' ') || 'none'}`);
}

const backend = await selectBackend(values.backend ? { backend: values.backend as BackendName } : {});
console.log(`backend: ${describeBackend(backend)}; DDIM ${ddimSteps} steps, η = ${eta}; seed ${seed}`);
const judgeDir = defaultJudgeDir();
const judged = loadModelFolder(judgeDir, script);
if (judged.kind !== 'classifier') throw new RangeError(`${script}: ${judgeDir} should hold the MNIST classifier`);
const judge: MnistClassifier = judged.model;

/** 2N test digits (16×16) in one seeded draw without replacement: the real set, then the floor's other set. */
function testSets(count: number): { real: tf.Tensor4D; other: tf.Tensor4D } {
  const data = loadMnist('test');
  const rng = createRng(seed);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  for (let i = 0; i < 2 * count; i++) {
    const j = rng.int(i, data.count - 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const all = mnistTensor(data, 16);
  const pick = (from: number) => tf.gather(all, tf.tensor1d(order.slice(from, from + count), 'int32')) as tf.Tensor4D;
  const sets = { real: pick(0), other: pick(count) };
  all.dispose();
  return sets;
}
const reals = fidN > 0 ? testSets(fidN) : undefined;
const floorFid = reals ? featureDistances(judge, reals.other, reals.real).frechet : NaN;
if (reals) console.log(`FID floor (${fidN} test digits against ${fidN} others): ${floorFid.toFixed(3)}`);

interface Loaded {
  denoiser: DenoiserModel;
  schedule: NoiseSchedule;
  decode?: (x: tf.Tensor4D) => tf.Tensor4D;
  works: string;
  firstStage?: { parameters: number; seconds: number; model: LatentAutoencoder };
}
function load(folder: string): Loaded {
  const meta = readManifest(folder).meta;
  if (meta.firstStage) {
    const l = loadLatentDiffusion(folder, script);
    const [h, w, c] = l.denoiser.dataShape;
    return { denoiser: l.denoiser, schedule: l.schedule, decode: l.decode, works: `${h}×${w}×${c} latents (${l.firstStage.model.regularizer.toUpperCase()}, s = ${l.firstStage.scale.toFixed(3)})`, firstStage: { parameters: l.firstStage.model.params.count, seconds: Number(readManifest(l.firstStage.folder).meta.trainSeconds), model: l.firstStage.model } };
  }
  const l = loadModelFolder(folder, script);
  if (l.kind !== 'unet' && l.kind !== 'dit') throw new RangeError(`${script}: ${folder} holds a ${l.kind}, not a UNet or DiT`);
  const [h, w] = l.model.dataShape;
  return { denoiser: l.model, schedule: l.schedule, works: `${h}×${w} pixels` };
}

const pct = (v: number, se: number) => `${(100 * v).toFixed(1)} % ± ${(100 * se).toFixed(1)}`;
const header = ['model', 'denoiser', 'works on', 'parameters', 'recorded training', 'one step (batch 32, 1 thread)', '64 samples (w = 3 if conditional)', ...(weights.map((w) => `read as asked, w = ${w}`)), 'read as a digit (unconditional)', `FID (${fidN}; floor ${Number.isNaN(floorFid) ? '—' : floorFid.toFixed(2)})`, 'FID of the first stage\'s reconstructions'];
const rows: string[][] = [];
for (const spec of positionals) {
  const [name, rawFolder] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
  const folder = path.resolve(rawFolder!);
  const manifest = readManifest(folder);
  const m = load(folder);
  const trainSeconds = Number(manifest.meta.trainSeconds);
  const conditional = m.denoiser.numClasses > 0;
  const decode = m.decode ? { decode: m.decode } : {};
  // 64 samples, timed after a one-sample warm-up (the first call compiles wasm kernels).
  const sampleOnce = (k: number) => {
    const labels = conditional ? Int32Array.from({ length: k }, (_, i) => i % 10) : undefined;
    const x = sampleModel(m.denoiser, m.schedule, k, createRng(seed + 7), { sampler: 'ddim', ddimSteps, eta, ...(labels ? { labels, guidance: 3 } : {}) }) as tf.Tensor4D;
    const images = m.decode ? m.decode(x) : x;
    images.dataSync();
    if (images !== x) images.dispose();
    x.dispose();
  };
  sampleOnce(1);
  const t0 = performance.now();
  sampleOnce(64);
  const sampleSeconds = (performance.now() - t0) / 1000;
  const quality = weights.map((w) => {
    if (!conditional) return '—';
    const e = guidedAccuracy(m.denoiser, m.schedule, judge, createRng(seed), { perDigit, guidance: w, ddimSteps, eta, ...decode });
    return pct(e.value, e.standardError);
  });
  // FID: fidN samples in chunks of 200, decoded, against the real set.
  let fid = '—';
  if (reals) {
    const chunks: tf.Tensor4D[] = [];
    const rng = createRng(seed + 11);
    for (let s = 0; s < fidN; s += 200) {
      const k = Math.min(200, fidN - s);
      const labels = conditional ? Int32Array.from({ length: k }, (_, i) => (s + i) % 10) : undefined;
      const x = sampleModel(m.denoiser, m.schedule, k, rng, { sampler: 'ddim', ddimSteps, eta, ...(labels ? { labels, guidance: 3 } : {}) }) as tf.Tensor4D;
      chunks.push(m.decode ? m.decode(x) : x);
      if (m.decode) x.dispose();
    }
    const drawn = tf.concat(chunks) as tf.Tensor4D;
    chunks.forEach((c) => c.dispose());
    fid = featureDistances(judge, drawn, reals.real).frechet.toFixed(2);
    drawn.dispose();
  }
  // What the first stage alone costs: the floor's other test digits encoded (μ, no noise) and decoded, against the
  // same real set. No denoiser on its latents can come closer to the test digits than this.
  let reconstructionFid = '—';
  if (reals && m.firstStage) {
    const stage = m.firstStage.model;
    const rebuilt = tf.tidy(() => stage.decode(stage.latents(reals.other)));
    reconstructionFid = featureDistances(judge, rebuilt, reals.real).frechet.toFixed(2);
    rebuilt.dispose();
  }
  const share = conditional ? '—' : (() => {
    const e = digitShare(m.denoiser, m.schedule, judge, createRng(seed), { n: unconditionalN, ddimSteps, eta, ...decode });
    return pct(e.value, e.standardError);
  })();
  // One Adam step of batch 32 on data of the model's shape: 2 warm-up steps, then the mean of 10.
  const optimizer = tf.train.adam(1e-3);
  const x0 = createRng(seed + 3).normalTensor([32, ...m.denoiser.dataShape]);
  const stepLabels = conditional ? Int32Array.from({ length: 32 }, (_, i) => i % 10) : null;
  const stepRng = createRng(seed + 5);
  for (let k = 0; k < 2; k++) ddpmTrainStep(m.denoiser, optimizer, m.schedule, x0, stepLabels, stepRng);
  const s0 = performance.now();
  for (let k = 0; k < 10; k++) ddpmTrainStep(m.denoiser, optimizer, m.schedule, x0, stepLabels, stepRng);
  const stepSeconds = (performance.now() - s0) / 1000 / 10;
  x0.dispose();
  optimizer.dispose();
  const params = m.denoiser.params.count.toLocaleString('en-US') + (m.firstStage ? ` + ${m.firstStage.parameters.toLocaleString('en-US')} first stage` : '');
  const row = [name, m.denoiser.kind === 'dit' ? 'DiT' : 'UNet', m.works, params, `${manifest.step} steps, ${trainSeconds.toFixed(0)} s${m.firstStage ? ` + ${m.firstStage.seconds.toFixed(0)} s first stage` : ''}`,
    stepSeconds.toFixed(3), `${sampleSeconds.toFixed(1)} s`, ...quality, share, fid, reconstructionFid];
  rows.push(row);
  console.log(`${name}: ${row.slice(1).join(' | ')}`);
  m.denoiser.params.dispose();
  m.firstStage?.model.params.dispose();
}
console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\n(n = ${perDigit} per digit and weight for conditional models, ${unconditionalN} samples for unconditional ones; ± one binomial standard error; FID of ${fidN} samples, guided at w = 3 when conditional, against ${fidN} seeded test digits)`);
