/**
 * Checkpoints: a folder with `model.json` (kind, config, step, variable names/shapes/offsets, free-form metadata)
 * and `weights.bin` (all variables as little-endian float32, in order). Resuming rebuilds the model from its config
 * and loads the weights. The optimizer's state (Adam's step count and moments) can be saved beside them
 * (`optimizer.json` + `optimizer.bin`), so that a resumed run takes the steps the uninterrupted one would have.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { DenoiserModel } from '../models/types.js';
import { DomainError } from '../util/validate.js';

export interface CheckpointManifest {
  readonly format: 'ddpm-derived-checkpoint/1';
  readonly kind: string;
  readonly config: Record<string, unknown>;
  readonly step: number;
  readonly variables: { name: string; shape: number[]; offset: number; size: number }[];
  readonly meta: Record<string, unknown>;
}

/**
 * What a checkpoint needs of a model: its kind, constructor options and named variables (denoisers, autoencoders,
 * the classifier, or the `WeightAverage` of a model under that model's kind and config).
 */
export interface CheckpointModel extends Pick<DenoiserModel, 'kind' | 'config'> {
  readonly params: { readonly vars: ReadonlyMap<string, tf.Variable> };
}

/** Write the model's weights and manifest into `dir` (created if needed; files replaced atomically). */
export function saveCheckpoint(dir: string, model: CheckpointModel, step: number, meta: Record<string, unknown> = {}): CheckpointManifest {
  mkdirSync(dir, { recursive: true });
  const variables: CheckpointManifest['variables'] = [];
  let offset = 0;
  for (const [name, v] of model.params.vars) {
    variables.push({ name, shape: [...v.shape], offset, size: v.size });
    offset += v.size;
  }
  const data = new Float32Array(offset);
  let i = 0;
  for (const v of model.params.vars.values()) {
    data.set(v.dataSync() as Float32Array, variables[i++]!.offset);
  }
  const manifest: CheckpointManifest = { format: 'ddpm-derived-checkpoint/1', kind: model.kind, config: model.config, step, variables, meta };
  writeFileSync(path.join(dir, 'weights.bin.tmp'), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(path.join(dir, 'model.json.tmp'), JSON.stringify(manifest, null, 2));
  renameSync(path.join(dir, 'weights.bin.tmp'), path.join(dir, 'weights.bin'));
  renameSync(path.join(dir, 'model.json.tmp'), path.join(dir, 'model.json'));
  return manifest;
}

/** Read a checkpoint's manifest (throws if the folder holds none). */
export function readManifest(dir: string): CheckpointManifest {
  const file = path.join(dir, 'model.json');
  if (!existsSync(file)) throw new DomainError('readManifest', 'dir', 'a folder containing model.json', dir);
  const m = JSON.parse(readFileSync(file, 'utf8')) as CheckpointManifest;
  if (m.format !== 'ddpm-derived-checkpoint/1') throw new DomainError('readManifest', 'model.json', "format 'ddpm-derived-checkpoint/1'", String(m.format));
  return m;
}

/** Load weights saved by {@link saveCheckpoint} into a model of the same kind and configuration. */
export function loadCheckpoint(dir: string, model: CheckpointModel): CheckpointManifest {
  const m = readManifest(dir);
  if (m.kind !== model.kind) throw new DomainError('loadCheckpoint', 'model', `a '${m.kind}' model`, model.kind);
  const buf = readFileSync(path.join(dir, 'weights.bin'));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (m.variables.length !== model.params.vars.size) throw new DomainError('loadCheckpoint', 'model', `${m.variables.length} variables`, model.params.vars.size);
  for (const v of m.variables) {
    const target = model.params.vars.get(v.name);
    if (!target || target.size !== v.size) throw new DomainError('loadCheckpoint', `variable '${v.name}'`, `shape [${v.shape}]`, target ? `[${target.shape}]` : 'missing');
    tf.tidy(() => target.assign(tf.tensor(data.subarray(v.offset, v.offset + v.size), v.shape)));
  }
  return m;
}

interface OptimizerManifest {
  readonly format: 'ddpm-derived-optimizer/1';
  /** tf's class name of the optimizer, e.g. 'Adam'. */
  readonly optimizer: string;
  /** The checkpoint step this state belongs to. */
  readonly step: number;
  readonly weights: { name: string; shape: number[]; dtype: string; offset: number; size: number }[];
}

/**
 * Save an optimizer's state (`getWeights()`: the step count and, for Adam, both moments of every variable) into
 * `dir` beside the checkpoint of `step`, as float32 (the step count is an integer well inside float32's exact range).
 */
export async function saveOptimizerState(dir: string, optimizer: tf.Optimizer, step: number): Promise<void> {
  const named = await optimizer.getWeights();
  const weights: OptimizerManifest['weights'] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    weights.push({ name, shape: [...tensor.shape], dtype: tensor.dtype, offset, size: tensor.size });
    offset += tensor.size;
  }
  const data = new Float32Array(offset);
  named.forEach(({ tensor }, i) => data.set(tensor.dataSync(), weights[i]!.offset));
  // getWeights makes a new tensor for the step count; the moments are the optimizer's own variables.
  named.filter(({ tensor }) => !(tensor instanceof tf.Variable)).forEach(({ tensor }) => tensor.dispose());
  const manifest: OptimizerManifest = { format: 'ddpm-derived-optimizer/1', optimizer: optimizer.getClassName(), step, weights };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'optimizer.bin.tmp'), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(path.join(dir, 'optimizer.json.tmp'), JSON.stringify(manifest));
  renameSync(path.join(dir, 'optimizer.bin.tmp'), path.join(dir, 'optimizer.bin'));
  renameSync(path.join(dir, 'optimizer.json.tmp'), path.join(dir, 'optimizer.json'));
}

/**
 * Load the state saved by {@link saveOptimizerState} into a fresh optimizer of the same class, if `dir` holds one
 * saved at `step` (the checkpoint's step). Returns why it was not loaded, or undefined when it was.
 */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer, step: number): Promise<string | undefined> {
  const file = path.join(dir, 'optimizer.json');
  if (!existsSync(file)) return 'no optimizer state saved';
  const m = JSON.parse(readFileSync(file, 'utf8')) as OptimizerManifest;
  if (m.format !== 'ddpm-derived-optimizer/1') throw new DomainError('loadOptimizerState', 'optimizer.json', "format 'ddpm-derived-optimizer/1'", String(m.format));
  if (m.optimizer !== optimizer.getClassName()) throw new DomainError('loadOptimizerState', 'optimizer', `a '${m.optimizer}' optimizer (the saved state's class)`, optimizer.getClassName());
  if (m.step !== step) return `the optimizer state is from step ${m.step}, the weights from step ${step}`;
  const buf = readFileSync(path.join(dir, 'optimizer.bin'));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const named = m.weights.map((w) => ({ name: w.name, tensor: tf.tensor(data.subarray(w.offset, w.offset + w.size), w.shape, w.dtype as tf.DataType) }));
  await optimizer.setWeights(named);
  // setWeights copies the moments into new variables; the step count it reads.
  named.forEach(({ tensor }) => tensor.dispose());
  return undefined;
}
