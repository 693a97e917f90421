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

/** The WebGL renderer's name, when the browser tells it (e.g. 'ANGLE (…, SwiftShader Device …)'). */
function webglRenderer(): string | undefined {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return undefined;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return undefined;
  }
}

/** A GPU emulated on the CPU (SwiftShader, llvmpipe): it runs tfjs's shaders far slower than wasm does. */
const SOFTWARE_GPU = /swiftshader|llvmpipe|softpipe|software/i;

/** Why a backend cannot be tried at all in this browser, or is not worth it, or undefined when it can. */
async function missingFeature(name: BrowserBackend): Promise<string | undefined> {
  const g = globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ isFallbackAdapter?: boolean } | null> } }; OffscreenCanvas?: unknown };
  if (name === 'webgpu') {
    if (!g.navigator?.gpu) return 'navigator.gpu is not available';
    const adapter = await g.navigator.gpu.requestAdapter().catch(() => null);
    if (!adapter) return 'no WebGPU adapter (no usable GPU)';
    if (adapter.isFallbackAdapter) return 'only a software (fallback) WebGPU adapter';
  }
  if (name === 'webgl') {
    if (typeof g.OffscreenCanvas === 'undefined') return 'OffscreenCanvas is not available in workers';
    const renderer = webglRenderer();
    if (renderer === undefined) return 'no WebGL 2 context';
    const emulated = SOFTWARE_GPU.exec(renderer);
    if (emulated) return `its renderer is a CPU emulation (${emulated[0]}), slower than wasm`;
  }
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
    const missing = await missingFeature(name);
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
