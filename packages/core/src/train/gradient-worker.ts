/**
 * The worker-thread side of {@link GradientWorkers} (train/parallel.ts): builds a copy of the denoiser from its kind
 * and config on the main thread's backend, then for each request loads the sent weights and returns the gradient
 * of its shard (weighted by the shard's share of the batch) as one Float32Array in `params.list` order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type BackendName } from '../nn/backend.js';
import { MlpDenoiser } from '../models/mlp.js';
import { UNet } from '../models/unet.js';
import { DiT } from '../models/dit.js';
import type { DenoiserModel } from '../models/types.js';
import { createRng } from '../random/rng.js';
import type { NoiseSchedule } from '../schedule/schedule.js';
import { packTensors } from '../util/tensor.js';
import { accumulateGradients, type DdpmLossOptions } from './ddpm.js';
import { unpackWeights } from './parallel.js';

/** What a worker is started with. */
export interface WorkerInit {
  readonly kind: string;
  readonly config: Record<string, unknown>;
  readonly schedule: NoiseSchedule;
  readonly backend: BackendName;
  /** Each variable's size, to check that the copy has the same architecture. */
  readonly parameters: number[];
}

/** One shard of a batch, with the current weights. */
export interface GradientRequest {
  readonly type: 'gradients';
  readonly weights: Float32Array;
  readonly x0: Float32Array;
  readonly shape: number[];
  readonly t: Float64Array;
  readonly eps: Float32Array;
  readonly labels: Int32Array | null;
  /** The shard's share of the batch (its size / the batch size). */
  readonly weight: number;
  readonly microBatches: number;
  readonly lossOptions: DdpmLossOptions;
}

/** A worker's answer: the weighted loss and gradient, or what went wrong. */
export interface GradientReply {
  readonly loss?: number;
  readonly grads?: Float32Array;
  readonly error?: string;
}

/** The denoisers a worker can rebuild, by kind. */
function buildDenoiser(kind: string, config: Record<string, unknown>): DenoiserModel {
  // The initial weights do not matter: every request brings the current ones.
  if (kind === 'mlp') return new MlpDenoiser(createRng(0), config);
  if (kind === 'unet') return new UNet(createRng(0), config);
  if (kind === 'dit') return new DiT(createRng(0), config);
  throw new Error(`no worker build for a '${kind}' model (only 'mlp', 'unet' and 'dit')`);
}

async function serve(): Promise<void> {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  let model: DenoiserModel | undefined;
  let setupError: string | undefined;
  try {
    await selectBackend({ backend: init.backend, wasmThreads: 1 });
    model = buildDenoiser(init.kind, init.config);
    const sizes = model.params.list.map((v) => v.size);
    if (sizes.join() !== init.parameters.join()) throw new Error(`the rebuilt ${init.kind} has other variables than the main thread's`);
  } catch (e) {
    setupError = e instanceof Error ? e.message : String(e);
  }
  port.on('message', (request: GradientRequest | { type: 'ready' }) => {
    if (setupError || !model) return port.postMessage({ error: setupError ?? 'no model' } satisfies GradientReply);
    if (request.type === 'ready') return port.postMessage({} satisfies GradientReply);
    try {
      unpackWeights(model, request.weights);
      const x0 = tf.tensor(request.x0, request.shape);
      const eps = tf.tensor(request.eps, request.shape);
      const { loss, grads } = accumulateGradients(model, init.schedule, x0, { t: request.t, eps, labels: request.labels }, request.weight, request.microBatches, request.lossOptions);
      x0.dispose();
      eps.dispose();
      const packed = packTensors(grads).data;
      grads.forEach((g) => g.dispose());
      port.postMessage({ loss, grads: packed } satisfies GradientReply, [packed.buffer]);
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies GradientReply);
    }
  });
}

if (parentPort) void serve();
