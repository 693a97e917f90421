/**
 * The Diffusion Transformer ε-model (S3's DiT; Peebles & Xie 2023) assembled from the catalogue's pieces: patch
 * embedding with positions (G7), N adaLN-Zero blocks (G9) conditioned on c = e_t(t) + e_y(y), DiT's final layer, and
 * unpatchify (G8) back to an image-shaped noise prediction.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unpatchify } from '../embedding/embedding.js';
import { applyPatchEmbedding, patchEmbedding, type PatchEmbedding } from '../embedding/patch-embedding.js';
import { applyDense, ParamStore, swish, type Dense } from '../nn/layers.js';
import type { Rng } from '../random/rng.js';
import { assertRng } from '../random/rng.js';
import {
  applyDitBlock,
  DIT_LAYER_NORM_EPS,
  ditBlock,
  ditConditioner,
  layerNorm,
  modulate,
  type DitBlock,
  type DitConditioner,
} from '../transformer/dit.js';
import { ditConditionVector } from '../transformer/dit-condition.js';
import { assertTensor } from '../util/tensor.js';
import { assertCount, assertObject, DomainError } from '../util/validate.js';
import { oneHotRows, stepsFor } from './labels.js';
import type { DenoiserModel, StepBatch } from './types.js';

export interface DiTOptions {
  /** Image (or latent) side H = W (default 16, the quick preset's MNIST) and channels C (default 1). */
  readonly size?: number;
  readonly channels?: number;
  /** Patch side p, a divisor of size (default 2: 64 tokens at 16×16). */
  readonly patch?: number;
  /** Token width D, a multiple of 4 and of `heads` (default 64). */
  readonly dim?: number;
  /** DiT blocks (default 4). */
  readonly depth?: number;
  /** Attention heads (default 4). */
  readonly heads?: number;
  /** The MLP's hidden width is mlpRatio · D (default 4). */
  readonly mlpRatio?: number;
  /** Width of t's sinusoidal features fed to the conditioning MLP (default 64; DiT: 256). */
  readonly frequencyDim?: number;
  /** > 0: the conditional model, trained with label dropout for classifier-free guidance; label `numClasses` is ∅. */
  readonly numClasses?: number;
}

/** DiT's final layer: (shift, scale) = W SiLU(c) + b, then a linear map of each token to p²C; both zero at start. */
interface FinalLayer {
  readonly modulation: Dense;
  readonly linear: Dense;
}

/**
 * DiT ε_θ(x_t, t[, y]) for images [B, H, W, C].
 *
 * ```tex
 * z^{(0)}=\operatorname{patchify}(x_t)W_E+b_E+\mathrm{pos},\qquad c=e_t(t)+e_y(y)\\
 * z^{(k)}=\mathrm{DiTBlock}_k(z^{(k-1)},c),\quad k=1..N\\
 * \hat\varepsilon=\operatorname{unpatchify}\Big(\big(\operatorname{LN}(z^{(N)})\odot(1+\beta)+\gamma\big)W_O+b_O\Big),\qquad(\gamma,\beta)=W_F\operatorname{SiLU}(c)+b_F
 * ```
 * Every block's gates and the final layer's W_F, b_F, W_O, b_O start at zero (adaLN-Zero), so a fresh DiT predicts
 * ε̂ = 0 and each block is the identity; the first steps train the output map, whose gradient then opens the gates.
 * Source: Peebles & Xie 2023 §3.2 (`DiT`, `FinalLayer`, `initialize_weights` in their code); S3 (DiT). Differences:
 * no learned-variance half of the output (DiT predicts Σ too; the fixed-variance samplers here do not use it), t's
 * features default to 64 wide instead of 256 and the label table is Glorot-uniform (DiT: N(0, 0.02²)).
 */
export class DiT implements DenoiserModel {
  readonly kind = 'dit';
  readonly params: ParamStore;
  readonly config: Record<string, unknown>;
  readonly numClasses: number;
  readonly dataShape: readonly number[];
  private readonly patch: number;
  private readonly embed: PatchEmbedding;
  private readonly conditioner: DitConditioner;
  private readonly blocks: DitBlock[] = [];
  private readonly final: FinalLayer;

  constructor(rng: Rng, options: DiTOptions = {}) {
    const fn = 'DiT';
    assertRng(fn, 'rng', rng);
    assertObject(fn, 'options', options);
    const { size = 16, channels = 1, patch = 2, dim = 64, depth = 4, heads = 4, mlpRatio = 4, frequencyDim = 64, numClasses = 0 } = options;
    assertCount(fn, 'size', size, 1, 2 ** 12);
    assertCount(fn, 'channels', channels, 1, 2 ** 12);
    assertCount(fn, 'patch', patch, 1, size);
    if (size % patch) throw new DomainError(fn, 'patch', `a divisor of size = ${size}`, patch);
    assertCount(fn, 'dim', dim, 4, 2 ** 12);
    if (dim % 4) throw new DomainError(fn, 'dim', 'a multiple of 4 (the 2-D sin-cos position layout)', dim);
    assertCount(fn, 'depth', depth, 1, 64);
    assertCount(fn, 'heads', heads, 1, dim);
    if (dim % heads) throw new DomainError(fn, 'heads', `a divisor of dim = ${dim}`, heads);
    assertCount(fn, 'mlpRatio', mlpRatio, 1, 16);
    assertCount(fn, 'frequencyDim', frequencyDim, 4, 2 ** 12);
    if (frequencyDim % 2) throw new DomainError(fn, 'frequencyDim', 'an even integer (cos/sin pairs)', frequencyDim);
    assertCount(fn, 'numClasses', numClasses, 0, 2 ** 16);
    // Each block holds (4 + 2·mlpRatio + 6)·D² weights; beyond 2^28 parameters (1 GiB of float32) nothing here runs.
    const perBlock = (4 + 2 * mlpRatio + 6) * dim * dim;
    if (depth * perBlock > 2 ** 28) throw new DomainError(fn, 'depth', `at most ${Math.floor(2 ** 28 / perBlock)} blocks of width ${dim} (2^28 parameters)`, depth);
    this.config = { size, channels, patch, dim, depth, heads, mlpRatio, frequencyDim, numClasses };
    this.numClasses = numClasses;
    this.patch = patch;
    this.dataShape = [size, size, channels];
    const ps = (this.params = new ParamStore(rng));
    this.embed = patchEmbedding(ps, 'embed', { H: size, W: size, channels, patch, dim });
    this.conditioner = ditConditioner(ps, 'cond', { dim, frequencyDim, numClasses });
    for (let k = 0; k < depth; k++) this.blocks.push(ditBlock(ps, `block${k}`, { dim, heads, condDim: dim, mlpRatio }));
    const out = patch * patch * channels;
    this.final = {
      modulation: { w: ps.zeros('final/adaLN/w', [dim, 2 * dim]), b: ps.zeros('final/adaLN/b', [2 * dim]) },
      linear: { w: ps.zeros('final/linear/w', [dim, out]), b: ps.zeros('final/linear/b', [out]) },
    };
  }

  predict(xt: tf.Tensor, t: StepBatch, labels: tf.Tensor | null = null): tf.Tensor {
    const [H, W, C] = this.dataShape as [number, number, number];
    assertTensor('DiT.predict', 'xt', xt);
    if (xt.rank !== 4 || xt.shape[1] !== H || xt.shape[2] !== W || xt.shape[3] !== C || xt.shape[0] === 0) {
      throw new DomainError('DiT.predict', 'xt', `shape [B >= 1, ${H}, ${W}, ${C}]`, `[${xt.shape}]`);
    }
    if (this.numClasses === 0 && labels !== null) throw new DomainError('DiT.predict', 'labels', 'null for an unconditional DiT (numClasses = 0)', labels);
    const B = xt.shape[0]!;
    // Checked here, so that a bad step or label is reported in the name of the method the caller used.
    const steps = stepsFor('DiT.predict', t, B);
    return tf.tidy(() => {
      const oneHot = this.numClasses > 0 ? oneHotRows('DiT.predict', labels, B, this.numClasses) : undefined;
      const c = ditConditionVector(this.conditioner, steps, oneHot);
      let z = applyPatchEmbedding(this.embed, xt as tf.Tensor4D);
      for (const block of this.blocks) z = applyDitBlock(block, z, c);
      const [N, D] = [z.shape[1], z.shape[2]];
      const [shift, scale] = tf.split(applyDense(this.final.modulation, swish(c)), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const normed = tf.reshape(modulate(layerNorm(z, DIT_LAYER_NORM_EPS), shift, scale), [B * N, D]) as tf.Tensor2D;
      const perToken = tf.reshape(applyDense(this.final.linear, normed), [B, N, this.patch * this.patch * C]) as tf.Tensor3D;
      return unpatchify(perToken, this.patch, H, W, C);
    });
  }
}
