/** Random minibatches for the training loops (DDPM, autoencoders, the classifier). */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';
import { assertInteger, DomainError } from '../util/validate.js';

/**
 * `size` examples of x [N, …] drawn uniformly with replacement from the seeded `rng` (one draw per example, in
 * order), and their labels when the dataset has them. The caller disposes `x`.
 */
export function randomBatch<T extends tf.Tensor>(x: T, labels: Int32Array | null, size: number, rng: Rng): { x: T; labels: Int32Array | null } {
  assertInteger('randomBatch', 'size', size, 1);
  const N = x.shape[0]!;
  if (labels && labels.length !== N) throw new DomainError('randomBatch', 'labels', `${N} labels (one per example)`, labels.length);
  const idx = new Int32Array(size);
  for (let i = 0; i < size; i++) idx[i] = rng.int(0, N - 1);
  return {
    x: tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32'))) as T,
    labels: labels ? Int32Array.from(idx, (i) => labels[i]!) : null,
  };
}
