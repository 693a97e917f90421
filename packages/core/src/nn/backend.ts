/**
 * Backend choice for training and sampling: the fastest one that loads, or the one the user forces.
 * Order: `@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node` (native libtensorflow; optional, never a dependency),
 * then `wasm` (XNNPACK SIMD, ~40× the pure-JS backend on this kind of machine), then `cpu` (pure JS, exact reference).
 * Force one with the `DDPM_BACKEND` environment variable (`tensorflow`/`node`, `node-gpu`, `wasm`, `cpu`) or the
 * `backend` option.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../runtime/register-gradients.js';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { assertInteger, DomainError } from '../util/validate.js';

export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

export interface BackendChoice {
  /** The backend in use (our name for it). */
  readonly name: BackendName;
  /** tfjs's own name of the active backend (`tensorflow`, `wasm`, `cpu`). */
  readonly tfName: string;
  /** Why the faster candidates were skipped. */
  readonly skipped: readonly { name: BackendName; reason: string }[];
}

export interface SelectBackendOptions {
  /** Force one backend (overrides `DDPM_BACKEND`). `'auto'` = fastest available. */
  readonly backend?: BackendName | 'auto';
  /**
   * wasm threads (default: the `DDPM_WASM_THREADS` environment variable, else 1 = the SIMD single-thread build).
   * More than 1 loads the threaded-SIMD build through Node worker threads (see `loadThreadedWasm`). On an idle 2-core
   * machine 2 threads were 1.3× faster, with other work running not at all (docs/BENCHMARKS.md); it is opt-in so that
   * jobs running side by side (two trainings, the test suite's forks) do not ask for more threads than there are cores.
   */
  readonly wasmThreads?: number;
}

function normalise(name: string): BackendName | 'auto' {
  const n = name.trim().toLowerCase();
  if (n === '' || n === 'auto') return 'auto';
  if (n === 'tensorflow' || n === 'node' || n === 'tfjs-node') return 'node';
  if (n === 'node-gpu' || n === 'gpu' || n === 'tfjs-node-gpu') return 'node-gpu';
  if (n === 'wasm' || n === 'cpu') return n;
  throw new DomainError('selectBackend', 'backend', "one of 'auto', 'node-gpu', 'node', 'wasm', 'cpu'", name);
}

/** The directory holding the wasm binaries of `@tensorflow/tfjs-backend-wasm` (for `setWasmPaths`). */
export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

// Module names kept in variables so bundlers and tsc do not try to resolve the optional native packages.
const NODE_PACKAGES: Record<'node' | 'node-gpu', string> = {
  node: '@tensorflow/tfjs-node',
  'node-gpu': '@tensorflow/tfjs-node-gpu',
};

async function tryBackend(name: BackendName, opts: SelectBackendOptions): Promise<string> {
  if (name === 'node' || name === 'node-gpu') {
    const spec = NODE_PACKAGES[name];
    await import(/* @vite-ignore */ spec); // registers the 'tensorflow' backend on success
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${spec} loaded but the 'tensorflow' backend did not initialise`);
    return 'tensorflow';
  }
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const threads = opts.wasmThreads ?? Number(process.env['DDPM_WASM_THREADS'] ?? 1);
    assertInteger('selectBackend', 'wasmThreads', threads, 1);
    wasm.setWasmPaths(wasmBinaryDirectory());
    wasm.setThreadsCount(threads);
    const ok = threads > 1 ? await loadThreadedWasm(threads) : await tf.setBackend('wasm');
    if (!ok) throw new Error('the wasm backend did not initialise');
    return 'wasm';
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  return 'cpu';
}

/**
 * Initialise tfjs's threaded-SIMD wasm build in Node, which tfjs 4.22 only does in browsers: its flag
 * `WASM_HAS_MULTITHREAD_SUPPORT` is false under Node, its pthread workers are given as Blob URLs (Node's Worker
 * takes file paths), the worker evaluates a bundled factory that refers to the bundle's module variables, and the
 * thread count is capped at os.cpus().length / 2 (1 on a 2-core machine). So, only while the backend initialises:
 * the flag is set, Blobs remember their text so URL.createObjectURL can write the worker to a temporary .cjs file
 * (prefixed with the globals it expects), and os.cpus reports enough cores. The workers are unref'd afterwards so
 * they do not keep the process alive.
 */
async function loadThreadedWasm(threads: number): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpm-wasm-threads-'));
  const NodeBlob = globalThis.Blob;
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  let mainScript = '';
  class TextBlob extends NodeBlob {
    readonly source: string;
    constructor(parts: ConstructorParameters<typeof Blob>[0], options?: ConstructorParameters<typeof Blob>[1]) {
      super(parts, options);
      this.source = (parts ?? []).map(String).join('');
      if (this.source.startsWith('var WasmBackendModuleThreadedSimd')) fs.writeFileSync((mainScript = path.join(dir, 'main.cjs')), this.source);
    }
  }
  const prelude = () =>
    "globalThis.require$$0=require('fs');globalThis.require$$1=require('path');globalThis.require$$3=require('perf_hooks');" +
    `globalThis.require$$4=require('os');globalThis.commonjsGlobal=globalThis;globalThis._scriptDir=${JSON.stringify(mainScript)};` +
    `URL.createObjectURL=()=>${JSON.stringify(mainScript)};URL.revokeObjectURL=()=>{};\n`;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  globalThis.Blob = TextBlob;
  URL.createObjectURL = (blob: Blob) => {
    if (!(blob instanceof TextBlob)) return createObjectURL(blob);
    const file = path.join(dir, 'worker.cjs');
    fs.writeFileSync(file, prelude() + blob.source);
    return file;
  };
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus()[i % cpus().length]!);
  try {
    if (!(await tf.setBackend('wasm'))) return false;
  } finally {
    globalThis.Blob = NodeBlob;
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  const pthread = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] } } }).wasm?.PThread;
  for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) w.unref();
  fs.rmSync(dir, { recursive: true, force: true });
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (wasm.getThreadsCount() !== threads) throw new Error(`the threaded wasm build started ${wasm.getThreadsCount()} threads, not ${threads}`);
  return true;
}

let current: BackendChoice | undefined;

/**
 * Pick and activate a backend. With no option and no `DDPM_BACKEND`, tries node-gpu, node, wasm, cpu in turn and
 * keeps the first that initialises. A forced backend that fails to load is an error (no silent fallback).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const forced = normalise(options.backend ?? process.env['DDPM_BACKEND'] ?? 'auto');
  const candidates = forced === 'auto' ? BACKEND_ORDER : [forced];
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of candidates) {
    try {
      const tfName = await tryBackend(name, options);
      await tf.ready();
      current = { name, tfName, skipped };
      return current;
    } catch (e) {
      const reason = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      if (forced !== 'auto') throw new Error(`selectBackend: the forced backend '${name}' could not be used: ${reason}`);
      skipped.push({ name, reason });
    }
  }
  throw new Error(`selectBackend: no backend could be initialised (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`);
}

/** Same as {@link selectBackend}, but only the first call chooses; later calls return that choice. */
export async function initBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  if (current && tf.getBackend() === current.tfName && options.backend === undefined) return current;
  return selectBackend(options);
}

/** Why a backend was skipped, in a few words: the usual reason (an optional package not installed) says just that. */
function shortReason(reason: string): string {
  return /Cannot find (package|module)/.test(reason) ? 'not installed' : reason.length > 80 ? `${reason.slice(0, 77)}…` : reason;
}

/**
 * A one-line description, e.g. "wasm (1 thread; tfjs-node-gpu and tfjs-node not installed)".
 */
export function describeBackend(choice: BackendChoice): string {
  const details: string[] = [];
  if (choice.name === 'wasm') {
    const threads = wasmThreadsInUse();
    if (threads) details.push(`${threads} thread${threads === 1 ? '' : 's'}`);
  }
  const byReason = new Map<string, string[]>();
  for (const s of choice.skipped) {
    const r = shortReason(s.reason);
    byReason.set(r, [...(byReason.get(r) ?? []), s.name === 'cpu' || s.name === 'wasm' ? s.name : `tfjs-${s.name}`]);
  }
  for (const [reason, names] of byReason) details.push(`${names.join(' and ')} ${reason === 'not installed' ? 'not installed' : `skipped: ${reason}`}`);
  return details.length ? `${choice.name} (${details.join('; ')})` : choice.name;
}

/** The wasm backend's thread count, or undefined when wasm is not the active backend. */
export function wasmThreadsInUse(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const wasm = (tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } }).wasm;
  return wasm?.tfjs?.getThreadsCount?.();
}
