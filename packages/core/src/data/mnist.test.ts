import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/tf-setup.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadMnist, mnistDirectory, mnistFromIdx, mnistTensor } from './mnist.js';

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

describe('MNIST from IDX bytes (the browser path)', () => {
  /** The first n records of an IDX file, with its first dimension rewritten to n: a valid IDX file itself. */
  const subset = (buf: Uint8Array, n: number, recordBytes: number) => {
    const rank = buf[3]!;
    const out = new Uint8Array(4 + 4 * rank + n * recordBytes);
    out.set(buf.subarray(0, 4 + 4 * rank));
    new DataView(out.buffer).setUint32(4, n);
    out.set(buf.subarray(4 + 4 * rank, 4 + 4 * rank + n * recordBytes), 4 + 4 * rank);
    return out;
  };

  it('a subset written as IDX gives exactly what loadMnist gives for the same digits', () => {
    const dir = mnistDirectory();
    const images = subset(new Uint8Array(readFileSync(path.join(dir, 't10k-images-idx3-ubyte'))), 5, 784);
    const labels = subset(new Uint8Array(readFileSync(path.join(dir, 't10k-labels-idx1-ubyte'))), 5, 1);
    const fromBytes = mnistFromIdx(images, labels);
    const fromFiles = loadMnist('test', 5);
    expect(fromBytes.count).toBe(5);
    expect(Array.from(fromBytes.labels)).toEqual(Array.from(fromFiles.labels));
    expect(Array.from(fromBytes.images)).toEqual(Array.from(fromFiles.images));
    // A background pixel (the 2-pixel padding) is −1 and a byte b is b/127.5 − 1.
    expect(fromBytes.images[0]).toBe(-1);
    const b = images[16 + 14 * 28 + 14]!;
    expect(fromBytes.images[(14 + 2) * 32 + 14 + 2]).toBeCloseTo(b / 127.5 - 1, 6);
    expect(mnistFromIdx(images, labels, 2, 28).images.length).toBe(2 * 28 * 28);
  });

  it('refuses labels that do not match the images, and more digits than the file holds, by name', () => {
    const dir = mnistDirectory();
    const images = subset(new Uint8Array(readFileSync(path.join(dir, 't10k-images-idx3-ubyte'))), 3, 784);
    const labels = subset(new Uint8Array(readFileSync(path.join(dir, 't10k-labels-idx1-ubyte'))), 2, 1);
    expect(() => mnistFromIdx(images, labels)).toThrow(/mnistFromIdx: argument 'labels' must be an IDX file of 3 labels/);
    expect(() => mnistFromIdx(labels, labels)).toThrow(/mnistFromIdx: argument 'images' must be an IDX file of 28×28 images/);
    const labels3 = subset(new Uint8Array(readFileSync(path.join(dir, 't10k-labels-idx1-ubyte'))), 3, 1);
    expect(() => mnistFromIdx(images, labels3, 4)).toThrow(/mnistFromIdx: argument 'limit' must be at most 3/);
  });
});
