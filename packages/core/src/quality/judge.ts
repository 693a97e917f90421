/**
 * How samples are judged: the MNIST classifier (models/classifier.ts) reads each image, and a measure is a share of
 * images with its binomial standard error. Used by the quality scripts, the notebooks and the shipped weights' tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asClassifierInput, MnistClassifier } from '../models/classifier.js';
import { assertTensor } from '../util/tensor.js';
import { assertArray, assertCount, assertInInterval, assertIntegerInRange, assertObject, DomainError } from '../util/validate.js';

/** A sample "reads as a digit" when the classifier gives one digit at least this probability. */
export const CONFIDENT_PROBABILITY = 0.9;

/** An estimated quantity with its standard error, from `n` draws. */
export interface Estimate {
  readonly value: number;
  readonly standardError: number;
  readonly n: number;
}

/** The share hits/n of n independent yes/no draws, with its binomial standard error √(p(1 − p)/n). */
export function binomialEstimate(hits: number, n: number): Estimate {
  assertCount('binomialEstimate', 'n', n, 1);
  assertIntegerInRange('binomialEstimate', 'hits', hits, 0, n);
  const p = hits / n;
  return { value: p, standardError: Math.sqrt((p * (1 - p)) / n), n };
}

/** Square greyscale images [B, s, s, 1] (B ≥ 1), the only layout the measures read. */
export function assertSquareImages(fn: string, arg: string, x: unknown): asserts x is tf.Tensor4D {
  assertTensor(fn, arg, x);
  if (x.rank !== 4 || x.shape[3] !== 1 || x.shape[1] !== x.shape[2] || x.shape[0] === 0) throw new DomainError(fn, arg, 'square images [B, s, s, 1], B ≥ 1', `[${x.shape}]`);
}

/** `n` integer class labels in 0..classes − 1 (an array or typed array). */
export function assertClassLabels(fn: string, arg: string, labels: unknown, n: number, classes: number): asserts labels is ArrayLike<number> {
  assertArray(fn, arg, labels);
  const ls = labels as ArrayLike<number>;
  if (ls.length !== n) throw new DomainError(fn, arg, `${n} labels (one per image)`, ls.length);
  for (let i = 0; i < n; i++) assertIntegerInRange(fn, `${arg}[${i}]`, ls[i]!, 0, classes - 1);
}

/** What the classifier reads in each image: its most likely digit and that digit's probability. */
export interface Judgement {
  readonly digits: Int32Array;
  readonly topProbability: Float64Array;
}

/** Classify images (any square side; resized to the classifier's as {@link asClassifierInput} does), in chunks. */
export function judgeDigits(classifier: MnistClassifier, x: tf.Tensor4D, batchSize = 250): Judgement {
  if (!(classifier instanceof MnistClassifier)) throw new DomainError('judgeDigits', 'classifier', 'an MnistClassifier', classifier);
  assertSquareImages('judgeDigits', 'x', x);
  assertCount('judgeDigits', 'batchSize', batchSize, 1);
  const N = x.shape[0];
  const digits = new Int32Array(N);
  const topProbability = new Float64Array(N);
  for (let s = 0; s < N; s += batchSize) {
    const n = Math.min(batchSize, N - s);
    const [top, arg] = tf.tidy(() => {
      const p = tf.softmax(classifier.logits(asClassifierInput(tf.slice(x, s, n) as tf.Tensor4D, classifier.size)));
      return [tf.max(p, 1), tf.argMax(p, 1)];
    });
    topProbability.set(top!.dataSync(), s);
    digits.set(arg!.dataSync() as Int32Array, s);
    top!.dispose();
    arg!.dispose();
  }
  return { digits, topProbability };
}

/** A Judgement as judgeDigits makes it: digits and probabilities in [0, 1], one of each per image, at least one image. */
function assertJudgement(fn: string, judged: Judgement): void {
  assertObject(fn, 'judged', judged);
  const { digits, topProbability } = judged;
  if (!(digits instanceof Int32Array) || !(topProbability instanceof Float64Array) || digits.length !== topProbability.length || digits.length === 0) {
    throw new DomainError(fn, 'judged', 'a Judgement of judgeDigits (digits: Int32Array, topProbability: Float64Array, equal non-zero lengths)', judged);
  }
  topProbability.forEach((p, i) => assertInInterval(fn, `judged.topProbability[${i}]`, p, 0, 1));
}

/** The share of images read as some digit with probability ≥ `threshold` (default {@link CONFIDENT_PROBABILITY}). */
export function shareReadAsDigit(judged: Judgement, threshold = CONFIDENT_PROBABILITY): Estimate {
  assertJudgement('shareReadAsDigit', judged);
  assertInInterval('shareReadAsDigit', 'threshold', threshold, 0, 1);
  const hits = judged.topProbability.reduce((acc, p) => acc + (p >= threshold ? 1 : 0), 0);
  return binomialEstimate(hits, judged.digits.length);
}

/** The share of images read as the digit asked for (`asked[i]` for image i). */
export function shareReadAsAsked(judged: Judgement, asked: ArrayLike<number>): Estimate {
  assertJudgement('shareReadAsAsked', judged);
  // Class labels are int32 (tf.oneHot's and the classifier's type), so any class the classifier could have.
  assertClassLabels('shareReadAsAsked', 'asked', asked, judged.digits.length, 2 ** 31);
  const hits = judged.digits.reduce((acc, d, i) => acc + (d === asked[i] ? 1 : 0), 0);
  return binomialEstimate(hits, asked.length);
}
