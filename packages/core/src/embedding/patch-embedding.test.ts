import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../nn/backend.js';
import { ParamStore } from '../nn/layers.js';
import { createRng } from '../random/rng.js';
import { assertAllClose, assertClose, EPS, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { patchify, unpatchify } from './embedding.js';
import { applyPatchEmbedding, patchEmbedding, sinCosPositionEmbedding2d } from './patch-embedding.js';

beforeAll(useCpuBackend);
const rng = createRng(testSeed(1411));

describe('G7 patch embedding with the 2-D sin-cos position embedding', () => {
  it('G7 the position table is MAE/DiT’s: token r·W + s gets [sin, cos of s·ω | sin, cos of r·ω], ω_i = 10000^{−4i/D}', () => {
    const [gh, gw, D] = [3, 4, 8];
    const pos = sinCosPositionEmbedding2d(gh, gw, D);
    expect(pos.length).toBe(gh * gw * D);
    // Written out from get_2d_sincos_pos_embed: omega = 1/10000^(i/(D/4)); emb_h (of the w coordinate) then emb_w.
    for (let r = 0; r < gh; r++) {
      for (let s = 0; s < gw; s++) {
        const n = r * gw + s;
        for (let i = 0; i < D / 4; i++) {
          const w = 1 / 10000 ** (i / (D / 4));
          const expected = [Math.sin(s * w), Math.cos(s * w), Math.sin(r * w), Math.cos(r * w)];
          const at = [i, D / 4 + i, D / 2 + i, (3 * D) / 4 + i];
          // Two ways of forming ω (exp∘log versus a power) differ by a few ulps; times positions ≤ 3: 8 EPS.
          at.forEach((j, k) => assertClose(pos[n * D + j]!, expected[k]!, { abs: 8 * EPS }, `token ${n} entry ${j}`));
        }
      }
    }
  });

  it('G7 every token has its own position, and ⟨pos_n, pos_m⟩ depends only on the offset between the patches', () => {
    const [gh, gw, D] = [4, 4, 16];
    const pos = sinCosPositionEmbedding2d(gh, gw, D);
    const row = (n: number) => pos.subarray(n * D, (n + 1) * D);
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, u, i) => s + u * b[i]!, 0);
    for (let n = 0; n < gh * gw; n++) for (let m = 0; m < n; m++) expect(row(n).some((u, i) => Math.abs(u - row(m)[i]!) > 1e-3)).toBe(true);
    // Σ cos(ω (s − s′)) + Σ cos(ω (r − r′)): the same for (0,0)–(1,2) as for (2,1)–(3,3).
    assertClose(dot(row(0 * gw + 0), row(1 * gw + 2)), dot(row(2 * gw + 1), row(3 * gw + 3)), { abs: 1e-13 }, 'relative position');
  });

  it('G7 patch embedding = a p×p convolution with stride p (DiT’s PatchEmbed) plus the position table', () => {
    const [B, H, W, C, p, D] = [2, 8, 6, 3, 2, 8];
    const ps = new ParamStore(createRng(testSeed(1412)));
    const l = patchEmbedding(ps, 'pe', { H, W, channels: C, patch: p, dim: D });
    l.proj.b!.assign(rng.normalTensor([D]));
    const x = rng.normalTensor([B, H, W, C]) as tf.Tensor4D;
    const tokens = applyPatchEmbedding(l, x);
    expect(tokens.shape).toEqual([B, (H * W) / (p * p), D]);
    // The projection's rows are indexed (row, col, channel) within the patch: exactly a [p, p, C, D] kernel.
    const kernel = tf.reshape(l.proj.w, [p, p, C, D]) as tf.Tensor4D;
    const conv = tf.reshape(tf.add(tf.conv2d(x, kernel, p, 'valid'), l.proj.b!), [B, (H * W) / (p * p), D]);
    const expected = tf.add(conv, tf.tensor2d(Array.from(sinCosPositionEmbedding2d(H / p, W / p, D)), [(H * W) / (p * p), D]));
    assertAllClose(tokens.dataSync(), expected.dataSync(), { abs: 2e-6 }, 'tokens'); // float32 sums of p²C = 12 products
  });

  it('G7 the projection is trained, the position table is fixed: the gradient reaches W and b and only them', () => {
    const ps = new ParamStore(createRng(testSeed(1413)));
    const l = patchEmbedding(ps, 'pe', { H: 4, W: 4, channels: 1, patch: 2, dim: 4 });
    const x = rng.normalTensor([1, 4, 4, 1]) as tf.Tensor4D;
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(applyPatchEmbedding(l, x))) as tf.Scalar, ps.list);
    expect(Object.keys(grads).sort()).toEqual(ps.list.map((v) => v.name).sort());
    expect(ps.list.length).toBe(2);
  });

  it('G7 refuses a patch that does not divide the image, a width that is not a multiple of 4, and images of another size', () => {
    const ps = new ParamStore(createRng(1));
    expect(() => patchEmbedding(ps, 'a', { H: 6, W: 6, channels: 1, patch: 4, dim: 8 })).toThrow("patchEmbedding: argument 'options.patch' must be a divisor of H = 6 and W = 6; received 4");
    expect(() => patchEmbedding(ps, 'b', { H: 4, W: 4, channels: 1, patch: 2, dim: 6 })).toThrow(/patchEmbedding: argument 'options.dim' must be a multiple of 4/);
    expect(() => sinCosPositionEmbedding2d(2, 2, 10)).toThrow(/sinCosPositionEmbedding2d: argument 'dim' must be a multiple of 4/);
    const l = patchEmbedding(ps, 'c', { H: 4, W: 4, channels: 1, patch: 2, dim: 8 });
    expect(() => applyPatchEmbedding(l, tf.zeros([1, 4, 6, 1]) as tf.Tensor4D)).toThrow(/applyPatchEmbedding: argument 'x' must be images \[B >= 1, 4, 4, 1\]/);
  });
});

describe('G8 unpatchify', () => {
  const shapes: [number, number, number, number, number][] = [
    // [B, H, W, C, p]: square and oblong, one and several channels, p = 1 (every pixel a token) to p = H.
    [2, 8, 6, 3, 2],
    [1, 28, 28, 1, 4],
    [3, 4, 8, 4, 4],
    [1, 6, 6, 2, 1],
    [2, 6, 6, 1, 6],
  ];

  it('G8 unpatchify ∘ patchify is the identity, bit for bit', () => {
    for (const [B, H, W, C, p] of shapes) {
      const x = rng.normalTensor([B, H, W, C]) as tf.Tensor4D;
      const back = unpatchify(patchify(x, p), p, H, W, C);
      expect(back.shape).toEqual(x.shape);
      expect(Buffer.from(back.dataSync().buffer).equals(Buffer.from(x.dataSync().buffer)), `[${B}, ${H}, ${W}, ${C}], p = ${p}`).toBe(true);
    }
  });

  it('G8 patchify ∘ unpatchify is the identity, bit for bit', () => {
    for (const [B, H, W, C, p] of shapes) {
      const tokens = rng.normalTensor([B, (H * W) / (p * p), p * p * C]) as tf.Tensor3D;
      const again = patchify(unpatchify(tokens, p, H, W, C), p);
      expect(again.shape).toEqual(tokens.shape);
      expect(Buffer.from(again.dataSync().buffer).equals(Buffer.from(tokens.dataSync().buffer)), `[${B}, ${H}, ${W}, ${C}], p = ${p}`).toBe(true);
    }
  });

  it('G8 token r·(W/p) + s, entry (i·p + j)·C + c lands at pixel (r·p + i, s·p + j), channel c', () => {
    const [H, W, C, p] = [4, 6, 2, 2];
    const N = (H * W) / (p * p);
    const tokens = tf.tensor3d(Float32Array.from({ length: N * p * p * C }, (_, k) => k), [1, N, p * p * C]);
    const image = unpatchify(tokens, p, H, W, C).arraySync()[0]!;
    const [r, s, i, j, c] = [1, 2, 1, 0, 1];
    expect(image[r * p + i]![s * p + j]![c]).toBe((r * (W / p) + s) * p * p * C + (i * p + j) * C + c);
  });

  it('G8 on the wasm backend too: both compositions are the identity bit for bit', async () => {
    const x = rng.normalTensor([2, 8, 6, 3]);
    const data = x.dataSync().slice();
    await selectBackend({ backend: 'wasm' });
    const onWasm = tf.tensor(data, [2, 8, 6, 3]) as tf.Tensor4D;
    const back = toFloat64(unpatchify(patchify(onWasm, 2), 2, 8, 6, 3));
    await useCpuBackend();
    expect(Array.from(back)).toEqual(Array.from(data));
  });
});
