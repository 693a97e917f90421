/**
 * The arithmetic of A9/A10 on arguments already checked, for the public KLs (kl.ts) and the bound's terms
 * (objective/): +∞ where the KL is beyond float64, never NaN, so each caller refuses that in its own name.
 * Not re-exported from the package.
 */

/** A9 on checked arguments; +∞ when the KL is beyond float64 (a huge Δμ²/σ₂² or σ₁²/σ₂²), never NaN. */
export function klGaussianTerm(mean1: number, var1: number, mean2: number, var2: number): number {
  // Written as ½(r − 1 − log r) + Δμ²/2σ₂² with r = σ₁²/σ₂², and r − 1 − log r = e^ℓ − 1 − ℓ (ℓ = log r) taken by
  // its series near ℓ = 0: the textbook sum of ½ log(σ₂²/σ₁²), σ₁²/2σ₂² and −½ cancels to 1e-16/KL relative error
  // (for nearly equal Gaussians, KL ~ ℓ²/4, a relative error 1e-16/ℓ²: 100 % at ℓ = 1e-8).
  const meanTerm = halfSquaredOverVariance(mean1 - mean2, Math.log(var2), var2);
  if (var1 <= 2 * var2 && var2 <= 2 * var1) {
    const l = Math.log1p((var1 - var2) / var2); // σ₁² − σ₂² is exact here (Sterbenz), so ℓ is good to an ulp or two
    if (Math.abs(l) < 0.5) return 0.5 * expMinusOneMinusX(l) + meanTerm;
  }
  // Away from r = 1 the sum cancels by at most a factor 4.4; keep r itself (e^ℓ would add ℓ·2^−53 relative error).
  // The ratio under/overflows for variances far apart (1e300 vs 1e-300): then log σ₁² − log σ₂², not log 0 = −∞.
  const ratio = var1 / var2;
  const logRatio = ratio > 0 && ratio < Infinity ? Math.log(ratio) : Math.log(var1) - Math.log(var2);
  return 0.5 * (ratio - 1 - logRatio) + meanTerm;
}

/**
 * Δμ²/2σ² (`variance` = σ², or undefined to use e^{logVariance}): 0 for Δμ = 0 even when 1/σ² overflows, and by
 * logs, exp(2 log|Δμ| − log 2 − log σ²), when Δμ² overflows but the quotient need not (Δμ = 1e200, σ² = 1e100).
 */
export function halfSquaredOverVariance(dm: number, logVariance: number, variance?: number): number {
  if (dm === 0) return 0;
  const sq = dm * dm;
  const direct = variance === undefined ? 0.5 * sq * Math.exp(-logVariance) : sq / (2 * variance);
  return Number.isFinite(direct) ? direct : Math.exp(2 * Math.log(Math.abs(dm)) - Math.LN2 - logVariance);
}

/** 1/k! for k = 2..17: the series of e^x − 1 − x = x² Σ_j x^j/(j+2)!, truncated below 2^−60 relative for |x| < ½. */
const EXP_SERIES = Array.from({ length: 16 }, (_, j) => {
  let f = 1;
  for (let k = 2; k <= j + 2; k++) f *= k;
  return 1 / f;
});

/**
 * e^x − 1 − x without cancellation: the Taylor series (Horner) for |x| < ½, where expm1(x) − x would lose
 * log2(2/|x|) bits, and expm1(x) − x beyond (cancellation there is at most a factor 4.7).
 */
export function expMinusOneMinusX(x: number): number {
  if (Math.abs(x) >= 0.5) return Math.expm1(x) - x;
  let p = EXP_SERIES[EXP_SERIES.length - 1]!;
  for (let j = EXP_SERIES.length - 2; j >= 0; j--) p = p * x + EXP_SERIES[j]!;
  return x * x * p;
}

/** A10 on checked arguments: the sum of A9 over coordinates (+∞ beyond float64). */
export function klDiagonalGaussianTerm(
  mean1: ArrayLike<number>,
  var1: ArrayLike<number> | number,
  mean2: ArrayLike<number>,
  var2: ArrayLike<number> | number,
): number {
  let s = 0;
  for (let i = 0; i < mean1.length; i++) {
    s += klGaussianTerm(mean1[i]!, typeof var1 === 'number' ? var1 : var1[i]!, mean2[i]!, typeof var2 === 'number' ? var2 : var2[i]!);
  }
  return s;
}
