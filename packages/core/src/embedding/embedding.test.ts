import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { latentShape, patchCount, patchify, sinusoidalEmbedding, timestepEmbedding, unpatchify } from './embedding.js';

beforeAll(useCpuBackend);

describe('G1 sinusoidal timestep embedding', () => {
  it('G1 entries are sin(ω_i t), cos(ω_i t) with ω_i = 10000^{−i/h}', () => {
    const e = sinusoidalEmbedding(37, 8);
    for (let i = 0; i < 4; i++) {
      const w = 10000 ** (-i / 4);
      assertClose(e[i]!, Math.sin(w * 37), { abs: 4 * EPS }, `sin ${i}`);
      assertClose(e[i + 4]!, Math.cos(w * 37), { abs: 4 * EPS }, `cos ${i}`);
    }
  });

  it('G1 each pair has sin² + cos² = 1, and the inner product depends only on t − t′', () => {
    const dim = 32;
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    for (const t of [1, 10, 999]) {
      const e = sinusoidalEmbedding(t, dim);
      for (let i = 0; i < 16; i++) assertClose(e[i]! ** 2 + e[i + 16]! ** 2, 1, { abs: 4 * EPS }, `t=${t} pair ${i}`);
    }
    // ⟨e(t), e(t′)⟩ = Σ cos(ω_i (t − t′)): relative positions are linear functions of the embedding.
    assertClose(dot(sinusoidalEmbedding(100, dim), sinusoidalEmbedding(130, dim)), dot(sinusoidalEmbedding(500, dim), sinusoidalEmbedding(530, dim)), { abs: 1e-12 }, 'shift');
  });

  it('G1 distinct steps get distinct embeddings; the tensor version matches the float64 one', () => {
    const all = Array.from({ length: 1000 }, (_, i) => sinusoidalEmbedding(i + 1, 64));
    for (let t = 1; t < 1000; t++) {
      const d = all[t]!.reduce((s, x, i) => s + (x - all[t - 1]![i]!) ** 2, 0);
      expect(d).toBeGreaterThan(1e-6);
    }
    const tensor = timestepEmbedding([1, 500, 1000], 64).dataSync();
    [1, 500, 1000].forEach((t, b) => {
      const e = sinusoidalEmbedding(t, 64);
      for (let i = 0; i < 64; i++) assertClose(tensor[b * 64 + i]!, e[i]!, { abs: 6e-8 }, `t=${t}[${i}]`); // float32 rounding
    });
  });

  it('G1 rejects odd or too small dimensions, a non-positive maxPeriod and empty batches', () => {
    expect(() => sinusoidalEmbedding(1, 7)).toThrow("sinusoidalEmbedding: argument 'dim' must be an even integer >= 2 (sin/cos pairs); received 7");
    expect(() => sinusoidalEmbedding(1, 0)).toThrow(/integer >= 2/);
    expect(() => timestepEmbedding(1, -2)).toThrow("timestepEmbedding: argument 'dim' must be an integer >= 2; received -2");
    for (const maxPeriod of [0, -5, Number.NaN]) expect(() => sinusoidalEmbedding(1, 4, maxPeriod)).toThrow(/argument 'maxPeriod' must be a finite number > 0/);
    expect(() => timestepEmbedding([], 8)).toThrow(/non-empty/);
  });
});

describe('G3 DiT patchify', () => {
  it('G3 S3’s example: 32×32×4 with p = 2 gives 256 tokens of dimension 16', () => {
    expect(patchCount(32, 32, 4, 2)).toEqual({ tokens: 256, tokenDim: 16 });
  });

  it('G3 patchify puts each p×p patch in one token and unpatchify inverts it exactly', () => {
    const x = createRng(testSeed(81)).normalTensor([2, 8, 6, 3]) as tf.Tensor4D;
    const tokens = patchify(x, 2);
    expect(tokens.shape).toEqual([2, 12, 12]);
    // Token 1 of example 0 is the patch at rows 0–1, cols 2–3; its first entry is x[0, 0, 2, 0].
    const xs = x.arraySync();
    const ts = tokens.arraySync();
    expect(ts[0]![1]![0]).toBe(xs[0]![0]![2]![0]);
    expect(ts[0]![1]![3]).toBe(xs[0]![0]![3]![0]); // (row 0, col 1, channel 0) within the patch
    expect(ts[1]![3]![11]).toBe(xs[1]![3]![1]![2]); // last entry of token 3 (patch rows 2–3, cols 0–1)
    expect(Array.from(unpatchify(tokens, 2, 8, 6, 3).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('G3 rejects a patch size that does not divide H and W', () => {
    expect(() => patchCount(32, 30, 4, 4)).toThrow("patchCount: argument 'p' must be a divisor of H = 32 and W = 30; received 4");
    expect(() => unpatchify(tf.zeros([1, 3, 4]) as tf.Tensor3D, 2, 4, 4, 1)).toThrow(/unpatchify: argument 'tokens' must be shape \[B, 4, 4\]/);
  });
});

describe('G4 latent diffusion', () => {
  it('G4 a 256×256×3 image with f = 8, c = 4 becomes the 32×32×4 latent of S3’s DiT example (G3), 48× smaller', () => {
    const { shape, compression } = latentShape(256, 256, 3, 8, 4);
    expect(shape).toEqual([32, 32, 4]);
    expect(compression).toBe((8 * 8 * 3) / 4);
    // Counting the numbers directly gives the same factor.
    expect((256 * 256 * 3) / (shape[0] * shape[1] * shape[2])).toBe(compression);
    expect(patchCount(...shape, 2).tokens).toBe(256);
  });

  it('G4 rejects a factor that does not divide the image', () => {
    expect(() => latentShape(28, 28, 1, 8, 4)).toThrow("latentShape: argument 'f' must be a divisor of H = 28 and W = 28; received 8");
  });
});

describe('G1, G3, G4 edge cases the mutation run found unchecked', () => {
  it('G1 a single step t gives the one-row tensor of sinusoidalEmbedding(t) (float32)', () => {
    const row = timestepEmbedding(17, 8);
    expect(row.shape).toEqual([1, 8]);
    const want = sinusoidalEmbedding(17, 8);
    Array.from(row.dataSync()).forEach((x, i) => expect(x).toBe(Math.fround(want[i]!)));
    row.dispose();
  });

  it('G3 patchCount and unpatchify reject a bad height alone and a bad token size alone', () => {
    // Each clause of the checks on its own: the existing cases had only W, or only N, wrong.
    expect(() => patchCount(30, 32, 4, 4)).toThrow("patchCount: argument 'p' must be a divisor of H = 30 and W = 32; received 4");
    expect(() => unpatchify(tf.zeros([1, 4, 3]) as tf.Tensor3D, 2, 4, 4, 1)).toThrow(/^unpatchify: argument 'tokens' must be shape \[B, 4, 4\]/);
  });

  it('G4 latentShape rejects f that divides only one of H and W', () => {
    expect(() => latentShape(32, 28, 1, 8, 4)).toThrow("latentShape: argument 'f' must be a divisor of H = 32 and W = 28; received 8");
    expect(() => latentShape(28, 32, 1, 8, 4)).toThrow("latentShape: argument 'f' must be a divisor of H = 28 and W = 32; received 8");
    expect(latentShape(32, 32, 1, 8, 4).shape).toEqual([4, 4, 4]);
  });
});
