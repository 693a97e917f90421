/**
 * Noise schedules: the sequence β_1..β_T and the quantities derived from it (catalogue C1, C2, C6, C9).
 *
 * ## Time-index convention (the only one used in this project)
 * Steps are numbered t = 1..T as in Ho et al. (2020) and FORMULAS.md §N. Arrays are indexed by t itself:
 * entry t of `betas`, `alphas` and `alphaBars` holds β_t, α_t and ᾱ_t, and entry 0 holds the t = 0 convention
 * β_0 = 0, α_0 = 1, ᾱ_0 = 1 (no noise yet). A step t outside 1..T (or 0..T where ᾱ_0 is meaningful) is an error
 * that names the range. S4's code indexes from 0 (its `betas[0]` is our β_1); use {@link fromZeroBasedStep}.
 */
import { assertFiniteArray, assertInInterval, assertInteger, assertIntegerInRange, DomainError } from '../util/validate.js';

/** A validated noise schedule with float64 coefficients, indexed by t (entry 0 is the t = 0 convention). */
export interface NoiseSchedule {
  /** A short name saying where the schedule comes from (e.g. `linear(1e-4, 0.02)`). */
  readonly name: string;
  /** Number of diffusion steps T. */
  readonly T: number;
  /** β_t for t = 0..T (β_0 = 0). Length T + 1. */
  readonly betas: Float64Array;
  /** α_t = 1 − β_t for t = 0..T (α_0 = 1). */
  readonly alphas: Float64Array;
  /** ᾱ_t = ∏_{s≤t} α_s for t = 0..T (ᾱ_0 = 1). */
  readonly alphaBars: Float64Array;
}

/**
 * C2 — α_t = 1 − β_t.
 *
 * ```tex
 * \alpha_t = 1 - \beta_t
 * ```
 * Source: S0 公式1–2, S4 code. Entry 0 of the input is β_0 and must be 0; each β_t for t ≥ 1 must be in (0, 1).
 * @param betas - β_0..β_T (β_0 = 0)
 * @returns α_0..α_T as float64
 */
export function alphasFromBetas(betas: ArrayLike<number>): Float64Array {
  assertBetaArray('alphasFromBetas', betas);
  const out = new Float64Array(betas.length);
  for (let t = 0; t < betas.length; t++) out[t] = 1 - betas[t]!;
  return out;
}

/**
 * C2 — ᾱ_t = ∏_{s=1}^{t} α_s, accumulated in float64 (S4 computes it in float64 on purpose: a float32 running
 * product drifts by ~1e-6 relative over 1000 steps).
 *
 * ```tex
 * \bar\alpha_t = \prod_{s=1}^{t} \alpha_s, \qquad \bar\alpha_0 = 1
 * ```
 * Source: S0 公式7, S4 code (`alphas_bar`), Ho et al. 2020 §2.
 * @param alphas - α_0..α_T (α_0 = 1, each α_t in (0, 1))
 * @returns ᾱ_0..ᾱ_T
 */
export function alphaBarsFromAlphas(alphas: ArrayLike<number>): Float64Array {
  assertFiniteArray('alphaBarsFromAlphas', 'alphas', alphas);
  if (alphas[0] !== 1) throw new DomainError('alphaBarsFromAlphas', 'alphas[0]', 'exactly 1 (α_0 = 1 by convention)', alphas[0]);
  const out = new Float64Array(alphas.length);
  out[0] = 1;
  for (let t = 1; t < alphas.length; t++) {
    assertInInterval('alphaBarsFromAlphas', `alphas[${t}]`, alphas[t]!, 0, 1, { lo: true, hi: true });
    out[t] = out[t - 1]! * alphas[t]!;
    // ᾱ_t = 0 would make 1/√ᾱ_t (D4, the samplers) infinite and x̂_0 NaN: refuse a product that underflows.
    if (out[t] === 0) throw new DomainError('alphaBarsFromAlphas', `alphas[1..${t}]`, 'a product ᾱ_t > 0 (it underflowed to 0 in float64)', 0);
  }
  return out;
}

function assertBetaArray(fn: string, betas: ArrayLike<number>): void {
  assertFiniteArray(fn, 'betas', betas);
  if (betas.length < 2) throw new DomainError(fn, 'betas', 'β_0..β_T with T >= 1 (length >= 2)', `length ${betas.length}`);
  if (betas[0] !== 0) throw new DomainError(fn, 'betas[0]', 'exactly 0 (β_0 = 0 by convention)', betas[0]);
  for (let t = 1; t < betas.length; t++) assertInInterval(fn, `betas[${t}]`, betas[t]!, 0, 1, { lo: true, hi: true });
}

/**
 * Build a {@link NoiseSchedule} from β_1..β_T (note: without the β_0 entry; it is added here).
 *
 * @param betas1toT - β_1..β_T, each in (0, 1)
 * @param name - a label for plots and error messages
 */
export function scheduleFromBetas(betas1toT: ArrayLike<number>, name = 'custom'): NoiseSchedule {
  assertFiniteArray('scheduleFromBetas', 'betas1toT', betas1toT);
  const betas = new Float64Array(betas1toT.length + 1);
  for (let t = 1; t <= betas1toT.length; t++) {
    const b = betas1toT[t - 1]!;
    assertInInterval('scheduleFromBetas', `betas1toT[${t - 1}] (β_${t})`, b, 0, 1, { lo: true, hi: true });
    betas[t] = b;
  }
  const alphas = alphasFromBetas(betas);
  const alphaBars = alphaBarsFromAlphas(alphas);
  return Object.freeze({ name, T: betas1toT.length, betas, alphas, alphaBars });
}

/**
 * C1 — the linear schedule of DDPM: β_t rises linearly from `betaStart` (t = 1) to `betaEnd` (t = T).
 *
 * ```tex
 * \beta_t = \beta_1 + \frac{t-1}{T-1}(\beta_T - \beta_1)
 * ```
 * Source: S0 (T = 1000, β from 1e-4 to 0.02, `torch.linspace`), S4 code (T = 100, `np.linspace`), Ho et al. 2020 §4.
 * @param T - number of steps, an integer >= 2
 */
export function linearSchedule(T: number, betaStart = 1e-4, betaEnd = 0.02): NoiseSchedule {
  assertInteger('linearSchedule', 'T', T, 2);
  assertInInterval('linearSchedule', 'betaStart', betaStart, 0, 1, { lo: true, hi: true });
  assertInInterval('linearSchedule', 'betaEnd', betaEnd, 0, 1, { lo: true, hi: true });
  const b = new Float64Array(T);
  for (let i = 0; i < T; i++) b[i] = betaStart + ((betaEnd - betaStart) * i) / (T - 1);
  return scheduleFromBetas(b, `linear(${betaStart}, ${betaEnd}, T=${T})`);
}

/**
 * C1 — S2's schedule: α_t^{(S2)} = √(1 − 0.02 t/T), i.e. β_t = 0.02 t / T in this project's notation.
 *
 * ```tex
 * \beta_t = \frac{0.02\,t}{T}
 * ```
 * Source: S2 (spaces.ac.cn/archives/9119), which writes α_t = √(1 − 0.02t/T) for its own α (our √α_t).
 */
export function s2Schedule(T: number): NoiseSchedule {
  assertInteger('s2Schedule', 'T', T, 1);
  const b = new Float64Array(T);
  for (let t = 1; t <= T; t++) b[t - 1] = (0.02 * t) / T;
  return scheduleFromBetas(b, `s2(T=${T})`);
}

/**
 * C1 — the cosine schedule of improved DDPM (Nichol & Dhariwal 2021): ᾱ_t = f(t)/f(0), β_t = 1 − ᾱ_t/ᾱ_{t−1}
 * clipped at `maxBeta`.
 *
 * ```tex
 * f(t) = \cos^2\!\Big(\frac{t/T + s}{1+s}\cdot\frac{\pi}{2}\Big),\quad \bar\alpha_t = \frac{f(t)}{f(0)},\quad
 * \beta_t = \min\!\Big(1-\frac{\bar\alpha_t}{\bar\alpha_{t-1}},\ \beta_{\max}\Big)
 * ```
 * Source: S1 (improved DDPM section), Nichol & Dhariwal 2021 Eq. 17.
 */
export function cosineSchedule(T: number, s = 0.008, maxBeta = 0.999): NoiseSchedule {
  assertInteger('cosineSchedule', 'T', T, 1);
  assertInInterval('cosineSchedule', 's', s, 0, 1, { lo: true });
  assertInInterval('cosineSchedule', 'maxBeta', maxBeta, 0, 1, { lo: true, hi: true });
  const f = (t: number) => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const b = new Float64Array(T);
  for (let t = 1; t <= T; t++) b[t - 1] = Math.min(1 - f(t) / f(t - 1), maxBeta);
  return scheduleFromBetas(b, `cosine(s=${s}, T=${T})`);
}

/** Assert `t` is a diffusion step 1..T of `schedule`. */
export function assertStep(fn: string, schedule: NoiseSchedule, t: number, arg = 't'): void {
  assertIntegerInRange(fn, arg, t, 1, schedule.T);
}

/** Assert `t` is 0..T (for quantities such as ᾱ_t that are defined at t = 0). */
export function assertStepOrZero(fn: string, schedule: NoiseSchedule, t: number, arg = 't'): void {
  assertIntegerInRange(fn, arg, t, 0, schedule.T);
}

/** β_t for t in 1..T. */
export function beta(schedule: NoiseSchedule, t: number): number {
  assertStep('beta', schedule, t);
  return schedule.betas[t]!;
}

/** α_t = 1 − β_t for t in 1..T (C2). */
export function alpha(schedule: NoiseSchedule, t: number): number {
  assertStep('alpha', schedule, t);
  return schedule.alphas[t]!;
}

/** ᾱ_t for t in 0..T (ᾱ_0 = 1) (C2). */
export function alphaBar(schedule: NoiseSchedule, t: number): number {
  assertStepOrZero('alphaBar', schedule, t);
  return schedule.alphaBars[t]!;
}

/**
 * C9 — signal-to-noise ratio of q(x_t | x_0): SNR(t) = ᾱ_t / (1 − ᾱ_t), strictly decreasing in t.
 *
 * ```tex
 * \mathrm{SNR}(t) = \frac{\bar\alpha_t}{1-\bar\alpha_t}
 * ```
 * Source: the "more noise later" argument of S0; Kingma et al. 2021 (variational diffusion models) name it.
 */
export function signalToNoiseRatio(schedule: NoiseSchedule, t: number): number {
  assertStep('signalToNoiseRatio', schedule, t);
  const ab = schedule.alphaBars[t]!;
  return ab / (1 - ab);
}

/**
 * C6 — the signal left at the last step, √ᾱ_T (≈ 0 means x_T ≈ N(0, I)). S2 estimates e^{−5} for its schedule
 * with T = 1000.
 *
 * ```tex
 * \sqrt{\bar\alpha_T} \approx 0 \;\Rightarrow\; q(x_T\mid x_0) \approx \mathcal N(0, I)
 * ```
 */
export function terminalSignal(schedule: NoiseSchedule): number {
  return Math.sqrt(schedule.alphaBars[schedule.T]!);
}

/**
 * Convert S4's 0-based step index (its `betas[0]` is β_1) to this project's t = index + 1.
 * @param index - an integer in 0..T−1
 */
export function fromZeroBasedStep(schedule: NoiseSchedule, index: number): number {
  assertIntegerInRange('fromZeroBasedStep', 'index', index, 0, schedule.T - 1);
  return index + 1;
}
