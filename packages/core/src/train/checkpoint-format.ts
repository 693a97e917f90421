/**
 * The checkpoint format, once: what a pointer and a manifest must hold, how a data file is verified (size, SHA-256,
 * finite values) and how its float32 values are put into a model's variables. Browser-safe (no Node module): the
 * Node loader of checkpoint.ts reads files from disk and hands their bytes here; {@link loadCheckpointFromFiles}
 * does the same with bytes fetched by a web page (the site's worker loads the shipped weights with it).
 *
 * ```text
 * checkpoint.json              { format, current: "step-000040", previous, step, manifestSha256 }
 * step-000040/model.json       { format, kind, config, step, variables, meta, files: { name: { bytes, sha256 } }, … }
 * step-000040/weights.bin      every variable as little-endian float32, in the order of `variables`
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DenoiserModel } from '../models/types.js';
import { DomainError } from '../util/validate.js';

export const CHECKPOINT_FORMAT = 'ddpm-derived-checkpoint/2';
export const CHECKPOINT_POINTER_FORMAT = 'ddpm-derived-checkpoint-pointer/1';
/** The pointer's file name in a checkpoint folder. */
export const CHECKPOINT_POINTER = 'checkpoint.json';
/** The manifest's file name in a step folder. */
export const CHECKPOINT_MANIFEST = 'model.json';

/** A tensor's place in a data file: `size` float32 values from `offset` (in values, not bytes). */
export interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly size: number;
}

/** A data file of a checkpoint: its length and SHA-256 (hex), checked on every load. */
export interface FileEntry {
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * An optimizer's complete state: tf's `getWeights()` (step count and, for Adam, both moments of every variable)
 * plus what `setWeights` would otherwise recompute. tfjs's Adam keeps β₁ᵗ and β₂ᵗ as running float32 products and
 * its `setWeights` rebuilds them as pow(β, t + 1) instead, which differs in the last bits; they are saved as the
 * exact float32 values (a float32 is exactly representable in JSON's float64) and put back as they were.
 */
export interface OptimizerRecord {
  /** tf's class name, e.g. 'Adam'. */
  readonly className: string;
  /** `getConfig()` of the optimizer (learning rate, β₁, β₂, ε for Adam). */
  readonly config: Record<string, number>;
  readonly iterations: number;
  /** Adam's running products β₁ᵗ⁺¹ and β₂ᵗ⁺¹ (float32 values). */
  readonly accBeta1?: number;
  readonly accBeta2?: number;
  /** The optimizer's variables in optimizer.bin, in `getWeights()` order. */
  readonly weights: TensorEntry[];
}

export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly kind: string;
  readonly config: Record<string, unknown>;
  readonly step: number;
  readonly variables: TensorEntry[];
  readonly meta: Record<string, unknown>;
  /** Every data file of the step directory, by name. */
  readonly files: Record<string, FileEntry>;
  readonly optimizer?: OptimizerRecord;
  /** A weight average saved beside the weights (ema.bin, laid out as weights.bin): its decay and update count. */
  readonly ema?: { readonly decay: number; readonly updates: number };
}

/** The pointer file: which step directory is the checkpoint, and the SHA-256 of its manifest. */
export interface CheckpointPointer {
  readonly format: typeof CHECKPOINT_POINTER_FORMAT;
  readonly current: string;
  readonly previous: string | null;
  readonly step: number;
  readonly manifestSha256: string;
}

/**
 * What a checkpoint needs of a model: its kind, constructor options and named variables (denoisers, autoencoders,
 * the classifier, or the `WeightAverage` of a model under that model's kind and config).
 */
export interface CheckpointModel extends Pick<DenoiserModel, 'kind' | 'config'> {
  readonly params: { readonly vars: ReadonlyMap<string, tf.Variable> };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isHash = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);

/** Parse a JSON file of a checkpoint, or refuse naming it (`file`: its path or address). */
export function parseCheckpointJson(fn: string, file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DomainError(fn, file, 'valid JSON written by saveCheckpoint (the file is truncated or damaged)', `unparsable JSON (${(e as Error).message})`);
  }
}

/** Check a parsed pointer file, refusing anything that is not one by the file's name. */
export function checkPointer(fn: string, file: string, p: unknown): CheckpointPointer {
  const ok = isObject(p) && p.format === CHECKPOINT_POINTER_FORMAT && typeof p.current === 'string' && /^step-\d+(-\d+)?$/.test(p.current) &&
    (p.previous === null || typeof p.previous === 'string') && isCount(p.step) && isHash(p.manifestSha256);
  if (!ok) throw new DomainError(fn, file, `a pointer { format: '${CHECKPOINT_POINTER_FORMAT}', current: 'step-…', step, manifestSha256 }`, JSON.stringify(p).slice(0, 200));
  return p as unknown as CheckpointPointer;
}

function checkEntries(fn: string, file: string, what: string, entries: unknown, fileEntry: FileEntry | undefined): TensorEntry[] {
  if (!Array.isArray(entries)) throw new DomainError(fn, file, `${what}: a list of { name, shape, offset, size }`, JSON.stringify(entries));
  let next = 0;
  for (const e of entries) {
    const ok = isObject(e) && typeof e.name === 'string' && Array.isArray(e.shape) && e.shape.every(isCount) && isCount(e.offset) && isCount(e.size) &&
      e.size === (e.shape as number[]).reduce((a, b) => a * b, 1) && e.offset === next;
    if (!ok) throw new DomainError(fn, file, `${what}: entries { name, shape, offset, size } laid end to end`, JSON.stringify(e));
    next += e.size as number;
  }
  if (fileEntry && fileEntry.bytes !== 4 * next) throw new DomainError(fn, file, `${what}: ${fileEntry.bytes / 4} float32 values (the size of its file)`, next);
  return entries as TensorEntry[];
}

/** Check every field of a parsed manifest, so that a damaged or hand-edited one is refused by name, not misread. */
export function checkManifest(fn: string, file: string, m: unknown): CheckpointManifest {
  if (!isObject(m)) throw new DomainError(fn, file, 'a JSON object', JSON.stringify(m));
  if (m.format !== CHECKPOINT_FORMAT) throw new DomainError(fn, `${file}: format`, `'${CHECKPOINT_FORMAT}'`, String(m.format));
  if (typeof m.kind !== 'string' || m.kind === '') throw new DomainError(fn, `${file}: kind`, 'a model kind (a string)', JSON.stringify(m.kind));
  if (!isObject(m.config)) throw new DomainError(fn, `${file}: config`, 'an object', JSON.stringify(m.config));
  if (!isCount(m.step)) throw new DomainError(fn, `${file}: step`, 'an integer >= 0', JSON.stringify(m.step));
  if (!isObject(m.meta)) throw new DomainError(fn, `${file}: meta`, 'an object', JSON.stringify(m.meta));
  if (!isObject(m.files) || !Object.values(m.files).every((f) => isObject(f) && isCount(f.bytes) && f.bytes % 4 === 0 && isHash(f.sha256))) {
    throw new DomainError(fn, `${file}: files`, 'sizes (multiples of 4 bytes) and SHA-256 hashes of the data files', JSON.stringify(m.files));
  }
  const files = m.files as Record<string, FileEntry>;
  if (!files['weights.bin']) throw new DomainError(fn, `${file}: files`, "an entry for 'weights.bin'", Object.keys(files).join(', ') || 'none');
  checkEntries(fn, file, 'variables', m.variables, files['weights.bin']);
  if (m.optimizer !== undefined) {
    const o = m.optimizer;
    const ok = isObject(o) && typeof o.className === 'string' && isObject(o.config) && isCount(o.iterations) && !!files['optimizer.bin'] &&
      (o.className !== 'Adam' || (typeof o.accBeta1 === 'number' && Math.fround(o.accBeta1) === o.accBeta1 && typeof o.accBeta2 === 'number' && Math.fround(o.accBeta2) === o.accBeta2));
    if (!ok) throw new DomainError(fn, `${file}: optimizer`, '{ className, config, iterations, accBeta1, accBeta2 (float32, Adam), weights } and optimizer.bin', JSON.stringify(o).slice(0, 200));
    checkEntries(fn, file, 'optimizer.weights', o.weights, files['optimizer.bin']);
  }
  if (m.ema !== undefined) {
    const e = m.ema;
    if (!(isObject(e) && typeof e.decay === 'number' && e.decay >= 0 && e.decay < 1 && isCount(e.updates) && files['ema.bin']?.bytes === files['weights.bin'].bytes)) {
      throw new DomainError(fn, `${file}: ema`, '{ decay in [0, 1), updates >= 0 } and an ema.bin the size of weights.bin', JSON.stringify(e));
    }
  }
  return m as unknown as CheckpointManifest;
}

/** The manifest's SHA-256 must be the one its pointer recorded, and its step the pointer's. */
export function checkManifestAgainstPointer(fn: string, file: string, pointerFile: string, pointer: CheckpointPointer, manifestSha256: string): void {
  if (manifestSha256 !== pointer.manifestSha256) {
    throw new DomainError(fn, file, `the SHA-256 recorded in ${pointerFile} (the file was changed or damaged after saving)`, `a file with SHA-256 ${manifestSha256}`);
  }
}

/** After the manifest's own checks: its step must be the one the pointer names. */
export function checkManifestStep(fn: string, file: string, pointer: CheckpointPointer, m: CheckpointManifest): void {
  if (m.step !== pointer.step) throw new DomainError(fn, file, `step ${pointer.step} (as ${CHECKPOINT_POINTER} says)`, m.step);
}

/** A data file's bytes against its manifest entry: listed, right length, right SHA-256; refused by `file`. */
export function checkDataFile(fn: string, file: string, entry: FileEntry | undefined, byteLength: number, sha256: string): void {
  if (!entry) throw new DomainError(fn, file, 'a file listed in the manifest', 'a file the manifest does not list');
  if (byteLength !== entry.bytes) {
    throw new DomainError(fn, file, `${entry.bytes} bytes (as ${CHECKPOINT_MANIFEST} says; the file was truncated or extended)`, `${byteLength} bytes`);
  }
  if (sha256 !== entry.sha256) throw new DomainError(fn, file, `SHA-256 ${entry.sha256} (as ${CHECKPOINT_MANIFEST} says; the file was changed or damaged)`, `SHA-256 ${sha256}`);
}

/** The first non-finite value of packed tensors, as `variable 'name' at index i is NaN`, or undefined. */
export function firstNonFinite(data: Float32Array, entries: readonly TensorEntry[]): string | undefined {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const e = entries.find((v) => i >= v.offset && i < v.offset + v.size);
      return `${e ? `variable '${e.name}' at index ${i - e.offset}` : `value ${i}`} is ${data[i]}`;
    }
  }
  return undefined;
}

/** A data file's bytes as float32 values, read little-endian whatever the machine's byte order (a copy). */
export function float32LittleEndian(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** The packed values verified finite, or refused naming the file and the variable (a run saved mid-divergence). */
export function checkFinite(fn: string, file: string, data: Float32Array, entries: readonly TensorEntry[]): Float32Array {
  const bad = firstNonFinite(data, entries);
  if (bad) throw new DomainError(fn, file, 'finite values only', bad);
  return data;
}

/** The model must be of the checkpoint's kind and have exactly its variables, by name and shape. */
export function checkModelMatches(fn: string, m: CheckpointManifest, model: CheckpointModel): void {
  if (m.kind !== model.kind) throw new DomainError(fn, 'model', `a '${m.kind}' model`, model.kind);
  if (m.variables.length !== model.params.vars.size) throw new DomainError(fn, 'model', `${m.variables.length} variables`, model.params.vars.size);
  for (const v of m.variables) {
    const target = model.params.vars.get(v.name);
    if (!target || target.shape.join() !== v.shape.join()) throw new DomainError(fn, `variable '${v.name}'`, `shape [${v.shape}]`, target ? `[${target.shape}]` : 'missing');
  }
}

/** Put verified packed values into the model's variables (call {@link checkModelMatches} first). */
export function assignCheckpointWeights(m: CheckpointManifest, model: CheckpointModel, data: Float32Array): void {
  for (const v of m.variables) {
    const target = model.params.vars.get(v.name)!;
    tf.tidy(() => target.assign(tf.tensor(data.subarray(v.offset, v.offset + v.size), v.shape)));
  }
}

/** Which weights to read: the model's own, or the weight average saved beside them. */
export function checkWeightsChoice(fn: string, which: unknown, m?: CheckpointManifest, where = 'the checkpoint'): 'model' | 'ema' {
  if (which !== 'model' && which !== 'ema') throw new DomainError(fn, 'weights', "'model' or 'ema'", String(which));
  if (m && which === 'ema' && !m.ema) throw new DomainError(fn, 'weights', `'model' (${where} holds no weight average)`, which);
  return which;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading from bytes (the browser): a reader gives the bytes of a file of the checkpoint folder by relative name.

/** The bytes of one file of a checkpoint folder, by its name relative to the folder (e.g. `step-000040/model.json`). */
export type CheckpointFileReader = (name: string) => Promise<Uint8Array>;

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** SHA-256 (hex) with the platform's Web Crypto (`crypto.subtle`, in browsers' secure contexts and Node ≥ 19). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: { digest(a: string, d: Uint8Array): Promise<ArrayBuffer> } } }).crypto?.subtle;
  if (!subtle) {
    throw new DomainError('sha256Hex', 'crypto.subtle', 'Web Crypto (a secure context: https, or http on localhost)', 'not available here');
  }
  return hex(await subtle.digest('SHA-256', bytes));
}

/** A checkpoint read and verified from bytes: its manifest and the chosen weights' float32 values. */
export interface CheckpointFiles {
  readonly manifest: CheckpointManifest;
  readonly pointer: CheckpointPointer;
  readonly weights: Float32Array;
}

const utf8 = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(bytes);

async function readNamed(fn: string, read: CheckpointFileReader, name: string, where: string): Promise<Uint8Array> {
  try {
    const bytes = await read(name);
    if (!(bytes instanceof Uint8Array)) throw new Error(`the reader gave ${Object.prototype.toString.call(bytes)}, not a Uint8Array`);
    return bytes;
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError(fn, `${where}${name}`, 'a readable file of the checkpoint', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Read and verify a checkpoint from bytes, as the Node loader does from disk: the pointer, the manifest's SHA-256
 * against it and every field, then the weights' size, SHA-256 and finiteness. `where` prefixes file names in errors
 * (e.g. the folder's address). Anything wrong is a DomainError naming the file.
 */
export async function readCheckpointFiles(read: CheckpointFileReader, options: { weights?: 'model' | 'ema'; where?: string } = {}): Promise<CheckpointFiles> {
  const fn = 'readCheckpointFiles';
  if (typeof read !== 'function') throw new DomainError(fn, 'read', 'a function (name) => Promise<Uint8Array>', String(read));
  const where = options.where ?? '';
  const which = checkWeightsChoice(fn, options.weights ?? 'model');
  const pointerFile = `${where}${CHECKPOINT_POINTER}`;
  const pointer = checkPointer(fn, pointerFile, parseCheckpointJson(fn, pointerFile, utf8(await readNamed(fn, read, CHECKPOINT_POINTER, where))));
  const manifestName = `${pointer.current}/${CHECKPOINT_MANIFEST}`;
  const manifestBytes = await readNamed(fn, read, manifestName, where);
  checkManifestAgainstPointer(fn, `${where}${manifestName}`, pointerFile, pointer, await sha256Hex(manifestBytes));
  const manifest = checkManifest(fn, `${where}${manifestName}`, parseCheckpointJson(fn, `${where}${manifestName}`, utf8(manifestBytes)));
  checkManifestStep(fn, `${where}${manifestName}`, pointer, manifest);
  checkWeightsChoice(fn, which, manifest, `${where || 'the checkpoint'}`);
  const dataName = `${pointer.current}/${which === 'ema' ? 'ema.bin' : 'weights.bin'}`;
  const bytes = await readNamed(fn, read, dataName, where);
  checkDataFile(fn, `${where}${dataName}`, manifest.files[which === 'ema' ? 'ema.bin' : 'weights.bin'], bytes.byteLength, await sha256Hex(bytes));
  const weights = checkFinite(fn, `${where}${dataName}`, float32LittleEndian(bytes), manifest.variables);
  return { manifest, pointer, weights };
}

/** Verify and load a checkpoint read from bytes into a model of its kind and configuration; returns the manifest. */
export async function loadCheckpointFromFiles(read: CheckpointFileReader, model: CheckpointModel, options: { weights?: 'model' | 'ema'; where?: string } = {}): Promise<CheckpointManifest> {
  const { manifest, weights } = await readCheckpointFiles(read, options);
  checkModelMatches('loadCheckpointFromFiles', manifest, model);
  assignCheckpointWeights(manifest, model, weights);
  return manifest;
}

/**
 * A reader over HTTP: file `name` of the checkpoint folder at `baseUrl` (ending in `/`), fetched with `fetch`.
 * A missing file (HTTP 404 or any non-2xx) is refused by its address.
 */
export function fetchCheckpointReader(baseUrl: string): CheckpointFileReader {
  if (typeof baseUrl !== 'string' || baseUrl === '') throw new DomainError('fetchCheckpointReader', 'baseUrl', 'the address of a checkpoint folder', String(baseUrl));
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async (name) => {
    const res = await fetch(`${base}${name}`);
    if (!res.ok) throw new DomainError('fetchCheckpointReader', `${base}${name}`, 'a file of the checkpoint (HTTP 200)', `HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}
