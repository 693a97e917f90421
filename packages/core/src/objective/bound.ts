/**
 * E8 — the negative log-likelihood bound of a trained ε-model in bits per dimension, as Ho et al. 2020 report it:
 * the whole variational bound E1 (L_T, every L_{t−1}, and L_0 with the discretised decoder E7) per image, divided by
 * D ln 2, averaged over images with its standard error. Float64 throughout; the model is asked for ε_θ (and v for
 * a learned variance, D7) through a callback, so the same code measures a UNet (quality/bits-per-dim.ts) and the
 * exact Gaussian-data model of the tests.
 */
import { discretizedGaussianDecoderNll } from './decoder.js';
import { priorTerm } from './objective.js';
import { clippedLogPosteriorVariance, posteriorMeanCoefficients, posteriorVariance, reverseVariance, type ReverseVarianceChoice } from '../posterior/posterior.js';
import { klGaussianTerm } from '../probability/kl-terms.js';
import { logGaussian } from '../probability/log-density.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertSchedule, assertStep, oneMinusAlphaBar, type NoiseSchedule } from '../schedule/schedule.js';
import { assertCount, assertFinite, assertFiniteArray, assertFiniteResult, assertFunction, assertObject, assertSameLength, DomainError } from '../util/validate.js';

/** The reverse variance the bound is taken for: one of D6's fixed choices, or the model's own (D7, from its v). */
export type BoundVariance = ReverseVarianceChoice | 'learned';
/** L_0 for 8-bit images (E7, the default), or the continuous Gaussian density (for continuous data, as in the tests). */
export type BoundDecoder = 'discretized' | 'continuous';

/**
 * What the bound asks of the model for a batch of B examples (each D values, flat in `xt`) at steps `t` (one per
 * example): ε_θ(x_t, t) (B·D values) and, for a learned variance, the interpolation weight v of D7 (B·D values).
 * `images` gives each example's index in the data (a conditional model reads its label there).
 */
export type BoundDenoiser = (xt: Float64Array, t: Int32Array, images: Int32Array) => { readonly eps: ArrayLike<number>; readonly v?: ArrayLike<number> };

const VARIANCES: readonly BoundVariance[] = ['beta', 'betaTilde', 'fixedlarge', 'fixedsmall', 'clamped', 'learned'];

function assertBoundVariance(fn: string, variance: unknown): asserts variance is BoundVariance {
  if (!VARIANCES.includes(variance as BoundVariance)) throw new DomainError(fn, 'variance', `one of ${VARIANCES.map((v) => `'${v}'`).join(', ')}`, variance);
}

/**
 * E8 — log σ_t² of the reverse step the bound is taken with: log of a fixed choice (D6), or v log β_t + (1 − v) log β̃_t
 * per coordinate for the learned one (D7, β̃_2 standing in for β̃_1 = 0). 'betaTilde' has σ_1² = β̃_1 = 0, which
 * leaves L_0 without a decoder: refused at t = 1 (Ho et al.'s 'fixedsmall' is β̃_t with β̃_2 at t = 1).
 * @param v - D7's weight per coordinate (only for 'learned')
 */
export function boundLogVariance(schedule: NoiseSchedule, t: number, variance: BoundVariance, v?: ArrayLike<number>): number | Float64Array {
  const fn = 'boundLogVariance';
  assertStep(fn, schedule, t);
  assertBoundVariance(fn, variance);
  if (v !== undefined) assertFiniteArray(fn, 'v', v);
  if (variance === 'learned') {
    if (v === undefined) throw new DomainError(fn, 'v', "D7's weight per coordinate for variance 'learned'", v);
    const logBeta = Math.log(schedule.betas[t]!);
    const logBetaTilde = clippedLogPosteriorVariance(schedule, t);
    const logVariance = Float64Array.from(v, (w) => w * logBeta + (1 - w) * logBetaTilde);
    logVariance.forEach((l, i) => assertFiniteResult(fn, `v[${i}]`, l, 'log-variance v log β + (1 − v) log β̃'));
    return logVariance;
  }
  const s2 = reverseVariance(schedule, t, variance);
  if (!(s2 > 0)) throw new DomainError(fn, 'variance', `a choice with σ_${t}² > 0 ('betaTilde' has β̃_1 = 0 at t = 1: use 'fixedsmall', β̃_2 there)`, variance);
  return Math.log(s2);
}

/**
 * E8 — one image's term of the bound at step t from the model's ε_θ(x_t, t), in nats: for t ≥ 2 the KL
 * L_{t−1} of E1 ({@link vlbTerm}) with μ_θ the ε-form mean (D5), for t = 1 the decoder term L_0 — the discretised
 * Gaussian of E7 with mean μ_θ(x_1, 1) and log σ = ½ log σ_1² (`decoder: 'continuous'`: the Gaussian density).
 *
 * ```tex
 * \mu_\theta=\frac1{\sqrt{\alpha_t}}\Big(x_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\varepsilon_\theta(x_t,t)\Big),\quad
 * L_{t-1}=KL\big(\mathcal N(\tilde\mu_t,\tilde\beta_tI)\,\|\,\mathcal N(\mu_\theta,\sigma_t^2I)\big)\ (t\ge2),\quad
 * L_0=-\log\prod_i\int_{\delta_-(x_0^i)}^{\delta_+(x_0^i)}\mathcal N(x;\mu_\theta^i,\sigma_1^2)\,dx
 * ```
 * Source: Ho et al. 2020 §3.3 (Eq. 5, 11, 13) and their code (`_vb_terms_bpd`, `calc_bpd_loop`).
 * @param x0 - the image, D values in [−1, 1] (on the 8-bit grid for the discretised decoder)
 * @param xt - x_t, D values (x_1 at t = 1)
 * @param epsPred - ε_θ(x_t, t), D values
 * @param logVariance - log σ_t², one for all coordinates or one per coordinate ({@link boundLogVariance})
 */
export function boundTermFromEps(
  schedule: NoiseSchedule,
  t: number,
  x0: ArrayLike<number>,
  xt: ArrayLike<number>,
  epsPred: ArrayLike<number>,
  logVariance: number | ArrayLike<number>,
  decoder: BoundDecoder = 'discretized',
): number {
  const fn = 'boundTermFromEps';
  assertStep(fn, schedule, t);
  assertFiniteArray(fn, 'x0', x0);
  assertFiniteArray(fn, 'xt', xt);
  assertFiniteArray(fn, 'epsPred', epsPred);
  assertSameLength(fn, 'x0', x0, 'xt', xt);
  assertSameLength(fn, 'x0', x0, 'epsPred', epsPred);
  if (typeof logVariance === 'number') assertFinite(fn, 'logVariance', logVariance);
  else {
    assertFiniteArray(fn, 'logVariance', logVariance);
    assertSameLength(fn, 'x0', x0, 'logVariance', logVariance);
  }
  if (decoder !== 'discretized' && decoder !== 'continuous') throw new DomainError(fn, 'decoder', "'discretized' or 'continuous'", decoder);
  if (decoder === 'discretized') for (let i = 0; i < x0.length; i++) if (x0[i]! < -1 || x0[i]! > 1) throw new DomainError(fn, `x0[${i}]`, "a pixel in [−1, 1] (the discretised decoder's range)", x0[i]);
  return asOwn(fn, 'x0, xt, epsPred, logVariance', () => termFromEps(fn, t, stepCoefficients(schedule, t), x0, xt, epsPred, logVariance, decoder));
}

/** The per-step numbers a term needs (D2, D3, D5), computed once per step: the estimator evaluates T terms per image. */
interface StepCoefficients {
  readonly x0Coef: number;
  readonly xtCoef: number;
  readonly betaTilde: number;
  readonly epsCoef: number;
  readonly invSqrtAlpha: number;
  /** C5's weights: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε. */
  readonly sqrtAlphaBar: number;
  readonly sqrtOneMinusAlphaBar: number;
}

function stepCoefficients(schedule: NoiseSchedule, t: number): StepCoefficients {
  const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
  return {
    x0Coef,
    xtCoef,
    betaTilde: posteriorVariance(schedule, t),
    // D5 in float64: 1 − ᾱ_t without cancellation.
    epsCoef: schedule.betas[t]! / Math.sqrt(oneMinusAlphaBar(schedule, t)),
    invSqrtAlpha: 1 / Math.sqrt(schedule.alphas[t]!),
    sqrtAlphaBar: Math.sqrt(schedule.alphaBars[t]!),
    sqrtOneMinusAlphaBar: Math.sqrt(oneMinusAlphaBar(schedule, t)),
  };
}

/** {@link boundTermFromEps} on checked arguments. */
function termFromEps(fn: string, t: number, c: StepCoefficients, x0: ArrayLike<number>, xt: ArrayLike<number>, epsPred: ArrayLike<number>, logVariance: number | ArrayLike<number>, decoder: BoundDecoder): number {
  const d = x0.length;
  const muTheta = Float64Array.from(xt, (x, i) => c.invSqrtAlpha * (x - c.epsCoef * epsPred[i]!));
  const logVarAt = typeof logVariance === 'number' ? () => logVariance : (i: number) => logVariance[i]!;
  if (t >= 2) {
    // L_{t−1} = Σ_i KL(N(μ̃_i, β̃_t) ‖ N(μ_θ,i, σ_i²)) (A9 per coordinate, A10), μ̃ from D2.
    let kl = 0;
    for (let i = 0; i < d; i++) kl += klGaussianTerm(c.x0Coef * x0[i]! + c.xtCoef * xt[i]!, c.betaTilde, muTheta[i]!, Math.exp(logVarAt(i)));
    return assertFiniteResult(fn, 'x0, xt, epsPred', kl, `L_${t - 1}`);
  }
  if (decoder === 'continuous') {
    let nll = 0;
    for (let i = 0; i < d; i++) nll -= logGaussian(x0[i]!, muTheta[i]!, Math.exp(logVarAt(i)));
    return assertFiniteResult(fn, 'x0, xt, epsPred', nll, 'L_0');
  }
  return discretizedGaussianDecoderNll(x0, muTheta, typeof logVariance === 'number' ? 0.5 * logVariance : Float64Array.from(logVariance, (l) => 0.5 * l));
}

/** Options of {@link variationalBoundBitsPerDim}. */
export interface BoundOptions {
  readonly variance: BoundVariance;
  /**
   * `'all'` (default): every term, t = 1..T, each at one draw of x_t, as Ho et al.'s `calc_bpd_loop`. A number K:
   * K steps per image drawn uniformly, each term weighted by (number of steps it stands for)/K (unbiased).
   */
  readonly steps?: 'all' | number;
  /**
   * With `steps` = K: draw t from 2..T (factor (T − 1)/K) and take L_0 exactly for every image (default, much lower
   * variance: L_0 is the bound's largest term), or (true) draw t from 1..T with the factor T/K, L_0 among them.
   */
  readonly sampleDecoder?: boolean;
  readonly decoder?: BoundDecoder;
  /** Images per model call (default 100). */
  readonly batchSize?: number;
}

/** The bound in bits per dimension over a set of images, with its standard error, and (for `steps: 'all'`) each term's mean. */
export interface BoundEstimate {
  /** Mean over images of each image's bound, bits/dim. */
  readonly value: number;
  readonly standardError: number;
  /** Images. */
  readonly n: number;
  readonly dimensions: number;
  /** Each image's bound (estimate), bits/dim. */
  readonly perImage: Float64Array;
  /** With `steps: 'all'`: the mean of each term over images, bits/dim — [0] L_T, [1] L_0, [t] L_{t−1} (t ≥ 2); else null. */
  readonly terms: Float64Array | null;
}

/**
 * E8 — the variational bound (E1) of each image in bits per dimension, −log p_θ(x_0) ≤ L/(D ln 2), with L_T in
 * closed form, each L_{t−1} at one draw x_t ~ q(x_t | x_0) (C5) and L_0 with the discretised decoder (E7); the
 * mean over the images and its standard error (over images: each image's estimate is independent, so it covers
 * both the images' spread and the draws of x_t and t). With `steps: K` the sum over t is estimated from K uniform
 * draws per image (see {@link BoundOptions}): E_t[(T − 1) L_{t−1}] = Σ_{t≥2} L_{t−1}, unbiased.
 *
 * ```tex
 * \text{bits/dim}=\frac{1}{D\ln2}\Big(L_T+\sum_{t=2}^{T}L_{t-1}+L_0\Big),\qquad
 * \sum_{t=2}^{T}L_{t-1}=\mathbb E_{t\sim U\{2..T\}}\big[(T-1)\,L_{t-1}\big]
 * ```
 * Source: Ho et al. 2020 §3.3, §4 (Table 2, NLL in bits/dim) and Appendix; their `calc_bpd_loop`; Nichol &
 * Dhariwal 2021 §3 (the uniform-t estimate of L_vlb).
 * @param x0 - N images of D values each, flat (in [−1, 1]; on the 8-bit grid for the discretised decoder)
 * @param d - D, values per image
 */
export function variationalBoundBitsPerDim(schedule: NoiseSchedule, x0: ArrayLike<number>, d: number, denoise: BoundDenoiser, rng: Rng, options: BoundOptions): BoundEstimate {
  const fn = 'variationalBoundBitsPerDim';
  assertSchedule(fn, schedule);
  assertCount(fn, 'd', d, 1, 2 ** 24);
  assertFiniteArray(fn, 'x0', x0);
  if (x0.length % d !== 0 || x0.length / d < 2) throw new DomainError(fn, 'x0', `at least 2 images of d = ${d} values (a length that is a multiple of d)`, `${x0.length} values`);
  assertFunction(fn, 'denoise', denoise);
  assertRng(fn, 'rng', rng);
  assertObject(fn, 'options', options);
  const { variance, steps = 'all', sampleDecoder = false, decoder = 'discretized', batchSize = 100 } = options;
  assertBoundVariance(fn, variance);
  if (steps !== 'all') assertCount(fn, 'steps', steps, 1, 1e6);
  if (typeof sampleDecoder !== 'boolean') throw new DomainError(fn, 'sampleDecoder', 'true or false', sampleDecoder);
  if (decoder !== 'discretized' && decoder !== 'continuous') throw new DomainError(fn, 'decoder', "'discretized' or 'continuous'", decoder);
  assertCount(fn, 'batchSize', batchSize, 1, 1e5);
  const T = schedule.T;
  if (T < 2 && steps !== 'all' && !sampleDecoder) throw new DomainError(fn, 'steps', "'all' when T = 1 (there is no L_{t−1} to draw)", steps);
  const N = x0.length / d;
  const coefficients = Array.from({ length: T + 1 }, (_, t) => (t === 0 ? null : stepCoefficients(schedule, t)));
  if (decoder === 'discretized') for (let i = 0; i < x0.length; i++) if (x0[i]! < -1 || x0[i]! > 1) throw new DomainError(fn, `x0[${i}]`, 'a pixel in [−1, 1] (the discretised decoder\'s range)', x0[i]);
  // The fixed variances are looked up once (and 'betaTilde' refused at t = 1) before any model call.
  const fixedLogVariance = variance === 'learned' ? null : asOwn(fn, 'variance', () => Float64Array.from({ length: T + 1 }, (_, t) => (t === 0 ? NaN : (boundLogVariance(schedule, t, variance) as number))));
  const nats = new Float64Array(N);
  const termSums = steps === 'all' ? new Float64Array(T + 1) : null;
  for (let i = 0; i < N; i++) {
    nats[i] = asOwn(fn, 'x0', () => priorTerm(schedule, sliceImage(x0, i, d)));
    if (termSums) termSums[0]! += nats[i]!;
  }

  // One model call for a chunk of images, each at its own step; adds weight × term to each image's total.
  const evaluate = (first: number, count: number, steps: Int32Array, weight: number) => {
    const images = Int32Array.from({ length: count }, (_, k) => first + k);
    const noise = rng.normals(count * d);
    const xt = new Float64Array(count * d);
    for (let k = 0; k < count; k++) {
      const { sqrtAlphaBar: a, sqrtOneMinusAlphaBar: s } = coefficients[steps[k]!]!;
      for (let j = 0; j < d; j++) xt[k * d + j] = a * x0[(first + k) * d + j]! + s * noise[k * d + j]!; // C5
    }
    const out = denoise(xt, steps, images);
    assertObject(fn, 'denoise(x_t)', out);
    assertFiniteArray(fn, 'denoise(x_t).eps', out.eps);
    if (out.eps.length !== count * d) throw new DomainError(fn, 'denoise(x_t).eps', `${count * d} values (${count} examples of ${d})`, `${out.eps.length} values`);
    if (variance === 'learned') {
      if (out.v === undefined) throw new DomainError(fn, 'denoise(x_t).v', "D7's weight v per value for variance 'learned' (a model with a variance head)", out.v);
      assertFiniteArray(fn, 'denoise(x_t).v', out.v);
      if (out.v.length !== count * d) throw new DomainError(fn, 'denoise(x_t).v', `${count * d} values`, `${out.v.length} values`);
    }
    for (let k = 0; k < count; k++) {
      const t = steps[k]!;
      const at = (arr: ArrayLike<number>) => sliceImage(arr, k, d);
      const logVar = fixedLogVariance ? fixedLogVariance[t]! : boundLogVariance(schedule, t, 'learned', at(out.v!));
      const term = asOwn(fn, 'x0, denoise', () => termFromEps(fn, t, coefficients[t]!, sliceImage(x0, first + k, d), xt.subarray(k * d, (k + 1) * d), at(out.eps), logVar, decoder));
      nats[first + k]! += weight * term;
      if (termSums) termSums[t]! += term;
    }
  };

  for (let first = 0; first < N; first += batchSize) {
    const count = Math.min(batchSize, N - first);
    if (steps === 'all') {
      for (let t = 1; t <= T; t++) evaluate(first, count, new Int32Array(count).fill(t), 1);
      continue;
    }
    if (!sampleDecoder) evaluate(first, count, new Int32Array(count).fill(1), 1);
    const lo = sampleDecoder ? 1 : 2;
    const weight = (T - lo + 1) / steps; // each draw stands for (number of steps in lo..T)/K terms
    for (let k = 0; k < steps; k++) evaluate(first, count, Int32Array.from({ length: count }, () => rng.int(lo, T)), weight);
  }
  const toBits = 1 / (d * Math.LN2);
  const perImage = nats.map((v) => v * toBits);
  perImage.forEach((v, i) => assertFiniteResult(fn, 'x0, denoise', v, `bound of image ${i}`));
  const value = assertFiniteResult(fn, 'x0, denoise', perImage.reduce((a, v) => a + v / N, 0), 'mean bound');
  const spread = perImage.reduce((a, v) => a + ((v - value) / N) * ((v - value) / (N - 1)), 0); // (Σ(v − v̄)²/(N − 1))/N, scaled to stay finite
  return {
    value,
    standardError: assertFiniteResult(fn, 'x0, denoise', Math.sqrt(spread), 'standard error'),
    n: N,
    dimensions: d,
    perImage,
    terms: termSums ? termSums.map((s) => (s / N) * toBits) : null,
  };
}

/**
 * Run `f` and restate a DomainError of a function it calls as `fn`'s own, naming `arg` (or the inner argument
 * mapped by `rename`), so a caller sees which of its arguments was out of range.
 */
function asOwn<T>(fn: string, arg: string | ((inner: string) => string), f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DomainError && e.fn !== fn) throw new DomainError(fn, typeof arg === 'string' ? arg : arg(e.arg), e.allowed, e.received);
    throw e;
  }
}

function sliceImage(x0: ArrayLike<number>, i: number, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, j) => x0[i * d + j]!);
}
