import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { klAutoencoderLoss, latentScaleFactor } from './latent.js';
import { reconstructionLoss, vaeLoss } from './losses.js';

beforeAll(useCpuBackend);
const K = 6;

describe('B7 the KL-regularised autoencoder loss', () => {
  // Two examples, two pixels, a two-dimensional latent: every term can be done by hand.
  const x = tf.tensor2d([[1, 0], [0.5, -1]]);
  const xHat = tf.tensor2d([[0.5, 0], [0.5, 1]]);
  const mu = tf.tensor2d([[1, 0], [0, -2]]);
  const logVar = tf.tensor2d([[0, Math.log(2)], [0, 0]]);

  it('B7 by hand: mean over the batch of ‖x − x̂‖² + λ · ½Σ(μ² + σ² − 1 − log σ²)', () => {
    // Squared errors: 0.25 and 4. KL: ½[(1 + 1 − 1 − 0) + (0 + 2 − 1 − log 2)] = ½(2 − log 2); ½[(0) + (4 + 1 − 1 − 0)] = 2.
    const kl = [0.5 * (2 - Math.log(2)), 2];
    const lambda = 0.01;
    const expected = (0.25 + lambda * kl[0]! + 4 + lambda * kl[1]!) / 2;
    // float32 inputs and sums of a few terms: 1e-6 relative.
    assertClose(klAutoencoderLoss(x, xHat, mu, logVar, lambda).dataSync()[0]!, expected, { rel: 1e-6 }, 'loss');
  });

  it('B7 λ = 1 is the VAE loss (B1 + B4), λ = 0 the reconstruction loss alone', () => {
    assertClose(klAutoencoderLoss(x, xHat, mu, logVar, 1).dataSync()[0]!, vaeLoss(x, xHat, mu, logVar).dataSync()[0]!, { rel: 1e-7 }, 'λ = 1');
    assertClose(klAutoencoderLoss(x, xHat, mu, logVar, 0).dataSync()[0]!, reconstructionLoss(x, xHat).dataSync()[0]!, { rel: 1e-7 }, 'λ = 0');
  });

  it('B7 its gradient pulls μ towards 0 with strength λμ/B (autodiff of the loss)', () => {
    const lambda = 1e-3;
    const g = tf.grad((m: tf.Tensor) => klAutoencoderLoss(x, xHat, m, logVar, lambda))(mu);
    const expected = Array.from(mu.dataSync(), (m) => (lambda * m) / 2);
    Array.from(g.dataSync()).forEach((v, i) => assertClose(v, expected[i]!, { abs: 1e-9 }, `dL/dμ[${i}]`));
  });

  it('B7 refuses a negative or non-finite weight and a latent batch of another size, by name', () => {
    for (const w of [-1, Number.NaN, Infinity, 1e7]) expect(() => klAutoencoderLoss(x, xHat, mu, logVar, w)).toThrow(/klAutoencoderLoss: argument 'klWeight' must be a number in \[0, 1000000\]/);
    expect(() => klAutoencoderLoss(x, xHat, tf.zeros([3, 2]), tf.zeros([3, 2]), 0.1)).toThrow(/klAutoencoderLoss: argument 'mu' must be a tensor with the batch size of 'x' \(2\)/);
  });
});

describe('B8 the latent scaling factor', () => {
  it('B8 by hand: z = 1, 2, 3, 4 has σ̂² = 1.25 (about the mean 2.5, divided by n), so s = 1/√1.25', () => {
    assertClose(latentScaleFactor(tf.tensor2d([[1, 2], [3, 4]])), 1 / Math.sqrt(1.25), { rel: 4 * EPS }, 's');
  });

  it('B8 the scaled latents have unit variance, and s estimates 1/σ of the latents’ distribution (6 SE)', () => {
    const sigma = 3;
    const z = tf.add(tf.mul(createRng(testSeed(1421)).normalTensor([100, 5, 5, 4]), sigma), 0.7);
    const s = latentScaleFactor(z);
    const scaled = toFloat64(tf.mul(z, s));
    const n = scaled.length;
    const m = scaled.reduce((a, b) => a + b, 0) / n;
    const v = scaled.reduce((a, b) => a + (b - m) ** 2, 0) / n;
    assertClose(v, 1, { abs: 1e-6 }, 'variance of s·z'); // exact but for float32 rounding of s·z (2^−24 relative per entry)
    // A normal sample's sd has standard error ≈ σ/√(2n), so s = 1/σ̂ has relative standard error ≈ 1/√(2n).
    assertClose(s, 1 / sigma, { rel: K / Math.sqrt(2 * n) }, 's vs 1/σ');
  });

  it('B8 refuses latents without spread (a constant, or a single number)', () => {
    expect(() => latentScaleFactor(tf.fill([4, 3], 2))).toThrow("latentScaleFactor: argument 'z' must be latents that are not all equal (σ̂ > 0); received σ̂ = 0");
    expect(() => latentScaleFactor(tf.ones([1]))).toThrow(/latentScaleFactor: argument 'z' must be at least 2 numbers/);
  });
});
