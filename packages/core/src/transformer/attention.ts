/**
 * The Transformer's attention (catalogue G5, G6), the part of DiT (S3) that mixes information between tokens.
 * Tensors are batch first: tokens [B, N, D]. The attention core is one custom-gradient op (its gradient written as
 * transposes + matMuls and the softmax Jacobian-vector product), checked against tf's autodiff of the textbook
 * composition and against finite differences in `transformer.test.ts`, on the cpu and the wasm backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { applyDense, dense, ParamStore, type Dense } from '../nn/layers.js';
import { assertRank } from '../util/tensor.js';
import { assertCount, assertObject, DomainError } from '../util/validate.js';

/** Swap the last two axes of a rank-3 tensor (the batched matrix transpose). */
function transposeLast(a: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(a, [0, 2, 1]);
}

/**
 * The attention core for q [B, Nq, d], k [B, Nk, d], v [B, Nk, dv]. Forward: S = QKᵀ/√d, P = softmax_rows(S),
 * O = PV. Backward (dO given): dV = Pᵀ dO; dP = dO Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)) (the softmax's Jacobian
 * applied row by row); dQ = dS K/√d; dK = dSᵀ Q/√d. Transposes are explicit: tfjs's matMul gradient with transpose
 * flags is the slow path on wasm (shared PERFORMANCE.md).
 */
const attentionCore = tf.customGrad(((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => {
  const scale = 1 / Math.sqrt(q.shape[2]!);
  const scores = tf.mul(tf.matMul(q as tf.Tensor3D, transposeLast(k as tf.Tensor3D)), scale);
  const weights = tf.softmax(scores) as tf.Tensor3D;
  save([q, k, v, weights]);
  return {
    value: tf.matMul(weights, v as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [qs, ks, vs, p] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const dOut = dy as tf.Tensor3D;
      const dV = tf.matMul(transposeLast(p), dOut);
      const dP = tf.matMul(dOut, transposeLast(vs));
      const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), 2, true))) as tf.Tensor3D;
      const dQ = tf.mul(tf.matMul(dS, ks), scale);
      const dK = tf.mul(tf.matMul(transposeLast(dS), qs), scale);
      return [dQ, dK, dV];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D) => tf.Tensor3D;

/**
 * G5 — scaled dot-product attention: each query's output is the average of the values, weighted by the softmax of
 * its dot products with the keys, scaled by 1/√d so the scores keep unit variance as d grows.
 *
 * ```tex
 * \operatorname{Attention}(Q,K,V)=\operatorname{softmax}\!\Big(\frac{QK^\top}{\sqrt{d_k}}\Big)V,\qquad
 * o_i=\sum_j\frac{e^{q_i\cdot k_j/\sqrt{d_k}}}{\sum_{j'}e^{q_i\cdot k_{j'}/\sqrt{d_k}}}\,v_j
 * ```
 * Source: Vaswani et al. 2017 §3.2.1 (Eq. 1); S3 (DiT's blocks are Transformer blocks), S0 (the UNet "nests a few
 * Transformer mechanisms"). One custom-gradient op (see attentionCore), the gradient every backend can run.
 * @param q - queries [B, Nq, d]
 * @param k - keys [B, Nk, d]
 * @param v - values [B, Nk, dv]
 * @returns [B, Nq, dv]
 */
export function scaledDotProductAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  const fn = 'scaledDotProductAttention';
  assertRank(fn, 'q', q, 3, 'queries [B, Nq, d]', false);
  assertRank(fn, 'k', k, 3, 'keys [B, Nk, d]', false);
  assertRank(fn, 'v', v, 3, 'values [B, Nk, dv]', false);
  const [B, , d] = q.shape;
  if (k.shape[0] !== B || k.shape[2] !== d) throw new DomainError(fn, 'k', `shape [${B}, Nk, ${d}] to match q [${q.shape}]`, `[${k.shape}]`);
  if (v.shape[0] !== B || v.shape[1] !== k.shape[1]) throw new DomainError(fn, 'v', `shape [${B}, ${k.shape[1]}, dv] to match k [${k.shape}]`, `[${v.shape}]`);
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    if (t.size === 0) throw new DomainError(fn, name, 'a non-empty tensor (no token, no attention)', `[${t.shape}]`);
  }
  return attentionCore(q, k, v);
}

/** A multi-head self-attention layer's variables: the joint projection to (Q, K, V) and the output projection. */
export interface MultiHeadSelfAttention {
  readonly heads: number;
  /** D → 3D: columns [0, D) give Q, [D, 2D) K, [2D, 3D) V; inside each, head h owns columns [h·D/heads, (h+1)·D/heads). */
  readonly qkv: Dense;
  /** D → D, applied to the heads' outputs concatenated in head order. */
  readonly proj: Dense;
}

/**
 * G6 — the variables of a multi-head self-attention layer of width `dim` with `heads` heads of dim/heads each
 * (Glorot-uniform weights, zero biases; the layout of DiT's `Attention`, timm's: one Linear(D, 3D) then a split).
 */
export function multiHeadSelfAttention(ps: ParamStore, name: string, dim: number, heads: number): MultiHeadSelfAttention {
  const fn = 'multiHeadSelfAttention';
  if (!(ps instanceof ParamStore)) throw new DomainError(fn, 'ps', 'a ParamStore', ps);
  assertCount(fn, 'dim', dim, 1, 2 ** 14);
  assertCount(fn, 'heads', heads, 1, dim);
  if (dim % heads) throw new DomainError(fn, 'heads', `a divisor of dim = ${dim}`, heads);
  return { heads, qkv: dense(ps, `${name}/qkv`, dim, 3 * dim), proj: dense(ps, `${name}/proj`, dim, dim) };
}

/**
 * G6 — multi-head self-attention: the tokens are projected to queries, keys and values, split into h heads that
 * attend (G5) independently in subspaces of dimension D/h, and the heads' outputs are concatenated and projected.
 * No position enters here: permuting the tokens permutes the output (DiT adds positions at the patch embedding, G7).
 *
 * ```tex
 * \operatorname{MHSA}(X)=[\,\mathrm{head}_1;\dots;\mathrm{head}_h\,]\,W^O+b^O,\qquad
 * \mathrm{head}_i=\operatorname{Attention}(XW_i^Q+b_i^Q,\;XW_i^K+b_i^K,\;XW_i^V+b_i^V)
 * ```
 * Source: Vaswani et al. 2017 §3.2.2; Peebles & Xie 2023 §3.2 (DiT blocks use standard multi-head self-attention);
 * S3 (the DiT block).
 * @param x - tokens [B, N, D]
 * @returns [B, N, D]
 */
export function applyMultiHeadSelfAttention(l: MultiHeadSelfAttention, x: tf.Tensor3D): tf.Tensor3D {
  const fn = 'applyMultiHeadSelfAttention';
  assertObject(fn, 'l', l);
  const D = l.proj.w.shape[0]!;
  assertRank(fn, 'x', x, 3, `tokens [B, N, ${D}]`, false);
  const [B, N, Dx] = x.shape;
  if (Dx !== D) throw new DomainError(fn, 'x', `tokens [B, N, ${D}] to match the layer`, `[${x.shape}]`);
  if (B * N === 0) throw new DomainError(fn, 'x', 'at least one token', `[${x.shape}]`);
  const h = l.heads;
  const dh = D / h;
  return tf.tidy(() => {
    const qkv = applyDense(l.qkv, tf.reshape(x, [B * N, D]) as tf.Tensor2D);
    // [B·N, 3D] → Q, K, V each [B·N, D] → [B, N, h, dh] → [B, h, N, dh]: one attention problem per (example, head).
    // (Split first, then three rank-4 transposes: one rank-5 transpose of all three took 100× longer on wasm.)
    const perHead = (m: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(m, [B, N, h, dh]), [0, 2, 1, 3]), [B * h, N, dh]) as tf.Tensor3D;
    const [q, k, v] = tf.split(qkv, 3, 1).map(perHead) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const heads = attentionCore(q, k, v); // [B·h, N, dh]
    const joined = tf.reshape(tf.transpose(tf.reshape(heads, [B, h, N, dh]), [0, 2, 1, 3]), [B * N, D]) as tf.Tensor2D;
    return tf.reshape(applyDense(l.proj, joined), [B, N, D]) as tf.Tensor3D;
  });
}
