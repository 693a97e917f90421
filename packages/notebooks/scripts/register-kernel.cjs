// Registers the tslab (TypeScript) kernel for this checkout only, under packages/notebooks/.jupyter, using the
// Python that runs Debian's Jupyter and this checkout's tslab binary. Idempotent.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pkg, jupyterPrefix, jupyterEnv } = require('./paths.cjs');

const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const tslab = path.join(pkg, 'node_modules', '.bin', 'tslab');
if (!fs.existsSync(tslab)) throw new Error(`tslab is not installed at ${tslab}: run pnpm install first`);
execFileSync(tslab, ['install', `--python=${python}`, `--prefix=${jupyterPrefix}`, `--binary=${tslab}`], { stdio: 'inherit' });
const specs = execFileSync(
  python,
  ['-c', 'from jupyter_client.kernelspec import KernelSpecManager as K; print(K().find_kernel_specs())'],
  { env: jupyterEnv(), encoding: 'utf8' },
);
if (!/\btslab\b/.test(specs)) throw new Error(`tslab kernel not visible to Jupyter after registration:\n${specs}`);
console.log(`tslab kernel registered for this checkout in ${jupyterPrefix}`);
