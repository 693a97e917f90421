/**
 * Trainable building blocks written from ops whose gradients exist and are correct on every backend, wasm included
 * (see shared PERFORMANCE.md): the wasm backend has no Conv2DBackprop kernels and a wrong maxPool gradient, and
 * tfjs's own matMul gradient is ~5× slower there than transpose + matMul. So:
 * - {@link denseOp}: x W + b with a custom gradient written as transpose + matMul;
 * - {@link conv2dSame}: a stride-1 'same' convolution as im2col (pad + slices + concat) + matMul, custom gradient;
 * - {@link conv2dTransposeSame}: stride-2 transposed convolution = zero insertion + {@link conv2dSame} with the
 *   flipped kernel (equals `tf.conv2dTranspose(…, 'same')`);
 * - {@link maxPool2x2}/{@link avgPool2x2}: reshape + max/mean;
 * - {@link groupNorm}, {@link swish}: elementwise ops only.
 * Every custom gradient is checked against tf's autodiff of the reference op in `layers.test.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';
import { DomainError, assertInteger } from '../util/validate.js';

function transpose2d(a: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(a, [1, 0]);
}

const denseCore = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  const x2 = x as tf.Tensor2D;
  const w2 = w as tf.Tensor2D;
  save([x2, w2]);
  return {
    value: tf.matMul(x2, w2),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(g, transpose2d(ws)), tf.matMul(transpose2d(xs), g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** x W (+ b) for x [N, in], W [in, out]; gradients as transpose + matMul. */
export function denseOp(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  if (x.shape[1] !== w.shape[0]) throw new DomainError('denseOp', 'x', `shape [N, ${w.shape[0]}] to match W [${w.shape}]`, `[${x.shape}]`);
  const y = denseCore(x, w) as tf.Tensor2D;
  return b ? tf.add(y, b) : y;
}

/** The k×k patches of x [B,H,W,C] ('same' zero padding, stride 1) as [B·H·W, k·k·C], tap-major then channel. */
function im2col(x: tf.Tensor4D, k: number): tf.Tensor2D {
  const [B, H, W, C] = x.shape;
  const p = (k - 1) >> 1;
  const q = k - 1 - p;
  const xp = tf.pad(x, [[0, 0], [p, q], [p, q], [0, 0]]);
  const taps: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) taps.push(tf.slice(xp, [0, dy, dx, 0], [B, H, W, C]));
  return tf.reshape(taps.length === 1 ? taps[0]! : tf.concat(taps, 3), [B * H * W, k * k * C]);
}

/**
 * The adjoint of im2col applied to g Wᵀ: for each tap, g W_tapᵀ ([B·H·W, C], one matMul with a column block of Wᵀ),
 * shifted back into place by padding, summed, and cropped. (Slicing the full g Wᵀ along its last axis instead is
 * ~10× slower on wasm.)
 */
function convInputGrad(g: tf.Tensor2D, wm: tf.Tensor2D, shape: readonly [number, number, number, number], k: number): tf.Tensor4D {
  const [B, H, W, C] = shape;
  const p = (k - 1) >> 1;
  const wt = transpose2d(wm); // [O, k·k·C]
  const O = wt.shape[0];
  const parts: tf.Tensor4D[] = [];
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) {
      const wTap = tf.slice(wt, [0, (dy * k + dx) * C], [O, C]) as tf.Tensor2D;
      const tap = tf.reshape(tf.matMul(g, wTap), [B, H, W, C]) as tf.Tensor4D;
      parts.push(tf.pad(tap, [[0, 0], [dy, k - 1 - dy], [dx, k - 1 - dx], [0, 0]]));
    }
  }
  const sum = parts.length === 1 ? parts[0]! : (tf.addN(parts) as tf.Tensor4D);
  return tf.slice(sum, [0, p, p, 0], [B, H, W, C]);
}

function makeConvCore(k: number) {
  return tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const x4 = x as tf.Tensor4D;
    const [B, H, W, C] = x4.shape;
    const O = w.shape[3]!;
    // tidy frees the padded copy and the k² tap slices at once; only the patch matrix is kept for the gradient.
    const cols = k === 1 ? (tf.reshape(x4, [B * H * W, C]) as tf.Tensor2D) : tf.tidy(() => im2col(x4, k));
    const wm = tf.reshape(w, [k * k * C, O]) as tf.Tensor2D;
    save([cols, wm]);
    return {
      value: tf.reshape(tf.matMul(cols, wm), [B, H, W, O]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [cs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const g = tf.reshape(dy as tf.Tensor, [B * H * W, O]) as tf.Tensor2D;
        const dw = tf.reshape(tf.matMul(transpose2d(cs), g), [k, k, C, O]);
        const dx = k === 1 ? tf.reshape(tf.matMul(g, transpose2d(ws)), [B, H, W, C]) : tf.tidy(() => convInputGrad(g, ws, [B, H, W, C], k));
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}
const convCores = new Map<number, ReturnType<typeof makeConvCore>>();

/**
 * A stride-1 convolution with 'same' zero padding (odd or even k; for even k the extra pad goes after, as tf does):
 * y[b,i,j,o] = Σ_{dy,dx,c} x[b, i+dy−p, j+dx−p, c] W[dy,dx,c,o] + b[o]. Equals `tf.conv2d(x, W, 1, 'same')`.
 * @param x - [B, H, W, C]
 * @param w - [k, k, C, O]
 * @param b - [O] (optional)
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D): tf.Tensor4D {
  const [k, k2, C] = w.shape;
  if (k !== k2) throw new DomainError('conv2dSame', 'w', 'a square kernel [k, k, C, O]', `[${w.shape}]`);
  if (x.rank !== 4 || x.shape[3] !== C) throw new DomainError('conv2dSame', 'x', `shape [B, H, W, ${C}]`, `[${x.shape}]`);
  let core = convCores.get(k);
  if (!core) convCores.set(k, (core = makeConvCore(k)));
  const y = core(x, w) as tf.Tensor4D;
  return b ? tf.add(y, b) : y;
}

/**
 * A stride-2 transposed convolution with 'same' padding (output 2H × 2W), as zero insertion (x at odd positions)
 * followed by {@link conv2dSame} with the spatially flipped kernel. Equals
 * `tf.conv2dTranspose(x, filter, [B, 2H, 2W, O], 2, 'same')` where `filter[i,j,o,c] = w[k−1−i, k−1−j, c, o]`.
 * @param x - [B, H, W, C]
 * @param w - [k, k, C, O] (in the convolution layout of {@link conv2dSame})
 */
export function conv2dTransposeSame(x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  // Zero insertion as one pad of a rank-6 view (its gradient is a single slice; tf.stack's gradient (Unpack) and
  // concat's (SplitV) are very slow on wasm): [B,H,1,W,1,C] padded before on the two unit axes → x on odd rows/cols.
  const up = tf.reshape(tf.pad(tf.reshape(x, [B, H, 1, W, 1, C]), [[0, 0], [0, 0], [1, 0], [0, 0], [1, 0], [0, 0]]), [B, 2 * H, 2 * W, C]) as tf.Tensor4D;
  return conv2dSame(up, w, b);
}

/** 2×2 max pooling, stride 2, via reshape + max (gradient correct on every backend). H and W must be even. */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  if (H % 2 || W % 2) throw new DomainError('maxPool2x2', 'x', 'even height and width', `[${x.shape}]`);
  return tf.max(tf.reshape(x, [B, H / 2, 2, W / 2, 2, C]), [2, 4]) as tf.Tensor4D;
}

/** 2×2 average pooling, stride 2, via reshape + mean. */
export function avgPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  if (H % 2 || W % 2) throw new DomainError('avgPool2x2', 'x', 'even height and width', `[${x.shape}]`);
  return tf.mean(tf.reshape(x, [B, H / 2, 2, W / 2, 2, C]), [2, 4]) as tf.Tensor4D;
}

/**
 * Group normalisation (Wu & He 2018) over [H, W, C/G] per example and group, then a per-channel scale and shift.
 * @param groups - G, must divide C
 */
export function groupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  assertInteger('groupNorm', 'groups', groups, 1);
  if (C % groups) throw new DomainError('groupNorm', 'groups', `a divisor of the channel count ${C}`, groups);
  const g = tf.reshape(x, [B, H, W, groups, C / groups]);
  const { mean, variance } = tf.moments(g, [1, 2, 4], true);
  const n = tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(tf.reshape(n, [B, H, W, C]), gamma), beta) as tf.Tensor4D;
}

/** swish(x) = x σ(x). */
export function swish<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

let variableCounter = 0;

/** A named collection of trainable variables (the weights of one model). */
export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();
  constructor(private readonly rng: Rng) {}

  /** Glorot-uniform weight (fan-in/fan-out from the last two axes times the receptive field). */
  weight(name: string, shape: number[]): tf.Variable {
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
    return this.add(name, tf.zeros(shape));
  }

  ones(name: string, shape: number[]): tf.Variable {
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
  return { w: ps.weight(`${name}/w`, [inDim, outDim]), b: bias ? ps.zeros(`${name}/b`, [outDim]) : undefined };
}
export function applyDense(l: Dense, x: tf.Tensor2D): tf.Tensor2D {
  return denseOp(x, l.w as tf.Tensor2D, l.b as tf.Tensor1D | undefined);
}

/** A convolution layer's variables ([k,k,C,O] kernel and [O] bias). */
export interface Conv {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
}
export function conv(ps: ParamStore, name: string, k: number, inC: number, outC: number): Conv {
  return { w: ps.weight(`${name}/w`, [k, k, inC, outC]), b: ps.zeros(`${name}/b`, [outC]) };
}
export function applyConv(l: Conv, x: tf.Tensor4D): tf.Tensor4D {
  return conv2dSame(x, l.w as tf.Tensor4D, l.b as tf.Tensor1D);
}
export function applyConvTranspose(l: Conv, x: tf.Tensor4D): tf.Tensor4D {
  return conv2dTransposeSame(x, l.w as tf.Tensor4D, l.b as tf.Tensor1D);
}

/** GroupNorm's scale and shift. */
export interface Norm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
}
export function norm(ps: ParamStore, name: string, channels: number): Norm {
  return { gamma: ps.ones(`${name}/gamma`, [channels]), beta: ps.zeros(`${name}/beta`, [channels]) };
}
export function applyGroupNorm(l: Norm, x: tf.Tensor4D, groups: number): tf.Tensor4D {
  return groupNorm(x, groups, l.gamma as tf.Tensor1D, l.beta as tf.Tensor1D);
}
