/** How the quality scripts show samples to the MNIST classifier (models/classifier.ts), which reads 32×32 digits. */
import * as tf from '@tensorflow/tfjs-core';

/** Images at a model's side as the classifier sees them: bilinear resize to its side, clipped to [−1, 1] (or x itself). */
export function asClassifierInput(x: tf.Tensor4D, classifierSide: number): tf.Tensor4D {
  if (x.shape[1] === classifierSide) return x;
  return tf.tidy(() => tf.clipByValue(tf.image.resizeBilinear(x, [classifierSide, classifierSide], false, true), -1, 1));
}
