/**
 * Checkpoints. A checkpoint folder (`--out`) holds one step directory per saved checkpoint and a pointer to the
 * current one:
 *
 * ```text
 * out/checkpoint.json          { current: "step-000040", previous: "step-000020", step, manifestSha256 }
 * out/step-000040/model.json   kind, config, step, variables (names, shapes, offsets), meta, and the size and
 *                              SHA-256 of every data file below; Adam's state and the weight average, if saved
 * out/step-000040/weights.bin  all variables as little-endian float32, in order
 * out/step-000040/optimizer.bin, ema.bin   Adam's moments, the averaged weights (same layout as weights.bin)
 * ```
 *
 * A save writes a new step directory (every file flushed to disk), then switches the pointer with one rename, then
 * deletes step directories other than the new and the previous one. A process killed at any moment leaves the
 * pointer at a complete checkpoint: the weights, the optimizer state and the average of one step, never a mix.
 * Loading verifies what it reads: the manifest against the pointer's checksum, each data file's size and SHA-256,
 * and that every weight is finite; anything else is refused with a {@link DomainError} naming the file.
 *
 * Older checkpoints (format 1: `model.json` and `weights.bin` directly in the folder, renamed one by one, without
 * checksums) are refused with a message saying how to go on: they cannot be told apart from a mix of two steps.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { packTensors } from '../util/tensor.js';
import { DomainError } from '../util/validate.js';

import {
  assignCheckpointWeights, checkDataFile, checkFinite, checkManifest, checkManifestAgainstPointer, checkManifestStep, checkModelMatches, checkPointer,
  checkWeightsChoice, CHECKPOINT_FORMAT as FORMAT, CHECKPOINT_MANIFEST as MANIFEST, CHECKPOINT_POINTER as POINTER,
  CHECKPOINT_POINTER_FORMAT as POINTER_FORMAT, firstNonFinite, float32LittleEndian, parseCheckpointJson,
  type CheckpointManifest, type CheckpointModel, type CheckpointPointer as Pointer, type OptimizerRecord, type TensorEntry,
} from './checkpoint-format.js';

// The format's types live in checkpoint-format.ts (shared with the browser loader); re-exported here for callers.
export type { CheckpointManifest, CheckpointModel, FileEntry, OptimizerRecord, TensorEntry } from './checkpoint-format.js';

/** An optimizer's state read out of it ({@link optimizerState}), ready to be saved with a checkpoint. */
export interface OptimizerState {
  readonly record: Omit<OptimizerRecord, 'weights'>;
  readonly names: string[];
  readonly tensors: { shape: number[]; data: Float32Array }[];
}

/** Beyond the weights: the optimizer's state and a weight average (its variables, decay and update count). */
export interface CheckpointExtras {
  readonly optimizer?: OptimizerState;
  readonly ema?: { readonly vars: ReadonlyMap<string, tf.Variable>; readonly decay: number; readonly updates: number };
}

/** Adam's private running products (tfjs-core 4.x); read and written to make a resumed Adam exact. */
interface AdamInternals {
  accBeta1?: unknown;
  accBeta2?: unknown;
}

function adamProducts(fn: string, optimizer: tf.Optimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } {
  const { accBeta1, accBeta2 } = optimizer as unknown as AdamInternals;
  if (!(accBeta1 instanceof tf.Variable) || !(accBeta2 instanceof tf.Variable)) {
    throw new DomainError(fn, 'optimizer', "tfjs-core's Adam (with its accBeta1/accBeta2 running products)", 'an Adam without them (another tfjs version?)');
  }
  return { accBeta1, accBeta2 };
}

/**
 * Read an optimizer's whole state (copies, so training may go on while it is written). Adam's running products
 * β₁ᵗ, β₂ᵗ are read too, so a resumed run continues with the same float32 values, not pow(β, t) recomputed.
 */
export async function optimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  if (!(optimizer instanceof tf.Optimizer)) throw new DomainError('optimizerState', 'optimizer', 'a tf.Optimizer', String(optimizer));
  const named = await optimizer.getWeights();
  const iterTensor = named[0];
  if (!iterTensor || iterTensor.name !== 'iter') throw new DomainError('optimizerState', 'optimizer', "an optimizer whose getWeights() starts with 'iter'", named.map((n) => n.name).join(', '));
  const iterations = iterTensor.tensor.dataSync()[0]!;
  iterTensor.tensor.dispose();
  const rest = named.slice(1);
  const tensors = rest.map(({ tensor }) => ({ shape: [...tensor.shape], data: (tensor.dataSync() as Float32Array).slice() }));
  const className = optimizer.getClassName();
  const config = optimizer.getConfig() as Record<string, number>;
  let products = {};
  if (className === 'Adam') {
    const { accBeta1, accBeta2 } = adamProducts('optimizerState', optimizer);
    products = { accBeta1: accBeta1.dataSync()[0]!, accBeta2: accBeta2.dataSync()[0]! };
  }
  return { record: { className, config, iterations, ...products }, names: rest.map((n) => n.name), tensors };
}

/** SHA-256 of bytes, hex. */
function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Write a file and flush it to the disk before returning (a rename after it then never exposes a torn file). */
function writeDurably(file: string, content: Uint8Array | string): void {
  const fd = openSync(file, 'w');
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flush a folder's entries (new names, renames) to disk; not every file system allows it, which is harmless. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Folders cannot be opened for fsync on some platforms (Windows); the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function pack(fn: string, vars: ReadonlyMap<string, tf.Variable>, what: string): { data: Float32Array; entries: TensorEntry[] } {
  const names = [...vars.keys()];
  const list = [...vars.values()];
  const { data, offsets } = packTensors(list);
  const entries = list.map((v, i) => ({ name: names[i]!, shape: [...v.shape], offset: offsets[i]!, size: v.size }));
  const bad = firstNonFinite(data, entries);
  // A run that diverged must not overwrite its last good checkpoint with NaNs.
  if (bad) throw new DomainError(fn, what, 'finite values only (a diverged run is not saved)', bad);
  return { data, entries };
}

/** The step directory's name for a step: step-000040 (a -2, -3, … suffix if that name is the current checkpoint). */
function stepFolderName(step: number, taken: ReadonlySet<string>): string {
  const base = `step-${String(step).padStart(6, '0')}`;
  if (!taken.has(base)) return base;
  for (let k = 2; ; k++) if (!taken.has(`${base}-${k}`)) return `${base}-${k}`;
}

/** The pointer a save replaces; a damaged one is replaced too (the run was started to overwrite what is there). */
function readPointerIfAny(dir: string): Pointer | undefined {
  try {
    return existsSync(path.join(dir, POINTER)) ? readPointer('saveCheckpoint', dir) : undefined;
  } catch (e) {
    if (e instanceof DomainError) return undefined;
    throw e;
  }
}

/**
 * Save a model's weights (and optionally its optimizer's state and a weight average) as one checkpoint in `dir`
 * (created if needed): a new step directory, then the pointer switched by one rename. The previous checkpoint is
 * kept until the new one is complete, and afterwards as a spare; older step directories are deleted.
 * Refuses non-finite weights, so a run that diverged keeps its last good checkpoint.
 */
export function saveCheckpoint(dir: string, model: CheckpointModel, step: number, meta: Record<string, unknown> = {}, extras: CheckpointExtras = {}): CheckpointManifest {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) throw new DomainError('saveCheckpoint', 'step', 'an integer >= 0', String(step));
  if (typeof model?.kind !== 'string' || !(model.params?.vars instanceof Map)) throw new DomainError('saveCheckpoint', 'model', 'a model with a kind and named variables', String(model));
  const weights = pack('saveCheckpoint', model.params.vars, 'weights');
  const files: [string, Uint8Array][] = [['weights.bin', bytesOf(weights.data)]];
  let optimizer: OptimizerRecord | undefined;
  if (extras.optimizer) {
    const { record, names, tensors } = extras.optimizer;
    const entries: TensorEntry[] = [];
    let offset = 0;
    for (const [i, t] of tensors.entries()) {
      entries.push({ name: names[i]!, shape: t.shape, offset, size: t.data.length });
      offset += t.data.length;
    }
    const data = new Float32Array(offset);
    tensors.forEach((t, i) => data.set(t.data, entries[i]!.offset));
    const bad = firstNonFinite(data, entries);
    if (bad) throw new DomainError('saveCheckpoint', 'optimizer state', 'finite values only (a diverged run is not saved)', bad);
    optimizer = { ...record, weights: entries };
    files.push(['optimizer.bin', bytesOf(data)]);
  }
  let ema: CheckpointManifest['ema'];
  if (extras.ema) {
    const averaged = pack('saveCheckpoint', extras.ema.vars, 'weight average');
    if (averaged.entries.map((e) => `${e.name}:${e.shape}`).join() !== weights.entries.map((e) => `${e.name}:${e.shape}`).join()) {
      throw new DomainError('saveCheckpoint', 'ema', "an average of the model's own variables", 'other variables');
    }
    ema = { decay: extras.ema.decay, updates: extras.ema.updates };
    files.push(['ema.bin', bytesOf(averaged.data)]);
  }
  const manifest: CheckpointManifest = {
    format: FORMAT,
    kind: model.kind,
    config: model.config,
    step,
    variables: weights.entries,
    meta,
    files: Object.fromEntries(files.map(([name, bytes]) => [name, { bytes: bytes.byteLength, sha256: sha256(bytes) }])),
    ...(optimizer ? { optimizer } : {}),
    ...(ema ? { ema } : {}),
  };

  mkdirSync(dir, { recursive: true });
  const before = readPointerIfAny(dir);
  const name = stepFolderName(step, new Set([before?.current, before?.previous].filter((n): n is string => !!n)));
  const folder = path.join(dir, name);
  // A folder of that name not referenced by the pointer is what a killed save left behind.
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  for (const [file, bytes] of files) writeDurably(path.join(folder, file), bytes);
  const manifestText = JSON.stringify(manifest, null, 1);
  writeDurably(path.join(folder, MANIFEST), manifestText);
  syncFolder(folder);
  syncFolder(dir);
  const pointer: Pointer = { format: POINTER_FORMAT, current: name, previous: before?.current ?? null, step, manifestSha256: sha256(manifestText) };
  writeDurably(path.join(dir, `${POINTER}.tmp`), JSON.stringify(pointer, null, 1));
  renameSync(path.join(dir, `${POINTER}.tmp`), path.join(dir, POINTER));
  syncFolder(dir);
  // Only now is the new checkpoint the one a load finds; step folders other than it and its predecessor can go.
  for (const entry of readdirSync(dir)) {
    if (/^step-\d+(-\d+)?$/.test(entry) && entry !== pointer.current && entry !== pointer.previous) rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  return manifest;
}

/** Read and parse a JSON file of a checkpoint, or refuse naming it. */
function readJson(fn: string, file: string): { text: string; value: unknown } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DomainError(fn, file, 'a readable file of the checkpoint', (e as NodeJS.ErrnoException).code ?? String(e));
  }
  return { text, value: parseCheckpointJson(fn, file, text) };
}

function readPointer(fn: string, dir: string): Pointer {
  const file = path.join(dir, POINTER);
  if (!existsSync(file)) {
    if (existsSync(path.join(dir, MANIFEST))) {
      throw new DomainError(fn, 'dir', `a checkpoint folder of format 2 (${POINTER} pointing to a verified step folder)`,
        `${dir}, a checkpoint of format 1 (model.json and weights.bin written one by one, without checksums: it may mix two steps). Train it again (without --resume, or into a new --out); the folder is then rewritten in format 2`);
    }
    throw new DomainError(fn, 'dir', `a folder holding a checkpoint (${POINTER})`, existsSync(dir) ? `${dir} (no ${POINTER} in it)` : `${dir} (no such folder)`);
  }
  return checkPointer(fn, file, readJson(fn, file).value);
}

/** Whether `dir` holds a checkpoint (a pointer file; whether it loads is checked by the loaders). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(path.join(dir, POINTER));
}

/** The step folder the pointer in `dir` names (where the current checkpoint's files are). */
export function checkpointFolder(dir: string): string {
  return path.join(dir, readPointer('checkpointFolder', dir).current);
}

/**
 * Read and verify the manifest of the checkpoint in `dir`: the pointer, the manifest's SHA-256 against it, and
 * every field. Throws a DomainError naming the file for anything missing, truncated, garbled or ill-typed.
 */
export function readManifest(dir: string): CheckpointManifest {
  const pointer = readPointer('readManifest', dir);
  const file = path.join(dir, pointer.current, MANIFEST);
  const { text, value } = readJson('readManifest', file);
  checkManifestAgainstPointer('readManifest', file, path.join(dir, POINTER), pointer, sha256(text));
  const m = checkManifest('readManifest', file, value);
  checkManifestStep('readManifest', file, pointer, m);
  return m;
}

/** Read one data file of the checkpoint, verified against the manifest: exists, right size, right SHA-256. */
function readDataFile(fn: string, dir: string, name: string): Float32Array {
  const pointer = readPointer(fn, dir);
  const m = readManifest(dir);
  const entry = m.files[name];
  const file = path.join(dir, pointer.current, name);
  if (!entry) throw new DomainError(fn, file, 'a file listed in the manifest', 'a file the manifest does not list');
  if (!existsSync(file)) throw new DomainError(fn, file, `a file of ${entry.bytes} bytes (listed in ${MANIFEST})`, 'no such file');
  const buf = readFileSync(file);
  checkDataFile(fn, file, entry, buf.byteLength, sha256(buf));
  return float32LittleEndian(buf);
}

/** Read verified packed tensors and refuse a non-finite value by file and variable (e.g. a run saved mid-divergence). */
function readFiniteTensors(fn: string, dir: string, name: string, entries: readonly TensorEntry[]): Float32Array {
  return checkFinite(fn, path.join(checkpointFolder(dir), name), readDataFile(fn, dir, name), entries);
}

/**
 * Load the weights of the checkpoint in `dir` into a model of the same kind and configuration, verified (see
 * {@link readManifest}, plus weights.bin's size, SHA-256 and finiteness). `weights: 'ema'` loads the saved weight
 * average instead (to sample with it, or into a `WeightAverage` to continue it).
 */
export function loadCheckpoint(dir: string, model: CheckpointModel, options: { weights?: 'model' | 'ema' } = {}): CheckpointManifest {
  checkWeightsChoice('loadCheckpoint', options.weights ?? 'model');
  const m = readManifest(dir);
  if (m.kind !== model.kind) throw new DomainError('loadCheckpoint', 'model', `a '${m.kind}' model`, model.kind);
  const which = checkWeightsChoice('loadCheckpoint', options.weights ?? 'model', m, `the checkpoint in ${dir}`);
  checkModelMatches('loadCheckpoint', m, model);
  const data = readFiniteTensors('loadCheckpoint', dir, which === 'ema' ? 'ema.bin' : 'weights.bin', m.variables);
  assignCheckpointWeights(m, model, data);
  return m;
}

/**
 * Load the optimizer state saved with the checkpoint in `dir` into a fresh optimizer of the same class and
 * hyper-parameters (the learning rate may differ). For Adam the running products β₁ᵗ, β₂ᵗ are restored exactly, so
 * the next steps are bit for bit those of the run that saved it. Returns why nothing was loaded (no state saved),
 * or undefined when it was; a damaged or mismatched state throws.
 */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer): Promise<string | undefined> {
  const m = readManifest(dir);
  const o = m.optimizer;
  if (!o) return 'no optimizer state saved';
  if (o.className !== optimizer.getClassName()) throw new DomainError('loadOptimizerState', 'optimizer', `a '${o.className}' optimizer (the saved state's class)`, optimizer.getClassName());
  const config = optimizer.getConfig() as Record<string, unknown>;
  for (const [key, saved] of Object.entries(o.config)) {
    if (key !== 'learningRate' && config[key] !== saved) throw new DomainError('loadOptimizerState', `optimizer's ${key}`, `${saved} (the saved state's)`, String(config[key]));
  }
  // Checked before setWeights, which itself writes these products: an Adam without them is refused untouched.
  const products = o.className === 'Adam' ? adamProducts('loadOptimizerState', optimizer) : undefined;
  const data = readFiniteTensors('loadOptimizerState', dir, 'optimizer.bin', o.weights);
  const named = [
    { name: 'iter', tensor: tf.scalar(o.iterations, 'int32') as tf.Tensor },
    ...o.weights.map((w) => ({ name: w.name, tensor: tf.tensor(data.subarray(w.offset, w.offset + w.size), w.shape) })),
  ];
  await optimizer.setWeights(named);
  // setWeights copies the moments into new variables; its pow(β, t + 1) is replaced by the saved running products.
  named.forEach(({ tensor }) => tensor.dispose());
  if (products) {
    tf.tidy(() => {
      products.accBeta1.assign(tf.scalar(o.accBeta1!));
      products.accBeta2.assign(tf.scalar(o.accBeta2!));
    });
  }
  return undefined;
}

/**
 * Verify every file of the checkpoint in `dir` (pointer, manifest, each data file's size and SHA-256, finite
 * values) without loading it into a model; returns the manifest. What a reliability check runs after a crash.
 */
export function verifyCheckpoint(dir: string): CheckpointManifest {
  const m = readManifest(dir);
  readFiniteTensors('verifyCheckpoint', dir, 'weights.bin', m.variables);
  if (m.optimizer) readFiniteTensors('verifyCheckpoint', dir, 'optimizer.bin', m.optimizer.weights);
  if (m.ema) readFiniteTensors('verifyCheckpoint', dir, 'ema.bin', m.variables);
  for (const name of Object.keys(m.files)) if (!['weights.bin', 'optimizer.bin', 'ema.bin'].includes(name)) readDataFile('verifyCheckpoint', dir, name);
  return m;
}

/**
 * Check before training that checkpoints can be written into `dir`: create it, write and flush a probe file of
 * `bytes` bytes (about one checkpoint's size, so a nearly full disk is found too), delete it. Throws a DomainError
 * naming `arg` and the folder with the system's reason (read-only, no space, …), so no training time is spent on a
 * run that cannot save.
 */
export function assertCheckpointWritable(fn: string, arg: string, dir: string, bytes: number): void {
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    writeDurably(probe, new Uint8Array(Math.max(1, Math.ceil(bytes))));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DomainError(fn, arg, `a writable folder with room for a checkpoint (${(bytes / 1e6).toFixed(1)} MB)`, `${dir} (${err.message})`);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // There is no probe to delete when the folder itself could not be made.
    }
  }
}
