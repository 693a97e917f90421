// Latent diffusion's first stage (models/latent-autoencoder.ts): the KL and VQ autoencoders whose latents the
// second-stage DDPM learns. Its formulas (B7–B11) are checked one by one in autoencoder/; here: the shapes it
// promises, its KL loss equal to B7 on its own parts, VQ decoding through the codebook, the straight-through
// gradient reaching the encoder, a checkpoint round trip, training that lowers the loss, and bad input refused.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { klAutoencoderLoss } from '../autoencoder/latent.js';
import { reconstructionLoss } from '../autoencoder/losses.js';
import { vectorQuantize } from '../autoencoder/vq.js';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import { DomainError } from '../util/validate.js';
import { LatentAutoencoder } from './latent-autoencoder.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const maxGap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
const scalar = (t: tf.Scalar) => t.dataSync()[0]!;

describe('LatentAutoencoder (S1 first stage: B7 KL-reg, B9–B11 VQ-reg)', () => {
  it('maps [B, 16, 16, 1] images to [B, 4, 4, 4] latents (f = 4) and back', () => {
    const kl = new LatentAutoencoder(createRng(1), { dim: 8 });
    const x = createRng(2).normalTensor([3, 16, 16, 1]);
    const enc = kl.encode(x);
    expect('mu' in enc && enc.mu.shape).toEqual([3, 4, 4, 4]);
    expect('logVar' in enc && enc.logVar.shape).toEqual([3, 4, 4, 4]);
    expect(kl.latentShape).toEqual([4, 4, 4]);
    expect(kl.decode(kl.latents(x)).shape).toEqual([3, 16, 16, 1]);
    const vq = new LatentAutoencoder(createRng(1), { regularizer: 'vq', dim: 8, layers: 1, codebookSize: 16 });
    expect(vq.latentShape).toEqual([8, 8, 4]);
    expect(vq.latents(x).shape).toEqual([3, 8, 8, 4]);
    expect(vq.decode(vq.latents(x)).shape).toEqual([3, 16, 16, 1]);
  });

  it('KL: latents(x, ε) = μ + σ ε, latents(x) = μ, and the loss is B7 on those parts (λ = 0.3)', () => {
    const model = new LatentAutoencoder(createRng(3), { dim: 8, klWeight: 0.3 });
    const rng = createRng(4);
    const x = rng.normalTensor([2, 16, 16, 1]);
    const eps = rng.normalTensor([2, 4, 4, 4]);
    const enc = model.encode(x) as { mu: tf.Tensor4D; logVar: tf.Tensor4D };
    const byHand = tf.add(enc.mu, tf.mul(tf.exp(tf.mul(0.5, enc.logVar)), eps));
    expect(maxGap(model.latents(x, eps), byHand)).toBeLessThan(1e-6);
    expect(maxGap(model.latents(x), enc.mu)).toBe(0);
    const parts = model.loss(x, eps);
    const xHat = model.decode(byHand);
    const b7 = klAutoencoderLoss(x, xHat, enc.mu, enc.logVar, 0.3);
    const recon = reconstructionLoss(x, xHat);
    // Same float32 ops up to summation order: a relative 1e-5 is rounding, a wrong weight or sign is far off.
    expect(Math.abs(scalar(parts.total) - scalar(b7))).toBeLessThan(1e-5 * scalar(b7));
    expect(Math.abs(scalar(parts.reconstruction) - scalar(recon))).toBeLessThan(1e-5 * scalar(recon));
    expect(scalar(parts.regularizer)).toBeGreaterThan(0);
    // The KL weight is what the model was built with: at λ = 0 the regulariser vanishes.
    const noKl = new LatentAutoencoder(createRng(3), { dim: 8, klWeight: 0 });
    expect(scalar(noKl.loss(x, eps).regularizer)).toBeCloseTo(0, 4);
  });

  it('VQ: decode looks the latents up in the codebook first, so any z_e in the same cell decodes the same', () => {
    const model = new LatentAutoencoder(createRng(5), { regularizer: 'vq', dim: 8, codebookSize: 8 });
    const x = createRng(6).normalTensor([2, 16, 16, 1]);
    const ze = model.latents(x);
    const codebook = model.params.list.find((v) => v.shape.length === 2 && v.shape[0] === 8 && v.shape[1] === 4)!;
    const { quantized, indices } = vectorQuantize(ze, codebook as unknown as tf.Tensor2D);
    // Decoding z_e and decoding its nearest codes give the same image; the codes' indices are the lookup's.
    expect(maxGap(model.decode(ze), model.decode(quantized))).toBe(0);
    expect(Array.from(model.codes(ze))).toEqual(Array.from(indices));
    // Moving z_e a little towards its code does not change the decoded image: the decoder sees only the code.
    const nudged = tf.add(ze, tf.mul(0.01, tf.sub(quantized, ze)));
    expect(maxGap(model.decode(nudged), model.decode(ze))).toBe(0);
  });

  it('VQ: the straight-through gradient (B10) reaches the encoder, and the codebook gets B11\'s codebook loss', () => {
    const model = new LatentAutoencoder(createRng(7), { regularizer: 'vq', dim: 8, codebookSize: 8 });
    const x = createRng(8).normalTensor([2, 16, 16, 1]);
    const { grads } = tf.variableGrads(() => model.loss(x, null).total, model.params.list);
    const norm = (name: string) => {
      const g = Object.entries(grads).find(([k]) => k.includes(name));
      if (!g) throw new Error(`no gradient for a variable named like ${name}`);
      return tf.norm(g[1]).dataSync()[0]!;
    };
    // Without B10 the quantiser's argmin would cut the encoder off from the reconstruction loss: its first conv
    // would get only the commitment term's gradient. With it the encoder's gradient is the reconstruction's too.
    const encoderGrad = norm('enc0');
    const { grads: commitOnly } = tf.variableGrads(() => model.loss(x, null).regularizer, model.params.list);
    const encoderCommit = tf.norm(Object.entries(commitOnly).find(([k]) => k.includes('enc0'))![1]).dataSync()[0]!;
    expect(encoderGrad).toBeGreaterThan(2 * encoderCommit);
    expect(norm('codebook')).toBeGreaterThan(0);
  });

  it('a checkpoint round trip rebuilds the same decoder and encoder (kind latent-autoencoder, config saved)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'latent-ae-'));
    try {
      for (const regularizer of ['kl', 'vq'] as const) {
        const model = new LatentAutoencoder(createRng(9), { regularizer, dim: 8, codebookSize: 8 });
        const x = createRng(10).normalTensor([2, 16, 16, 1]);
        const folder = path.join(dir, regularizer);
        saveCheckpoint(folder, model, 0);
        const copy = new LatentAutoencoder(createRng(99), model.config as never);
        expect(loadCheckpoint(folder, copy).kind).toBe('latent-autoencoder');
        expect(copy.config).toEqual(model.config);
        expect(maxGap(copy.decode(copy.latents(x)), model.decode(model.latents(x)))).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains: 60 Adam steps on 64 MNIST digits halve the KL loss and the VQ loss on them', () => {
    const x = mnistTensor(loadMnist('train', 64), 16);
    for (const regularizer of ['kl', 'vq'] as const) {
      const model = new LatentAutoencoder(createRng(11), { regularizer, dim: 16 });
      const eps = regularizer === 'kl' ? createRng(12).normalTensor([64, 4, 4, 4]) : null;
      const lossNow = () => tf.tidy(() => scalar(model.loss(x, eps).total));
      const before = lossNow();
      const opt = tf.train.adam(3e-3);
      for (let i = 0; i < 60; i++) opt.minimize(() => model.loss(x, eps).total, false, model.params.list);
      // A fresh decoder outputs ≈ 0, so the loss starts near Σx² ≈ 230 per 16×16 digit; learning even the mean
      // digit removes half of it, a decoder cut off from its gradient removes none.
      expect(lossNow()).toBeLessThan(0.5 * before);
      opt.dispose();
    }
  });

  it('refuses bad options and inputs by name', () => {
    const rng = createRng(13);
    const bad = (f: () => unknown, arg: string) => {
      expect(f).toThrow(DomainError);
      expect(f).toThrow(new RegExp(`LatentAutoencoder.*${arg}`));
    };
    bad(() => new LatentAutoencoder(rng, { regularizer: 'vae' as never }), 'regularizer');
    bad(() => new LatentAutoencoder(rng, { size: 18, layers: 2 }), 'size');
    bad(() => new LatentAutoencoder(rng, { klWeight: -1 }), 'klWeight');
    bad(() => new LatentAutoencoder(rng, { latentChannels: 0 }), 'latentChannels');
    bad(() => new LatentAutoencoder(rng, { codebookSize: 1.5, regularizer: 'vq' }), 'codebookSize');
    const kl = new LatentAutoencoder(rng, { dim: 4 });
    const vq = new LatentAutoencoder(rng, { dim: 4, regularizer: 'vq', codebookSize: 4 });
    const x = tf.zeros([2, 16, 16, 1]);
    bad(() => kl.encode(tf.zeros([2, 8, 8, 1])), 'x');
    bad(() => kl.decode(tf.zeros([2, 4, 4, 3])), 'z');
    bad(() => kl.loss(x, null), 'eps');
    bad(() => kl.loss(x, tf.zeros([2, 4, 4, 3])), 'eps');
    bad(() => vq.latents(x, tf.zeros([2, 4, 4, 4])), 'eps');
    bad(() => kl.codes(tf.zeros([2, 4, 4, 4])), 'this');
  });
});
