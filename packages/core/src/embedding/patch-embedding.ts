/**
 * DiT's input layer (catalogue G7): patchify (G3), a linear map of each p²C-dimensional patch to the token width D,
 * and a fixed 2-D sine-cosine position embedding added to each token, so that attention (G6), which is blind to
 * order, can tell where a patch came from.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyDense, dense, ParamStore, type Dense } from '../nn/layers.js';
import { assertRank } from '../util/tensor.js';
import { assertCount, assertObject, DomainError, MAX_COUNT } from '../util/validate.js';
import { patchCount, patchify, sinusoidalEmbedding } from './embedding.js';

/**
 * G7 — the 2-D sine-cosine position embedding of a gridH × gridW grid of patches, as DiT builds it (MAE's
 * `get_2d_sincos_pos_embed`): the token at grid row r, column s (token index n = r·gridW + s, patchify's order) gets
 * [e(s) | e(r)], each half the 1-D embedding of G1 with dim/2 entries ([sin | cos], ω_i = 10000^{−i/(dim/4)}). The
 * column comes first: MAE's meshgrid puts w before h. Float64, row-major [gridH·gridW, dim].
 *
 * ```tex
 * \mathrm{pos}_{r\,W_g+s}=\big[\,e_{D/2}(s)\;\big|\;e_{D/2}(r)\,\big],\qquad
 * e_{D/2}(u)=\big[\sin(\omega_iu)\big]_{i<D/4}\,\big|\,\big[\cos(\omega_iu)\big]_{i<D/4},\quad \omega_i=10000^{-4i/D}
 * ```
 * Source: Peebles & Xie 2023 §3.2 ("we apply standard ViT frequency-based positional embeddings (the sine-cosine
 * version) to all input tokens"; `get_2d_sincos_pos_embed` in their code, from MAE); S3 (PatchEmbed → tokens).
 * @param dim - D, a multiple of 4 (a sin/cos pair per frequency, half the width per axis)
 */
export function sinCosPositionEmbedding2d(gridH: number, gridW: number, dim: number): Float64Array {
  const fn = 'sinCosPositionEmbedding2d';
  assertCount(fn, 'gridH', gridH, 1, 2 ** 14);
  assertCount(fn, 'gridW', gridW, 1, 2 ** 14);
  assertCount(fn, 'dim', dim, 4, 2 ** 16);
  if (dim % 4) throw new DomainError(fn, 'dim', 'a multiple of 4 (sin and cos of dim/4 frequencies per axis)', dim);
  if (gridH * gridW * dim > MAX_COUNT) throw new DomainError(fn, 'dim', `at most 2^28 values in all (gridH·gridW·dim)`, `${gridH}·${gridW}·${dim}`);
  const half = dim / 2;
  const out = new Float64Array(gridH * gridW * dim);
  const columns = Array.from({ length: gridW }, (_, s) => sinusoidalEmbedding(s, half));
  for (let r = 0; r < gridH; r++) {
    const row = sinusoidalEmbedding(r, half);
    for (let s = 0; s < gridW; s++) {
      const n = r * gridW + s;
      out.set(columns[s]!, n * dim);
      out.set(row, n * dim + half);
    }
  }
  return out;
}

/** The sizes of a patch embedding. */
export interface PatchEmbeddingOptions {
  /** Image (or latent) height and width; p must divide both. */
  readonly H: number;
  readonly W: number;
  /** Channels C. */
  readonly channels: number;
  /** Patch side p. */
  readonly patch: number;
  /** Token width D, a multiple of 4 (the position embedding's layout). */
  readonly dim: number;
}

/** A patch embedding's variables and its fixed position table. */
export interface PatchEmbedding {
  readonly H: number;
  readonly W: number;
  readonly channels: number;
  readonly patch: number;
  /** p²C → D (DiT: a p×p convolution with stride p, the same map on each patch). */
  readonly proj: Dense;
  /** G7's position embedding as float32 [N·D]: fixed, not trained, not in the ParamStore. */
  readonly position: Float32Array;
}

/**
 * G7 — a patch embedding's variables (Glorot-uniform projection, zero bias) and its fixed position table.
 */
export function patchEmbedding(ps: ParamStore, name: string, options: PatchEmbeddingOptions): PatchEmbedding {
  const fn = 'patchEmbedding';
  if (!(ps instanceof ParamStore)) throw new DomainError(fn, 'ps', 'a ParamStore', ps);
  assertObject(fn, 'options', options);
  const { H, W, channels, patch, dim } = options;
  for (const [arg, v] of [['options.H', H], ['options.W', W], ['options.channels', channels], ['options.patch', patch]] as const) assertCount(fn, arg, v, 1, 2 ** 14);
  if (H % patch || W % patch) throw new DomainError(fn, 'options.patch', `a divisor of H = ${H} and W = ${W}`, patch);
  assertCount(fn, 'options.dim', dim, 4, 2 ** 14);
  if (dim % 4) throw new DomainError(fn, 'options.dim', 'a multiple of 4 (the 2-D sin-cos layout)', dim);
  const { tokenDim } = patchCount(H, W, channels, patch);
  if (tokenDim > 2 ** 16) throw new DomainError(fn, 'options.patch', 'a patch of at most 2^16 numbers (p²C)', patch);
  const position = Float32Array.from(sinCosPositionEmbedding2d(H / patch, W / patch, dim));
  return { H, W, channels, patch, proj: dense(ps, `${name}/proj`, tokenDim, dim), position };
}

/**
 * G7 — DiT's patch embedding: patchify x (G3), map each p²C patch linearly to D, add the position embedding.
 *
 * ```tex
 * z_n=\operatorname{patchify}(x)_n\,W_E+b_E+\mathrm{pos}_n,\qquad n=1..N=\frac{HW}{p^2}
 * ```
 * Source: Peebles & Xie 2023 §3.2 ("Patchify"); S3 ("通过 MLP 将 patch 映射 D 大小的维度": each patch mapped to D).
 * @param x - images or latents [B, H, W, C]
 * @returns tokens [B, N, D]
 */
export function applyPatchEmbedding(l: PatchEmbedding, x: tf.Tensor4D): tf.Tensor3D {
  const fn = 'applyPatchEmbedding';
  assertObject(fn, 'l', l);
  const { H, W, channels, patch } = l;
  assertRank(fn, 'x', x, 4, `images [B, ${H}, ${W}, ${channels}]`, false);
  const [B, xh, xw, xc] = x.shape;
  if (xh !== H || xw !== W || xc !== channels || B === 0) throw new DomainError(fn, 'x', `images [B >= 1, ${H}, ${W}, ${channels}] to match the layer`, `[${x.shape}]`);
  const D = l.proj.w.shape[1]!;
  const N = (H * W) / (patch * patch);
  return tf.tidy(() => {
    const tokens = patchify(x, patch);
    const projected = tf.reshape(applyDense(l.proj, tf.reshape(tokens, [B * N, tokens.shape[2]]) as tf.Tensor2D), [B, N, D]);
    return tf.add(projected, tf.tensor2d(l.position, [N, D])) as tf.Tensor3D;
  });
}
