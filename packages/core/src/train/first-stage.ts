/**
 * Latent diffusion's first stage, trained and turned into the second stage's data (S1; Rombach et al. 2022 §3–4):
 * train the KL or VQ autoencoder on the images, encode every image once, and scale the latents by B8's s so that
 * the DDPM sees data of unit variance, as it does with pixels in [−1, 1]. A trained first stage is a checkpoint
 * folder with its scale in the meta, so a second run (another denoiser, more steps) reuses it as it is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { latentScaleFactor } from '../autoencoder/latent.js';
import { randomBatch } from '../data/batch.js';
import { LatentAutoencoder, type LatentAutoencoderOptions } from '../models/latent-autoencoder.js';
import { assertRng, createRng, type Rng } from '../random/rng.js';
import { assertRank } from '../util/tensor.js';
import { assertIntegerInRange, assertPositive, DomainError, MAX_COUNT } from '../util/validate.js';
import { loadCheckpoint, readManifest, saveCheckpoint } from './checkpoint.js';
import { MAX_STEPS } from './options.js';

export interface FirstStageTrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  /** Adam's learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** Called after each step; returning false stops the training. */
  readonly onStep?: (info: { step: number; loss: number; seconds: number }) => boolean | void;
}

/**
 * Train the first stage with Adam on random batches of `x` ([N, size, size, channels]); KL draws the
 * reparameterisation noise from `rng`. Returns each step's loss (B7's, or reconstruction + B11's for VQ).
 */
export function trainFirstStage(model: LatentAutoencoder, x: tf.Tensor4D, rng: Rng, options: FirstStageTrainOptions): Float64Array {
  const fn = 'trainFirstStage';
  const { steps, batchSize, learningRate = 1e-3, onStep } = options;
  assertIntegerInRange(fn, 'steps', steps, 0, MAX_STEPS);
  assertIntegerInRange(fn, 'batchSize', batchSize, 1, MAX_COUNT);
  assertPositive(fn, 'learningRate', learningRate);
  assertRng(fn, 'rng', rng);
  const [size, , channels] = model.imageShape;
  assertRank(fn, 'x', x, 4, `images [N, ${size}, ${size}, ${channels}]`);
  if (x.shape[0] === 0 || x.shape[1] !== size || x.shape[2] !== size || x.shape[3] !== channels) {
    throw new DomainError(fn, 'x', `images [N ≥ 1, ${size}, ${size}, ${channels}] (the model's size)`, `shape [${x.shape.join(', ')}]`);
  }
  const optimizer = tf.train.adam(learningRate);
  const losses = new Float64Array(steps);
  try {
    for (let s = 0; s < steps; s++) {
      const started = performance.now();
      const batch = randomBatch(x, null, batchSize, rng);
      const eps = model.regularizer === 'kl' ? rng.normalTensor([batchSize, ...model.latentShape]) : null;
      const value = optimizer.minimize(() => {
        const parts = model.loss(batch.x, eps);
        parts.reconstruction.dispose();
        parts.regularizer.dispose();
        return parts.total;
      }, true, model.params.list) as tf.Scalar;
      losses[s] = value.dataSync()[0]!;
      value.dispose();
      batch.x.dispose();
      eps?.dispose();
      if (onStep?.({ step: s + 1, loss: losses[s]!, seconds: (performance.now() - started) / 1000 }) === false) return losses.slice(0, s + 1);
    }
  } finally {
    optimizer.dispose();
  }
  return losses;
}

/**
 * The latents of every image, z = μ + σ ε for KL (one posterior draw per image, as LDM trains on) or z_e for VQ,
 * encoded in chunks of 500 to bound memory; [N, h, w, c].
 */
export function encodeAll(model: LatentAutoencoder, x: tf.Tensor4D, rng: Rng): tf.Tensor4D {
  const chunks: tf.Tensor4D[] = [];
  for (let i = 0; i < x.shape[0]; i += 500) {
    const n = Math.min(500, x.shape[0] - i);
    const xb = tf.slice(x, [i, 0, 0, 0], [n, -1, -1, -1]);
    const eps = model.regularizer === 'kl' ? rng.normalTensor([n, ...model.latentShape]) : null;
    chunks.push(model.latents(xb, eps));
    xb.dispose();
    eps?.dispose();
  }
  const all = tf.concat(chunks, 0);
  chunks.forEach((c) => c.dispose());
  return all;
}

/** A trained first stage and B8's scale of its latents. */
export interface FirstStage {
  readonly model: LatentAutoencoder;
  /** s = 1 / std(z) over the training latents (B8): the DDPM learns s·z, samples are divided by s to decode. */
  readonly scale: number;
  readonly folder: string;
}

/**
 * Load the first stage saved in `folder` (kind latent-autoencoder, its scale in the meta), or refuse it by name.
 */
export function loadFirstStage(fn: string, arg: string, folder: string): FirstStage {
  const manifest = readManifest(folder);
  const scale = manifest.meta.scale;
  if (manifest.kind !== 'latent-autoencoder' || typeof scale !== 'number' || !(scale > 0 && Number.isFinite(scale))) {
    throw new DomainError(fn, arg, 'a first-stage checkpoint (kind latent-autoencoder, with meta.scale)', `${folder} (kind '${manifest.kind}')`);
  }
  const model = new LatentAutoencoder(createRng(0), manifest.config as LatentAutoencoderOptions);
  loadCheckpoint(folder, model);
  return { model, scale, folder };
}

/**
 * Train a first stage on `x`, measure its scale on the encoded training images, and save both in `folder`.
 * `onStep` shows progress; the meta records the seed, batch, learning rate, time and the last 50 steps' mean loss.
 */
export function trainAndSaveFirstStage(
  folder: string,
  x: tf.Tensor4D,
  rng: Rng,
  options: LatentAutoencoderOptions & FirstStageTrainOptions & { readonly seed: number },
): FirstStage {
  const { steps, batchSize, learningRate, onStep, seed, ...modelOptions } = options;
  const model = new LatentAutoencoder(rng, { ...modelOptions, size: x.shape[1], channels: x.shape[3] });
  const t0 = performance.now();
  const losses = trainFirstStage(model, x, rng, { steps, batchSize, ...(learningRate ? { learningRate } : {}), ...(onStep ? { onStep } : {}) });
  const latents = encodeAll(model, x, rng);
  const scale = latentScaleFactor(latents);
  latents.dispose();
  const last = losses.slice(-50);
  const finalLoss = last.reduce((a, b) => a + b, 0) / Math.max(1, last.length);
  saveCheckpoint(folder, model, steps, { scale, seed, batch: batchSize, lr: learningRate ?? 1e-3, finalLoss, trainSeconds: (performance.now() - t0) / 1000 });
  return { model, scale, folder };
}

/**
 * The decoder of latent diffusion's samples: a sampler's output is s·z, so z = sample / s and the image is D(z)
 * (S1). Pass it as `decode` to the sample measures (quality/measures.ts) or apply it to a sample grid.
 */
export function firstStageDecoder(stage: FirstStage): (scaled: tf.Tensor4D) => tf.Tensor4D {
  return (scaled) => tf.tidy(() => stage.model.decode(tf.div(scaled, stage.scale)));
}
