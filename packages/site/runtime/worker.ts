/// <reference lib="webworker" />
// The runtime of the site's runnable blocks, bundled by scripts/bundle-runtime.mjs into static/runtime/worker.js:
// TensorFlow.js (webgl in an OffscreenCanvas, else wasm, else cpu), @ddpm-derived/core, the notebooks' helpers and
// sucrase, which turns the reader's TypeScript into plain JavaScript here in the worker.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as core from '@ddpm-derived/core';
import { transform } from 'sucrase';
import { setSink } from './tslab-shim';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nb = require('../../notebooks/lib/nb.js') as Record<string, unknown>;

declare const self: DedicatedWorkerGlobalScope;
let final = false; // outputs of the earlier (prelude) cells are not shown
const post = (m: Record<string, unknown>) => self.postMessage(m);
const fmt = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v instanceof tf.Tensor) return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as unknown as ArrayLike<number>).join(', ')}]`;
  try {
    return JSON.stringify(v, null, 1);
  } catch {
    return String(v);
  }
};
const log = (...args: unknown[]) => final && post({ type: 'log', text: args.map(fmt).join(' ') });
const consoleShim = { log, info: log, warn: log, error: log, debug: log, table: log };
setSink((svg: string) => final && post({ type: 'svg', svg }));

async function pickBackend(): Promise<string> {
  setWasmPaths(new URL('./', self.location.href).href);
  for (const name of ['webgl', 'wasm', 'cpu']) {
    try {
      if (name === 'webgl' && typeof OffscreenCanvas === 'undefined') continue;
      if (await tf.setBackend(name)) {
        await tf.ready();
        tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync()); // the backend really computes
        return name;
      }
    } catch {
      /* next backend */
    }
  }
  throw new Error('no TensorFlow.js backend could start');
}

const modules: Record<string, unknown> = {
  '@tensorflow/tfjs': tf,
  '@tensorflow/tfjs-core': tf,
  '@tensorflow/tfjs-backend-cpu': {},
  '@tensorflow/tfjs-backend-wasm': {},
  '@ddpm-derived/core': core,
};

self.onmessage = async (ev: MessageEvent<{ type: 'run'; prelude: string[]; code: string }>) => {
  const started = performance.now();
  try {
    const backend = await pickBackend();
    const helpers = { ...nb, initBackend: async () => tf.getBackend() };
    modules['../lib/nb'] = helpers;
    modules['../lib/nb.js'] = helpers;
    const requireShim = (name: string) => {
      if (name in modules) return modules[name];
      throw new Error(`module '${name}' is not available here (available: ${Object.keys(modules).join(', ')})`);
    };
    const cells = [...ev.data.prelude, ev.data.code];
    // One transform of all cells together: sucrase rewrites an import's uses (core.x → _core.x) across the cells.
    const ts = cells.map((c, k) => `__cell(${k === cells.length - 1});\n${c}`).join('\n;\n');
    const js = transform(ts, { transforms: ['typescript', 'imports'], disableESTransforms: true }).code;
    const body = `return (async () => {\n${js}\n})();`;
    const fn = new Function('require', 'console', '__cell', 'exports', 'module', body) as (...a: unknown[]) => Promise<unknown>;
    const exportsObj = {};
    await fn(requireShim, consoleShim, (isFinal: boolean) => (final = isFinal), exportsObj, { exports: exportsObj });
    post({ type: 'done', ms: performance.now() - started, backend });
  } catch (e) {
    post({ type: 'error', text: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
};
