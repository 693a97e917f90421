/**
 * A13 — the standard normal CDF Φ to float64 accuracy, its log (finite far into the lower tail), and the tanh
 * approximation the reference DDPM code uses for it. The discretised decoder of E7 is built from these.
 *
 * erf and erfc are evaluated here from two classical expansions (no table of fitted coefficients):
 * - |z| < ½: the Maclaurin series erf z = (2/√π) Σ (−1)^n z^{2n+1} / (n! (2n+1)), whose first term dominates;
 * - z ≥ ½: Laplace's continued fraction erfc z = e^{−z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), summed
 *   backwards from a depth that grows like 1/z² (every partial term is positive, so the backward sum is stable).
 * e^{−x²/2} is formed from x split into a 26-bit head and its tail, so the square is exact and Φ keeps its
 * relative accuracy in the tail (otherwise x²'s rounding costs x²/2 · 2^−53 relative: 700 ulps at x = −38).
 */
import { assertFinite, DomainError } from '../util/validate.js';

const SQRT_PI = Math.sqrt(Math.PI);

/** The high 26 bits of x (Dekker's split): x·x of the result is exact. */
function head(x: number): number {
  const c = 134217729 * x; // 2^27 + 1
  return c - (c - x);
}

/** x²/2 as the exact part hh²/2 and the small rest, so e^{−x²/2} and −x²/2 lose nothing to the square. */
function halfSquare(x: number): { big: number; small: number } {
  const h = head(x);
  return { big: (h * h) / 2, small: ((x - h) * (x + h)) / 2 };
}

/** z + (1/2)/(z + 1/(z + (3/2)/(z + …))) for z ≥ ½, from a depth where the tail no longer moves the sum. */
function laplaceFraction(z: number): number {
  const depth = Math.ceil(200 / (z * z) + 15);
  let f = z;
  for (let n = depth; n >= 1; n--) f = z + n / 2 / f;
  return f;
}

/** erf z for |z| < ½ by its Maclaurin series (terms to z^33; the 17th is below 2^−60 of the first). */
function erfSeries(z: number): number {
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let n = 1; n <= 16; n++) {
    term *= -z2 / n;
    sum += term / (2 * n + 1);
  }
  return (2 / SQRT_PI) * sum;
}

/** log erfc(x/√2) for x/√2 ≥ ½: −x²/2 − log(√π · fraction), never underflowing. */
function logErfcTail(x: number): number {
  const { big, small } = halfSquare(x);
  return -big - small - Math.log(SQRT_PI * laplaceFraction(x * Math.SQRT1_2));
}

/** Beyond this many standard deviations a tail probability is below float64's smallest subnormal. */
const TAIL_ZERO = 40;
/** log Φ(x) ≈ −x²/2 fits in float64 down to x ≈ −1.9e154; the fuzz-checked bound is a round number inside it. */
export const LOG_NORMAL_CDF_MIN_X = -1e154;

/** erfc(x/√2) for x ≥ 0. */
function erfcScaled(x: number): number {
  if (x > TAIL_ZERO) return 0; // erfc(x/√2) < 1e-349 rounds to 0 (and the head/tail split of x would overflow)
  const z = x * Math.SQRT1_2;
  if (z < 0.5) return 1 - erfSeries(z);
  const { big, small } = halfSquare(x);
  return (Math.exp(-big) * Math.exp(-small)) / (SQRT_PI * laplaceFraction(z));
}

/** erf(x/√2) for x ≥ 0 (= 2Φ(x) − 1): no cancellation, since erf ≥ 0.52 where it is taken as 1 − erfc. */
function erfOverSqrt2(x: number): number {
  const z = x * Math.SQRT1_2;
  return z < 0.5 ? erfSeries(z) : 1 - erfcScaled(x);
}

/**
 * A13 — Φ(x) = ½ erfc(−x/√2), to a few ulps for every x (the lower tail keeps its relative accuracy down to
 * where Φ is subnormal, x < −37.5). `standardNormalCdf` (gaussian-algebra.ts) is the 1.2e-7 fit used elsewhere.
 *
 * ```tex
 * \Phi(x)=\frac12\operatorname{erfc}\!\Big(-\frac{x}{\sqrt2}\Big)=\int_{-\infty}^{x}\frac{e^{-u^2/2}}{\sqrt{2\pi}}\,du
 * ```
 * Source: Abramowitz & Stegun 7.1.6 (series) and 7.1.14 (Laplace's continued fraction).
 */
export function normalCdf(x: number): number {
  assertFinite('normalCdf', 'x', x);
  return x < 0 ? 0.5 * erfcScaled(-x) : 1 - 0.5 * erfcScaled(x);
}

/**
 * A13 — log Φ(x), finite for every finite x: in the lower tail it is −x²/2 − log(−x√(2π)) − …, taken from the
 * continued fraction directly instead of the log of an underflowing Φ (log Φ(−40) = −804.6, Φ(−40) = 0 in float64).
 *
 * ```tex
 * \log\Phi(x)=-\frac{x^2}{2}-\log 2-\log\!\Big(\sqrt\pi\,\big(z+\tfrac{1/2}{z+\tfrac{1}{z+\cdots}}\big)\Big),\quad z=-\frac{x}{\sqrt2}\ \ (z\ge\tfrac12)
 * ```
 */
export function logNormalCdf(x: number): number {
  assertFinite('logNormalCdf', 'x', x);
  if (x < LOG_NORMAL_CDF_MIN_X) throw new DomainError('logNormalCdf', 'x', `values >= ${LOG_NORMAL_CDF_MIN_X} (below, log Φ(x) ≈ −x²/2 does not fit in float64)`, x);
  if (x >= 0) return Math.log1p(-0.5 * erfcScaled(x));
  if (-x * Math.SQRT1_2 < 0.5) return Math.log(0.5 * erfcScaled(-x));
  return logErfcTail(-x) - Math.LN2;
}

/** √(2/π), the tanh approximation's scale. */
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * A13 — the tanh approximation of Φ that Ho et al.'s code uses in the decoder (`approx_standard_normal_cdf`,
 * diffusion_tf/utils.py; improved-diffusion keeps it). Its absolute error is below 3e-4 (Page 1977).
 * Evaluated as the logistic σ(2u) = ½(1 + tanh u), which is the same number without the cancellation of 1 + tanh u
 * in the lower tail.
 *
 * ```tex
 * \Phi(x)\approx\tfrac12\Big(1+\tanh\Big(\sqrt{2/\pi}\,\big(x+0.044715\,x^3\big)\Big)\Big)
 * ```
 * Source: Ho et al. 2020's code (§3.3's decoder); Page 1977, "Approximations to the cumulative normal function".
 */
export function normalCdfTanh(x: number): number {
  assertFinite('normalCdfTanh', 'x', x);
  const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
  // ½(1 + tanh u) = 1/(1 + e^{−2u}); for u < 0 write it as e^{2u}/(1 + e^{2u}) so nothing overflows.
  if (u >= 0) return 1 / (1 + Math.exp(-2 * u));
  const e = Math.exp(2 * u);
  return e / (1 + e);
}

/** log(1 − e^d) for d < 0 without cancellation at either end (Mächler 2012). */
function log1mexp(d: number): number {
  return d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d));
}

/**
 * log(Φ(m + h) − Φ(m − h)) for a narrow interval, by Taylor's series about the midpoint:
 * Φ(m + h) − Φ(m − h) = 2φ(m) Σ_j He_{2j}(m) h^{2j+1}/(2j+1)!, He the Hermite polynomials (He_{n+1} = m He_n − n He_{n−1}).
 * The difference of two Φ's would cancel by a factor |Φ(m)|/(2hφ(m)); this has no such loss. Needs h(|m| + 1) < ½.
 */
function logNarrowInterval(m: number, h: number): number {
  let hePrev = 1; // He_0
  let he = m; // He_1
  let power = h; // h^{2j+1}/(2j+1)!
  let sum = h;
  for (let n = 1; n < 60; n += 2) {
    // advance He by two orders: He_{n+1}, He_{n+2}
    const heNext = m * he - n * hePrev;
    const heNext2 = m * heNext - (n + 1) * he;
    hePrev = heNext;
    he = heNext2;
    power *= (h * h) / ((n + 1) * (n + 2));
    const term = hePrev * power;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  const { big, small } = halfSquare(m);
  return Math.log(2 * sum) - big - small - 0.5 * Math.log(2 * Math.PI);
}

/**
 * A13 — log P(a < X ≤ b) = log(Φ(b) − Φ(a)) for X ~ N(0, 1), a < b (either may be infinite), computed so that a
 * bin far in a tail or a narrow bin keeps its digits: straddling 0 it adds two erf's (no cancellation); in a tail
 * it reflects to the lower one and takes log Φ(b) + log(1 − Φ(a)/Φ(b)), with log(Φ(a)/Φ(b)) formed from
 * (a − b)(a + b)/2 and the ratio of the continued fractions rather than as a difference of two large logs.
 *
 * ```tex
 * \log\big(\Phi(b)-\Phi(a)\big)=\log\Phi(b)+\log\!\Big(1-e^{\log\Phi(a)-\log\Phi(b)}\Big)
 * ```
 * Source: the definition of Φ; the log(1 − e^d) evaluation follows Mächler 2012.
 */
export function logNormalIntervalProbability(a: number, b: number): number {
  if (typeof a !== 'number' || Number.isNaN(a) || a === Infinity) throw new DomainError('logNormalIntervalProbability', 'a', 'a number < +∞', a);
  if (typeof b !== 'number' || Number.isNaN(b) || b === -Infinity) throw new DomainError('logNormalIntervalProbability', 'b', 'a number > −∞', b);
  if (!(a < b)) throw new DomainError('logNormalIntervalProbability', 'b', `a number > a (${a})`, b);
  // Both ends in one tail beyond the bound: log P ≈ −(nearer end)²/2 does not fit in float64.
  const nearer = b <= 0 ? b : a >= 0 ? -a : 0;
  if (nearer < LOG_NORMAL_CDF_MIN_X) throw new DomainError('logNormalIntervalProbability', 'a/b', `an interval reaching above ${LOG_NORMAL_CDF_MIN_X} and below ${-LOG_NORMAL_CDF_MIN_X} (beyond, log P does not fit in float64)`, `[${a}, ${b}]`);
  if (a === -Infinity) return b === Infinity ? 0 : logNormalCdf(b);
  if (b === Infinity) return logNormalCdf(-a);
  const m = (a + b) / 2;
  const h = (b - a) / 2;
  if (h * (Math.abs(m) + 1) < 0.5) return logNarrowInterval(m, h);
  if (a < 0 && b > 0) return Math.log(0.5 * (erfOverSqrt2(b) + erfOverSqrt2(-a)));
  // Both in one tail: reflect the upper one onto the lower, so that b ≤ 0 and Φ(a) < Φ(b) are small.
  const [lo, hi] = a >= 0 ? [-b, -a] : [a, b];
  const d =
    -hi * Math.SQRT1_2 >= 0.5
      ? -((lo - hi) * (lo + hi)) / 2 - Math.log(laplaceFraction(-lo * Math.SQRT1_2) / laplaceFraction(-hi * Math.SQRT1_2))
      : logNormalCdf(lo) - logNormalCdf(hi);
  return logNormalCdf(hi) + log1mexp(d);
}
