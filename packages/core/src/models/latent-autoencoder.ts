/**
 * Latent diffusion's first stage (S1; Rombach et al. 2022 §3.1): a convolutional autoencoder that keeps the image's
 * spatial layout, so its latent is a small image [h, w, c] on which a UNet or a DiT can run as on pixels.
 * Regularised either like a VAE with a small KL weight (B7, "KL-reg", Stable Diffusion's AutoencoderKL) or by a
 * vector-quantisation layer (B9–B11, "VQ-reg", like VQGAN). Diffusion then runs on the latents scaled by B8.
 *
 * Encoder: `layers` × (3×3 conv, ReLU, 2× max-pool), a 3×3 conv + ReLU, and a 1×1 conv to 2c channels (μ, log σ²;
 * KL) or to c channels (z_e; VQ). Decoder: a 3×3 conv from c channels + ReLU, `layers` × (2× nearest upsampling,
 * 3×3 conv, ReLU), and a 3×3 conv to the image channels. Ho et al.'s residual blocks and attention are left out:
 * at 16×16 the plain stack reconstructs MNIST digits well enough for the diffusion stage to be the hard part.
 */
import * as tf from '@tensorflow/tfjs-core';
import { klAutoencoderLoss, MAX_LOSS_WEIGHT } from '../autoencoder/latent.js';
import { reconstructionLoss, reparameterize } from '../autoencoder/losses.js';
import { straightThrough, vectorQuantize, vqLosses, VQ_COMMITMENT_WEIGHT } from '../autoencoder/vq.js';
import { applyConv, conv, maxPool2x2, ParamStore, type Conv } from '../nn/layers.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertRank } from '../util/tensor.js';
import { assertCount, assertInInterval, assertObject, DomainError, MAX_COUNT } from '../util/validate.js';
import { upsample2x } from './autoencoder.js';

export type FirstStageRegularizer = 'kl' | 'vq';

export interface LatentAutoencoderOptions {
  /** 'kl' (B7, default) or 'vq' (B9–B11). */
  readonly regularizer?: FirstStageRegularizer;
  /** Image side (default 16, the quick presets' MNIST), a multiple of 2^layers, and its channels (default 1). */
  readonly size?: number;
  readonly channels?: number;
  /** Width of every conv layer (default 32). */
  readonly dim?: number;
  /** Down-sampling steps: the latent side is size / 2^layers (default 2: 16×16 → 4×4, LDM's f = 4). */
  readonly layers?: number;
  /** Latent channels c (default 4, as Stable Diffusion's first stage). */
  readonly latentChannels?: number;
  /** λ of B7, the KL weight, in [0, 1e6] (KL only; default 1e-3 on B7's per-image sums: see below). */
  readonly klWeight?: number;
  /** Codebook entries K (VQ only; default 128). */
  readonly codebookSize?: number;
  /** β of B11 (VQ only; default 0.25). */
  readonly commitmentWeight?: number;
}

/** The first stage's loss and its two parts, each a scalar (the caller disposes them). */
export interface FirstStageLoss {
  readonly total: tf.Scalar;
  /** B1's ‖x − x̂‖² summed per image, averaged over the batch (reported for both regularisers). */
  readonly reconstruction: tf.Scalar;
  /** λ·KL (B7) or the codebook + β·commitment losses (B11). */
  readonly regularizer: tf.Scalar;
}

/**
 * The spatial KL or VQ autoencoder of latent diffusion.
 *
 * ```tex
 * \text{KL: }(\mu,\log\sigma^2)=\mathcal E(x),\ z=\mu+\sigma\odot\varepsilon,\ \hat x=\mathcal D(z);\qquad
 * \text{VQ: }z_e=\mathcal E(x),\ z_q=e_{k(z_e)},\ \hat x=\mathcal D(z_e+\operatorname{sg}[z_q-z_e])
 * ```
 * The default λ = 10⁻³: B7's KL is summed over the 4·4·4 = 64 latent numbers and the reconstruction over 256
 * pixels, so λ = 10⁻³ keeps the KL a thousandth of the loss's pull; at λ = 1 (the VAE) the latents would be
 * squeezed towards N(0, I) and reconstructions blurred (notebook 12 measures both). Source: S1; Rombach et al. 2022
 * §3.1 and App. G (AutoencoderKL, f = 4, c = 4 among their first stages); van den Oord et al. 2017; Esser et al. 2021.
 */
export class LatentAutoencoder {
  readonly kind = 'latent-autoencoder';
  readonly params: ParamStore;
  readonly config: Record<string, unknown>;
  readonly regularizer: FirstStageRegularizer;
  /** The latent's shape [h, w, c]: what the second-stage denoiser sees as its data. */
  readonly latentShape: readonly [number, number, number];
  /** The image's shape [size, size, channels]. */
  readonly imageShape: readonly [number, number, number];
  private readonly klWeight: number;
  private readonly commitmentWeight: number;
  private readonly enc: Conv[] = [];
  private readonly encMid: Conv;
  private readonly toLatent: Conv;
  private readonly fromLatent: Conv;
  private readonly dec: Conv[] = [];
  private readonly final: Conv;
  private readonly codebook: tf.Variable | undefined;

  constructor(rng: Rng, options: LatentAutoencoderOptions = {}) {
    const fn = 'LatentAutoencoder';
    assertRng(fn, 'rng', rng);
    assertObject(fn, 'options', options);
    const {
      regularizer = 'kl', size = 16, channels = 1, dim = 32, layers = 2, latentChannels = 4,
      klWeight = 1e-3, codebookSize = 128, commitmentWeight = VQ_COMMITMENT_WEIGHT,
    } = options;
    if (regularizer !== 'kl' && regularizer !== 'vq') throw new DomainError(fn, 'regularizer', "'kl' or 'vq'", regularizer);
    assertCount(fn, 'size', size, 1, 2 ** 12);
    assertCount(fn, 'channels', channels, 1, 2 ** 10);
    assertCount(fn, 'dim', dim, 1, 2 ** 12);
    assertCount(fn, 'layers', layers, 0, 12);
    assertCount(fn, 'latentChannels', latentChannels, 1, 2 ** 10);
    assertInInterval(fn, 'klWeight', klWeight, 0, MAX_LOSS_WEIGHT);
    assertCount(fn, 'codebookSize', codebookSize, 1, 2 ** 16);
    assertInInterval(fn, 'commitmentWeight', commitmentWeight, 0, MAX_LOSS_WEIGHT);
    if (size % 2 ** layers) throw new DomainError(fn, 'size', `a multiple of 2^layers = ${2 ** layers}`, size);
    if (9 * dim * dim > MAX_COUNT) throw new DomainError(fn, 'dim', 'a width whose 3×3 conv has at most 2^28 weights', dim);
    this.regularizer = regularizer;
    this.klWeight = klWeight;
    this.commitmentWeight = commitmentWeight;
    const side = size / 2 ** layers;
    this.latentShape = [side, side, latentChannels];
    this.imageShape = [size, size, channels];
    // Only the chosen regulariser's settings are saved, so a checkpoint's config says what it was trained with.
    this.config = {
      regularizer, size, channels, dim, layers, latentChannels,
      ...(regularizer === 'kl' ? { klWeight } : { codebookSize, commitmentWeight }),
    };
    const ps = (this.params = new ParamStore(rng));
    for (let i = 0; i < layers; i++) this.enc.push(conv(ps, `enc${i}`, 3, i === 0 ? channels : dim, dim));
    this.encMid = conv(ps, 'enc/mid', 3, layers === 0 ? channels : dim, dim);
    this.toLatent = conv(ps, 'enc/latent', 1, dim, regularizer === 'kl' ? 2 * latentChannels : latentChannels);
    this.fromLatent = conv(ps, 'dec/latent', 3, latentChannels, dim);
    for (let i = 0; i < layers; i++) this.dec.push(conv(ps, `dec${i}`, 3, dim, dim));
    this.final = conv(ps, 'final', 3, dim, channels);
    this.codebook = regularizer === 'vq' ? ps.weight('codebook', [codebookSize, latentChannels]) : undefined;
  }

  private checkImages(fn: string, x: tf.Tensor): tf.Tensor4D {
    const [H, W, C] = this.imageShape;
    assertRank(fn, 'x', x, 4, `images [B, ${H}, ${W}, ${C}]`);
    if (x.shape[1] !== H || x.shape[2] !== W || x.shape[3] !== C) throw new DomainError(fn, 'x', `images [B, ${H}, ${W}, ${C}]`, `shape [${x.shape}]`);
    return x as tf.Tensor4D;
  }

  private checkLatents(fn: string, z: tf.Tensor): tf.Tensor4D {
    const [h, w, c] = this.latentShape;
    assertRank(fn, 'z', z, 4, `latents [B, ${h}, ${w}, ${c}]`);
    if (z.shape[1] !== h || z.shape[2] !== w || z.shape[3] !== c) throw new DomainError(fn, 'z', `latents [B, ${h}, ${w}, ${c}]`, `shape [${z.shape}]`);
    return z as tf.Tensor4D;
  }

  /** The encoder's raw output: 2c channels (KL: μ then log σ²) or c (VQ: z_e). */
  private encoderOutput(x: tf.Tensor4D): tf.Tensor4D {
    let h = x;
    for (const c of this.enc) h = maxPool2x2(tf.relu(applyConv(c, h)));
    return applyConv(this.toLatent, tf.relu(applyConv(this.encMid, h)));
  }

  /**
   * The encoder's distribution (KL) or output (VQ), each [B, h, w, c]: `{ mu, logVar }` for KL, `{ ze }` for VQ.
   */
  encode(x: tf.Tensor): { mu: tf.Tensor4D; logVar: tf.Tensor4D } | { ze: tf.Tensor4D } {
    const images = this.checkImages('LatentAutoencoder.encode', x);
    return tf.tidy(() => {
      const out = this.encoderOutput(images);
      if (this.regularizer === 'vq') return { ze: out };
      const [mu, logVar] = tf.split(out, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      return { mu, logVar };
    });
  }

  /**
   * The latents diffusion is trained on: KL, z = μ + σ ε with `eps` (standard normal, shape of the latent; LDM
   * samples the posterior) or μ without it; VQ, the encoder output z_e before quantisation (LDM's VQ models quantise
   * in the decoder, so the diffusion model learns a continuous latent).
   */
  latents(x: tf.Tensor, eps: tf.Tensor | null = null): tf.Tensor4D {
    const fn = 'LatentAutoencoder.latents';
    const images = this.checkImages(fn, x);
    if (eps !== null) {
      if (this.regularizer === 'vq') throw new DomainError(fn, 'eps', 'null for a VQ first stage (its encoder is deterministic)', 'a tensor');
      const [h, w, c] = this.latentShape;
      assertRank(fn, 'eps', eps, 4, `noise [${x.shape[0]}, ${h}, ${w}, ${c}]`);
      if (eps.shape.join() !== [x.shape[0], h, w, c].join()) throw new DomainError(fn, 'eps', `noise [${x.shape[0]}, ${h}, ${w}, ${c}]`, `shape [${eps.shape}]`);
    }
    return tf.tidy(() => {
      const out = this.encoderOutput(images);
      if (this.regularizer === 'vq') return out;
      const [mu, logVar] = tf.split(out, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      return eps === null ? mu : (reparameterize(mu, logVar, eps) as tf.Tensor4D);
    });
  }

  /** The decoder on unscaled latents [B, h, w, c] (VQ: looked up in the codebook first) → images. */
  decode(z: tf.Tensor): tf.Tensor4D {
    const latents = this.checkLatents('LatentAutoencoder.decode', z);
    return tf.tidy(() => {
      // The indices are not needed to decode, only the codes' values.
      const input = this.codebook ? (vectorQuantize(latents, this.codebook as tf.Variable as tf.Tensor2D).quantized as tf.Tensor4D) : latents;
      return this.decoderOutput(input);
    });
  }

  private decoderOutput(z: tf.Tensor4D): tf.Tensor4D {
    let h = tf.relu(applyConv(this.fromLatent, z));
    for (const c of this.dec) h = tf.relu(applyConv(c, upsample2x(h)));
    return applyConv(this.final, h);
  }

  /**
   * The training loss. KL (B7): ‖x − D(z)‖² summed per image + λ KL, z = μ + σ ε (`eps` required). VQ: the same
   * reconstruction through the straight-through estimator (B10) plus B11's codebook and commitment losses, here
   * times the latent size h·w·c so that both are per-image sums like the reconstruction (B11 states them as means).
   */
  loss(x: tf.Tensor, eps: tf.Tensor | null): FirstStageLoss {
    const fn = 'LatentAutoencoder.loss';
    const images = this.checkImages(fn, x);
    const [h, w, c] = this.latentShape;
    if (this.regularizer === 'kl') {
      if (eps === null) throw new DomainError(fn, 'eps', `standard normal noise [${x.shape[0]}, ${h}, ${w}, ${c}] for a KL first stage`, 'null');
      assertRank(fn, 'eps', eps, 4, `noise [${x.shape[0]}, ${h}, ${w}, ${c}]`);
      if (eps.shape.join() !== [x.shape[0], h, w, c].join()) throw new DomainError(fn, 'eps', `noise [${x.shape[0]}, ${h}, ${w}, ${c}]`, `shape [${eps.shape}]`);
    }
    const parts = tf.tidy(() => {
      const out = this.encoderOutput(images);
      if (this.regularizer === 'kl') {
        const [mu, logVar] = tf.split(out, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
        const xHat = this.decoderOutput(reparameterize(mu, logVar, eps!) as tf.Tensor4D);
        const total = klAutoencoderLoss(images, xHat, mu, logVar, this.klWeight);
        const reconstruction = reconstructionLoss(images, xHat);
        return [total, reconstruction, tf.sub(total, reconstruction) as tf.Scalar];
      }
      const { quantized } = vectorQuantize(out, this.codebook as tf.Variable as tf.Tensor2D);
      const xHat = this.decoderOutput(straightThrough(out, quantized));
      const reconstruction = reconstructionLoss(images, xHat);
      const vq = vqLosses(out, quantized, this.commitmentWeight);
      const regularizer = tf.mul(vq.total, h * w * c) as tf.Scalar;
      return [tf.add(reconstruction, regularizer) as tf.Scalar, reconstruction, regularizer];
    });
    return { total: parts[0]!, reconstruction: parts[1]!, regularizer: parts[2]! };
  }

  /** The codebook indices of the latents' vectors (VQ only), row-major over [B, h, w]. */
  codes(z: tf.Tensor): Int32Array {
    const fn = 'LatentAutoencoder.codes';
    if (!this.codebook) throw new DomainError(fn, 'this', 'a VQ first stage', 'a KL one');
    const latents = this.checkLatents(fn, z);
    const { indices, quantized } = vectorQuantize(latents, this.codebook as tf.Variable as tf.Tensor2D);
    quantized.dispose();
    return indices;
  }
}
