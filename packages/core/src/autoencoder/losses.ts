/**
 * B1–B6 — the autoencoder family's losses and plumbing on tensors (S4's AE, VAE, CVAE; S3's VAE).
 * Batch axis first; "per-example" sums run over every other axis.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertBatched, assertSameTensorShape, assertTensor } from '../util/tensor.js';
import { assertFiniteArray, assertFunction, assertOneOf, DomainError } from '../util/validate.js';

/** How a per-example loss is reduced over the batch (see E6 for the same choice in diffusion). */
export type Reduction = 'sumPerExampleMeanOverBatch' | 'meanOverAll';

function nonBatchAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
}

/** The encoder's output has one row per example of x (a batch of 1 would otherwise broadcast silently). */
function assertSameBatch(fn: string, x: tf.Tensor, mu: tf.Tensor): void {
  assertBatched(fn, 'mu', mu);
  if (mu.shape[0] !== x.shape[0]) {
    throw new DomainError(fn, 'mu', `a tensor with the batch size of 'x' (${x.shape[0]})`, `shape [${mu.shape.join(', ')}]`);
  }
}

/**
 * B1 — AE reconstruction loss: squared pixel errors summed per example, averaged over the batch (S4's code);
 * `'meanOverAll'` averages over every element instead (differs by the number of elements per example).
 *
 * ```tex
 * \mathcal L_{AE}=\frac1B\sum_{b=1}^{B}\sum_{i}\big(x_{b,i}-\hat x_{b,i}\big)^2
 * ```
 * Source: S4 (AutoEncoderModel's loss).
 */
export function reconstructionLoss(x: tf.Tensor, xHat: tf.Tensor, reduction: Reduction = 'sumPerExampleMeanOverBatch'): tf.Scalar {
  assertBatched('reconstructionLoss', 'x', x);
  assertSameTensorShape('reconstructionLoss', 'x', x, 'xHat', xHat);
  assertOneOf('reconstructionLoss', 'reduction', reduction, ['sumPerExampleMeanOverBatch', 'meanOverAll'] as const);
  return tf.tidy(() => {
    const sq = tf.squaredDifference(x, xHat);
    if (reduction === 'meanOverAll') return tf.mean(sq) as tf.Scalar;
    if (reduction === 'sumPerExampleMeanOverBatch') return tf.mean(x.rank > 1 ? tf.sum(sq, nonBatchAxes(x)) : sq) as tf.Scalar;
    throw new DomainError('reconstructionLoss', 'reduction', "'sumPerExampleMeanOverBatch' or 'meanOverAll'", reduction);
  });
}

/**
 * B3 — the reparameterisation trick: z = μ + exp(½ log σ²) · ε, ε ~ N(0, I) passed in, so gradients flow to μ and
 * log σ² through a deterministic function.
 *
 * ```tex
 * z=\mu+e^{\frac12\log\sigma^2}\odot\varepsilon,\qquad \varepsilon\sim\mathcal N(0,I)
 * ```
 * Source: S4 "公式17" (`sample_latent`), Kingma & Welling 2014.
 */
export function reparameterize(mu: tf.Tensor, logVar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  assertSameTensorShape('reparameterize', 'mu', mu, 'logVar', logVar);
  assertSameTensorShape('reparameterize', 'mu', mu, 'eps', eps);
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)));
}

/**
 * B4 — KL(N(μ, σ²) ‖ N(0, I)) per example, from the encoder's (μ, log σ²): −½ Σ (1 + log σ² − μ² − σ²).
 *
 * ```tex
 * KL\big(\mathcal N(\mu,\sigma^2)\,\|\,\mathcal N(0,I)\big)=-\frac12\sum_{j}\big(1+\log\sigma_j^2-\mu_j^2-\sigma_j^2\big)
 * ```
 * Source: S4 "公式48" (`compute_loss`), the special case of A10 with the standard normal.
 *
 * Evaluated as ½ Σ (μ² + g(log σ²)) with g(v) = e^v − 1 − v ≥ 0 by its Taylor series for |v| < ½: written as
 * S4 writes it, 1 + v and e^v cancel in float32 to ~6e-8 absolute, so a KL near 0 (an encoder at the prior)
 * came out 117 % off at KL = 2.75e-8 (v = 3.3e-4) and as 0 at 2.5e-9; the series keeps float32's 7 digits
 * (≤ 6e-8 relative; test/reference/reference.test.ts).
 * @returns shape [B]
 */
export function klToStandardNormal(mu: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  assertBatched('klToStandardNormal', 'mu', mu);
  assertSameTensorShape('klToStandardNormal', 'mu', mu, 'logVar', logVar);
  return tf.tidy(() => {
    const terms = tf.add(tf.square(mu), expMinusOneMinusX(logVar));
    return tf.mul(0.5, mu.rank > 1 ? tf.sum(terms, nonBatchAxes(mu)) : terms);
  });
}

/** 1/k! for k = 2..11: e^v − 1 − v = v² Σ_j v^j/(j+2)!, truncated below float32's 2^−24 relative for |v| < ½. */
const EXP_SERIES_F32 = Array.from({ length: 10 }, (_, j) => {
  let f = 1;
  for (let k = 2; k <= j + 2; k++) f *= k;
  return 1 / f;
});

/**
 * e^v − 1 − v elementwise: the series (Horner) where |v| < ½, e^v − 1 − v elsewhere (cancelling by at most a
 * factor 4.7). A custom gradient, (e^v − 1)·dy, the same autodiff gave the textbook form: the branch choice
 * (tf.less) has no gradient in tfjs, so it stays off the tape. The series is fed v clipped to [−½, ½] so its
 * unused lanes stay finite.
 */
const expMinusOneMinusX = tf.customGrad(((v: tf.Tensor, save: tf.GradSaveFunc) => {
  save([v]);
  const small = tf.less(tf.abs(v), 0.5);
  const vs = tf.clipByValue(v, -0.5, 0.5);
  let p: tf.Tensor = tf.scalar(EXP_SERIES_F32[EXP_SERIES_F32.length - 1]!);
  for (let j = EXP_SERIES_F32.length - 2; j >= 0; j--) p = tf.add(tf.mul(p, vs), EXP_SERIES_F32[j]!);
  const series = tf.mul(tf.square(vs), p);
  const direct = tf.sub(tf.sub(tf.exp(v), 1), v);
  return {
    value: tf.where(small, series, direct),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.sub(tf.exp(saved[0]!), 1)),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (v: tf.Tensor) => tf.Tensor;

/**
 * B4 — the VAE loss = B1 (summed per example) + B4, averaged over the batch (S4's `compute_loss`).
 *
 * ```tex
 * \mathcal L_{VAE}=\frac1B\sum_b\Big[\|x_b-\hat x_b\|^2+KL\big(\mathcal N(\mu_b,\sigma_b^2)\,\|\,\mathcal N(0,I)\big)\Big]
 * ```
 */
export function vaeLoss(x: tf.Tensor, xHat: tf.Tensor, mu: tf.Tensor, logVar: tf.Tensor): tf.Scalar {
  assertBatched('vaeLoss', 'x', x);
  assertSameTensorShape('vaeLoss', 'x', x, 'xHat', xHat);
  assertSameBatch('vaeLoss', x, mu);
  assertSameTensorShape('vaeLoss', 'mu', mu, 'logVar', logVar);
  return tf.tidy(() => tf.add(reconstructionLoss(x, xHat), tf.mean(klToStandardNormal(mu, logVar))) as tf.Scalar);
}

/** The smallest decoder variance s² the float32 ELBO takes: 1/2s² = 5e29 leaves room for squared errors up to 6.8e8. */
export const MIN_DECODER_VARIANCE = 1e-30;

/**
 * B5 — the ELBO per example for a Gaussian decoder p(x|z) = N(x̂(z), s² I) and encoder q(z|x) = N(μ, σ²):
 * a one-sample estimate E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) with z = reparameterize(μ, log σ², ε).
 * (With s² = ½ the negative ELBO is the VAE loss B1 + B4 up to an additive constant.)
 *
 * ```tex
 * \log p(x)\ \ge\ \mathbb E_{q(z\mid x)}[\log p(x\mid z)]-KL\big(q(z\mid x)\,\|\,p(z)\big)
 * ```
 * Source: S3 (ELBO), S4 (VAE derivation).
 * @param xHat - the decoder's mean at the sampled z, shape like x
 * @param decoderVariance - s² >= MIN_DECODER_VARIANCE (1e-30)
 * @returns shape [B]
 */
export function gaussianElbo(x: tf.Tensor, xHat: tf.Tensor, mu: tf.Tensor, logVar: tf.Tensor, decoderVariance: number): tf.Tensor {
  assertBatched('gaussianElbo', 'x', x);
  assertSameTensorShape('gaussianElbo', 'x', x, 'xHat', xHat);
  assertSameBatch('gaussianElbo', x, mu);
  assertSameTensorShape('gaussianElbo', 'mu', mu, 'logVar', logVar);
  if (!(decoderVariance >= MIN_DECODER_VARIANCE) || !Number.isFinite(decoderVariance)) {
    throw new DomainError('gaussianElbo', 'decoderVariance', `a finite number >= ${MIN_DECODER_VARIANCE} (float32: below it ‖x − x̂‖²/2s² overflows for squared errors above 6.8e8)`, decoderVariance);
  }
  return tf.tidy(() => {
    const d = x.size / x.shape[0]!;
    const sq = tf.squaredDifference(x, xHat);
    const sse = x.rank > 1 ? tf.sum(sq, nonBatchAxes(x)) : sq;
    // log(2π s²), as a sum of logs where 2π s² overflows (s² > 2.8e307).
    const product = 2 * Math.PI * decoderVariance;
    const logNormaliser = Number.isFinite(product) ? Math.log(product) : Math.log(2 * Math.PI) + Math.log(decoderVariance);
    const logLik = tf.sub(-0.5 * d * logNormaliser, tf.div(sse, 2 * decoderVariance));
    return tf.sub(logLik, klToStandardNormal(mu, logVar));
  });
}

/**
 * B6 — CVAE plumbing: append the label's embedding to an input along the last axis. S4 maps the label through a
 * Dense layer to an image-sized map for the encoder (joined as an extra channel) and to a vector joined with z
 * for the decoder; both are this concatenation.
 *
 * ```tex
 * \text{enc}([x;\ e_x(y)]),\qquad \text{dec}([z;\ e_z(y)])
 * ```
 * Source: S4 (CVAEModel: `encoder_y_dense`, `decoder_y_dense`).
 * @param x - [B, …, C]; @param labelEmbedding - [B, …, C'] with the same leading axes
 */
export function concatCondition(x: tf.Tensor, labelEmbedding: tf.Tensor): tf.Tensor {
  assertBatched('concatCondition', 'x', x);
  assertTensor('concatCondition', 'labelEmbedding', labelEmbedding);
  if (labelEmbedding.rank !== x.rank || labelEmbedding.shape.slice(0, -1).some((d, i) => d !== x.shape[i])) {
    throw new DomainError(
      'concatCondition',
      'labelEmbedding',
      `a tensor of rank ${x.rank} whose leading axes match x [${x.shape.slice(0, -1).join(', ')}, *]`,
      `shape [${labelEmbedding.shape.join(', ')}]`,
    );
  }
  return tf.concat([x, labelEmbedding], x.rank - 1);
}

/**
 * B2 — Monte Carlo estimate of the marginal P(x) = ∫ P(z) P(x|z) dz = E_{z~P(z)}[P(x|z)] for one scalar x:
 * average the likelihood over prior draws (unbiased, but its variance explodes in high dimension — why VAEs use
 * an encoder q(z|x) and the ELBO instead).
 *
 * ```tex
 * P_\theta(x)=\int P(z)\,P_\theta(x\mid z)\,dz\approx\frac1n\sum_{i=1}^{n}P_\theta(x\mid z_i),\quad z_i\sim\mathcal N(0,I)
 * ```
 * Source: S3 (the VAE marginal).
 * @param likelihood - z ↦ P(x | z) for the fixed x
 * @param priorDraws - z_i ~ N(0, 1)
 */
export function marginalLikelihoodMonteCarlo(likelihood: (z: number) => number, priorDraws: ArrayLike<number>): { estimate: number; standardError: number } {
  assertFunction('marginalLikelihoodMonteCarlo', 'likelihood', likelihood);
  assertFiniteArray('marginalLikelihoodMonteCarlo', 'priorDraws', priorDraws);
  if (priorDraws.length < 2) throw new DomainError('marginalLikelihoodMonteCarlo', 'priorDraws', 'at least 2 draws', `length ${priorDraws.length}`);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < priorDraws.length; i++) {
    const l = likelihood(priorDraws[i]!);
    if (!Number.isFinite(l) || l < 0) throw new DomainError('marginalLikelihoodMonteCarlo', 'likelihood', 'a finite density >= 0', l);
    s += l;
    s2 += l * l;
  }
  const n = priorDraws.length;
  if (!Number.isFinite(s2)) throw new DomainError('marginalLikelihoodMonteCarlo', 'likelihood', 'densities whose squares sum to a finite number', `Σ p(x|z)² = ${s2}`);
  const m = s / n;
  return { estimate: m, standardError: Math.sqrt(Math.max((s2 - n * m * m) / (n - 1), 0) / n) };
}
