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
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value instanceof Float64Array || value instanceof Float32Array) {
    return `${value.constructor.name}(${value.length})`;
  }
  if (typeof value === 'string') return value;
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

/** Every entry of `xs` is finite and the array is not empty. */
export function assertFiniteArray(fn: string, arg: string, xs: ArrayLike<number>): void {
  if (xs.length === 0) throw new DomainError(fn, arg, 'a non-empty array', '[] (empty)');
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (!Number.isFinite(x)) throw new DomainError(fn, `${arg}[${i}]`, 'a finite number', x);
  }
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
