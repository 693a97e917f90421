/**
 * `pnpm --filter @ddpm-derived/core quality:table -- NAME [options]`: one table of the field's measures for the shipped
 * checkpoint weights/NAME (a UNet: `ddpm`, `cddpm`), with the protocol below. Every figure has its standard error
 * or its floor beside it.
 *
 * Protocol
 * - Real set: the MNIST test digits, N of them drawn without replacement (seeded), average-pooled to the model's
 *   resolution (16×16 for the quick preset), as the models were trained.
 * - Samples: N from the model, DDIM with `--ddim` steps (default 50) and η = `--eta` (default 1, the `pnpm train`
 *   grids'). A conditional model is sampled twice: guided at w = `--guidance` (default 3; N/10 per digit) and on its
 *   unconditional branch ε(x, ∅) (w = 0).
 * - Features: the shipped judge (weights/classifier), its penultimate layer (128 ReLU units, MnistClassifier.features);
 *   images of the model's side are brought to the judge's 32×32 bilinearly (asClassifierInput), exactly as the digit
 *   share reads them.
 * - FID (A14): d_F² between the Gaussians fitted to the samples' and the test digits' features (float64, Jacobi
 *   square root). FID is biased at finite N, so the real-versus-real floor is printed beside it: N other test digits
 *   (the next N of the same seeded draw, disjoint) against the N test digits. Not training digits: the judge was
 *   trained on them and its features set them apart from unseen digits (KID ≈ 4 SE above 0 at N = 1000, notebook
 *   10). Compare FIDs only at equal N.
 * - KID (A15): unbiased MMD² with the cubic kernel, mean of `--kid-blocks` (default 10) disjoint blocks ± their SE;
 *   its floor is the same pair of test halves (≈ 0 within its SE).
 * - Digit share: samples the judge reads as one digit with probability ≥ 0.9 (CONFIDENT_PROBABILITY), binomial SE;
 *   guided accuracy: guided samples read as the digit asked for.
 * - Bits/dim (E8): the variational bound on `--bpd-n` test digits (default min(N, 500)) at the model's resolution,
 *   re-quantised to the 8-bit grid (quantizeTo8Bit), with the discretised decoder (E7) for L_0; L_T and L_0 exact,
 *   Σ_{t≥2} L_{t−1} from `--bpd-steps` uniform steps per image (default 32, factor (T − 1)/K, unbiased); the SE is
 *   over images. For σ² = β_t and β̃_t (Ho et al.'s 'fixedlarge' and 'fixedsmall': β̃_2 at t = 1) and, for a model
 *   with a variance head, the learned Σ_θ (D7). A conditional model is measured on ε(x, ∅), i.e. −log p_θ(x).
 * - Training time and backend: from weights/manifest.json (as trained).
 *
 * Options: --n N (default 1000) --seed S (default 0) --ddim STEPS --eta η --guidance w --kid-blocks B --bpd-n M
 * --bpd-steps K --backend NAME --bpd-only (the floor and bits/dim alone, no sampling). Progress goes to stderr, the table to stdout.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, mnistTensor } from '../src/data/mnist.js';
import { learnsVariance } from '../src/models/types.js';
import type { MnistClassifier } from '../src/models/classifier.js';
import { describeBackend, selectBackend, type BackendName } from '../src/nn/backend.js';
import type { BoundVariance } from '../src/objective/bound.js';
import { featureDistances, modelBitsPerDim, quantizeTo8Bit } from '../src/quality/field-measures.js';
import { judgeDigits, shareReadAsAsked, shareReadAsDigit, type Estimate } from '../src/quality/judge.js';
import { createRng, type Rng } from '../src/random/rng.js';
import { sampleModel } from '../src/train/ddpm.js';
import { loadShipped } from '../src/train/shipped.js';
import { etaOption, intOption } from './options.js';

const SCRIPT = 'quality-table';
// `pnpm … quality:table -- cddpm --n 50` passes the `--` through; parseArgs would read everything after it as positionals.
const argv = process.argv.slice(2);
const { values, positionals } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  allowPositionals: true,
  options: {
    n: { type: 'string', default: '1000' }, seed: { type: 'string', default: '0' }, ddim: { type: 'string', default: '50' },
    eta: { type: 'string', default: '1' }, guidance: { type: 'string', default: '3' }, 'kid-blocks': { type: 'string', default: '10' },
    'bpd-n': { type: 'string' }, 'bpd-steps': { type: 'string', default: '32' }, backend: { type: 'string' }, 'bpd-only': { type: 'boolean', default: false },
  },
});
const name = positionals[0];
if (!name || positionals.length > 1) throw new RangeError(`${SCRIPT}: give one shipped checkpoint name (a folder of weights/, e.g. cddpm); received ${JSON.stringify(positionals)}`);
const n = intOption(SCRIPT, 'n', values.n, 20);
const seed = intOption(SCRIPT, 'seed', values.seed, 0);
const ddimSteps = intOption(SCRIPT, 'ddim', values.ddim, 1);
const eta = etaOption(SCRIPT, values.eta);
const guidance = Number(values.guidance);
if (!Number.isFinite(guidance)) throw new RangeError(`${SCRIPT}: --guidance must be a finite number; received ${values.guidance}`);
const kidBlocks = intOption(SCRIPT, 'kid-blocks', values['kid-blocks'], 2);
const bpdN = intOption(SCRIPT, 'bpd-n', values['bpd-n'] ?? String(Math.min(n, 500)), 2);
const bpdSteps = intOption(SCRIPT, 'bpd-steps', values['bpd-steps'], 1);

const choice = await selectBackend(values.backend ? { backend: values.backend as BackendName } : {});
const loaded = loadShipped(name);
if (loaded.kind !== 'unet') throw new RangeError(`${SCRIPT}: weights/${name} holds a ${loaded.kind}; the table is for diffusion models (UNets)`);
const judgeLoaded = loadShipped('classifier');
if (judgeLoaded.kind !== 'classifier') throw new RangeError(`${SCRIPT}: weights/classifier is not a classifier`);
const judge: MnistClassifier = judgeLoaded.model;
const { model, schedule, entry } = loaded;
const side = model.dataShape[0]!;
const conditional = model.numClasses > 0;
if (conditional && n % 10) throw new RangeError(`${SCRIPT}: --n must be a multiple of 10 for a conditional model (N/10 per digit); received ${n}`);
const log = (s: string) => console.error(`[${SCRIPT} ${((performance.now() - started) / 1000).toFixed(0)} s] ${s}`);
const started = performance.now();

/** N digits of a split drawn without replacement (a partial Fisher–Yates shuffle), pooled to the model's side. */
function digits(split: 'train' | 'test', count: number, rng: Rng): { x: tf.Tensor4D; labels: Int32Array } {
  const data = loadMnist(split);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = rng.int(i, data.count - 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const pick = order.slice(0, count);
  const all = mnistTensor(data, side);
  const x = tf.tidy(() => tf.gather(all, tf.tensor1d(pick, 'int32')) as tf.Tensor4D);
  all.dispose();
  return { x, labels: Int32Array.from(pick, (i) => data.labels[i]!) };
}

/** N samples in chunks of 200 (guided with `labels` when given). */
function samples(count: number, rng: Rng, labels?: Int32Array): tf.Tensor4D {
  const chunks: tf.Tensor[] = [];
  for (let s = 0; s < count; s += 200) {
    const m = Math.min(200, count - s);
    chunks.push(sampleModel(model, schedule, m, rng, { sampler: 'ddim', ddimSteps, eta, ...(labels ? { labels: labels.subarray(s, s + m), guidance } : {}) }));
    log(`sampled ${s + m} / ${count}${labels ? ` (w = ${guidance})` : ''}`);
  }
  const x = tf.concat(chunks) as tf.Tensor4D;
  chunks.forEach((c) => c.dispose());
  return x;
}

const pct = (e: Estimate) => `${(100 * e.value).toFixed(1)} % ± ${(100 * e.standardError).toFixed(1)}`;
const rows: string[][] = [];

// Real sets and the floor.
// 2N test digits in one seeded draw: the first N are the real set (the same N a draw of N alone would give, as the
// partial shuffle's first N swaps are the same), the next N the floor's other set.
const drawn = digits('test', 2 * n, createRng(seed));
const test = { x: tf.slice(drawn.x, 0, n) as tf.Tensor4D, labels: drawn.labels.subarray(0, n) };
const other = tf.slice(drawn.x, n, n) as tf.Tensor4D;
const floor = featureDistances(judge, other, test.x, kidBlocks);
log(`floor: FID ${floor.frechet.toFixed(3)}, KID ${floor.kernel.value.toExponential(2)}`);
const kidText = (k: { value: number; standardError: number }) => `${k.value.toExponential(2)} ± ${k.standardError.toExponential(1)}`;
rows.push(['real test vs other test digits (the floor)', floor.frechet.toFixed(3), kidText(floor.kernel), pct(shareReadAsDigit(judgeDigits(judge, test.x))) + ' (test digits)', '—']);

// Samples: guided and on ε(x, ∅) for a conditional model; plain for an unconditional one.
const settings: Array<{ label: string; labels?: Int32Array }> = values['bpd-only'] ? [] : conditional
  ? [{ label: `guided, w = ${guidance}`, labels: Int32Array.from({ length: n }, (_, i) => i % 10) }, { label: 'unconditional branch ε(x, ∅) (w = 0)' }]
  : [{ label: 'samples' }];
const sampleSeconds: number[] = [];
for (const [k, s] of settings.entries()) {
  const t0 = performance.now();
  const x = samples(n, createRng(seed + 10 + k), s.labels);
  sampleSeconds.push((performance.now() - t0) / 1000);
  const dist = featureDistances(judge, x, test.x, kidBlocks);
  const judged = judgeDigits(judge, x);
  const accuracy = s.labels ? pct(shareReadAsAsked(judged, s.labels)) : '—';
  rows.push([s.label, dist.frechet.toFixed(3), kidText(dist.kernel), pct(shareReadAsDigit(judged)), accuracy]);
  log(`${s.label}: FID ${dist.frechet.toFixed(3)}`);
  x.dispose();
}

// Bits/dim on the test digits at the model's resolution, on the 8-bit grid.
const bpdImages = tf.tidy(() => quantizeTo8Bit(tf.slice(test.x, 0, Math.min(bpdN, n))));
const variances: Array<[BoundVariance, string]> = [['fixedlarge', 'σ² = β_t (β̃_2 at t = 1)'], ['fixedsmall', 'σ² = β̃_t (β̃_2 at t = 1)']];
if (learnsVariance(model)) variances.push(['learned', 'learned Σ_θ (D7)']);
const bpdRows: string[][] = [];
for (const [variance, label] of variances) {
  const t0 = performance.now();
  const e = modelBitsPerDim(model, schedule, bpdImages, createRng(seed + 100), { variance, steps: bpdSteps, batchSize: 100, labels: null });
  bpdRows.push([label, `${e.value.toFixed(3)} ± ${e.standardError.toFixed(3)}`, `${e.n} test digits, ${((performance.now() - t0) / 1000).toFixed(0)} s`]);
  log(`bits/dim ${variance}: ${e.value.toFixed(3)} ± ${e.standardError.toFixed(3)}`);
}

console.log(`\n## ${name}: ${entry.description}\n`);
console.log(`Trained with \`${entry.command}\`: ${entry.steps} steps in ${entry.trainSeconds} s on ${entry.backend} (${entry.workers} worker${entry.workers === 1 ? '' : 's'}), ${entry.parameters} parameters.`);
console.log(`Measured on: ${describeBackend(choice)}; N = ${n}, seed ${seed}, ${side}×${side} (judged at ${judge.size}×${judge.size}), DDIM ${ddimSteps} steps, η = ${eta}, T = ${schedule.T}; KID over ${kidBlocks} blocks; sampling ${sampleSeconds.map((s) => `${s.toFixed(0)} s`).join(' + ')}.\n`);
console.log('| set | FID (judge features) | KID ± SE | read as a digit ± SE | read as the asked digit ± SE |');
console.log('|---|---|---|---|---|');
rows.forEach((r) => console.log(`| ${r.join(' | ')} |`));
console.log(`\n| bits/dim (E8, ε(x, ∅), ${bpdSteps} uniform steps per image + exact L_T, L_0) | value ± SE | on |`);
console.log('|---|---|---|');
bpdRows.forEach((r) => console.log(`| ${r.join(' | ')} |`));
