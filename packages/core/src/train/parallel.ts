/**
 * Data-parallel DDPM training on worker threads. The wasm backend runs one thread per process, so on a machine with
 * several cores `pnpm train … --workers N` splits each batch into N shards: the main thread computes one shard's
 * gradient and N − 1 worker threads (each with its own copy of the model on its own backend) compute the others at
 * the same time; the main thread adds them up and takes the optimizer step. Weights go out to the workers and
 * gradients come back as transferred Float32Arrays (0.33 M parameters = 1.3 MB each way per step for the quick UNet).
 *
 * The batch, t, ε and label dropout are drawn on the main thread exactly as {@link trainDdpm} draws them, and each
 * shard's gradient is weighted by its share of the batch, so the steps equal the single-thread ones up to float
 * rounding (the test compares the gradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import type { DenoiserModel } from '../models/types.js';
import type { BackendName } from '../nn/backend.js';
import { randomBatch } from '../data/batch.js';
import type { Rng } from '../random/rng.js';
import type { NoiseSchedule } from '../schedule/schedule.js';
import { packTensors } from '../util/tensor.js';
import { assertInteger, assertIntegerInRange, DomainError } from '../util/validate.js';
import { accumulateGradients, applyGradients, drawTrainingNoise, prepareTraining, type Dataset, type DdpmLossOptions, type DdpmTrainOptions, type DdpmTrainResult, type TrainingNoise, type TrainStepInfo } from './ddpm.js';
import type { GradientReply, GradientRequest, WorkerInit } from './gradient-worker.js';

/**
 * A worker thread running gradient-worker next to this module: the compiled JS, or, when this module is the
 * TypeScript source (vitest, tsx), the .ts file through a bootstrap that registers tsx's loader in the thread.
 */
function startWorker(init: WorkerInit): Worker {
  const source = import.meta.url.endsWith('.ts');
  return new Worker(new URL(source ? './gradient-worker-source.mjs' : './gradient-worker.js', import.meta.url), { workerData: init });
}

/** The callbacks of the request a worker thread is working on (one at a time per worker). */
interface Pending {
  resolve: (reply: GradientReply) => void;
  reject: (error: Error) => void;
}

/**
 * A pool of worker threads that each hold a copy of one denoiser and compute the gradient of a shard of a batch.
 * Start it with {@link GradientWorkers.start}; dispose of it (terminates the threads) when done.
 */
export class GradientWorkers {
  private pending = new Map<Worker, Pending>();
  private failure: Error | undefined;

  private constructor(
    private readonly workers: Worker[],
    private readonly model: DenoiserModel,
    private readonly schedule: NoiseSchedule,
  ) {
    for (const w of workers) {
      w.on('message', (reply: GradientReply) => {
        const p = this.pending.get(w);
        this.pending.delete(w);
        if (reply.error) p?.reject(new Error(`gradient worker: ${reply.error}`));
        else p?.resolve(reply);
      });
      w.on('error', (e) => this.fail(w, e));
      w.on('exit', (code) => this.fail(w, new Error(`gradient worker exited with code ${code}`)));
    }
  }

  private fail(w: Worker, e: Error): void {
    this.failure ??= e;
    this.pending.get(w)?.reject(e);
    this.pending.delete(w);
  }

  /**
   * Start `count` worker threads, each building `model`'s architecture from its kind and config on `backend`
   * (the one the main thread uses, so that every shard is computed the same way).
   */
  static async start(model: DenoiserModel, schedule: NoiseSchedule, count: number, backend: BackendName): Promise<GradientWorkers> {
    assertInteger('GradientWorkers.start', 'count', count, 1);
    const init: WorkerInit = { kind: model.kind, config: model.config, schedule, backend, parameters: model.params.list.map((v) => v.size) };
    const workers = Array.from({ length: count }, () => startWorker(init));
    const pool = new GradientWorkers(workers, model, schedule);
    try {
      await Promise.all(workers.map((w) => pool.request(w, { type: 'ready' })));
    } catch (e) {
      await pool.dispose();
      throw e;
    }
    return pool;
  }

  private request(w: Worker, message: GradientRequest | { type: 'ready' }, transfer: ArrayBuffer[] = []): Promise<GradientReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(w, { resolve, reject });
      w.postMessage(message, transfer);
    });
  }

  /**
   * The gradient of the batch's mean loss, in `model.params.list` order (caller disposes of it), and the loss:
   * the batch is cut into one shard per worker thread plus one, the workers take all but the first, the main thread the first.
   * Each shard is accumulated over `microBatches` parts.
   */
  async gradients(x0: tf.Tensor, noise: TrainingNoise, microBatches = 1, lossOptions: DdpmLossOptions = {}): Promise<{ loss: number; grads: tf.Tensor[] }> {
    const B = x0.shape[0]!;
    const shards = this.workers.length + 1;
    if (B % (shards * microBatches)) {
      throw new DomainError('GradientWorkers.gradients', 'batch size', `a multiple of ${shards} shards × ${microBatches} micro-batches`, B);
    }
    const n = B / shards;
    const weights = packWeights(this.model);
    const xAll = x0.dataSync() as Float32Array;
    const epsAll = noise.eps.dataSync() as Float32Array;
    const per = xAll.length / B;
    const replies = this.workers.map((w, i) => {
      const lo = (i + 1) * n;
      const request: GradientRequest = {
        type: 'gradients',
        weights: i === this.workers.length - 1 ? weights : weights.slice(),
        x0: xAll.slice(lo * per, (lo + n) * per),
        shape: [n, ...x0.shape.slice(1)],
        t: noise.t.slice(lo, lo + n),
        eps: epsAll.slice(lo * per, (lo + n) * per),
        labels: noise.labels ? noise.labels.slice(lo, lo + n) : null,
        weight: n / B,
        microBatches,
        lossOptions,
      };
      return this.request(w, request, [request.weights.buffer as ArrayBuffer, request.x0.buffer as ArrayBuffer, request.eps.buffer as ArrayBuffer]);
    });
    // The main thread's shard runs while the workers compute theirs.
    const first = tf.tidy(() => ({ x: tf.slice(x0, 0, n), eps: tf.slice(noise.eps, 0, n) }));
    const ownNoise = { t: noise.t.subarray(0, n), eps: first.eps, labels: noise.labels?.subarray(0, n) ?? null };
    const own = accumulateGradients(this.model, this.schedule, first.x, ownNoise, n / B, microBatches, lossOptions);
    first.x.dispose();
    first.eps.dispose();
    let results: GradientReply[];
    try {
      results = await Promise.all(replies);
    } catch (e) {
      own.grads.forEach((g) => g.dispose());
      throw e;
    }
    let offset = 0;
    const total = this.model.params.list.map((v, j) =>
      tf.tidy(() => {
        let g = own.grads[j]!;
        for (const r of results) g = tf.add(g, tf.tensor(r.grads!.subarray(offset, offset + v.size), v.shape));
        offset += v.size;
        return g;
      }),
    );
    own.grads.forEach((g) => g.dispose());
    return { loss: own.loss + results.reduce((s, r) => s + r.loss!, 0), grads: total };
  }

  /** Terminate the worker threads. */
  async dispose(): Promise<void> {
    this.failure ??= new Error('GradientWorkers: disposed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** All of a model's weights in `params.list` order, as one Float32Array. */
export function packWeights(model: DenoiserModel): Float32Array {
  return packTensors(model.params.list).data;
}

/** Write weights packed by {@link packWeights} (from a model of the same architecture) into `model`. */
export function unpackWeights(model: DenoiserModel, weights: Float32Array): void {
  const vars = model.params.list;
  const count = vars.reduce((s, v) => s + v.size, 0);
  if (count !== weights.length) throw new DomainError('unpackWeights', 'weights', `${count} numbers (the model's parameter count)`, weights.length);
  let offset = 0;
  for (const v of vars) {
    tf.tidy(() => v.assign(tf.tensor(weights.subarray(offset, offset + v.size), v.shape)));
    offset += v.size;
  }
}

export interface ParallelTrainOptions extends Omit<DdpmTrainOptions, 'onStep'> {
  /** Called after each step and awaited (a checkpoint can be written); return false to stop. */
  readonly onStep?: (info: TrainStepInfo) => void | boolean | Promise<void | boolean>;
  /** Threads computing gradients, the main thread included (≥ 1; 1 = {@link trainDdpm} without workers). */
  readonly workers: number;
  /** The backend the workers use (the main thread's; default 'wasm'). */
  readonly backend?: BackendName;
}

/**
 * Algorithm 1 as {@link trainDdpm}, with each batch's gradient computed in `workers` shards on as many threads.
 * Same draws from `rng` in the same order as trainDdpm, so the two follow the same path up to float rounding.
 */
export async function trainDdpmParallel(model: DenoiserModel, data: Dataset, rng: Rng, options: ParallelTrainOptions): Promise<DdpmTrainResult> {
  const { schedule, steps, batchSize, microBatches = 1, pUncond = 0.1, startStep = 0, onStep, workers } = options;
  assertIntegerInRange('trainDdpmParallel', 'workers', workers, 1, 64);
  const backends = ['node-gpu', 'node', 'wasm', 'cpu'];
  if (options.backend !== undefined && !backends.includes(options.backend)) throw new DomainError('trainDdpmParallel', 'backend', backends.join(' | '), String(options.backend));
  assertInteger('trainDdpmParallel', 'microBatches', microBatches, 1);
  if (Number.isInteger(batchSize) && batchSize % (workers * microBatches)) {
    throw new DomainError('trainDdpmParallel', 'batchSize', `a multiple of workers × microBatches = ${workers * microBatches}`, batchSize);
  }
  const { lossOptions, optimizer } = prepareTraining('trainDdpmParallel', model, data, options);
  const pool = workers > 1 && steps > 0 ? await GradientWorkers.start(model, schedule, workers - 1, options.backend ?? 'wasm') : undefined;
  const losses = new Float64Array(steps);
  let step = startStep;
  try {
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      const { x: x0, labels } = randomBatch(data.x, data.labels ?? null, batchSize, rng);
      const noise = drawTrainingNoise(model, schedule, x0.shape, labels, rng, pUncond);
      try {
        const { loss, grads } = pool
          ? await pool.gradients(x0, noise, microBatches, lossOptions)
          : accumulateGradients(model, schedule, x0, noise, 1, microBatches, lossOptions);
        applyGradients(model, optimizer, grads);
        losses[s] = loss;
      } finally {
        x0.dispose();
        noise.eps.dispose();
      }
      step++;
      if ((await onStep?.({ step, loss: losses[s]!, seconds: (performance.now() - t0) / 1000 })) === false) return { losses: losses.slice(0, s + 1), optimizer, step };
    }
    return { losses, optimizer, step };
  } finally {
    await pool?.dispose();
  }
}
