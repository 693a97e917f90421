import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../nn/backend.js';
import { ParamStore } from '../nn/layers.js';
import { createRng } from '../random/rng.js';
import { assertAllClose, testSeed } from '../testing/expect-close.js';
import { toFloat64, useCpuBackend } from '../testing/tf-setup.js';
import { applyMultiHeadSelfAttention, multiHeadSelfAttention, scaledDotProductAttention, type MultiHeadSelfAttention } from './attention.js';
import { sinusoidalEmbedding } from '../embedding/embedding.js';
import { applyDitBlock, applyDitConditioner, DIT_LAYER_NORM_EPS, ditBlock, ditConditioner, ditModulation, geluTanh, layerNorm, modulate, type DitBlock } from './dit.js';

// Tolerances. The float64 references below are exact to ~1e-15; what separates them from the float32 code is float32
// rounding of sums of at most a few hundred O(1) products: ≤ 2e-5 absolute (≈ 170 ulps at 1). Any wrong index, sign,
// scale (1/d instead of 1/√d) or head split moves outputs by O(0.01–1), far outside.
const F32 = { abs: 2e-5, rel: 2e-5 };
// Finite differences of the float64 reference: central, h = 1e-5, so truncation ~h²·f‴ ≈ 1e-10 and rounding
// ~1e-16/h ≈ 1e-11; the float32 gradient they are compared with carries the 2e-5 of F32 (a few hundred terms).
const FD_H = 1e-5;

const rng = createRng(testSeed(1401));
const randn = (shape: number[], scale = 1) => tf.mul(rng.normalTensor(shape), scale);

// ---------- float64 references, written as the sums of the formulas ----------

/** o[b,i,:] = Σ_j softmax_j(q_i·k_j/√d) v_j, by the double sum (max-subtracted exponentials). */
function attention64(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, B: number, Nq: number, Nk: number, d: number, dv: number): Float64Array {
  const out = new Float64Array(B * Nq * dv);
  const scores = new Float64Array(Nk);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Nq; i++) {
      let max = -Infinity;
      for (let j = 0; j < Nk; j++) {
        let s = 0;
        for (let e = 0; e < d; e++) s += q[(b * Nq + i) * d + e]! * k[(b * Nk + j) * d + e]!;
        scores[j] = s / Math.sqrt(d);
        max = Math.max(max, scores[j]!);
      }
      let z = 0;
      for (let j = 0; j < Nk; j++) z += Math.exp(scores[j]! - max);
      for (let j = 0; j < Nk; j++) {
        const w = Math.exp(scores[j]! - max) / z;
        for (let e = 0; e < dv; e++) out[(b * Nq + i) * dv + e]! += w * v[(b * Nk + j) * dv + e]!;
      }
    }
  }
  return out;
}

/** y = x W + b for x [rows, inD], W [inD, outD] (row-major), b [outD]. */
function dense64(x: ArrayLike<number>, rows: number, inD: number, w: ArrayLike<number>, b: ArrayLike<number>, outD: number): Float64Array {
  const y = new Float64Array(rows * outD);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outD; o++) {
      let s = b[o]!;
      for (let i = 0; i < inD; i++) s += x[r * inD + i]! * w[i * outD + o]!;
      y[r * outD + o] = s;
    }
  }
  return y;
}

interface Mhsa64 {
  wqkv: Float64Array;
  bqkv: Float64Array;
  wo: Float64Array;
  bo: Float64Array;
  heads: number;
}
const readMhsa = (l: MultiHeadSelfAttention): Mhsa64 => ({ wqkv: toFloat64(l.qkv.w), bqkv: toFloat64(l.qkv.b!), wo: toFloat64(l.proj.w), bo: toFloat64(l.proj.b!), heads: l.heads });

/** Multi-head self-attention: head h takes columns [h·dh, (h+1)·dh) of each of Q, K, V; outputs joined in head order. */
function mhsa64(x: ArrayLike<number>, B: number, N: number, D: number, p: Mhsa64): Float64Array {
  const qkv = dense64(x, B * N, D, p.wqkv, p.bqkv, 3 * D);
  const dh = D / p.heads;
  const joined = new Float64Array(B * N * D);
  for (let h = 0; h < p.heads; h++) {
    const pick = (part: number) => {
      const out = new Float64Array(B * N * dh);
      for (let r = 0; r < B * N; r++) for (let e = 0; e < dh; e++) out[r * dh + e] = qkv[r * 3 * D + part * D + h * dh + e]!;
      return out;
    };
    const o = attention64(pick(0), pick(1), pick(2), B, N, N, dh, dh);
    for (let r = 0; r < B * N; r++) for (let e = 0; e < dh; e++) joined[r * D + h * dh + e] = o[r * dh + e]!;
  }
  return dense64(joined, B * N, D, p.wo, p.bo, D);
}

function layerNorm64(x: ArrayLike<number>, rows: number, D: number, eps: number): Float64Array {
  const y = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < D; i++) m += x[r * D + i]! / D;
    let v = 0;
    for (let i = 0; i < D; i++) v += (x[r * D + i]! - m) ** 2 / D;
    for (let i = 0; i < D; i++) y[r * D + i] = (x[r * D + i]! - m) / Math.sqrt(v + eps);
  }
  return y;
}

const gelu64 = (u: number) => 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u ** 3)));
const silu64 = (u: number) => u / (1 + Math.exp(-u));

interface Dit64 {
  attn: Mhsa64;
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
  wm: Float64Array;
  bm: Float64Array;
  hidden: number;
  condDim: number;
}
const readDit = (b: DitBlock): Dit64 => ({
  attn: readMhsa(b.attention),
  w1: toFloat64(b.mlp[0].w),
  b1: toFloat64(b.mlp[0].b!),
  w2: toFloat64(b.mlp[1].w),
  b2: toFloat64(b.mlp[1].b!),
  wm: toFloat64(b.modulation.w),
  bm: toFloat64(b.modulation.b!),
  hidden: b.mlp[0].w.shape[1]!,
  condDim: b.modulation.w.shape[0]!,
});

/** The DiT block as Peebles & Xie write it, one example at a time. */
function ditBlock64(x: ArrayLike<number>, c: ArrayLike<number>, B: number, N: number, D: number, p: Dit64): Float64Array {
  const out = new Float64Array(B * N * D);
  for (let b = 0; b < B; b++) {
    const cb = Array.from({ length: p.condDim }, (_, i) => silu64(c[b * p.condDim + i]!));
    const mod = dense64(cb, 1, p.condDim, p.wm, p.bm, 6 * D); // shift1, scale1, gate1, shift2, scale2, gate2
    const part = (k: number, i: number) => mod[k * D + i]!;
    const xb = Array.from({ length: N * D }, (_, i) => x[b * N * D + i]!);
    const modulated = (t: ArrayLike<number>, shift: number, scale: number) => {
      const n = layerNorm64(t, N, D, DIT_LAYER_NORM_EPS);
      return n.map((u, i) => u * (1 + part(scale, i % D)) + part(shift, i % D));
    };
    const a = mhsa64(modulated(xb, 0, 1), 1, N, D, p.attn);
    const h = xb.map((u, i) => u + part(2, i % D) * a[i]!);
    const up = dense64(modulated(h, 3, 4), N, D, p.w1, p.b1, p.hidden).map(gelu64);
    const m = dense64(up, N, p.hidden, p.w2, p.b2, D);
    for (let i = 0; i < N * D; i++) out[b * N * D + i] = h[i]! + part(5, i % D) * m[i]!;
  }
  return out;
}

/** ∂/∂x_i of Σ f(x) ⊙ r by central differences of a float64 function. */
function finiteDifferenceGradient(f: (x: Float64Array) => Float64Array, x: Float64Array, r: ArrayLike<number>): Float64Array {
  const g = new Float64Array(x.length);
  const objective = (y: Float64Array) => y.reduce((s, u, i) => s + u * r[i]!, 0);
  for (let i = 0; i < x.length; i++) {
    const plus = Float64Array.from(x);
    const minus = Float64Array.from(x);
    plus[i]! += FD_H;
    minus[i]! -= FD_H;
    g[i] = (objective(f(plus)) - objective(f(minus))) / (2 * FD_H);
  }
  return g;
}

/** Gradients of Σ f(inputs) ⊙ r, by tf (the op's own gradient). */
function tfGradients(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], r: tf.Tensor): Float64Array[] {
  return tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs).map(toFloat64);
}

/** Give every variable of a store random values (biases included, so their indexing is checked too). */
function randomise(ps: ParamStore, scale = 0.5): void {
  for (const v of ps.list) v.assign(randn(v.shape, scale));
}

beforeAll(useCpuBackend);

describe('G5 scaled dot-product attention', () => {
  const [B, Nq, Nk, d, dv] = [2, 5, 7, 4, 3];

  it('G5 equals the direct double sum of softmax-weighted values (float64 reference)', () => {
    const q = randn([B, Nq, d], 1.5) as tf.Tensor3D;
    const k = randn([B, Nk, d], 1.5) as tf.Tensor3D;
    const v = randn([B, Nk, dv]) as tf.Tensor3D;
    const out = scaledDotProductAttention(q, k, v);
    expect(out.shape).toEqual([B, Nq, dv]);
    assertAllClose(out.dataSync(), attention64(q.dataSync(), k.dataSync(), v.dataSync(), B, Nq, Nk, d, dv), F32, 'attention');
    // Each output is a convex combination of the values: one key with a huge score returns its value.
    const spike = tf.concat([tf.fill([1, 1, d], 30), tf.zeros([1, Nk - 1, d])], 1) as tf.Tensor3D;
    const picked = scaledDotProductAttention(tf.fill([1, 1, d], 1) as tf.Tensor3D, spike, v.slice([0, 0, 0], [1, Nk, dv]) as tf.Tensor3D);
    assertAllClose(picked.dataSync(), v.slice([0, 0, 0], [1, 1, dv]).dataSync(), { abs: 1e-6 }, 'winner takes all'); // e^{−60} of the rest
  });

  it('G5 permuting keys and values together leaves the output unchanged; permuting queries permutes it', () => {
    const q = randn([1, Nq, d]) as tf.Tensor3D;
    const k = randn([1, Nk, d]) as tf.Tensor3D;
    const v = randn([1, Nk, dv]) as tf.Tensor3D;
    const keyOrder = tf.tensor1d([3, 0, 6, 1, 5, 2, 4], 'int32');
    const queryOrder = tf.tensor1d([4, 2, 0, 3, 1], 'int32');
    const base = scaledDotProductAttention(q, k, v);
    const keysPermuted = scaledDotProductAttention(q, tf.gather(k, keyOrder, 1), tf.gather(v, keyOrder, 1));
    assertAllClose(keysPermuted.dataSync(), base.dataSync(), { abs: 1e-6 }, 'key permutation'); // sum order only
    const queriesPermuted = scaledDotProductAttention(tf.gather(q, queryOrder, 1), k, v);
    expect(Array.from(queriesPermuted.dataSync())).toEqual(Array.from(tf.gather(base, queryOrder, 1).dataSync()));
  });

  it('G5 its custom gradient (q, k, v) equals tf autodiff of matMul–softmax–matMul and finite differences of the double sum', () => {
    const q = randn([B, Nq, d]) as tf.Tensor3D;
    const k = randn([B, Nk, d]) as tf.Tensor3D;
    const v = randn([B, Nk, dv]) as tf.Tensor3D;
    const r = randn([B, Nq, dv]);
    const textbook = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.matMul(tf.softmax(tf.div(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true), Math.sqrt(d))), c as tf.Tensor3D);
    const mine = tfGradients((a, b, c) => scaledDotProductAttention(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D), [q, k, v], r);
    const autodiff = tfGradients(textbook, [q, k, v], r);
    mine.forEach((g, i) => assertAllClose(g, autodiff[i]!, F32, `gradient ${'qkv'[i]} vs autodiff`));
    const [q64, k64, v64] = [toFloat64(q), toFloat64(k), toFloat64(v)];
    const rs = r.dataSync();
    const fd = [
      finiteDifferenceGradient((x) => attention64(x, k64, v64, B, Nq, Nk, d, dv), q64, rs),
      finiteDifferenceGradient((x) => attention64(q64, x, v64, B, Nq, Nk, d, dv), k64, rs),
      finiteDifferenceGradient((x) => attention64(q64, k64, x, B, Nq, Nk, d, dv), v64, rs),
    ];
    mine.forEach((g, i) => assertAllClose(g, fd[i]!, F32, `gradient ${'qkv'[i]} vs finite differences`));
  });

  it('G5 refuses mismatched shapes by name', () => {
    const q = tf.zeros([1, 2, 4]) as tf.Tensor3D;
    expect(() => scaledDotProductAttention(q, tf.zeros([1, 3, 5]) as tf.Tensor3D, tf.zeros([1, 3, 2]) as tf.Tensor3D)).toThrow(/scaledDotProductAttention: argument 'k' must be shape \[1, Nk, 4\]/);
    expect(() => scaledDotProductAttention(q, tf.zeros([1, 3, 4]) as tf.Tensor3D, tf.zeros([1, 2, 2]) as tf.Tensor3D)).toThrow(/scaledDotProductAttention: argument 'v' must be shape \[1, 3, dv\]/);
    expect(() => scaledDotProductAttention(tf.zeros([2, 4]) as never, q, q)).toThrow(/scaledDotProductAttention: argument 'q' must be queries \[B, Nq, d\]/);
  });
});

describe('G6 multi-head self-attention', () => {
  const [B, N, D, heads] = [2, 5, 8, 2];

  function layer(): { ps: ParamStore; l: MultiHeadSelfAttention } {
    const ps = new ParamStore(createRng(testSeed(1402)));
    const l = multiHeadSelfAttention(ps, 'mhsa', D, heads);
    randomise(ps);
    return { ps, l };
  }

  it('G6 equals per-head double sums of the projected tokens, joined in head order and projected (float64 reference)', () => {
    const { l } = layer();
    const x = randn([B, N, D]) as tf.Tensor3D;
    const out = applyMultiHeadSelfAttention(l, x);
    expect(out.shape).toEqual([B, N, D]);
    assertAllClose(out.dataSync(), mhsa64(x.dataSync(), B, N, D, readMhsa(l)), F32, 'MHSA');
  });

  it('G6 is permutation-equivariant: permuting the tokens permutes the output', () => {
    const { l } = layer();
    const x = randn([1, N, D]) as tf.Tensor3D;
    const order = tf.tensor1d([2, 4, 0, 1, 3], 'int32');
    const permutedFirst = applyMultiHeadSelfAttention(l, tf.gather(x, order, 1) as tf.Tensor3D);
    const permutedAfter = tf.gather(applyMultiHeadSelfAttention(l, x), order, 1);
    assertAllClose(permutedFirst.dataSync(), permutedAfter.dataSync(), { abs: 1e-6 }, 'equivariance'); // softmax sums in another order
  });

  it('G6 gradient with respect to the tokens equals finite differences of the float64 reference', () => {
    const { l } = layer();
    const x = randn([1, 3, D]) as tf.Tensor3D;
    const r = randn([1, 3, D]);
    const [g] = tfGradients((t) => applyMultiHeadSelfAttention(l, t as tf.Tensor3D), [x], r);
    const p = readMhsa(l);
    assertAllClose(g!, finiteDifferenceGradient((t) => mhsa64(t, 1, 3, D, p), toFloat64(x), r.dataSync()), F32, 'dMHSA/dx');
  });

  it('G6 refuses a head count that does not divide the width, and tokens of the wrong width', () => {
    const ps = new ParamStore(createRng(1));
    expect(() => multiHeadSelfAttention(ps, 'a', 6, 4)).toThrow("multiHeadSelfAttention: argument 'heads' must be a divisor of dim = 6; received 4");
    const l = multiHeadSelfAttention(ps, 'b', 4, 2);
    expect(() => applyMultiHeadSelfAttention(l, tf.zeros([1, 3, 5]) as tf.Tensor3D)).toThrow(/applyMultiHeadSelfAttention: argument 'x' must be tokens \[B, N, 4\] to match the layer/);
  });
});

describe('G9 the DiT block with adaLN-Zero', () => {
  const [B, N, D, heads, condDim] = [2, 4, 8, 2, 6];
  const make = (seed: number) => {
    const ps = new ParamStore(createRng(testSeed(seed)));
    return { ps, b: ditBlock(ps, 'blk', { dim: D, heads, condDim, mlpRatio: 2 }) };
  };

  it('G9 freshly initialised (zero modulation) the block is the identity, exactly, for any x and c', () => {
    const { b } = make(1403);
    const x = randn([B, N, D], 2) as tf.Tensor3D;
    const c = randn([B, condDim], 3) as tf.Tensor2D;
    expect(Array.from(applyDitBlock(b, x, c).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('G9 with random shifts and scales but zero gates the output still equals the input exactly', () => {
    const { ps, b } = make(1404);
    randomise(ps);
    // Zero the gate columns (2 and 5 of the six D-wide chunks) of the modulation's weight and bias.
    const gateMask = tf.tensor1d(Array.from({ length: 6 * D }, (_, i) => (Math.floor(i / D) % 3 === 2 ? 0 : 1)));
    b.modulation.w.assign(tf.mul(b.modulation.w, gateMask));
    b.modulation.b!.assign(tf.mul(b.modulation.b!, gateMask));
    const x = randn([B, N, D]) as tf.Tensor3D;
    const c = randn([B, condDim]) as tf.Tensor2D;
    expect(Array.from(applyDitBlock(b, x, c).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('G9 with random gates equals the written-out float64 block (LN, modulate, MHSA, gate; LN, modulate, GELU MLP, gate)', () => {
    const { ps, b } = make(1405);
    randomise(ps);
    const x = randn([B, N, D]) as tf.Tensor3D;
    const c = randn([B, condDim]) as tf.Tensor2D;
    const out = applyDitBlock(b, x, c);
    const reference = ditBlock64(x.dataSync(), c.dataSync(), B, N, D, readDit(b));
    assertAllClose(out.dataSync(), reference, F32, 'DiT block');
    // The gates matter: the output differs from x by O(1) (this is no identity in disguise).
    const moved = reference.reduce((m, u, i) => Math.max(m, Math.abs(u - x.dataSync()[i]!)), 0);
    expect(moved).toBeGreaterThan(0.1);
  });

  it('G9 gradients with respect to x and c equal finite differences of the float64 block', () => {
    const { ps, b } = make(1406);
    randomise(ps);
    const x = randn([1, 3, D]) as tf.Tensor3D;
    const c = randn([1, condDim]) as tf.Tensor2D;
    const r = randn([1, 3, D]);
    const [gx, gc] = tfGradients((t, cc) => applyDitBlock(b, t as tf.Tensor3D, cc as tf.Tensor2D), [x, c], r);
    const p = readDit(b);
    const [x64, c64] = [toFloat64(x), toFloat64(c)];
    // Layer norm divides by σ ≈ 1 and the MLP is 2D wide: a few hundred float32 terms per entry, as F32 assumes.
    assertAllClose(gx!, finiteDifferenceGradient((t) => ditBlock64(t, c64, 1, 3, D, p), x64, r.dataSync()), F32, 'd/dx');
    assertAllClose(gc!, finiteDifferenceGradient((cc) => ditBlock64(x64, cc, 1, 3, D, p), c64, r.dataSync()), F32, 'd/dc');
  });

  it('G9 its pieces: layer norm has mean 0 and variance 1/(1 + ε/σ²) per token; modulate is x(1 + scale) + shift; GELU is x·Φ(x) in tanh form', () => {
    const x = tf.add(randn([3, 5, 16], 3), 2) as tf.Tensor3D;
    const n = layerNorm(x);
    const { mean, variance } = tf.moments(n, -1);
    assertAllClose(mean.dataSync(), new Float32Array(15), { abs: 1e-6 }, 'LN mean'); // float32 sums of 16 O(1) terms
    assertAllClose(variance.dataSync(), new Float32Array(15).fill(1), { abs: 1e-5 }, 'LN variance'); // ε/σ² ≈ 1e-7
    const shift = randn([3, 16]) as tf.Tensor2D;
    const scale = randn([3, 16]) as tf.Tensor2D;
    const m = modulate(x, shift, scale).arraySync();
    const [xs, ss, cs] = [x.arraySync(), shift.arraySync(), scale.arraySync()];
    expect(m[2]![4]![7]).toBeCloseTo(xs[2]![4]![7]! * (1 + cs[2]![7]!) + ss[2]![7]!, 5);
    const u = tf.linspace(-4, 4, 17);
    assertAllClose(geluTanh(u).dataSync(), Array.from(u.dataSync(), gelu64), { abs: 1e-6 }, 'GELU');
  });

  it('G9 refuses a conditioning vector of the wrong width or batch, and bad sizes, by name', () => {
    const { b } = make(1407);
    const x = tf.zeros([2, 3, D]) as tf.Tensor3D;
    expect(() => applyDitBlock(b, x, tf.zeros([2, condDim + 1]) as tf.Tensor2D)).toThrow(/applyDitBlock: argument 'c' must be conditioning \[2, 6\]: one row of the block's width per example; received \[2,7\]/);
    expect(() => applyDitBlock(b, x, tf.zeros([1, condDim]) as tf.Tensor2D)).toThrow(/applyDitBlock: argument 'c' must be conditioning \[2, 6\]/);
    expect(() => ditModulation(b, tf.zeros([2, condDim + 1]) as tf.Tensor2D)).toThrow(/ditModulation: argument 'c' must be conditioning \[B, 6\] to match the block/);
    expect(() => ditBlock(new ParamStore(createRng(1)), 'x', { dim: 6, heads: 4 })).toThrow(/ditBlock: argument 'options.heads' must be a divisor of dim = 6/);
  });
});

describe('G9 the conditioning vector c = e_t(t) + e_y(y)', () => {
  it('G9 c is the MLP of the [cos | sin] step embedding plus the label’s table row; null labels read the ∅ row', () => {
    const [dim, frequencyDim, numClasses] = [6, 8, 3];
    const ps = new ParamStore(createRng(testSeed(1409)));
    const l = ditConditioner(ps, 'cond', { dim, frequencyDim, numClasses });
    randomise(ps);
    const t = [3, 250];
    const labels = [2, numClasses]; // a class, then ∅ given as its index
    const c = applyDitConditioner(l, t, tf.tensor1d(labels, 'int32'), 2);
    const [w1, b1, w2, b2, table] = [l.time[0].w, l.time[0].b!, l.time[1].w, l.time[1].b!, l.labels!.w].map(toFloat64);
    const expected = t.flatMap((step, b) => {
      const e = sinusoidalEmbedding(step, frequencyDim, 10000, 'improved-diffusion');
      const hidden = dense64(e, 1, frequencyDim, w1!, b1!, dim).map(silu64);
      const timeVector = dense64(hidden, 1, dim, w2!, b2!, dim);
      return Array.from(timeVector, (u, i) => u + table![labels[b]! * dim + i]!);
    });
    assertAllClose(c.dataSync(), expected, F32, 'c');
    // Without labels every row is ∅: the same as passing label numClasses.
    const dropped = applyDitConditioner(l, 7, null, 2);
    const explicit = applyDitConditioner(l, 7, tf.tensor1d([numClasses, numClasses], 'int32'), 2);
    expect(Array.from(dropped.dataSync())).toEqual(Array.from(explicit.dataSync()));
    // Its cos-first layout matters: DiT's timestep_embedding is improved diffusion's, not the original DDPM's.
    const sinFirst = dense64(dense64(sinusoidalEmbedding(3, frequencyDim), 1, frequencyDim, w1!, b1!, dim).map(silu64), 1, dim, w2!, b2!, dim);
    expect(Math.max(...Array.from(sinFirst, (u, i) => Math.abs(u + table![2 * dim + i]! - expected[i]!)))).toBeGreaterThan(1e-3);
  });

  it('G9 an unconditional embedder takes no labels; bad labels and steps are refused by name', () => {
    const ps = new ParamStore(createRng(1));
    const l = ditConditioner(ps, 'u', { dim: 4, frequencyDim: 8 });
    expect(applyDitConditioner(l, [1, 2], null, 2).shape).toEqual([2, 4]);
    expect(() => applyDitConditioner(l, 1, tf.tensor1d([0, 1], 'int32'), 2)).toThrow(/applyDitConditioner: argument 'labels' must be null for an unconditional embedder/);
    const k = ditConditioner(ps, 'k', { dim: 4, frequencyDim: 8, numClasses: 2 });
    expect(() => applyDitConditioner(k, 1, tf.tensor1d([0, 3], 'int32'), 2)).toThrow(/applyDitConditioner: argument 'labels\[1\]' must be an integer class in 0..1, or 2 for no condition/);
    expect(() => applyDitConditioner(k, [1, -1], null, 2)).toThrow(/applyDitConditioner: argument 't\[1\]' must be a step >= 0/);
    expect(() => ditConditioner(ps, 'o', { dim: 4, frequencyDim: 7 })).toThrow(/ditConditioner: argument 'options.frequencyDim' must be an even integer/);
  });
});

describe('the custom gradients on the wasm backend', () => {
  it('G5 G6 G9 wasm values and gradients of attention, MHSA and the DiT block match the cpu backend', async () => {
    const ps = new ParamStore(createRng(testSeed(1408)));
    const mh = multiHeadSelfAttention(ps, 'm', 8, 2);
    const blk = ditBlock(ps, 'd', { dim: 8, heads: 2, condDim: 4, mlpRatio: 2 });
    randomise(ps);
    const cases: [string, (...xs: tf.Tensor[]) => tf.Tensor, number[][]][] = [
      ['attention', (q, k, v) => scaledDotProductAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D), [[2, 5, 4], [2, 6, 4], [2, 6, 3]]],
      ['MHSA', (x) => applyMultiHeadSelfAttention(mh, x as tf.Tensor3D), [[2, 5, 8]]],
      ['DiT block', (x, c) => applyDitBlock(blk, x as tf.Tensor3D, c as tf.Tensor2D), [[2, 4, 8], [2, 4]]],
    ];
    const data = cases.map(([, , shapes]) => shapes.map((s) => rng.normals(s.reduce((a, b) => a * b, 1))));
    const weights = ps.list.map((v) => v.dataSync().slice());
    const run = () =>
      cases.map(([, f, shapes], i) => {
        ps.list.forEach((v, j) => v.assign(tf.tensor(weights[j]!, v.shape)));
        const xs = shapes.map((s, j) => tf.tensor(Float32Array.from(data[i]![j]!), s));
        const y = f(...xs);
        const r = tf.tensor(Float32Array.from({ length: y.size }, (_, n) => Math.sin(n + 1)), y.shape);
        return [toFloat64(y), ...tfGradients(f, xs, r)];
      });
    await useCpuBackend();
    const onCpu = run();
    const choice = await selectBackend({ backend: 'wasm' });
    expect(choice.name).toBe('wasm');
    const onWasm = run();
    await useCpuBackend();
    cases.forEach(([name], i) => onWasm[i]!.forEach((a, j) => assertAllClose(a, onCpu[i]![j]!, F32, `${name} ${j === 0 ? 'value' : `gradient ${j - 1}`}`)));
  });
});
