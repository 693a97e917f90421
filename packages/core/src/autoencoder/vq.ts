/**
 * B9–B11 — vector quantisation, latent diffusion's other first-stage regulariser (S1: "VQ-reg", a quantisation layer
 * "like VQGAN"): each encoder output vector is replaced by its nearest codebook entry; the decoder's gradient is
 * passed straight through to the encoder; two losses pull the codebook and the encoder towards each other.
 * tfjs has no stop-gradient op, so both the straight-through estimator and sg[·] are custom gradients here (checked
 * against their definitions and finite differences in `vq.test.ts`, on cpu and wasm). The lookup's gather is a one-hot
 * matMul: tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend does not have.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertSameTensorShape, assertTensor } from '../util/tensor.js';
import { assertInInterval, DomainError, MAX_COUNT } from '../util/validate.js';
import { MAX_LOSS_WEIGHT } from './latent.js';

/** The result of a codebook lookup. */
export interface Quantized {
  /** k(n) for each of the N = size/D vectors, in the row-major order of z's leading axes. */
  readonly indices: Int32Array;
  /** e_{k(n)}, shaped like z; differentiable with respect to the codebook (not to z: see {@link straightThrough}). */
  readonly quantized: tf.Tensor;
}

/**
 * B9 — the nearest-codebook lookup: each D-vector z_n of z [..., D] (the encoder's output, channels last) is
 * replaced by the codebook row e_k [K, D] at the smallest Euclidean distance, the first such row on a tie. The
 * distances are formed as ‖z‖² − 2 z·e + ‖e‖² (one matMul for all N·K pairs) in float32.
 *
 * ```tex
 * z_q(x)_n=e_{k(n)},\qquad k(n)=\arg\min_{j\in\{1..K\}}\|z_e(x)_n-e_j\|_2^2
 * ```
 * Source: van den Oord et al. 2017 §3.1 (Eq. 1–2); Esser et al. 2021 §3.1 (Eq. 2, VQGAN); S1 (LDM's VQ-reg).
 * @param z - encoder outputs [..., D] (rank >= 2)
 * @param codebook - the K embedding vectors [K, D]
 */
export function vectorQuantize(z: tf.Tensor, codebook: tf.Tensor2D): Quantized {
  const fn = 'vectorQuantize';
  assertTensor(fn, 'z', z);
  assertRank(fn, 'codebook', codebook, 2, 'a codebook [K, D]');
  const [K, D] = codebook.shape;
  if (z.rank < 2 || z.shape[z.rank - 1] !== D) throw new DomainError(fn, 'z', `vectors [..., ${D}] (rank >= 2) to match the codebook [${K}, ${D}]`, `shape [${z.shape.join(', ')}]`);
  if (K === 0 || D === 0) throw new DomainError(fn, 'codebook', 'at least one code of at least one dimension', `[${codebook.shape}]`);
  const N = z.size / D;
  if (N === 0) throw new DomainError(fn, 'z', 'at least one vector', `shape [${z.shape.join(', ')}]`);
  if (N * K > MAX_COUNT) throw new DomainError(fn, 'codebook', `at most 2^28 distances in all (N·K, N = ${N})`, `K = ${K}`);
  const indices = tf.tidy(() => {
    const flat = tf.reshape(z, [N, D]) as tf.Tensor2D;
    const zz = tf.sum(tf.square(flat), 1, true);
    const ee = tf.reshape(tf.sum(tf.square(codebook), 1), [1, K]);
    const cross = tf.matMul(flat, tf.transpose(codebook));
    return tf.argMin(tf.add(tf.sub(zz, tf.mul(2, cross)), ee), 1);
  });
  const k = Int32Array.from(indices.dataSync());
  indices.dispose();
  const quantized = tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(k, 'int32'), K) as tf.Tensor2D;
    return tf.reshape(tf.matMul(tf.cast(oneHot, 'float32'), codebook), z.shape);
  });
  return { indices: k, quantized };
}

/** sg[x]: the value x, the gradient zero (tfjs has no stopGradient). */
const stopGradientOp = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([]);
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * B11 — the stop-gradient operator sg[·] of the VQ losses: the identity forward, a zero gradient backward ("defined as
 * identity at forward computation time and has zero partial derivatives", van den Oord et al. 2017 §3.2).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  assertTensor('stopGradient', 'x', x, false);
  return stopGradientOp(x) as T;
}

/** z_e + sg[z_q − z_e] in one op: the value z_q, the whole gradient to z_e, none to z_q. */
const straightThroughOp = tf.customGrad(((ze: tf.Tensor, zq: tf.Tensor, save: tf.GradSaveFunc) => {
  save([]);
  return {
    value: tf.clone(zq),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.clone(dy as tf.Tensor), tf.zerosLike(dy as tf.Tensor)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (ze: tf.Tensor, zq: tf.Tensor) => tf.Tensor;

/**
 * B10 — the straight-through estimator: the decoder sees the quantised z_q, but the lookup's gradient (zero almost
 * everywhere) is replaced by the identity, so ∂L/∂z_e = ∂L/∂z_q evaluated at z_q, and the encoder learns from the
 * reconstruction. No gradient reaches z_q (the codebook learns from B11's codebook loss only).
 *
 * ```tex
 * \hat z=z_e+\operatorname{sg}[z_q-z_e],\qquad \hat z=z_q\ \text{(forward)},\qquad
 * \frac{\partial \hat z}{\partial z_e}=I,\quad \frac{\partial \hat z}{\partial z_q}=0\ \text{(backward)}
 * ```
 * Source: van den Oord et al. 2017 §3.2 ("we just copy gradients from decoder input z_q(x) to encoder output
 * z_e(x)"; Bengio et al. 2013's straight-through estimator); Esser et al. 2021 §3.1; S1 (VQ-reg).
 */
export function straightThrough<T extends tf.Tensor>(ze: T, zq: tf.Tensor): T {
  assertSameTensorShape('straightThrough', 'ze', ze, 'zq', zq);
  return straightThroughOp(ze, zq) as T;
}

/** VQ-VAE's commitment weight β (van den Oord et al. 2017 §3.2, used in all their experiments; VQGAN's too). */
export const VQ_COMMITMENT_WEIGHT = 0.25;

/** The two VQ losses and their sum. */
export interface VqLosses {
  /** mean ‖sg[z_e] − z_q‖²: moves the codebook towards the encoder outputs. */
  readonly codebook: tf.Scalar;
  /** mean ‖z_e − sg[z_q]‖²: keeps the encoder committed to its codes. */
  readonly commitment: tf.Scalar;
  /** codebook + β · commitment. */
  readonly total: tf.Scalar;
}

/**
 * B11 — the codebook and commitment losses: the codebook term trains only the codes (z_e is held by sg), the
 * commitment term only the encoder (z_q held), weighted by β so the encoder does not outrun its codes. Means over
 * every entry, as the reference implementations reduce (the paper writes per-vector squared norms, D times larger).
 *
 * ```tex
 * \mathcal L_{VQ}=\big\|\operatorname{sg}[z_e(x)]-z_q(x)\big\|_2^2+\beta\,\big\|z_e(x)-\operatorname{sg}[z_q(x)]\big\|_2^2,\qquad\beta=0.25
 * ```
 * Source: van den Oord et al. 2017 §3.2 (Eq. 3, the last two terms); Esser et al. 2021 Eq. 4 (VQGAN; its code's
 * `legacy` default puts β on the codebook term instead, a bug it keeps for old checkpoints); S1 (VQ-reg).
 * @param ze - encoder outputs; @param zq - their codes ({@link vectorQuantize}'s `quantized`), shape like ze
 * @param beta - β in [0, 1e6] (default 0.25)
 */
export function vqLosses(ze: tf.Tensor, zq: tf.Tensor, beta = VQ_COMMITMENT_WEIGHT): VqLosses {
  assertSameTensorShape('vqLosses', 'ze', ze, 'zq', zq);
  if (ze.size === 0) throw new DomainError('vqLosses', 'ze', 'a non-empty tensor', `shape [${ze.shape.join(', ')}]`);
  assertInInterval('vqLosses', 'beta', beta, 0, MAX_LOSS_WEIGHT);
  const codebook = tf.tidy(() => tf.mean(tf.squaredDifference(stopGradientOp(ze), zq)) as tf.Scalar);
  const commitment = tf.tidy(() => tf.mean(tf.squaredDifference(ze, stopGradientOp(zq))) as tf.Scalar);
  const total = tf.tidy(() => tf.add(codebook, tf.mul(beta, commitment)) as tf.Scalar);
  return { codebook, commitment, total };
}
