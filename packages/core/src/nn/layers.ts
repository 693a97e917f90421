/**
 * Trainable building blocks written from ops whose gradients exist and are correct on every backend, wasm included
 * (see shared PERFORMANCE.md): the wasm backend has no Conv2DBackprop kernels and a wrong maxPool gradient, and
 * tfjs's own matMul gradient is ~5× slower there than transpose + matMul. So:
 * - {@link denseOp}: act(x W + b) (act = identity or swish) as one op, its gradient written as transpose + matMul;
 * - {@link conv2dSame}: a stride-1 'same' convolution: tf.conv2d forward (wasm has it) with a custom gradient made
 *   of forward convolutions (the input gradient is a convolution with the flipped kernel, the kernel gradient one
 *   with batch and channels swapped);
 * - {@link conv2dTransposeSame}: stride-2 transposed convolution in sub-pixel form (one small convolution gives the
 *   four output phases; equals `tf.conv2dTranspose(…, 'same')`);
 * - {@link maxPool2x2}/{@link avgPool2x2}: pairwise maxima of slices / reshape + mean;
 * - {@link groupNorm}: one custom-gradient op, group sums as matMuls; {@link swish}: elementwise ops.
 * Every custom gradient is checked against tf's autodiff of the reference op in `layers.test.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRng, type Rng } from '../random/rng.js';
import { assertRank, assertTensor } from '../util/tensor.js';
import { assertBoolean, assertCount, assertInteger, assertObject, assertOneOf, assertPositive, DomainError, MAX_COUNT } from '../util/validate.js';

function transpose2d(a: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(a, [1, 0]);
}

/**
 * What `build` makes for `key`, built on first use and kept: the custom-gradient op of one configuration (kernel
 * size, bias/activation, groups…; each tf.customGrad closes over its configuration) or a sub-pixel plan. Building
 * them per call would redo that work on every forward pass.
 */
function buildOnce<K, V>(cache: Map<K, V>, key: K, build: () => V): V {
  let value = cache.get(key);
  if (!value) cache.set(key, (value = build()));
  return value;
}

/** The kernel size k of a square [k, k, C, O] kernel applied to x [B, H, W, C], or a DomainError naming `fn`. */
function assertConvShapes(fn: string, x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D): number {
  assertRank(fn, 'x', x, 4, 'images [B, H, W, C]', false);
  assertRank(fn, 'w', w, 4, 'a kernel [k, k, C, O]', false);
  if (b !== undefined) {
    assertTensor(fn, 'b', b, false);
    if (b.rank !== 1 || b.shape[0] !== w.shape[3]) throw new DomainError(fn, 'b', `shape [${w.shape[3]}] to match W [${w.shape}]`, `[${b.shape}]`);
  }
  const [k, k2, C] = w.shape;
  if (k !== k2) throw new DomainError(fn, 'w', 'a square kernel [k, k, C, O]', `[${w.shape}]`);
  if (x.rank !== 4 || x.shape[3] !== C) throw new DomainError(fn, 'x', `shape [B, H, W, ${C}]`, `[${x.shape}]`);
  return k;
}

/** The activations {@link denseOp} can fuse into its custom gradient. */
export type DenseActivation = 'linear' | 'swish';

/**
 * x W (+ b), optionally followed by swish, as one custom-gradient op. Fusing saves the per-op overhead that dominates
 * small layers on wasm (each op is one JS → wasm call and one allocation): the swish derivative is
 * σ(z) + y(1 − σ(z)) with y = z σ(z), three elementwise ops instead of tf's six. The gradient contracts over the
 * batch with dzᵀ as the left operand, so one transpose of dz serves both dW = (dzᵀ x)ᵀ and db = Σ_rows dz (a sum along
 * the innermost axis; tf.sum over axis 0 transposes internally on wasm).
 */
function makeDenseCore(hasBias: boolean, activation: DenseActivation) {
  return tf.customGrad(((...args: unknown[]) => {
    const x = args[0] as tf.Tensor2D;
    const w = args[1] as tf.Tensor2D;
    const b = hasBias ? (args[2] as tf.Tensor1D) : undefined;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const z: tf.Tensor2D = b ? tf.add(tf.matMul(x, w), b) : tf.matMul(x, w);
    let value: tf.Tensor2D = z;
    if (activation === 'swish') {
      const s = tf.sigmoid(z);
      value = tf.mul(z, s) as tf.Tensor2D;
      save([x, w, s, value]);
    } else save([x, w]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ws, s, y] = saved as tf.Tensor2D[];
        // swish'(z) = σ + y(1 − σ) = y + σ(1 − y)
        const dz = (activation === 'swish' ? tf.mul(dy as tf.Tensor2D, tf.add(y!, tf.mul(s!, tf.sub(1, y!)))) : dy) as tf.Tensor2D;
        const dzT = transpose2d(dz);
        const dw = transpose2d(tf.matMul(dzT, xs!));
        const dx = tf.matMul(dz, transpose2d(ws!));
        return b ? [dx, dw, tf.sum(dzT, 1)] : [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}
const denseCores = new Map<string, ReturnType<typeof makeDenseCore>>();

/**
 * act(x W + b) for x [N, in], W [in, out], b [out] (optional), act = identity (default) or swish, as one op whose
 * gradient is written as transposes + matMuls (see {@link makeDenseCore}).
 */
export function denseOp(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D, activation: DenseActivation = 'linear'): tf.Tensor2D {
  assertTensor('denseOp', 'x', x, false);
  assertRank('denseOp', 'w', w, 2, 'a weight matrix [in, out]', false);
  if (b !== undefined) assertTensor('denseOp', 'b', b, false);
  if (x.rank !== 2 || x.shape[1] !== w.shape[0]) throw new DomainError('denseOp', 'x', `shape [N, ${w.shape[0]}] to match W [${w.shape}]`, `[${x.shape}]`);
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[1])) throw new DomainError('denseOp', 'b', `shape [${w.shape[1]}] to match W [${w.shape}]`, `[${b.shape}]`);
  if (activation !== 'linear' && activation !== 'swish') throw new DomainError('denseOp', 'activation', "'linear' or 'swish'", activation);
  const core = buildOnce(denseCores, `${b ? 'b' : ''}${activation}`, () => makeDenseCore(!!b, activation));
  return (b ? core(x, w, b) : core(x, w)) as tf.Tensor2D;
}

type Pads = [[number, number], [number, number], [number, number], [number, number]];

/** Zero padding of `before` rows/columns ahead of the image and `after` behind it, on both spatial axes of [B, H, W, C]. */
function spatialPads(before: number, after: number): Pads {
  return [[0, 0], [before, after], [before, after], [0, 0]];
}

/** tf.conv2d with explicit padding ('same' when symmetric, the one form every backend supports best). */
function correlate(x: tf.Tensor4D, w: tf.Tensor4D, pads: Pads): tf.Tensor4D {
  const [, [before, after]] = pads;
  const same = before === after && 2 * before === w.shape[0] - 1 && w.shape[0] === w.shape[1];
  return tf.conv2d(x, w, 1, same ? 'same' : before === 0 && after === 0 ? 'valid' : pads);
}

/**
 * Both gradients of y = correlate(x, w, pads) (stride 1, y the size of x) from forward convolutions only, which every
 * backend has (wasm has no Conv2DBackprop kernels):
 * - dx[j] = Σ_d g[j − d + before] w[d]: the correlation of g with the spatially flipped kernel, in/out channels
 *   swapped, padding mirrored ([after, before]);
 * - dW[d, c, o] = Σ_{b,i} x_pad[b, i + d, c] g[b, i, o]: a 'valid' correlation of x_pad with g in which the batch axis
 *   plays the channel role: x_pad as [C, H+k−1, W+k−1, B] with filter g as [H, W, B, O] gives [C, k, k, O].
 * Neither materialises the k²-times-larger patch matrix of im2col, whose slices, concat and transpose dominated.
 */
function correlateGrads(x: tf.Tensor4D, w: tf.Tensor4D, g: tf.Tensor4D, pads: Pads): [tf.Tensor4D, tf.Tensor4D] {
  const [, [before, after]] = pads;
  const wFlipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  const dx = correlate(g, wFlipped, spatialPads(after, before));
  const xT = tf.transpose(before || after ? tf.pad(x, pads) : x, [3, 1, 2, 0]) as tf.Tensor4D;
  const gT = tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  const dw = tf.transpose(tf.conv2d(xT, gT, 1, 'valid'), [1, 2, 0, 3]) as tf.Tensor4D;
  return [dx, dw];
}

function makeConvCore(k: number) {
  const before = (k - 1) >> 1; // tf's 'same': for even k the extra pad goes after
  const pads = spatialPads(before, k - 1 - before);
  return tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const x4 = x as tf.Tensor4D;
    const [B, H, W, C] = x4.shape;
    const O = w.shape[3]!;
    if (k === 1) {
      // 1×1: a plain matMul over the flattened pixels, gradient as transpose + matMul.
      const xm = tf.reshape(x4, [B * H * W, C]) as tf.Tensor2D;
      const wm = tf.reshape(w, [C, O]) as tf.Tensor2D;
      save([xm, wm]);
      return {
        value: tf.reshape(tf.matMul(xm, wm), [B, H, W, O]),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
          const g = tf.reshape(dy as tf.Tensor, [B * H * W, O]) as tf.Tensor2D;
          return [tf.reshape(tf.matMul(g, transpose2d(ws)), [B, H, W, C]), tf.reshape(tf.matMul(transpose2d(xs), g), [1, 1, C, O])];
        },
      };
    }
    save([x4, w]);
    return {
      value: correlate(x4, w as tf.Tensor4D, pads),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => correlateGrads(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy as tf.Tensor4D, pads),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}
const convCores = new Map<number, ReturnType<typeof makeConvCore>>();

/**
 * A stride-1 convolution with 'same' zero padding (odd or even k; for even k the extra pad goes after, as tf does):
 * y[b,i,j,o] = Σ_{dy,dx,c} x[b, i+dy−p, j+dx−p, c] W[dy,dx,c,o] + b[o]. Equals `tf.conv2d(x, W, 1, 'same')`, and is
 * that op in the forward pass; its custom gradient is made of forward convolutions too (see correlateGrads).
 * @param x - [B, H, W, C]
 * @param w - [k, k, C, O]
 * @param b - [O] (optional)
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D): tf.Tensor4D {
  const k = assertConvShapes('conv2dSame', x, w, b);
  const y = buildOnce(convCores, k, () => makeConvCore(k))(x, w) as tf.Tensor4D;
  return b ? tf.add(y, b) : y;
}

/**
 * The sub-pixel form of a stride-2 transposed convolution with a k×k kernel: output pixel (2i + r, 2j + s) is a
 * small stride-1 correlation of x around (i, j) whose taps depend on the phase (r, s). With x at the odd positions of
 * the zero-inserted image and 'same' padding p = ⌊(k−1)/2⌋, kernel index d of phase r reads x at offset
 * (r + d − p − 1)/2 when r + d − p is odd (else a zero). Gathering all phases' taps gives one kt×kt kernel with 4·O
 * output channels (phase-major) over offsets lo..lo+kt−1, built as S · W for a 0/1 selection matrix S.
 */
interface SubPixelPlan {
  readonly lo: number;
  readonly kt: number;
  /** [kt²·4, k²]: row (tap, phase) selects the kernel entry it uses (or none). */
  readonly select: Float32Array;
}
const subPixelPlans = new Map<number, SubPixelPlan>();
function subPixelPlan(k: number): SubPixelPlan {
  return buildOnce(subPixelPlans, k, () => makeSubPixelPlan(k));
}
function makeSubPixelPlan(k: number): SubPixelPlan {
  const p = (k - 1) >> 1;
  const taps: [number, number, number][] = []; // (phase, d, offset) along one axis
  for (let r = 0; r < 2; r++) for (let d = 0; d < k; d++) if ((r + d - p) % 2 !== 0) taps.push([r, d, (r + d - p - 1) / 2]);
  const offsets = taps.map((t) => t[2]);
  const lo = Math.min(...offsets);
  const kt = Math.max(...offsets) - lo + 1;
  const select = new Float32Array(kt * kt * 4 * k * k);
  for (const [r, dy, oy] of taps) {
    for (const [s, dx, ox] of taps) {
      const row = ((oy - lo) * kt + (ox - lo)) * 4 + r * 2 + s;
      select[row * k * k + dy * k + dx] = 1;
    }
  }
  return { lo, kt, select };
}

/** W [k,k,C,O] → the sub-pixel kernel [kt, kt, C, 4·O] (channel = (phase r, phase s, o)). */
function subPixelKernel(w: tf.Tensor4D, plan: SubPixelPlan, s: tf.Tensor2D): tf.Tensor4D {
  const [k, , C, O] = w.shape;
  const rows = tf.matMul(s, tf.reshape(w, [k * k, C * O]) as tf.Tensor2D); // [(tap, phase), C·O]
  return tf.reshape(tf.transpose(tf.reshape(rows, [plan.kt * plan.kt, 4, C, O]), [0, 2, 1, 3]), [plan.kt, plan.kt, C, 4 * O]);
}

/** The adjoint of {@link subPixelKernel}: the gradient of W from the gradient of the sub-pixel kernel. */
function subPixelKernelGrad(dWs: tf.Tensor4D, plan: SubPixelPlan, s: tf.Tensor2D, k: number): tf.Tensor4D {
  const [, , C, O4] = dWs.shape;
  const O = O4 / 4;
  const rows = tf.reshape(tf.transpose(tf.reshape(dWs, [plan.kt * plan.kt, C, 4, O]), [0, 2, 1, 3]), [plan.kt * plan.kt * 4, C * O]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(transpose2d(s), rows), [k, k, C, O]);
}

function makeConvTransposeCore(k: number) {
  const plan = subPixelPlan(k);
  const pads = spatialPads(-plan.lo, plan.kt - 1 + plan.lo);
  return tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const x4 = x as tf.Tensor4D;
    const [B, H, W] = x4.shape;
    const O = w.shape[3]!;
    const s = tf.tensor2d(plan.select, [plan.kt * plan.kt * 4, k * k]);
    const ws = subPixelKernel(w as tf.Tensor4D, plan, s);
    save([x4, ws, s]);
    // [B, H, W, (r, s, O)] → [B, 2H, 2W, O]: interleave the phases (a rank-4 transpose of [B·H, W, r, (s, O)]).
    const z = correlate(x4, ws, pads);
    const value = tf.reshape(tf.transpose(tf.reshape(z, [B * H, W, 2, 2 * O]), [0, 2, 1, 3]), [B, 2 * H, 2 * W, O]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, wss, ss] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor2D];
        const gz = tf.reshape(tf.transpose(tf.reshape(dy as tf.Tensor, [B * H, 2, W, 2 * O]), [0, 2, 1, 3]), [B, H, W, 4 * O]) as tf.Tensor4D;
        const [dx, dws] = correlateGrads(xs, wss, gz, pads);
        return [dx, subPixelKernelGrad(dws, plan, ss, k)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}
const convTransposeCores = new Map<number, ReturnType<typeof makeConvTransposeCore>>();

/**
 * A stride-2 transposed convolution with 'same' padding (output 2H × 2W): by definition the stride-1
 * {@link conv2dSame} (kernel w) of the image with x at odd rows and columns and zeros elsewhere; computed in sub-pixel
 * form (one small convolution of x itself giving all four output phases, see subPixelPlan), which skips the 3/4 zeros.
 * Equals `tf.conv2dTranspose(x, filter, [B, 2H, 2W, O], 2, 'same')` where `filter[i,j,o,c] = w[k−1−i, k−1−j, c, o]`.
 * @param x - [B, H, W, C]
 * @param w - [k, k, C, O] (in the convolution layout of {@link conv2dSame})
 */
export function conv2dTransposeSame(x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D): tf.Tensor4D {
  const k = assertConvShapes('conv2dTransposeSame', x, w, b);
  const y = buildOnce(convTransposeCores, k, () => makeConvTransposeCore(k))(x, w) as tf.Tensor4D;
  return b ? tf.add(y, b) : y;
}

/**
 * 2×2 max pooling, stride 2, as two pairwise maxima: of row pairs, then of column pairs, each between two contiguous
 * slices (gradient correct on every backend, unlike tf.maxPool's on wasm; reshape + max over the two pair axes was
 * 2.5× slower to train on wasm, its gradient broadcasting a rank-6 mask). H and W must be even.
 */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  assertRank('maxPool2x2', 'x', x, 4, 'images [B, H, W, C]', false);
  const [B, H, W, C] = x.shape;
  if (H % 2 || W % 2) throw new DomainError('maxPool2x2', 'x', 'even height and width', `[${x.shape}]`);
  const pairMax = (t: tf.Tensor3D) => tf.maximum(tf.slice(t, [0, 0, 0], [-1, 1, -1]), tf.slice(t, [0, 1, 0], [-1, 1, -1]));
  const rows = pairMax(tf.reshape(x, [(B * H) / 2, 2, W * C]));
  return tf.reshape(pairMax(tf.reshape(rows, [(B * H * W) / 4, 2, C])), [B, H / 2, W / 2, C]);
}

/** 2×2 average pooling, stride 2, via reshape + mean. */
export function avgPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  assertRank('avgPool2x2', 'x', x, 4, 'images [B, H, W, C]', false);
  const [B, H, W, C] = x.shape;
  if (H % 2 || W % 2) throw new DomainError('avgPool2x2', 'x', 'even height and width', `[${x.shape}]`);
  return tf.mean(tf.reshape(x, [B, H / 2, 2, W / 2, 2, C]), [2, 4]) as tf.Tensor4D;
}

/**
 * The 0/1 matrices that reduce over GroupNorm's groups with matMuls (cached per shape; the second operand of a wasm
 * matMul is packed once per tensor, so a constant costs nothing after the first call):
 * `sum` [H·W·C, G] sums an example's pixels and channels into its G groups; `expand` [G, C] copies a group's value to
 * its channels.
 */
interface GroupReducers {
  readonly sum: tf.Tensor2D;
  readonly expand: tf.Tensor2D;
}
const groupReducers = new Map<string, GroupReducers>();
function groupReducersFor(pixels: number, C: number, G: number): GroupReducers {
  const key = `${tf.getBackend()}:${pixels}:${C}:${G}`;
  let r = groupReducers.get(key);
  if (r && !r.sum.isDisposed) return r;
  const cg = C / G;
  const sum = new Float32Array(pixels * C * G);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < C; c++) sum[(p * C + c) * G + Math.floor(c / cg)] = 1;
  const expand = new Float32Array(G * C);
  for (let c = 0; c < C; c++) expand[Math.floor(c / cg) * C + c] = 1;
  r = { sum: tf.keep(tf.tensor2d(sum, [pixels * C, G])), expand: tf.keep(tf.tensor2d(expand, [G, C])) };
  groupReducers.set(key, r);
  return r;
}

function makeGroupNormCore(groups: number, eps: number) {
  return tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [B, H, W, C] = x.shape as [number, number, number, number];
    const N = (H * W * C) / groups;
    const { sum, expand } = groupReducersFor(H * W, C, groups);
    // Per-example group statistics as [B, G] → per-channel [B, 1, 1, C] (two passes: the mean, then the centred
    // second moment, which keeps float32 accurate when |mean| ≫ std).
    const perChannel = (t: tf.Tensor4D) => tf.reshape(tf.matMul(tf.div(tf.matMul(tf.reshape(t, [B, H * W * C]) as tf.Tensor2D, sum), N) as tf.Tensor2D, expand), [B, 1, 1, C]);
    const centred = tf.sub(x, perChannel(x as tf.Tensor4D)) as tf.Tensor4D;
    const rstd = tf.rsqrt(tf.add(perChannel(tf.square(centred)), eps));
    const n = tf.mul(centred, rstd) as tf.Tensor4D;
    save([n, rstd, gamma]);
    return {
      value: tf.add(tf.mul(n, gamma), beta),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [ns, rs, gs] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
        const g = dy as tf.Tensor4D;
        const ones = tf.ones([1, B * H * W]) as tf.Tensor2D;
        const channelSum = (t: tf.Tensor) => tf.reshape(tf.matMul(ones, tf.reshape(t, [B * H * W, C]) as tf.Tensor2D), [C]);
        // dx = rstd (dn − mean_group(dn) − n · mean_group(dn ⊙ n)), dn = dy γ
        const dn = tf.mul(g, gs) as tf.Tensor4D;
        const dx = tf.mul(rs, tf.sub(tf.sub(dn, perChannel(dn)), tf.mul(ns, perChannel(tf.mul(dn, ns) as tf.Tensor4D))));
        return [dx, channelSum(tf.mul(g, ns)), channelSum(g)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}
const groupNormCores = new Map<string, ReturnType<typeof makeGroupNormCore>>();

/**
 * Group normalisation (Wu & He 2018) over [H, W, C/G] per example and group, then a per-channel scale and shift.
 * One custom-gradient op whose group reductions are matMuls with constant 0/1 matrices: tf's moments over the
 * non-innermost axes of a rank-5 view, and their broadcast gradients, were ~4× slower on wasm.
 *
 * ```tex
 * y=\gamma\,\frac{x-\mu_{b,g}}{\sqrt{\sigma^2_{b,g}+\epsilon}}+\beta
 * ```
 * @param groups - G, must divide C
 */
export function groupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor4D {
  assertGroupNormArgs('groupNorm', x, groups, gamma, beta);
  assertPositive('groupNorm', 'eps', eps);
  return buildOnce(groupNormCores, `${groups}:${eps}`, () => makeGroupNormCore(groups, eps))(x, gamma, beta) as tf.Tensor4D;
}

function assertGroupNormArgs(fn: string, x: tf.Tensor4D, groups: number, gamma: tf.Tensor1D, beta: tf.Tensor1D): void {
  assertRank(fn, 'x', x, 4, 'images [B, H, W, C]', false);
  const C = x.shape[3];
  assertInteger(fn, 'groups', groups, 1);
  if (C % groups) throw new DomainError(fn, 'groups', `a divisor of the channel count ${C}`, groups);
  for (const [name, p] of [['gamma', gamma], ['beta', beta]] as const) {
    assertTensor(fn, name, p, false);
    if (p.rank !== 1 || p.shape[0] !== C) throw new DomainError(fn, name, `shape [${C}] (one per channel)`, `[${p.shape}]`);
  }
}

/** swish(x) = x σ(x). */
export function swish<T extends tf.Tensor>(x: T): T {
  assertTensor('swish', 'x', x, false);
  return tf.mul(x, tf.sigmoid(x));
}

let variableCounter = 0;

/** A parameter's shape: positive integer dimensions, at most 2^28 values in all. */
function assertParamShape(fn: string, shape: number[]): void {
  if (!Array.isArray(shape) || shape.length === 0) throw new DomainError(fn, 'shape', 'a non-empty array of dimensions', shape);
  shape.forEach((d, i) => assertCount(fn, `shape[${i}]`, d, 1));
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_COUNT) throw new DomainError(fn, 'shape', 'at most 2^28 values in all', `[${shape.join(', ')}] (${size} values)`);
}

/** The layer builders' arguments: a ParamStore and dimensions up to 2^16 (a weight of 2^16 × 2^16 is 16 GiB). */
function assertLayerArgs(fn: string, ps: ParamStore, dims: readonly (readonly [string, number])[]): void {
  if (!(ps instanceof ParamStore)) throw new DomainError(fn, 'ps', 'a ParamStore', ps);
  for (const [name, d] of dims) assertCount(fn, name, d, 1, 2 ** 16);
}

/** A named collection of trainable variables (the weights of one model). */
export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();
  constructor(private readonly rng: Rng) {
    assertRng('ParamStore', 'rng', rng);
  }

  /** Glorot-uniform weight (fan-in/fan-out from the last two axes times the receptive field). */
  weight(name: string, shape: number[]): tf.Variable {
    assertParamShape('ParamStore.weight', shape);
    const recept = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = shape[shape.length - 2]! * recept;
    const fanOut = shape[shape.length - 1]! * recept;
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const n = shape.reduce((a, b) => a * b, 1);
    const u = this.rng.uniforms(n);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (2 * u[i]! - 1) * lim;
    return this.add(name, tf.tensor(data, shape));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    assertParamShape('ParamStore.zeros', shape);
    assertParamShape('ParamStore.zeros', shape);
    return this.add(name, tf.zeros(shape));
  }

  ones(name: string, shape: number[]): tf.Variable {
    assertParamShape('ParamStore.ones', shape);
    assertParamShape('ParamStore.ones', shape);
    return this.add(name, tf.ones(shape));
  }

  private add(name: string, init: tf.Tensor): tf.Variable {
    if (this.vars.has(name)) throw new DomainError('ParamStore', 'name', 'a name not used yet', name);
    const v = tf.variable(init, true, `${name}#${++variableCounter}`);
    init.dispose();
    this.vars.set(name, v);
    return v;
  }

  get list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  get count(): number {
    return this.list.reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** A dense layer's variables. */
export interface Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable | undefined;
}
export function dense(ps: ParamStore, name: string, inDim: number, outDim: number, bias = true): Dense {
  assertLayerArgs('dense', ps, [['inDim', inDim], ['outDim', outDim]]);
  assertBoolean('dense', 'bias', bias);
  return { w: ps.weight(`${name}/w`, [inDim, outDim]), b: bias ? ps.zeros(`${name}/b`, [outDim]) : undefined };
}
export function applyDense(l: Dense, x: tf.Tensor2D, activation: DenseActivation = 'linear'): tf.Tensor2D {
  assertObject('applyDense', 'l', l);
  assertRank('applyDense', 'x', x, 2, `a batch [N, ${l.w.shape[0]}]`, false);
  if (x.shape[1] !== l.w.shape[0]) throw new DomainError('applyDense', 'x', `shape [N, ${l.w.shape[0]}] to match the layer`, `[${x.shape}]`);
  assertOneOf('applyDense', 'activation', activation, ['linear', 'swish'] as const);
  return denseOp(x, l.w as tf.Tensor2D, l.b as tf.Tensor1D | undefined, activation);
}

/** A convolution layer's variables ([k,k,C,O] kernel and [O] bias). */
export interface Conv {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
}
export function conv(ps: ParamStore, name: string, k: number, inC: number, outC: number): Conv {
  assertLayerArgs('conv', ps, [['k', k], ['inC', inC], ['outC', outC]]);
  if (k * k * inC * outC > MAX_COUNT) throw new DomainError('conv', 'outC', 'a kernel of at most 2^28 values (k·k·inC·outC)', outC);
  return { w: ps.weight(`${name}/w`, [k, k, inC, outC]), b: ps.zeros(`${name}/b`, [outC]) };
}
export function applyConv(l: Conv, x: tf.Tensor4D): tf.Tensor4D {
  assertConvLayerInput('applyConv', l, x);
  return conv2dSame(x, l.w as tf.Tensor4D, l.b as tf.Tensor1D);
}
export function applyConvTranspose(l: Conv, x: tf.Tensor4D): tf.Tensor4D {
  assertConvLayerInput('applyConvTranspose', l, x);
  return conv2dTransposeSame(x, l.w as tf.Tensor4D, l.b as tf.Tensor1D);
}

/** GroupNorm's scale and shift. */
export interface Norm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
}
function assertConvLayerInput(fn: string, l: Conv, x: tf.Tensor4D): void {
  assertObject(fn, 'l', l);
  assertRank(fn, 'x', x, 4, 'images [B, H, W, C]', false);
  if (x.shape[3] !== l.w.shape[2]) throw new DomainError(fn, 'x', `shape [B, H, W, ${l.w.shape[2]}] to match the layer`, `[${x.shape}]`);
}

export function norm(ps: ParamStore, name: string, channels: number): Norm {
  assertLayerArgs('norm', ps, [['channels', channels]]);
  return { gamma: ps.ones(`${name}/gamma`, [channels]), beta: ps.zeros(`${name}/beta`, [channels]) };
}
export function applyGroupNorm(l: Norm, x: tf.Tensor4D, groups: number): tf.Tensor4D {
  assertObject('applyGroupNorm', 'l', l);
  assertGroupNormArgs('applyGroupNorm', x, groups, l.gamma as tf.Tensor1D, l.beta as tf.Tensor1D);
  return groupNorm(x, groups, l.gamma as tf.Tensor1D, l.beta as tf.Tensor1D);
}
