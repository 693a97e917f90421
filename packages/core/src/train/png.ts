/**
 * Sample grids as PNG files (pngjs): a batch of images [N, H, W, 1|3] in [−1, 1] tiled into a grid, or 2-D points
 * drawn as a scatter image.
 */
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type * as tf from '@tensorflow/tfjs-core';
import { assertInteger, assertIntegerInRange, assertPositive, DomainError } from '../util/validate.js';

/** Encode [N, H, W, C] images in [−1, 1] as one PNG grid with `cols` columns and a 2-pixel gap. */
export function imageGridPng(images: tf.Tensor, cols = 8): Buffer {
  if (images.rank !== 4 || (images.shape[3] !== 1 && images.shape[3] !== 3)) {
    throw new DomainError('imageGridPng', 'images', 'a tensor [N, H, W, 1 or 3]', `[${images.shape}]`);
  }
  assertInteger('imageGridPng', 'cols', cols, 1);
  const [N, H, W, C] = images.shape as [number, number, number, number];
  if (N === 0) throw new DomainError('imageGridPng', 'images', 'at least one image', `[${images.shape}]`);
  const v = images.dataSync();
  const c = Math.min(cols, N);
  const rows = Math.ceil(N / c);
  const gap = 2;
  const png = new PNG({ width: c * (W + gap) + gap, height: rows * (H + gap) + gap });
  png.data.fill(255);
  for (let n = 0; n < N; n++) {
    const ox = gap + (n % c) * (W + gap);
    const oy = gap + Math.floor(n / c) * (H + gap);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const p = ((oy + i) * png.width + ox + j) * 4;
        for (let k = 0; k < 3; k++) {
          const x = v[((n * H + i) * W + j) * C + (C === 1 ? 0 : k)]!;
          png.data[p + k] = Math.round(Math.min(1, Math.max(-1, x)) * 127.5 + 127.5);
        }
        png.data[p + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

/** Draw flat 2-D points (x, y pairs) as dark dots on white, in the square [−lim, lim]². */
export function scatterPng(points: ArrayLike<number>, size = 256, lim = 3): Buffer {
  if (points.length % 2) throw new DomainError('scatterPng', 'points', 'x, y pairs (an even length)', `length ${points.length}`);
  assertIntegerInRange('scatterPng', 'size', size, 1, 8192);
  assertPositive('scatterPng', 'lim', lim);
  const png = new PNG({ width: size, height: size });
  png.data.fill(255);
  for (let i = 0; i + 1 < points.length; i += 2) {
    const px = Math.round(((points[i]! + lim) / (2 * lim)) * (size - 1));
    const py = Math.round(((lim - points[i + 1]!) / (2 * lim)) * (size - 1));
    if (px < 0 || py < 0 || px >= size || py >= size) continue;
    const p = (py * size + px) * 4;
    png.data[p] = 30;
    png.data[p + 1] = 60;
    png.data[p + 2] = 160;
  }
  return PNG.sync.write(png);
}

export function writePng(file: string, data: Buffer): void {
  writeFileSync(file, data);
}
