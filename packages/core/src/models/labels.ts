/**
 * Label and step arguments of the models, checked in the name of the public method that received them (not
 * exported from the package: oneHotLabels and stepsArray are the public forms).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertTensor } from '../util/tensor.js';
import { assertCount, assertFinite, DomainError, isNumberArray } from '../util/validate.js';

/**
 * One-hot rows [batch, numClasses + 1] for integer labels 0..numClasses (numClasses is the null label, "no
 * condition"); no labels means every row is the null label. A label outside that range, or not an integer, is an
 * error: tf.oneHot would make −1 or 99 an all-zero row and truncate 1.5.
 */
export function oneHotRows(fn: string, labels: tf.Tensor | null | undefined, batch: number, numClasses: number): tf.Tensor2D {
  assertCount(fn, 'batch', batch, 1);
  assertCount(fn, 'numClasses', numClasses, 0, 2 ** 16);
  if (labels !== null && labels !== undefined) {
    assertTensor(fn, 'labels', labels);
    if (labels.size !== batch) throw new DomainError(fn, 'labels', `one label per example (${batch})`, `shape [${labels.shape.join(', ')}]`);
    const values = labels.dataSync();
    for (let i = 0; i < values.length; i++) {
      const l = values[i]!;
      if (!Number.isInteger(l) || l < 0 || l > numClasses) {
        throw new DomainError(fn, `labels[${i}]`, `an integer class in 0..${numClasses - 1}, or ${numClasses} for no condition`, l);
      }
    }
  }
  return tf.tidy(() => {
    const ids = labels ? tf.cast(labels, 'int32') : tf.fill([batch], numClasses, 'int32');
    return tf.cast(tf.oneHot(tf.reshape(ids, [batch]) as tf.Tensor1D, numClasses + 1), 'float32') as tf.Tensor2D;
  });
}

/** The step of each of `batch` examples: one finite t >= 0 for all, or one per example. */
export function stepsFor(fn: string, t: number | ArrayLike<number>, batch: number): Float64Array {
  assertCount(fn, 'batch', batch, 1);
  if (typeof t === 'number') {
    assertFinite(fn, 't', t);
    if (t < 0) throw new DomainError(fn, 't', 'a step >= 0', t);
    return new Float64Array(batch).fill(t);
  }
  if (!isNumberArray(t) || t.length !== batch) throw new DomainError(fn, 't', `one step, or one per example (length ${batch})`, isNumberArray(t) ? `length ${t.length}` : t);
  for (let i = 0; i < t.length; i++) {
    assertFinite(fn, `t[${i}]`, t[i]!);
    if (t[i]! < 0) throw new DomainError(fn, `t[${i}]`, 'a step >= 0', t[i]);
  }
  return Float64Array.from(t);
}
