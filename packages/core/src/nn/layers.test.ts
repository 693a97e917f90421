import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { assertAllClose, testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { selectBackend } from './backend.js';
import { avgPool2x2, conv2dSame, conv2dTransposeSame, denseOp, groupNorm, maxPool2x2 } from './layers.js';

// float32 sums of up to a few hundred products of O(1) numbers: agreement to 2e-5 absolute (≈ 170 float32 ulps
// at 1) separates a correct gradient from any wrong index or sign (those differ by O(1)).
const TOL = { abs: 2e-5, rel: 2e-5 };

const rng = createRng(testSeed(501));
const randn = (shape: number[]) => rng.normalTensor(shape);

/** Gradients of Σ (f(inputs) ⊙ R) for a fixed random R, so every output element's gradient path is exercised. */
function grads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], r: tf.Tensor): Float32Array[] {
  const g = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)));
  return g(inputs).map((t) => t.dataSync() as Float32Array);
}

function compare(label: string, mine: (...xs: tf.Tensor[]) => tf.Tensor, ref: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) {
  const yMine = mine(...inputs);
  const yRef = ref(...inputs);
  expect(yMine.shape).toEqual(yRef.shape);
  assertAllClose(yMine.dataSync(), yRef.dataSync(), TOL, `${label} value`);
  const r = randn(yRef.shape);
  const gm = grads(mine, inputs, r);
  const gr = grads(ref, inputs, r);
  gm.forEach((g, i) => assertAllClose(g, gr[i]!, TOL, `${label} gradient ${i}`));
}

describe('custom-gradient layers against tf reference ops (cpu backend)', () => {
  beforeAll(useCpuBackend);

  it('G2 dense: value and both gradients equal tf.matMul autodiff', () => {
    compare('dense', (x, w) => denseOp(x as tf.Tensor2D, w as tf.Tensor2D), (x, w) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), [randn([7, 5]), randn([5, 3])]);
  });

  it('G2 dense + bias (+ swish) fused: value and all three gradients equal autodiff of matMul, add, x·σ(x)', () => {
    const inputs = () => [randn([7, 5]), randn([5, 3]), randn([3])];
    const affine = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
    compare('dense+b', (x, w, b) => denseOp(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), affine, inputs());
    compare('dense+b+swish', (x, w, b) => denseOp(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, 'swish'), (x, w, b) => tf.mul(affine(x, w, b), tf.sigmoid(affine(x, w, b))), inputs());
    compare('dense+swish', (x, w) => denseOp(x as tf.Tensor2D, w as tf.Tensor2D, undefined, 'swish'), (x, w) => tf.mul(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), tf.sigmoid(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D))), inputs().slice(0, 2));
  });

  for (const k of [1, 3, 2]) {
    it(`G2 conv ${k}×${k} 'same': value and gradients (input, kernel) equal tf.conv2d autodiff`, () => {
      compare(
        `conv${k}`,
        (x, w) => conv2dSame(x as tf.Tensor4D, w as tf.Tensor4D),
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
        [randn([2, 6, 5, 3]), randn([k, k, 3, 4])],
      );
    });
  }

  it('G2 transposed conv 3×3 stride 2: value and gradients equal tf.conv2dTranspose autodiff (flipped kernel)', () => {
    const flip = (w: tf.Tensor) => tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    compare(
      'convT',
      (x, w) => conv2dTransposeSame(x as tf.Tensor4D, w as tf.Tensor4D),
      (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, flip(w), [2, 8, 6, 4], 2, 'same'),
      [randn([2, 4, 3, 3]), randn([3, 3, 3, 4])],
    );
  });

  for (const k of [2, 4]) {
    it(`G2 transposed conv ${k}×${k} stride 2 (sub-pixel form): value and gradients equal autodiff of tf.conv2d on the zero-inserted input`, () => {
      // The definition: x at odd rows and columns of a 2H × 2W zero image, then a 'same' stride-1 convolution.
      const zeroInserted = (x: tf.Tensor) => {
        const [B, H, W, C] = x.shape as [number, number, number, number];
        return tf.reshape(tf.pad(tf.reshape(x, [B, H, 1, W, 1, C]), [[0, 0], [0, 0], [1, 0], [0, 0], [1, 0], [0, 0]]), [B, 2 * H, 2 * W, C]) as tf.Tensor4D;
      };
      compare(
        `convT${k}`,
        (x, w) => conv2dTransposeSame(x as tf.Tensor4D, w as tf.Tensor4D),
        (x, w) => tf.conv2d(zeroInserted(x), w as tf.Tensor4D, 1, 'same'),
        [randn([2, 3, 4, 3]), randn([k, k, 3, 2])],
      );
    });
  }

  it('G2 2×2 pools: value and gradient equal tf.maxPool / tf.avgPool', () => {
    compare('maxPool', (x) => maxPool2x2(x as tf.Tensor4D), (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), [randn([2, 6, 4, 3])]);
    compare('avgPool', (x) => avgPool2x2(x as tf.Tensor4D), (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), [randn([2, 6, 4, 3])]);
  });

  it('G2 GroupNorm(G): each group of each example has mean 0 and variance 1 before scale and shift', () => {
    const x = tf.add(tf.mul(randn([3, 4, 4, 8]), 3), 2) as tf.Tensor4D;
    const y = groupNorm(x, 4, tf.ones([8]) as tf.Tensor1D, tf.zeros([8]) as tf.Tensor1D);
    const g = tf.reshape(y, [3, 16, 4, 2]);
    const { mean, variance } = tf.moments(g, [1, 3]);
    // eps = 1e-5 in the denominator shifts the variance by −1e-5·(1/σ²) ≈ −1e-6 here; float32 sums of 32 terms.
    assertAllClose(mean.dataSync(), new Float32Array(12), { abs: 1e-6 }, 'group means');
    assertAllClose(variance.dataSync(), new Float32Array(12).fill(1), { abs: 1e-5 }, 'group variances');
  });

  it('G2 GroupNorm: value and gradients (x, γ, β) equal autodiff of the textbook formula via tf.moments', () => {
    const reference = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
      const [B, H, W, C] = x.shape as number[];
      const g = tf.reshape(x, [B!, H!, W!, 4, C! / 4]);
      const { mean, variance } = tf.moments(g, [1, 2, 4], true);
      return tf.add(tf.mul(tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), x.shape), gamma), beta);
    };
    compare('groupNorm', (x, gamma, beta) => groupNorm(x as tf.Tensor4D, 4, gamma as tf.Tensor1D, beta as tf.Tensor1D), reference, [tf.add(randn([3, 4, 5, 8]), 2), randn([8]), randn([8])]);
  });

  it('G2 bad shapes are DomainErrors naming the argument', () => {
    expect(() => conv2dSame(randn([1, 4, 4, 2]) as tf.Tensor4D, randn([3, 3, 3, 1]) as tf.Tensor4D)).toThrow(/conv2dSame: argument 'x' must be shape \[B, H, W, 3\]/);
    expect(() => maxPool2x2(randn([1, 3, 4, 1]) as tf.Tensor4D)).toThrow(/maxPool2x2: argument 'x' must be even height and width/);
    expect(() => denseOp(randn([2, 3]) as tf.Tensor2D, randn([4, 1]) as tf.Tensor2D)).toThrow(/denseOp: argument 'x'/);
    expect(() => denseOp(randn([2, 3]) as tf.Tensor2D, randn([3, 2]) as tf.Tensor2D, randn([3]) as tf.Tensor1D)).toThrow(/denseOp: argument 'b' must be shape \[2\]/);
    expect(() => denseOp(randn([2, 3]) as tf.Tensor2D, randn([3, 2]) as tf.Tensor2D, undefined, 'relu' as never)).toThrow(/denseOp: argument 'activation'/);
    expect(() => conv2dTransposeSame(randn([1, 2, 2, 2]) as tf.Tensor4D, randn([3, 3, 3, 1]) as tf.Tensor4D)).toThrow(/conv2dTransposeSame: argument 'x' must be shape \[B, H, W, 3\]/);
    expect(() => groupNorm(randn([1, 2, 2, 6]) as tf.Tensor4D, 4, tf.ones([6]) as tf.Tensor1D, tf.zeros([6]) as tf.Tensor1D)).toThrow(/groupNorm: argument 'groups' must be a divisor/);
  });
});

describe('the same layers on the wasm backend', () => {
  it('G2 wasm values and gradients of every custom layer match the cpu backend', async () => {
    const cases: [string, (...xs: tf.Tensor[]) => tf.Tensor, number[][]][] = [
      ['dense', (x, w) => denseOp(x as tf.Tensor2D, w as tf.Tensor2D), [[6, 5], [5, 4]]],
      ['dense+b+swish', (x, w, b) => denseOp(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, 'swish'), [[6, 5], [5, 4], [4]]],
      ['conv2 (even k, asymmetric padding)', (x, w) => conv2dSame(x as tf.Tensor4D, w as tf.Tensor4D), [[2, 5, 6, 3], [2, 2, 3, 4]]],
      ['conv3', (x, w) => conv2dSame(x as tf.Tensor4D, w as tf.Tensor4D), [[2, 6, 6, 3], [3, 3, 3, 4]]],
      ['conv1', (x, w) => conv2dSame(x as tf.Tensor4D, w as tf.Tensor4D), [[2, 6, 6, 3], [1, 1, 3, 4]]],
      ['convT', (x, w) => conv2dTransposeSame(x as tf.Tensor4D, w as tf.Tensor4D), [[2, 3, 3, 3], [3, 3, 3, 2]]],
      ['convT4', (x, w) => conv2dTransposeSame(x as tf.Tensor4D, w as tf.Tensor4D), [[2, 3, 2, 3], [4, 4, 3, 2]]],
      ['maxPool', (x) => maxPool2x2(x as tf.Tensor4D), [[2, 6, 6, 3]]],
      ['avgPool', (x) => avgPool2x2(x as tf.Tensor4D), [[2, 6, 6, 3]]],
      ['groupNorm', (x) => groupNorm(x as tf.Tensor4D, 2, tf.fill([4], 1.5) as tf.Tensor1D, tf.fill([4], 0.2) as tf.Tensor1D), [[2, 4, 4, 4]]],
    ];
    const data = cases.map(([, , shapes]) => shapes.map((s) => rng.normals(s.reduce((a, b) => a * b, 1))));
    const outShapes: number[][] = [];
    const run = () =>
      cases.map(([, f, shapes], i) => {
        const xs = shapes.map((s, j) => tf.tensor(Float32Array.from(data[i]![j]!), s));
        const y = f(...xs);
        outShapes[i] = y.shape;
        const r = tf.tensor(Float32Array.from({ length: y.size }, (_, n) => Math.sin(n + 1)), y.shape);
        return [y.dataSync() as Float32Array, ...grads(f, xs, r)];
      });
    await useCpuBackend();
    const onCpu = run();
    const choice = await selectBackend({ backend: 'wasm' });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const onWasm = run();
    await useCpuBackend();
    cases.forEach(([name], i) => onWasm[i]!.forEach((a, j) => assertAllClose(a, onCpu[i]![j]!, TOL, `${name} ${j === 0 ? 'value' : `gradient ${j - 1}`}`)));
  });

  it('backend: a forced unknown or unavailable backend is an error, not a silent fallback', async () => {
    await expect(selectBackend({ backend: 'gpu-please' as never })).rejects.toThrow(/selectBackend: argument 'backend' must be one of/);
    await expect(selectBackend({ backend: 'node' })).rejects.toThrow(/forced backend 'node' could not be used/);
    const auto = await selectBackend({ backend: 'auto' });
    expect(auto.skipped.map((s) => s.name)).toEqual(['node-gpu', 'node']);
    expect(auto.name).toBe('wasm');
    await useCpuBackend();
  });
});
