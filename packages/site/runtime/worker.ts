/// <reference lib="webworker" />
// The runtime of the site's runnable blocks, bundled by scripts/bundle-runtime.mjs into static/runtime/worker.js:
// TensorFlow.js (webgl in an OffscreenCanvas, else wasm, else cpu), @ddpm-derived/core, the notebooks' helpers and
// sucrase, which turns the reader's TypeScript into plain JavaScript here in the worker.
//
// One worker serves every block of a page and stays warm between runs (src/components/Runnable.tsx keeps it): the
// backend starts once, when the worker loads, and each run gets its own output channel. Everything a run prints,
// through the `console` it is given or the global one (the notebooks' check() logs to the global console), goes to
// that run's panel; the tensors and variables a run creates are disposed when it ends, so the next run starts clean.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as core from '@ddpm-derived/core';
import { transform } from 'sucrase';
import * as tslab from './tslab-shim';
// esbuild bundles the CommonJS helpers; the worker has no Node types, so require is declared here.
declare const require: (id: string) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nb = require('../../notebooks/lib/nb.js') as Record<string, unknown>;

declare const self: DedicatedWorkerGlobalScope;
type RunRequest = { type: 'run'; id: number; prelude: string[]; code: string };
const post = (m: Record<string, unknown>) => self.postMessage(m);
const fmt = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (v instanceof tf.Tensor) return v.toString();
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as unknown as ArrayLike<number>).join(', ')}]`;
  try {
    return JSON.stringify(v, null, 1);
  } catch {
    return String(v);
  }
};

/** The run in progress: its id (every message carries it) and whether its own cell (not a prelude cell) is running. */
let current: { id: number; final: boolean; failure?: unknown } | undefined;
const emit = (m: Record<string, unknown>) => current?.final && post({ ...m, id: current.id });
const log = (...args: unknown[]) => emit({ type: 'log', text: args.map(fmt).join(' ') });
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'table'] as const;
const consoleShim = Object.fromEntries(CONSOLE_METHODS.map((k) => [k, log]));
tslab.setSink((kind, content, slot) => emit({ type: kind, text: content, slot }));

/** A run's unhandled rejections and uncaught errors (from callbacks the reader's code left behind) fail that run. */
self.addEventListener('unhandledrejection', (ev) => {
  if (!current) return;
  ev.preventDefault();
  current.failure ??= ev.reason ?? new Error('a promise was rejected without a reason');
});
self.addEventListener('error', (ev) => {
  if (!current) return;
  ev.preventDefault();
  current.failure ??= ev.error ?? new Error(ev.message);
});

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
// Started as soon as the worker loads, so that a warm worker has its backend before the first Run.
const backendReady = pickBackend();
backendReady.then(
  (backend) => post({ type: 'ready', backend }),
  (e) => post({ type: 'ready', error: String(e) }),
);

/**
 * core as the notebooks see it, with the backend chooser replaced by the worker's choice: core's own initBackend
 * reads Node's process.env and tries tfjs-node, neither of which exists here.
 */
function browserCore(backend: string): Record<string, unknown> {
  const choice: core.BackendChoice = { name: backend as core.BackendChoice['name'], tfName: backend, skipped: [] };
  return {
    ...core,
    initBackend: async () => choice,
    selectBackend: async () => choice,
    describeBackend: () => `${backend} (TensorFlow.js in this page's Web Worker)`,
  };
}

/** The line a stack frame of the reader's code points at, in the script named `file`. */
function framePosition(stack: string | undefined, file: string): { line: number; column: number } | undefined {
  const m = stack && new RegExp(`${file.replace('.', '\\.')}:(\\d+):(\\d+)`).exec(stack);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

const SCRIPT = 'block.ts';
const UNHANDLED_GRACE_MS = 30;
// An error thrown deep inside tfjs has more frames than V8's default 10 above the reader's line: keep them all.
(Error as { stackTraceLimit?: number }).stackTraceLimit = 200;
/** Sucrase's parse errors end in "(line:column)", both counted from 1, as the panel shows them. */
const SYNTAX_POSITION = /\s*\((\d+):(\d+)\)$/;

/**
 * tslab gives each cell a scope of its own, so a later cell may declare `const x` again (notebook 01 does). Joined
 * into one function, that is a SyntaxError; a top-level `var` may be declared again. Cells are formatted code, so a
 * top-level declaration is one that starts its line; the line count stays the same, and errors keep their lines.
 */
const redeclarable = (cell: string): string => cell.replace(/^(const|let)(\s)/gm, 'var$2');

async function run({ id, prelude, code }: RunRequest): Promise<void> {
  const started = performance.now();
  const backend = await backendReady;
  // The reader's block alone first: a syntax error there is reported at the block's own line and column.
  try {
    transform(code, { transforms: ['typescript', 'imports'], disableESTransforms: true });
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    const m = SYNTAX_POSITION.exec(err.message);
    const at = err.loc ?? (m ? { line: Number(m[1]), column: Number(m[2]) } : undefined);
    post({ type: 'error', id, text: `SyntaxError: ${err.message.replace(SYNTAX_POSITION, '')}`, line: at?.line, column: at?.column });
    return;
  }
  const helpers = { ...nb, initBackend: async () => backend };
  const modules: Record<string, unknown> = {
    '@tensorflow/tfjs': tf,
    '@tensorflow/tfjs-core': tf,
    '@tensorflow/tfjs-backend-cpu': {},
    '@tensorflow/tfjs-backend-wasm': {},
    '@ddpm-derived/core': browserCore(backend),
    tslab,
    '../lib/nb': helpers,
    '../lib/nb.js': helpers,
  };
  const requireShim = (name: string) => {
    if (name in modules) return modules[name];
    throw new Error(`module '${name}' is not available here (available: ${Object.keys(modules).join(', ')})`);
  };
  // All cells in one transform: sucrase rewrites an import's uses (core.x → _core.x) across the cells. It keeps line
  // numbers, so the reader's line k is line finalStart + k − 1 of the whole.
  const cells = [...prelude, code];
  const parts = cells.map((c, k) => `__cell(${k === cells.length - 1});\n${redeclarable(c)}`);
  const before = parts.slice(0, -1).map((p) => `${p}\n;\n`).join('');
  const finalStart = before.split('\n').length + 1; // after the `__cell(true);` line
  const js = transform(before + parts[parts.length - 1], { transforms: ['typescript', 'imports'], disableESTransforms: true }).code;
  // The probe on the body's first line tells where the body starts in the script the engine numbers (new Function
  // puts a header of its own above it); js's line 1 is two lines below the probe.
  const body = `__probe(new Error());\nreturn (async () => {\n${js}\n})();\n//# sourceURL=${SCRIPT}`;
  let probeLine = 1;
  const fn = new Function('require', 'console', '__cell', '__probe', 'exports', 'module', body) as (...a: unknown[]) => Promise<unknown>;
  const exportsObj = {};
  const globalConsole = Object.fromEntries(CONSOLE_METHODS.map((k) => [k, console[k]]));
  const variablesBefore = new Set(Object.keys(tf.engine().state.registeredVariables));
  current = { id, final: false };
  Object.assign(console, consoleShim); // the notebooks' helpers log to the global console
  tf.engine().startScope();
  try {
    await fn(requireShim, consoleShim, (isFinal: boolean) => (current!.final = isFinal), (e: Error) => (probeLine = framePosition(e.stack, SCRIPT)?.line ?? 1), exportsObj, { exports: exportsObj });
    // Chrome reports a rejection nobody handled in a task of its own after the run settles: give it a moment.
    await new Promise((r) => setTimeout(r, UNHANDLED_GRACE_MS));
    if (current.failure !== undefined) throw current.failure;
    post({ type: 'done', id, ms: performance.now() - started, backend });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(`a value was thrown: ${fmt(e)}`);
    const at = framePosition(err.stack, SCRIPT);
    const jsLine = at ? at.line - probeLine - 1 : undefined;
    const line = jsLine !== undefined ? jsLine - finalStart + 1 : undefined;
    const where = line === undefined ? {} : line >= 1 ? { line, column: at!.column } : { inPrelude: true };
    post({ type: 'error', id, text: `${err.name}: ${err.message}`, ...where });
  } finally {
    current = undefined;
    Object.assign(console, globalConsole);
    try {
      tf.engine().endScope();
      const variables = tf.engine().state.registeredVariables;
      for (const name of Object.keys(variables)) if (!variablesBefore.has(name)) variables[name]!.dispose();
    } catch {
      /* a run that disposed its own tensors leaves nothing to clean */
    }
  }
}

self.onmessage = (ev: MessageEvent<RunRequest>) => {
  if (ev.data.type === 'run') void run(ev.data).catch((e) => post({ type: 'error', id: ev.data.id, text: String(e) }));
};
