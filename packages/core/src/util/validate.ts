/**
 * Input validation shared by every function in core.
 *
 * Every check throws a {@link DomainError} whose message names the function, the argument, the value received
 * and what is allowed, e.g. `posteriorVariance: argument 't' must be an integer in 1..1000; received 0`.
 * Nothing in core returns NaN for bad input: it throws before computing.
 */

/** Thrown when an argument is outside the domain of a formula. */
export class DomainError extends RangeError {
  override name = 'DomainError';
  constructor(
    readonly fn: string,
    readonly arg: string,
    readonly allowed: string,
    readonly received: unknown,
  ) {
    super(`${fn}: argument '${arg}' must be ${allowed}; received ${describe(received)}`);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value instanceof Float64Array || value instanceof Float32Array) {
    return `${value.constructor.name}(${value.length})`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    if ('shape' in value && Array.isArray(value.shape)) return `a tensor of shape [${value.shape.join(', ')}]`;
    try {
      const json = JSON.stringify(value) ?? String(value);
      return json.length > 80 ? `${json.slice(0, 77)}...` : json;
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** `x` is a finite number (not NaN, not ±Infinity). */
export function assertFinite(fn: string, arg: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new DomainError(fn, arg, 'a finite number', x);
}

/** `x` is finite and `> 0`. */
export function assertPositive(fn: string, arg: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0)) {
    throw new DomainError(fn, arg, 'a finite number > 0', x);
  }
}

/** `x` is finite and `>= 0`. */
export function assertNonNegative(fn: string, arg: string, x: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x >= 0)) {
    throw new DomainError(fn, arg, 'a finite number >= 0', x);
  }
}

/** `x` lies in an interval; `open` says which ends are excluded. */
export function assertInInterval(
  fn: string,
  arg: string,
  x: number,
  lo: number,
  hi: number,
  open: { lo?: boolean; hi?: boolean } = {},
): void {
  const okLo = open.lo ? x > lo : x >= lo;
  const okHi = open.hi ? x < hi : x <= hi;
  if (typeof x !== 'number' || !Number.isFinite(x) || !okLo || !okHi) {
    const range = `${open.lo ? '(' : '['}${lo}, ${hi}${open.hi ? ')' : ']'}`;
    throw new DomainError(fn, arg, `a number in ${range}`, x);
  }
}

/** `n` is an integer in `lo..hi` (both inclusive). */
export function assertIntegerInRange(fn: string, arg: string, n: number, lo: number, hi: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) {
    throw new DomainError(fn, arg, `an integer in ${lo}..${hi}`, n);
  }
}

/** `n` is an integer `>= min`. */
export function assertInteger(fn: string, arg: string, n: number, min = -Infinity): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new DomainError(fn, arg, min === -Infinity ? 'an integer' : `an integer >= ${min}`, n);
  }
}

/** `xs` is an array or a typed array (not a number, a string, null or an object with a length). */
export function isNumberArray(xs: unknown): xs is ArrayLike<number> {
  return Array.isArray(xs) || (ArrayBuffer.isView(xs) && !(xs instanceof DataView));
}

/** `xs` is an array or a typed array. */
export function assertArray(fn: string, arg: string, xs: unknown): asserts xs is ArrayLike<number> {
  if (!isNumberArray(xs)) throw new DomainError(fn, arg, 'an array of numbers', xs);
}

/** Every entry of `xs` is finite and the array is not empty. */
export function assertFiniteArray(fn: string, arg: string, xs: ArrayLike<number>): void {
  assertArray(fn, arg, xs);
  if (xs.length === 0) throw new DomainError(fn, arg, 'a non-empty array', '[] (empty)');
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new DomainError(fn, `${arg}[${i}]`, 'a finite number', x);
  }
}

/**
 * The largest count of loop iterations or allocated values a function accepts: 2^28 (a quarter of a billion; a
 * Float64Array of that size is 2 GiB). Counts beyond it cannot run to completion and are an error, not a hang.
 */
export const MAX_COUNT = 2 ** 28;

/** `n` is an integer count in `lo..max`; the default `max` is {@link MAX_COUNT}. */
export function assertCount(fn: string, arg: string, n: number, lo: number, max = MAX_COUNT): void {
  assertInteger(fn, arg, n, lo);
  if (n > max) throw new DomainError(fn, arg, `an integer in ${lo}..${max} (${max === MAX_COUNT ? '2^28, ' : ''}a bound on what can run)`, n);
}

/** `x` is a non-null object (an options bag, a mixture, a model). */
export function assertObject(fn: string, arg: string, x: unknown): asserts x is object {
  if (x === null || typeof x !== 'object') throw new DomainError(fn, arg, 'an object', x);
}

/** `f` is a function (a model, a density, a callback). */
export function assertFunction(fn: string, arg: string, f: unknown): void {
  if (typeof f !== 'function') throw new DomainError(fn, arg, 'a function', typeof f === 'object' ? JSON.stringify(f) : f);
}

/** `x` is one of a few allowed values (a string choice). */
export function assertOneOf<T>(fn: string, arg: string, x: unknown, allowed: readonly T[]): asserts x is T {
  if (!allowed.includes(x as T)) throw new DomainError(fn, arg, `one of ${allowed.map((a) => `'${String(a)}'`).join(', ')}`, x);
}

/** `x` is true or false. */
export function assertBoolean(fn: string, arg: string, x: unknown): void {
  if (typeof x !== 'boolean') throw new DomainError(fn, arg, 'true or false', x);
}

/**
 * A result computed from finite arguments is finite: when it is not, the true value is outside float64 (an
 * overflow), and the arguments named in `args` are too extreme for the formula.
 */
export function assertFiniteResult(fn: string, args: string, value: number, what = 'result'): number {
  if (!Number.isFinite(value)) throw new DomainError(fn, args, `values for which the ${what} fits in float64`, `${what} ${value}`);
  return value;
}

/** Two arrays have the same length. */
export function assertSameLength(
  fn: string,
  argA: string,
  a: ArrayLike<number>,
  argB: string,
  b: ArrayLike<number>,
): void {
  if (a.length !== b.length) {
    throw new DomainError(fn, argB, `an array of the same length as '${argA}' (${a.length})`, `length ${b.length}`);
  }
}

/** Two tensor shapes are identical. */
export function assertSameShape(
  fn: string,
  argA: string,
  a: readonly number[],
  argB: string,
  b: readonly number[],
): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new DomainError(fn, argB, `a tensor of the same shape as '${argA}' [${a.join(', ')}]`, `shape [${b.join(', ')}]`);
  }
}

/** `p` is a probability vector: entries >= 0 summing to 1 within `tol`. */
export function assertProbabilityVector(fn: string, arg: string, p: ArrayLike<number>, tol = 1e-9): void {
  assertFiniteArray(fn, arg, p);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! < 0) throw new DomainError(fn, `${arg}[${i}]`, 'a probability >= 0', p[i]);
    sum += p[i]!;
  }
  if (Math.abs(sum - 1) > tol) throw new DomainError(fn, arg, `probabilities summing to 1 (±${tol})`, `sum ${sum}`);
}
