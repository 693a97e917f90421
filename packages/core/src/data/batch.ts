/** Random minibatches for the training loops (DDPM, autoencoders, the classifier). */
import * as tf from '@tensorflow/tfjs-core';
import { assertRng, type Rng } from '../random/rng.js';
import { assertBatched } from '../util/tensor.js';
import { assertCount, DomainError, isNumberArray } from '../util/validate.js';

/**
 * `size` examples of x [N, …] drawn uniformly with replacement from the seeded `rng` (one draw per example, in
 * order), and their labels when the dataset has them. The caller disposes `x`.
 */
export function randomBatch<T extends tf.Tensor>(x: T, labels: Int32Array | null, size: number, rng: Rng): { x: T; labels: Int32Array | null } {
  assertBatched('randomBatch', 'x', x);
  assertCount('randomBatch', 'size', size, 1);
  assertRng('randomBatch', 'rng', rng);
  const N = x.shape[0]!;
  if (N < 1) throw new DomainError('randomBatch', 'x', 'a tensor of at least one example', `shape [${x.shape}]`);
  if (labels !== null && !isNumberArray(labels)) throw new DomainError('randomBatch', 'labels', 'an Int32Array of labels, or null', labels);
  if (labels && labels.length !== N) throw new DomainError('randomBatch', 'labels', `${N} labels (one per example)`, labels.length);
  const idx = new Int32Array(size);
  for (let i = 0; i < size; i++) idx[i] = rng.int(0, N - 1);
  return {
    x: tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32'))) as T,
    labels: labels ? Int32Array.from(idx, (i) => labels[i]!) : null,
  };
}
