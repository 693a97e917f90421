/**
 * Argument kinds for the API fuzz: for each kind of parameter, a valid value, the bad values it must reject, valid
 * but extreme values it must handle (a finite result or a DomainError naming the function), and a fast-check
 * arbitrary whose samples are sorted into bad and valid by the kind's domain predicate.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, linearSchedule, type Rng } from '../../src/index.js';

/** One parameter of a public function. */
export interface Kind {
  /** A fresh valid value (tensors are made anew for every call). */
  readonly valid: () => unknown;
  /** Values outside the documented domain: each must be rejected by a DomainError naming the function and this parameter. */
  readonly bad: () => unknown[];
  /** Valid values at the edges of float64 or of the domain. */
  readonly extreme: () => unknown[];
  /** Tensors holding NaN or ±Infinity: bad only when data checks are on (`setDataChecks(true)`). */
  readonly dataBad?: () => unknown[];
  /** Bad only relative to another argument (a shape mismatch): the error may name either argument. */
  readonly relationalBad?: () => unknown[];
  /** Random values; `inDomain` decides which of them are bad. */
  readonly random?: fc.Arbitrary<unknown>;
  readonly inDomain?: (v: unknown) => boolean;
  /** The parameter may be left out (undefined means its default). */
  readonly optional?: boolean;
  /** For an options object: its fields, each fuzzed on its own. */
  readonly fields?: Readonly<Record<string, Kind>>;
}

const WRONG_TYPES: unknown[] = [undefined, null, '1', {}, [1], true];
const NON_FINITE = [Number.NaN, Infinity, -Infinity];
/** Counts the fuzz treats as unrunnable: a loop or an allocation of this size never finishes on a laptop. */
export const HUGE_COUNTS = [2 ** 53, 2 ** 40, 1e308];

const isNum = (v: unknown): v is number => typeof v === 'number';

/** The parameter may be omitted: `undefined` is valid, not bad. */
export function optional(k: Kind): Kind {
  return { ...k, optional: true, bad: () => k.bad().filter((v) => v !== undefined) };
}

/** Any finite real number. */
export function real(v = 0.5): Kind {
  return {
    valid: () => v,
    bad: () => [...NON_FINITE, ...WRONG_TYPES],
    extreme: () => [1e308, -1e308, -0, 5e-324, -1e-300],
    random: fc.double(),
    inDomain: (x) => isNum(x) && Number.isFinite(x),
  };
}

/** A finite number in an interval (`open` excludes an end). */
export function interval(lo: number, hi: number, v: number, open: { lo?: boolean; hi?: boolean } = {}): Kind {
  const inside = (x: number) => Number.isFinite(x) && (open.lo ? x > lo : x >= lo) && (open.hi ? x < hi : x <= hi);
  const outside = [lo - 1, hi + 1, lo - 1e-9 * Math.max(1, Math.abs(lo)), -1e308, 1e308].filter((x) => Number.isFinite(x) && !inside(x));
  if (open.lo && Number.isFinite(lo)) outside.push(lo);
  if (open.hi && Number.isFinite(hi)) outside.push(hi);
  const ends = [lo, hi, open.lo ? lo + Math.max(Math.abs(lo), 1) * 1e-12 : lo, 5e-324, 1e308, -0].filter(inside);
  return {
    valid: () => v,
    bad: () => [...outside, ...NON_FINITE, ...WRONG_TYPES],
    extreme: () => ends,
    random: fc.oneof(fc.double(), fc.double({ min: Number.isFinite(lo) ? lo : -10, max: Number.isFinite(hi) ? hi : 10 })),
    inDomain: (x) => isNum(x) && inside(x),
  };
}
export const positive = (v = 1) => interval(0, Infinity, v, { lo: true });
export const nonNegative = (v = 1) => interval(0, Infinity, v);
export const probability = (v = 0.5) => interval(0, 1, v);

/** An integer in lo..hi; a count's hi is what the fuzz considers runnable. */
export function integer(lo: number, hi: number, v: number): Kind {
  const inside = (x: number) => Number.isInteger(x) && x >= lo && x <= hi;
  const outside = [lo - 1, hi + 1, lo + 0.5, -1, ...HUGE_COUNTS, -(2 ** 53)].filter((x) => Number.isFinite(x) && !inside(x));
  return {
    valid: () => v,
    bad: () => [...outside, ...NON_FINITE, ...WRONG_TYPES],
    extreme: () => [lo, Math.min(hi, lo + 3)].filter(inside),
    random: fc.oneof(fc.integer({ min: lo - 3, max: Math.min(hi, lo + 40) }), fc.double({ min: -1e6, max: 1e6 }), fc.constantFrom(...HUGE_COUNTS)),
    inDomain: (x) => isNum(x) && inside(x),
  };
}
/** A count of loop iterations or of allocated values: `hi` bounds what the fuzz runs; beyond 2^31 is always bad. */
export const count = (lo: number, v: number, hi = 64) => {
  const k = integer(lo, hi, v);
  return { ...k, bad: () => k.bad().filter((x) => !(isNum(x) && Number.isInteger(x) && x >= lo && x < 2 ** 31)), inDomain: (x: unknown) => isNum(x) && Number.isInteger(x) && x >= lo && x < 2 ** 31 && x <= hi, random: fc.oneof(fc.integer({ min: lo - 3, max: hi }), fc.constantFrom(...HUGE_COUNTS, -5, 1.5)) };
};

/** The fuzz's schedule: T = 10 (small enough that a sampler runs in milliseconds). */
export const T = 10;
let sharedSchedule: ReturnType<typeof linearSchedule> | undefined;
export function fuzzSchedule() {
  return (sharedSchedule ??= linearSchedule(T, 1e-3, 0.2));
}
export const step = (lo = 1, v = 5) => integer(lo, T, v);

export function schedule(): Kind {
  return {
    valid: fuzzSchedule,
    bad: () => [...WRONG_TYPES, 5, { T: 3 }, { name: 'x', T: 10, betas: [], alphas: [], alphaBars: [] }],
    extreme: () => [],
  };
}

export function rng(): Kind {
  return { valid: () => createRng(7), bad: () => [...WRONG_TYPES, 5, { uniform: 1 }], extreme: () => [] };
}

/** A callback (a model, a density, a step function). */
export function callback(f: (...a: never[]) => unknown): Kind {
  return { valid: () => f, bad: () => [undefined, null, 5, 'f', {}], extreme: () => [] };
}

/** One of a few string choices. */
export function choice(values: readonly unknown[]): Kind {
  return { valid: () => values[0], bad: () => ['nope', 5, null, undefined, {}], extreme: () => values.slice(1) };
}

/** A flat array of finite numbers of a given length (`lo` bounds its entries, e.g. 0 for variances). */
export function numbers(values: readonly number[], opts: { lo?: number; loOpen?: boolean; hi?: number; extreme?: number[][]; bad?: unknown[] } = {}): Kind {
  const n = values.length;
  const tooLow = opts.lo === undefined ? [] : [[...values.slice(0, -1), opts.loOpen ? opts.lo : opts.lo - 1]];
  if (opts.hi !== undefined) tooLow.push([...values.slice(0, -1), opts.hi + 1]);
  if (opts.bad) tooLow.push(...(opts.bad as number[][]));
  return {
    valid: () => Float64Array.from(values),
    bad: () => [
      [],
      [...values.slice(0, -1), Number.NaN],
      [...values.slice(0, -1), Infinity],
      [...values.slice(0, -1), -Infinity],
      [...values.slice(0, -1), '1'],
      ...tooLow,
      5,
      'abc',
      undefined,
      null,
      {},
      { length: n },
    ],
    extreme: () =>
      opts.extreme ?? [
        values.map((_, i) => (opts.lo === undefined ? (i % 2 ? -1e308 : 1e308) : (opts.hi ?? 1e308))),
        values.map(() => (opts.lo === undefined ? 1e-300 : 5e-324)),
      ],
  };
}

/** A probability vector. */
export function probabilities(values: readonly number[]): Kind {
  return {
    valid: () => Float64Array.from(values),
    bad: () => [[], [...values.slice(0, -1), Number.NaN], values.map((p) => p * 2), [...values.slice(0, -1), -0.5, 1.5].slice(-values.length), 5, undefined, null, 'abc'],
    extreme: () => [values.map((_, i) => (i === 0 ? 1 : 0))],
  };
}

let fillCounter = 0;
/** Deterministic values in [−1, 1] for a tensor of `shape`. */
function fill(shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const r: Rng = createRng(++fillCounter);
  return Float32Array.from(r.uniforms(n), (u) => 2 * u - 1);
}

/** A data tensor of `shape`; `wrong` lists shapes the function must reject. */
export function tensor(shape: readonly number[], opts: { wrong?: number[][]; values?: () => tf.Tensor; dtype?: 'float32' | 'int32' } = {}): Kind {
  const make = opts.values ?? (() => tf.tensor(fill(shape), [...shape]));
  return {
    valid: make,
    bad: () => {
      const disposed = make();
      disposed.dispose();
      return [disposed, ...WRONG_TYPES, 5, [[1]]];
    },
    relationalBad: () => (opts.wrong ?? []).map((s) => tf.tensor(fill(s), s)),
    dataBad: () => [
      tf.tensor(fill(shape).map((x, i) => (i === 0 ? Number.NaN : x)), [...shape]),
      tf.tensor(fill(shape).map((x, i) => (i === 0 ? -Infinity : x)), [...shape]),
    ],
    // float32 data: ±30 keeps squares and exponentials representable; a larger value overflows inside tfjs by design.
    extreme: () => [tf.fill([...shape], 30), tf.fill([...shape], -1e-30)],
  };
}

/** An options object: the object itself may be omitted; each field is fuzzed on its own. */
export function options(fields: Record<string, Kind>, isOptional = true): Kind {
  return {
    valid: () => Object.fromEntries(Object.entries(fields).map(([n, k]) => [n, k.valid()])),
    bad: () => [null, 5, 'x', ...(isOptional ? [] : [undefined])],
    extreme: () => [],
    fields,
    ...(isOptional ? { optional: true } : {}),
  };
}

/** A fixed valid value nobody fuzzes (a label count, a name). */
export function fixed(v: () => unknown): Kind {
  return { valid: v, bad: () => [], extreme: () => [] };
}

export function boolean(v = false): Kind {
  return { valid: () => v, bad: () => ['yes', 1, null, {}], extreme: () => [!v], optional: true };
}

/** A tensor shape [B, …] of positive integers. */
export function shape(v: number[], opts: { allowEmpty?: boolean } = {}): Kind {
  return {
    valid: () => [...v],
    bad: () => [[-1, ...v.slice(1)], [1.5, ...v.slice(1)], [Number.NaN, ...v.slice(1)], [2 ** 40, 2 ** 40, ...v.slice(1)], [2 ** 53], ...(opts.allowEmpty ? [] : [[]]), 5, 'ab', undefined, null, {}],
    extreme: () => [v.map(() => 1)],
  };
}

/** Integer class labels 0..classes-1 as an int32 tensor of length `n`. */
export function labelsTensor(n: number, classes: number): Kind {
  const ok = Array.from({ length: n }, (_, i) => i % classes);
  const withLabel = (x: number) => tf.tensor1d([...ok.slice(0, -1), x], 'float32');
  return {
    valid: () => tf.tensor1d(ok, 'int32'),
    bad: () => [withLabel(-1), withLabel(classes + 99), withLabel(Number.NaN), withLabel(1.5), tf.tensor1d(ok.slice(1), 'int32'), 5, 'x', [1], {}],
    extreme: () => [tf.tensor1d(ok.map(() => classes - 1), 'int32'), tf.tensor1d(ok.map(() => 0), 'int32')],
    optional: true,
  };
}
