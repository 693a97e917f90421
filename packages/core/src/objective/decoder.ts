/**
 * E7 — the bound's last term for 8-bit images: Ho et al. 2020 §3.3's discretised Gaussian decoder
 * L_0 = −log p_θ(x_0 | x_1), float64 scalars.
 */
import { LOG_NORMAL_CDF_MIN_X, logNormalCdf, logNormalIntervalProbability, normalCdfTanh } from '../probability/normal-cdf.js';
import { assertFinite, assertFiniteArray, assertInInterval, assertSameLength, DomainError } from '../util/validate.js';

/** Which Φ the decoder integrates with: the exact one (A13, the default) or Ho et al.'s tanh approximation. */
export type DecoderCdf = 'exact' | 'tanh';

/** Half a bin: pixels 0..255 scaled to [−1, 1] sit 2/255 apart. */
const HALF_BIN = 1 / 255;
/** The reference code's floor under every probability before its log (tanh variant only). */
const TANH_FLOOR = 1e-12;

/**
 * E7 — log p(x | μ, σ) of one pixel x ∈ [−1, 1] under N(μ, σ²) discretised to 256 bins of width 2/255: the mass
 * of [x − 1/255, x + 1/255], with the edge bins open to −∞ (x = −1) and +∞ (x = 1), so the 256 probabilities
 * sum to 1. Like the reference code, x < −0.999 and x > 0.999 select the edge bins.
 *
 * `cdf: 'exact'` (the default) integrates the exact Φ with {@link logNormalIntervalProbability}, finite and
 * accurate however far μ is from x or however small σ. `cdf: 'tanh'` reproduces Ho et al.'s
 * `discretized_gaussian_log_likelihood` (diffusion_tf/utils.py; improved-diffusion keeps it): the tanh
 * approximation of Φ ({@link normalCdfTanh}) and log(max(·, 1e-12)) on each probability, the floor that keeps
 * their float32 log finite. The two agree to the approximation's 3e-4 in Φ where the floor does not bind.
 *
 * ```tex
 * p_\theta(x_0\mid x_1)=\prod_{i}\int_{\delta_-(x_0^i)}^{\delta_+(x_0^i)}\mathcal N(x;\mu_\theta^i(x_1,1),\sigma_1^2)\,dx,\qquad
 * \delta_+(x)=\begin{cases}\infty&x=1\\x+\frac1{255}&x<1\end{cases},\quad
 * \delta_-(x)=\begin{cases}-\infty&x=-1\\x-\frac1{255}&x>-1\end{cases}
 * ```
 * Source: Ho et al. 2020 §3.3 (Eq. 13) and their code; Nichol & Dhariwal 2021 (improved-diffusion's L_0).
 * @param x - the pixel, scaled to [−1, 1]
 * @param mean - μ, the model's mean for it
 * @param logScale - log σ (half the log-variance, as in the reference code's `log_scales`)
 */
export function discretizedGaussianLogLikelihood(x: number, mean: number, logScale: number, cdf: DecoderCdf = 'exact'): number {
  const fn = 'discretizedGaussianLogLikelihood';
  assertInInterval(fn, 'x', x, -1, 1);
  assertFinite(fn, 'mean', mean);
  assertFinite(fn, 'logScale', logScale);
  assertCdf(fn, cdf);
  return pixelLogLikelihood(fn, x, mean, logScale, cdf);
}

function assertCdf(fn: string, cdf: DecoderCdf): void {
  if (cdf !== 'exact' && cdf !== 'tanh') throw new DomainError(fn, 'cdf', "'exact' or 'tanh'", cdf);
}

/** The log-likelihood of one checked pixel; `fn` names the public function in its errors. */
function pixelLogLikelihood(fn: string, x: number, mean: number, logScale: number, cdf: DecoderCdf, meanArg = 'mean', scaleArg = 'logScale'): number {
  const inv = Math.exp(-logScale);
  const lo = (x - mean - HALF_BIN) * inv;
  const hi = (x - mean + HALF_BIN) * inv;
  // The bin's ends in units of σ must be numbers, and the bin must keep a width, for its probability to be computed.
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new DomainError(fn, `${meanArg}/${scaleArg}`, 'values for which (x − mean ± 1/255)/σ is finite', `(${lo}, ${hi})`);
  const lower = x < -0.999;
  const upper = x > 0.999;
  if (!lower && !upper && !(lo < hi)) throw new DomainError(fn, scaleArg, 'values for which the bin width 2/(255σ) is nonzero in float64 (log σ below about 739)', logScale);
  if (cdf === 'exact') {
    // The bin's end nearest the mean: its log-probability is about −end²/2, which must fit in float64.
    const nearer = lower ? hi : upper ? -lo : hi <= 0 ? hi : lo >= 0 ? -lo : 0;
    if (nearer < LOG_NORMAL_CDF_MIN_X) throw new DomainError(fn, `${meanArg}/${scaleArg}`, `values with |x − mean|/σ below ${-LOG_NORMAL_CDF_MIN_X} (beyond, the log-likelihood does not fit in float64)`, nearer);
    if (lower) return logNormalCdf(hi);
    if (upper) return logNormalCdf(-lo);
    return logNormalIntervalProbability(lo, hi);
  }
  const cdfHi = normalCdfTanh(hi);
  const cdfLo = normalCdfTanh(lo);
  if (lower) return Math.log(Math.max(cdfHi, TANH_FLOOR));
  if (upper) return Math.log(Math.max(1 - cdfLo, TANH_FLOOR));
  return Math.log(Math.max(cdfHi - cdfLo, TANH_FLOOR));
}

/**
 * E7 — L_0 of one image: −Σ_i log p(x_i | μ_i, σ_i) over its pixels (nats; divide by d·ln 2 for bits per dimension,
 * as the reference code reports it).
 * @param x - pixels in [−1, 1]; @param means - μ per pixel; @param logScales - log σ per pixel, or one for all
 */
export function discretizedGaussianDecoderNll(
  x: ArrayLike<number>,
  means: ArrayLike<number>,
  logScales: ArrayLike<number> | number,
  cdf: DecoderCdf = 'exact',
): number {
  const fn = 'discretizedGaussianDecoderNll';
  assertFiniteArray(fn, 'x', x);
  for (let i = 0; i < x.length; i++) assertInInterval(fn, `x[${i}]`, x[i]!, -1, 1);
  assertFiniteArray(fn, 'means', means);
  assertSameLength(fn, 'x', x, 'means', means);
  if (typeof logScales === 'number') assertFinite(fn, 'logScales', logScales);
  else {
    assertFiniteArray(fn, 'logScales', logScales);
    assertSameLength(fn, 'x', x, 'logScales', logScales);
  }
  assertCdf(fn, cdf);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s -= pixelLogLikelihood(fn, x[i]!, means[i]!, typeof logScales === 'number' ? logScales : logScales[i]!, cdf, 'means', 'logScales');
  }
  return s;
}
