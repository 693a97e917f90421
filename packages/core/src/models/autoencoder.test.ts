import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { ConvAutoencoder, trainAutoencoder, upsample2x, type AutoencoderKind } from './autoencoder.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

describe('B AE / VAE / CVAE on MNIST (S4 architecture, small widths)', () => {
  it('upsample2x: nearest 2× upsampling repeats each pixel into a 2×2 block', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(upsample2x(x).dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  for (const kind of ['ae', 'vae', 'cvae'] as AutoencoderKind[]) {
    it(`ConvAutoencoder smoke: the ${kind.toUpperCase()} loss on a fixed batch of digits falls in 20 Adam steps`, () => {
      const rng = createRng(testSeed(kind.length * 13 + (kind === 'cvae' ? 1 : 0)));
      const d = loadMnist('train', 64);
      const x = mnistTensor(d);
      const m = new ConvAutoencoder(rng, { kind, dim: 8, latent: 8 });
      const xb = tf.slice(x, 0, 16) as tf.Tensor4D;
      const eps = kind === 'ae' ? null : createRng(5).normalTensor([16, 8]);
      const lb = kind === 'cvae' ? tf.tensor1d(d.labels.subarray(0, 16), 'int32') : null;
      const evalLoss = () => m.loss(xb, eps, lb).dataSync()[0]!;
      const before = evalLoss();
      trainAutoencoder(m, x, kind === 'cvae' ? d.labels : null, rng, { steps: 20, batchSize: 16, learningRate: 3e-3 });
      const after = evalLoss();
      // Σ over 1024 pixels of squared error: ≈ 1024 · E[x²] ≈ 800 at the start; a working gradient removes a large
      // share in 20 steps (learning the mean digit alone does); a broken one does not.
      expect(after).toBeLessThan(0.8 * before);
      m.params.dispose();
    });
  }

  it('ConvAutoencoder bad input: a VAE needs its noise, a CVAE its labels', () => {
    const m = new ConvAutoencoder(createRng(1), { kind: 'vae', dim: 8, latent: 4 });
    expect(() => m.forward(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D, null)).toThrow(/ConvAutoencoder.forward: argument 'eps' must be standard normal noise/);
    const c = new ConvAutoencoder(createRng(1), { kind: 'cvae', dim: 8, latent: 4 });
    expect(() => trainAutoencoder(c, tf.zeros([2, 32, 32, 1]) as tf.Tensor4D, null, createRng(1), { steps: 1, batchSize: 1 })).toThrow(/trainAutoencoder: argument 'labels'/);
    expect(() => new ConvAutoencoder(createRng(1), { kind: 'gan' as never })).toThrow(/ConvAutoencoder: argument 'kind'/);
  });
});
