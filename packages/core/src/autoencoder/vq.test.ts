import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { assertAllClose, assertClose, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { stopGradient, straightThrough, VQ_COMMITMENT_WEIGHT, vectorQuantize, vqLosses } from './vq.js';

beforeAll(useCpuBackend);
const rng = createRng(testSeed(1431));

/** Squared distances of each of N vectors to each of K codes, in float64. */
function distances64(z: ArrayLike<number>, e: ArrayLike<number>, N: number, K: number, D: number): Float64Array[] {
  return Array.from({ length: N }, (_, n) => Float64Array.from({ length: K }, (_, j) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += (z[n * D + d]! - e[j * D + d]!) ** 2;
    return s;
  }));
}

/** Gradients of Σ f(inputs) ⊙ r. */
function grads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], r: tf.Tensor): Float64Array[] {
  return tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs).map(toFloat64);
}

describe('B9 the nearest-codebook lookup', () => {
  it('B9 picks the code a float64 brute-force search picks, for every vector, and returns that code exactly', () => {
    const [K, D] = [12, 4];
    const z = rng.normalTensor([2, 3, 3, D]);
    const codebook = rng.normalTensor([K, D]) as tf.Tensor2D;
    const { indices, quantized } = vectorQuantize(z, codebook);
    const N = z.size / D;
    expect(indices.length).toBe(N);
    expect(quantized.shape).toEqual(z.shape);
    const dist = distances64(z.dataSync(), codebook.dataSync(), N, K, D);
    const e = codebook.arraySync();
    const q = toFloat64(quantized);
    let smallestGap = Infinity;
    dist.forEach((row, n) => {
      const best = row.indexOf(Math.min(...row));
      const sorted = Array.from(row).sort((a, b) => a - b);
      smallestGap = Math.min(smallestGap, sorted[1]! - sorted[0]!);
      expect(indices[n], `vector ${n}`).toBe(best);
      expect(Array.from(q.subarray(n * D, (n + 1) * D))).toEqual(e[best]); // a one-hot row times E: exact
    });
    // The float32 distances are good to ~1e-6 here; every decision above had a margin far larger, so it was no coin toss.
    expect(smallestGap).toBeGreaterThan(1e-3);
  });

  it('B9 a vector equal to a code maps to it; on a tie the first of the equal codes wins', () => {
    const codebook = tf.tensor2d([[0, 0], [1, 1], [1, 1], [-2, 3]]);
    const { indices } = vectorQuantize(tf.tensor2d([[-2, 3], [1, 1], [0.4, 0.4], [0.5, 0.5]]), codebook);
    expect(Array.from(indices)).toEqual([3, 1, 0, 0]); // (0.5, 0.5) is equally far from codes 0, 1 and 2
  });

  it('B9 refuses vectors of another width and an empty codebook, by name', () => {
    expect(() => vectorQuantize(tf.zeros([2, 3]), tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(/vectorQuantize: argument 'z' must be vectors \[\.\.\., 2\] \(rank >= 2\) to match the codebook \[4, 2\]/);
    expect(() => vectorQuantize(tf.zeros([2, 0]), tf.zeros([0, 0]) as tf.Tensor2D)).toThrow(/vectorQuantize: argument 'codebook' must be at least one code/);
  });
});

describe('B10 the straight-through gradient', () => {
  it('B10 forward it is z_q exactly; its Jacobian is the identity to z_e and zero to z_q', () => {
    const ze = rng.normalTensor([3, 4]);
    const zq = rng.normalTensor([3, 4]);
    const y = straightThrough(ze, zq);
    expect(Array.from(y.dataSync())).toEqual(Array.from(zq.dataSync()));
    const r = rng.normalTensor([3, 4]);
    const [gze, gzq] = grads((a, b) => straightThrough(a, b), [ze, zq], r);
    expect(Array.from(gze!)).toEqual(Array.from(toFloat64(r))); // Σ ẑ ⊙ r has gradient r: the identity, exactly
    expect(Array.from(gzq!)).toEqual(new Array(12).fill(0));
  });

  it('B10 the encoder gets the decoder loss’s gradient at z_q: against finite differences of the loss around z_q', () => {
    const [K, D] = [6, 3];
    const codebook = rng.normalTensor([K, D]) as tf.Tensor2D;
    const ze = rng.normalTensor([5, D]);
    const r = rng.normalTensor([5, D]);
    // A nonlinear "decoder loss" L(ẑ) = Σ sin(ẑ) ⊙ r, through the whole VQ layer.
    const loss = (z: tf.Tensor) => tf.sum(tf.mul(tf.sin(straightThrough(z, vectorQuantize(z, codebook).quantized)), r)) as tf.Scalar;
    const g = toFloat64(tf.grad(loss)(ze));
    const zq = toFloat64(vectorQuantize(ze, codebook).quantized);
    const rs = r.dataSync();
    const h = 1e-6; // central differences in float64: error ~h² ≈ 1e-12
    const fd = Array.from(zq, (_, i) => {
      const at = (dz: number) => Array.from(zq, (u, j) => Math.sin(u + (j === i ? dz : 0)) * rs[j]!).reduce((a, b) => a + b, 0);
      return (at(h) - at(-h)) / (2 * h);
    });
    assertAllClose(g, fd, { abs: 1e-6 }, 'dL/dz_e'); // float32 sin, cos: 2^−24 relative
    // The lookup alone is piecewise constant in z_e and is computed off the tape: without the estimator the encoder
    // would get no gradient at all (tfjs refuses to differentiate through it).
    expect(() => grads((z) => vectorQuantize(z, codebook).quantized, [ze], r)).toThrow(/Cannot compute gradient/);
  });
});

describe('B11 the codebook and commitment losses', () => {
  it('B11 by hand: both are the mean squared gap between z_e and z_q; total = codebook + β · commitment', () => {
    const ze = tf.tensor2d([[1, 2], [0, -1]]);
    const zq = tf.tensor2d([[0.5, 2], [1, 1]]);
    // Gaps² 0.25, 0, 1, 4: mean 1.3125.
    const { codebook, commitment, total } = vqLosses(ze, zq);
    assertClose(codebook.dataSync()[0]!, 1.3125, { rel: 1e-7 }, 'codebook');
    assertClose(commitment.dataSync()[0]!, 1.3125, { rel: 1e-7 }, 'commitment');
    assertClose(total.dataSync()[0]!, 1.3125 * (1 + VQ_COMMITMENT_WEIGHT), { rel: 1e-7 }, 'total');
    expect(VQ_COMMITMENT_WEIGHT).toBe(0.25);
    assertClose(vqLosses(ze, zq, 2).total.dataSync()[0]!, 1.3125 * 3, { rel: 1e-7 }, 'β = 2');
  });

  it('B11 the codebook term moves only the codes (2(z_q − z_e)/n), the commitment term only the encoder (2β(z_e − z_q)/n)', () => {
    const ze = rng.normalTensor([4, 3]);
    const zq = rng.normalTensor([4, 3]);
    const beta = 0.25;
    const n = 12;
    const [dCodebookZe, dCodebookZq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => vqLosses(a, b, beta).codebook)([ze, zq]).map(toFloat64);
    const [dCommitZe, dCommitZq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(beta, vqLosses(a, b, beta).commitment))([ze, zq]).map(toFloat64);
    const [e, q] = [toFloat64(ze), toFloat64(zq)];
    expect(Array.from(dCodebookZe!)).toEqual(new Array(n).fill(0));
    expect(Array.from(dCommitZq!)).toEqual(new Array(n).fill(0));
    assertAllClose(dCodebookZq!, Array.from(q, (u, i) => (2 * (u - e[i]!)) / n), { abs: 1e-7 }, 'd codebook / d z_q'); // float32 of O(1)/6
    assertAllClose(dCommitZe!, Array.from(e, (u, i) => (2 * beta * (u - q[i]!)) / n), { abs: 1e-7 }, 'd β·commitment / d z_e');
    // The values of the two terms are equal; only the gradients of the total say which one β weighs (VQGAN's
    // `legacy` quantizer puts β on the codebook term: this is the check that tells the two apart).
    const [dTotalZe, dTotalZq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => vqLosses(a, b, beta).total)([ze, zq]).map(toFloat64);
    assertAllClose(dTotalZe!, dCommitZe!, { abs: 1e-7 }, 'd total / d z_e = β · d commitment');
    assertAllClose(dTotalZq!, dCodebookZq!, { abs: 1e-7 }, 'd total / d z_q = d codebook');
  });

  it('B11 through the lookup the codebook loss reaches exactly the chosen codes: row j gets Σ over its vectors of 2(e_j − z_n)/(N·D)', () => {
    const [K, D, N] = [5, 2, 8];
    const codebook = rng.normalTensor([K, D]) as tf.Tensor2D;
    const ze = rng.normalTensor([N, D]);
    const { indices } = vectorQuantize(ze, codebook);
    const g = toFloat64(tf.grad((e: tf.Tensor) => vqLosses(ze, vectorQuantize(ze, e as tf.Tensor2D).quantized).codebook)(codebook));
    const expected = new Float64Array(K * D);
    const [z, e] = [toFloat64(ze), toFloat64(codebook)];
    indices.forEach((j, n) => {
      for (let d = 0; d < D; d++) expected[j * D + d]! += (2 * (e[j * D + d]! - z[n * D + d]!)) / (N * D);
    });
    assertAllClose(g, expected, { abs: 1e-7 }, 'd codebook / d E');
    expect(new Set(indices).size).toBeLessThan(K + 1); // unused codes get exactly zero (checked entrywise above)
  });

  it('B11 sg[·] is the identity forward with a zero gradient; the losses refuse shapes that differ and a negative β', () => {
    const x = rng.normalTensor([2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.square(stopGradient(t))))(x).dataSync())).toEqual(new Array(6).fill(0));
    expect(() => vqLosses(tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow(/vqLosses: argument 'zq' must be a tensor of the same shape as 'ze' \[2, 3\]/);
    expect(() => vqLosses(tf.zeros([2, 3]), tf.zeros([2, 3]), -0.1)).toThrow("vqLosses: argument 'beta' must be a number in [0, 1000000]; received -0.1");
  });
});

describe('the VQ custom gradients on the wasm backend', () => {
  it('B10 B11 wasm values and gradients of the straight-through path, sg and the codebook loss match the cpu backend', async () => {
    const shapes = { ze: [6, 3], codebook: [4, 3], r: [6, 3] };
    const data = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, Float32Array.from(rng.normals(s[0]! * s[1]!))])) as Record<keyof typeof shapes, Float32Array>;
    const run = () => {
      const ze = tf.tensor2d(data.ze, shapes.ze as [number, number]);
      const codebook = tf.tensor2d(data.codebook, shapes.codebook as [number, number]);
      const r = tf.tensor2d(data.r, shapes.r as [number, number]);
      const layer = (z: tf.Tensor, e: tf.Tensor) => {
        const { quantized } = vectorQuantize(z, e as tf.Tensor2D);
        const losses = vqLosses(z, quantized);
        return tf.add(tf.sum(tf.mul(tf.sin(straightThrough(z, quantized)), r)), losses.total);
      };
      const [gz, ge] = tf.grads(layer)([ze, codebook]).map(toFloat64);
      return { value: toFloat64(layer(ze, codebook)), gz: gz!, ge: ge!, indices: Array.from(vectorQuantize(ze, codebook).indices) };
    };
    await useCpuBackend();
    const onCpu = run();
    expect((await selectBackend({ backend: 'wasm' })).name).toBe('wasm');
    const onWasm = run();
    await useCpuBackend();
    expect(onWasm.indices).toEqual(onCpu.indices);
    const tol = { abs: 2e-6, rel: 2e-6 }; // a few float32 operations per entry
    assertAllClose(onWasm.value, onCpu.value, tol, 'value');
    assertAllClose(onWasm.gz, onCpu.gz, tol, 'd/dz_e');
    assertAllClose(onWasm.ge, onCpu.ge, tol, 'd/dE');
  });
});
