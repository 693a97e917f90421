/**
 * S4's convolutional autoencoder family on 32×32×1 images: AE, VAE and CVAE, with the losses of autoencoder/
 * (B1 reconstruction, B2 reparameterisation, B3 KL, B4 VAE loss, B6 condition by concatenation).
 * Encoder: `layers` × (3×3 conv, ReLU, no bias; 2× max-pool); decoder: a Dense from the latent back to the
 * smallest feature map, `layers` × (3×3 conv, ReLU; 2× nearest upsampling), and a final 3×3 conv to one channel.
 * VAE heads: flatten → Dense(2d, ReLU) → Dense(d) for μ and for log σ² (as S4). CVAE: a label embedding mapped by a
 * Dense to a 32×32 plane concatenated to the image, and by another Dense concatenated to z.
 */
import * as tf from '@tensorflow/tfjs-core';
import { concatCondition, klToStandardNormal, reconstructionLoss, reparameterize } from '../autoencoder/losses.js';
import { applyConv, applyDense, conv, dense, maxPool2x2, ParamStore, type Conv, type Dense } from '../nn/layers.js';
import { randomBatch } from '../data/batch.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertRank } from '../util/tensor.js';
import { assertCount, assertInteger, assertIntegerInRange, assertObject, assertPositive, DomainError, MAX_COUNT } from '../util/validate.js';

/** The most steps a training call takes (it sizes the loss array): train/options.ts's MAX_STEPS. */
const MAX_TRAINING_STEPS = 10_000_000;
import { oneHotRows } from './labels.js';

export type AutoencoderKind = 'ae' | 'vae' | 'cvae';

export interface ConvAutoencoderOptions {
  readonly kind?: AutoencoderKind;
  /** Channels of every conv layer (S4: 64). */
  readonly dim?: number;
  /** Down/up-sampling layers (S4: 3, so 32 → 4). */
  readonly layers?: number;
  /** Latent size d (VAE/CVAE; the AE's latent is the feature map itself flattened through a Dense of this size). */
  readonly latent?: number;
  /**
   * Width of the hidden Dense + ReLU layer in front of μ and log σ² (VAE/CVAE; S4: 2·latent, the default). With a
   * 2-D latent S4's 4 ReLU units, followed by a Dense without bias, confine μ to a cone of the plane.
   */
  readonly head?: number;
  readonly size?: number;
  readonly numClasses?: number;
}

/** 2× nearest-neighbour upsampling by broadcasting (gradient: a sum; no resize kernel needed). */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  assertRank('upsample2x', 'x', x, 4, 'images [B, H, W, C]', false);
  const [B, H, W, C] = x.shape;
  return tf.reshape(tf.mul(tf.reshape(x, [B, H, 1, W, 1, C]), tf.ones([1, 1, 2, 1, 2, 1])), [B, 2 * H, 2 * W, C]) as tf.Tensor4D;
}

export interface AutoencoderOutput {
  readonly xHat: tf.Tensor4D;
  readonly mu?: tf.Tensor2D;
  readonly logVar?: tf.Tensor2D;
}

export class ConvAutoencoder {
  readonly params: ParamStore;
  readonly kind: AutoencoderKind;
  readonly config: Record<string, unknown>;
  readonly latent: number;
  readonly numClasses: number;
  private readonly size: number;
  /** The side of the square images it encodes. */
  get imageSize(): number {
    return this.size;
  }
  private readonly dim: number;
  private readonly small: number;
  private readonly enc: Conv[] = [];
  private readonly dec: Conv[] = [];
  private readonly final: Conv;
  private readonly toLatent: Dense[];
  private readonly logVarHead: Dense[];
  private readonly fromLatent: Dense;
  private readonly labelEmb: Dense | undefined;
  private readonly encY: Dense | undefined;
  private readonly decY: Dense | undefined;

  constructor(rng: Rng, options: ConvAutoencoderOptions = {}) {
    assertRng('ConvAutoencoder', 'rng', rng);
    assertObject('ConvAutoencoder', 'options', options);
    const { kind = 'vae', dim = 64, layers = 3, latent = 16, size = 32, numClasses = 10 } = options;
    const head = options.head === undefined ? 2 * latent : options.head; // S4's width unless asked otherwise
    if (!['ae', 'vae', 'cvae'].includes(kind)) throw new DomainError('ConvAutoencoder', 'kind', "'ae', 'vae' or 'cvae'", kind);
    // Widths up to 2^12 (a 3×3 conv of 2^12 → 2^12 channels is 151 M weights) and images up to 2^12 pixels a side.
    assertCount('ConvAutoencoder', 'dim', dim, 1, 2 ** 12);
    assertCount('ConvAutoencoder', 'layers', layers, 1, 12);
    assertCount('ConvAutoencoder', 'latent', latent, 1, 2 ** 16);
    assertCount('ConvAutoencoder', 'head', head, 1, 2 ** 16);
    assertCount('ConvAutoencoder', 'size', size, 1, 2 ** 12);
    assertCount('ConvAutoencoder', 'numClasses', numClasses, 1, 2 ** 16);
    if ((size / 2 ** layers) ** 2 * dim * Math.max(head, latent) > MAX_COUNT) throw new DomainError('ConvAutoencoder', 'size', `a size with (size/2^layers)²·dim·max(head, latent) <= 2^28 weights`, size);
    if (size % 2 ** layers) throw new DomainError('ConvAutoencoder', 'size', `a multiple of 2^${layers}`, size);
    this.kind = kind;
    this.config = { kind, dim, layers, latent, head, size, numClasses };
    this.latent = latent;
    this.numClasses = kind === 'cvae' ? numClasses : 0;
    this.size = size;
    this.dim = dim;
    this.small = size / 2 ** layers;
    const ps = (this.params = new ParamStore(rng));
    const cond = kind === 'cvae';
    const flat = this.small * this.small * dim;
    for (let i = 0; i < layers; i++) this.enc.push(conv(ps, `enc${i}`, 3, i === 0 ? (cond ? 2 : 1) : dim, dim));
    this.toLatent = kind === 'ae' ? [dense(ps, 'z', flat, latent)] : [dense(ps, 'mu1', flat, head), dense(ps, 'mu2', head, latent, false)];
    this.logVarHead = kind === 'ae' ? [] : [dense(ps, 'lv1', flat, head), dense(ps, 'lv2', head, latent, false)];
    const yDim = cond ? 16 : 0;
    this.fromLatent = dense(ps, 'dec/dense', latent + yDim, flat);
    for (let i = 0; i < layers; i++) this.dec.push(conv(ps, `dec${i}`, 3, dim, dim));
    this.final = conv(ps, 'final', 3, dim, 1);
    if (cond) {
      this.labelEmb = dense(ps, 'label/emb', numClasses + 1, 16, false);
      this.encY = dense(ps, 'label/enc', 16, size * size);
      this.decY = dense(ps, 'label/dec', 16, yDim);
    }
  }

  /** Encoder: μ (and log σ² for VAE/CVAE). */
  encode(x: tf.Tensor4D, labels: tf.Tensor | null = null): { mu: tf.Tensor2D; logVar?: tf.Tensor2D } {
    return this.encodeAs('ConvAutoencoder.encode', x, labels);
  }

  private encodeAs(fn: string, x: tf.Tensor4D, labels: tf.Tensor | null): { mu: tf.Tensor2D; logVar?: tf.Tensor2D } {
    assertRank(fn, 'x', x, 4, `images [B, ${this.size}, ${this.size}, 1]`);
    if (x.shape[1] !== this.size || x.shape[2] !== this.size || x.shape[3] !== 1) {
      throw new DomainError(fn, 'x', `images [B, ${this.size}, ${this.size}, 1]`, `shape [${x.shape}]`);
    }
    const B = x.shape[0];
    let h = x;
    if (this.labelEmb) {
      const e = applyDense(this.labelEmb, oneHotRows(fn, labels, B, this.numClasses));
      const plane = tf.reshape(tf.relu(applyDense(this.encY!, e)), [B, this.size, this.size, 1]);
      h = concatCondition(h, plane) as tf.Tensor4D;
    }
    for (const c of this.enc) h = maxPool2x2(tf.relu(applyConv(c, h)));
    const f = tf.reshape(h, [B, -1]) as tf.Tensor2D;
    const head = (ls: Dense[]) => (ls.length === 1 ? applyDense(ls[0]!, f) : applyDense(ls[1]!, tf.relu(applyDense(ls[0]!, f))));
    const mu = head(this.toLatent);
    return this.kind === 'ae' ? { mu } : { mu, logVar: head(this.logVarHead) };
  }

  /** Decoder: z [B, d] (and labels for the CVAE) → x̂ [B, size, size, 1]. */
  decode(z: tf.Tensor2D, labels: tf.Tensor | null = null): tf.Tensor4D {
    return this.decodeAs('ConvAutoencoder.decode', z, labels);
  }

  private decodeAs(fn: string, z: tf.Tensor2D, labels: tf.Tensor | null): tf.Tensor4D {
    assertRank(fn, 'z', z, 2, `latents [B, ${this.latent}]`);
    if (z.shape[1] !== this.latent) throw new DomainError(fn, 'z', `latents [B, ${this.latent}]`, `shape [${z.shape}]`);
    const B = z.shape[0];
    let zin = z;
    if (this.labelEmb) zin = tf.concat([z, tf.relu(applyDense(this.decY!, applyDense(this.labelEmb, oneHotRows(fn, labels, B, this.numClasses))))], 1);
    let h = tf.reshape(tf.relu(applyDense(this.fromLatent, zin)), [B, this.small, this.small, this.dim]) as tf.Tensor4D;
    for (const c of this.dec) h = upsample2x(tf.relu(applyConv(c, h)));
    return applyConv(this.final, h);
  }

  /** Full pass; `eps` (standard normal [B, d]) is the reparameterisation noise, required for VAE/CVAE. */
  forward(x: tf.Tensor4D, eps: tf.Tensor | null, labels: tf.Tensor | null = null): AutoencoderOutput {
    return this.forwardAs('ConvAutoencoder.forward', x, eps, labels);
  }

  private forwardAs(fn: string, x: tf.Tensor4D, eps: tf.Tensor | null, labels: tf.Tensor | null): AutoencoderOutput {
    assertRank(fn, 'x', x, 4, `images [B, ${this.size}, ${this.size}, 1]`, false); // data: checked by encodeAs
    if (this.kind !== 'ae') {
      if (!eps) throw new DomainError(fn, 'eps', 'standard normal noise [B, latent] for a VAE', 'null');
      assertRank(fn, 'eps', eps, 2, `noise [B, ${this.latent}]`);
      if (eps.shape[0] !== x.shape[0] || eps.shape[1] !== this.latent) throw new DomainError(fn, 'eps', `noise [${x.shape[0]}, ${this.latent}]`, `shape [${eps.shape}]`);
    }
    const { mu, logVar } = this.encodeAs(fn, x, labels);
    if (!logVar) return { xHat: this.decodeAs(fn, mu, labels), mu };
    return { xHat: this.decodeAs(fn, reparameterize(mu, logVar, eps!) as tf.Tensor2D, labels), mu, logVar };
  }

  /**
   * B1/B4 — the training loss: Σ-per-example squared error averaged over the batch (AE), plus the mean KL to
   * N(0, I) (VAE, CVAE), as S4.
   */
  loss(x: tf.Tensor4D, eps: tf.Tensor | null, labels: tf.Tensor | null = null): tf.Scalar {
    return tf.tidy(() => {
      const o = this.forwardAs('ConvAutoencoder.loss', x, eps, labels);
      const rec = reconstructionLoss(x, o.xHat);
      return (o.logVar ? tf.add(rec, tf.mean(klToStandardNormal(o.mu!, o.logVar))) : rec) as tf.Scalar;
    });
  }
}

export interface AutoencoderTrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate?: number;
  readonly optimizer?: tf.Optimizer;
  readonly onStep?: (info: { step: number; loss: number }) => void | boolean;
}

/** Train an AE/VAE/CVAE with Adam on random batches of x [N, size, size, 1] (labels for the CVAE). */
export function trainAutoencoder(model: ConvAutoencoder, x: tf.Tensor4D, labels: Int32Array | null, rng: Rng, options: AutoencoderTrainOptions): Float64Array {
  const fn = 'trainAutoencoder';
  assertObject(fn, 'options', options);
  const { steps, batchSize, learningRate = 1e-3, onStep } = options;
  // steps sizes the loss array and batchSize each batch: bounds turn a typo (1e20) into this message.
  assertIntegerInRange(fn, 'steps', steps, 0, MAX_TRAINING_STEPS);
  assertIntegerInRange(fn, 'batchSize', batchSize, 1, MAX_COUNT);
  // Checked here, not first inside randomBatch or the loss, so that the error names this function.
  assertRank(fn, 'x', x, 4, 'images [N, size, size, 1]');
  if (x.shape[0] === 0 || x.shape[1] !== model.imageSize || x.shape[2] !== model.imageSize || x.shape[3] !== 1) {
    throw new DomainError(fn, 'x', `images [N ≥ 1, ${model.imageSize}, ${model.imageSize}, 1] (the model's size)`, `shape [${x.shape.join(', ')}]`);
  }
  assertRng(fn, 'rng', rng);
  assertPositive('trainAutoencoder', 'learningRate', learningRate);
  if (options.optimizer !== undefined && !(options.optimizer instanceof tf.Optimizer)) throw new DomainError('trainAutoencoder', 'optimizer', 'a tf.Optimizer', String(options.optimizer));
  if (onStep !== undefined && typeof onStep !== 'function') throw new DomainError('trainAutoencoder', 'onStep', 'a function', String(onStep));
  if (model.kind === 'cvae' && !labels) throw new DomainError('trainAutoencoder', 'labels', 'int labels for a CVAE', 'null');
  const opt = options.optimizer ?? tf.train.adam(learningRate);
  const losses = new Float64Array(steps);
  for (let s = 0; s < steps; s++) {
    const batch = randomBatch(x, labels, batchSize, rng);
    const xb = batch.x;
    const eps = model.kind === 'ae' ? null : rng.normalTensor([batchSize, model.latent]);
    const lb = batch.labels ? tf.tensor1d(batch.labels, 'int32') : null;
    const value = opt.minimize(() => model.loss(xb, eps, lb), true, model.params.list) as tf.Scalar;
    losses[s] = value.dataSync()[0]!;
    value.dispose();
    xb.dispose();
    eps?.dispose();
    lb?.dispose();
    if (onStep?.({ step: s + 1, loss: losses[s]! }) === false) return losses.slice(0, s + 1);
  }
  return losses;
}
