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
import { packTensors } from '../util/tensor.js';
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

/**
 * Write files into `dir` (created if needed) so that none is ever seen half-written: all go to .tmp names first,
 * then each is renamed in the order given (the manifest last, so it never names data that is not there yet).
 */
function writeFilesAtomically(dir: string, files: readonly [name: string, content: string | Float32Array][]): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of files) {
    writeFileSync(path.join(dir, `${name}.tmp`), typeof content === 'string' ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength));
  }
  for (const [name] of files) renameSync(path.join(dir, `${name}.tmp`), path.join(dir, name));
}

/** Write the model's weights and manifest into `dir` (created if needed; files replaced atomically). */
export function saveCheckpoint(dir: string, model: CheckpointModel, step: number, meta: Record<string, unknown> = {}): CheckpointManifest {
  const names = [...model.params.vars.keys()];
  const vars = [...model.params.vars.values()];
  const { data, offsets } = packTensors(vars);
  const variables = vars.map((v, i) => ({ name: names[i]!, shape: [...v.shape], offset: offsets[i]!, size: v.size }));
  const manifest: CheckpointManifest = { format: 'ddpm-derived-checkpoint/1', kind: model.kind, config: model.config, step, variables, meta };
  writeFilesAtomically(dir, [['weights.bin', data], ['model.json', JSON.stringify(manifest, null, 2)]]);
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
  const { data, offsets } = packTensors(named.map(({ tensor }) => tensor));
  const weights = named.map(({ name, tensor }, i) => ({ name, shape: [...tensor.shape], dtype: tensor.dtype, offset: offsets[i]!, size: tensor.size }));
  // getWeights makes a new tensor for the step count; the moments are the optimizer's own variables.
  named.filter(({ tensor }) => !(tensor instanceof tf.Variable)).forEach(({ tensor }) => tensor.dispose());
  const manifest: OptimizerManifest = { format: 'ddpm-derived-optimizer/1', optimizer: optimizer.getClassName(), step, weights };
  writeFilesAtomically(dir, [['optimizer.bin', data], ['optimizer.json', JSON.stringify(manifest)]]);
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
