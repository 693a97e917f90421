import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../nn/backend.js';
import { MlpDenoiser } from '../models/mlp.js';
import { UNet } from '../models/unet.js';
import { createRng } from '../random/rng.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { loadCheckpoint, loadOptimizerState, saveCheckpoint, saveOptimizerState } from './checkpoint.js';
import { imageGridPng } from './png.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

describe('checkpoints and sample grids', () => {
  it('G2 a checkpoint restores a differently initialised model bit for bit (same predictions)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ckpt-'));
    const a = new UNet(createRng(1), { filters: [8, 16], numClasses: 10 });
    const b = new UNet(createRng(2), { filters: [8, 16], numClasses: 10 });
    const x = createRng(3).normalTensor([2, 32, 32, 1]);
    const labels = tf.tensor1d([1, 2], 'int32');
    const ya = a.predict(x, [3, 9], labels).dataSync();
    expect(Array.from(b.predict(x, [3, 9], labels).dataSync())).not.toEqual(Array.from(ya));
    saveCheckpoint(dir, a, 17, { note: 'test' });
    const m = loadCheckpoint(dir, b);
    expect(m.step).toBe(17);
    expect(m.config).toEqual(a.config);
    expect(Array.from(b.predict(x, [3, 9], labels).dataSync())).toEqual(Array.from(ya));
    expect(() => loadCheckpoint(dir, new MlpDenoiser(createRng(1)))).toThrow(/loadCheckpoint: argument 'model' must be a 'unet' model/);
    expect(() => loadCheckpoint(path.join(dir, 'nope'), b)).toThrow(/readManifest: argument 'dir' must be a folder containing model.json/);
  });

  it("E4 Adam's saved state makes a fresh optimizer take the same next step as the one that kept running", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'opt-'));
    const rng = createRng(4);
    const w = tf.variable(rng.normalTensor([5]), true, 'w');
    const grad = () => [{ name: 'w', tensor: rng.normalTensor([5]) }];
    const running = tf.train.adam(0.1);
    for (let i = 0; i < 3; i++) running.applyGradients(grad());
    await saveOptimizerState(dir, running, 3);
    const before = w.dataSync().slice();
    const g = grad();
    running.applyGradients([{ name: 'w', tensor: g[0]!.tensor.clone() }]);
    const expected = w.dataSync().slice();
    w.assign(tf.tensor(before));
    const resumed = tf.train.adam(0.1);
    expect(await loadOptimizerState(dir, resumed, 3)).toBeUndefined();
    resumed.applyGradients(g);
    // A fresh Adam's first step is lr·sign(g) = ±0.1 per weight; the resumed one must match the running one instead.
    const got = w.dataSync();
    expected.forEach((e, i) => expect(Math.abs(got[i]! - e)).toBeLessThan(1e-6));
    expect(await loadOptimizerState(dir, tf.train.adam(0.1), 5)).toBe('the optimizer state is from step 3, the weights from step 5');
    expect(await loadOptimizerState(path.join(dir, 'none'), tf.train.adam(0.1), 3)).toBe('no optimizer state saved');
    await expect(loadOptimizerState(dir, tf.train.sgd(0.1), 3)).rejects.toThrow(/loadOptimizerState: argument 'optimizer' must be a 'Adam' optimizer/);
    w.dispose();
  });

  it('PNG grid: it holds each image at its tile, mapping −1 → 0 and 1 → 255', () => {
    const imgs = tf.concat([tf.fill([1, 4, 4, 1], -1), tf.fill([1, 4, 4, 1], 1), tf.fill([1, 4, 4, 1], 0)]);
    const png = PNG.sync.read(imageGridPng(imgs, 2));
    expect([png.width, png.height]).toEqual([2 * 6 + 2, 2 * 6 + 2]);
    const px = (x: number, y: number) => png.data[(y * png.width + x) * 4]!;
    expect(px(2, 2)).toBe(0); // first tile, black
    expect(px(8, 2)).toBe(255); // second tile, white
    expect(px(2, 8)).toBe(128); // third tile (second row), mid grey: round(127.5)
    expect(() => imageGridPng(tf.zeros([2, 2]))).toThrow(/imageGridPng: argument 'images' must be a tensor \[N, H, W, 1 or 3\]/);
  });
});
