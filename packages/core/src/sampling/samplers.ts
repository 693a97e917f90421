/**
 * Sampling (catalogue F1–F4): the ancestral DDPM step, its deterministic variant, and DDIM over a subsequence; and
 * both with classifier guidance (F5).
 * Every sampler takes the noise source as an argument (an Rng), so a seed fixes the whole trajectory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { learnedLogVariance, posteriorMeanFromEps, predictX0FromEps, reverseVariance, type ReverseVarianceChoice } from '../posterior/posterior.js';
import { classifierGuidedMean, MAX_GUIDANCE } from './guidance.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertSchedule, assertStep, assertStepOrZero, oneMinusAlphaBar, type NoiseSchedule } from '../schedule/schedule.js';
import { assertBatched, assertSameTensorShape, assertTensor } from '../util/tensor.js';
import { assertBoolean, assertCount, assertFunction, assertInInterval, assertInteger, assertIntegerInRange, assertObject, assertOneOf, DomainError, isNumberArray, MAX_COUNT } from '../util/validate.js';

/** A noise predictor ε_θ(x_t, t): same shape out as in. `t` is one step for the whole batch. */
export type EpsModel = (xt: tf.Tensor, t: number) => tf.Tensor;

/** ε_θ(x_t, t) and improved DDPM's interpolation weight v (D7), both shaped like x_t. */
export interface EpsAndVariance {
  readonly eps: tf.Tensor;
  readonly v: tf.Tensor;
}

/** A noise predictor that also outputs v (D7). `t` is one step for the whole batch. */
export type EpsVarianceModel = (xt: tf.Tensor, t: number) => EpsAndVariance;

/** Called after each sampler step with the new state (for progress bars and notebooks' live plots). */
export type StepCallback = (info: { t: number; next: number; x: tf.Tensor }) => void;

/**
 * F1 + F2 — one ancestral step x_{t−1} = (x_t − (1−α_t)/√(1−ᾱ_t) · ε_θ)/√α_t + σ_t z, with no noise at t = 1.
 *
 * ```tex
 * x_{t-1}=\frac{1}{\sqrt{\alpha_t}}\Big(x_t-\frac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}\,\varepsilon_\theta(x_t,t)\Big)+\sigma_t z,
 * \qquad z\sim\mathcal N(0,I)\ \text{if}\ t>1,\ \text{else}\ z=0
 * ```
 * Source: S0 Algorithm 2 and its code, S4 "公式131" (its `p_real_sample` masks the noise at the last step),
 * Ho et al. 2020 Algorithm 2.
 * @param epsPred - ε_θ(x_t, t), same shape as x_t
 * @param z - standard normal noise, same shape (ignored at t = 1)
 * @param variance - σ_t² = β_t (S0/S4 code) or β̃_t (D6)
 */
export function ancestralStep(
  schedule: NoiseSchedule,
  xt: tf.Tensor,
  t: number,
  epsPred: tf.Tensor,
  z: tf.Tensor,
  variance: ReverseVarianceChoice = 'beta',
): tf.Tensor {
  assertStep('ancestralStep', schedule, t);
  assertBatched('ancestralStep', 'xt', xt);
  assertSameTensorShape('ancestralStep', 'xt', xt, 'epsPred', epsPred);
  assertSameTensorShape('ancestralStep', 'xt', xt, 'z', z);
  assertOneOf('ancestralStep', 'variance', variance, ['beta', 'betaTilde'] as const);
  return tf.tidy(() => {
    const mean = posteriorMeanFromEps(schedule, xt, epsPred, t);
    if (t === 1) return mean; // F2: the last step returns the mean
    return tf.add(mean, tf.mul(z, Math.sqrt(reverseVariance(schedule, t, variance))));
  });
}

/**
 * F1 + D7 — the ancestral step with the model's own variance: the same mean as F1 plus Σ_θ^{1/2} z per element,
 * log Σ_θ = v log β_t + (1 − v) log β̃_t ({@link learnedLogVariance}); no noise at t = 1 (F2).
 *
 * ```tex
 * x_{t-1}=\frac{1}{\sqrt{\alpha_t}}\Big(x_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\varepsilon_\theta(x_t,t)\Big)+\Sigma_\theta(x_t,t)^{1/2}z,
 * \qquad \Sigma_\theta=\exp\big(v\log\beta_t+(1-v)\log\tilde\beta_t\big)
 * ```
 * Source: S1 (improved DDPM), Nichol & Dhariwal 2021 Eq. 15, Ho et al. 2020 Algorithm 2.
 * @param epsPred - ε_θ(x_t, t), same shape as x_t
 * @param v - the model's interpolation weight, same shape
 * @param z - standard normal noise, same shape (ignored at t = 1)
 */
export function learnedVarianceStep(schedule: NoiseSchedule, xt: tf.Tensor, t: number, epsPred: tf.Tensor, v: tf.Tensor, z: tf.Tensor): tf.Tensor {
  assertStep('learnedVarianceStep', schedule, t);
  assertBatched('learnedVarianceStep', 'xt', xt);
  assertSameTensorShape('learnedVarianceStep', 'xt', xt, 'epsPred', epsPred);
  assertSameTensorShape('learnedVarianceStep', 'xt', xt, 'v', v);
  assertSameTensorShape('learnedVarianceStep', 'xt', xt, 'z', z);
  return tf.tidy(() => {
    const mean = posteriorMeanFromEps(schedule, xt, epsPred, t);
    if (t === 1) return mean;
    return tf.add(mean, tf.mul(z, tf.exp(tf.mul(learnedLogVariance(schedule, t, v), 0.5))));
  });
}

/**
 * F3 — S2's deterministic ("greedy") step: the same mean as F1 without σ_t z. Following it from x_T collapses the
 * samples' spread, which is why the random term matters.
 *
 * ```tex
 * x_{t-1}=\frac{1}{\sqrt{\alpha_t}}\Big(x_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\varepsilon_\theta(x_t,t)\Big)
 * ```
 * Source: S2 (the deterministic sampler versus the random one).
 */
export function greedyStep(schedule: NoiseSchedule, xt: tf.Tensor, t: number, epsPred: tf.Tensor): tf.Tensor {
  assertStep('greedyStep', schedule, t);
  assertBatched('greedyStep', 'xt', xt);
  assertSameTensorShape('greedyStep', 'xt', xt, 'epsPred', epsPred);
  return posteriorMeanFromEps(schedule, xt, epsPred, t);
}

export interface DdpmSampleOptions {
  /** σ_t² choice (D6). Default `'beta'` as in S0/S4's code. */
  readonly variance?: ReverseVarianceChoice;
  /** Use F3's deterministic step instead of F1. */
  readonly greedy?: boolean;
  /** Start from this x_T instead of drawing it from the generator. */
  readonly xT?: tf.Tensor;
  readonly onStep?: StepCallback;
}

function assertShape(fn: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new DomainError(fn, 'shape', 'a shape [B, …] (an array)', shape);
  if (shape.length < 1) throw new DomainError(fn, 'shape', 'a shape [B, …] with a batch axis', '[]');
  shape.forEach((d, i) => assertCount(fn, `shape[${i}]`, d, 1));
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_COUNT) throw new DomainError(fn, 'shape', 'at most 2^28 values in all', `[${shape.join(', ')}] (${size} values)`);
}

/** The arguments every sampler shares: a schedule, a model, a shape, a generator and an options object. */
function assertSamplerArgs(fn: string, schedule: NoiseSchedule, model: unknown, modelArg: string, shape: readonly number[], rng: Rng, options: object): void {
  assertSchedule(fn, schedule);
  assertFunction(fn, modelArg, model);
  assertShape(fn, shape);
  assertRng(fn, 'rng', rng);
  assertObject(fn, 'options', options);
  const o = options as { xT?: unknown; onStep?: unknown };
  if (o.xT !== undefined) assertTensor(fn, 'xT', o.xT);
  if (o.onStep !== undefined) assertFunction(fn, 'onStep', o.onStep);
}

/** The starting state: a copy of `xT`, which must have the requested shape, or a fresh N(0, I) draw. */
function initialState(fn: string, shape: readonly number[], rng: Rng, xT: tf.Tensor | undefined): tf.Tensor {
  if (!xT) return rng.normalTensor(shape);
  if (xT.rank !== shape.length || xT.shape.some((d, i) => d !== shape[i])) {
    throw new DomainError(fn, 'xT', `a tensor of the requested shape [${shape.join(', ')}]`, `shape [${xT.shape.join(', ')}]`);
  }
  return tf.clone(xT);
}

/**
 * F1 — the full DDPM sampler (Algorithm 2): x_T ~ N(0, I), then t = T..1 ancestral steps.
 *
 * ```tex
 * x_T\sim\mathcal N(0,I);\quad x_{t-1}=\frac{1}{\sqrt{\alpha_t}}\Big(x_t-\frac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}\,\varepsilon_\theta(x_t,t)\Big)+\sigma_t z,\quad t=T,\dots,1
 * ```
 * Source: S0 Algorithm 2 and its code, S4's `p_real_sample` loop, Ho et al. 2020 Algorithm 2.
 * @param shape - the batch shape [B, …]
 */
export function ddpmSample(
  schedule: NoiseSchedule,
  epsModel: EpsModel,
  shape: readonly number[],
  rng: Rng,
  options: DdpmSampleOptions = {},
): tf.Tensor {
  assertSamplerArgs('ddpmSample', schedule, epsModel, 'epsModel', shape, rng, options);
  const { variance = 'beta', greedy = false, onStep } = options;
  assertOneOf('ddpmSample', 'variance', variance, ['beta', 'betaTilde'] as const);
  assertBoolean('ddpmSample', 'greedy', greedy);
  return reverseChain(schedule, initialState('ddpmSample', shape, rng, options.xT), onStep, (x, t) => {
    const eps = epsModel(x, t);
    if (greedy) return greedyStep(schedule, x, t, eps);
    const z = t > 1 ? rng.normalTensor(shape) : tf.zerosLike(x);
    return ancestralStep(schedule, x, t, eps, z, variance);
  });
}

/** One step inside a tidy; if it throws (a refused argument, a guided chain that overflowed), the state x is freed too. */
function stepOrDispose(x: tf.Tensor, step: () => tf.Tensor): tf.Tensor {
  try {
    return tf.tidy(step);
  } catch (e) {
    x.dispose();
    throw e;
  }
}

/** Runs `step` (inside a tidy) for t = T..1 from x, disposing each superseded state. */
function reverseChain(schedule: NoiseSchedule, x: tf.Tensor, onStep: StepCallback | undefined, step: (x: tf.Tensor, t: number) => tf.Tensor): tf.Tensor {
  for (let t = schedule.T; t >= 1; t--) {
    const next = stepOrDispose(x, () => step(x, t));
    x.dispose();
    x = next;
    onStep?.({ t, next: t - 1, x });
  }
  return x;
}

/**
 * F1 + D7 — the DDPM sampler for a model that learned its variance: x_T ~ N(0, I), then t = T..1
 * {@link learnedVarianceStep}s, each with the model's per-example, per-element Σ_θ(x_t, t).
 *
 * ```tex
 * x_T\sim\mathcal N(0,I);\quad x_{t-1}=\mu_\theta(x_t,t)+\Sigma_\theta(x_t,t)^{1/2}z,\quad t=T,\dots,1
 * ```
 * Source: S1 (improved DDPM), Nichol & Dhariwal 2021 §3.1, Ho et al. 2020 Algorithm 2.
 * @param shape - the batch shape [B, …]
 */
export function ddpmSampleLearnedVariance(
  schedule: NoiseSchedule,
  model: EpsVarianceModel,
  shape: readonly number[],
  rng: Rng,
  options: { readonly xT?: tf.Tensor; readonly onStep?: StepCallback } = {},
): tf.Tensor {
  assertSamplerArgs('ddpmSampleLearnedVariance', schedule, model, 'model', shape, rng, options);
  return reverseChain(schedule, initialState('ddpmSampleLearnedVariance', shape, rng, options.xT), options.onStep, (x, t) => {
    const { eps, v } = model(x, t);
    const z = t > 1 ? rng.normalTensor(shape) : tf.zerosLike(x);
    return learnedVarianceStep(schedule, x, t, eps, v, z);
  });
}

/**
 * F4 — an increasing subsequence 1 = τ_1 < … < τ_S = T of S steps, evenly spaced (rounded), for DDIM; S = 1 gives [T].
 *
 * ```tex
 * \tau_i=\operatorname{round}\Big(1+\frac{(T-1)(i-1)}{S-1}\Big),\quad i=1,\dots,S
 * ```
 * Source: S1 (DDIM samples on a subsequence), Song et al. 2021 §4.2 (linear τ).
 * @param steps - S, an integer in 1..T
 */
export function ddimTimesteps(T: number, steps: number): number[] {
  assertCount('ddimTimesteps', 'T', T, 1);
  assertIntegerInRange('ddimTimesteps', 'steps', steps, 1, T);
  if (steps === 1) return [T];
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push(Math.round(1 + ((T - 1) * i) / (steps - 1)));
  return out;
}

/**
 * F4 — DDIM's noise scale for a jump from t to t' < t:
 * σ(η) = η √((1 − ᾱ_{t'})/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_{t'}). η = 1 on consecutive steps gives √β̃_t.
 *
 * ```tex
 * \sigma_t(\eta)=\eta\sqrt{\frac{1-\bar\alpha_{t'}}{1-\bar\alpha_t}}\sqrt{1-\frac{\bar\alpha_t}{\bar\alpha_{t'}}}
 * ```
 * Source: S1 (DDIM as the accelerator), Song et al. 2021 Eq. 16.
 * @param tPrev - t', an integer in 0..t−1
 */
export function ddimSigma(schedule: NoiseSchedule, t: number, tPrev: number, eta: number): number {
  assertStep('ddimSigma', schedule, t);
  assertStepOrZero('ddimSigma', schedule, tPrev, 'tPrev');
  if (tPrev >= t) throw new DomainError('ddimSigma', 'tPrev', `an integer in 0..${t - 1} (earlier than t)`, tPrev);
  assertInInterval('ddimSigma', 'eta', eta, 0, 1);
  // 1 − ᾱ and 1 − ᾱ_t/ᾱ_{t'} from log ᾱ, without the cancellation of the differences at small t or short jumps.
  let logRatio = 0;
  for (let s = tPrev + 1; s <= t; s++) logRatio += Math.log1p(-schedule.betas[s]!);
  const ratio = -Math.expm1(logRatio);
  return eta * Math.sqrt(oneMinusAlphaBar(schedule, tPrev) / oneMinusAlphaBar(schedule, t)) * Math.sqrt(ratio);
}

/**
 * F4 — one DDIM step from t to t' < t: x_{t'} = √ᾱ_{t'} x̂_0 + √(1 − ᾱ_{t'} − σ²) ε_θ + σ z.
 *
 * ```tex
 * x_{t'}=\sqrt{\bar\alpha_{t'}}\,\hat x_0+\sqrt{1-\bar\alpha_{t'}-\sigma^2}\,\varepsilon_\theta(x_t,t)+\sigma z,
 * \qquad \hat x_0=\frac{x_t-\sqrt{1-\bar\alpha_t}\,\varepsilon_\theta}{\sqrt{\bar\alpha_t}}
 * ```
 * Source: S1, S3 (DDIM heading), Song et al. 2021 Eq. 12.
 */
export function ddimStep(
  schedule: NoiseSchedule,
  xt: tf.Tensor,
  t: number,
  tPrev: number,
  epsPred: tf.Tensor,
  eta: number,
  z: tf.Tensor,
): tf.Tensor {
  assertStep('ddimStep', schedule, t);
  assertStepOrZero('ddimStep', schedule, tPrev, 'tPrev');
  if (tPrev >= t) throw new DomainError('ddimStep', 'tPrev', `an integer in 0..${t - 1} (earlier than t)`, tPrev);
  assertInInterval('ddimStep', 'eta', eta, 0, 1);
  assertBatched('ddimStep', 'xt', xt);
  assertSameTensorShape('ddimStep', 'xt', xt, 'epsPred', epsPred);
  assertSameTensorShape('ddimStep', 'xt', xt, 'z', z);
  const sigma = ddimSigma(schedule, t, tPrev, eta);
  const abPrev = schedule.alphaBars[tPrev]!;
  return tf.tidy(() => {
    const x0 = predictX0FromEps(schedule, xt, epsPred, t);
    const dir = tf.mul(epsPred, Math.sqrt(Math.max(1 - abPrev - sigma * sigma, 0)));
    return tf.add(tf.add(tf.mul(x0, Math.sqrt(abPrev)), dir), tf.mul(z, sigma));
  });
}

export interface DdimSampleOptions {
  /** The subsequence τ (increasing, in 1..T, ending at T unless `xT` is given); default: all steps. */
  readonly timesteps?: readonly number[];
  /** η in [0, 1]: 0 deterministic, 1 DDPM-like. Default 0. */
  readonly eta?: number;
  readonly xT?: tf.Tensor;
  readonly onStep?: StepCallback;
}

/**
 * F4 — the DDIM sampler over a subsequence τ_S > … > τ_1, ending at t' = 0 (x_0).
 *
 * ```tex
 * x_{\tau_S}\sim\mathcal N(0,I);\quad x_{\tau_{i-1}}=\text{F4 step}(x_{\tau_i},\tau_i\to\tau_{i-1}),\quad \tau_0=0
 * ```
 * Source: S1, S3 (DDIM heading), Song et al. 2021 Eq. 12 and §4.2.
 */
export function ddimSample(
  schedule: NoiseSchedule,
  epsModel: EpsModel,
  shape: readonly number[],
  rng: Rng,
  options: DdimSampleOptions = {},
): tf.Tensor {
  assertSamplerArgs('ddimSample', schedule, epsModel, 'epsModel', shape, rng, options);
  const eta = options.eta === undefined ? 0 : options.eta;
  assertInInterval('ddimSample', 'eta', eta, 0, 1);
  const taus = ddimSubsequence('ddimSample', schedule, options);
  return ddimChain(taus, initialState('ddimSample', shape, rng, options.xT), options.onStep, (x, t, tPrev) => {
    const eps = epsModel(x, t);
    const z = eta > 0 ? rng.normalTensor(shape) : tf.zerosLike(x);
    return ddimStep(schedule, x, t, tPrev, eps, eta, z);
  });
}

/** DDIM's subsequence τ from the options, checked (increasing, in 1..T, ending at T unless xT is given) in the name of `fn`. */
function ddimSubsequence(fn: string, schedule: NoiseSchedule, options: { readonly timesteps?: readonly number[]; readonly xT?: tf.Tensor }): readonly number[] {
  // Only undefined means "the default"; null is a mistake to report.
  if (options.timesteps === null) throw new DomainError(fn, 'timesteps', 'an increasing sequence in 1..T, or undefined for every step', null);
  const taus = options.timesteps ?? ddimTimesteps(schedule.T, schedule.T);
  if (!isNumberArray(taus)) throw new DomainError(fn, 'timesteps', 'a non-empty increasing sequence in 1..T', taus);
  if (taus.length === 0) throw new DomainError(fn, 'timesteps', 'a non-empty increasing sequence in 1..T', '[]');
  Array.from(taus).forEach((t, i) => {
    assertStep(fn, schedule, t, `timesteps[${i}]`);
    if (i > 0 && !(t > taus[i - 1]!)) throw new DomainError(fn, `timesteps[${i}]`, `greater than timesteps[${i - 1}] = ${taus[i - 1]} (strictly increasing)`, t);
  });
  // x ~ N(0, I) is x_T only: a subsequence ending below T needs its own starting state.
  if (!options.xT && taus.at(-1) !== schedule.T) {
    throw new DomainError(fn, 'timesteps', `a sequence ending at T = ${schedule.T} (or pass xT, the state at its last step)`, `a sequence ending at ${taus.at(-1)}`);
  }
  return taus;
}

/** Runs `step` (inside a tidy) from τ_S down to τ_1 → 0, disposing each superseded state. */
function ddimChain(taus: readonly number[], x: tf.Tensor, onStep: StepCallback | undefined, step: (x: tf.Tensor, t: number, tPrev: number) => tf.Tensor): tf.Tensor {
  for (let i = taus.length - 1; i >= 0; i--) {
    const t = taus[i]!;
    const tPrev = i > 0 ? taus[i - 1]! : 0;
    const next = stepOrDispose(x, () => step(x, t, tPrev));
    x.dispose();
    x = next;
    onStep?.({ t, next: tPrev, x });
  }
  return x;
}

/**
 * F5's log-classifier as the guided samplers take it: (x_t, t) ↦ Σ_b log p_φ(y_b | x_t,b, t), a scalar,
 * differentiable in x_t with tf.grad (the sum over the batch gives each example its own gradient).
 */
export type LogClassifier = (xt: tf.Tensor, t: number) => tf.Scalar;

export interface ClassifierGuidedSampleOptions {
  /** The guidance scale s ≥ 0 (0: the unguided sampler, bit for bit). */
  readonly scale: number;
  readonly xT?: tf.Tensor;
  readonly onStep?: StepCallback;
}

/**
 * A guided state, finite, or a DomainError naming the scale: the shift s σ² ∇ log p_φ compounds over the steps, and
 * a scale far beyond any useful one (s ≫ 100) can overflow float32 within a few steps.
 */
function assertGuidedState(fn: string, x: tf.Tensor, t: number, scale: number): tf.Tensor {
  const overflowed = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(x))).dataSync()[0]);
  if (overflowed) throw new DomainError(fn, 'scale', `a scale whose guided chain stays finite in float32 (it overflowed at step t = ${t})`, scale);
  return x;
}

/** The scale and the log-classifier, the arguments the guided samplers add to the unguided ones. */
function assertGuidance(fn: string, logClassifier: unknown, options: { readonly scale?: unknown }): number {
  assertFunction(fn, 'logClassifier', logClassifier);
  const scale = options.scale as number;
  // Every σ² here is at most 1, so s ≤ MAX_GUIDANCE keeps F5's bound s·σ² ≤ MAX_GUIDANCE.
  assertInInterval(fn, 'scale', scale, 0, MAX_GUIDANCE);
  return scale;
}

/**
 * F5 + F1 — classifier guidance on the ancestral DDPM sampler (Dhariwal & Nichol 2021 Algorithm 1): x_T ~ N(0, I),
 * then for t = T..1 x_{t−1} ~ N(μ_θ(x_t, t) + s σ_t² ∇_{x_t} log p_φ(y | x_t, t), σ_t² I), no noise at t = 1 (F2).
 * Each step is F1's {@link ancestralStep} (μ_θ + σ_t z) with F5's shift s σ_t² ∇ log p_φ added by
 * {@link classifierGuidedMean}: N(μ + δ, σ² I) is the unguided draw moved by δ. With the same generator, s = 0
 * gives {@link ddpmSample}'s samples bit for bit (the same draws in the same order, plus 0).
 *
 * ```tex
 * x_{t-1}=\mu_\theta(x_t,t)+s\,\sigma_t^2\,\nabla_{x_t}\log p_\phi(y\mid x_t,t)+\sigma_t z,\qquad t=T,\dots,1
 * ```
 * Source: S1 (classifier guidance), Dhariwal & Nichol 2021 Algorithm 1, Ho et al. 2020 Algorithm 2.
 * @param logClassifier - (x_t, t) ↦ Σ_b log p_φ(y_b | x_t, t) (see {@link LogClassifier})
 * @param options - scale s, σ_t² = β_t (default, as {@link ddpmSample}) or β̃_t (D6)
 */
export function classifierGuidedDdpmSample(
  schedule: NoiseSchedule,
  epsModel: EpsModel,
  logClassifier: LogClassifier,
  shape: readonly number[],
  rng: Rng,
  options: ClassifierGuidedSampleOptions & { readonly variance?: ReverseVarianceChoice },
): tf.Tensor {
  const fn = 'classifierGuidedDdpmSample';
  assertSamplerArgs(fn, schedule, epsModel, 'epsModel', shape, rng, options);
  const scale = assertGuidance(fn, logClassifier, options);
  const { variance = 'beta', onStep } = options;
  assertOneOf(fn, 'variance', variance, ['beta', 'betaTilde'] as const);
  return reverseChain(schedule, initialState(fn, shape, rng, options.xT), onStep, (x, t) => {
    const eps = epsModel(x, t);
    const z = t > 1 ? rng.normalTensor(shape) : tf.zerosLike(x);
    const unguided = ancestralStep(schedule, x, t, eps, z, variance);
    return assertGuidedState(fn, classifierGuidedMean(unguided, x, (v) => logClassifier(v, t), reverseVariance(schedule, t, variance), scale), t, scale);
  });
}

/**
 * F5 + F4 — classifier guidance on DDIM with η = 1 over a subsequence τ (the respaced sampling Dhariwal & Nichol
 * guide, 2021 §4 and Algorithm 1): each jump τ_i → τ_{i−1} is Gaussian with the known variance σ² = σ_{τ_i}(η = 1)²
 * of {@link ddimSigma} (on consecutive steps β̃_t, D6), so F5's shift s σ² ∇ log p_φ(y | x_τ, τ) applies to its mean.
 * Each step is F4's {@link ddimStep} at η = 1 with the shift added by {@link classifierGuidedMean}; the last jump
 * (to 0) has σ = 0 and is not guided. With the same generator, s = 0 gives {@link ddimSample} with η = 1 bit for bit.
 *
 * ```tex
 * x_{\tau_{i-1}}=\sqrt{\bar\alpha_{\tau_{i-1}}}\,\hat x_0+\sqrt{1-\bar\alpha_{\tau_{i-1}}-\sigma^2}\,\varepsilon_\theta+s\,\sigma^2\,\nabla\log p_\phi(y\mid x_{\tau_i},\tau_i)+\sigma z,\quad \sigma=\sigma_{\tau_i}(\eta=1)
 * ```
 * Source: S1 (classifier guidance, DDIM), Dhariwal & Nichol 2021 Algorithm 1 with their respaced steps, Song et al. 2021 Eq. 12.
 * @param options - scale s, the subsequence τ (default: every step), xT, onStep
 */
export function classifierGuidedDdimSample(
  schedule: NoiseSchedule,
  epsModel: EpsModel,
  logClassifier: LogClassifier,
  shape: readonly number[],
  rng: Rng,
  options: ClassifierGuidedSampleOptions & { readonly timesteps?: readonly number[] },
): tf.Tensor {
  const fn = 'classifierGuidedDdimSample';
  assertSamplerArgs(fn, schedule, epsModel, 'epsModel', shape, rng, options);
  const scale = assertGuidance(fn, logClassifier, options);
  const taus = ddimSubsequence(fn, schedule, options);
  return ddimChain(taus, initialState(fn, shape, rng, options.xT), options.onStep, (x, t, tPrev) => {
    const eps = epsModel(x, t);
    const z = rng.normalTensor(shape);
    const unguided = ddimStep(schedule, x, t, tPrev, eps, 1, z);
    const sigma = ddimSigma(schedule, t, tPrev, 1);
    return assertGuidedState(fn, classifierGuidedMean(unguided, x, (v) => logClassifier(v, t), sigma * sigma, scale), t, scale);
  });
}
