/**
 * The DiT block (catalogue G9; S3's "DiTBlock"): a Transformer block whose layer norms are modulated by the
 * conditioning vector c (the embedded step plus the embedded label) through shift, scale and gate, the "adaLN-Zero"
 * design of Peebles & Xie 2023. Its pieces (layer norm without affine, modulate, the tanh GELU) are exported so a DiT
 * ε-model can also build its final layer (adaLN shift/scale, then a zero-initialised linear map to p²C, then G8).
 */
import * as tf from '@tensorflow/tfjs-core';
import { oneHotRows, stepsFor } from '../models/labels.js';
import { applyDense, dense, ParamStore, swish, type Dense } from '../nn/layers.js';
import { assertRank, assertTensor } from '../util/tensor.js';
import { assertCount, assertObject, assertPositive, DomainError } from '../util/validate.js';
import { applyMultiHeadSelfAttention, multiHeadSelfAttention, type MultiHeadSelfAttention } from './attention.js';
import { ditConditionVector } from './dit-condition.js';

/** DiT's layer-norm epsilon (`nn.LayerNorm(…, elementwise_affine=False, eps=1e-6)` in its code). */
export const DIT_LAYER_NORM_EPS = 1e-6;

/**
 * Layer normalisation over the last axis, without a learned scale or shift (DiT leaves those to adaLN):
 * y = (x − mean(x)) / √(var(x) + ε), the mean and the (biased) variance taken over the D features of each token.
 * Built from tf ops whose gradients every backend has.
 */
export function layerNorm<T extends tf.Tensor>(x: T, eps = DIT_LAYER_NORM_EPS): T {
  assertTensor('layerNorm', 'x', x, false);
  if (x.rank < 1 || x.size === 0) throw new DomainError('layerNorm', 'x', 'a non-empty tensor of rank >= 1 (features last)', `[${x.shape}]`);
  assertPositive('layerNorm', 'eps', eps);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as T;
  });
}

/**
 * adaLN's modulation of normalised tokens x [B, N, D] by one shift and one scale per example [B, D]:
 * x ⊙ (1 + scale) + shift (the "1 +" makes scale = 0 the identity, so a zero-initialised modulation changes nothing).
 */
export function modulate(x: tf.Tensor3D, shift: tf.Tensor2D, scale: tf.Tensor2D): tf.Tensor3D {
  assertRank('modulate', 'x', x, 3, 'tokens [B, N, D]', false);
  const [B, , D] = x.shape;
  for (const [name, t] of [['shift', shift], ['scale', scale]] as const) {
    assertRank('modulate', name, t, 2, `one row per example [${B}, ${D}]`, false);
    if (t.shape[0] !== B || t.shape[1] !== D) throw new DomainError('modulate', name, `shape [${B}, ${D}] to match x [${x.shape}]`, `[${t.shape}]`);
  }
  return tf.tidy(() => tf.add(tf.mul(x, tf.add(1, tf.expandDims(scale, 1))), tf.expandDims(shift, 1)) as tf.Tensor3D);
}

/**
 * GELU in its tanh approximation, as DiT's MLP uses it (`nn.GELU(approximate="tanh")`): x Φ(x) with Φ replaced by
 * A13's tanh form ½(1 + tanh(√(2/π)(x + 0.044715 x³))).
 */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  assertTensor('geluTanh', 'x', x, false);
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner))) as T;
  });
}

/** The sizes of a DiT block. */
export interface DitBlockOptions {
  /** D, the token width. */
  readonly dim: number;
  /** Attention heads; must divide D. */
  readonly heads: number;
  /** The conditioning vector's width (default D, as in DiT). */
  readonly condDim?: number;
  /** The MLP's hidden width is mlpRatio · D (default 4, DiT's). */
  readonly mlpRatio?: number;
}

/** A DiT block's variables. */
export interface DitBlock {
  readonly dim: number;
  readonly attention: MultiHeadSelfAttention;
  /** D → mlpRatio·D (tanh GELU) → D. */
  readonly mlp: readonly [Dense, Dense];
  /** condDim → 6D, zero-initialised: (shift, scale, gate) for the attention branch, then for the MLP branch. */
  readonly modulation: Dense;
}

/**
 * G9 — a DiT block's variables, adaLN-Zero initialised: the modulation's weight and bias are zeros, so every gate is
 * 0 and the block is the identity until training moves them (Peebles & Xie 2023 §3.2: zero-initialising the
 * regression of the gates makes the whole DiT block start as the identity, as identity-initialised residual blocks
 * help ResNets).
 */
export function ditBlock(ps: ParamStore, name: string, options: DitBlockOptions): DitBlock {
  const fn = 'ditBlock';
  if (!(ps instanceof ParamStore)) throw new DomainError(fn, 'ps', 'a ParamStore', ps);
  assertObject(fn, 'options', options);
  const { dim, heads, condDim = dim, mlpRatio = 4 } = options;
  assertCount(fn, 'options.dim', dim, 1, 2 ** 14);
  assertCount(fn, 'options.heads', heads, 1, dim);
  if (dim % heads) throw new DomainError(fn, 'options.heads', `a divisor of dim = ${dim}`, heads);
  assertCount(fn, 'options.condDim', condDim, 1, 2 ** 14);
  assertCount(fn, 'options.mlpRatio', mlpRatio, 1, 16);
  return {
    dim,
    attention: multiHeadSelfAttention(ps, `${name}/attn`, dim, heads),
    mlp: [dense(ps, `${name}/mlp1`, dim, mlpRatio * dim), dense(ps, `${name}/mlp2`, mlpRatio * dim, dim)],
    modulation: { w: ps.zeros(`${name}/adaLN/w`, [condDim, 6 * dim]), b: ps.zeros(`${name}/adaLN/b`, [6 * dim]) },
  };
}

/** The six modulation vectors of a DiT block for conditioning c [B, condDim], each [B, D], in DiT's order. */
export interface DitModulation {
  readonly shiftAttention: tf.Tensor2D;
  readonly scaleAttention: tf.Tensor2D;
  readonly gateAttention: tf.Tensor2D;
  readonly shiftMlp: tf.Tensor2D;
  readonly scaleMlp: tf.Tensor2D;
  readonly gateMlp: tf.Tensor2D;
}

/**
 * G9 — (shift, scale, gate)×2 = Linear(SiLU(c)), split into six [B, D] rows (DiT: `adaLN_modulation(c).chunk(6)`).
 */
export function ditModulation(b: DitBlock, c: tf.Tensor2D): DitModulation {
  assertObject('ditModulation', 'b', b);
  const condDim = b.modulation.w.shape[0]!;
  assertRank('ditModulation', 'c', c, 2, `conditioning [B, ${condDim}]`, false);
  if (c.shape[1] !== condDim) throw new DomainError('ditModulation', 'c', `conditioning [B, ${condDim}] to match the block`, `[${c.shape}]`);
  const [B] = c.shape;
  const D = b.dim;
  const parts = tf.tidy(() => tf.unstack(tf.reshape(applyDense(b.modulation, swish(c)), [B, 6, D]), 1)) as tf.Tensor2D[];
  const [shiftAttention, scaleAttention, gateAttention, shiftMlp, scaleMlp, gateMlp] = parts as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return { shiftAttention, scaleAttention, gateAttention, shiftMlp, scaleMlp, gateMlp };
}

/**
 * G9 — the DiT block with adaLN-Zero conditioning: each branch (self-attention G6, then the MLP) sees the tokens
 * layer-normed and modulated by (shift, scale) from c, and its output enters the residual stream scaled by a gate
 * from c. With zero gates the block returns x itself.
 *
 * ```tex
 * (\gamma_1,\beta_1,\alpha_1,\gamma_2,\beta_2,\alpha_2)=W\,\operatorname{SiLU}(c)+b,\qquad c=e_t(t)+e_y(y)\\
 * x\leftarrow x+\alpha_1\odot\operatorname{MHSA}\big(\operatorname{LN}(x)\odot(1+\beta_1)+\gamma_1\big)\\
 * x\leftarrow x+\alpha_2\odot\operatorname{MLP}\big(\operatorname{LN}(x)\odot(1+\beta_2)+\gamma_2\big)
 * ```
 * (γ shift, β scale, α gate; W, b start at zero.) Source: Peebles & Xie 2023 §3.2 ("adaLN-Zero block") and their
 * code (`DiTBlock`, `modulate`); S3 (DiTBlock). The conditioning c is the model's: DiT embeds t by G1 + an MLP and y
 * by a table with one extra row for the dropped label (F6).
 * @param x - tokens [B, N, D]
 * @param c - conditioning [B, condDim]
 */
export function applyDitBlock(b: DitBlock, x: tf.Tensor3D, c: tf.Tensor2D): tf.Tensor3D {
  const fn = 'applyDitBlock';
  assertObject(fn, 'b', b);
  const D = b.dim;
  assertRank(fn, 'x', x, 3, `tokens [B, N, ${D}]`, false);
  const [B, N] = x.shape;
  if (x.shape[2] !== D || B * N === 0) throw new DomainError(fn, 'x', `non-empty tokens [B, N, ${D}] to match the block`, `[${x.shape}]`);
  const condDim = b.modulation.w.shape[0]!;
  assertRank(fn, 'c', c, 2, `conditioning [${B}, ${condDim}]`, false);
  if (c.shape[0] !== B || c.shape[1] !== condDim) throw new DomainError(fn, 'c', `conditioning [${B}, ${condDim}]: one row of the block's width per example`, `[${c.shape}]`);
  return tf.tidy(() => {
    const m = ditModulation(b, c);
    const gated = (branch: tf.Tensor3D, gate: tf.Tensor2D) => tf.mul(tf.expandDims(gate, 1), branch);
    const attnIn = modulate(layerNorm(x, DIT_LAYER_NORM_EPS), m.shiftAttention, m.scaleAttention);
    const h = tf.add(x, gated(applyMultiHeadSelfAttention(b.attention, attnIn), m.gateAttention)) as tf.Tensor3D;
    const mlpIn = tf.reshape(modulate(layerNorm(h, DIT_LAYER_NORM_EPS), m.shiftMlp, m.scaleMlp), [B * N, D]) as tf.Tensor2D;
    const [up, down] = b.mlp;
    const mlpOut = tf.reshape(applyDense(down, geluTanh(applyDense(up, mlpIn))), [B, N, D]) as tf.Tensor3D;
    return tf.add(h, gated(mlpOut, m.gateMlp)) as tf.Tensor3D;
  });
}

/** The sizes of DiT's conditioning embedder. */
export interface DitConditionerOptions {
  /** The width of c (DiT: the token width D). */
  readonly dim: number;
  /** The width of the sinusoidal embedding of t fed to the MLP (DiT: 256); even. */
  readonly frequencyDim?: number;
  /** Label classes; 0 for an unconditional model. Label `numClasses` is the dropped label ∅ (F6). */
  readonly numClasses?: number;
}

/** The conditioning embedder's variables. */
export interface DitConditioner {
  readonly frequencyDim: number;
  readonly numClasses: number;
  /** frequencyDim → dim (SiLU) → dim. */
  readonly time: readonly [Dense, Dense];
  /** One row per class and one for ∅ ((numClasses + 1) × dim, a table read by one-hot rows); none if unconditional. */
  readonly labels: Dense | undefined;
}

/**
 * G9 — the variables of DiT's conditioning embedder: an MLP on the sinusoidal embedding of t and, for a conditional
 * model, a label table with one extra row for the dropped label (Glorot-uniform; DiT draws the table from N(0, 0.02²)).
 */
export function ditConditioner(ps: ParamStore, name: string, options: DitConditionerOptions): DitConditioner {
  const fn = 'ditConditioner';
  if (!(ps instanceof ParamStore)) throw new DomainError(fn, 'ps', 'a ParamStore', ps);
  assertObject(fn, 'options', options);
  const { dim, frequencyDim = 256, numClasses = 0 } = options;
  assertCount(fn, 'options.dim', dim, 1, 2 ** 14);
  assertCount(fn, 'options.frequencyDim', frequencyDim, 4, 2 ** 14);
  if (frequencyDim % 2) throw new DomainError(fn, 'options.frequencyDim', 'an even integer (cos/sin pairs)', frequencyDim);
  assertCount(fn, 'options.numClasses', numClasses, 0, 2 ** 16);
  return {
    frequencyDim,
    numClasses,
    time: [dense(ps, `${name}/t1`, frequencyDim, dim), dense(ps, `${name}/t2`, dim, dim)],
    labels: numClasses > 0 ? dense(ps, `${name}/y`, numClasses + 1, dim, false) : undefined,
  };
}

/**
 * G9 — DiT's conditioning vector c = e_t(t) + e_y(y): the step's sinusoidal embedding (G1 in the
 * 'improved-diffusion' layout [cos | sin] that DiT's `timestep_embedding` uses) through Linear–SiLU–Linear, plus the
 * label's row of the table (the ∅ row when `labels` is null, or for label `numClasses`).
 *
 * ```tex
 * c=W_2\,\operatorname{SiLU}\big(W_1\,\mathrm{emb}(t)+b_1\big)+b_2+E_{y},\qquad y\in\{0..K-1\}\cup\{\varnothing=K\}
 * ```
 * Source: Peebles & Xie 2023 §3.2 (adaLN regresses its parameters from the sum of the embeddings of t and the class;
 * `TimestepEmbedder`, `LabelEmbedder` in their code); S3 (DiT), S1 (classifier-free guidance's dropped label).
 * @param t - one step for the batch or one per example (any finite t >= 0)
 * @param labels - integer labels [B] in 0..numClasses, or null for ∅ (unconditional models take null)
 * @returns c [B, dim]
 */
export function applyDitConditioner(l: DitConditioner, t: number | ArrayLike<number>, labels: tf.Tensor | null, batch: number): tf.Tensor2D {
  const fn = 'applyDitConditioner';
  assertObject(fn, 'l', l);
  assertCount(fn, 'batch', batch, 1, 2 ** 16);
  const steps = stepsFor(fn, t, batch);
  if (!l.labels && labels !== null) throw new DomainError(fn, 'labels', 'null for an unconditional embedder (numClasses = 0)', labels);
  return tf.tidy(() => ditConditionVector(l, steps, l.labels ? oneHotRows(fn, labels, batch, l.numClasses) : undefined));
}
