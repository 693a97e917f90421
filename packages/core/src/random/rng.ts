/**
 * Seeded randomness. Every function in core that needs random numbers takes an {@link Rng} (or the noise itself)
 * as an argument, so each result is reproducible from its seed and tests are deterministic.
 *
 * The generator is xoroshiro128+ from `pure-rand`; uniforms carry 53 random bits, normals use the Box–Muller
 * transform (both outputs are used). Its 128-bit state is filled from the seed by SplitMix64, as xoroshiro's authors
 * recommend (Blackman & Vigna, https://prng.di.unimi.it): a small integer seed taken as the state directly leaves it
 * nearly all zeros, and the first draws of every seed were then ≈ 1 and neighbouring seeds' streams correlated.
 */
import prand from 'pure-rand';
import * as tf from '@tensorflow/tfjs-core';
import { assertCount, assertIntegerInRange, DomainError, MAX_COUNT } from '../util/validate.js';

export interface Rng {
  /** The seed this generator was created with. */
  readonly seed: number;
  /** A uniform float64 in [0, 1). */
  uniform(): number;
  /** A standard normal float64, N(0, 1). */
  normal(): number;
  /** An integer uniform in lo..hi (both inclusive). */
  int(lo: number, hi: number): number;
  /** `n` standard normals. */
  normals(n: number): Float64Array;
  /** `n` uniforms in [0, 1). */
  uniforms(n: number): Float64Array;
  /** A float32 tensor of standard normals with the given shape. */
  normalTensor(shape: readonly number[]): tf.Tensor;
  /** An independent generator derived from this one (for handing to a sub-computation). */
  fork(): Rng;
  /** A snapshot of the generator (JSON-safe, for checkpoints); {@link restoreRng} continues the stream from it. */
  state(): RngState;
}

/** Everything that determines an {@link Rng}'s future draws: xoroshiro128+'s words and Box–Muller's unused normal. */
export interface RngState {
  readonly seed: number;
  readonly generator: readonly number[];
  readonly spare: number | null;
}

const MASK_64 = (1n << 64n) - 1n;

/**
 * SplitMix64's output function (Steele, Lea & Flood 2014), applied to `index`·golden-gamma + `seed`: each output is a
 * well-mixed 64-bit word even for seeds 0, 1, 2, ….
 */
function splitMix64(seed: bigint, index: number): bigint {
  let z = (seed + BigInt(index + 1) * 0x9e3779b97f4a7c15n) & MASK_64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

/** xoroshiro128+'s two 64-bit words from a 64-bit seed, as pure-rand's four 32-bit words [hi₀, lo₀, hi₁, lo₁]. */
function expandSeed(seed64: bigint): number[] {
  const words: number[] = [];
  for (let i = 0; i < 2; i++) {
    const w = splitMix64(seed64, i);
    words.push(Number(w >> 32n) | 0, Number(w & 0xffffffffn) | 0);
  }
  // An all-zero state is xoroshiro's one fixed point; SplitMix64 is a bijection, so two zero words cannot follow.
  return words;
}

class Xoroshiro implements Rng {
  private readonly gen: prand.RandomGenerator;
  private spare: number | undefined;

  constructor(
    readonly seed: number,
    words: readonly number[],
    spare?: number,
  ) {
    this.gen = prand.xoroshiro128plus.fromState(words);
    this.spare = spare;
  }

  state(): RngState {
    return { seed: this.seed, generator: [...this.gen.getState()], spare: this.spare ?? null };
  }

  private uint32(): number {
    return this.gen.unsafeNext() >>> 0;
  }

  uniform(): number {
    // 53 random bits: 27 high + 26 low, the standard double construction.
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform(); // log(0) would be -Infinity
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  int(lo: number, hi: number): number {
    assertIntegerInRange('Rng.int', 'lo', lo, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    assertIntegerInRange('Rng.int', 'hi', hi, lo, Number.MAX_SAFE_INTEGER);
    return prand.unsafeUniformIntDistribution(lo, hi, this.gen);
  }

  normals(n: number): Float64Array {
    assertCount('Rng.normals', 'n', n, 0);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  uniforms(n: number): Float64Array {
    assertCount('Rng.uniforms', 'n', n, 0);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform();
    return out;
  }

  normalTensor(shape: readonly number[]): tf.Tensor {
    if (!Array.isArray(shape)) throw new DomainError('Rng.normalTensor', 'shape', 'an array of dimensions', shape);
    shape.forEach((d, i) => assertCount('Rng.normalTensor', `shape[${i}]`, d, 0));
    const size = shape.reduce((a, b) => a * b, 1);
    if (size > MAX_COUNT) throw new DomainError('Rng.normalTensor', 'shape', `at most 2^28 values in all`, `[${shape.join(', ')}] (${size} values)`);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = this.normal();
    return tf.tensor(data, [...shape], 'float32');
  }

  fork(): Rng {
    // A fresh 64-bit seed from this stream, expanded like a user's seed; the child's `seed` is its high 32 bits.
    const hi = this.uint32();
    const lo = this.uint32();
    return new Xoroshiro(hi | 0, expandSeed((BigInt(hi) << 32n) | BigInt(lo)));
  }
}

/** `rng` is a generator made by createRng (or an object with its `uniform`, as a test's stub may be). */
export function assertRng(fn: string, arg: string, rng: unknown): asserts rng is Rng {
  const r = rng as Partial<Rng> | null;
  if (r === null || typeof r !== 'object' || typeof r.uniform !== 'function') {
    throw new DomainError(fn, arg, 'a generator from createRng(seed)', rng);
  }
}

/**
 * A seeded random number generator.
 *
 * @param seed - any integer in the signed 32-bit range (the same seed gives the same stream on every machine)
 * @example
 * const rng = createRng(42);
 * rng.normal(); // the same number on every run
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < -2147483648 || seed > 4294967295) {
    throw new DomainError('createRng', 'seed', 'an integer in -2^31..2^32-1', seed);
  }
  return new Xoroshiro(seed | 0, expandSeed(BigInt.asUintN(64, BigInt(seed | 0))));
}

/**
 * The generator whose state {@link Rng.state} saved: its draws continue exactly where the saved one's would have
 * (a resumed training run draws the batches and noise the uninterrupted run would have drawn).
 */
export function restoreRng(state: RngState): Rng {
  const ok =
    state !== null && typeof state === 'object' && Number.isInteger(state.seed) && Array.isArray(state.generator) &&
    state.generator.length === 4 && state.generator.every((w) => Number.isInteger(w)) && (state.spare === null || Number.isFinite(state.spare));
  if (!ok) throw new DomainError('restoreRng', 'state', 'a state saved by Rng.state() ({ seed, generator: 4 integers, spare })', JSON.stringify(state));
  return new Xoroshiro(state.seed, state.generator, state.spare ?? undefined);
}
