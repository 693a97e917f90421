// The fastest TensorFlow.js backend this browser can run: webgpu, then webgl, then wasm, then cpu. Each candidate is
// registered, started and made to compute 1 + 1 before it is taken; what failed and why is kept, so a page can say
// which backend it runs on and why not a faster one. `order` lets a test (or a reader, by ?backends=) shorten the chain.
import * as tf from '@tensorflow/tfjs'; // tfjs-core with the cpu and webgl backends registered
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const BACKEND_CHAIN = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BACKEND_CHAIN)[number];

export interface BackendPick {
  readonly name: BrowserBackend;
  /** The faster candidates that could not start, each with its reason. */
  readonly skipped: { readonly name: string; readonly reason: string }[];
}

/** Why a backend cannot be tried at all in this browser, or undefined when it can. */
function missingFeature(name: BrowserBackend): string | undefined {
  const g = globalThis as { navigator?: { gpu?: unknown }; OffscreenCanvas?: unknown };
  if (name === 'webgpu' && !g.navigator?.gpu) return 'navigator.gpu is not available';
  if (name === 'webgl' && typeof g.OffscreenCanvas === 'undefined') return 'OffscreenCanvas is not available in workers';
  return undefined;
}

/** Parse a comma-separated order (e.g. from `?backends=wasm,cpu`), keeping only known names, in the given order. */
export function parseBackendOrder(text: string | null | undefined): BrowserBackend[] {
  if (!text) return [...BACKEND_CHAIN];
  const names = text.split(',').map((s) => s.trim()).filter((s): s is BrowserBackend => (BACKEND_CHAIN as readonly string[]).includes(s));
  return names.length ? names : [...BACKEND_CHAIN];
}

/** Start the first backend of `order` that works here (wasm binaries are fetched from `wasmBase`). */
export async function pickBackend(order: readonly BrowserBackend[], wasmBase: string): Promise<BackendPick> {
  setWasmPaths(wasmBase);
  const skipped: { name: string; reason: string }[] = [];
  for (const name of order) {
    const missing = missingFeature(name);
    if (missing) {
      skipped.push({ name, reason: missing });
      continue;
    }
    try {
      if (!(await tf.setBackend(name))) throw new Error('it did not initialise (no adapter or context)');
      await tf.ready();
      const two = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)));
      const v = (await two.data())[0];
      two.dispose();
      if (v !== 2) throw new Error(`1 + 1 gave ${v}`);
      return { name, skipped };
    } catch (e) {
      skipped.push({ name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}
