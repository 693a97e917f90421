/**
 * The sum behind DiT's conditioning vector, shared by `applyDitConditioner` and `DiT.predict` on arguments each of
 * them has already checked in its own name (so a model checks its labels once per call, not twice). Not exported
 * from the package: applyDitConditioner is the public form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { timestepEmbedding } from '../embedding/embedding.js';
import { applyDense } from '../nn/layers.js';
import type { DitConditioner } from './dit.js';

/** c = W₂ SiLU(W₁ emb(t) + b₁) + b₂ (+ E_y), for checked steps and one-hot label rows (undefined: no label table). */
export function ditConditionVector(l: DitConditioner, steps: Float64Array, oneHot: tf.Tensor2D | undefined): tf.Tensor2D {
  return tf.tidy(() => {
    const [first, second] = l.time;
    const frequencies = timestepEmbedding(steps, l.frequencyDim, 10000, 'improved-diffusion');
    const timeVector = applyDense(second, applyDense(first, frequencies, 'swish'));
    return (oneHot && l.labels ? tf.add(timeVector, applyDense(l.labels, oneHot)) : timeVector) as tf.Tensor2D;
  });
}
