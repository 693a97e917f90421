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
import { createRequire } from 'node:module';
import path from 'node:path';
import { DomainError } from '../util/validate.js';

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
  /** wasm threads (the threaded build needs Worker support; default: 1 = the SIMD single-thread build). */
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
    wasm.setWasmPaths(wasmBinaryDirectory());
    wasm.setThreadsCount?.(opts.wasmThreads ?? 1);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
    return 'wasm';
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  return 'cpu';
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

/** A one-line description, e.g. "wasm (skipped node-gpu: Cannot find module …)". */
export function describeBackend(choice: BackendChoice): string {
  const skipped = choice.skipped.map((s) => `${s.name}: ${s.reason.slice(0, 60)}`).join('; ');
  return skipped ? `${choice.name} (skipped ${skipped})` : choice.name;
}
