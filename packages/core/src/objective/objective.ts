/**
 * The training objective (catalogue E1–E6): from the variational bound to the simple ε-prediction loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reconstructionLoss, type Reduction } from '../autoencoder/losses.js';
import { qSample } from '../forward/forward.js';
import { gaussianLogPdf } from '../probability/gaussian.js';
import { logGaussian } from '../probability/log-density.js';
import { klDiagonalGaussianTerm, klGaussianTerm } from '../probability/kl-terms.js';
import { learnedLogVariance, posteriorMean, posteriorMeanCoefficients, posteriorMeanFromEps, posteriorVariance } from '../posterior/posterior.js';
import { assertSchedule, assertStep, oneMinusAlphaBar, type NoiseSchedule } from '../schedule/schedule.js';
import { assertBatched, assertSameTensorShape, assertSteps, coefficientTable, perExample, type Steps } from '../util/tensor.js';
import { assertFinite, assertFiniteArray, assertFiniteResult, assertFunction, assertInInterval, assertIntegerInRange, assertNonNegative, assertObject, assertPositive, assertSameLength, DomainError } from '../util/validate.js';

/** A diagonal variance: one σ² for every coordinate, or one per coordinate. */
export type DiagonalVariance = number | ArrayLike<number>;

function assertVariance(fn: string, arg: string, v: DiagonalVariance, like: ArrayLike<number>): void {
  if (typeof v === 'number') {
    assertPositive(fn, arg, v);
    return;
  }
  assertFiniteArray(fn, arg, v);
  assertSameLength(fn, 'x0', like, arg, v);
  for (let i = 0; i < v.length; i++) assertPositive(fn, `${arg}[${i}]`, v[i]!);
}

/**
 * E1 — one term L_{t−1} of the bound for a single draw x_t (t = 2..T): the KL from the true posterior
 * q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I) (D2, D3) to the model's step N(μ_θ, diag σ²), summed over coordinates (A10).
 *
 * ```tex
 * L_{t-1}=KL\big(\mathcal N(\tilde\mu_t(x_t,x_0),\tilde\beta_t I)\,\big\|\,\mathcal N(\mu_\theta(x_t,t),\operatorname{diag}\sigma_t^2)\big)
 * ```
 * Source: S0 (the bound before Algorithm 1; 公式9 for μ̃, β̃), S3 (ELBO of DDPM), Ho et al. 2020 Eq. 5.
 * @param t - step in 2..T (at t = 1 the posterior is a point mass; that step is L_0, {@link gaussianDecoderTerm})
 * @param x0 - x_0, d finite coordinates
 * @param xt - x_t, same length
 * @param muTheta - μ_θ(x_t, t), same length
 * @param sigma2 - σ_t² > 0, scalar or per coordinate
 */
export function vlbTerm(
  schedule: NoiseSchedule,
  t: number,
  x0: ArrayLike<number>,
  xt: ArrayLike<number>,
  muTheta: ArrayLike<number>,
  sigma2: DiagonalVariance,
): number {
  const fn = 'vlbTerm';
  assertStep(fn, schedule, t);
  if (t < 2) throw new DomainError(fn, 't', `an integer in 2..${schedule.T} (t = 1 is the decoder term L_0)`, t);
  assertFiniteArray(fn, 'x0', x0);
  assertFiniteArray(fn, 'xt', xt);
  assertFiniteArray(fn, 'muTheta', muTheta);
  assertSameLength(fn, 'x0', x0, 'xt', xt);
  assertSameLength(fn, 'x0', x0, 'muTheta', muTheta);
  assertVariance(fn, 'sigma2', sigma2, x0);
  const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
  const muTilde = Float64Array.from(x0, (x, i) => x0Coef * x + xtCoef * xt[i]!);
  assertFiniteArray(fn, 'x0, xt', muTilde);
  return assertFiniteResult(fn, 'x0, xt, muTheta', klDiagonalGaussianTerm(muTilde, posteriorVariance(schedule, t), muTheta, sigma2), 'KL');
}

/**
 * E1 — the prior term L_T = KL(q(x_T | x_0) ‖ N(0, I)): no parameters in DDPM, so a constant of training; it is
 * small when ᾱ_T ≈ 0 (C6).
 *
 * ```tex
 * L_T=KL\big(\mathcal N(\sqrt{\bar\alpha_T}\,x_0,(1-\bar\alpha_T)I)\,\big\|\,\mathcal N(0,I)\big)
 * ```
 * Source: S0 (the bound before Algorithm 1), S3, Ho et al. 2020 Eq. 5.
 * @param x0 - x_0, d finite coordinates
 */
export function priorTerm(schedule: NoiseSchedule, x0: ArrayLike<number>): number {
  assertSchedule('priorTerm', schedule);
  assertFiniteArray('priorTerm', 'x0', x0);
  const ab = schedule.alphaBars[schedule.T]!;
  return assertFiniteResult('priorTerm', 'x0', klDiagonalGaussianTerm(Float64Array.from(x0, (x) => Math.sqrt(ab) * x), 1 - ab, new Float64Array(x0.length), 1), 'KL');
}

/**
 * E1 — the decoder term L_0 = −log p_θ(x_0 | x_1) for a single draw x_1, with a CONTINUOUS Gaussian decoder
 * N(μ_θ(x_1, 1), diag σ_1²) (a density in nats; DDPM instead discretises it to the 256 pixel bins, Ho et al. Eq. 13).
 *
 * ```tex
 * L_0=-\log\mathcal N\big(x_0;\ \mu_\theta(x_1,1),\ \operatorname{diag}\sigma_1^2\big)
 * ```
 * Source: S0 (the bound before Algorithm 1), S3, Ho et al. 2020 Eq. 5.
 * @param x0 - x_0, d finite coordinates
 * @param muTheta - μ_θ(x_1, 1), same length
 * @param sigma2 - σ_1² > 0, scalar or per coordinate
 */
export function gaussianDecoderTerm(x0: ArrayLike<number>, muTheta: ArrayLike<number>, sigma2: DiagonalVariance): number {
  const fn = 'gaussianDecoderTerm';
  assertFiniteArray(fn, 'x0', x0);
  assertFiniteArray(fn, 'muTheta', muTheta);
  assertSameLength(fn, 'x0', x0, 'muTheta', muTheta);
  assertVariance(fn, 'sigma2', sigma2, x0);
  let s = 0; // −Σ log N(x0_i; μθ_i, σ²_i), summed as diagonalGaussianLogPdf does
  for (let i = 0; i < x0.length; i++) s += logGaussian(x0[i]!, muTheta[i]!, typeof sigma2 === 'number' ? sigma2 : sigma2[i]!);
  return -assertFiniteResult(fn, 'x0, muTheta', s, 'log-density');
}

/**
 * E1 — the bound's term for each example at its own step, on tensors, for a model step N(μ_θ, diag Σ_θ) with
 * μ_θ the ε-form mean (D5) and a per-element log Σ_θ (D7): the KL of {@link vlbTerm} where t > 1 and the continuous
 * decoder NLL of {@link gaussianDecoderTerm} where t = 1, each summed over coordinates (nats). Both are
 * ½(log Σ + (β̃_t + (μ̃_t − μ_θ)²)/Σ) + c_t per coordinate, since μ̃_1 = x_0 and β̃_1 = 0; only the constant differs.
 *
 * ```tex
 * L_{t-1}=\sum_i\Big[\tfrac12\log\frac{\Sigma_i}{\tilde\beta_t}+\frac{\tilde\beta_t+(\tilde\mu_{t,i}-\mu_{\theta,i})^2}{2\Sigma_i}-\tfrac12\Big]\ (t>1),
 * \qquad L_0=\sum_i\Big[\tfrac12\log(2\pi\Sigma_i)+\frac{(x_{0,i}-\mu_{\theta,i})^2}{2\Sigma_i}\Big]
 * ```
 * Source: S0 (the bound before Algorithm 1), S1 (improved DDPM trains Σ with it), Ho et al. 2020 Eq. 5,
 * Nichol & Dhariwal 2021 Eq. 4–6.
 * @param x0 - x_0, shape [B, …]
 * @param xt - x_t, same shape
 * @param t - step(s) in 1..T, one for the batch or one per example
 * @param epsPred - ε_θ(x_t, t), same shape
 * @param logVariance - log Σ_θ(x_t, t), same shape (e.g. {@link learnedLogVariance})
 * @returns [B], one term per example
 */
export function perExampleVlbTerm(
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  xt: tf.Tensor,
  t: Steps,
  epsPred: tf.Tensor,
  logVariance: tf.Tensor,
): tf.Tensor1D {
  assertSchedule('perExampleVlbTerm', schedule);
  const fn = 'perExampleVlbTerm';
  assertBatched(fn, 'x0', x0);
  assertSameTensorShape(fn, 'x0', x0, 'xt', xt);
  assertSameTensorShape(fn, 'x0', x0, 'epsPred', epsPred);
  assertSameTensorShape(fn, 'x0', x0, 'logVariance', logVariance);
  const betaTilde = coefficientTable(schedule, 'betaTilde', (s) => posteriorVariance(schedule, s));
  const offset = coefficientTable(schedule, 'vlbOffset', (s) => (s === 1 ? 0.5 * Math.log(2 * Math.PI) : -0.5 * (Math.log(posteriorVariance(schedule, s)) + 1)));
  const [B, rank] = [x0.shape[0]!, x0.rank];
  return tf.tidy(() => {
    const bt = perExample(fn, schedule, betaTilde, t, B, rank);
    const c = perExample(fn, schedule, offset, t, B, rank);
    const gap = tf.sub(posteriorMean(schedule, x0, xt, t), posteriorMeanFromEps(schedule, xt, epsPred, t));
    const perElement = tf.add(tf.mul(tf.add(logVariance, tf.mul(tf.add(tf.square(gap), bt), tf.exp(tf.neg(logVariance)))), 0.5), c);
    return tf.sum(tf.reshape(perElement, [B, -1]), 1) as tf.Tensor1D;
  });
}

// Identity forward, zero gradient: tfjs has no stopGradient op.
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * D7 — improved DDPM's hybrid objective L_hybrid = L_simple + λ L_vlb for a model that outputs ε_θ and the variance
 * weight v. The mean enters L_vlb through a stop-gradient, so L_vlb trains only Σ_θ and L_simple alone trains ε_θ.
 * L_vlb = Σ_t L_{t−1} is estimated by T · L_{t−1} at each example's (uniform) t, averaged over the batch and over
 * coordinates, in bits (÷ ln 2) as in the paper: with λ = 0.001 and T = 1000 the vlb term's weight is 1.
 *
 * ```tex
 * L_{hybrid}=L_{simple}+\lambda L_{vlb},\qquad L_{vlb}=\sum_{t}L_{t-1}\big(\mathrm{sg}[\mu_\theta],\Sigma_\theta\big),\quad\lambda=0.001
 * ```
 * Source: S1 (improved DDPM), Nichol & Dhariwal 2021 §3.1 (Eq. 16 and the stop-gradient on μ_θ).
 * @param x0 - x_0, shape [B, …]
 * @param t - step(s) in 1..T (those x_t was drawn at)
 * @param eps - the noise that made x_t (the L_simple target)
 * @param epsPred - ε_θ(x_t, t)
 * @param v - the model's interpolation weight, same shape ({@link learnedLogVariance})
 * @param lambda - λ ≥ 0 (default 0.001)
 */
export function hybridLoss(
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  xt: tf.Tensor,
  t: Steps,
  eps: tf.Tensor,
  epsPred: tf.Tensor,
  v: tf.Tensor,
  lambda = 0.001,
): tf.Scalar {
  assertSchedule('hybridLoss', schedule);
  assertBatched('hybridLoss', 'x0', x0);
  for (const [name, y] of [['xt', xt], ['eps', eps], ['epsPred', epsPred], ['v', v]] as const) assertSameTensorShape('hybridLoss', 'x0', x0, name, y);
  assertSteps('hybridLoss', schedule, t, x0.shape[0]!);
  assertFinite('hybridLoss', 'lambda', lambda);
  assertNonNegative('hybridLoss', 'lambda', lambda);
  // IDDPM uses λ = 0.001; past 10^6 the float32 loss λ·T·L_vlb overflows.
  assertInInterval('hybridLoss', 'lambda', lambda, 0, 1e6);
  const perCoordinate = reductionRatio(x0.shape);
  return tf.tidy(() => {
    const simple = simpleLoss(eps, epsPred);
    const vlb = perExampleVlbTerm(schedule, x0, xt, t, stopGradient(epsPred) as tf.Tensor, learnedLogVariance(schedule, t, v));
    const weight = (lambda * schedule.T) / (perCoordinate * Math.LN2);
    return tf.add(simple, tf.mul(tf.mean(vlb), weight)) as tf.Scalar;
  });
}

/** A linear-Gaussian reverse step p_θ(x_{t−1} | x_t) = N(intercept + slope · x_t, variance), one coordinate. */
export interface LinearGaussianReverseStep {
  readonly slope: number;
  readonly intercept: number;
  readonly variance: number;
}

/** The terms of the variational bound (nats, one coordinate). */
export interface VariationalBoundTerms {
  /** L_T = KL(q(x_T | x_0) ‖ p(x_T)). */
  readonly LT: number;
  /** L_{t−1} for t = 2..T at index t (entries 0 and 1 unused, NaN). */
  readonly Lt: Float64Array;
  /** L_0 = E_q[−log p_θ(x_0 | x_1)] with a continuous Gaussian decoder (DDPM discretises it to 256 bins instead). */
  readonly L0: number;
  /** L_T + Σ L_{t−1} + L_0. */
  readonly total: number;
}

/**
 * E1 — the variational bound for one coordinate x_0, with every expectation over q(x_{1:T} | x_0) taken in closed
 * form, for a reverse model whose steps are linear-Gaussian in x_t (the optimal model for Gaussian data is one).
 * L(x_0) ≥ −log p_θ(x_0), with equality when p_θ's joint equals q's.
 *
 * ```tex
 * L=\underbrace{KL(q(x_T\mid x_0)\,\|\,p(x_T))}_{L_T}+\sum_{t>1}\underbrace{\mathbb E_q\,KL(q(x_{t-1}\mid x_t,x_0)\,\|\,p_\theta(x_{t-1}\mid x_t))}_{L_{t-1}}
 *   \underbrace{-\,\mathbb E_q\log p_\theta(x_0\mid x_1)}_{L_0}
 * ```
 * Source: S0 (the bound before Algorithm 1), S3 (ELBO of DDPM), Ho et al. 2020 Eq. 5.
 * @param reverse - t ↦ p_θ(x_{t−1} | x_t) for t = 1..T
 * @param prior - p(x_T), N(0, 1) in DDPM
 */
export function variationalBound(
  schedule: NoiseSchedule,
  x0: number,
  reverse: (t: number) => LinearGaussianReverseStep,
  prior: { mean: number; variance: number } = { mean: 0, variance: 1 },
): VariationalBoundTerms {
  assertSchedule('variationalBound', schedule);
  assertFinite('variationalBound', 'x0', x0);
  assertFunction('variationalBound', 'reverse', reverse);
  assertObject('variationalBound', 'prior', prior);
  assertFinite('variationalBound', 'prior.mean', prior.mean);
  assertPositive('variationalBound', 'prior.variance', prior.variance);
  const { alphaBars } = schedule;
  const T = schedule.T;
  const LT = klGaussianTerm(Math.sqrt(alphaBars[T]!) * x0, 1 - alphaBars[T]!, prior.mean, prior.variance);
  const Lt = new Float64Array(T + 1).fill(Number.NaN);
  let total = LT;
  for (let t = 2; t <= T; t++) {
    const p = checkedStep(reverse, t);
    const { x0Coef, xtCoef } = posteriorMeanCoefficients(schedule, t);
    const bt = posteriorVariance(schedule, t);
    // μ̃ − μ_θ = A + B x_t with x_t ~ N(√ᾱ_t x_0, 1 − ᾱ_t): E[(A + B x_t)²] = (A + B√ᾱ_t x_0)² + B²(1 − ᾱ_t).
    const A = x0Coef * x0 - p.intercept;
    const B = xtCoef - p.slope;
    const meanSq = (A + B * Math.sqrt(alphaBars[t]!) * x0) ** 2 + B * B * (1 - alphaBars[t]!);
    // A9 with the squared mean difference replaced by its expectation.
    Lt[t] = 0.5 * Math.log(p.variance / bt) + (bt + meanSq) / (2 * p.variance) - 0.5;
    total += Lt[t]!;
  }
  const p1 = checkedStep(reverse, 1);
  // −E log N(x_0; a + b x_1, v) with x_1 ~ N(√ᾱ_1 x_0, 1 − ᾱ_1).
  const resid = x0 - p1.intercept - p1.slope * Math.sqrt(alphaBars[1]!) * x0;
  const L0 = -gaussianLogPdf(0, 0, p1.variance) + (resid * resid + p1.slope ** 2 * (1 - alphaBars[1]!)) / (2 * p1.variance);
  total += L0;
  assertFiniteResult('variationalBound', 'x0', total, 'bound');
  return { LT, Lt, L0, total };
}

function checkedStep(reverse: (t: number) => LinearGaussianReverseStep, t: number): LinearGaussianReverseStep {
  const p = reverse(t);
  assertFinite('variationalBound', `reverse(${t}).slope`, p.slope);
  assertFinite('variationalBound', `reverse(${t}).intercept`, p.intercept);
  assertPositive('variationalBound', `reverse(${t}).variance`, p.variance);
  return p;
}

/**
 * The exact reverse conditionals q(x_{t−1} | x_t) of the forward process when the data are N(m, s²): every pair
 * (x_{t−1}, x_t) is jointly Gaussian, so each is linear-Gaussian. With these as p_θ (and p(x_T) = q(x_T)) the
 * bound E1 is tight. Used to check E1 and by the notebooks.
 */
export function gaussianDataReverseStep(schedule: NoiseSchedule, dataMean: number, dataVariance: number, t: number): LinearGaussianReverseStep {
  assertStep('gaussianDataReverseStep', schedule, t);
  assertFinite('gaussianDataReverseStep', 'dataMean', dataMean);
  assertPositive('gaussianDataReverseStep', 'dataVariance', dataVariance);
  const { alphaBars, alphas } = schedule;
  const marginalVar = (s: number) => alphaBars[s]! * dataVariance + 1 - alphaBars[s]!;
  const marginalMean = (s: number) => Math.sqrt(alphaBars[s]!) * dataMean;
  const vPrev = marginalVar(t - 1);
  const vT = marginalVar(t);
  const slope = (Math.sqrt(alphas[t]!) * vPrev) / vT; // Cov(x_{t−1}, x_t) / Var(x_t)
  const intercept = assertFiniteResult('gaussianDataReverseStep', 'dataMean', marginalMean(t - 1) - slope * marginalMean(t), 'intercept');
  return { slope, intercept, variance: assertFiniteResult('gaussianDataReverseStep', 'dataVariance', vPrev - slope * slope * vT, 'variance') };
}

/**
 * E2 — between Gaussians of equal variance σ², KL(N(μ̃, σ²) ‖ N(μ_θ, σ²)) = ‖μ̃ − μ_θ‖² / 2σ²; with the posterior's
 * own variance β̃_t ≠ σ² the difference is a constant that does not depend on θ.
 *
 * ```tex
 * L_{t-1}=\frac{1}{2\sigma_t^2}\big\|\tilde\mu_t(x_t,x_0)-\mu_\theta(x_t,t)\big\|^2+C
 * ```
 * Source: S0 (after 公式12), S3, Ho et al. 2020 Eq. 8.
 */
export function equalVarianceGaussianKl(muTilde: ArrayLike<number>, muTheta: ArrayLike<number>, sigma2: number): number {
  assertFiniteArray('equalVarianceGaussianKl', 'muTilde', muTilde);
  assertFiniteArray('equalVarianceGaussianKl', 'muTheta', muTheta);
  assertSameLength('equalVarianceGaussianKl', 'muTilde', muTilde, 'muTheta', muTheta);
  assertPositive('equalVarianceGaussianKl', 'sigma2', sigma2);
  let s = 0;
  for (let i = 0; i < muTilde.length; i++) s += (muTilde[i]! - muTheta[i]!) ** 2;
  return assertFiniteResult('equalVarianceGaussianKl', 'muTilde, muTheta, sigma2', s / (2 * sigma2), 'KL');
}

/**
 * E3 — the weight in front of ‖ε − ε_θ‖² once both means are written in ε-form (D5):
 * β_t² / (2σ_t² α_t (1 − ᾱ_t)).
 *
 * ```tex
 * L_{t-1}-C=\frac{\beta_t^2}{2\sigma_t^2\,\alpha_t\,(1-\bar\alpha_t)}\,\big\|\varepsilon-\varepsilon_\theta(x_t,t)\big\|^2
 * ```
 * Source: S0 (公式12 into the KL), Ho et al. 2020 Eq. 12.
 */
export function epsilonLossWeight(schedule: NoiseSchedule, t: number, sigma2: number): number {
  assertStep('epsilonLossWeight', schedule, t);
  assertPositive('epsilonLossWeight', 'sigma2', sigma2);
  const b = schedule.betas[t]!;
  return assertFiniteResult('epsilonLossWeight', 'sigma2', (b * b) / (2 * sigma2 * schedule.alphas[t]! * oneMinusAlphaBar(schedule, t)), 'weight'); // 1 − ᾱ_t without cancellation
}

/**
 * E4 — the simple loss L_simple = ‖ε − ε_θ(x_t, t)‖² with the E3 weight dropped, on tensors. DDPM averages over
 * every element (`'meanOverAll'`, the default); S4 sums over pixels and averages over the batch (see E6).
 *
 * ```tex
 * L_{simple}=\mathbb E_{t,x_0,\varepsilon}\big\|\varepsilon-\varepsilon_\theta\big(\sqrt{\bar\alpha_t}x_0+\sqrt{1-\bar\alpha_t}\,\varepsilon,\ t\big)\big\|^2
 * ```
 * Source: S0 Algorithm 1, S2, S4 (its loss), Ho et al. 2020 Eq. 14.
 */
export function simpleLoss(eps: tf.Tensor, epsPred: tf.Tensor, reduction: Reduction = 'meanOverAll'): tf.Scalar {
  assertBatched('simpleLoss', 'eps', eps);
  assertSameTensorShape('simpleLoss', 'eps', eps, 'epsPred', epsPred);
  if (reduction !== 'meanOverAll' && reduction !== 'sumPerExampleMeanOverBatch') {
    throw new DomainError('simpleLoss', 'reduction', "'sumPerExampleMeanOverBatch' or 'meanOverAll'", String(reduction));
  }
  // The same squared error with the same two reductions as B1: one implementation serves both.
  return reconstructionLoss(eps, epsPred, reduction);
}

/**
 * E4 — one training example of Algorithm 1: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, to be fed to ε_θ(x_t, t) with target ε.
 * The caller draws t uniformly from 1..T and ε ~ N(0, I) (randomness passed in).
 */
export function trainingInput(schedule: NoiseSchedule, x0: tf.Tensor, t: Steps, eps: tf.Tensor): tf.Tensor {
  assertSchedule('trainingInput', schedule);
  assertBatched('trainingInput', 'x0', x0);
  assertSameTensorShape('trainingInput', 'x0', x0, 'eps', eps);
  assertSteps('trainingInput', schedule, t, x0.shape[0]!);
  return qSample(schedule, x0, t, eps);
}

/**
 * E6 — the factor between the two batch conventions: S4's per-example sum averaged over the batch equals
 * DDPM's mean over all elements times the number of elements per example.
 */
export function reductionRatio(shape: readonly number[]): number {
  // Dimensions up to 2^31 − 1 (tfjs's limit) and a size that is a safe integer.
  if (!Array.isArray(shape) || shape.length < 1 || shape.some((d) => !Number.isInteger(d) || d < 1 || d >= 2 ** 31) || !Number.isSafeInteger(shape.reduce((a, b) => a * b, 1))) {
    throw new DomainError('reductionRatio', 'shape', 'a shape [B, …] of positive integers', shape);
  }
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** S2's symbols in this project's notation (FORMULAS §N): a_t = √α_t, b_t = √β_t, ā_t = √ᾱ_t, b̄_t = √(1 − ᾱ_t). */
function s2Symbols(schedule: NoiseSchedule, t: number) {
  return {
    a: Math.sqrt(schedule.alphas[t]!),
    b: Math.sqrt(schedule.betas[t]!),
    aBar: Math.sqrt(schedule.alphaBars[t]!),
    bBar: Math.sqrt(1 - schedule.alphaBars[t]!),
    bBarPrev: Math.sqrt(1 - schedule.alphaBars[t - 1]!),
  };
}

/**
 * E5 — S2's starting point: match the step back, ‖x_{t−1} − μ(x_t)‖² with x_t = a_t x_{t−1} + b_t ε_t and
 * μ(x_t) = (x_t − b_t ε_θ(x_t, t)) / a_t; it equals (b_t²/a_t²) ‖ε_t − ε_θ‖² (in our notation β_t/α_t).
 * S2's α_t, β_t are our √α_t, √β_t (FORMULAS §N): a_t = √α_t, b_t = √β_t.
 *
 * ```tex
 * \big\|x_{t-1}-\mu(x_t)\big\|^2=\frac{b_t^2}{a_t^2}\big\|\varepsilon_t-\epsilon_\theta(x_t,t)\big\|^2,\qquad \mu(x_t)=\frac1{a_t}\big(x_t-b_t\,\epsilon_\theta(x_t,t)\big)
 * ```
 * Source: S2 (section "又如何建").
 * @param xPrev - x_{t−1}, d finite coordinates
 * @param epsT - ε_t, same length
 */
export function s2MeanMatchingLoss(
  schedule: NoiseSchedule,
  t: number,
  xPrev: ArrayLike<number>,
  epsT: ArrayLike<number>,
  epsTheta: (xt: Float64Array, t: number) => ArrayLike<number>,
): number {
  const fn = 's2MeanMatchingLoss';
  assertStep(fn, schedule, t);
  assertFiniteArray(fn, 'xPrev', xPrev);
  assertFiniteArray(fn, 'epsT', epsT);
  assertSameLength(fn, 'xPrev', xPrev, 'epsT', epsT);
  assertFunction(fn, 'epsTheta', epsTheta);
  const { a, b } = s2Symbols(schedule, t);
  const xt = Float64Array.from(xPrev, (x, i) => a * x + b * epsT[i]!);
  const pred = epsTheta(xt, t);
  assertFiniteArray(fn, 'epsTheta(x_t)', pred);
  assertSameLength(fn, 'xPrev', xPrev, 'epsTheta(x_t)', pred);
  let s = 0;
  for (let i = 0; i < xt.length; i++) s += (xPrev[i]! - (xt[i]! - b * pred[i]!) / a) ** 2;
  return assertFiniteResult(fn, 'xPrev, epsT', s, 'loss');
}

/**
 * E5 — S2's first estimator of the per-step loss, with two noises: build
 * x_t = ā_t x_0 + a_t b̄_{t−1} ε̄_{t−1} + b_t ε_t and score ‖ε_t − ε_θ(x_t, t)‖² (S2's α_t, β_t are our √α_t, √β_t:
 * a_t = √α_t, b_t = √β_t, ā_t = √ᾱ_t, b̄_t = √(1 − ᾱ_t)). Needs t >= 2. One coordinate array per call.
 *
 * ```tex
 * \ell_1=\big\|\varepsilon_t-\epsilon_\theta\big(\bar a_t x_0+a_t\bar b_{t-1}\bar\varepsilon_{t-1}+b_t\varepsilon_t,\ t\big)\big\|^2
 * ```
 * Source: S2 (section "降低方差", the loss it starts from).
 */
export function s2TwoNoiseLoss(
  schedule: NoiseSchedule,
  t: number,
  x0: ArrayLike<number>,
  epsBarPrev: ArrayLike<number>,
  epsT: ArrayLike<number>,
  epsTheta: (xt: Float64Array, t: number) => ArrayLike<number>,
): number {
  assertS2Step('s2TwoNoiseLoss', schedule, t);
  assertFiniteArray('s2TwoNoiseLoss', 'x0', x0);
  assertFiniteArray('s2TwoNoiseLoss', 'epsBarPrev', epsBarPrev);
  assertFiniteArray('s2TwoNoiseLoss', 'epsT', epsT);
  assertSameLength('s2TwoNoiseLoss', 'x0', x0, 'epsBarPrev', epsBarPrev);
  assertSameLength('s2TwoNoiseLoss', 'x0', x0, 'epsT', epsT);
  assertFunction('s2TwoNoiseLoss', 'epsTheta', epsTheta);
  const { a, b, aBar, bBarPrev } = s2Symbols(schedule, t);
  const xt = Float64Array.from(x0, (x, i) => aBar * x + a * bBarPrev * epsBarPrev[i]! + b * epsT[i]!);
  const pred = epsTheta(xt, t);
  assertFiniteArray('s2TwoNoiseLoss', 'epsTheta(x_t)', pred);
  assertSameLength('s2TwoNoiseLoss', 'x0', x0, 'epsTheta(x_t)', pred);
  let s = 0;
  for (let i = 0; i < xt.length; i++) s += (epsT[i]! - pred[i]!) ** 2;
  return assertFiniteResult('s2TwoNoiseLoss', 'epsT', s, 'loss');
}

/**
 * E5 — S2's second estimator: rotate (ε̄_{t−1}, ε_t) into independent (ε, ω) with
 * b_t ε_t + a_t b̄_{t−1} ε̄_{t−1} = b̄_t ε, integrate ω out in closed form; one noise remains:
 * E_ω ‖ε_t − ε_θ‖² = ‖(b_t/b̄_t) ε − ε_θ(x_t)‖² + (a_t b̄_{t−1}/b̄_t)² d, with x_t = ā_t x_0 + b̄_t ε.
 * Same expectation as {@link s2TwoNoiseLoss}, smaller variance.
 *
 * ```tex
 * \ell_2=\Big\|\frac{b_t}{\bar b_t}\varepsilon-\epsilon_\theta(\bar a_t x_0+\bar b_t\varepsilon,\ t)\Big\|^2+\frac{a_t^2\bar b_{t-1}^2}{\bar b_t^2}\,d
 * ```
 * Source: S2 (section "降低方差", the integration trick).
 */
export function s2RotatedLoss(
  schedule: NoiseSchedule,
  t: number,
  x0: ArrayLike<number>,
  eps: ArrayLike<number>,
  epsTheta: (xt: Float64Array, t: number) => ArrayLike<number>,
): number {
  assertS2Step('s2RotatedLoss', schedule, t);
  assertFiniteArray('s2RotatedLoss', 'x0', x0);
  assertFiniteArray('s2RotatedLoss', 'eps', eps);
  assertSameLength('s2RotatedLoss', 'x0', x0, 'eps', eps);
  assertFunction('s2RotatedLoss', 'epsTheta', epsTheta);
  const { a, b, aBar, bBar, bBarPrev } = s2Symbols(schedule, t);
  const xt = Float64Array.from(x0, (x, i) => aBar * x + bBar * eps[i]!);
  const pred = epsTheta(xt, t);
  assertFiniteArray('s2RotatedLoss', 'epsTheta(x_t)', pred);
  assertSameLength('s2RotatedLoss', 'x0', x0, 'epsTheta(x_t)', pred);
  let s = 0;
  for (let i = 0; i < xt.length; i++) s += ((b / bBar) * eps[i]! - pred[i]!) ** 2;
  return assertFiniteResult('s2RotatedLoss', 'eps', s + ((a * bBarPrev) / bBar) ** 2 * xt.length, 'loss');
}

function assertS2Step(fn: string, schedule: NoiseSchedule, t: number): void {
  assertStep(fn, schedule, t);
  if (t < 2) throw new DomainError(fn, 't', `an integer in 2..${schedule.T} (ε̄_{t−1} needs t − 1 >= 1)`, t);
}
