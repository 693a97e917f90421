/**
 * `pnpm --filter @ddpm-derived/core mnist-quality [--images DIR]`: the MNIST numbers of docs/BENCHMARKS.md.
 * - the classifier (models/classifier.ts): loaded from checkpoints/classifier or trained there; accuracy on the
 *   10 000 test digits;
 * - the AE, VAE and CVAE saved by `pnpm train ae|vae|cvae` in checkpoints/<kind> (trained here with the CLI's
 *   defaults when absent): reconstruction error, and for the VAE/CVAE the one-sample ELBO (B5) in nats per image on
 *   the 10 000 test digits and on 10 000 training digits, with the decoder variance S4's loss implies (s² = ½) and
 *   with s² fitted to the training digits; the CVAE's samples judged by the classifier.
 * `--images DIR` also writes each model's grid there (docs/images for the README).
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, mnistTensor } from '../src/data/mnist.js';
import { accuracy, loadOrTrainClassifier } from '../src/models/classifier.js';
import { defaultJudgeDir } from './options.js';
import type { ConvAutoencoder } from '../src/models/autoencoder.js';
import { describeBackend, selectBackend } from '../src/nn/backend.js';
import { createRng } from '../src/random/rng.js';
import { autoencoderGrid, heldOutElbo, loadAutoencoder, parseAutoencoderArgs, runAutoencoderTraining, type ElboEstimate } from '../src/train/autoencoder.js';
import { hasCheckpoint } from '../src/train/checkpoint.js';
import { imageGridPng } from '../src/train/png.js';

const { values } = parseArgs({ options: { images: { type: 'string' }, backend: { type: 'string' } } });
const choice = await selectBackend(values.backend ? { backend: values.backend as 'wasm' | 'cpu' } : {});
console.log(`backend: ${describeBackend(choice)}`);

const test = loadMnist('test');
const xTest = mnistTensor(test);
const train = loadMnist('train', 10000);
const xTrain = mnistTensor(train);
const binomialSe = (p: number, n: number) => Math.sqrt((p * (1 - p)) / n);

// The classifier.
const clf = loadOrTrainClassifier(defaultJudgeDir(), createRng(2026), {
  onStep: ({ step, loss }) => {
    if (step % 250 === 0) console.log(`classifier step ${step}: loss ${loss.toFixed(3)}`);
  },
});
let t0 = performance.now();
const testAcc = accuracy(clf.model.classify(xTest), test.labels);
const classifySeconds = (performance.now() - t0) / 1000;
const lines: string[] = [];
lines.push(
  `Classifier (${clf.model.params.count.toLocaleString()} parameters; ${clf.trained ? 'trained now' : 'loaded'}, training took ${clf.trainSeconds.toFixed(0)} s): ` +
    `test accuracy ${(100 * testAcc).toFixed(2)} % ± ${(100 * binomialSe(testAcc, test.count)).toFixed(2)} (binomial SE) on ${test.count} digits, classified in ${classifySeconds.toFixed(1)} s`,
);

// The autoencoders.
const fmt = (e: ElboEstimate) => `${e.elbo.toFixed(1)} ± ${e.standardError.toFixed(1)}`;
const rows: string[] = [];
for (const kind of ['ae', 'vae', 'cvae'] as const) {
  const dir = path.resolve('checkpoints', kind);
  if (!hasCheckpoint(dir)) {
    console.log(`${kind}: no checkpoint in ${dir}; training one with the CLI defaults`);
    await runAutoencoderTraining(parseAutoencoderArgs([kind, '--out', dir])!);
  }
  const { model, step } = loadAutoencoder(dir);
  const cfg = model.config as { dim: number; latent: number };
  const what = `${kind.toUpperCase()} (dim ${cfg.dim}, d = ${cfg.latent}, ${model.params.count.toLocaleString()} parameters, ${step} steps)`;
  if (values.images) {
    // Re-encoded as 8-bit greyscale (the grids are grey anyway): a third of the RGBA file's size, for the repository.
    const { images, cols } = autoencoderGrid(model, xTest, createRng(1));
    writeFileSync(path.join(values.images, `${kind}-grid.png`), PNG.sync.write(PNG.sync.read(imageGridPng(images, cols)), { colorType: 0 }));
    images.dispose();
  }
  if (kind === 'ae') {
    // In chunks of 200: one 10 000-image pass would need GBs of activations (the wasm heap fails past 2 GiB).
    const sse = (x: tf.Tensor4D) => {
      let total = 0;
      for (let s = 0; s < x.shape[0]; s += 200) {
        const n = Math.min(200, x.shape[0] - s);
        total += tf.tidy(() => {
          const xb = tf.slice(x, s, n) as tf.Tensor4D;
          return tf.sum(tf.squaredDifference(xb, model.decode(model.encode(xb).mu))).dataSync()[0]!;
        });
      }
      return total / x.shape[0];
    };
    rows.push(`| ${what} | reconstruction ‖x − x̂‖² per image | ${sse(xTest).toFixed(1)} | ${sse(xTrain).toFixed(1)} |`);
  } else {
    const labels = (d: typeof test) => (kind === 'cvae' ? d.labels : null);
    t0 = performance.now();
    const half = { test: heldOutElbo(model, xTest, labels(test), createRng(11)), train: heldOutElbo(model, xTrain, labels(train), createRng(12)) };
    const elboSeconds = (performance.now() - t0) / 1000;
    // The maximum-likelihood decoder variance for the training digits: s² = E‖x − x̂‖² / 1024.
    const s2 = half.train.sse / 1024;
    const fitted = {
      test: heldOutElbo(model, xTest, labels(test), createRng(11), { decoderVariance: s2 }),
      train: heldOutElbo(model, xTrain, labels(train), createRng(12), { decoderVariance: s2 }),
    };
    const bound = kind === 'cvae' ? 'log p(x ∣ y)' : 'log p(x)'; // ∣ (U+2223): a plain | would split the markdown cell
    rows.push(`| ${what} | ELBO ≤ ${bound}, s² = ½ (S4's loss) | ${fmt(half.test)} | ${fmt(half.train)} |`);
    rows.push(`| | ELBO, s² = ${s2.toFixed(4)} fitted on training digits | ${fmt(fitted.test)} | ${fmt(fitted.train)} |`);
    rows.push(`| | its parts: E‖x − x̂‖², KL(q ‖ N(0, I)) | ${half.test.sse.toFixed(1)}, ${half.test.kl.toFixed(1)} | ${half.train.sse.toFixed(1)}, ${half.train.kl.toFixed(1)} |`);
    console.log(`${kind}: 4 ELBO passes over 10 000 digits, ${elboSeconds.toFixed(0)} s per pair`);
    if (kind === 'cvae') {
      // 100 prior samples per digit, decoded with that label, read back by the classifier.
      const asked = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
      const rng = createRng(13);
      const z = rng.normalTensor([1000, model.latent]) as tf.Tensor2D;
      const lb = tf.tensor1d(asked, 'int32');
      const samples = model.decode(z, lb);
      const rate = accuracy(clf.model.classify(samples), asked);
      rows.push(`| | its samples read as the asked digit by the classifier | ${(100 * rate).toFixed(1)} % ± ${(100 * binomialSe(rate, 1000)).toFixed(1)} (1000 samples) | |`);
      [z, lb, samples].forEach((t) => t.dispose());
    }
  }
  (model as ConvAutoencoder).params.dispose();
}

console.log(`\n${lines.join('\n')}\n`);
console.log('| model | measure (nats per image: 1024 pixels in [−1, 1]) | 10 000 test digits | 10 000 training digits |');
console.log('|---|---|---|---|');
rows.forEach((r) => console.log(r));
