import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { randomBatch } from './batch.js';

beforeAll(useCpuBackend);

describe('randomBatch (the training loops’ minibatches)', () => {
  it('gathers the drawn rows with their own labels, reproducibly from the seed', () => {
    // Row i holds the value i and label i mod 7, so each gathered row names the example it came from.
    const x = tf.tensor2d(Float32Array.from({ length: 50 * 2 }, (_, j) => Math.floor(j / 2)), [50, 2]);
    const labels = Int32Array.from({ length: 50 }, (_, i) => i % 7);
    const a = randomBatch(x, labels, 200, createRng(testSeed(5)));
    const rows = a.x.arraySync() as number[][];
    rows.forEach((r, k) => {
      expect(r[0]).toBe(r[1]);
      expect(a.labels![k]).toBe(r[0]! % 7);
    });
    // 200 draws with replacement from 50 rows repeat some rows (P(no repeat) < 1e-30).
    expect(new Set(rows.map((r) => r[0])).size).toBeLessThan(200);
    const b = randomBatch(x, labels, 200, createRng(testSeed(5)));
    expect(b.x.arraySync()).toEqual(rows);
    [x, a.x, b.x].forEach((t) => t.dispose());
  });

  it('refuses labels of another length and a non-integer size, by name', () => {
    const x = tf.zeros([4, 2]);
    expect(() => randomBatch(x, new Int32Array(3), 2, createRng(1))).toThrow(/randomBatch: argument 'labels' must be 4 labels/);
    expect(() => randomBatch(x, null, 1.5, createRng(1))).toThrow(/randomBatch: argument 'size'/);
    x.dispose();
  });
});
