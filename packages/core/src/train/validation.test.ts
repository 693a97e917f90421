import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvAutoencoder, trainAutoencoder } from '../models/autoencoder.js';
import { MlpDenoiser } from '../models/mlp.js';
import { UNet } from '../models/unet.js';
import { selectBackend } from '../nn/backend.js';
import { createRng } from '../random/rng.js';
import { linearSchedule } from '../schedule/schedule.js';
import { useCpuBackend } from '../testing/tf-setup.js';
import { DomainError } from '../util/validate.js';
import { runAutoencoderTraining, type AutoencoderRunOptions } from './autoencoder.js';
import { defaultWorkers } from './cli.js';
import { accumulateGradients, applyGradients, sampleModel, trainDdpm, type DdpmTrainOptions } from './ddpm.js';
import { trainDdpmParallel } from './parallel.js';
import { imageGridPng, scatterPng } from './png.js';

// Every option of the train/ exports is checked before any work, and refused with a DomainError naming the function
// and the option — nothing silently falls back to a default (a misspelt sampler used to run DDPM).
beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});
afterAll(useCpuBackend);

const schedule = linearSchedule(10);
const mlp = new MlpDenoiser(createRng(1), { hidden: 8, layers: 1 });
const unet = new UNet(createRng(2), { filters: [8, 16], numClasses: 10, size: 16 });

/** The DomainError message `f` throws (the test fails if it throws anything else or nothing). */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as Error).message;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

async function asyncRefusal(f: () => Promise<unknown>): Promise<string> {
  const e = await f().then(() => new Error('expected a DomainError, but nothing was thrown'), (err: unknown) => err);
  expect(e).toBeInstanceOf(DomainError);
  return (e as Error).message;
}

describe('input validation of train/', () => {
  it.each<[string, () => unknown, RegExp]>([
    ["sampler 'ddmi'", () => sampleModel(mlp, schedule, 2, createRng(3), { sampler: 'ddmi' as 'ddim' }), /sampleModel: argument 'sampler' must be 'ddpm' or 'ddim'; received ddmi/],
    ['ddimSteps 0', () => sampleModel(mlp, schedule, 2, createRng(3), { sampler: 'ddim', ddimSteps: 0 }), /sampleModel: argument 'ddimSteps' must be an integer in 1..10; received 0/],
    ['ddimSteps > T', () => sampleModel(mlp, schedule, 2, createRng(3), { sampler: 'ddim', ddimSteps: 11 }), /argument 'ddimSteps' must be an integer in 1..10; received 11/],
    ['eta 2', () => sampleModel(mlp, schedule, 2, createRng(3), { sampler: 'ddim', eta: 2 }), /sampleModel: argument 'eta' must be a number in \[0, 1\]; received 2/],
    ['guidance NaN', () => sampleModel(unet, schedule, 1, createRng(3), { labels: [1], guidance: NaN }), /sampleModel: argument 'guidance' must be a number in \[-1000000, 1000000\]; received NaN/],
    ['guidance without labels', () => sampleModel(unet, schedule, 1, createRng(3), { guidance: 3 }), /sampleModel: argument 'guidance' must be used with labels/],
    ['labels for an unconditional model', () => sampleModel(mlp, schedule, 2, createRng(3), { labels: [0, 1] }), /sampleModel: argument 'labels' must be none for an unconditional model/],
    ['label 11 of 10 classes', () => sampleModel(unet, schedule, 2, createRng(3), { labels: [1, 11] }), /sampleModel: argument 'labels\[1\]' must be an integer in 0..10; received 11/],
    ['label 1.5', () => sampleModel(unet, schedule, 1, createRng(3), { labels: [1.5] }), /argument 'labels\[0\]' must be an integer in 0..10; received 1.5/],
    ['n 0', () => sampleModel(mlp, schedule, 0, createRng(3)), /sampleModel: argument 'n' must be an integer in 1\.\.268435456; received 0/],
  ])('sampleModel refuses %s', (_what, f, message) => expect(refusal(f)).toMatch(message));

  const x = createRng(4).normalTensor([16, 2]);
  const base: DdpmTrainOptions = { schedule, steps: 1, batchSize: 4 };
  it.each<[string, Partial<DdpmTrainOptions> & Record<string, unknown>, RegExp]>([
    ['steps 1e20', { steps: 1e20 }, /trainDdpm: argument 'steps' must be an integer in 0..10000000; received 100000000000000000000/],
    ['learningRate -1', { learningRate: -1 }, /trainDdpm: argument 'learningRate' must be a finite number > 0; received -1/],
    ['startStep -1', { startStep: -1 }, /trainDdpm: argument 'startStep' must be an integer in 0\.\.\d+; received -1/],
    ['microBatches 0', { microBatches: 0 }, /trainDdpm: argument 'microBatches' must be an integer >= 1; received 0/],
    ['pUncond 2', { pUncond: 2 }, /trainDdpm: argument 'pUncond' must be a number in \[0, 1\]; received 2/],
    ['onStep that is not a function', { onStep: 'log' as unknown as () => void }, /trainDdpm: argument 'onStep' must be a function; received log/],
    ['an optimizer that is not one', { optimizer: {} as tf.Optimizer }, /trainDdpm: argument 'optimizer' must be a tf.Optimizer/],
  ])('trainDdpm refuses %s', (_what, patch, message) => expect(refusal(() => trainDdpm(mlp, { x }, createRng(5), { ...base, ...patch } as DdpmTrainOptions))).toMatch(message));

  it('trainDdpm refuses data of another shape than the model, and a conditional model without labels', () => {
    expect(refusal(() => trainDdpm(mlp, { x: tf.zeros([8, 3]) }, createRng(5), base))).toMatch(/trainDdpm: argument 'data.x' must be examples of the model's shape \[N, 2\]; received \[8,3\]/);
    expect(refusal(() => trainDdpm(unet, { x: tf.zeros([4, 16, 16, 1]) }, createRng(5), base))).toMatch(/trainDdpm: argument 'data.labels' must be int labels for a conditional model/);
  });

  it('applyGradients and accumulateGradients refuse gradients that do not fit the model and a weight <= 0', () => {
    const opt = tf.train.adam(1e-3);
    expect(refusal(() => applyGradients(mlp, opt, [tf.zeros([1])]))).toMatch(new RegExp(`applyGradients: argument 'grads' must be ${mlp.params.list.length} gradients \\(one per variable\\); received 1`));
    expect(refusal(() => applyGradients(mlp, opt, mlp.params.list.map(() => tf.zeros([3, 1, 7]))))).toMatch(/applyGradients: argument 'grads\[0\]' must be shape \[/);
    const noise = { t: new Float64Array([1, 2]), eps: tf.zeros([2, 2]), labels: null };
    expect(refusal(() => accumulateGradients(mlp, schedule, tf.zeros([2, 2]), noise, 0))).toMatch(/accumulateGradients: argument 'weight' must be a finite number > 0; received 0/);
    opt.dispose();
  });

  it('trainDdpmParallel refuses a worker count and a backend it cannot start', async () => {
    expect(await asyncRefusal(() => trainDdpmParallel(mlp, { x }, createRng(5), { ...base, workers: 0 }))).toMatch(/trainDdpmParallel: argument 'workers' must be an integer in 1..64; received 0/);
    expect(await asyncRefusal(() => trainDdpmParallel(mlp, { x }, createRng(5), { ...base, workers: 1, backend: 'tpu' as 'wasm' }))).toMatch(/trainDdpmParallel: argument 'backend' must be node-gpu \| node \| wasm \| cpu; received tpu/);
    expect(await asyncRefusal(() => trainDdpmParallel(mlp, { x }, createRng(5), { ...base, workers: 1, steps: 1e20 }))).toMatch(/trainDdpmParallel: argument 'steps' must be an integer in 0..10000000/);
  });

  it('trainAutoencoder refuses a learning rate <= 0, a non-optimizer and a non-function onStep', () => {
    const ae = new ConvAutoencoder(createRng(6), { kind: 'ae', dim: 4, latent: 2 });
    const images = tf.zeros([4, 32, 32, 1]) as tf.Tensor4D;
    expect(refusal(() => trainAutoencoder(ae, images, null, createRng(7), { steps: 1, batchSize: 2, learningRate: -1 }))).toMatch(/trainAutoencoder: argument 'learningRate' must be a finite number > 0; received -1/);
    expect(refusal(() => trainAutoencoder(ae, images, null, createRng(7), { steps: 1, batchSize: 2, learningRate: NaN }))).toMatch(/argument 'learningRate' must be a finite number > 0; received NaN/);
    expect(refusal(() => trainAutoencoder(ae, images, null, createRng(7), { steps: 1, batchSize: 2, optimizer: {} as tf.Optimizer }))).toMatch(/trainAutoencoder: argument 'optimizer' must be a tf.Optimizer/);
    expect(refusal(() => trainAutoencoder(ae, images, null, createRng(7), { steps: 1, batchSize: 2, onStep: 1 as unknown as () => void }))).toMatch(/trainAutoencoder: argument 'onStep' must be a function/);
    ae.params.dispose();
  });

  const run: AutoencoderRunOptions = { kind: 'ae', steps: 1, batchSize: 2, learningRate: 1e-3, dim: 4, latent: 2, limit: 8, out: '/nonexistent/never-written', every: 1, resume: false, backend: 'wasm', seed: 0 };
  it.each<[string, Partial<AutoencoderRunOptions>, RegExp]>([
    ['kind gan', { kind: 'gan' as 'ae' }, /runAutoencoderTraining: argument 'kind' must be 'ae', 'vae' or 'cvae'; received gan/],
    ['steps 1e20', { steps: 1e20 }, /runAutoencoderTraining: argument 'steps' must be an integer in 0..10000000/],
    ['learningRate -1', { learningRate: -1 }, /runAutoencoderTraining: argument 'learningRate' must be a finite number > 0; received -1/],
    ['every 0', { every: 0 }, /runAutoencoderTraining: argument 'every' must be an integer >= 1; received 0/],
    ['limit 70000', { limit: 70000 }, /runAutoencoderTraining: argument 'limit' must be an integer in 1..60000; received 70000/],
    ['seed -1', { seed: -1 }, /runAutoencoderTraining: argument 'seed' must be an integer in 0..4294967294; received -1/],
  ])('runAutoencoderTraining refuses %s before touching any file', async (_what, patch, message) => {
    expect(await asyncRefusal(() => runAutoencoderTraining({ ...run, ...patch }))).toMatch(message);
  });

  it('the PNG writers and defaultWorkers refuse what they cannot draw or count', () => {
    expect(refusal(() => imageGridPng(tf.zeros([2, 4, 4, 1]), 0))).toMatch(/imageGridPng: argument 'cols' must be an integer >= 1; received 0/);
    expect(refusal(() => imageGridPng(tf.zeros([0, 4, 4, 1])))).toMatch(/imageGridPng: argument 'images' must be at least one image/);
    expect(refusal(() => scatterPng([1, 2, 3]))).toMatch(/scatterPng: argument 'points' must be x, y pairs \(an even length\); received length 3/);
    expect(refusal(() => scatterPng([1, 2], 0))).toMatch(/scatterPng: argument 'size' must be an integer in 1..8192; received 0/);
    expect(refusal(() => scatterPng([1, 2], 16, -1))).toMatch(/scatterPng: argument 'lim' must be a finite number > 0; received -1/);
    expect(refusal(() => defaultWorkers(0, 1))).toMatch(/defaultWorkers: argument 'batch' must be an integer >= 1; received 0/);
    expect(refusal(() => defaultWorkers(8, 1.5))).toMatch(/defaultWorkers: argument 'micro' must be an integer >= 1; received 1.5/);
  });
});
