import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, mnistTensor } from '../data/mnist.js';
import { qSample } from '../forward/forward.js';
import { selectBackend } from '../nn/backend.js';
import { noisyClassifierAccuracy } from '../quality/measures.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { NoisyClassifier, trainNoisyClassifier } from './noisy-classifier.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

// The ddpm quick preset's schedule and image side: the x_t its sampler produces.
const schedule = linearSchedule(1000);

describe('NoisyClassifier p_φ(y | x_t, t)', () => {
  it('briefly trained on x_t ~ q(x_t | x_0) at t ~ U{1..T}: well above chance at small t, no better than the commonest digit at t = T', () => {
    const rng = createRng(testSeed(17));
    const train = loadMnist('train', 4096);
    const x = mnistTensor(train, 16);
    const test = loadMnist('test', 1000);
    const xt = mnistTensor(test, 16);
    const model = new NoisyClassifier(rng, { widths: [16, 32], hidden: 64 });
    const losses = trainNoisyClassifier(model, x, train.labels, rng, { schedule, steps: 150, batchSize: 64, learningRate: 3e-3 });
    expect(losses.length).toBe(150);
    const early = noisyClassifierAccuracy(model, schedule, xt, test.labels, 10, createRng(testSeed(18)));
    const last = noisyClassifierAccuracy(model, schedule, xt, test.labels, 1000, createRng(testSeed(19)));
    // Chance is 0.1 (SE √(0.1·0.9/1000) ≈ 0.0095 over 1000 digits); at t = 10 (√ᾱ ≈ 0.99) the digits are
    // barely noised and 150 steps already read most of them: require 10 SE above chance (≈ 0.195).
    expect(early.value).toBeGreaterThan(0.1 + 10 * Math.sqrt((0.1 * 0.9) / test.count));
    // At t = T, √ᾱ_T ≈ 0.006: the image is all but pure noise, and the best any classifier can do is guess the
    // commonest digit. Its share m in these 1000 digits, plus 4 binomial SE √(m(1 − m)/n) (a false alarm
    // once in ~30 000 runs), bounds the accuracy; a classifier that still saw the digit would be far above.
    const counts = new Array<number>(10).fill(0);
    test.labels.forEach((l) => counts[l]!++);
    const commonest = Math.max(...counts) / test.count;
    expect(last.value).toBeLessThan(commonest + 4 * Math.sqrt((commonest * (1 - commonest)) / test.count));
    [x, xt].forEach((t) => t.dispose());
    model.params.dispose();
  }, 300_000);

  it('t enters the network: the same image at t = 1 and t = 900 gets different logits; a step per example equals the shared step', () => {
    const model = new NoisyClassifier(createRng(testSeed(3)), { widths: [4], hidden: 8, size: 8, timeDim: 8, numClasses: 3 });
    const x = createRng(testSeed(4)).normalTensor([2, 8, 8, 1]) as tf.Tensor4D;
    const a = Array.from(model.logits(x, 1).dataSync());
    const b = Array.from(model.logits(x, 900).dataSync());
    expect(a).not.toEqual(b);
    expect(Array.from(model.logits(x, [1, 1]).dataSync())).toEqual(a);
    const mixed = model.logits(x, [1, 900]).arraySync();
    expect(mixed[0]).toEqual(model.logits(tf.slice(x, 0, 1), 1).arraySync()[0]);
    expect(mixed[1]).toEqual(model.logits(tf.slice(x, 1, 1), 900).arraySync()[0]);
    model.params.dispose();
  });

  it('noisyClassifierAccuracy noises each digit once, x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, classifies it at t, and counts the hits', () => {
    const model = new NoisyClassifier(createRng(testSeed(6)), { widths: [4], hidden: 8, numClasses: 10 });
    const test = loadMnist('test', 150);
    const x0 = mnistTensor(test, 16);
    const t = Int32Array.from({ length: test.count }, (_, i) => 1 + ((37 * i) % 1000));
    const got = noisyClassifierAccuracy(model, schedule, x0, test.labels, t, createRng(testSeed(7)));
    // The same draws by hand (150 digits: one chunk, one ε tensor from the same stream).
    const eps = createRng(testSeed(7)).normalTensor([test.count, 16, 16, 1]);
    const xt = qSample(schedule, x0, t, eps) as tf.Tensor4D;
    const predicted = model.classify(xt, t);
    const hits = predicted.reduce((acc, p, i) => acc + (p === test.labels[i] ? 1 : 0), 0);
    expect(got).toEqual({ value: hits / test.count, standardError: Math.sqrt(((hits / test.count) * (1 - hits / test.count)) / test.count), n: test.count });
    [x0, eps, xt].forEach((v) => v.dispose());
    model.params.dispose();
  });

  it('bad input names the function and argument', () => {
    const model = new NoisyClassifier(createRng(1), { widths: [4], hidden: 8 });
    const x = tf.zeros([2, 16, 16, 1]) as tf.Tensor4D;
    expect(() => model.logits(tf.zeros([2, 32, 32, 1]) as tf.Tensor4D, 5)).toThrow("NoisyClassifier.logits: argument 'xt' must be images [B ≥ 1, 16, 16, 1]; received [2,32,32,1]");
    expect(() => model.logits(x, [1, 2, 3])).toThrow(/NoisyClassifier.logits: argument 't' must be one step, or one per example \(length 2\)/);
    expect(() => model.logits(x, -1)).toThrow(/NoisyClassifier.logits: argument 't' must be a step >= 0/);
    expect(() => model.loss(x, 5, tf.tensor1d([0, 10], 'int32'))).toThrow("NoisyClassifier.loss: argument 'labels[1]' must be an integer class in 0..9; received 10");
    expect(() => model.classify(x, 5, 0)).toThrow(/NoisyClassifier.classify: argument 'batchSize'/);
    expect(() => new NoisyClassifier(createRng(1), { widths: [4, 8, 16, 32] })).toThrow(/NoisyClassifier: argument 'size' must be a positive multiple of 2\^5/);
    expect(() => new NoisyClassifier(createRng(1), { timeDim: 7 })).toThrow(/NoisyClassifier: argument 'timeDim' must be an even integer/);
    expect(() => new NoisyClassifier(createRng(1), { widths: [] })).toThrow(/NoisyClassifier: argument 'widths' must be a non-empty list/);
    const labels = Int32Array.from([0, 1]);
    expect(() => trainNoisyClassifier(model, x, Int32Array.from([0]), createRng(1), { schedule, steps: 1, batchSize: 2 })).toThrow(/trainNoisyClassifier: argument 'labels' must be 2 labels/);
    expect(() => trainNoisyClassifier(model, x, labels, createRng(1), { schedule: {} as never, steps: 1, batchSize: 2 })).toThrow(/trainNoisyClassifier: argument 'schedule'/);
    expect(() => noisyClassifierAccuracy(model, schedule, x, labels, 1001, createRng(1))).toThrow("noisyClassifierAccuracy: argument 't' must be an integer in 1..1000; received 1001");
    expect(() => noisyClassifierAccuracy(model, schedule, tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, labels, 1, createRng(1))).toThrow(/noisyClassifierAccuracy: argument 'x0' must be images \[N, 16, 16, 1\]/);
    x.dispose();
    model.params.dispose();
  });
});
