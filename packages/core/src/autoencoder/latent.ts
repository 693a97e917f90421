/**
 * B7, B8 — latent diffusion's first stage with KL regularisation (S1: "KL-reg", AutoencoderKL in Stable Diffusion):
 * the autoencoder's loss, and the one number that brings its latents to unit variance before a DDPM is trained on them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertBatched, assertSameTensorShape } from '../util/tensor.js';
import { assertInInterval, DomainError } from '../util/validate.js';
import { klToStandardNormal, reconstructionLoss } from './losses.js';

/** The largest weight {@link klAutoencoderLoss} and {@link vqLosses} take on a loss term: beyond it a float32 loss overflows for ordinary data. */
export const MAX_LOSS_WEIGHT = 1e6;

/**
 * B7 — the KL-regularised autoencoder's loss: the reconstruction error (B1, summed per example) plus a small weight
 * λ times B4's KL of the encoder's Gaussian to N(0, I), averaged over the batch. Unlike the VAE (λ = 1), the KL term
 * here only keeps the latent space from drifting to arbitrary scales ("避免潜在表示空间出现高度的异化", S1); the
 * decoder is judged on reconstruction, and diffusion later learns the latents' real distribution.
 *
 * ```tex
 * \mathcal L_{KL\text{-}AE}=\frac1B\sum_{b=1}^{B}\Big[\|x_b-\mathcal D(z_b)\|^2+\lambda\,KL\big(\mathcal N(\mu_b,\sigma_b^2)\,\|\,\mathcal N(0,I)\big)\Big],\quad z_b=\mu_b+\sigma_b\varepsilon_b
 * ```
 * Source: S1 (LDM's two regularisations, KL-reg "like a VAE"), Rombach et al. 2022 §3.1 ("a slight KL-penalty
 * towards a standard normal on the learned latent"); their configs use λ = 10⁻⁶ beside an L1 + perceptual
 * reconstruction term, so the right λ for the summed squared error used here has to be chosen for it.
 * @param x - the input [B, …]; @param xHat - the decoder's output at the sampled z, shape like x
 * @param mu - the encoder's mean [B, …]; @param logVar - its log-variance, shape like mu
 * @param klWeight - λ in [0, 1e6] (0: a plain autoencoder trained through the sampled z)
 */
export function klAutoencoderLoss(x: tf.Tensor, xHat: tf.Tensor, mu: tf.Tensor, logVar: tf.Tensor, klWeight: number): tf.Scalar {
  const fn = 'klAutoencoderLoss';
  assertBatched(fn, 'x', x);
  assertSameTensorShape(fn, 'x', x, 'xHat', xHat);
  assertBatched(fn, 'mu', mu);
  if (mu.shape[0] !== x.shape[0]) throw new DomainError(fn, 'mu', `a tensor with the batch size of 'x' (${x.shape[0]})`, `shape [${mu.shape.join(', ')}]`);
  assertSameTensorShape(fn, 'mu', mu, 'logVar', logVar);
  // Up to 1e6: λ·KL must stay inside float32 (a KL of 1e13, e^30 from log σ² = 30, times 1e6 is 1e19).
  assertInInterval(fn, 'klWeight', klWeight, 0, MAX_LOSS_WEIGHT);
  return tf.tidy(() => tf.add(reconstructionLoss(x, xHat), tf.mul(klWeight, tf.mean(klToStandardNormal(mu, logVar)))) as tf.Scalar);
}

/**
 * B8 — the latent scaling factor s = 1/σ̂: σ̂ is the standard deviation of every entry of a batch of latents about
 * their mean, and diffusion is trained on s·z, which has unit variance (C5's x_T ≈ N(0, I) then matches the data's
 * scale; a latent with σ̂ = 5 would look almost noise-free at every t). Decode with z = (s·z)/s. Computed in
 * float64 from the tensor's values.
 *
 * ```tex
 * s=\frac1{\hat\sigma},\qquad \hat\sigma^2=\frac1{bchw}\sum_{b,c,h,w}\big(z^{b,c,h,w}-\hat\mu\big)^2,\qquad
 * \hat\mu=\frac1{bchw}\sum_{b,c,h,w}z^{b,c,h,w}
 * ```
 * Source: Rombach et al. 2022 §4.3.2 and App. D.1 (the latents rescaled by the inverse of σ̂ from the first batch
 * of data; their code's `scale_by_std` takes torch's `std()`, which divides by n − 1, a factor √(n/(n−1)) apart);
 * S1 (the first stage is trained once and reused, so s is fixed with it). Stable Diffusion's 0.18215 is this s.
 * @param z - latents [B, …] (at least two numbers, not all equal)
 */
export function latentScaleFactor(z: tf.Tensor): number {
  const fn = 'latentScaleFactor';
  assertBatched(fn, 'z', z);
  if (z.size < 2) throw new DomainError(fn, 'z', 'at least 2 numbers (a spread needs two)', `shape [${z.shape.join(', ')}]`);
  const values = z.dataSync();
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  const sd = Math.sqrt(squares / values.length);
  if (!(sd > 0) || !Number.isFinite(1 / sd)) throw new DomainError(fn, 'z', 'latents that are not all equal (σ̂ > 0)', `σ̂ = ${sd}`);
  return 1 / sd;
}
