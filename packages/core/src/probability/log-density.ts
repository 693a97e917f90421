/**
 * The Gaussian log-density without argument checks, for core's own loops (not exported from the package).
 */
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log N(x; μ, σ²). When (x − μ)² overflows it is formed through z = (x − μ)/σ instead, so the result is −Infinity
 * only when the true value is below −1.8e308 (then the density itself is 0 in float64).
 */
export function logGaussian(x: number, mean: number, variance: number): number {
  const value = -0.5 * (LOG_2PI + Math.log(variance)) - ((x - mean) * (x - mean)) / (2 * variance);
  if (Number.isFinite(value)) return value;
  const z = (x - mean) / Math.sqrt(variance);
  return -0.5 * (LOG_2PI + Math.log(variance)) - 0.5 * z * z;
}
