/**
 * Noise schedules: the sequence β_1..β_T and the quantities derived from it (catalogue C1, C2, C6, C9).
 *
 * ## Time-index convention (the only one used in this project)
 * Steps are numbered t = 1..T as in Ho et al. (2020) and FORMULAS.md §N. Arrays are indexed by t itself:
 * entry t of `betas`, `alphas` and `alphaBars` holds β_t, α_t and ᾱ_t, and entry 0 holds the t = 0 convention
 * β_0 = 0, α_0 = 1, ᾱ_0 = 1 (no noise yet). A step t outside 1..T (or 0..T where ᾱ_0 is meaningful) is an error
 * that names the range. S4's code indexes from 0 (its `betas[0]` is our β_1); use {@link fromZeroBasedStep}.
 */
import { assertCount, assertFiniteArray, assertInInterval, assertIntegerInRange, DomainError } from '../util/validate.js';

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

/** The smallest β a schedule accepts: 2^-53, the smallest β with 1 − β < 1 in float64 (below it α_t rounds to 1). */
export const MIN_BETA = 2 ** -53;

/** β in (0, 1), and at least MIN_BETA so that α = 1 − β differs from 1. */
function assertBeta(fn: string, arg: string, b: number): void {
  assertInInterval(fn, arg, b, 0, 1, { lo: true, hi: true });
  if (b < MIN_BETA) throw new DomainError(fn, arg, `a number in [2^-53, 1) (below 2^-53, 1 − β rounds to 1 in float64)`, b);
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
    assertBeta('scheduleFromBetas', `betas1toT[${t - 1}] (β_${t})`, b);
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
  assertCount('linearSchedule', 'T', T, 2);
  assertBeta('linearSchedule', 'betaStart', betaStart);
  assertBeta('linearSchedule', 'betaEnd', betaEnd);
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
  assertCount('s2Schedule', 'T', T, 1);
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
  assertCount('cosineSchedule', 'T', T, 1);
  assertInInterval('cosineSchedule', 's', s, 0, 1, { lo: true });
  assertBeta('cosineSchedule', 'maxBeta', maxBeta);
  // Evaluated without cancellation (same numbers, all their digits): with φ_t = π/2 − θ_t = (π/2)(T − t)/(T(1 + s)),
  // f(t) = sin²φ_t, and 1 − f(t)/f(t−1) = sin(φ_{t−1} − φ_t) sin(φ_{t−1} + φ_t)/sin²φ_{t−1}. Taken literally, the
  // cosine near π/2 (late t) and 1 − f(t)/f(t−1) ≈ 4e-5 (t = 1) each lost four of sixteen digits.
  const scale = Math.PI / 2 / (T * (1 + s));
  const b = new Float64Array(T);
  for (let t = 1; t <= T; t++) {
    const prev = Math.sin(scale * (T - t + 1));
    // sin(φ_{t−1} + φ_t) with the sum near π at small t: take sin(π − sum), π − sum = scale·(2Ts + 2t − 1).
    const sum = 2 * (T - t) + 1;
    const sinSum = sum <= T * (1 + s) ? Math.sin(scale * sum) : Math.sin(scale * (2 * T * s + 2 * t - 1));
    const beta = (Math.sin(scale) * sinSum) / (prev * prev);
    b[t - 1] = Math.min(beta, maxBeta);
  }
  return scheduleFromBetas(b, `cosine(s=${s}, T=${T})`);
}

/** `schedule` is a NoiseSchedule: T >= 1 and float64 tables β, α, ᾱ indexed 0..T (cheap: lengths, not values). */
export function assertSchedule(fn: string, schedule: NoiseSchedule, arg = 'schedule'): void {
  const ok =
    schedule !== null && typeof schedule === 'object' && Number.isInteger(schedule.T) && schedule.T >= 1 &&
    [schedule.betas, schedule.alphas, schedule.alphaBars].every((a) => a instanceof Float64Array && a.length === schedule.T + 1);
  if (!ok) throw new DomainError(fn, arg, 'a NoiseSchedule (from linearSchedule, scheduleFromBetas, …)', schedule);
}

/** Assert `t` is a diffusion step 1..T of `schedule`. */
export function assertStep(fn: string, schedule: NoiseSchedule, t: number, arg = 't'): void {
  assertSchedule(fn, schedule);
  assertIntegerInRange(fn, arg, t, 1, schedule.T);
}

/** Assert `t` is 0..T (for quantities such as ᾱ_t that are defined at t = 0). */
export function assertStepOrZero(fn: string, schedule: NoiseSchedule, t: number, arg = 't'): void {
  assertSchedule(fn, schedule);
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

// Σ_{s≤t} log α_s = Σ log1p(−β_s), summed once per (frozen) schedule with Neumaier's compensation.
const logAlphaBarTables = new WeakMap<NoiseSchedule, Float64Array>();

/**
 * C2 — log ᾱ_t = Σ_{s≤t} log(1 − β_s) for t in 0..T, from the β's themselves: each term log1p(−β_s) is accurate
 * to an ulp and the compensated sum adds about one more, where the running product ᾱ_t carries t roundings.
 */
export function logAlphaBar(schedule: NoiseSchedule, t: number): number {
  assertStepOrZero('logAlphaBar', schedule, t);
  let table = logAlphaBarTables.get(schedule);
  if (!table) {
    table = new Float64Array(schedule.T + 1);
    let sum = 0;
    let compensation = 0;
    for (let s = 1; s <= schedule.T; s++) {
      const term = Math.log1p(-schedule.betas[s]!);
      const next = sum + term;
      compensation += Math.abs(sum) >= Math.abs(term) ? sum - next + term : term - next + sum;
      sum = next;
      table[s] = sum + compensation;
    }
    logAlphaBarTables.set(schedule, table);
  }
  return table[t]!;
}

/**
 * C5 — the forward variance 1 − ᾱ_t computed without cancellation: −expm1(log ᾱ_t). `1 − schedule.alphaBars[t]`
 * subtracts two nearly equal numbers at small t (1 − ᾱ_1 = β_1 = 1e-4 comes out 813 ulps off); this keeps all.
 *
 * ```tex
 * 1-\bar\alpha_t=-\operatorname{expm1}\Big(\sum_{s=1}^{t}\operatorname{log1p}(-\beta_s)\Big)
 * ```
 * Source: S0 公式7 (the closed form's variance); the expm1/log1p evaluation follows Mächler 2012 ("Accurately
 * computing log(1 − exp(−|a|))").
 */
export function oneMinusAlphaBar(schedule: NoiseSchedule, t: number): number {
  assertStepOrZero('oneMinusAlphaBar', schedule, t);
  return 0 - Math.expm1(logAlphaBar(schedule, t)); // 0 − …: +0 at t = 0, not −0
}

/**
 * C5 — log(1 − ᾱ_t), the log-variance of q(x_t | x_0) (the reference DDPM code's `log_one_minus_alphas_cumprod`),
 * stable at both ends: log(−expm1(log ᾱ_t)) while ᾱ_t > ½, log1p(−ᾱ_t) after (Mächler's log1mexp). The naive
 * log(1 − ᾱ_t) loses digits at large t, where 1 − ᾱ_t ≈ 1 and the log is −ᾱ_t, and at small t, where 1 − ᾱ_t
 * cancels. Defined for t in 1..T (at t = 0 it is −∞).
 *
 * ```tex
 * \log(1-\bar\alpha_t)=\begin{cases}\log\big(-\operatorname{expm1}(\log\bar\alpha_t)\big)&\log\bar\alpha_t>-\log2\\
 *   \operatorname{log1p}\big(-\exp(\log\bar\alpha_t)\big)&\text{otherwise}\end{cases}
 * ```
 * Source: Ho et al. 2020's code (`log_one_minus_alphas_cumprod`, computed there as np.log(1 − ᾱ)); Mächler 2012.
 */
export function logOneMinusAlphaBar(schedule: NoiseSchedule, t: number): number {
  assertStep('logOneMinusAlphaBar', schedule, t);
  const l = logAlphaBar(schedule, t);
  return l > -Math.LN2 ? Math.log(-Math.expm1(l)) : Math.log1p(-Math.exp(l));
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
  return schedule.alphaBars[t]! / oneMinusAlphaBar(schedule, t); // 1 − ᾱ_t without cancellation at small t
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
  assertSchedule('terminalSignal', schedule);
  return Math.sqrt(schedule.alphaBars[schedule.T]!);
}

/**
 * Convert S4's 0-based step index (its `betas[0]` is β_1) to this project's t = index + 1.
 * @param index - an integer in 0..T−1
 */
export function fromZeroBasedStep(schedule: NoiseSchedule, index: number): number {
  assertSchedule('fromZeroBasedStep', schedule);
  assertIntegerInRange('fromZeroBasedStep', 'index', index, 0, schedule.T - 1);
  return index + 1;
}
