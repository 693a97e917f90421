/**
 * Network input pieces that are formulas (catalogue G1, G3): the sinusoidal timestep embedding and DiT's patchify.
 * (G2, the S4 UNet, is architecture: see models/unet.ts. G4's shape bookkeeping is here; its autoencoder is a model.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertCount, assertFinite, assertPositive, DomainError, isNumberArray, MAX_COUNT } from '../util/validate.js';
import { assertRank, type Steps } from '../util/tensor.js';

function assertEmbeddingArgs(fn: string, dim: number, maxPeriod: number): void {
  assertCount(fn, 'dim', dim, 2, 2 ** 20);
  if (dim % 2 !== 0) throw new DomainError(fn, 'dim', 'an even integer >= 2 (sin/cos pairs)', dim);
  assertPositive(fn, 'maxPeriod', maxPeriod); // log(maxPeriod) must be finite, or every frequency is NaN
}

/**
 * G1 — the layouts of the sinusoidal embedding in use, as named options (h = dim/2, i = 0..h−1):
 * - `'ours'` (the default): [sin | cos], ω_i = P^{−i/h} (Vaswani et al.'s frequencies, halves concatenated);
 * - `'ddpm'`: [sin | cos], ω_i = P^{−i/(h−1)}, so the last frequency is exactly 1/P — Ho et al.'s
 *   `get_timestep_embedding` (diffusion_tf/nn.py: `emb = log(10000) / (half_dim − 1)`); needs dim ≥ 4;
 * - `'improved-diffusion'`: [cos | sin], ω_i = P^{−i/h} — Nichol & Dhariwal's `timestep_embedding` (nn.py), also
 *   guided-diffusion's.
 * P is `maxPeriod` (10000 in all three). A checkpoint trained with one layout needs the same one to sample.
 */
export type EmbeddingConvention = 'ours' | 'ddpm' | 'improved-diffusion';

function assertConvention(fn: string, dim: number, convention: EmbeddingConvention): void {
  if (convention !== 'ours' && convention !== 'ddpm' && convention !== 'improved-diffusion') {
    throw new DomainError(fn, 'convention', "'ours', 'ddpm' or 'improved-diffusion'", convention);
  }
  if (convention === 'ddpm' && dim < 4) throw new DomainError(fn, 'dim', "an even integer >= 4 for 'ddpm' (it divides by h − 1)", dim);
}

/** The frequencies ω_i, i = 0..dim/2 − 1, in float64: P^{−i/h} (`'ours'`, `'improved-diffusion'`) or P^{−i/(h−1)} (`'ddpm'`). */
export function embeddingFrequencies(dim: number, maxPeriod = 10000, convention: EmbeddingConvention = 'ours'): Float64Array {
  assertEmbeddingArgs('embeddingFrequencies', dim, maxPeriod);
  assertConvention('embeddingFrequencies', dim, convention);
  const half = dim / 2;
  const denominator = convention === 'ddpm' ? half - 1 : half;
  return Float64Array.from({ length: half }, (_, i) => Math.exp((-Math.log(maxPeriod) * i) / denominator));
}

/**
 * G1 — the sinusoidal embedding of a step t (Transformer position encoding, used by DDPM for t):
 * e(t) = [sin(ω_0 t), …, sin(ω_{h−1} t), cos(ω_0 t), …, cos(ω_{h−1} t)], ω_i = 10000^{−i/h}, h = dim/2.
 * Float64 scalar version. `convention` selects the reference codebases' layouts ({@link EmbeddingConvention}).
 *
 * ```tex
 * e(t)_i=\sin(\omega_i t),\quad e(t)_{h+i}=\cos(\omega_i t),\qquad \omega_i=10000^{-i/h}
 * ```
 * Source: S0 (t treated as a position encoding), Vaswani et al. 2017 §3.5, Ho et al. 2020 Appendix B (and its
 * code, for `'ddpm'`), Nichol & Dhariwal 2021's code (for `'improved-diffusion'`).
 */
export function sinusoidalEmbedding(t: number, dim: number, maxPeriod = 10000, convention: EmbeddingConvention = 'ours'): Float64Array {
  assertFinite('sinusoidalEmbedding', 't', t);
  assertEmbeddingArgs('sinusoidalEmbedding', dim, maxPeriod);
  assertConvention('sinusoidalEmbedding', dim, convention);
  const w = embeddingFrequencies(dim, maxPeriod, convention);
  const cosFirst = convention === 'improved-diffusion';
  const out = new Float64Array(dim);
  w.forEach((wi, i) => {
    out[cosFirst ? i + w.length : i] = Math.sin(wi * t);
    out[cosFirst ? i : i + w.length] = Math.cos(wi * t);
  });
  return out;
}

/**
 * G1 — the same embedding for a batch of steps as a float32 tensor [B, dim] (angles computed in float64, so large t
 * keep their precision).
 */
export function timestepEmbedding(t: Steps, dim: number, maxPeriod = 10000, convention: EmbeddingConvention = 'ours'): tf.Tensor2D {
  assertEmbeddingArgs('timestepEmbedding', dim, maxPeriod); // before sizing the buffer: a negative dim is a DomainError
  assertConvention('timestepEmbedding', dim, convention);
  if (typeof t !== 'number' && !isNumberArray(t)) throw new DomainError('timestepEmbedding', 't', 'one step or an array of steps', t);
  const ts = typeof t === 'number' ? [t] : Array.from(t);
  ts.forEach((s, i) => assertFinite('timestepEmbedding', typeof t === 'number' ? 't' : `t[${i}]`, s));
  if (ts.length * dim > MAX_COUNT) throw new DomainError('timestepEmbedding', 't', `at most ${Math.floor(MAX_COUNT / dim)} steps for dim = ${dim}`, `${ts.length} steps`);
  if (ts.length === 0) throw new DomainError('timestepEmbedding', 't', 'one step or a non-empty array of steps', '[] (empty)');
  const data = new Float32Array(ts.length * dim);
  ts.forEach((s, b) => data.set(sinusoidalEmbedding(s, dim, maxPeriod, convention), b * dim));
  return tf.tensor2d(data, [ts.length, dim]);
}

/**
 * G3 — DiT's token count and size: an H×W×C latent cut into p×p patches gives N = HW/p² tokens of dimension p²C.
 *
 * ```tex
 * N=\frac{HW}{p^2},\qquad d_{token}=p^2C
 * ```
 * Source: S3 (DiT: 32×32×4 with p = 2 → 256 tokens), Peebles & Xie 2023 §3.2.
 */
export function patchCount(H: number, W: number, C: number, p: number): { tokens: number; tokenDim: number } {
  for (const [name, v] of [['H', H], ['W', W], ['C', C], ['p', p]] as const) assertCount('patchCount', name, v, 1);
  if (H % p !== 0 || W % p !== 0) throw new DomainError('patchCount', 'p', `a divisor of H = ${H} and W = ${W}`, p);
  return { tokens: (H * W) / (p * p), tokenDim: p * p * C };
}

/**
 * G3 — patchify [B, H, W, C] → [B, N, p²C], patches in row-major order, each flattened as (row, col, channel).
 */
export function patchify(x: tf.Tensor4D, p: number): tf.Tensor3D {
  assertRank('patchify', 'x', x, 4, 'images [B, H, W, C]');
  const [B, H, W, C] = x.shape;
  assertCount('patchify', 'p', p, 1);
  if (H % p !== 0 || W % p !== 0) throw new DomainError('patchify', 'p', `a divisor of H = ${H} and W = ${W}`, p);
  const { tokens, tokenDim } = patchCount(H, W, C, p);
  return tf.tidy(() => {
    const grid = tf.reshape(x, [B, H / p, p, W / p, p, C]);
    return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [B, tokens, tokenDim]) as tf.Tensor3D;
  });
}

/**
 * G8 — unpatchify, the exact inverse of G3's {@link patchify}: [B, N, p²C] → [B, H, W, C], token n = r·(W/p) + s
 * going back to rows rp..rp+p−1 and columns sp..sp+p−1, its entries read as (row, col, channel). A pure reordering
 * (reshape and transpose, no arithmetic), so both compositions are the identity bit for bit. DiT's decoder maps each
 * token to p²C numbers with a linear layer and then rearranges them this way into the noise prediction.
 *
 * ```tex
 * \operatorname{unpatchify}(T)_{b,\,rp+i,\,sp+j,\,c}=T_{b,\;r\frac Wp+s,\;(ip+j)C+c},\qquad
 * \operatorname{unpatchify}\circ\operatorname{patchify}=\mathrm{id},\quad\operatorname{patchify}\circ\operatorname{unpatchify}=\mathrm{id}
 * ```
 * Source: Peebles & Xie 2023 §3.2 ("Transformer decoder": the tokens are rearranged into the original spatial
 * layout; `unpatchify` in their code); S3 (patchify, whose inverse this is).
 */
export function unpatchify(tokens: tf.Tensor3D, p: number, H: number, W: number, C: number): tf.Tensor4D {
  assertRank('unpatchify', 'tokens', tokens, 3, 'tokens [B, N, D]');
  for (const [name, v] of [['p', p], ['H', H], ['W', W], ['C', C]] as const) assertCount('unpatchify', name, v, 1);
  if (H % p !== 0 || W % p !== 0) throw new DomainError('unpatchify', 'p', `a divisor of H = ${H} and W = ${W}`, p);
  const { tokens: n, tokenDim } = patchCount(H, W, C, p);
  const [B, N, D] = tokens.shape;
  if (N !== n || D !== tokenDim) {
    throw new DomainError('unpatchify', 'tokens', `shape [B, ${n}, ${tokenDim}] for H=${H}, W=${W}, C=${C}, p=${p}`, `shape [${tokens.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const grid = tf.reshape(tokens, [B, H / p, W / p, p, p, C]);
    return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [B, H, W, C]) as tf.Tensor4D;
  });
}

/**
 * G4 — latent diffusion's bookkeeping: an autoencoder with downsampling factor f maps an H×W×C image to an
 * (H/f)×(W/f)×c latent, and diffusion runs there, on HWC/(HWc/f²) = f²C/c times fewer numbers per step.
 *
 * ```tex
 * \mathcal E: \mathbb R^{H\times W\times C}\to\mathbb R^{\frac Hf\times\frac Wf\times c},\qquad
 * \text{compression}=\frac{HWC}{\frac Hf\frac Wf c}=\frac{f^2C}{c}
 * ```
 * Source: S1 (latent diffusion, LDM), Rombach et al. 2022 §3; S3's DiT example takes such a 32×32×4 latent.
 * @param f - the downsampling factor, a divisor of H and W
 * @param c - latent channels
 */
export function latentShape(H: number, W: number, C: number, f: number, c: number): { shape: [number, number, number]; compression: number } {
  for (const [name, v] of [['H', H], ['W', W], ['C', C], ['f', f], ['c', c]] as const) assertCount('latentShape', name, v, 1);
  if (H % f !== 0 || W % f !== 0) throw new DomainError('latentShape', 'f', `a divisor of H = ${H} and W = ${W}`, f);
  return { shape: [H / f, W / f, c], compression: (H * W * C) / ((H / f) * (W / f) * c) };
}
