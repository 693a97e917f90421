/**
 * An MLP noise predictor for 2-D data: [x_t, G1 embedding of t (32)] → 256 → 256 → 256 → 2 with swish, optionally
 * conditioned on a class label (a learned embedding added to the first hidden layer; label `numClasses` = ∅), and
 * optionally learning its reverse variance (improved DDPM, D7: a second head on the last hidden layer outputs v).
 */
import * as tf from '@tensorflow/tfjs-core';
import { timestepEmbedding } from '../embedding/embedding.js';
import { applyDense, dense, ParamStore, swish, type Dense } from '../nn/layers.js';
import { assertRng, type Rng } from '../random/rng.js';
import { assertRank } from '../util/tensor.js';
import { assertBoolean, assertCount, assertObject, DomainError } from '../util/validate.js';
import { oneHotRows, stepsFor } from './labels.js';
import type { DenoiserModel, EpsAndVariance, StepBatch } from './types.js';

export interface MlpDenoiserOptions {
  readonly dim?: number;
  readonly hidden?: number;
  readonly layers?: number;
  readonly timeDim?: number;
  /** > 0 makes the model conditional on labels 0..numClasses−1. */
  readonly numClasses?: number;
  /**
   * Add a head for improved DDPM's variance weight v (D7), read by `predictWithVariance`; train it with the hybrid
   * loss. Default false.
   */
  readonly learnVariance?: boolean;
}

export class MlpDenoiser implements DenoiserModel {
  readonly kind = 'mlp';
  readonly params: ParamStore;
  readonly config: Record<string, unknown>;
  readonly numClasses: number;
  readonly dataShape: readonly number[];
  /** Built with `learnVariance` (then `learnsVariance(model)` narrows it to a VarianceDenoiserModel). */
  readonly learnsVariance: boolean;
  private readonly timeDim: number;
  private readonly layers: Dense[] = [];
  private readonly labelEmb: Dense | undefined;
  private readonly varianceHead: Dense | undefined;

  constructor(rng: Rng, options: MlpDenoiserOptions = {}) {
    assertRng('MlpDenoiser', 'rng', rng);
    assertObject('MlpDenoiser', 'options', options);
    const { dim = 2, hidden = 256, layers = 3, timeDim = 32, numClasses = 0, learnVariance = false } = options;
    // Widths up to 2^16 and 1024 layers: beyond, the weights alone would not fit in memory.
    assertCount('MlpDenoiser', 'dim', dim, 1, 2 ** 16);
    assertCount('MlpDenoiser', 'hidden', hidden, 1, 2 ** 16);
    assertCount('MlpDenoiser', 'layers', layers, 1, 1024);
    assertCount('MlpDenoiser', 'timeDim', timeDim, 2, 2 ** 16);
    if (timeDim % 2) throw new DomainError('MlpDenoiser', 'timeDim', 'an even integer (sin/cos pairs)', timeDim);
    assertCount('MlpDenoiser', 'numClasses', numClasses, 0, 2 ** 16);
    assertBoolean('MlpDenoiser', 'learnVariance', learnVariance);
    // learnVariance is saved only when set, so checkpoints of ε-only models keep their old config.
    this.config = { dim, hidden, layers, timeDim, numClasses, ...(learnVariance ? { learnVariance } : {}) };
    this.numClasses = numClasses;
    this.dataShape = [dim];
    this.timeDim = timeDim;
    this.params = new ParamStore(rng);
    let inDim = dim + timeDim;
    for (let i = 0; i < layers; i++) {
      this.layers.push(dense(this.params, `mlp/h${i}`, inDim, hidden));
      inDim = hidden;
    }
    this.layers.push(dense(this.params, 'mlp/out', hidden, dim));
    this.labelEmb = numClasses > 0 ? dense(this.params, 'mlp/label', numClasses + 1, hidden, false) : undefined;
    this.learnsVariance = learnVariance;
    this.varianceHead = learnVariance ? dense(this.params, 'mlp/var', hidden, dim) : undefined;
  }

  predict(xt: tf.Tensor, t: StepBatch, labels: tf.Tensor | null = null): tf.Tensor {
    return tf.tidy(() => applyDense(this.layers[this.layers.length - 1]!, this.trunk('MlpDenoiser.predict', xt, t, labels)));
  }

  /**
   * ε_θ and the variance weight v (D7) from one pass through the shared layers. v = (r + 1)/2 for the head's raw
   * output r, as in Nichol & Dhariwal's code, so a head near zero starts at the geometric mean of β_t and β̃_t.
   */
  predictWithVariance(xt: tf.Tensor, t: StepBatch, labels: tf.Tensor | null = null): EpsAndVariance {
    const head = this.varianceHead;
    if (!head) throw new DomainError('MlpDenoiser.predictWithVariance', 'options.learnVariance', 'true (this model has no variance head)', 'false');
    const [eps, v] = tf.tidy(() => {
      const h = this.trunk('MlpDenoiser.predictWithVariance', xt, t, labels);
      return [applyDense(this.layers[this.layers.length - 1]!, h), tf.mul(tf.add(applyDense(head, h), 1), 0.5)];
    });
    return { eps: eps!, v: v! };
  }

  /** The last hidden layer's activations. */
  private trunk(fn: string, xt: tf.Tensor, t: StepBatch, labels: tf.Tensor | null): tf.Tensor2D {
    assertRank(fn, 'xt', xt, 2, `points [B, ${this.dataShape[0]}]`);
    if (xt.shape[1] !== this.dataShape[0]) throw new DomainError(fn, 'xt', `points [B, ${this.dataShape[0]}]`, `shape [${xt.shape}]`);
    const B = xt.shape[0]!;
    const steps = stepsFor(fn, t, B);
    const onehot = this.labelEmb ? oneHotRows(fn, labels, B, this.numClasses) : undefined;
    const emb = timestepEmbedding(steps, this.timeDim);
    let h = tf.concat([xt as tf.Tensor2D, emb], 1);
    this.layers.forEach((l, i) => {
      if (i === this.layers.length - 1) return;
      // One fused dense + swish op (fewer, larger wasm calls), except where the label embedding enters in between.
      if (i === 0 && this.labelEmb) {
        h = swish(tf.add(applyDense(l, h), applyDense(this.labelEmb, onehot!)));
      } else h = applyDense(l, h, 'swish');
    });
    return h;
  }
}

/** One-hot [B, numClasses + 1] of int labels; null → every row the null label numClasses. */
export function oneHotLabels(labels: tf.Tensor | null | undefined, batch: number, numClasses: number): tf.Tensor2D {
  return oneHotRows('oneHotLabels', labels, batch, numClasses);
}
