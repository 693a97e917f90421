import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { accuracy, asClassifierInput, loadOrTrainClassifier, MnistClassifier, trainClassifier } from './classifier.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

describe('MNIST classifier (the judge of generated digits)', () => {
  it('smoke: 60 Adam steps on 512 digits lower the held-out cross-entropy and beat chance on 300 test digits', () => {
    const rng = createRng(testSeed(71));
    const train = loadMnist('train', 512);
    const x = mnistTensor(train);
    const test = loadMnist('test', 300);
    const xt = mnistTensor(test);
    const yt = tf.tensor1d(test.labels, 'int32');
    const m = new MnistClassifier(rng, { widths: [8, 16], hidden: 32 });
    const heldOutLoss = () => m.loss(xt, yt).dataSync()[0]!;
    // At initialisation the cross-entropy is ≈ ln 10 ≈ 2.3 nats; 60 steps bring it to ≈ 0.6–1.3 across seeds, a
    // bound of 70 % of the start only fails if nothing is learnt.
    const before = heldOutLoss();
    trainClassifier(m, x, train.labels, rng, { steps: 60, batchSize: 32, learningRate: 3e-3 });
    expect(heldOutLoss()).toBeLessThan(0.7 * before);
    const acc = accuracy(m.classify(xt, 150), test.labels);
    // Guessing gets 0.1 with binomial SE √(0.1·0.9/300) ≈ 0.017; require 6 SE above chance (a trained net gets ≫ that).
    const chanceSe = Math.sqrt((0.1 * 0.9) / test.count);
    expect(acc).toBeGreaterThan(0.1 + 6 * chanceSe);
    [x, xt, yt].forEach((t) => t.dispose());
    m.params.dispose();
  });

  it('loadOrTrainClassifier trains and saves when the folder is empty, then loads the same weights', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'clf-')), 'classifier');
    const opts = { widths: [4, 8], hidden: 16, steps: 3, batchSize: 16, trainLimit: 64, testLimit: 50 };
    const a = loadOrTrainClassifier(dir, createRng(1), opts);
    expect(a.trained).toBe(true);
    expect(a.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(a.testAccuracy).toBeLessThanOrEqual(1);
    // A differently seeded model must come back with the saved weights: identical logits on the same digits.
    const b = loadOrTrainClassifier(dir, createRng(2), opts);
    expect(b.trained).toBe(false);
    expect(b.testAccuracy).toBe(a.testAccuracy);
    const xt = mnistTensor(loadMnist('test', 8));
    expect(Array.from(b.model.logits(xt).dataSync())).toEqual(Array.from(a.model.logits(xt).dataSync()));
    const fresh = new MnistClassifier(createRng(2), { widths: [4, 8], hidden: 16 });
    expect(Array.from(fresh.logits(xt).dataSync())).not.toEqual(Array.from(a.model.logits(xt).dataSync()));
    [a.model, b.model, fresh].forEach((m) => m.params.dispose());
    xt.dispose();
  });

  it('bad input names the function and argument', () => {
    const m = new MnistClassifier(createRng(1), { widths: [4], hidden: 8 });
    expect(() => m.logits(tf.zeros([2, 28, 28, 1]) as tf.Tensor4D)).toThrow(/MnistClassifier.logits: argument 'x' must be images \[B, 32, 32, 1\]/);
    expect(() => new MnistClassifier(createRng(1), { widths: [4, 8, 16, 32, 64] })).toThrow(/MnistClassifier: argument 'size' must be a positive multiple of 2\^6/);
    // Counted over every position, the first included: 3 of 5 agree.
    expect(accuracy([3, 1, 4, 1, 5], [3, 1, 0, 1, 0])).toBe(3 / 5);
    expect(() => accuracy([1, 2], [1])).toThrow(/accuracy: argument 'predicted'/);
    expect(() => trainClassifier(m, tf.zeros([3, 32, 32, 1]) as tf.Tensor4D, new Int32Array(2), createRng(1), { steps: 1, batchSize: 2 })).toThrow(
      /trainClassifier: argument 'labels' must be 3 labels/,
    );
    m.params.dispose();
  });
});

describe('asClassifierInput', () => {
  it('resizes 16×16 samples to the classifier side bilinearly and clips to [−1, 1]; leaves the classifier side alone', () => {
    // A 2×2 image [[−3, 1], [1, 1]] at side 4 with half-pixel centres: the corner pixel is the corner value (then
    // clipped to −1), an inner pixel is the 3:1 blend ¾·(−3) + ¼·1 across each axis, i.e. (9·(−3) + 3 + 3 + 1)/16.
    const x = tf.tensor4d([-3, 1, 1, 1], [1, 2, 2, 1]);
    const y = asClassifierInput(x, 4);
    const v = y.dataSync();
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(v[0]).toBe(-1);
    expect(v[1 * 4 + 1]).toBe(-1); // (−27 + 7)/16 = −1.25, clipped
    expect(v[3 * 4 + 3]).toBeCloseTo(1, 6);
    expect(v[2 * 4 + 2]).toBeCloseTo((-3 + 3 + 3 + 9) / 16, 6); // ¼·¼·(−3) + … = 0.75
    expect(asClassifierInput(y, 4)).toBe(y);
    expect(() => asClassifierInput(x, 0)).toThrow(/asClassifierInput: argument 'classifierSide'/);
    x.dispose();
    y.dispose();
  });
});
