import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvAutoencoder } from '../models/autoencoder.js';
import { accuracy, MnistClassifier } from '../models/classifier.js';
import { UNet } from '../models/unet.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { sampleModel } from '../train/ddpm.js';
import { binomialEstimate, judgeDigits, shareReadAsAsked, shareReadAsDigit } from './judge.js';
import { classifierAccuracy, cvaePriorAccuracy, digitShare, guidedAccuracy, reconstructionError } from './measures.js';

// The measures are bookkeeping around the classifier and the samplers; each is checked against the same quantity
// computed directly (one pass, no chunks), so an offset, a swapped argument or a wrong count shows.
beforeAll(useCpuBackend);

const rng = createRng(3);
const clf = new MnistClassifier(rng, { widths: [4], hidden: 8, size: 8 });
const images = (n: number, side = 8, seed = 1) => tf.clipByValue(createRng(seed).normalTensor([n, side, side, 1]), -1, 1) as tf.Tensor4D;

describe('judging samples', () => {
  it('binomialEstimate is hits/n with standard error √(p(1 − p)/n)', () => {
    expect(binomialEstimate(3, 10)).toEqual({ value: 0.3, standardError: Math.sqrt((0.3 * 0.7) / 10), n: 10 });
    expect(binomialEstimate(0, 4).standardError).toBe(0);
  });

  it('judgeDigits in chunks gives each image its softmax argmax and top probability', () => {
    const x = images(7);
    const judged = judgeDigits(clf, x, 3); // chunks of 3, 3, 1
    const p = tf.softmax(clf.logits(x));
    expect(Array.from(judged.digits)).toEqual(Array.from(tf.argMax(p, 1).dataSync()));
    const top = tf.max(p, 1).dataSync();
    judged.topProbability.forEach((q, i) => expect(q).toBeCloseTo(top[i]!, 6));
    expect(Array.from(judged.digits)).toEqual(Array.from(clf.classify(x)));
  });

  it('shareReadAsDigit counts probabilities at or above the threshold; shareReadAsAsked counts matches', () => {
    const judged = { digits: Int32Array.from([3, 1, 3, 7]), topProbability: Float64Array.from([0.95, 0.9, 0.89, 0.2]) };
    expect(shareReadAsDigit(judged).value).toBe(0.5); // 0.95 and 0.9 (≥ 0.9)
    expect(shareReadAsDigit(judged, 0.1).value).toBe(1);
    expect(shareReadAsAsked(judged, [3, 1, 2, 7]).value).toBe(0.75);
  });
});

describe('the measures', () => {
  it('classifierAccuracy is the accuracy of classify', () => {
    const x = images(9);
    const labels = Int32Array.from({ length: 9 }, (_, i) => i % 10);
    const e = classifierAccuracy(clf, x, labels);
    expect(e.value).toBe(accuracy(clf.classify(x), labels));
    expect(e.n).toBe(9);
  });

  it('reconstructionError is the mean per-image ‖x − x̂‖² with its standard error, for the AE and (with labels) the CVAE', () => {
    for (const kind of ['ae', 'cvae'] as const) {
      const model = new ConvAutoencoder(createRng(4), { kind, dim: 4, layers: 1, latent: 3, size: 8 });
      const x = images(205, 8, 5); // more than one chunk of 200
      const labels = kind === 'cvae' ? Int32Array.from({ length: 205 }, (_, i) => i % 10) : null;
      const lb = labels ? tf.tensor1d(labels, 'int32') : null;
      const perImage = Float64Array.from(tf.sum(tf.squaredDifference(x, model.decode(model.encode(x, lb).mu, lb)), [1, 2, 3]).dataSync());
      const m = perImage.reduce((a, v) => a + v, 0) / perImage.length;
      const sd = Math.sqrt(perImage.reduce((a, v) => a + (v - m) ** 2, 0) / (perImage.length - 1));
      const e = reconstructionError(model, x, labels);
      expect(e.value).toBeCloseTo(m, 3);
      expect(e.standardError).toBeCloseTo(sd / Math.sqrt(perImage.length), 4);
      model.params.dispose();
    }
  });

  it('cvaePriorAccuracy decodes N(0, I) draws with labels 0..9 in turn and counts those read as asked', () => {
    const cvae = new ConvAutoencoder(createRng(6), { kind: 'cvae', dim: 4, layers: 1, latent: 3, size: 8 });
    const e = cvaePriorAccuracy(cvae, clf, createRng(8), 2);
    const asked = Int32Array.from({ length: 20 }, (_, i) => i % 10);
    const z = createRng(8).normalTensor([20, 3]) as tf.Tensor2D;
    const direct = accuracy(clf.classify(cvae.decode(z, tf.tensor1d(asked, 'int32'))), asked);
    expect(e.value).toBe(direct);
    expect(e.n).toBe(20);
  });

  const schedule = linearSchedule(20);
  const ddim = { sampler: 'ddim' as const, ddimSteps: 4, eta: 1 };

  it('digitShare draws its samples with sampleModel (DDIM, η) and counts the confident ones, per digit too', () => {
    const unet = new UNet(createRng(7), { filters: [8], groups: 4, size: 8, channels: 1, timeDim: 4 });
    const e = digitShare(unet, schedule, clf, createRng(9), { n: 6, ddimSteps: 4, eta: 1 });
    const judged = judgeDigits(clf, sampleModel(unet, schedule, 6, createRng(9), ddim) as tf.Tensor4D);
    expect(e.value).toBe(shareReadAsDigit(judged).value);
    const confident = Array.from(judged.digits).filter((_, i) => judged.topProbability[i]! >= 0.9);
    expect(Array.from(e.perDigit)).toEqual(Array.from({ length: 10 }, (_, d) => confident.filter((x) => x === d).length));
  });

  it('guidedAccuracy (F6) asks for 0..9 in turn at weight w; at w = 0 the labels play no part (ε(x, ∅) alone)', () => {
    const unet = new UNet(createRng(7), { filters: [8], groups: 4, size: 8, channels: 1, timeDim: 4, numClasses: 10 });
    const asked = Int32Array.from({ length: 20 }, (_, i) => i % 10);
    const e = guidedAccuracy(unet, schedule, clf, createRng(9), { perDigit: 2, guidance: 2.5, ddimSteps: 4, eta: 1 });
    const guided = sampleModel(unet, schedule, 20, createRng(9), { ...ddim, labels: asked, guidance: 2.5 }) as tf.Tensor4D;
    expect(e.value).toBe(shareReadAsAsked(judgeDigits(clf, guided), asked).value);
    const perDigit = Array.from({ length: 10 }, (_, d) => Array.from(judgeDigits(clf, guided).digits).filter((x, i) => x === d && asked[i] === d).length / 2);
    Array.from(e.perDigit).forEach((r, d) => expect(r).toBeCloseTo(perDigit[d]!, 12));
    const w0 = guidedAccuracy(unet, schedule, clf, createRng(9), { perDigit: 2, guidance: 0, ddimSteps: 4, eta: 1 });
    const unconditional = sampleModel(unet, schedule, 20, createRng(9), ddim) as tf.Tensor4D;
    expect(w0.value).toBe(shareReadAsAsked(judgeDigits(clf, unconditional), asked).value);
  });
});
