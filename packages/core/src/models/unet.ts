/**
 * G2 — S4's small UNet noise predictor for 32×32×1 images, built from the wasm-trainable layers of nn/.
 */
import * as tf from '@tensorflow/tfjs-core';
import { timestepEmbedding } from '../embedding/embedding.js';
import {
  applyConv,
  applyConvTranspose,
  applyDense,
  applyGroupNorm,
  conv,
  dense,
  maxPool2x2,
  norm,
  ParamStore,
  swish,
  type Conv,
  type Dense,
  type Norm,
} from '../nn/layers.js';
import type { Rng } from '../random/rng.js';
import { assertRng } from '../random/rng.js';
import { assertTensor } from '../util/tensor.js';
import { assertBoolean, assertCount, assertObject, DomainError } from '../util/validate.js';
import { oneHotRows, stepsFor } from './labels.js';
import type { DenoiserModel, StepBatch } from './types.js';

interface ResBlock {
  readonly c1: Conv;
  readonly n1: Norm;
  readonly c2: Conv;
  readonly n2: Norm;
}

function resBlock(ps: ParamStore, name: string, inC: number, outC: number): ResBlock {
  return { c1: conv(ps, `${name}/conv1`, 1, inC, outC), n1: norm(ps, `${name}/gn1`, outC), c2: conv(ps, `${name}/conv2`, 3, outC, outC), n2: norm(ps, `${name}/gn2`, outC) };
}

/**
 * G2 — S4's residual block: r = Conv1×1(x); y = swish(GN(Conv3×3(swish(GN(r))))); out = (y + r)/1.44.
 *
 * ```tex
 * r=W_{1\times1}*x,\quad y=\operatorname{swish}\big(\mathrm{GN}_8(W_{3\times3}*\operatorname{swish}(\mathrm{GN}_8(r)))\big),\quad \mathrm{out}=\frac{y+r}{1.44}
 * ```
 * Source: S4 (its `ConvResidualLayer`).
 */
export function applyResBlock(b: ResBlock, x: tf.Tensor4D, groups = 8): tf.Tensor4D {
  const r = applyConv(b.c1, x);
  const h = swish(applyGroupNorm(b.n1, r, groups));
  const y = swish(applyGroupNorm(b.n2, applyConv(b.c2, h), groups));
  return tf.div(tf.add(y, r), 1.44) as tf.Tensor4D;
}

export interface UNetOptions {
  /** Encoder widths (S4: [64, 128, 256]); each must be a multiple of `groups`. */
  readonly filters?: readonly number[];
  /** GroupNorm groups (S4: 8). */
  readonly groups?: number;
  /** Image side (divisible by 2^levels) and channels. */
  readonly size?: number;
  readonly channels?: number;
  /** Width of the G1 sinusoidal features of t fed to each level's Dense–LeakyReLU–Dense (S4 feeds t itself). */
  readonly timeDim?: number;
  /** > 0: the conditional model (CDDPM) with a label embedding per level; label `numClasses` is ∅. */
  readonly numClasses?: number;
  /**
   * Add a 1×1 convolution of x_t to the input of the final residual block (default false, as in S4). S4's first skip
   * is taken after the first 2×2 max-pool, so x_t reaches the full-resolution output only through that pool and the
   * network cannot pass the per-pixel noise through: ε_θ(x_T) ≈ x_T is learned slowly. Ho et al. 2020's UNet keeps
   * full-resolution skips; this one linear path is the cheapest form of it.
   */
  readonly inputSkip?: boolean;
}

/**
 * G2 — S4's UNet ε_θ(x_t, t[, c]): encoders of 64/128/256 channels (residual block then 2× max-pool, then the level's
 * time embedding Dense–LeakyReLU–Dense added), a middle residual block, decoders (concatenate the skip, 3×3
 * stride-2 transposed conv, two residual blocks), and a final residual block + 3×3 conv to the image channels.
 * The conditional version adds a per-level label embedding (Embedding → Dense) like the time embedding.
 *
 * ```tex
 * h_\ell=\mathrm{pool}(\mathrm{Res}_\ell(h_{\ell-1}))+\mathrm{MLP}^t_\ell(t)\,[+\,\mathrm{MLP}^c_\ell(c)],\qquad
 * u_\ell=\mathrm{Res}(\mathrm{Res}(\mathrm{ConvT}_{2\times}([h_\ell;u_{\ell+1}])))
 * ```
 * Source: S4 (`ConvResidualLayer`, `SimpleDDPMModel`, `SimpleCDDPMModel`); Ho et al. 2020 Appendix B for the
 * full-size UNet. Differences from S4: t enters through the G1 sinusoidal features instead of the raw integer, the
 * null label ∅ is a learned embedding (S4 zeroes it), and max-pool is reshape + max (see nn/layers.ts).
 */
export class UNet implements DenoiserModel {
  readonly kind = 'unet';
  readonly params: ParamStore;
  readonly config: Record<string, unknown>;
  readonly numClasses: number;
  readonly dataShape: readonly number[];
  private readonly filters: number[];
  private readonly groups: number;
  private readonly timeDim: number;
  private readonly enc: ResBlock[] = [];
  private readonly timeMlp: [Dense, Dense][] = [];
  private readonly labelMlp: [Dense, Dense][] = [];
  private readonly mid: ResBlock;
  private readonly dec: { up: Conv; r1: ResBlock; r2: ResBlock }[] = [];
  private readonly finalRes: ResBlock;
  private readonly finalConv: Conv;
  private readonly inputSkip: Conv | undefined;

  constructor(rng: Rng, options: UNetOptions = {}) {
    assertRng('UNet', 'rng', rng);
    assertObject('UNet', 'options', options);
    const { filters = [64, 128, 256], groups = 8, size = 32, channels = 1, timeDim = 64, numClasses = 0, inputSkip = false } = options;
    // Widths up to 2^16 and sizes up to 2^14: beyond, one activation would not fit in memory.
    assertCount('UNet', 'groups', groups, 1, 2 ** 16);
    assertCount('UNet', 'channels', channels, 1, 2 ** 16);
    assertCount('UNet', 'timeDim', timeDim, 2, 2 ** 16);
    if (timeDim % 2) throw new DomainError('UNet', 'timeDim', 'an even integer (sin/cos pairs)', timeDim);
    assertCount('UNet', 'numClasses', numClasses, 0, 2 ** 16);
    assertBoolean('UNet', 'inputSkip', inputSkip);
    if (!Array.isArray(filters)) throw new DomainError('UNet', 'filters', 'a non-empty list of widths', filters);
    if (filters.length === 0) throw new DomainError('UNet', 'filters', 'a non-empty list of widths', '[]');
    filters.forEach((f, i) => {
      assertCount('UNet', `filters[${i}]`, f, 1, 2 ** 16);
      if (f % groups) throw new DomainError('UNet', `filters[${i}]`, `a multiple of groups = ${groups}`, f);
    });
    assertCount('UNet', 'size', size, 1, 2 ** 14);
    if (size % 2 ** filters.length) throw new DomainError('UNet', 'size', `a multiple of 2^${filters.length}`, size);
    // inputSkip is saved only when set, so checkpoints of S4's architecture keep their config.
    this.config = { filters: [...filters], groups, size, channels, timeDim, numClasses, ...(inputSkip ? { inputSkip } : {}) };
    this.filters = [...filters];
    this.groups = groups;
    this.timeDim = timeDim;
    this.numClasses = numClasses;
    this.dataShape = [size, size, channels];
    const ps = (this.params = new ParamStore(rng));
    let c = channels;
    filters.forEach((f, i) => {
      this.enc.push(resBlock(ps, `enc${i}`, c, f));
      this.timeMlp.push([dense(ps, `time${i}/d1`, timeDim, f), dense(ps, `time${i}/d2`, f, f)]);
      if (numClasses > 0) this.labelMlp.push([dense(ps, `label${i}/emb`, numClasses + 1, f, false), dense(ps, `label${i}/d`, f, f)]);
      c = f;
    });
    this.mid = resBlock(ps, 'mid', c, c);
    let u = c;
    [...filters].reverse().forEach((f, k) => {
      const skip = filters[filters.length - 1 - k]!;
      this.dec.push({ up: conv(ps, `dec${k}/up`, 3, skip + u, f), r1: resBlock(ps, `dec${k}/res1`, f, f), r2: resBlock(ps, `dec${k}/res2`, f, f) });
      u = f;
    });
    this.inputSkip = inputSkip ? conv(ps, 'final/input-skip', 1, channels, u) : undefined;
    this.finalRes = resBlock(ps, 'final/res', u, filters[0]!);
    this.finalConv = conv(ps, 'final/conv', 3, filters[0]!, channels);
  }

  predict(xt: tf.Tensor, t: StepBatch, labels: tf.Tensor | null = null): tf.Tensor {
    const [H, W, C] = this.dataShape as [number, number, number];
    assertTensor('UNet.predict', 'xt', xt);
    if (xt.rank !== 4 || xt.shape[1] !== H || xt.shape[2] !== W || xt.shape[3] !== C) {
      throw new DomainError('UNet.predict', 'xt', `shape [B, ${H}, ${W}, ${C}]`, `[${xt.shape}]`);
    }
    return tf.tidy(() => {
      const B = xt.shape[0]!;
      const temb = timestepEmbedding(stepsFor('UNet.predict', t, B), this.timeDim);
      const onehot = this.numClasses > 0 ? oneHotRows('UNet.predict', labels, B, this.numClasses) : undefined;
      let h = xt as tf.Tensor4D;
      const skips: tf.Tensor4D[] = [];
      this.enc.forEach((blk, i) => {
        h = maxPool2x2(applyResBlock(blk, h, this.groups));
        const [d1, d2] = this.timeMlp[i]!;
        const f = this.filters[i]!;
        h = tf.add(h, tf.reshape(applyDense(d2, tf.leakyRelu(applyDense(d1, temb), 0.3)), [B, 1, 1, f]));
        if (onehot) {
          const [e, d] = this.labelMlp[i]!;
          h = tf.add(h, tf.reshape(applyDense(d, applyDense(e, onehot)), [B, 1, 1, f]));
        }
        skips.push(h);
      });
      let u = applyResBlock(this.mid, skips[skips.length - 1]!, this.groups);
      this.dec.forEach((d, k) => {
        const skip = skips[skips.length - 1 - k]!;
        u = applyConvTranspose(d.up, tf.concat([skip, u], 3));
        u = applyResBlock(d.r2, applyResBlock(d.r1, u, this.groups), this.groups);
      });
      if (this.inputSkip) u = tf.add(u, applyConv(this.inputSkip, xt as tf.Tensor4D));
      return applyConv(this.finalConv, applyResBlock(this.finalRes, u, this.groups));
    });
  }
}
