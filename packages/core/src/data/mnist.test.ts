import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/tf-setup.js';
import { loadMnist, mnistTensor } from './mnist.js';

beforeAll(useCpuBackend);

describe('MNIST as tensors', () => {
  it('at a smaller side each pixel is the mean of its f×f block (32 → 16: 2×2)', () => {
    const d = loadMnist('test', 3);
    const full = mnistTensor(d).arraySync() as number[][][][];
    const half = mnistTensor(d, 16);
    expect(half.shape).toEqual([3, 16, 16, 1]);
    const h = half.arraySync() as number[][][][];
    for (let n = 0; n < 3; n++) {
      for (let i = 0; i < 16; i++) {
        for (let j = 0; j < 16; j++) {
          const block = [full[n]![2 * i]![2 * j]![0]!, full[n]![2 * i + 1]![2 * j]![0]!, full[n]![2 * i]![2 * j + 1]![0]!, full[n]![2 * i + 1]![2 * j + 1]![0]!];
          expect(Math.abs(h[n]![i]![j]![0]! - block.reduce((a, b) => a + b) / 4)).toBeLessThan(1e-6);
        }
      }
    }
    half.dispose();
  });

  it('refuses a side that does not divide the image size, by name', () => {
    expect(() => mnistTensor(loadMnist('test', 1), 12)).toThrow(/mnistTensor: argument 'side' must be a divisor of the image size 32; received 12/);
  });
});
