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
import * as core from '@ddpm-derived/core';
import { transform } from 'sucrase';
import * as tslab from './tslab-shim';
import { parseBackendOrder, pickBackend } from './backend-chain';
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

// Started as soon as the worker loads, so that a warm worker has its backend before the first Run.
// The live pages' chain (webgpu → webgl → wasm → cpu), which passes over a WebGL that a CPU emulates (SwiftShader):
// the blocks ran 2–10× slower there than on wasm.
const backendReady = pickBackend(parseBackendOrder(undefined), new URL('./', self.location.href).href).then((pick) => pick.name);
backendReady.then(
  (backend) => post({ type: 'ready', backend }),
  (e) => post({ type: 'ready', error: String(e) }),
);

// ---------------------------------------------------------------------------------------------------------------
// Files the notebooks read from disk in Node, fetched from the site instead. The worker sits at <site>/runtime/.
const siteRoot = new URL('../', self.location.href);
const siteFile = (name: string) => new URL(name, siteRoot).href;

/**
 * The first `bytes` bytes of a file of the site, synchronously (a Web Worker may block on a request; core.loadMnist
 * is synchronous): an HTTP Range request, so a block that asks for 2000 digits loads 1.5 MB of the 47 MB file. A
 * server that ignores the range sends the whole file, which is cut here.
 */
function fetchHeadSync(name: string, bytes: number): Uint8Array {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', siteFile(name), false);
  xhr.responseType = 'arraybuffer';
  xhr.setRequestHeader('Range', `bytes=0-${bytes - 1}`);
  xhr.send();
  if (xhr.status !== 200 && xhr.status !== 206) throw new Error(`${name}: HTTP ${xhr.status}`);
  const all = new Uint8Array(xhr.response as ArrayBuffer);
  return all.byteLength > bytes ? all.slice(0, bytes) : all;
}

const MNIST_COUNT = { train: 60000, test: 10000 } as const;
/** The first n records of an IDX file (header: magic, then one big-endian size per dimension), its count set to n. */
function idxHead(name: string, header: number, record: number, n: number): Uint8Array {
  const bytes = fetchHeadSync(name, header + n * record);
  if (bytes.byteLength !== header + n * record) throw new Error(`${name}: ${bytes.byteLength} bytes arrived, ${header + n * record} were asked for`);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(4, n);
  return bytes;
}

/** core.loadMnist in the page: the same checks and preparation (core.mnistFromIdx), on the site's copy of the files. */
function loadMnistInBrowser(split: unknown = 'train', limit?: number, size = 32): core.MnistData {
  if (split !== 'train' && split !== 'test') throw new core.DomainError('loadMnist', 'split', "'train' or 'test'", String(split));
  const count = MNIST_COUNT[split];
  if (limit !== undefined) core.assertCount('loadMnist', 'limit', limit, 1, count);
  const n = limit ?? count;
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = idxHead(`mnist/${prefix}-images-idx3-ubyte`, 16, 28 * 28, n);
  const labels = idxHead(`mnist/${prefix}-labels-idx1-ubyte`, 8, 1, n);
  return core.mnistFromIdx(images, labels, n, size);
}

/**
 * The shipped weights, fetched and verified (checksums, finiteness: core.readCheckpointFiles) before a block runs,
 * since core.loadShipped is synchronous and a fetch is not. Kept while the worker lives, so a re-run fetches nothing.
 */
let shippedManifest: Promise<core.ShippedManifest> | undefined;
const shippedFiles = new Map<string, Promise<core.CheckpointFiles>>();
const SHIPPED_NAME = /\bloadShipped\(\s*['"]([a-z0-9-]+)['"]/g;
const fetchedManifest: { value?: core.ShippedManifest } = {};
const fetchedFiles = new Map<string, core.CheckpointFiles>();

function checkpointFiles(folder: string): Promise<core.CheckpointFiles> {
  let p = shippedFiles.get(folder);
  if (!p) {
    p = core.readCheckpointFiles(core.fetchCheckpointReader(siteFile(`weights/${folder}/`)), { where: `weights/${folder}/` });
    shippedFiles.set(folder, p);
    p.then((files) => fetchedFiles.set(folder, files), () => shippedFiles.delete(folder)); // a failed fetch may be retried
  }
  return p;
}

/** Fetch what the cells will ask core.loadShipped and core.readShippedManifest for (names written as strings). */
async function prefetchShipped(cells: readonly string[]): Promise<void> {
  const names = new Set(cells.flatMap((c) => [...c.matchAll(SHIPPED_NAME)].map((m) => m[1]!)));
  if (names.size === 0 && !cells.some((c) => /\breadShippedManifest\(/.test(c))) return;
  shippedManifest ??= fetch(siteFile('weights/manifest.json'))
    .then((res) => {
      if (!res.ok) throw new Error(`weights/manifest.json: HTTP ${res.status}`);
      return res.json();
    })
    .then((json) => (fetchedManifest.value = core.checkShippedManifest(json, 'weights/manifest.json')));
  shippedManifest.catch(() => (shippedManifest = undefined));
  await shippedManifest;
  for (const name of names) {
    const files = await checkpointFiles(name);
    const stage = core.firstStageRecord(files.manifest.meta, `weights/${name}`, 'loadShipped');
    if (stage) await checkpointFiles(`${name}/${stage.folder}`);
  }
}

function readShippedManifestInBrowser(): core.ShippedManifest {
  if (!fetchedManifest.value) throw new Error('readShippedManifest: weights/manifest.json is fetched before a block that calls core.readShippedManifest() runs; it was not');
  return fetchedManifest.value;
}

/** core.loadShipped in the page: the model assembled by core.shippedFromFiles from the files fetched before the run. */
function loadShippedInBrowser(name: string): core.LoadedShipped {
  const entry = readShippedManifestInBrowser().models.find((m) => m.name === name);
  if (!entry) throw new core.DomainError('loadShipped', 'name', 'one of the models in weights/manifest.json', name);
  const files = fetchedFiles.get(name);
  if (!files) {
    throw new Error(`loadShipped: in the browser the weights are fetched before a block runs, for names written as strings; write core.loadShipped('${name}')`);
  }
  const stage = core.firstStageRecord(files.manifest.meta, `weights/${name}`, 'loadShipped');
  return core.shippedFromFiles(entry, files, `weights/${name}`, stage ? fetchedFiles.get(`${name}/${stage.folder}`) : undefined);
}

/**
 * core as the notebooks see it, with the backend chooser replaced by the worker's choice (core's own initBackend
 * reads Node's process.env and tries tfjs-node, neither of which exists here), and MNIST and the shipped weights
 * read from the site instead of the disk.
 */
function browserCore(backend: string): Record<string, unknown> {
  const choice: core.BackendChoice = { name: backend as core.BackendChoice['name'], tfName: backend, skipped: [] };
  return {
    ...core,
    initBackend: async () => choice,
    selectBackend: async () => choice,
    describeBackend: () => `${backend} (TensorFlow.js in this page's Web Worker)`,
    loadMnist: loadMnistInBrowser,
    loadShipped: loadShippedInBrowser,
    readShippedManifest: readShippedManifestInBrowser,
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
  try {
    await prefetchShipped([...prelude, code]);
  } catch (e) {
    post({ type: 'error', id, text: `Error: could not fetch the shipped weights: ${e instanceof Error ? e.message : String(e)}` });
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
