/**
 * 2-D toy datasets for diffusion experiments, each drawn from a passed-in {@link Rng}. Points are returned
 * row-major as a flat Float64Array [x_0, y_0, x_1, y_1, …] (what `stats.energyTwoSample` takes); use
 * {@link pointsTensor} for a [n, 2] tensor. All three are scaled to roughly unit spread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRng, type Rng } from '../random/rng.js';
import { assertCount, assertFiniteArray, assertFiniteResult, assertInInterval, assertNonNegative, assertOneOf, assertPositive, DomainError, MAX_COUNT } from '../util/validate.js';

const FLOAT32_MAX = 3.4028234663852886e38;

export type Toy2dName = 'gaussianMixture' | 'twoMoons' | 'swissRoll';
export const TOY_2D_NAMES: readonly Toy2dName[] = ['gaussianMixture', 'twoMoons', 'swissRoll'];

/** n points from k isotropic Gaussians (std `std`) with means evenly spaced on a circle of radius `radius`. */
export function gaussianMixture2d(n: number, rng: Rng, k = 8, radius = 2, std = 0.15): Float64Array {
  assertCount('gaussianMixture2d', 'n', n, 1, MAX_COUNT / 2);
  assertRng('gaussianMixture2d', 'rng', rng);
  assertCount('gaussianMixture2d', 'k', k, 1, 2 ** 31 - 1);
  assertPositive('gaussianMixture2d', 'radius', radius);
  assertNonNegative('gaussianMixture2d', 'std', std);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * rng.int(0, k - 1)) / k;
    out[2 * i] = radius * Math.cos(a) + std * rng.normal();
    out[2 * i + 1] = radius * Math.sin(a) + std * rng.normal();
  }
  return finitePoints('gaussianMixture2d', 'std', out);
}

/** Two interleaved half circles (scikit-learn's make_moons), centred, with Gaussian noise `noise`. */
export function twoMoons(n: number, rng: Rng, noise = 0.05): Float64Array {
  assertCount('twoMoons', 'n', n, 1, MAX_COUNT / 2);
  assertRng('twoMoons', 'rng', rng);
  assertNonNegative('twoMoons', 'noise', noise);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = Math.PI * rng.uniform();
    const upper = rng.uniform() < 0.5;
    const x = upper ? Math.cos(a) : 1 - Math.cos(a);
    const y = upper ? Math.sin(a) : 0.5 - Math.sin(a);
    out[2 * i] = 2 * (x - 0.5) + noise * rng.normal();
    out[2 * i + 1] = 2 * (y - 0.25) + noise * rng.normal();
  }
  return finitePoints('twoMoons', 'noise', out);
}

/** A 2-D swiss roll: angle θ ~ 1.5π(1 + 2u), point θ(cos θ, sin θ)/5 plus Gaussian noise. */
export function swissRoll(n: number, rng: Rng, noise = 0.05): Float64Array {
  assertCount('swissRoll', 'n', n, 1, MAX_COUNT / 2);
  assertRng('swissRoll', 'rng', rng);
  assertNonNegative('swissRoll', 'noise', noise);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const th = 1.5 * Math.PI * (1 + 2 * rng.uniform());
    out[2 * i] = (th * Math.cos(th)) / 5 + noise * rng.normal();
    out[2 * i + 1] = (th * Math.sin(th)) / 5 + noise * rng.normal();
  }
  return finitePoints('swissRoll', 'noise', out);
}

/** Points from a finite scale are finite unless the scale times a normal draw overflows (a scale near 1.8e308). */
function finitePoints(fn: string, arg: string, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) assertFiniteResult(fn, arg, out[i]!, 'point coordinate');
  return out;
}

/** Draw n points of the named toy dataset. */
export function toy2d(name: Toy2dName, n: number, rng: Rng): Float64Array {
  assertOneOf('toy2d', 'name', name, TOY_2D_NAMES);
  assertCount('toy2d', 'n', n, 1, MAX_COUNT / 2);
  assertRng('toy2d', 'rng', rng);
  if (name === 'gaussianMixture') return gaussianMixture2d(n, rng);
  if (name === 'twoMoons') return twoMoons(n, rng);
  if (name === 'swissRoll') return swissRoll(n, rng);
  throw new DomainError('toy2d', 'name', `one of ${TOY_2D_NAMES.join(', ')}`, name);
}

/** Flat 2-D points as a float32 tensor [n, 2]. */
export function pointsTensor(points: ArrayLike<number>): tf.Tensor2D {
  assertFiniteArray('pointsTensor', 'points', points);
  for (let i = 0; i < points.length; i++) assertInInterval('pointsTensor', `points[${i}]`, points[i]!, -FLOAT32_MAX, FLOAT32_MAX); // stored as float32
  if (points.length === 0 || points.length % 2) throw new DomainError('pointsTensor', 'points', 'a non-empty flat array of (x, y) pairs', `length ${points.length}`);
  return tf.tensor2d(Float32Array.from(points), [points.length / 2, 2]);
}
