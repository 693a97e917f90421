import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointsTensor, toy2d } from '../data/toy2d.js';
import { MlpDenoiser } from '../models/mlp.js';
import { UNet } from '../models/unet.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { testSeed } from '../testing/expect-close.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { accumulateGradients, drawTrainingNoise, trainDdpm } from './ddpm.js';
import { GradientWorkers, packWeights, trainDdpmParallel, unpackWeights } from './parallel.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

/** Largest |a − b| over all gradients, and the largest |a| (the scale the difference is judged against). */
function maxDifference(a: tf.Tensor[], b: tf.Tensor[]): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  a.forEach((g, i) => {
    const x = g.dataSync();
    const y = b[i]!.dataSync();
    for (let k = 0; k < x.length; k++) {
      diff = Math.max(diff, Math.abs(x[k]! - y[k]!));
      scale = Math.max(scale, Math.abs(x[k]!));
    }
  });
  return { diff, scale };
}

describe('E4 data-parallel training on worker threads', () => {
  const schedule = linearSchedule(100, 1e-4, 0.1);

  it('E4 the gradient from 3 shards (main thread + 2 workers) equals the one-pass gradient of the whole batch', async () => {
    const rng = createRng(testSeed(31));
    // A conditional model, so the labels (after dropout) are sharded too.
    const model = new MlpDenoiser(rng, { hidden: 64, layers: 2, numClasses: 3 });
    const x0 = pointsTensor(toy2d('twoMoons', 96, rng));
    const labels = Int32Array.from({ length: 96 }, (_, i) => i % 3);
    const noise = drawTrainingNoise(model, schedule, x0.shape, labels, rng, 0.2);
    const pool = await GradientWorkers.start(model, schedule, 2, 'wasm');
    try {
      const whole = accumulateGradients(model, schedule, x0, noise);
      const sharded = await pool.gradients(x0, noise);
      // float32 sums in a different order: agreement to ~1e-6 of the largest gradient entry. A shard weighted
      // 1 instead of 1/3, a shard left out or shards given the wrong t/ε/labels would be off by O(1) of it.
      const { diff, scale } = maxDifference(whole.grads, sharded.grads);
      expect(scale).toBeGreaterThan(0);
      expect(diff).toBeLessThan(1e-5 * scale);
      expect(Math.abs(sharded.loss - whole.loss)).toBeLessThan(1e-5 * whole.loss);
      // With micro-batches inside each shard (3 shards × 2): still the same gradient.
      const micro = await pool.gradients(x0, noise, 2);
      expect(maxDifference(whole.grads, micro.grads).diff).toBeLessThan(1e-5 * scale);
      // The weights the workers hold are the main thread's at the time of the call: change them and the gradient follows.
      const moved = packWeights(model).map((w) => w * 1.1);
      unpackWeights(model, moved);
      const after = accumulateGradients(model, schedule, x0, noise);
      const afterSharded = await pool.gradients(x0, noise);
      expect(maxDifference(after.grads, afterSharded.grads).diff).toBeLessThan(1e-5 * scale);
      expect(maxDifference(after.grads, whole.grads).diff).toBeGreaterThan(1e-2 * scale);
      [whole, sharded, micro, after, afterSharded].forEach((r) => r.grads.forEach((g) => g.dispose()));
      await expect(pool.gradients(tf.slice(x0, 0, 95), { ...noise, t: noise.t.subarray(0, 95) })).rejects.toThrow(/batch size.*a multiple of 3 shards/);
    } finally {
      await pool.dispose();
      x0.dispose();
      noise.eps.dispose();
      model.params.dispose();
    }
  });

  it('E4 a UNet trained 3 steps with 2 threads follows the single-thread path (same draws, same updates)', async () => {
    const data = { x: createRng(5).normalTensor([64, 8, 8, 1]) };
    // Plain SGD, whose update is linear in the gradient. Adam's first steps are ≈ lr·sign(g), which turns the rounding
    // noise of gradients that are exactly 0 in exact arithmetic (a convolution bias ahead of GroupNorm) into ±lr.
    const lr = 0.05;
    const options = { schedule: linearSchedule(50), steps: 3, batchSize: 8 };
    const run = async (workers: number) => {
      const model = new UNet(createRng(testSeed(7)), { filters: [8, 8, 8], size: 8 });
      const opts = { ...options, optimizer: tf.train.sgd(lr) };
      const r = workers === 0 ? trainDdpm(model, data, createRng(9), opts) : await trainDdpmParallel(model, data, createRng(9), { ...opts, workers });
      r.optimizer.dispose();
      const w = packWeights(model);
      model.params.dispose();
      return { w, losses: r.losses };
    };
    const single = await run(0);
    const parallel = await run(2);
    const start = packWeights(new UNet(createRng(testSeed(7)), { filters: [8, 8, 8], size: 8 }));
    // The weights move by up to ~0.3 in 3 steps. The two runs differ by float32 rounding only (XNNPACK blocks a batch
    // of 4 differently from one of 8), which 3 steps through GroupNorm grow to ~1e-4 of that; a shard counted twice
    // or left out would change the path by O(1) of it.
    let moved = 0;
    let diff = 0;
    for (let i = 0; i < start.length; i++) {
      moved = Math.max(moved, Math.abs(single.w[i]! - start[i]!));
      diff = Math.max(diff, Math.abs(single.w[i]! - parallel.w[i]!));
    }
    expect(moved).toBeGreaterThan(1e-3);
    expect(diff).toBeLessThan(1e-3 * moved);
    for (let s = 0; s < 3; s++) expect(Math.abs(parallel.losses[s]! - single.losses[s]!)).toBeLessThan(1e-4 * single.losses[s]!);
    data.x.dispose();
  });

  it('E4 bad arguments are refused by name', async () => {
    const model = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
    const data = { x: tf.zeros([16, 2]) };
    const base = { schedule, steps: 1, batchSize: 8 };
    await expect(trainDdpmParallel(model, data, createRng(1), { ...base, workers: 0 })).rejects.toThrow(/trainDdpmParallel: argument 'workers'/);
    await expect(trainDdpmParallel(model, data, createRng(1), { ...base, workers: 3 })).rejects.toThrow(/batchSize.*a multiple of workers × microBatches = 3/);
    await expect(GradientWorkers.start({ ...model, kind: 'gan', config: {}, params: model.params } as never, schedule, 1, 'wasm')).rejects.toThrow(/no worker build for a 'gan' model/);
    expect(() => unpackWeights(model, new Float32Array(3))).toThrow(/unpackWeights/);
    data.x.dispose();
    model.params.dispose();
  });
});
