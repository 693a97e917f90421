// The DiT ε-model (models/dit.ts) as a whole; its pieces (G5–G9) are checked one by one in transformer/ and
// embedding/. Here: its parameter count written out layer by layer, the forward pass against the pieces composed by
// hand (DiT's final layer included, in DiT's (shift, scale) order), adaLN-Zero at the model level (a fresh DiT
// predicts 0 and only its output map gets a gradient), no mixing between the examples of a batch, ∅ = labels null,
// a checkpoint round trip, training that lowers L_simple, and bad options refused by name.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpatchify } from '../embedding/embedding.js';
import { applyPatchEmbedding } from '../embedding/patch-embedding.js';
import { applyDense, swish } from '../nn/layers.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import { loadModelFolder } from '../train/shipped.js';
import { ddpmLoss, trainDdpm } from '../train/ddpm.js';
import { applyDitBlock, applyDitConditioner, layerNorm, modulate } from '../transformer/dit.js';
import { DomainError } from '../util/validate.js';
import { DiT, type DiTOptions } from './dit.js';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const small: DiTOptions = { size: 8, channels: 1, patch: 2, dim: 16, depth: 2, heads: 2, mlpRatio: 2, frequencyDim: 8, numClasses: 10 };

/** Every variable drawn from N(0, 0.3²): a fresh DiT has zero gates and output map, which would hide most errors. */
function randomise(model: DiT, seed: number): void {
  const rng = createRng(seed);
  for (const v of model.params.list) v.assign(tf.mul(0.3, rng.normalTensor(v.shape)));
}

const maxGap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('DiT ε-model (G7 → G9 × depth → final layer → G8)', () => {
  it('has the parameter count of its layers written out (patch map, t-MLP, label table, blocks, final layer)', () => {
    const { size = 0, patch = 0, dim: D = 0, depth = 0, mlpRatio = 0, frequencyDim = 0, numClasses = 0 } = small;
    const dense = (i: number, o: number) => i * o + o;
    const block = dense(D, 3 * D) + dense(D, D) + dense(D, mlpRatio * D) + dense(mlpRatio * D, D) + dense(D, 6 * D);
    const expected = dense(patch * patch, D) + dense(frequencyDim, D) + dense(D, D) + (numClasses + 1) * D + depth * block + dense(D, 2 * D) + dense(D, patch * patch);
    expect(new DiT(createRng(1), small).params.count).toBe(expected);
    expect(new DiT(createRng(1), { ...small, numClasses: 0 }).params.count).toBe(expected - (numClasses + 1) * D);
    expect(size).toBe(8);
  });

  it('predict = unpatchify(Linear(modulate(LN(blocks(embed(x), c)), shift, scale))), the pieces composed by hand', () => {
    const model = new DiT(createRng(2), small);
    randomise(model, 3);
    const x = createRng(4).normalTensor([3, 8, 8, 1]) as tf.Tensor4D;
    const t = [1, 250, 999];
    const labels = tf.tensor1d([0, 7, 10], 'int32');
    const parts = model as unknown as {
      embed: Parameters<typeof applyPatchEmbedding>[0];
      conditioner: Parameters<typeof applyDitConditioner>[0];
      blocks: Parameters<typeof applyDitBlock>[0][];
      final: { modulation: Parameters<typeof applyDense>[0]; linear: Parameters<typeof applyDense>[0] };
    };
    const byHand = tf.tidy(() => {
      const c = applyDitConditioner(parts.conditioner, t, labels, 3);
      let z = applyPatchEmbedding(parts.embed, x);
      for (const b of parts.blocks) z = applyDitBlock(b, z, c);
      const mod = applyDense(parts.final.modulation, swish(c));
      const shift = tf.slice(mod, [0, 0], [3, 16]) as tf.Tensor2D; // DiT: shift, scale = adaLN(c).chunk(2)
      const scale = tf.slice(mod, [0, 16], [3, 16]) as tf.Tensor2D;
      const normed = tf.reshape(modulate(layerNorm(z), shift, scale), [3 * 16, 16]) as tf.Tensor2D;
      return unpatchify(tf.reshape(applyDense(parts.final.linear, normed), [3, 16, 4]) as tf.Tensor3D, 2, 8, 8, 1);
    });
    const predicted = model.predict(x, t, labels);
    // The same float32 ops in the same order: equal bit for bit.
    expect(maxGap(predicted, byHand)).toBe(0);
    // The order matters: with the two halves of the final modulation swapped, (scale, shift), the output changes.
    const original = parts.final.modulation.w.clone();
    const originalBias = parts.final.modulation.b!.clone();
    parts.final.modulation.w.assign(tf.concat([tf.slice(original, [0, 16], [16, 16]), tf.slice(original, [0, 0], [16, 16])], 1));
    parts.final.modulation.b!.assign(tf.concat([tf.slice(originalBias, [16], [16]), tf.slice(originalBias, [0], [16])]));
    expect(maxGap(model.predict(x, t, labels), byHand)).toBeGreaterThan(1e-3);
  });

  it('adaLN-Zero at the model level: a fresh DiT predicts exactly 0, and only its output map gets a gradient', () => {
    const model = new DiT(createRng(5), small);
    const x = createRng(6).normalTensor([4, 8, 8, 1]);
    const labels = tf.tensor1d([1, 2, 3, 10], 'int32');
    expect(tf.max(tf.abs(model.predict(x, 500, labels))).dataSync()[0]).toBe(0);
    const probe = createRng(7).normalTensor([4, 8, 8, 1]);
    const vars = model.params.list;
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.predict(x, 500, labels), probe)) as tf.Scalar, vars);
    const moved = vars.filter((v) => tf.max(tf.abs(grads[v.name]!)).dataSync()[0]! > 0).map((v) => v.name.replace(/#\d+$/, ''));
    // ε̂ = LN(z)(1 + β) + γ) W_O + b_O with W_F, b_F, W_O, b_O = 0: ∂/∂W_O = LN(z)ᵀ·probe ≠ 0, ∂/∂b_O ≠ 0; every other
    // path passes through W_O = 0 or a zero gate.
    expect(moved.sort()).toEqual(['final/linear/b', 'final/linear/w']);
  });

  it('each example is predicted on its own: a batch of 3 equals the 3 examples one at a time (to float32 rounding)', () => {
    const model = new DiT(createRng(8), small);
    randomise(model, 9);
    const x = createRng(10).normalTensor([3, 8, 8, 1]) as tf.Tensor4D;
    const t = [3, 400, 800];
    const labels = [4, 10, 9];
    const batch = model.predict(x, t, tf.tensor1d(labels, 'int32'));
    const oneByOne = tf.concat(
      [0, 1, 2].map((i) => model.predict(tf.slice(x, i, 1), t[i]!, tf.tensor1d([labels[i]!], 'int32'))),
    );
    // Matrix products over a different number of rows may round differently: 1e-5 on O(1) outputs.
    expect(maxGap(batch, oneByOne)).toBeLessThan(1e-5);
    // And the examples do differ (the test would pass vacuously on a constant output).
    expect(maxGap(tf.slice(batch, 0, 1), tf.slice(batch, 1, 1))).toBeGreaterThan(1e-2);
  });

  it('t and the label steer the output; labels null is the ∅ row (label numClasses)', () => {
    const model = new DiT(createRng(11), small);
    randomise(model, 12);
    const x = createRng(13).normalTensor([2, 8, 8, 1]);
    const at = (t: number, label: number | null) => model.predict(x, t, label === null ? null : tf.tensor1d([label, label], 'int32'));
    expect(maxGap(at(100, 3), at(700, 3))).toBeGreaterThan(1e-2);
    expect(maxGap(at(100, 3), at(100, 8))).toBeGreaterThan(1e-2);
    expect(maxGap(at(100, null), at(100, 10))).toBe(0);
    const unconditional = new DiT(createRng(11), { ...small, numClasses: 0 });
    expect(() => unconditional.predict(x, 100, tf.tensor1d([1, 2], 'int32'))).toThrow(/DiT\.predict: argument 'labels'/);
  });

  it('a checkpoint round trip rebuilds the same predictions (kind dit, config saved), also through loadModelFolder', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dit-ckpt-'));
    try {
      const model = new DiT(createRng(14), small);
      randomise(model, 15);
      saveCheckpoint(dir, model, 3, { schedule: { name: 'linear', T: 1000 } });
      const rebuilt = new DiT(createRng(99), small);
      const manifest = loadCheckpoint(dir, rebuilt);
      expect(manifest.kind).toBe('dit');
      expect(manifest.config).toEqual(model.config);
      const x = createRng(16).normalTensor([2, 8, 8, 1]);
      const labels = tf.tensor1d([5, 10], 'int32');
      expect(maxGap(rebuilt.predict(x, 42, labels), model.predict(x, 42, labels))).toBe(0);
      // The folder loader of the shipped weights builds a DiT from the recorded kind and config, with its schedule's T.
      const loaded = loadModelFolder(dir);
      expect(loaded.kind).toBe('dit');
      if (loaded.kind !== 'dit') throw new Error('unreachable');
      expect(loaded.schedule.T).toBe(1000);
      expect(maxGap(loaded.model.predict(x, 42, labels), model.predict(x, 42, labels))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains: 40 Adam steps on 64 copies of one image lower L_simple on them by a third or more', () => {
    const schedule = linearSchedule(100);
    const rng = createRng(17);
    const x = tf.tidy(() => tf.tile(tf.sign(rng.normalTensor([1, 8, 8, 1])), [64, 1, 1, 1]));
    const labels = Int32Array.from({ length: 64 }, (_, i) => i % 10);
    const model = new DiT(createRng(18), small);
    // The loss on one fixed draw of (t, ε), before and after: the same draw, so the difference is the training's.
    const fixedT = Int32Array.from({ length: 64 }, (_, i) => 1 + ((i * 37) % 100));
    const fixedEps = createRng(19).normalTensor([64, 8, 8, 1]);
    const evaluate = () => ddpmLoss(model, schedule, x, fixedT, fixedEps, tf.tensor1d(labels, 'int32')).dataSync()[0]!;
    const before = evaluate();
    trainDdpm(model, { x, labels }, createRng(20), { schedule, steps: 40, batchSize: 32, optimizer: tf.train.adam(3e-3) });
    const after = evaluate();
    expect(before).toBeGreaterThan(0.5); // a fresh DiT predicts 0, so the loss starts at E‖ε‖²/d ≈ 1
    expect(after).toBeLessThan((2 / 3) * before);
  });

  it('refuses bad options and inputs by name', () => {
    const bad: [DiTOptions, RegExp][] = [
      [{ ...small, patch: 3 }, /DiT: argument 'patch' must be a divisor of size = 8/],
      [{ ...small, dim: 18 }, /DiT: argument 'dim' must be a multiple of 4/],
      [{ ...small, heads: 3 }, /DiT: argument 'heads' must be a divisor of dim = 16/],
      [{ ...small, depth: 0 }, /DiT: argument 'depth'/],
      [{ ...small, frequencyDim: 7 }, /DiT: argument 'frequencyDim' must be an even integer/],
      [{ ...small, numClasses: -1 }, /DiT: argument 'numClasses'/],
      [{ ...small, size: Number.NaN }, /DiT: argument 'size'/],
    ];
    for (const [options, message] of bad) expect(() => new DiT(createRng(1), options)).toThrow(message);
    expect(() => new DiT(createRng(1), small)).not.toThrow();
    const model = new DiT(createRng(1), small);
    expect(() => model.predict(tf.zeros([2, 8, 8, 3]), 5)).toThrow(DomainError);
    expect(() => model.predict(tf.zeros([2, 8, 8, 3]), 5)).toThrow(/DiT\.predict: argument 'xt' must be shape \[B >= 1, 8, 8, 1\]/);
  });
});
