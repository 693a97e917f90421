// Latent diffusion's first stage as training data (train/first-stage.ts): encoding in chunks gives exactly the
// latents of one pass, the saved scale is B8's s of those latents (so s·z has unit spread), a saved first stage
// loads back to the same decoder, and a folder that is not a first stage is refused by name.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatentAutoencoder } from '../models/latent-autoencoder.js';
import { MlpDenoiser } from '../models/mlp.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { saveCheckpoint } from './checkpoint.js';
import { encodeAll, loadFirstStage, trainAndSaveFirstStage, trainFirstStage } from './first-stage.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const maxGap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
const tempDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `first-stage-${name}-`));

describe('the first stage of latent diffusion (S1)', () => {
  it('encodeAll over 1200 images (chunks of 500) equals one pass with the same ε, for KL; VQ needs no ε', () => {
    const kl = new LatentAutoencoder(createRng(1), { dim: 8 });
    const x = tf.tanh(createRng(2).normalTensor([1200, 16, 16, 1])) as tf.Tensor4D;
    const chunked = encodeAll(kl, x, createRng(3));
    // The same stream, drawn chunk by chunk as encodeAll does: 500, 500, 200 images' worth of ε.
    const rng = createRng(3);
    const eps = tf.concat([500, 500, 200].map((n) => rng.normalTensor([n, 4, 4, 4])));
    const once = kl.latents(x, eps);
    expect(chunked.shape).toEqual([1200, 4, 4, 4]);
    expect(maxGap(chunked, once)).toBeLessThan(1e-5);
    // Another stream, other posterior draws: the ε really enters (z = μ + σ ε, B6).
    expect(maxGap(encodeAll(kl, x, createRng(4)), once)).toBeGreaterThan(1e-3);
    const vq = new LatentAutoencoder(createRng(1), { regularizer: 'vq', dim: 8, codebookSize: 16 });
    expect(maxGap(encodeAll(vq, x, createRng(3)), encodeAll(vq, x, createRng(9)))).toBe(0);
  });

  it('trainAndSaveFirstStage saves the model with B8 s = 1/σ̂ of its training latents; loadFirstStage restores both', () => {
    const folder = tempDir('save');
    const x = tf.tanh(createRng(5).normalTensor([64, 16, 16, 1])) as tf.Tensor4D;
    const stage = trainAndSaveFirstStage(folder, x, createRng(6), { dim: 8, steps: 3, batchSize: 8, seed: 6 });
    // Rebuild the latents the trainer measured: its stream after 3 steps' batches and ε, then encodeAll.
    const replay = createRng(6);
    const twin = new LatentAutoencoder(replay, { dim: 8 });
    trainFirstStage(twin, x, replay, { steps: 3, batchSize: 8 });
    const z = encodeAll(twin, x, replay);
    const spread = Math.sqrt(tf.moments(z).variance.dataSync()[0]!);
    expect(stage.scale).toBeCloseTo(1 / spread, 3);
    const scaled = tf.mul(z, stage.scale);
    expect(Math.sqrt(tf.moments(scaled).variance.dataSync()[0]!)).toBeCloseTo(1, 3);

    const loaded = loadFirstStage('test', 'folder', folder);
    expect(loaded.scale).toBe(stage.scale);
    expect(loaded.model.regularizer).toBe('kl');
    const probe = createRng(7).normalTensor([2, 4, 4, 4]);
    expect(maxGap(loaded.model.decode(probe), stage.model.decode(probe))).toBe(0);
  });

  it('loadFirstStage refuses a checkpoint of another kind, naming the caller, the argument and the folder', () => {
    const folder = tempDir('other');
    saveCheckpoint(folder, new MlpDenoiser(createRng(1)), 1, { scale: 1 });
    expect(() => loadFirstStage('pnpm train', '--first-stage', folder)).toThrow(
      /pnpm train: argument '--first-stage' must be a first-stage checkpoint \(kind latent-autoencoder, with meta.scale\); received .*\(kind 'mlp/,
    );
    const noScale = tempDir('noscale');
    saveCheckpoint(noScale, new LatentAutoencoder(createRng(1), { dim: 8 }), 1, {});
    expect(() => loadFirstStage('pnpm train', '--first-stage', noScale)).toThrow(/with meta.scale/);
  });

  it('trainFirstStage refuses images of another size than the model', () => {
    const model = new LatentAutoencoder(createRng(1), { dim: 8 });
    const x = tf.zeros([4, 32, 32, 1]) as tf.Tensor4D;
    expect(() => trainFirstStage(model, x, createRng(1), { steps: 1, batchSize: 2 })).toThrow(
      /trainFirstStage: argument 'x' must be images \[N ≥ 1, 16, 16, 1\] \(the model's size\); received shape \[4, 32, 32, 1\]/,
    );
  });
});
