import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlpDenoiser } from '../models/mlp.js';
import { ParamStore } from '../nn/layers.js';
import { createRng } from '../random/rng.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { emaDecayAt, WeightAverage } from './ema.js';

beforeAll(useCpuBackend);
afterAll(() => tf.disposeVariables());

const seed = 20261123 + Number(process.env.TEST_SEED_OFFSET ?? 0);

describe('weight average (EMA) used for sampling', () => {
  it('follows θ̄_k = d_k θ̄_{k−1} + (1 − d_k) θ_k with the warm-up d_k = min(d, (1+k)/(10+k)), to float32 rounding', () => {
    const rng = createRng(seed);
    const store = new ParamStore(rng);
    const w = store.weight('w', [4, 3]);
    const avg = new WeightAverage(store, 0.9);
    const theta0 = Float64Array.from(w.dataSync());
    let expected = Float64Array.from(theta0);
    let noWarmUp = Float64Array.from(theta0); // the negative control: d from the first step
    for (let k = 1; k <= 40; k++) {
      const theta = Float32Array.from(rng.normals(12));
      w.assign(tf.tensor(theta, [4, 3]));
      avg.update();
      const d = Math.min(0.9, (1 + k) / (10 + k));
      expected = expected.map((e, i) => d * e + (1 - d) * theta[i]!);
      noWarmUp = noWarmUp.map((e, i) => 0.9 * e + 0.1 * theta[i]!);
    }
    expect(avg.updates).toBe(40);
    const got = avg.vars.get('w')!.dataSync();
    // Each update rounds to float32 (relative 6e-8 of values of size ≲ 4); 40 of them stay far below 1e-5.
    got.forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThan(1e-5));
    // Without the warm-up θ_0 keeps weight 0.9^40 ≈ 0.015 and the recent steps other weights: the same check fails.
    expect(Math.max(...got.map((g, i) => Math.abs(g - noWarmUp[i]!)))).toBeGreaterThan(1e-3);
    avg.dispose();
    store.dispose();
  });

  it('the warm-up: d_1 = 2/11, d_k → d; decay outside [0, 1) and k < 1 are refused by name', () => {
    expect(emaDecayAt(0.999, 1)).toBe(2 / 11);
    expect(emaDecayAt(0.999, 100)).toBe(101 / 110);
    expect(emaDecayAt(0.999, 100_000)).toBe(0.999);
    expect(emaDecayAt(0, 5)).toBe(0);
    expect(() => emaDecayAt(1, 1)).toThrow(/'decay' must be a number in \[0, 1\); received 1/);
    expect(() => emaDecayAt(0.9, 0)).toThrow(DomainError);
    const store = new ParamStore(createRng(seed));
    store.zeros('b', [2]);
    expect(() => new WeightAverage(store, Number.NaN)).toThrow(/WeightAverage: argument 'decay'/);
    expect(() => new WeightAverage(store, 0.9, -1)).toThrow(/WeightAverage: argument 'updates'/);
    store.dispose();
  });

  it('withAveraged swaps θ̄ in for the call and restores θ exactly, also when the call throws', () => {
    const rng = createRng(seed + 1);
    const model = new MlpDenoiser(rng, { hidden: 16, layers: 2 });
    const avg = new WeightAverage(model.params, 0.5);
    const before = model.params.list.map((v) => Float32Array.from(v.dataSync()));
    model.params.list.forEach((v) => v.assign(tf.add(v, 1)));
    avg.update(); // d_1 = 2/11: θ̄ = θ_0 + 9/11
    const after = model.params.list.map((v) => Float32Array.from(v.dataSync()));
    const seen = avg.withAveraged(() => model.params.list.map((v) => Float32Array.from(v.dataSync())));
    seen.forEach((s, j) => s.forEach((x, i) => expect(x).toBeCloseTo(before[j]![i]! + 9 / 11, 5)));
    model.params.list.forEach((v, j) => expect(v.dataSync()).toEqual(after[j]));
    expect(() =>
      avg.withAveraged(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    model.params.list.forEach((v, j) => expect(v.dataSync()).toEqual(after[j]));
    avg.dispose();
    model.params.dispose();
  });

  it('saved with a checkpoint of the model, it loads into the model itself (what sampling with the average does)', () => {
    const rng = createRng(seed + 2);
    const model = new MlpDenoiser(rng, { hidden: 8, layers: 1 });
    const avg = new WeightAverage(model.params, 0.9);
    model.params.list.forEach((v) => v.assign(tf.mul(v, 3)));
    avg.update();
    const dir = mkdtempSync(path.join(tmpdir(), 'ema-'));
    saveCheckpoint(dir, model, 1, {}, { ema: { vars: avg.vars, decay: avg.decay, updates: avg.updates } });
    const fresh = new MlpDenoiser(createRng(seed + 3), model.config);
    const m = loadCheckpoint(dir, fresh, { weights: 'ema' });
    expect(m.ema).toEqual({ decay: 0.9, updates: 1 });
    for (const [name, v] of fresh.params.vars) expect(v.dataSync()).toEqual(avg.vars.get(name)!.dataSync());
    avg.dispose();
    model.params.dispose();
    fresh.params.dispose();
  });
});

// Mutation testing (docs/BENCHMARKS.md, "Reliability"): the decay's lower end, and what the average owns.
describe('weight average: bounds and ownership', () => {
  it('a negative decay is refused (d ∈ [0, 1)); θ̄ is not trainable; dispose frees θ̄ and leaves θ', () => {
    expect(() => emaDecayAt(-0.1, 1)).toThrow(/^emaDecayAt: argument 'decay' must be a number in \[0, 1\); received -0\.1/);
    const model = new MlpDenoiser(createRng(3), { hidden: 8, layers: 1 });
    expect(() => new WeightAverage(model.params, -0.5)).toThrow(/^WeightAverage: argument 'decay' must be a number in \[0, 1\)/);
    const before = tf.memory().numTensors;
    const avg = new WeightAverage(model.params, 0.9);
    expect(tf.memory().numTensors - before).toBe(model.params.vars.size);
    // An optimizer minimising without a variable list trains every trainable variable: θ̄ must not be one of them.
    expect([...avg.vars.values()].every((v) => !v.trainable)).toBe(true);
    avg.dispose();
    expect(avg.vars.size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.params.list.every((v) => !v.isDisposed)).toBe(true);
    model.params.dispose();
  });
});
