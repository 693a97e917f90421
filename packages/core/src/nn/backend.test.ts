import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { assertAllClose, testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { describeBackend, selectBackend } from './backend.js';
import { conv2dSame, denseOp } from './layers.js';

describe('backend selection', () => {
  afterAll(useCpuBackend);

  it('describeBackend: the usual skip reason (optional package absent) is said in two words, others kept short', () => {
    const missing = "Cannot find package '@tensorflow/tfjs-node' imported from /work/main/packages/core/src/nn/backend.ts";
    expect(
      describeBackend({ name: 'cpu', tfName: 'cpu', skipped: [{ name: 'node-gpu', reason: missing }, { name: 'node', reason: missing }, { name: 'wasm', reason: 'x'.repeat(200) }] }),
    ).toBe(`cpu (tfjs-node-gpu and tfjs-node not installed; wasm skipped: ${'x'.repeat(77)}…)`);
  });

  it('backend: the threaded wasm build (2 threads, opt-in) loads in Node and computes what the cpu backend does', async () => {
    const rng = createRng(testSeed(502));
    const data = [rng.normals(2 * 6 * 6 * 3), rng.normals(3 * 3 * 3 * 4), rng.normals(64 * 48), rng.normals(48 * 40)];
    const run = () => {
      const x = tf.tensor(Float32Array.from(data[0]!), [2, 6, 6, 3]) as tf.Tensor4D;
      const w = tf.tensor(Float32Array.from(data[1]!), [3, 3, 3, 4]) as tf.Tensor4D;
      const a = tf.tensor(Float32Array.from(data[2]!), [64, 48]) as tf.Tensor2D;
      const b = tf.tensor(Float32Array.from(data[3]!), [48, 40]) as tf.Tensor2D;
      const [gx, gw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.square(conv2dSame(xi as tf.Tensor4D, wi as tf.Tensor4D))))([x, w]);
      return [denseOp(a, b, undefined, 'swish'), gx!, gw!].map((t) => t.dataSync() as Float32Array);
    };
    await useCpuBackend();
    const onCpu = run();
    const choice = await selectBackend({ backend: 'wasm', wasmThreads: 2 });
    expect(describeBackend(choice)).toBe('wasm (2 threads)');
    const onThreads = run();
    // Sums of ≤ 48 products of O(1) terms (values), ≤ 2·27·O(10) (gradients of a squared output): float32 summation
    // order differs between backends, so 2e-5 relative; a wrong kernel or thread race would be off by O(1).
    onThreads.forEach((v, i) => assertAllClose(v, onCpu[i]!, { abs: 2e-4, rel: 2e-5 }, `output ${i}`));
  });
});
