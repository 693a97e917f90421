/**
 * Tensor-side helpers: per-example coefficients gathered from float64 schedule arrays, and shape checks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertSchedule, type NoiseSchedule } from '../schedule/schedule.js';
import { assertFunction, assertIntegerInRange, DomainError, isNumberArray } from './validate.js';

// Data checks: off by default (reading every tensor back costs a sync per argument); DDPM_CHECK_DATA=1 or
// setDataChecks(true) turns them on, and core's tests run with them on.
let dataChecks = typeof process !== 'undefined' && process.env?.['DDPM_CHECK_DATA'] === '1';

/**
 * Turn the data checks on or off: with them on, every tensor argument of a public tensor function is read back and
 * a NaN or ±Infinity in it is a DomainError naming the function, the argument and the flat index (like tfjs's debug
 * mode, but at core's API boundary). Off by default, for speed; `DDPM_CHECK_DATA=1` turns them on at start.
 */
export function setDataChecks(on: boolean): void {
  if (typeof on !== 'boolean') throw new DomainError('setDataChecks', 'on', 'true or false', on);
  dataChecks = on;
}

/** Whether {@link setDataChecks} is on. */
export function dataChecksEnabled(): boolean {
  return dataChecks;
}

/**
 * `x` is a live tensor (not disposed); with data checks on, its values are finite. Layers, which models call many
 * times per step, pass `checkData = false`: the model's own entry point checks the data once.
 */
export function assertTensor(fn: string, arg: string, x: unknown, checkData = true): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw new DomainError(fn, arg, 'a tensor', x);
  if (x.isDisposed) throw new DomainError(fn, arg, 'a live tensor', `a disposed tensor of shape [${x.shape.join(', ')}]`);
  if (checkData && dataChecks && x.dtype !== 'string') assertFiniteTensor(fn, arg, x);
}

/** `x` is a live tensor of rank `rank`. */
export function assertRank(fn: string, arg: string, x: unknown, rank: number, what = `a rank-${rank} tensor`, checkData = true): asserts x is tf.Tensor {
  assertTensor(fn, arg, x, checkData);
  if (x.rank !== rank) throw new DomainError(fn, arg, what, `shape [${x.shape.join(', ')}]`);
}

/** A diffusion step for a whole batch (one number) or one per example (length = batch size). */
export type Steps = number | ArrayLike<number>;

/**
 * Gather `table[t]` for each example and shape it to broadcast against a batch tensor of rank `rank`
 * (shape `[B, 1, …, 1]`). A single `t` returns a scalar number (float64 until it meets a tensor).
 *
 * @param table - a float64 array indexed by t (e.g. `schedule.alphaBars`)
 * @param t - one step, or one step per example
 * @param lo - smallest allowed t (1, or 0 for quantities defined at t = 0)
 */
export function perExample(
  fn: string,
  schedule: NoiseSchedule,
  table: ArrayLike<number>,
  t: Steps,
  batch: number,
  rank: number,
  lo = 1,
): number | tf.Tensor {
  if (typeof t === 'number') {
    assertIntegerInRange(fn, 't', t, lo, schedule.T);
    return table[t]!;
  }
  if (!isNumberArray(t)) throw new DomainError(fn, 't', `one step or one per example (an array of length ${batch})`, t);
  if (t.length !== batch) {
    throw new DomainError(fn, 't', `one step per example (length ${batch})`, `length ${t.length}`);
  }
  const values = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    assertIntegerInRange(fn, `t[${i}]`, t[i]!, lo, schedule.T);
    values[i] = table[t[i]!]!;
  }
  return tf.tensor(values, [t.length, ...new Array<number>(Math.max(rank - 1, 0)).fill(1)]);
}

/** `t` is one step in lo..T or one per example of a batch of `batch` (checked before any tensor is made). */
export function assertSteps(fn: string, schedule: NoiseSchedule, t: Steps, batch: number, lo = 1): void {
  if (typeof t === 'number') return assertIntegerInRange(fn, 't', t, lo, schedule.T);
  if (!isNumberArray(t)) throw new DomainError(fn, 't', `one step or one per example (an array of length ${batch})`, t);
  if (t.length !== batch) throw new DomainError(fn, 't', `one step per example (length ${batch})`, `length ${t.length}`);
  for (let i = 0; i < t.length; i++) assertIntegerInRange(fn, `t[${i}]`, t[i]!, lo, schedule.T);
}

/** The tensor has rank >= 1 (a batch axis first). */
export function assertBatched(fn: string, arg: string, x: tf.Tensor): void {
  assertTensor(fn, arg, x);
  if (x.rank < 1) throw new DomainError(fn, arg, 'a tensor with a batch axis (rank >= 1)', `rank ${x.rank}`);
}

/** Two tensors have the same shape. */
export function assertSameTensorShape(fn: string, argA: string, a: tf.Tensor, argB: string, b: tf.Tensor): void {
  assertTensor(fn, argA, a);
  assertTensor(fn, argB, b);
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new DomainError(fn, argB, `a tensor of the same shape as '${argA}' [${a.shape.join(', ')}]`, `shape [${b.shape.join(', ')}]`);
  }
}

/** Every value of the tensor is finite (reads the data back: use at API boundaries, not in inner loops). */
export function assertFiniteTensor(fn: string, arg: string, x: tf.Tensor): void {
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new DomainError(fn, `${arg} (flat index ${i})`, 'a finite value', data[i]);
  }
}

// Samplers call the tensor functions T times per run: build each per-step coefficient table once per (frozen)
// schedule. Coefficients are computed in float64 from β, α, ᾱ and only then rounded to float32 — forming
// e.g. √(1 − ᾱ_t) from a float32 ᾱ_t would lose half its digits at small t (1 − ᾱ_1 = β_1 = 1e-4).
const tables = new WeakMap<NoiseSchedule, Map<string, Float64Array>>();

/**
 * A float64 table indexed by t = 0..T from a per-step function, cached per schedule under `key`.
 * Entries below `from` are NaN (not defined there).
 */
export function coefficientTable(schedule: NoiseSchedule, key: string, f: (t: number) => number, from = 1): Float64Array {
  assertSchedule('coefficientTable', schedule);
  if (typeof key !== 'string') throw new DomainError('coefficientTable', 'key', 'a string', key);
  assertFunction('coefficientTable', 'f', f);
  assertIntegerInRange('coefficientTable', 'from', from, 0, schedule.T);
  let perSchedule = tables.get(schedule);
  if (!perSchedule) tables.set(schedule, (perSchedule = new Map()));
  let out = perSchedule.get(key);
  if (!out) {
    out = new Float64Array(schedule.T + 1).fill(Number.NaN);
    for (let t = from; t <= schedule.T; t++) out[t] = f(t);
    perSchedule.set(key, out);
  }
  return out;
}

/**
 * Tensors laid end to end in one Float32Array, each at its offset: the one layout of checkpoint weights, optimizer
 * state, and the weights and gradients sent between training threads.
 */
export function packTensors(tensors: readonly tf.Tensor[]): { data: Float32Array<ArrayBuffer>; offsets: number[] } {
  if (!Array.isArray(tensors)) throw new DomainError('packTensors', 'tensors', 'an array of tensors', tensors);
  // Packing moves values, it does not judge them: the caller (a checkpoint, a worker) decides what non-finite data means.
  tensors.forEach((t, i) => assertTensor('packTensors', `tensors[${i}]`, t, false));
  const offsets: number[] = [];
  let size = 0;
  for (const t of tensors) {
    offsets.push(size);
    size += t.size;
  }
  const data = new Float32Array(size);
  tensors.forEach((t, i) => data.set(t.dataSync(), offsets[i]));
  return { data, offsets };
}
