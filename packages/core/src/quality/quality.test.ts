import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvAutoencoder } from '../models/autoencoder.js';
import { accuracy, asClassifierInput, MnistClassifier } from '../models/classifier.js';
import { MlpDenoiser } from '../models/mlp.js';
import { variationalBoundBitsPerDim } from '../objective/bound.js';
import { featureMoments, frechetDistance, kernelDistance } from '../stats/feature-distances.js';
import { classifierFeatures, featureDistances, modelBitsPerDim, quantizeTo8Bit } from './field-measures.js';
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

describe('the field\'s measures: features, FID/KID, bits/dim of a model', () => {
  it('A14 MnistClassifier.features is the penultimate layer: ReLU outputs whose affine map by the last Dense layer is logits', () => {
    const x = images(5);
    const f = clf.features(x);
    expect(f.shape).toEqual([5, 8]);
    expect(Math.min(...f.dataSync())).toBeGreaterThanOrEqual(0);
    const w = clf.params.vars.get('logits/w')!;
    const b = clf.params.vars.get('logits/b')!;
    const viaFeatures = tf.add(tf.matMul(f, w as tf.Tensor2D), b).dataSync();
    const logits = clf.logits(x).dataSync();
    viaFeatures.forEach((v, i) => expect(v).toBeCloseTo(logits[i]!, 5));
  });

  it('A14 classifierFeatures in chunks is features of each image (resized like judgeDigits); featureDistances is A14 and A15 on them', () => {
    const x = images(7, 4); // 4×4 images, resized to the judge's 8×8
    const got = classifierFeatures(clf, x, 3);
    expect([got.count, got.dimension]).toEqual([7, 8]);
    const direct = clf.features(asClassifierInput(x, 8)).dataSync();
    got.features.forEach((v, i) => expect(v).toBeCloseTo(direct[i]!, 6));
    const [a, b] = [images(40, 8, 11), images(30, 8, 12)];
    const dist = featureDistances(clf, a, b, 5);
    const [fa, fb] = [classifierFeatures(clf, a), classifierFeatures(clf, b)];
    expect(dist.frechet).toBe(frechetDistance(featureMoments(fa.features, 8), featureMoments(fb.features, 8)));
    expect(dist.kernel).toEqual(kernelDistance(fa.features, fb.features, 8, 5));
    expect(dist.n).toEqual({ x: 40, y: 30 });
    expect(featureDistances(clf, a, a, 5).frechet).toBeLessThan(1e-9);
    expect(() => featureDistances(clf, a, b, 20)).toThrow("featureDistances: argument 'kidBlocks' must be");
  });

  it('E8 quantizeTo8Bit rounds to the grid k/127.5 − 1 and keeps grid points', () => {
    const grid = [-1, 1 / 127.5 - 1, 128 / 127.5 - 1, 1];
    quantizeTo8Bit(tf.tensor1d(grid)).dataSync().forEach((v, i) => expect(v).toBeCloseTo(grid[i]!, 6));
    // 0.001 → k = round(127.63) = 128; −0.999 → k = round(0.13) = 0; 2 is clipped to 1 (k = 255).
    const q = quantizeTo8Bit(tf.tensor1d([0.001, -0.999, 2])).dataSync();
    [128 / 127.5 - 1, -1, 1].forEach((v, i) => expect(q[i]).toBeCloseTo(v, 6));
    // modelBitsPerDim checks its input is on that grid.
    const unet = new UNet(createRng(7), { filters: [8], groups: 4, size: 8, channels: 1, timeDim: 4 });
    expect(() => modelBitsPerDim(unet, linearSchedule(10), tf.fill([2, 8, 8, 1], 0.001), createRng(1), { variance: 'beta' })).toThrow("modelBitsPerDim: argument 'x[0]' must be a pixel on the 8-bit grid");
  });

  it('E8 modelBitsPerDim is variationalBoundBitsPerDim with the model\'s ε (and v): unconditional, with labels, on ε(x, ∅), and a learned Σ_θ', () => {
    const schedule = linearSchedule(12);
    const x = quantizeTo8Bit(images(5, 8, 21));
    const x0 = Float64Array.from(x.dataSync(), (v) => Math.round((v + 1) * 127.5) / 127.5 - 1);
    const unet = new UNet(createRng(7), { filters: [8], groups: 4, size: 8, channels: 1, timeDim: 4, numClasses: 10 });
    const labels = Int32Array.from([3, 1, 4, 1, 5]);
    for (const lab of [labels, null]) {
      const denoise = (xt: Float64Array, t: Int32Array, idx: Int32Array) => ({
        eps: unet.predict(tf.tensor4d(Float32Array.from(xt), [t.length, 8, 8, 1]), Array.from(t), lab ? tf.tensor1d(Int32Array.from(idx, (i) => lab[i]!), 'int32') : null).dataSync(),
      });
      const direct = variationalBoundBitsPerDim(schedule, x0, 64, denoise, createRng(5), { variance: 'fixedlarge', steps: 3, batchSize: 2 });
      const got = modelBitsPerDim(unet, schedule, x, createRng(5), { variance: 'fixedlarge', steps: 3, batchSize: 2, labels: lab });
      expect(got.perImage).toEqual(direct.perImage);
      expect(got.value).toBeGreaterThan(0);
    }
    const mlp = new MlpDenoiser(createRng(8), { dim: 2, hidden: 8, layers: 1, timeDim: 4, learnVariance: true });
    const pts = tf.tensor2d([[128 / 127.5 - 1, 1 / 127.5 - 1], [1, -1], [200 / 127.5 - 1, 3 / 127.5 - 1]]);
    const learned = modelBitsPerDim(mlp, schedule, pts, createRng(6), { variance: 'learned' });
    const denoise = (xt: Float64Array, t: Int32Array) => {
      const out = mlp.predictWithVariance(tf.tensor2d(Float32Array.from(xt), [t.length, 2]), Array.from(t));
      return { eps: out.eps.dataSync(), v: out.v.dataSync() };
    };
    const pts0 = Float64Array.from(pts.dataSync(), (v) => Math.round((v + 1) * 127.5) / 127.5 - 1);
    expect(learned.perImage).toEqual(variationalBoundBitsPerDim(schedule, pts0, 2, denoise, createRng(6), { variance: 'learned' }).perImage);
    expect(learned.terms!.length).toBe(13);
    expect(() => modelBitsPerDim(unet, schedule, x, createRng(1), { variance: 'learned' })).toThrow("modelBitsPerDim: argument 'options.variance' must be a fixed choice");
  });
});
