/**
 * An exponential moving average (EMA) of a model's weights, the weights DDPM samples with (Ho et al. 2020, §4:
 * decay 0.9999). Not a formula of the catalogue but a training practice: the last Adam iterate wanders around a
 * minimum by about the learning rate, and an average over the last ~1/(1 − d) steps sits closer to it, which shows in
 * the samples more than in the loss.
 *
 * After the k-th optimiser step (k = 1, 2, …):
 *
 * $$\bar\theta_k = d_k\,\bar\theta_{k-1} + (1-d_k)\,\theta_k,\qquad d_k=\min\!\Big(d,\ \frac{1+k}{10+k}\Big),\qquad \bar\theta_0=\theta_0 .$$
 *
 * The warm-up d_k keeps a short run's average from being dominated by the random initialisation θ_0 (with a fixed
 * d = 0.999, θ_0 would still carry weight 0.999^1500 ≈ 0.22 after 1500 steps).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from '../nn/layers.js';
import { assertInteger, DomainError } from '../util/validate.js';

/** tfjs variable names are global; a counter keeps two averages of one model apart. */
let averageCounter = 0;

/** The decay used at the k-th update (k ≥ 1): min(d, (1 + k)/(10 + k)). */
export function emaDecayAt(decay: number, k: number): number {
  assertDecay('emaDecayAt', decay);
  assertInteger('emaDecayAt', 'k', k, 1);
  return Math.min(decay, (1 + k) / (10 + k));
}

function assertDecay(fn: string, decay: number): void {
  if (!(Number.isFinite(decay) && decay >= 0 && decay < 1)) throw new DomainError(fn, 'decay', 'a number in [0, 1)', decay);
}

/** The averaged weights θ̄ of a {@link ParamStore}, updated after each optimiser step and swapped in to sample. */
export class WeightAverage {
  /** θ̄, one variable per model variable, under the same names (so a checkpoint of it loads into the model). */
  readonly vars = new Map<string, tf.Variable>();
  private count: number;

  /**
   * @param source - the model's variables θ (read, never written except inside {@link withAveraged})
   * @param decay - d in [0, 1); 0 keeps θ̄ = θ
   * @param updates - updates already made (when resuming, so the warm-up continues where it stopped)
   */
  constructor(
    private readonly source: ParamStore,
    readonly decay: number,
    updates = 0,
  ) {
    assertDecay('WeightAverage', decay);
    assertInteger('WeightAverage', 'updates', updates, 0);
    this.count = updates;
    const id = ++averageCounter;
    for (const [name, v] of source.vars) this.vars.set(name, tf.variable(v, false, `ema${id}/${v.name}`));
  }

  /** Updates made so far (k). */
  get updates(): number {
    return this.count;
  }

  /** θ̄ ← d_k θ̄ + (1 − d_k) θ for the next k. */
  update(): void {
    const d = emaDecayAt(this.decay, ++this.count);
    tf.tidy(() => {
      for (const [name, avg] of this.vars) {
        const theta = this.source.vars.get(name)!;
        // θ̄ + (1 − d)(θ − θ̄): one fused-friendly form of the same average.
        avg.assign(tf.add(avg, tf.mul(tf.sub(theta, avg), 1 - d)));
      }
    });
  }

  /** Run `fn` with θ̄ in the model's variables, then put θ back (also when `fn` throws). */
  withAveraged<T>(fn: () => T): T {
    const saved = new Map<string, tf.Tensor>();
    for (const [name, theta] of this.source.vars) {
      saved.set(name, tf.clone(theta));
      theta.assign(this.vars.get(name)!);
    }
    try {
      return fn();
    } finally {
      for (const [name, theta] of this.source.vars) {
        const s = saved.get(name)!;
        theta.assign(s);
        s.dispose();
      }
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
