/**
 * Test helpers for tensor code: pin the cpu backend (deterministic, float32) and read tensors back as float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../runtime/register-gradients.js';

/** Use the pure-JS cpu backend (every kernel, exact reference semantics). */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A tensor's values as float64. */
export function toFloat64(x: tf.Tensor): Float64Array {
  return Float64Array.from(x.dataSync());
}
